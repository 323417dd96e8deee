"""``python -m losscli``."""

from losscli.cli import app

app(prog_name="losscli")
