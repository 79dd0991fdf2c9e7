"""Pause and resume Amazon MWAA environments, restoring them exactly as they were."""

__version__ = "0.1.0"
