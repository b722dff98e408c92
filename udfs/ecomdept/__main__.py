"""``python -m ecomdept``: the same command line as the ``ecomdept`` script."""

from ecomdept.cli import console

raise SystemExit(console())
