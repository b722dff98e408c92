"""One Jinja environment (StrictUndefined) and every template filter, in one place.

Templates ship in the package (``ecomdept/templates``); to restyle payslips and the report without
touching code, copy that folder and point ``ECOMDEPT_TEMPLATES`` or
``--templates`` at the copy.

Typst templates (``*.typ``, the PDF payslips) are rendered by the same environment with one
difference: a ``{{ value }}`` never becomes Typst source. Its text goes into a list of values that the
document receives as JSON (``sys.inputs``), and the source gets only ``#_v.at(N);`` — a reference
that Typst shows as plain text. A name like ``#read("/etc/passwd")`` or ``*粗体*`` is therefore printed
as written; only ``Markup`` (``| safe``) is written into the source as it is.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from ecomdept.worktime.attendance import hours_text
from ecomdept.core.clauses import line_citation, plain, readable
from ecomdept.core.money import fmt_yuan
from ecomdept.core.money_words import rmb_upper
from ecomdept.core.privacy import mask_account, mask_id
from ecomdept.core.resources import package_file

PACKAGE_TEMPLATES = package_file("templates")


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
    env.filters.update(yuan=fmt_yuan, rmb_upper=rmb_upper, mask_id=mask_id, mask_account=mask_account, hours=_hours,
                       date_cn=_date_cn, spaceless=_spaceless, plain=plain, cite=line_citation,
                       readable=readable)
    return env


def render(name: str, folder: str | None = None, **context) -> str:
    return environment(folder).get_template(name).render(**context)


TYPST_VALUES = "values"  # the sys.inputs key of the JSON list of values
TYPST_PREAMBLE = f'#let _v = json(bytes(sys.inputs.{TYPST_VALUES}))\n'


@jinja2.pass_context
def _typst_reference(context, value) -> str:
    if isinstance(value, Markup):
        return str(value)
    text = str(value)
    if not text:
        return ""
    values = context["_typst_values"]
    return f"#_v.at({values.setdefault(text, len(values))});"  # ';' ends the expression: nothing after it joins


@cache
def _typst_environment(folder: str | None) -> jinja2.Environment:
    return environment(folder).overlay(finalize=_typst_reference)


def render_typst(name: str, folder: str | None = None, **context) -> tuple[str, list[str]]:
    """Typst source and the values it refers to (pass them as ``sys.inputs[TYPST_VALUES]``, JSON)."""
    values: dict[str, int] = {}
    source = _typst_environment(folder).get_template(name).render(_typst_values=values, **context)
    return TYPST_PREAMBLE + source, list(values)
