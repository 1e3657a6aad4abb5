"""anndl: re-run the classic neural-network curriculum's experiments from YAML configs."""

__version__ = "0.1.0"
