"""The version of losscli (one place)."""

__version__ = "0.1.0"
