"""Build udfs/ecomdept/workbook/master.xlsm, the packaged sample master workbook: .venv/bin/python scripts/build_master.py [-o PATH]

The sheets with the seeded sample data, 计算月份 and the buttons on 说明, and the VBA project of the
installed xlwings with ecomdept/workbook/vba/Buttons.bas as its user module (see ecomdept.excel.master and
ecomdept.excel.vba_project). Its xlwings.conf names no interpreter and no PYTHONPATH: a user's own
copy, which does, comes from ``ecomdept excel init``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "udfs"))

from ecomdept.excel.master import BUTTONS, build  # noqa: E402,F401  (BUTTONS: for callers of this script)

NO_VENV = ("这个 Python（{python}）没有装 ecomdept 的依赖（缺 {missing}）：请在仓库目录里运行 "
           ".venv/bin/python scripts/build_master.py（Windows：.venv\\Scripts\\python scripts\\build_master.py），"
           "或先 source .venv/bin/activate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--output", default=str(ROOT / "udfs" / "ecomdept" / "workbook" / "master.xlsm"))
    args = parser.parse_args()
    try:
        built = build(Path(args.output))
    except ModuleNotFoundError as exc:  # a Python without ecomdept's dependencies (the venv not active)
        raise SystemExit(NO_VENV.format(python=sys.executable, missing=exc.name)) from None
    print(f"已生成 {built}")


if __name__ == "__main__":
    main()
