"""``python -m losscli``: the console entry point (``losscli._entry``)."""

from losscli._entry import main

main()
