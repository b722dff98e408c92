"""Files that ship inside the package (templates, the master workbook and its VBA source, statutory
data), found with ``importlib.resources`` so every command works from an installed wheel, in any
working directory, exactly as from the source tree."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_file(*parts: str) -> Path:
    """The path of a file or folder shipped in the ``ecomdept`` package (``package_file("templates")``).

    The package is installed as plain files (pip's wheels always are), so the resource is a real path
    that Jinja's loader, Typst and ``open`` can use directly."""
    resource = files("ecomdept").joinpath(*parts)
    return Path(str(resource))
