"""How to reach the mail server: the 发送设置 rows of 规则 (``send.<key>``), overridden by a config
file (``--config 发送设置.toml``), with defaults for what neither says. The password is never in
either (SEC-04): it is read from the environment variable ``send.password_env`` names
(ECOMDEPT_SMTP_PASSWORD by default), else from the system keyring (Windows Credential Manager,
macOS Keychain), where ``ecomdept send --save-password`` puts it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path

from ecomdept.inputs import send_rules

KEYRING_SERVICE = "ecomdept-smtp"
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class SettingsError(Exception):
    """A setting that is missing or wrong, said in Chinese with where to put it right."""


@dataclass(frozen=True)
class SendSettings:
    host: str
    port: int
    security: str
    sender: Address
    user: str | None  # None: the server takes mail without logging in
    password_env: str
    rate_per_minute: int
    retries: int
    retry_wait_seconds: float
    body: str
    subject: str

    def describe(self) -> str:
        login = f"用户 {self.user}" if self.user else "不登录"
        return f"{self.host}:{self.port}（{self.security}，{login}），发件人 {self.sender.addr_spec}"


def valid_address(text: str) -> bool:
    return bool(ADDRESS.match(text or "")) and len(text) <= 254


def parse_sender(text: str) -> Address:
    if any(ch in text for ch in "\r\n"):
        raise SettingsError("发件人不能含换行")
    name, addr = parseaddr(text)
    if not valid_address(addr):
        raise SettingsError(f"发件人「{text}」不是有效的邮箱地址（如 hr@example.com，或「电商部人事 <hr@example.com>」）")
    user, domain = addr.rsplit("@", 1)
    return Address(display_name=name, username=user, domain=domain)


def load_config(path: Path) -> dict:
    """A TOML file: the keys of 发送设置 at the top level or under [发送设置] / [send]."""
    import tomllib

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise SettingsError(f"找不到发送配置文件 {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"发送配置文件 {path} 无法读取：{exc}（应为 TOML，如 smtp_host = \"smtp.example.com\"）") from None
    table = data.get(send_rules.SECTION) or data.get("send") or data
    values = {}
    for key, value in table.items():
        if isinstance(value, dict):
            continue
        key = key.removeprefix("send.").lower()
        param = send_rules.BY_KEY.get(key)
        if param is None:
            if send_rules.SECRET.search(key):
                raise SettingsError(f"发送配置文件 {path}：" + send_rules.password_row_message(key).replace("「send.", "「"))
            raise SettingsError(f"发送配置文件 {path}：没有参数「{key}」，可用：{'、'.join(send_rules.BY_KEY)}")
        try:
            values[key] = send_rules.parse_value(param, value)
        except ValueError as exc:
            shown = "（不显示）" if key == "password_env" else f"「{value}」"
            raise SettingsError(f"发送配置文件 {path}：「{key}」（{param.label}）的值{shown}无效：{exc}") from None
    return values


def resolve(from_rules: dict, from_file: dict | None = None, where: str = "规则表的发送设置") -> SendSettings:
    """The settings in force: the config file over 规则 over the defaults; SettingsError if the
    server or the sender is missing."""
    values = {p.key: p.default for p in send_rules.SEND_PARAMS}
    values.update({k: v for k, v in from_rules.items() if v not in (None, "")})
    values.update({k: v for k, v in (from_file or {}).items() if v not in (None, "")})
    missing = [f"send.{k}（{send_rules.BY_KEY[k].label}）" for k in ("smtp_host", "sender") if not values[k]]
    if missing:
        raise SettingsError(f"发送设置缺少 {'、'.join(missing)}：请在{where}中填写（参数列写 send.smtp_host 等，"
                            f"值列写服务器与发件地址），或用 --config 指定配置文件")
    sender = parse_sender(str(values["sender"]))
    user = str(values["user"] or sender.addr_spec)
    host = str(values["smtp_host"]).strip()
    if not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", host):
        raise SettingsError(f"SMTP 服务器「{host}」不是有效的主机名")
    security = values["security"]
    if security == "none" and host.lower() not in LOCAL_HOSTS and user != "-":
        raise SettingsError(f"send.security = none 时密码会明文发往 {host}：只能用于本机中继（localhost）或不登录"
                            f"（send.user 写 -）；请改为 ssl 或 starttls")
    return SendSettings(host=host, port=int(values["smtp_port"]) or DEFAULT_PORTS[security], security=security,
                        sender=sender, user=None if user == "-" else user, password_env=str(values["password_env"]),
                        rate_per_minute=int(values["rate_per_minute"]), retries=int(values["retries"]),
                        retry_wait_seconds=float(values["retry_wait_seconds"]), body=values["body"],
                        subject=str(values["subject"]))


def _keyring():
    try:
        import keyring
    except ImportError:
        return None
    return keyring


def keyring_account(settings: SendSettings) -> str:
    return f"{settings.user}@{settings.host}"


def password(settings: SendSettings) -> str | None:
    """None when the server takes mail without logging in; SettingsError when it needs a password
    and none is found."""
    if settings.user is None:
        return None
    secret = os.environ.get(settings.password_env)
    if secret:
        return secret
    keyring = _keyring()
    if keyring is not None:
        try:
            secret = keyring.get_password(KEYRING_SERVICE, keyring_account(settings))
        except Exception:  # noqa: BLE001 — no keyring backend on this system: say where else to put it
            secret = None
        if secret:
            return secret
    raise SettingsError(f"没有找到 {settings.user} 的 SMTP 密码：请设置环境变量 {settings.password_env}，"
                        f"或运行 ecomdept send --save-password 存入系统钥匙串（密码不写进工作簿）")


def save_password(settings: SendSettings, secret: str) -> str:
    """Store the password in the system keyring; returns where, in Chinese."""
    keyring = _keyring()
    if keyring is None:
        raise SettingsError(f"本机没有安装 keyring：请改用环境变量 {settings.password_env}")
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_account(settings), secret)
    except Exception:  # noqa: BLE001 — e.g. a Linux server without a keyring service
        raise SettingsError(f"本机没有可用的系统钥匙串，密码未保存：请改用环境变量 {settings.password_env}") from None
    return f"系统钥匙串（服务 {KEYRING_SERVICE}，账号 {keyring_account(settings)}）"
