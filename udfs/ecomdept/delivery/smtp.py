"""One SMTP connection (SSL, STARTTLS or plain to a local relay) and one message at a time, with a
commit point: the message is handed over up to, not including, the final ``.`` line; then
``on_commit`` records that it is about to be delivered; then the ``.`` goes and the reply is read.
A send killed before the commit leaves nothing at the server (a message without its final line is
dropped); killed after it, the record already says the message went. So no re-run sends twice.

Replies: 2xx delivered; 4xx (and a dropped or refused connection) temporary, to retry; 5xx
permanent. A login the server refuses stops the whole send.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

from ecomdept.delivery.settings import SendSettings

TIMEOUT = 60


class Temporary(Exception):
    """Try again later: a 4xx reply, a dropped connection, a timeout."""


class Unreachable(Temporary):
    """The server could not be reached at all: after the retries, no other message will do better."""


class Permanent(Exception):
    """This message will not go (5xx): record it and go on with the next."""


class Uncertain(Exception):
    """The connection went after the whole message had been handed over: it may have been delivered,
    so it is not sent again (the record says so)."""


class Fatal(Exception):
    """No message can go (login refused, TLS not offered): stop the send."""


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _raise_for(code: int, text) -> None:
    reply = _reply(code, text)
    if 400 <= code < 500 or code == -1:
        raise Temporary(reply)
    raise Permanent(reply)


class Connection:
    def __init__(self, settings: SendSettings, password: str | None):
        self.settings = settings
        self._password = password
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        s = self.settings
        try:
            if s.security == "ssl":
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=ssl.create_default_context())
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
                if s.security == "starttls":
                    self.smtp.ehlo()
                    if not self.smtp.has_extn("starttls"):
                        raise Fatal(f"服务器 {s.host}:{s.port} 不支持 STARTTLS：请把 send.security 改为 ssl，或核对端口")
                    self.smtp.starttls(context=ssl.create_default_context())
            self.smtp.ehlo()
            if s.user is not None:
                try:
                    self._login(s.user, self._password or "")
                except smtplib.SMTPAuthenticationError as exc:
                    raise Fatal(f"SMTP 服务器拒绝登录（{_reply(exc.smtp_code, exc.smtp_error)}）：请核对 send.user 与密码；"
                                "很多邮箱要用「授权码」而不是登录密码") from None
                except smtplib.SMTPNotSupportedError:
                    raise Fatal(f"服务器 {s.host} 不支持登录（AUTH）：不需要登录时把 send.user 写为 -") from None
        except (Fatal, Temporary):
            self.close()
            raise
        except ssl.SSLError as exc:
            self.close()
            raise Fatal(f"与 {s.host}:{s.port} 建立加密连接失败（{exc.reason or exc}）：请核对 send.security 与端口"
                        f"（ssl 通常 465，starttls 通常 587）") from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            _raise_for(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise Unreachable(f"无法连接 {s.host}:{s.port}（{exc}）") from None

    def _login(self, user: str, secret: str) -> None:
        """One AUTH with the best mechanism the server offers (smtplib's login would try the password
        again with each mechanism: several failed logins per run bring a mail provider's lockout closer)."""
        smtp = self.smtp
        if not smtp.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError("AUTH")
        offered = smtp.esmtp_features["auth"].upper().split()
        mechanism = next((m for m in ("CRAM-MD5", "PLAIN", "LOGIN") if m in offered), None)
        if mechanism is None:
            raise Fatal(f"服务器只支持 {'、'.join(offered)} 登录方式，ecomdept 不支持")
        smtp.user, smtp.password = user, secret
        smtp.auth(mechanism, getattr(smtp, "auth_" + mechanism.lower().replace("-", "_")))

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                try:
                    self.smtp.close()
                except OSError:
                    pass
            self.smtp = None

    def send(self, message: EmailMessage, to_addr: str, on_commit) -> str:
        """Deliver one message to one address; the server's reply (2xx), or Temporary/Permanent."""
        if self.smtp is None:
            self.open()
        smtp = self.smtp
        data = message.as_bytes(policy=SMTP_POLICY)  # headers encoded, body base64: all ASCII
        committed = False
        try:
            code, text = smtp.mail(self.settings.sender.addr_spec)
            if code != 250:
                self._reset()
                if code >= 500:
                    raise Fatal(f"服务器拒绝了发件人 {self.settings.sender.addr_spec}（{_reply(code, text)}）：请核对 send.sender，"
                                "它通常须与登录的邮箱一致")
                _raise_for(code, text)
            code, text = smtp.rcpt(to_addr)
            if code not in (250, 251):
                self._reset()
                _raise_for(code, text)
            code, text = smtp.docmd("data")
            if code != 354:
                self._reset()
                _raise_for(code, text)
            quoted = smtplib.quotedata(data.decode("ascii")).encode("ascii")
            if not quoted.endswith(b"\r\n"):
                quoted += b"\r\n"
            smtp.send(quoted)
            on_commit()
            committed = True
            smtp.send(b".\r\n")
            code, text = smtp.getreply()
        except (Temporary, Permanent):
            raise
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.close()
            if committed:
                raise Uncertain(f"整封邮件已交给服务器后连接中断（{exc or type(exc).__name__}），没有收到回复") from None
            raise Temporary(f"连接中断（{exc or type(exc).__name__}）") from None
        if 200 <= code < 300:
            return _reply(code, text)
        _raise_for(code, text)
        return ""  # not reached

    def _reset(self) -> None:
        try:
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()
