"""``python -m fairedge.cli`` is the ``fairedge`` command."""

from fairedge.cli import main

main()
