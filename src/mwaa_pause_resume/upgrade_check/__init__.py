"""``upgrade-check``: a static scan (AST, no Airflow import) of DAG folders and a
requirements file for what breaks when an MWAA environment moves to a newer Airflow.

``rules.toml`` holds the rules (data), :mod:`.rules` reads them, :mod:`.scan` applies the
code rules to Python and template files, :mod:`.requirements` checks the requirements
against the target's constraints, :mod:`.findings` is what both report.
"""
