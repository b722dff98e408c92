"""Chinese fonts for the PDF payslips: found on the machine, pinned, and checked.

A PDF is only written with a font that has every character it shows. The fonts are looked for in
this order: ``--font`` / ``ECOMDEPT_FONT`` (a font file; nothing else is then used); fontconfig's
fonts for Simplified Chinese (``fc-list :lang=zh-cn``, Linux and wherever fontconfig is installed);
the usual Chinese font files in the system's font folders (Windows: 微软雅黑, 等线, 黑体, 宋体;
macOS: 苹方, 冬青黑体, 华文黑体, 宋体; Linux: 文泉驿, Noto / 思源黑体, Droid Sans Fallback); last, Noto Sans
CJK from the ``noto-cjk-sans-otc`` package that pip installs with ecomdept (SIL Open Font License 1.1),
used only when the machine has no Chinese font at all (a fresh Linux, a container), so a system font
still wins.

The chosen files are linked (or copied) into a private folder, and Typst loads that folder with the
system fonts ignored, so the PDF can use no other font than those checked here. Without one,
``FontMissing`` says in Chinese how to get a font; the caller writes no PDF.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FONT_ENV = "ECOMDEPT_FONT"
# characters of the payslip template itself: a font without them is no Chinese font
PROBE = "电商部工资条姓名工号实发应发扣款代扣考勤累计个税年月日元"
MAX_FAMILIES = 3
MAX_FILES = 4
FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")

# best first; families not named here come after them, by name
PREFERRED = ("Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC",
             "Source Han Sans CN", "Noto Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "DengXian", "SimHei",
             "Heiti SC", "STHeiti", "Droid Sans Fallback", "SimSun", "Songti SC", "STSong", "AR PL UMing CN",
             "AR PL UKai CN")
KNOWN_FILES = {
    "win32": ("msyh.ttc", "msyhbd.ttc", "msyh.ttf", "msyhbd.ttf", "Deng.ttf", "Dengb.ttf", "simhei.ttf",
              "simsun.ttc", "simkai.ttf", "simfang.ttf"),
    "darwin": ("PingFang.ttc", "Hiragino Sans GB.ttc", "STHeiti Light.ttc", "STHeiti Medium.ttc", "Songti.ttc",
               "Arial Unicode.ttf"),
    "other": ("wqy-microhei.ttc", "wqy-zenhei.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc",
              "NotoSansCJKsc-Regular.otf", "NotoSansCJKsc-Bold.otf", "NotoSansSC-Regular.otf", "NotoSansSC-Bold.otf",
              "NotoSansSC-Regular.ttf", "NotoSansSC-Bold.ttf", "SourceHanSansSC-Regular.otf",
              "SourceHanSansSC-Bold.otf", "SourceHanSansCN-Regular.otf", "SourceHanSansCN-Bold.otf",
              "DroidSansFallbackFull.ttf", "DroidSansFallback.ttf", "NotoSerifCJK-Regular.ttc", "uming.ttc", "ukai.ttc"),
}

INSTALL_HINT = ("请安装一种中文字体后重新运行：Debian/Ubuntu 运行 sudo apt-get install fonts-wqy-microhei"
                "（或 fonts-noto-cjk），Fedora 运行 sudo dnf install wqy-microhei-fonts；Windows 自带微软雅黑"
                r"（C:\Windows\Fonts\msyh.ttc），macOS 自带苹方与冬青黑体；也可以用环境变量 "
                f"{FONT_ENV}=字体文件路径（.ttf/.ttc/.otf）或 payroll 的 --font 字体文件路径 指定字体。"
                "不需要 PDF 时加 --no-pdf。")


class FontMissing(Exception):
    """No usable Chinese font: the message (Chinese) says how to get one."""


@dataclass(frozen=True)
class Face:
    family: str          # as Typst names it
    path: str            # the real file
    index: int           # face in a .ttc collection
    weight: int
    postscript: str      # how the PDF names the embedded font (after the subset tag)


@dataclass(frozen=True)
class FontSet:
    """The fonts a payslip PDF may use: ``families`` in order (Typst's font list, no fallback), loaded
    from ``folder`` only; ``covered`` are the code points every face in use has."""
    folder: str
    families: tuple[str, ...]
    faces: tuple[Face, ...]
    covered: frozenset[int]
    fake_bold: bool      # the first family has no bold face: bold is drawn with a thin outline

    @property
    def postscript_names(self) -> frozenset[str]:
        return frozenset(face.postscript for face in self.faces)

    def describe(self) -> str:
        return "、".join(f"{face.family}（{face.path}）" for face in self.faces if face.weight < 600)

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` that no font has (spaces and invisible format characters aside)."""
        return sorted(ch for ch in set(text) if ord(ch) not in self.covered
                      and unicodedata.category(ch) not in ("Cc", "Cf", "Zs", "Zl", "Zp"))


def find(override: str | os.PathLike | None = None) -> FontSet:
    """The fonts for this machine (``override``, else ``ECOMDEPT_FONT``, else found); ``FontMissing``."""
    chosen = override or os.environ.get(FONT_ENV) or None
    return _find(str(chosen) if chosen else None)


@cache
def _find(override: str | None) -> FontSet:
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise FontMissing(f"{FONT_ENV} / --font 指定的字体文件不存在：{path}。{INSTALL_HINT}")
        files = [path.resolve()]
    else:
        files = candidate_files()
    fontset = _load(files)
    if fontset is None and not override:  # no Chinese font on the machine: the one pip installed
        fontset = _load(_bundled_files())
    if fontset is None:
        where = f"字体文件 {files[0]} 不含中文字形。" if override else "本机没有找到中文字体，"
        raise FontMissing(f"{where}PDF 工资条未生成。{INSTALL_HINT}")
    return fontset


def clear_cache() -> None:
    """Forget the fonts found (after fonts were installed, or the environment changed)."""
    _find.cache_clear()


def candidate_files() -> list[Path]:
    """Font files that may hold Chinese, best first, each once."""
    seen: dict[str, Path] = {}
    for path in [*_fontconfig_files(), *_known_files()]:
        real = path.resolve()
        seen.setdefault(os.path.normcase(str(real)), real)
    return list(seen.values())


def _rank(family: str) -> tuple:
    return (PREFERRED.index(family) if family in PREFERRED else len(PREFERRED), "Mono" in family, family)


def _fontconfig_files() -> list[Path]:
    try:
        out = subprocess.run(["fc-list", ":lang=zh-cn", "--format", "%{family[0]}\t%{file}\n"], capture_output=True,
                             text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = {(_rank(family), path) for family, _tab, path in (line.partition("\t") for line in out.splitlines())
             if path.lower().endswith(FONT_SUFFIXES) and Path(path).is_file()}
    return [Path(path) for _rank_, path in sorted(found)]


def font_dirs() -> list[Path]:
    home = Path.home()
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = os.environ.get("LOCALAPPDATA")
        return [windir / "Fonts", *([Path(local) / "Microsoft" / "Windows" / "Fonts"] if local else [])]
    if sys.platform == "darwin":
        assets = sorted(Path("/System/Library/AssetsV2").glob("com_apple_MobileAsset_Font*"))
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library" / "Fonts", *assets]
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".local" / "share" / "fonts",
            home / ".fonts"]


def _known_files() -> list[Path]:
    names = KNOWN_FILES.get(sys.platform, KNOWN_FILES["other"])
    rank = {name.lower(): i for i, name in enumerate(names)}
    found: list[tuple[int, str, Path]] = []
    for folder in font_dirs():
        for root, _dirs, files in os.walk(folder):
            for name in files:
                if name.lower() in rank:
                    found.append((rank[name.lower()], str(Path(root) / name), Path(root) / name))
    return [path for _rank, _text, path in sorted(found)]


def _bundled_files() -> list[Path]:
    """Noto Sans CJK from the ``noto-cjk-sans-otc`` wheel (a dependency; absent only in a broken install)."""
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:
        return []
    path = Path(str(FONT_PATH))
    return [path] if path.is_file() else []


def _load(files: list[Path]) -> FontSet | None:
    """Link the first few ``files`` with Chinese into a private folder, ask Typst which faces it sees
    there and keep the best Chinese families (a face qualifies when it has every character of PROBE)."""
    chinese = []
    for path in files:
        if len(chinese) < MAX_FILES and any(_chinese(str(path), index) for index in range(_faces_in(path))):
            chinese.append(path)
    if not chinese:
        return None
    import typst

    folder = _private_folder()
    origin: dict[str, str] = {}
    for number, path in enumerate(chinese):
        link = folder / f"{number:02d}-{path.name}"
        _link(path, link)
        origin[os.path.normcase(str(link))] = origin[os.path.normcase(str(path))] = str(path)
    faces = [(origin.get(os.path.normcase(info.path), info.path), info)
             for info in typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                                     font_paths=[str(folder)]).fonts() if info.style == "normal"]
    regular = [info for path, info in faces if info.weight < 600 and _chinese(path, info.index)]
    families: list[str] = []
    chosen: list[Face] = []
    covered: set[int] = set()
    for family in sorted({info.family for info in regular}, key=_rank):
        mine = sorted(((path, info) for path, info in faces if info.family == family
                       and (info.weight < 600 or _chinese(path, info.index))), key=lambda f: (f[1].weight, f[0]))
        common = frozenset.intersection(*(_cmap(path, info.index)[0] for path, info in mine))
        if common <= covered:  # a further family only for characters the ones before lack
            continue
        families.append(family)
        covered |= common
        chosen += [Face(family, path, info.index, info.weight, _cmap(path, info.index)[1]) for path, info in mine]
        if len(families) == MAX_FAMILIES:
            break
    if not families:
        return None
    bold = any(face.family == families[0] and face.weight >= 600 for face in chosen)
    return FontSet(str(folder), tuple(families), tuple(chosen), frozenset(covered), fake_bold=not bold)


def _faces_in(path: Path) -> int:
    """How many fonts the file holds (a .ttc/.otc collection: several)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
    except OSError:
        return 0
    return int.from_bytes(head[8:12], "big") if head[:4] == b"ttcf" else 1


def _chinese(path: str, index: int) -> bool:
    covered = _cmap(path, index)[0]
    return all(ord(ch) in covered for ch in PROBE)


@cache
def _cmap(path: str, index: int) -> tuple[frozenset[int], str]:
    from fontTools.ttLib import TTFont

    try:
        with TTFont(path, fontNumber=index, lazy=True) as font:
            cmap = font.getBestCmap() or {}
            postscript = font["name"].getDebugName(6) or ""
    except Exception:  # noqa: BLE001  an unreadable file is no candidate
        return frozenset(), ""
    return frozenset(cmap), postscript


_folders: list[tuple[int, Path]] = []  # (process, folder) made by _private_folder


def _private_folder() -> Path:
    import multiprocessing.util

    _sweep()
    folder = Path(tempfile.mkdtemp(prefix=f"ecomdept-fonts-{os.getpid()}-"))
    if not any(owner == os.getpid() for owner, _ in _folders):
        atexit.register(release)
        # a forked helper (the results writer, a pool worker) ends through multiprocessing without atexit
        multiprocessing.util.Finalize(None, release, exitpriority=0)
    _folders.append((os.getpid(), folder))
    return folder


def _sweep() -> None:
    """Remove the font folders of runs that were killed (their process is gone, so nothing else will)."""
    from ecomdept.core.runlock import alive

    for folder in Path(tempfile.gettempdir()).glob("ecomdept-fonts-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def release() -> None:
    """Remove the private font folders this process made (at exit, and from ``ecomdept``'s own exit,
    which ends the process without running ``atexit``). Fonts found afterwards are linked again."""
    mine = [folder for owner, folder in _folders if owner == os.getpid()]
    _folders.clear()
    if mine:
        _find.cache_clear()
    for folder in mine:
        shutil.rmtree(folder, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    for make in (os.link, os.symlink):  # Windows may allow neither: then a copy
        try:
            make(source, target)
            return
        except OSError:
            pass
    shutil.copyfile(source, target)
