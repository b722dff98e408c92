"""One message per employee: to their own address only, their own payslip PDF attached (encrypted
when 规则 pdf_password says so), and a short text that names no amount — or, with send.body = html,
the payslip itself as the body (which the PDF password does not protect)."""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ecomdept.delivery.recipients import Slip
from ecomdept.delivery.settings import SendSettings


def _month_words(month: str) -> tuple[str, str]:
    return month[:4], str(int(month[5:7]))


def subject(settings: SendSettings, slip: Slip, month: str) -> str:
    year, mon = _month_words(month)
    text = settings.subject.replace("{年}", year).replace("{月}", mon).replace("{姓名}", slip.name)
    return re.sub(r"[\r\n]+", " ", text)


def text_body(slip: Slip, month: str, encrypted: bool) -> str:
    year, mon = _month_words(month)
    opening = "PDF 的打开密码是您身份证号的后 6 位（末位为 X 时用大写 X）。" if encrypted else ""
    return (f"{slip.name}，您好：\n\n附件是您 {year} 年 {mon} 月的工资条（{slip.pdf.name}）。{opening}\n"
            "工资条只发给您本人，请勿转发。对工资条有疑问，请直接回复本邮件，写明项目和原因，人事核实后答复。\n\n"
            "此邮件由 ecomdept 发出。\n")


def build(slip: Slip, settings: SendSettings, month: str, encrypted: bool, when=None) -> EmailMessage:
    import datetime as dt

    message = EmailMessage()
    message["Subject"] = subject(settings, slip, month)
    message["From"] = settings.sender
    user, domain = slip.address.rsplit("@", 1)
    message["To"] = Address(display_name=slip.name, username=user, domain=domain)
    message["Date"] = format_datetime(when or dt.datetime.now().astimezone())
    message["Message-ID"] = make_msgid("payslip", domain=settings.sender.domain)
    message["X-Ecomdept-Payslip"] = f"{month} {slip.employee_id}"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text_body(slip, month, encrypted))
    if settings.body == "html" and slip.html.exists():
        message.add_alternative(slip.html.read_text(encoding="utf-8"), subtype="html")
    message.add_attachment(slip.pdf.read_bytes(), maintype="application", subtype="pdf", filename=slip.pdf.name)
    return message
