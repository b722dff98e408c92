"""argparse in Chinese: its own texts (usage:, options, the -h help, its error messages) are looked
up through gettext; this table answers those lookups for the ``ecomdept`` command."""

from __future__ import annotations

import argparse

CHINESE = {
    "usage: ": "用法：",
    "positional arguments": "命令与参数",
    "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected at most one argument": "最多一个值",
    "invalid %(type)s value: %(value)r": "值无效：%(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "必须给出其中一个参数：%s",
    "ignored explicit argument %r": "多余的参数值 %r",
    "%(prog)s: error: %(message)s\n": "%(prog)s：参数错误：%(message)s\n",
}


def _translate(message: str) -> str:
    return CHINESE.get(message, message)


def install() -> None:
    """Route argparse's texts through the table (argparse binds gettext's function as ``_``)."""
    argparse._ = _translate
