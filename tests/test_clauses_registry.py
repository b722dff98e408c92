"""Every rule the product cites can be looked up: the registry, the docs page, the README."""

import re
from pathlib import Path

from ecomdept.core import clauses
from ecomdept.inputs.rules import PARAMS

ROOT = Path(__file__).resolve().parents[1]


def cited_ids() -> set[str]:
    found = set()
    for path in list((ROOT / "udfs" / "ecomdept").rglob("*.py")) + list((ROOT / "udfs" / "ecomdept" / "templates").iterdir()):
        found |= set(clauses.ID.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_cited_clause_is_registered_with_a_readable_section():
    missing = cited_ids() - set(clauses.registry())
    assert not missing, sorted(missing)
    for clause_id, entry in clauses.registry().items():
        assert re.search(r"《.+》|公告", entry["section"]), clause_id
        assert re.search("[\u4e00-\u9fff]", entry["rule"]), clause_id


def test_clause_parameters_exist():
    known = {p.id for p in PARAMS}
    for clause_id, entry in clauses.registry().items():
        for param in (p.strip() for p in entry["params"].split(",") if p.strip()):
            assert param in known or param.startswith("kpi."), (clause_id, param)


def test_docs_page_is_current_and_the_readme_points_inside_the_project():
    assert (ROOT / "docs" / "clauses.md").read_text(encoding="utf-8") == clauses.markdown(), \
        "docs/clauses.md 已过期：python -m ecomdept.core.clauses"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/clauses.md" in readme and "../shared" not in readme and "shared/" not in readme


def test_readable_text_names_the_section():
    assert clauses.cite("ABS-01/ABS-04") == "《电商部管理制度》第二章 三、1；《电商部管理制度》第二章 三、2"
    assert "第二章 三、2" in clauses.readable("按旷工处理（ABS-04）") and "ABS-04" not in clauses.readable("（ABS-04）")
