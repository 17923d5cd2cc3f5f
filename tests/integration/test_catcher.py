"""The dev SMTP + SMS catcher, driven as a real subprocess over SMTP and HTTP."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest

HOST = "127.0.0.1"
SUBJECT = "Tờ khai đăng ký giao dịch điện tử \u2013 mã hồ sơ 4802-ABC"  # en dash, as in real mail
TEXT = "Kính gửi Nguyễn Văn A, tờ khai của ông/bà đã được tiếp nhận."
HTML = "<p>Kính gửi <b>Nguyễn Văn A</b>, tờ khai đã được tiếp nhận.</p>"
# Not a real PDF: the point is that every byte, including non-ASCII ones, survives.
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
RECIPIENT = "nguyen.van.a@example.vn"
SMS_TEXT = "Mat khau tam thoi: Xk9-pQ2r"
STARTUP_DEADLINE = 20.0
STOP_DEADLINE = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Catcher:
    """One `python -m vssid.catcher` process and the ports and directory it uses."""

    def __init__(self, data_dir: Path, log_path: Path, smtp_port: int, http_port: int) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        self.smtp_port = smtp_port
        self.http_port = http_port
        self.base_url = f"http://{HOST}:{http_port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [sys.executable, "-m", "vssid.catcher", "--host", HOST]
        args += ["--smtp-port", str(self.smtp_port), "--http-port", str(self.http_port)]
        args += ["--data-dir", str(self.data_dir)]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_DEADLINE
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"catcher exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=0.5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # Poll interval only; the deadline bounds the wait.
        pytest.fail(f"catcher did not answer /health within {STARTUP_DEADLINE}s:\n{self.log()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send `sig` and return the exit code, which must come within the deadline."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=STOP_DEADLINE)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_DEADLINE)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[Catcher]:
    instance = Catcher(tmp_path / "mail", tmp_path / "catcher.log", _free_port(), _free_port())
    try:
        instance.start()
        yield instance
    finally:
        instance.kill()  # A failed test must not leave the process behind.


@pytest.fixture
async def client(catcher: Catcher) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=catcher.base_url, timeout=10) as http:
        yield http


def _declaration_mail(subject: str = SUBJECT) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "BHXH Việt Nam <no-reply@vssid.example.vn>"
    msg["To"] = f"Nguyễn Văn A <{RECIPIENT}>"
    msg["Subject"] = subject
    msg.set_content(TEXT)
    msg.add_alternative(HTML, subtype="html")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="to-khai-4802-ABC.pdf")
    return msg


async def _send(catcher: Catcher, msg: EmailMessage) -> None:
    await aiosmtplib.send(msg, hostname=HOST, port=catcher.smtp_port, start_tls=False)


async def test_mail_list_detail_and_attachment(catcher: Catcher, client: httpx.AsyncClient) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    await _send(catcher, _declaration_mail())

    listing = (await client.get("/api/v1/messages")).json()
    assert listing["total"] == 1
    head = listing["messages"][0]
    assert head["Subject"] == SUBJECT
    assert head["From"]["Address"] == "no-reply@vssid.example.vn"
    assert head["To"] == [{"Name": "Nguyễn Văn A", "Address": RECIPIENT}]
    assert head["Attachments"] == 1
    assert head["Created"].endswith("Z")
    created = datetime.fromisoformat(head["Created"])
    assert before <= created <= datetime.now(UTC) + timedelta(seconds=1)

    detail = (await client.get(f"/api/v1/message/{head['ID']}")).json()
    assert detail["ID"] == head["ID"]
    assert detail["Subject"] == SUBJECT
    assert TEXT in detail["Text"]
    assert HTML in detail["HTML"]
    [attachment] = detail["Attachments"]
    assert attachment["FileName"] == "to-khai-4802-ABC.pdf"
    assert attachment["ContentType"] == "application/pdf"
    assert attachment["Size"] == len(PDF)

    part = await client.get(f"/api/v1/message/{head['ID']}/part/{attachment['PartID']}")
    assert part.status_code == 200
    assert part.headers["content-type"].startswith("application/pdf")
    assert part.content == PDF

    raw = await client.get(f"/api/v1/message/{head['ID']}/raw")
    # The subject travelled RFC 2047-encoded, so the decoding above was really exercised.
    assert b"=?utf-8?" in raw.content.lower()
    assert SUBJECT.encode() not in raw.content


async def test_unknown_ids_are_json_404(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/message/nope", "/api/v1/message/nope/raw", "/api/v1/message/nope/part/2"):
        answer = await client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/json")


async def test_newest_first_paging_and_delete(catcher: Catcher, client: httpx.AsyncClient) -> None:
    await _send(catcher, _declaration_mail("Thư thứ nhất"))
    await _send(catcher, _declaration_mail("Thư thứ hai"))

    listing = (await client.get("/api/v1/messages")).json()
    assert listing["total"] == 2
    assert [m["Subject"] for m in listing["messages"]] == ["Thư thứ hai", "Thư thứ nhất"]
    page = (await client.get("/api/v1/messages", params={"start": 1, "limit": 1})).json()
    assert page["total"] == 2
    assert [m["Subject"] for m in page["messages"]] == ["Thư thứ nhất"]

    assert (await client.delete("/api/v1/messages")).status_code == 200
    assert (await client.get("/api/v1/messages")).json() == {
        **listing,
        "total": 0,
        "messages_count": 0,
        "count": 0,
        "messages": [],
    }
    gone = listing["messages"][0]["ID"]
    assert (await client.get(f"/api/v1/message/{gone}")).status_code == 404


async def test_sms_sink(client: httpx.AsyncClient) -> None:
    first = await client.post("/api/v1/sms", json={"to": "+84901234567", "text": "Tin thứ nhất"})
    second = await client.post("/api/v1/sms", json={"to": "+84907654321", "text": SMS_TEXT})
    assert first.status_code == second.status_code == 201
    assert (await client.post("/api/v1/sms", json={"text": "không có số"})).status_code == 422

    messages = (await client.get("/api/v1/sms")).json()["messages"]
    assert [m["ID"] for m in messages] == [second.json()["ID"], first.json()["ID"]]
    assert messages[0]["To"] == "+84907654321"
    assert messages[0]["Text"] == SMS_TEXT
    assert datetime.fromisoformat(messages[0]["Created"]).tzinfo is not None

    assert (await client.delete("/api/v1/sms")).status_code == 200
    assert (await client.get("/api/v1/sms")).json()["messages"] == []


async def test_restart_keeps_mail_and_sms(catcher: Catcher) -> None:
    await _send(catcher, _declaration_mail())
    async with httpx.AsyncClient(base_url=catcher.base_url) as http:
        await http.post("/api/v1/sms", json={"to": "+84901234567", "text": SMS_TEXT})
        before = (await http.get("/api/v1/messages")).json()["messages"]
    assert catcher.stop() == 0
    # What a crash in the middle of an SMS append would leave behind.
    with (catcher.data_dir / "sms.jsonl").open("ab") as torn:
        torn.write(b'{"ID": "half-writ')

    catcher.start()
    async with httpx.AsyncClient(base_url=catcher.base_url) as http:
        after = (await http.get("/api/v1/messages")).json()
        assert after["messages"] == before
        detail = (await http.get(f"/api/v1/message/{before[0]['ID']}")).json()
        assert detail["Subject"] == SUBJECT
        part_id = detail["Attachments"][0]["PartID"]
        part = await http.get(f"/api/v1/message/{before[0]['ID']}/part/{part_id}")
        assert part.content == PDF
        await http.post(
            "/api/v1/sms", json={"to": "+84901234567", "text": "Tin sau khi khởi động lại"}
        )
        texts = [m["Text"] for m in (await http.get("/api/v1/sms")).json()["messages"]]
        assert texts == ["Tin sau khi khởi động lại", SMS_TEXT]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_signal_stops_cleanly(catcher: Catcher, sig: signal.Signals) -> None:
    # Idle SMTP and HTTP keep-alive connections must not hold the shutdown up.
    smtp = aiosmtplib.SMTP(hostname=HOST, port=catcher.smtp_port, start_tls=False)
    await smtp.connect()
    async with httpx.AsyncClient(base_url=catcher.base_url) as http:
        assert (await http.get("/health")).status_code == 200
        started = time.monotonic()
        assert catcher.stop(sig) == 0
        assert time.monotonic() - started < STOP_DEADLINE
    smtp.close()


async def test_logs_carry_no_personal_data(catcher: Catcher, client: httpx.AsyncClient) -> None:
    await _send(catcher, _declaration_mail())
    await client.post("/api/v1/sms", json={"to": "+84901234567", "text": SMS_TEXT})
    assert catcher.stop() == 0
    log = catcher.log()
    assert "stored mail" in log
    for secret in (RECIPIENT, "Nguyễn", "no-reply@vssid", "84901234567", SMS_TEXT, "4802-ABC"):
        assert secret not in log
