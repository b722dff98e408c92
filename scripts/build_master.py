"""Build workbook/master.xlsm from text in the repo: python scripts/build_master.py [-o PATH] [--no-xlwings]

- VBA: every workbook/vba/*.bas becomes a standard module of a vbaProject.bin built with the
  ms-ovba package (its copy-token length bound is corrected here, see ``_fix_compression``);
  Buttons.bas holds one parameterless Sub per button, each calling RunPython on a function of
  ``ecomdept.excel.buttons``; xlwings.bas is the xlwings VBA module of the pinned xlwings version.
- Sheets: the schema of the master workbook with the seeded sample data, 计算月份 and the four buttons
  on 说明, and an xlwings.conf sheet (PYTHONPATH, UDF Modules).
- ``--no-xlwings`` leaves xlwings.bas out (for LibreOffice, which cannot compile it).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VBA_DIR = ROOT / "workbook" / "vba"
BUTTONS = [("校验数据", "ValidateData"), ("计算考勤", "ComputeAttendance"), ("计算工资", "ComputePayroll"),
           ("生成工资条", "MakePayslips")]
CONF = [["PYTHONPATH", r"..\udfs"], ["UDF Modules", "ecomdept.excel.functions"], ["Interpreter_Win", ""],
        ["Interpreter_Mac", ""], ["Show Console", "False"]]
PROJECT_ID = "{6A3E4C2B-0E2D-4F5A-9C1B-3D7E8F9A0B1C}"


def _fix_compression() -> None:
    """MS-OVBA 2.4.1.3.19.1: MaximumLength = (0xFFFF >> BitCount) + 3. ms-ovba-compression 1.0.1 computes
    0xFFFF << BitCount + 3, which lets long matches overflow the copy token; replace the helper."""
    from ms_ovba_compression.ms_ovba import MsOvba

    def copytoken_help(difference: int) -> dict:
        bit_count = max(MsOvba.ceil_log2(difference), 4)
        length_mask = 0xFFFF >> bit_count
        return {"lengthMask": length_mask, "offsetMask": ~length_mask & 0xFFFF, "bitCount": bit_count,
                "maxLength": (0xFFFF >> bit_count) + 3}

    MsOvba.copytoken_help = staticmethod(copytoken_help)


def build_vba_project(modules: list[Path], folder: Path) -> Path:
    _fix_compression()
    import ms_ovba
    from ms_ovba.Models.Entities.doc_module import DocModule
    from ms_ovba.Models.Entities.reference import Reference
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
    from ms_ovba.Models.Entities.std_module import StdModule
    from ms_ovba.Models.Fields.libid_reference import LibidReference
    from ms_ovba.vbaProject import VbaProject
    from ms_ovba.Views.project_ole_file import ProjectOleFile

    blank = Path(ms_ovba.__path__[0]) / "blank_files"
    project = VbaProject()
    project.project_id = PROJECT_ID
    for name, guid, file in (("Sheet1", "0002082000000000C000000000000046", "Sheet1.cls"),
                             ("ThisWorkbook", "0002081900000000C000000000000046", "ThisWorkbook.cls")):
        copy = folder / file  # ms-ovba rewrites the file it is given: never hand it the package's own
        copy.write_bytes((blank / file).read_bytes())
        module = DocModule(name)
        module.add_file(str(copy))
        module.add_guid(uuid.UUID(guid))
        module.normalize_file()
        project.add_module(module)
    cwd = os.getcwd()
    os.chdir(folder)  # ms-ovba writes its streams and vbaProject.bin into the working folder
    try:
        for path in modules:
            copy = folder / path.name
            copy.write_bytes(path.read_bytes())
            module = StdModule(path.stem)
            module.add_file(str(copy))
            module.normalize_file()
            project.add_module(module)
        stdole = LibidReference(uuid.UUID("0002043000000000C000000000000046"), "2.0", "0",
                                "C:\\Windows\\System32\\stdole2.tlb", "OLE Automation")
        project.add_reference(Reference(ReferenceRegistered(stdole), "stdole"))
        ProjectOleFile.write_file(project)
    finally:
        os.chdir(cwd)
    return folder / "vbaProject.bin"


def modules(with_xlwings: bool = True) -> list[Path]:
    return [p for p in sorted(VBA_DIR.glob("*.bas")) if with_xlwings or p.stem != "xlwings"]


def build(out: Path, with_xlwings: bool = True, extra_modules: list[Path] = ()) -> Path:
    from ecomdept import sample
    from ecomdept.master_workbook import write_master

    with tempfile.TemporaryDirectory() as tmp:
        vba = build_vba_project([p.resolve() for p in modules(with_xlwings) + list(extra_modules)], Path(tmp))
        data = sample.build()
        return write_master(out, data, title="电商部主工作簿（示例数据）", month=sample.DEFAULT_MONTH, buttons=BUTTONS,
                            vba_project=vba, conf=CONF)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--output", default=str(ROOT / "workbook" / "master.xlsm"))
    parser.add_argument("--no-xlwings", action="store_true", help="不含 xlwings VBA 模块（LibreOffice 检查用）")
    args = parser.parse_args()
    path = build(Path(args.output), not args.no_xlwings)
    print(f"已生成 {path}")


if __name__ == "__main__":
    main()
