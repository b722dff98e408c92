"""``python -m ecomdept``: the same command line as the ``ecomdept`` script."""

from .cli import main

raise SystemExit(main())
