"""The zaro version, recorded in generated data, models and reports."""

__version__ = "0.2.0"
