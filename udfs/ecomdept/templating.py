"""One Jinja environment (StrictUndefined) and every template filter, in one place.

Templates live in the top-level ``templates/`` folder so users can restyle payslips and the report
without touching code; ``ECOMDEPT_TEMPLATES`` or ``--templates`` points at another folder.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from .attendance import hours_text
from .money import fmt_yuan
from .privacy import mask_account, mask_id

PACKAGE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def template_dir(override: str | Path | None = None) -> Path:
    return Path(override or os.environ.get("ECOMDEPT_TEMPLATES") or PACKAGE_TEMPLATES)


def _hours(minutes: int) -> str:
    return hours_text(minutes) + " 小时"


_BETWEEN_TAGS = re.compile(r">[ \t\r\n]+<")


def _spaceless(html) -> Markup:
    """Drop the whitespace between tags (``{% filter spaceless %}``); text keeps its spaces."""
    return Markup(_BETWEEN_TAGS.sub("><", str(html)))


def _date_cn(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


@cache
def environment(folder: str | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir(folder))),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters.update(yuan=fmt_yuan, mask_id=mask_id, mask_account=mask_account, hours=_hours, date_cn=_date_cn,
                       spaceless=_spaceless)
    return env


def render(name: str, folder: str | None = None, **context) -> str:
    return environment(folder).get_template(name).render(**context)
