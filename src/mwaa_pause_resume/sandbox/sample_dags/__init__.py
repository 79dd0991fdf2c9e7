"""Sample DAGs that give a sandbox environment real history (see ``sandbox/history.py``).

This directory is the environment's DAGs folder. ``seed_runner.py`` and
``compat.py`` are listed in ``.airflowignore``: they are not DAG files.
"""
