"""Local stand-ins for AWS: a throwaway PostgreSQL server, Airflow virtualenvs, the MWAA emulator.

Test infrastructure shipped as a feature (``mwaa-pause-resume sandbox``), never
imported by product code.
"""
