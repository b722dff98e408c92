"""The 发送设置 section of the 规则 sheet: rows ``send.<key>`` that say how ``ecomdept send`` mails the
payslips (SMTP server, sender, rate limit). The password is never one of them (SEC-04): it comes
from an environment variable or the system keyring, and a row that holds one is refused.

The same keys may come from a config file (``ecomdept send --config``), see ``ecomdept.delivery.settings``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecomdept.core.issues import ERROR, Issue
from ecomdept.inputs.cells import normalize_text, parse_text

SEND_KEY = re.compile(r"^send[.。](\w+)$", re.I)
SECTION = "发送设置"
PASSWORD_ENV = "ECOMDEPT_SMTP_PASSWORD"


@dataclass(frozen=True)
class SendParam:
    key: str
    label: str
    default: object
    kind: str  # text | count | choice | seconds
    doc: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None


SEND_PARAMS: tuple[SendParam, ...] = (
    SendParam("smtp_host", "SMTP 服务器", "", "text", "发件邮箱的 SMTP 服务器，如 smtp.exmail.qq.com（企业微信邮箱）、smtp.qiye.aliyun.com"),
    SendParam("smtp_port", "SMTP 端口", 0, "count", "0 = 按加密方式的默认端口（ssl 465，starttls 587，none 25）", low=0, high=65535),
    SendParam("security", "加密方式", "ssl", "choice", "ssl = SSL/TLS（465）；starttls = STARTTLS（587）；"
              "none = 不加密（只允许本机或内网中继）", ("ssl", "starttls", "none")),
    SendParam("sender", "发件人", "", "text", "发件地址，如 hr@example.com，或「电商部人事 <hr@example.com>」"),
    SendParam("user", "登录用户名", "", "text", "SMTP 登录名；空 = 发件地址；写 - 表示服务器不需要登录"),
    SendParam("password_env", "密码环境变量", PASSWORD_ENV, "text",
              "SMTP 密码所在的环境变量名（密码本身不写进工作簿）；没有这个变量时从系统钥匙串读取"),
    SendParam("rate_per_minute", "每分钟最多发送", 20, "count", "邮件服务商有发送频率限制（如每分钟 20 封）", low=1, high=6000),
    SendParam("retries", "临时错误重试次数", 3, "count", "服务器返回 4xx 临时错误或连接中断时的重试次数", low=0, high=10),
    SendParam("retry_wait_seconds", "重试等待", 10, "seconds", "第一次重试前等待的秒数，之后每次加倍", low=0, high=600),
    SendParam("body", "邮件正文", "text", "choice", "text = 一段简短说明（金额只在加密的 PDF 里）；"
              "html = 正文即工资条网页（正文不加密）", ("text", "html")),
    SendParam("subject", "邮件主题", "{年}年{月}月工资条", "text", "可用 {年} {月} {姓名}"),
)
BY_KEY = {p.key: p for p in SEND_PARAMS}
SECRET = re.compile(r"pass|pwd|secret|token|密码|口令|授权码", re.I)


def is_send_key(rule_id: str) -> bool:
    return bool(SEND_KEY.match(rule_id))


def parse_value(param: SendParam, value: object) -> object:
    """A value of the section, typed; ValueError with the expectation in Chinese."""
    if value is None or (isinstance(value, str) and not normalize_text(value)):
        return param.default
    if param.kind in ("count", "seconds"):
        if isinstance(value, bool):
            raise ValueError("应为数字")
        try:
            number = float(normalize_text(value) if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise ValueError("应为数字") from None
        if number != number or (param.kind == "count" and number != int(number)):
            raise ValueError("应为整数")
        if (param.low is not None and number < param.low) or (param.high is not None and number > param.high):
            raise ValueError(f"应在 {param.low:g}–{param.high:g} 之间")
        return int(number) if param.kind == "count" else number
    text = normalize_text(value) if isinstance(value, str) else parse_text(value)
    if any(ch in text for ch in "\r\n\0"):
        raise ValueError("不能含换行")
    if param.key == "password_env" and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", text):
        raise ValueError("应为环境变量的名字（字母、数字、下划线，如 ECOMDEPT_SMTP_PASSWORD），不是密码本身；"
                         "密码不写进工作簿")
    if param.kind == "choice":
        folded = {c.lower(): c for c in param.choices}
        if text.lower() not in folded:
            raise ValueError("应为 " + " / ".join(param.choices) + " 之一")
        return folded[text.lower()]
    return text


def password_row_message(key: str) -> str:
    return (f"「send.{key}」像是密码：SMTP 密码不能写在工作簿或配置文件里（SEC-04）。请删除这一行，"
            f"把密码放在环境变量 {PASSWORD_ENV} 中，或运行 ecomdept send --save-password 存入系统钥匙串")


def from_rows(rows: list[tuple[int | None, str, object]], sheet: str = "规则") -> tuple[dict, list[Issue]]:
    """``send.<key>`` rows → {key: value} (only keys that are present) and the problems found."""
    values: dict[str, object] = {}
    issues: list[Issue] = []
    seen: dict[str, int | None] = {}
    for row, rule_id, value in rows:
        key = SEND_KEY.match(rule_id).group(1).lower()
        param = BY_KEY.get(key)
        if param is None and SECRET.search(key):
            issues.append(Issue(sheet, row, "参数", password_row_message(key), ERROR, "rule_id", "send_password"))
            continue
        if param is None:
            import difflib

            close = difflib.get_close_matches(key, list(BY_KEY), n=1, cutoff=0.6)
            hint = f"：是否为「send.{close[0]}」？" if close else "，可用：" + "、".join(f"send.{k}" for k in BY_KEY)
            issues.append(Issue(sheet, row, "参数", f"{SECTION}中没有参数「send.{key}」{hint}", ERROR, "rule_id",
                                "rule_unknown"))
            continue
        if key in seen:
            issues.append(Issue(sheet, row, "参数", f"参数「send.{key}」重复，与第 {seen[key]} 行相同", ERROR, "rule_id",
                                "rule_duplicate"))
            continue
        seen[key] = row
        try:
            values[key] = parse_value(param, value)
        except ValueError as exc:
            shown = "（不显示）" if key == "password_env" else f"「{value}」"
            issues.append(Issue(sheet, row, "值", f"参数「send.{key}」（{param.label}）的值{shown}无效：{exc}", ERROR,
                                "value", "rule_value"))
    return values, issues


def sample_rows() -> list[list[object]]:
    """The section as the sample workbook writes it: the keys that have a default (值 may not be empty:
    the server, sender and user are added by HR, see the README)."""
    return [[f"send.{p.key}", SECTION, str(p.default), "", "SEC-04", f"{p.label}：{p.doc}"]
            for p in SEND_PARAMS if p.default != ""]
