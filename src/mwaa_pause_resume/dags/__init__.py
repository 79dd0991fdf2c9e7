"""The export and import DAGs that run inside the MWAA environment, and their helpers.

``mwaa_export_data.py`` and ``mwaa_import_data.py`` are the DAG files; they go to
the root of the environment's DAGs folder. Their helpers are imported as
``mwaa_pause_resume.dags.<module>``, so the DAGs folder also holds a slice of
this package (see :mod:`mwaa_pause_resume.dags.bundle`). Helpers import only the
standard library, psycopg2, boto3 and (lazily, version-guarded) Airflow.
"""
