"""``ecomdept send`` against a real SMTP server started here (aiosmtpd on 127.0.0.1): one message per
employee with their own PDF that opens only with their password, a kill mid-send then a re-run that
delivers the rest with no duplicate, 4xx retried, 5xx recorded and not retried, --dry-run, no
password anywhere, superseded runs, the 发放记录 ledger."""

from __future__ import annotations

import email
import email.policy
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from ecomdept.cli import main
from ecomdept.core.scratch import PAUSE_AT, PAUSE_FILE
from ecomdept.delivery.ledger import Ledger
from ecomdept.inputs.master_workbook import write_master
from ecomdept.run import sample
from ecomdept.run.pipeline import run_payroll
from waiting import wait_for

MONTH = sample.DEFAULT_MONTH
PASSWORD = "Sm7p-Pa55word-never-written"
USER = "hr@example.com"
NO_ADDRESS = "E0004"


class Mailbox:
    """The server side: what arrived, and scripted replies per recipient (a list of codes given to
    the next tries before one is accepted)."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.tries: dict[str, int] = {}
        self.script: dict[str, list[str]] = {}
        self.after_message = None

    async def handle_DATA(self, server, session, envelope):
        to = envelope.rcpt_tos[0]
        self.tries[to] = self.tries.get(to, 0) + 1
        script = self.script.get(to)
        if script:
            return script.pop(0)
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        if self.after_message:
            self.after_message(len(self.messages))
        return "250 2.0.0 OK queued"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(content, policy=email.policy.default)
                for rcpts, content in self.messages if rcpts == [address]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server():
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=_authenticator,
                            auth_require_tls=False)
    controller.start()
    box.port = port
    yield box
    controller.stop()


def _workbook(path: Path, employees: int = 6, **send) -> Path:
    data = sample.build(employees)
    rules = data["规则"]
    values = {"pdf_password": "id_last6", "send.rate_per_minute": "6000", "send.retry_wait_seconds": "0.05",
              "send.smtp_host": "127.0.0.1", "send.security": "none", "send.sender": "电商部人事 <hr@example.com>",
              **{f"send.{k}": str(v) for k, v in send.items()}}
    for row in rules:
        if row[0] in values:
            row[2] = values.pop(row[0])
    rules += [[key, "发送设置", value, "", "SEC-04", ""] for key, value in values.items()]
    from ecomdept.inputs.schema import EMPLOYEES

    email_col = [c.id for c in EMPLOYEES.columns].index("email")
    for row in data["员工"]:
        if row[0] == NO_ADDRESS:
            row[email_col] = None
    return write_master(path, data, month=MONTH)


def approve(out: Path, month: str = MONTH) -> None:
    """The month's run reviewed and approved, as 规则 release_roles (审核+批准) requires before a send."""
    from ecomdept.close import approval

    approval.record(out, month, "审核", "张审核")
    assert approval.record(out, month, "批准", "李批准").released


@pytest.fixture
def month_run(tmp_path):
    """A computed month whose payslips are encrypted, and the SMTP port in a config file."""
    book = _workbook(tmp_path / "master.xlsx")
    out = tmp_path / "out"
    outcome = run_payroll(book, MONTH, out, pdf=True, show_progress=False)
    assert outcome.code == 0, outcome.message
    approve(out)
    return book, out


def _config(tmp_path: Path, port: int, **extra) -> Path:
    path = tmp_path / "发送设置.toml"
    lines = [f"smtp_port = {port}"] + [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _roster(book: Path) -> dict[str, dict]:
    from ecomdept.inputs.workbook_io import load_path

    staff = load_path(book).frames["employees"]
    return {r.employee_id: {"name": r.name, "email": r.email, "id": r.id_number} for r in staff.itertuples()}


def _edit_roster(book: Path, cells: dict[tuple[int, str], str]) -> list[str]:
    """Write text into 员工 as HR would: (n-th person, column id) → value. Returns the 工号 column."""
    import openpyxl

    from ecomdept.inputs.schema import EMPLOYEES

    wb = openpyxl.load_workbook(book)
    ws = wb["员工"]
    ids = [c.id for c in EMPLOYEES.columns]
    header = next(r for r in range(1, 6) if ws.cell(r, 1).value and str(ws.cell(r, 1).value).startswith("工号"))
    for (person, column), text in cells.items():
        cell = ws.cell(header + person, ids.index(column) + 1)
        cell.value = text
        cell.data_type = "s"  # text, as Excel keeps a value typed with a leading apostrophe
    wb.save(book)
    return [ws.cell(r, 1).value for r in range(header + 1, ws.max_row + 1)]


def _send(out: Path, *args: str, config: Path | None = None, env: dict | None = None, capsys=None) -> int:
    argv = ["send", "--month", MONTH, "--out", str(out)] + (["--config", str(config)] if config else []) + list(args)
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        return main(argv)
    finally:
        os.environ.clear()
        os.environ.update(old)


def _paid(out: Path) -> list[str]:
    return [row["employee_id"] for row in json.loads((out / MONTH / "payslips.json").read_text(encoding="utf-8"))]


def _password_of(person: dict) -> str:
    return person["id"][-6:].upper()


def test_each_employee_gets_one_message_with_their_own_pdf_that_opens_only_with_their_password(
        month_run, smtp_server, tmp_path, capsys):
    book, out = month_run
    roster = _roster(book)
    config = _config(tmp_path, smtp_server.port, user=USER)
    code = _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD})
    printed = capsys.readouterr()
    assert code == 0, printed.err
    paid = _paid(out)
    with_address = [e for e in paid if roster[e]["email"]]
    assert len(smtp_server.messages) == len(with_address) == len(paid) - 1
    for emp in with_address:
        person = roster[emp]
        got = smtp_server.to(person["email"])
        assert len(got) == 1, emp
        message = got[0]
        assert person["name"] in str(message["To"]) and person["email"] in str(message["To"])
        attachments = list(message.iter_attachments())
        assert len(attachments) == 1
        assert attachments[0].get_filename().startswith(f"{emp}_")
        data = attachments[0].get_content()
        with pytest.raises(pikepdf.PasswordError):
            pikepdf.open(io.BytesIO(data))
        other = next(roster[e] for e in with_address if e != emp)
        with pytest.raises(pikepdf.PasswordError):
            pikepdf.open(io.BytesIO(data), password=_password_of(other))
        with pikepdf.open(io.BytesIO(data), password=_password_of(person)) as pdf:
            assert person["name"] in str(pdf.docinfo["/Title"])
        body = message.get_body(("plain",)).get_content()
        assert person["name"] in body and "元" not in body  # no amount outside the encrypted PDF
    # the one without an address is listed, not skipped silently
    assert f"无邮箱  {NO_ADDRESS}" in printed.out
    assert "无邮箱或邮箱有误 1 人" in printed.out
    ledger = Ledger.load(out, MONTH)
    results = {e.employee_id: e.result for e in ledger.entries}
    assert results[NO_ADDRESS] == "no_address"
    assert [e for e, r in results.items() if r == "sent"] == with_address
    for entry in ledger.entries:
        if entry.result == "sent":
            assert entry.reply.startswith("250") and len(entry.sha256) == 64 and entry.time
            assert entry.sha256 == __import__("hashlib").sha256((out / entry.file).read_bytes()).hexdigest()
    csv_text = (out / f"发放记录_{MONTH}.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("工号,姓名,邮箱,结果")

    # a second send sends nothing: everyone who has an address has their slip
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 0
    assert len(smtp_server.messages) == len(with_address)
    assert "本次发送 0 人" in capsys.readouterr().out
    # --resend sends one person again, on purpose
    again = with_address[0]
    assert _send(out, "--resend", again, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 0
    assert len(smtp_server.to(roster[again]["email"])) == 2
    assert len(smtp_server.messages) == len(with_address) + 1


def test_no_password_in_any_file_log_or_run_json(month_run, smtp_server, tmp_path, capsys):
    book, out = month_run
    config = _config(tmp_path, smtp_server.port, user=USER)
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 0
    printed = capsys.readouterr()
    assert smtp_server.messages
    assert PASSWORD not in printed.out + printed.err
    for path in [p for p in tmp_path.rglob("*") if p.is_file()]:
        assert PASSWORD.encode() not in path.read_bytes(), path
    for _, content in smtp_server.messages:
        assert PASSWORD.encode() not in content


def test_a_wrong_password_stops_the_send_and_records_nothing_as_sent(month_run, smtp_server, tmp_path, capsys):
    _, out = month_run
    config = _config(tmp_path, smtp_server.port, user=USER)
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": "wrong"}) == 1
    err = capsys.readouterr().err
    assert "拒绝登录" in err and "wrong" not in err
    assert not smtp_server.messages
    assert not [e for e in Ledger.load(out, MONTH).entries if e.delivered]


def test_a_password_in_the_workbook_is_refused(tmp_path, capsys):
    book = _workbook(tmp_path / "master.xlsx", password="hunter2")
    out = tmp_path / "out"
    outcome = run_payroll(book, MONTH, out, pdf=False, show_progress=False)
    assert outcome.code == 1  # a blocking problem of 规则: the password has to go
    assert any(i.code == "send_password" for i in outcome.issues)
    assert any("不能写在工作簿" in i.message for i in outcome.issues)


def test_missing_password_says_where_to_put_it(month_run, smtp_server, tmp_path, capsys, monkeypatch):
    _, out = month_run
    monkeypatch.delenv("ECOMDEPT_SMTP_PASSWORD", raising=False)
    import ecomdept.delivery.settings as settings

    monkeypatch.setattr(settings, "_keyring", lambda: None)
    config = _config(tmp_path, smtp_server.port, user=USER)
    assert _send(out, config=config) == 1
    err = capsys.readouterr().err
    assert "ECOMDEPT_SMTP_PASSWORD" in err and "--save-password" in err
    assert not smtp_server.messages


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(month_run, smtp_server, tmp_path, capsys):
    book, out = month_run
    roster = _roster(book)
    config = _config(tmp_path, smtp_server.port, user=USER)
    assert _send(out, "--dry-run", config=config) == 0  # no password needed: nothing connects
    printed = capsys.readouterr().out
    for emp in _paid(out):
        if roster[emp]["email"]:
            assert f"将发送  {emp} {roster[emp]['name']} → {roster[emp]['email']}" in printed
    assert f"无邮箱  {NO_ADDRESS}" in printed and "没有发送任何邮件" in printed
    assert not smtp_server.messages and not smtp_server.tries
    assert not (out / f"发放记录_{MONTH}.json").exists()


def _scripted(month_run, smtp_server, replies: list[str]):
    """The first employee with an address gets ``replies`` from the server before one is accepted."""
    book, out = month_run
    roster = _roster(book)
    first = next(e for e in _paid(out) if roster[e]["email"])
    address = roster[first]["email"]
    smtp_server.script[address] = list(replies)
    return out, roster, first, address


def test_a_4xx_is_retried_then_delivered(month_run, smtp_server, tmp_path):
    out, roster, first, address = _scripted(month_run, smtp_server, ["451 4.3.0 Mailbox temporarily unavailable"])
    config = _config(tmp_path, smtp_server.port, user=USER)
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 0
    assert smtp_server.tries[address] == 2
    assert len(smtp_server.to(address)) == 1
    entry = Ledger.load(out, MONTH).for_run(first, _run_id(out))
    assert entry.result == "sent" and entry.attempts == 2


def test_a_5xx_is_recorded_and_not_retried(month_run, smtp_server, tmp_path, capsys):
    out, roster, first, address = _scripted(month_run, smtp_server, ["550 5.1.1 No such user here"])
    config = _config(tmp_path, smtp_server.port, user=USER)
    env = {"ECOMDEPT_SMTP_PASSWORD": PASSWORD}
    assert _send(out, config=config, env=env) == 1  # not everything went: the exit code says so
    printed = capsys.readouterr()
    assert smtp_server.tries[address] == 1 and not smtp_server.to(address)
    others = [e for e in _paid(out) if roster[e]["email"] and e != first]
    assert all(len(smtp_server.to(roster[e]["email"])) == 1 for e in others)
    entry = Ledger.load(out, MONTH).for_run(first, _run_id(out))
    assert entry.result == "failed" and entry.reply.startswith("550") and entry.attempts == 1
    assert "550 5.1.1 No such user here" in printed.err and "失败 1 人" in printed.out
    # a later send does not try the refused address again, and says the slip is still not delivered
    assert _send(out, config=config, env=env) == 1
    assert smtp_server.tries[address] == 1
    printed = capsys.readouterr().out
    assert f"曾被拒收  {first}" in printed and "失败 1 人（其中以前被拒收 1 人）" in printed
    # once the mailbox exists, --retry-failed sends it
    assert _send(out, "--retry-failed", config=config, env=env) == 0
    assert smtp_server.tries[address] == 2 and len(smtp_server.to(address)) == 1


def _run_id(out: Path) -> str:
    import hashlib

    return hashlib.sha256((out / MONTH / "run.json").read_bytes()).hexdigest()


def test_temporary_errors_that_outlast_the_retries_are_tried_again_next_time(month_run, smtp_server, tmp_path):
    out, roster, first, address = _scripted(month_run, smtp_server, ["421 4.7.0 Try again later"] * 4)  # 1 + 3 retries
    config = _config(tmp_path, smtp_server.port, user=USER)
    env = {"ECOMDEPT_SMTP_PASSWORD": PASSWORD}
    assert _send(out, config=config, env=env) == 1
    assert smtp_server.tries[address] == 4 and not smtp_server.to(address)
    assert Ledger.load(out, MONTH).for_run(first, _run_id(out)).result == "temporary"
    assert _send(out, config=config, env=env) == 0
    assert len(smtp_server.to(address)) == 1


@pytest.mark.parametrize("where", ["in the server's reply", "between messages"])
def test_a_kill_mid_send_then_a_rerun_delivers_the_rest_with_no_duplicate(month_run, smtp_server, tmp_path, where):
    book, out = month_run
    roster = _roster(book)
    with_address = [e for e in _paid(out) if roster[e]["email"]]
    rate = 6000 if where == "in the server's reply" else 120  # 0.5 s between messages
    config = _config(tmp_path, smtp_server.port, user=USER, rate_per_minute=rate)
    env = dict(os.environ, ECOMDEPT_SMTP_PASSWORD=PASSWORD, PYTHONUNBUFFERED="1")
    argv = [sys.executable, "-m", "ecomdept", "send", "--month", MONTH, "--out", str(out), "--config", str(config)]
    if where == "in the server's reply":
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # the server has the whole third message and kills the sender before it can answer
        smtp_server.after_message = lambda n: os.kill(process.pid, signal.SIGKILL) if n == 3 else None
        process.wait(60)
    else:  # the sender waits for its third message's turn when it is killed
        pause_file = tmp_path / "paused"
        env.update({PAUSE_AT: "throttle#2", PAUSE_FILE: str(pause_file)})
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wait_for(lambda: pause_file.exists() or process.poll() is not None)
        process.kill()
        process.wait(60)
    process.stdout.close()
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    smtp_server.after_message = None
    delivered_before = len(smtp_server.messages)
    assert 2 <= delivered_before < len(with_address)
    assert json.loads((out / f"发放记录_{MONTH}.json").read_text(encoding="utf-8"))["entries"]  # a whole file
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 0
    for emp in with_address:
        assert len(smtp_server.to(roster[emp]["email"])) == 1, emp
    assert len(smtp_server.messages) == len(with_address)


def test_a_rerun_month_reports_sent_slips_as_superseded_and_never_sends_the_replaced_run(
        tmp_path, smtp_server, capsys):
    book = _workbook(tmp_path / "master.xlsx")
    out = tmp_path / "out"
    assert run_payroll(book, MONTH, out, pdf=True, show_progress=False).code == 0
    approve(out)
    config = _config(tmp_path, smtp_server.port, user=USER)
    env = {"ECOMDEPT_SMTP_PASSWORD": PASSWORD}
    assert _send(out, config=config, env=env) == 0
    roster = _roster(book)
    first_sent = len(smtp_server.messages)
    # HR corrects one person's base salary and runs the month again
    data_book = tmp_path / "master2.xlsx"
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb["员工"]
    header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
    salary_col = next(i for i, h in enumerate(header) if h and str(h).startswith("月基本工资")) + 1
    changed = ws.cell(row=2, column=1).value
    ws.cell(row=2, column=salary_col).value = float(ws.cell(row=2, column=salary_col).value) + 500
    wb.save(data_book)
    from ecomdept.close.versions import Reopen

    outcome = run_payroll(data_book, MONTH, out, pdf=True, show_progress=False, reopen=Reopen("基本工资更正"))
    assert outcome.code == 0 and outcome.previous is not None
    approve(out)
    capsys.readouterr()
    assert _send(out, config=config, env=env) == 0
    printed = capsys.readouterr().out
    assert f"已被替换  {changed}" in printed and f"--resend {changed}" in printed
    assert len(smtp_server.messages) == first_sent  # nothing sent twice on its own
    ledger = Ledger.load(out, MONTH)
    old = [e for e in ledger.entries if e.employee_id == changed and e.delivered]
    assert old and all(e.superseded_by == _run_id(out) for e in old)
    # the corrected slip goes with --resend, from the new run only
    assert _send(out, "--resend", changed, config=config, env=env) == 0
    got = smtp_server.to(roster[changed]["email"])
    assert len(got) == 2
    new_pdf = next(p for p in (out / MONTH / "payslips").glob(f"{changed}_*.pdf"))
    assert list(got[1].iter_attachments())[0].get_content() == new_pdf.read_bytes()


def test_a_run_replaced_during_the_send_stops_it(month_run, smtp_server, tmp_path):
    from ecomdept.delivery import command, sending
    from ecomdept.delivery.settings import password

    book, out = month_run
    config = _config(tmp_path, smtp_server.port, user=USER)
    prepared = command.prepare(out, MONTH, config=config)
    # another payroll run replaces the month before the first message goes
    backup = out / f"{MONTH}.old"
    shutil.copytree(out / MONTH, backup)
    (out / MONTH / "run.json").write_text((out / MONTH / "run.json").read_text(encoding="utf-8") + " ",
                                          encoding="utf-8")
    os.environ["ECOMDEPT_SMTP_PASSWORD"] = PASSWORD
    try:
        summary = sending.send(prepared.plan, prepared.settings, password(prepared.settings), prepared.ledger, True)
    finally:
        del os.environ["ECOMDEPT_SMTP_PASSWORD"]
    assert "重新计算替换" in summary.stopped and not summary.sent
    assert not smtp_server.messages


def test_send_refuses_unencrypted_payslips_and_runs_without_pdfs(tmp_path, capsys):
    data = sample.build(4)
    book = write_master(tmp_path / "master.xlsx", data, month=MONTH)
    out = tmp_path / "out"
    assert run_payroll(book, MONTH, out, pdf=False, show_progress=False).code == 0
    assert main(["send", "--month", MONTH, "--out", str(out), "--dry-run"]) == 1
    assert "没有 PDF" in capsys.readouterr().err
    assert run_payroll(book, MONTH, out, pdf=True, show_progress=False).code == 0
    assert main(["send", "--month", MONTH, "--out", str(out)]) == 1
    assert "pdf_password = none" in capsys.readouterr().err
    # a dry run still lists who would get what, and says the send would be refused
    assert main(["send", "--month", MONTH, "--out", str(out), "--dry-run"]) == 0
    printed = capsys.readouterr()
    assert "将发送  E0001" in printed.out and "pdf_password = none" in printed.err
    assert main(["send", "--month", "2026-01", "--out", str(out)]) == 1
    assert "没有 2026-01 的运行结果" in capsys.readouterr().err


def test_throttle_keeps_the_rate():
    from ecomdept.delivery.sending import Throttle

    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(30, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        throttle.wait()
        now[0] += 0.5  # sending takes half a second
    assert slept == [1.5, 1.5, 1.5]  # 30 a minute: one every 2 s


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(request, tmp_path, monkeypatch):
    """A server that takes mail only over TLS (STARTTLS on a plain port, or SSL from the first byte),
    with a certificate from a test CA the client is told to trust."""
    import ssl

    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    box = Mailbox()
    port = _free_port()
    # (aiosmtpd counts only a STARTTLS session as encrypted when it decides whether to offer AUTH)
    tls = {"tls_context": server_ctx, "require_starttls": True} if request.param == "starttls" else {
        "ssl_context": server_ctx, "auth_require_tls": False}
    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=_authenticator, **tls)
    controller.start()
    box.port, box.security = port, request.param
    yield box
    controller.stop()


def test_starttls_and_ssl_servers_get_the_login_and_the_mail_encrypted(month_run, tls_server, tmp_path, capsys):
    book, out = month_run
    roster = _roster(book)
    config = _config(tmp_path, tls_server.port, user=USER, security=tls_server.security)
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 0, capsys.readouterr().err
    assert len(tls_server.messages) == sum(1 for e in _paid(out) if roster[e]["email"])


def test_only_sends_the_named_people(month_run, smtp_server, tmp_path, capsys):
    book, out = month_run
    roster = _roster(book)
    chosen = [e for e in _paid(out) if roster[e]["email"]][1:3]
    config = _config(tmp_path, smtp_server.port, user=USER)
    env = {"ECOMDEPT_SMTP_PASSWORD": PASSWORD}
    # a mistyped 工号 sends nothing at all
    assert _send(out, "--only", *chosen, "E9999", config=config, env=env) == 2
    assert "E9999 不在 2026-10 的工资条中" in capsys.readouterr().err and not smtp_server.messages
    assert _send(out, "--only", f"{chosen[0].lower()}，{chosen[1]}", config=config, env=env) == 0  # any case, a list
    assert sorted(r[0][0] for r in smtp_server.messages) == sorted(roster[e]["email"] for e in chosen)


def test_plain_smtp_to_a_remote_host_with_a_login_is_refused(tmp_path):
    from ecomdept.delivery.settings import SettingsError, resolve

    with pytest.raises(SettingsError, match="明文"):
        resolve({"smtp_host": "smtp.example.com", "sender": "hr@example.com", "security": "none"})
    settings = resolve({"smtp_host": "smtp.example.com", "sender": "电商部 <hr@example.com>"})
    assert (settings.port, settings.security, settings.user) == (465, "ssl", "hr@example.com")
    with pytest.raises(SettingsError, match="换行"):
        resolve({"smtp_host": "smtp.example.com", "sender": "hr@example.com\r\nBcc: x@y.z"})
    with pytest.raises(SettingsError, match="不是有效的邮箱"):
        resolve({"smtp_host": "smtp.example.com", "sender": "人事部"})


def test_a_password_in_the_config_file_is_refused(month_run, tmp_path, capsys):
    _, out = month_run
    config = _config(tmp_path, 25, password="hunter2")
    assert _send(out, config=config) == 1
    err = capsys.readouterr().err
    assert "不能写在工作簿或配置文件里" in err and "hunter2" not in err


def test_a_certificate_the_system_does_not_trust_stops_the_send(month_run, tls_server, tmp_path, capsys, monkeypatch):
    _, out = month_run
    monkeypatch.delenv("SSL_CERT_FILE")
    config = _config(tmp_path, tls_server.port, user=USER, security=tls_server.security)
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 1
    assert "加密连接失败" in capsys.readouterr().err
    assert not tls_server.messages


def test_two_people_with_one_mailbox_get_nothing_and_are_listed(tmp_path, smtp_server, capsys):
    book = _workbook(tmp_path / "master.xlsx")
    _edit_roster(book, {(2, "email"): "Shared@example.com", (3, "email"): "shared@example.com"})
    out = tmp_path / "out"
    assert run_payroll(book, MONTH, out, pdf=True, show_progress=False).code == 0
    approve(out)
    config = _config(tmp_path, smtp_server.port, user=USER)
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 0
    printed = capsys.readouterr().out
    assert printed.count("邮箱重复  ") == 2
    assert not [m for m in smtp_server.messages if m[0][0].lower() == "shared@example.com"]
    assert len(smtp_server.messages) == len(_paid(out)) - 3  # E0004 has none, two share one


def test_a_server_that_cannot_be_reached_stops_after_the_first_message(month_run, tmp_path, capsys, monkeypatch):
    import functools

    from ecomdept.delivery import sending

    _, out = month_run
    config = _config(tmp_path, _free_port(), user="-", retries=1)  # nothing listens there
    waits = []
    monkeypatch.setattr(sending, "send", functools.partial(sending.send, sleep=waits.append))
    assert _send(out, config=config) == 1
    err = capsys.readouterr().err
    assert "无法连接" in err and "其余的没有尝试" in err
    assert sum(waits) < 5  # no long wait for a server that is not there
    ledger = Ledger.load(out, MONTH)
    assert [e.result for e in ledger.entries if e.result not in ("no_address",)] == ["temporary"]


def test_a_refused_sender_stops_the_send(month_run, smtp_server, tmp_path, capsys):
    _, out = month_run

    async def refuse_sender(server, session, envelope, address, options):
        return "553 5.7.1 Sender address rejected: not owned by user"

    smtp_server.handle_MAIL = refuse_sender
    config = _config(tmp_path, smtp_server.port, user=USER)
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 1
    err = capsys.readouterr().err
    assert "拒绝了发件人" in err and "send.sender" in err
    assert not [e for e in Ledger.load(out, MONTH).entries if e.result == "failed"]  # nobody marked refused


def test_a_password_written_as_the_variable_name_is_not_shown(tmp_path):
    from ecomdept.inputs.send_rules import from_rows

    values, issues = from_rows([(80, "send.password_env", "Hunter2-EnvPw-88"), (81, "send.授权码", "abc")])
    assert len(issues) == 2 and all(i.blocking for i in issues)
    assert all("Hunter2-EnvPw-88" not in i.message and "abc" not in i.message for i in issues)
    assert "环境变量的名字" in issues[0].message and "不能写在工作簿" in issues[1].message


def test_ctrl_c_mid_send_keeps_what_went_and_says_so(month_run, smtp_server, tmp_path, capsys, monkeypatch):
    from ecomdept.delivery import messages

    _, out = month_run
    real = messages.build
    calls = []

    def build(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(messages, "build", build)
    config = _config(tmp_path, smtp_server.port, user=USER)
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 130
    printed = capsys.readouterr()
    assert "本次发送 2 人" in printed.out and "Ctrl-C" in printed.err
    assert sum(e.result == "sent" for e in Ledger.load(out, MONTH).entries) == 2 == len(smtp_server.messages)


def test_an_address_changed_after_sending_is_said_not_resent(month_run, smtp_server, tmp_path, capsys):
    book, out = month_run
    config = _config(tmp_path, smtp_server.port, user=USER)
    env = {"ECOMDEPT_SMTP_PASSWORD": PASSWORD}
    assert _send(out, config=config, env=env) == 0
    sent = len(smtp_server.messages)
    who = _edit_roster(book, {(1, "email"): "new-address@example.com"})[0]
    capsys.readouterr()
    assert _send(out, config=config, env=env) == 0
    assert f"邮箱已改  {who}" in capsys.readouterr().out and len(smtp_server.messages) == sent
    assert _send(out, "--resend", who, config=config, env=env) == 0
    assert len(smtp_server.to("new-address@example.com")) == 1


def test_save_password_puts_it_in_the_keyring_and_send_reads_it_from_there(month_run, smtp_server, tmp_path,
                                                                          capsys, monkeypatch):
    """The keyring path as on Windows (Credential Manager) or macOS (Keychain), with an in-memory
    backend: --save-password stores the password typed, a send without the variable finds it."""
    import getpass

    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1
        store: dict = {}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        monkeypatch.delenv("ECOMDEPT_SMTP_PASSWORD", raising=False)
        monkeypatch.setattr(getpass, "getpass", lambda prompt="": PASSWORD)
        _, out = month_run
        config = _config(tmp_path, smtp_server.port, user=USER)
        assert _send(out, "--save-password", config=config) == 0
        assert "系统钥匙串" in capsys.readouterr().out
        assert Memory.store == {("ecomdept-smtp", f"{USER}@127.0.0.1"): PASSWORD}
        assert _send(out, config=config) == 0
        assert smtp_server.messages
        for path in [p for p in tmp_path.rglob("*") if p.is_file()]:
            assert PASSWORD.encode() not in path.read_bytes(), path
    finally:
        keyring.set_keyring(previous)


def test_two_sheets_that_fit_the_roster_stop_the_send(month_run, smtp_server, tmp_path, capsys):
    """A stale copy named 「员工 」 could hold old addresses: the send is refused, as payroll refuses it."""
    import openpyxl

    book, out = month_run
    wb = openpyxl.load_workbook(book)
    copy = wb.copy_worksheet(wb["员工"])
    copy.title = "员工 "
    wb.save(book)
    config = _config(tmp_path, smtp_server.port, user=USER)
    assert _send(out, "--dry-run", config=config) == 1
    assert "2 个工作表都对应「员工」" in capsys.readouterr().err
    assert not smtp_server.messages


def test_broken_send_rows_name_sheet_row_and_column_and_keep_the_good_ones():
    from ecomdept.inputs.send_rules import from_rows

    values, issues = from_rows([(70, "send.smtp_host", "smtp.example.com"), (71, "send.smtp_port", "四六五"),
                                (72, "send.security", "tls"), (73, "send.smpt_host", "x"),
                                (74, "send.smtp_host", "other.example.com"), (75, "send.rate_per_minute", "0"),
                                (76, "send.subject", "工资\r\nBcc: x@example.com")])
    assert values == {"smtp_host": "smtp.example.com"}  # the good row is kept, the first of the duplicates
    by_row = {i.row: i for i in issues}
    assert sorted(by_row) == [71, 72, 73, 74, 75, 76] and all(i.blocking and i.sheet == "规则" for i in issues)
    assert "应为数字" in by_row[71].message and by_row[71].column == "值"
    assert "ssl / starttls / none" in by_row[72].message
    assert "send.smtp_host" in by_row[73].message and by_row[73].column == "参数"
    assert "重复，与第 70 行相同" in by_row[74].message
    assert "1–6000" in by_row[75].message and "换行" in by_row[76].message


def test_a_broken_config_file_is_named(month_run, tmp_path, capsys):
    _, out = month_run
    config = tmp_path / "发送设置.toml"
    config.write_text("smtp_port = = 465\n", encoding="utf-8")
    assert _send(out, "--dry-run", config=config) == 0  # the list is still shown
    assert "发送配置文件" in capsys.readouterr().err
    assert _send(out, config=config) == 1
    err = capsys.readouterr().err
    assert "发送配置文件" in err and "TOML" in err


def test_hostile_roster_values_never_reach_a_header_or_run_in_the_ledger(tmp_path, smtp_server, capsys):
    import csv

    book = _workbook(tmp_path / "master.xlsx")
    _edit_roster(book, {(1, "email"): "e0001@example.com\r\nBcc: spy@example.com",
                        (2, "email"): "=HYPERLINK(\"http://x\")@example.com", (3, "name"): "=1+1"})
    out = tmp_path / "out"
    assert run_payroll(book, MONTH, out, pdf=True, show_progress=False).code == 0
    approve(out)
    config = _config(tmp_path, smtp_server.port, user=USER)
    assert _send(out, config=config, env={"ECOMDEPT_SMTP_PASSWORD": PASSWORD}) == 0
    printed = capsys.readouterr().out
    assert printed.count("邮箱格式不对  ") == 2 and "\\r\\n" in printed  # shown escaped, not sent
    assert all("spy@example.com" not in r and len(r) == 1 for r, _ in smtp_server.messages)
    third = smtp_server.to("e0003@example.com")
    assert len(third) == 1 and "=1+1" in str(third[0]["To"])  # a name is only a name
    rows = list(csv.reader((out / f"发放记录_{MONTH}.csv").open(encoding="utf-8-sig")))
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)
