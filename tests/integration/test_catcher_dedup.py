"""Exactly-once at the receiving side: the catcher keeps one SMS per Idempotency-Key and one mail
per Message-ID, driven through the notifier's own adapters against a real catcher process."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from tests.integration.test_catcher import HOST, Catcher, _free_port
from vssid_notifier.adapters.sms import HttpSmsGateway
from vssid_notifier.adapters.smtp import SmtpMailer

PHONE = "+84905111222"
TEXT = "Mật khẩu ban đầu: Qw7-zP4m\nĐổi mật khẩu khi đăng nhập lần đầu."


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Catcher]:
    instance = Catcher(tmp_path / "mail", tmp_path / "catcher.log", _free_port(), _free_port())
    try:
        instance.start()
        yield instance
    finally:
        instance.kill()


async def _get(catcher: Catcher, path: str) -> list[dict[str, str]]:
    async with httpx.AsyncClient(base_url=catcher.base_url, timeout=10) as http:
        messages: list[dict[str, str]] = (await http.get(path)).json()["messages"]
    return messages


async def _sms(catcher: Catcher) -> list[dict[str, str]]:
    return await _get(catcher, "/api/v1/sms")


async def _mails(catcher: Catcher) -> list[dict[str, str]]:
    return await _get(catcher, "/api/v1/messages")


def _mail(message_id: str | None, subject: str = "Tài khoản đã được kích hoạt") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "BHXH Việt Nam <no-reply@vssid.local>"
    msg["To"] = "bao@example.com"
    msg["Subject"] = subject
    if message_id is not None:
        msg["Message-ID"] = message_id
    msg.set_content("Kính gửi ông/bà Nguyễn Văn Bảo.")
    return msg


async def test_the_same_idempotency_key_twice_is_one_sms(running: Catcher) -> None:
    gateway = HttpSmsGateway(f"{running.base_url}/api/v1/sms")
    await gateway.send(PHONE, TEXT, "decl-1:sms_password")
    await gateway.send(PHONE, TEXT, "decl-1:sms_password")  # the retry of an unknown outcome
    await gateway.send(PHONE, TEXT, "decl-2:sms_password")  # another declaration's SMS
    assert [m["Text"] for m in (await _sms(running))] == [TEXT, TEXT]


async def test_a_repeated_key_gets_the_first_answer(running: Catcher) -> None:
    url = f"{running.base_url}/api/v1/sms"
    headers = {"Idempotency-Key": "decl-3:sms_password"}
    async with httpx.AsyncClient(timeout=10) as http:
        first = await http.post(url, json={"to": PHONE, "text": TEXT}, headers=headers)
        again = await http.post(url, json={"to": PHONE, "text": "khác"}, headers=headers)
        unkeyed = [await http.post(url, json={"to": PHONE, "text": TEXT}) for _ in range(2)]
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    # Without a key nothing says two requests are one SMS: both are kept.
    assert all(r.status_code == 201 for r in unkeyed)
    assert len(await _sms(running)) == 3
    assert "Idempotency" not in str(await _sms(running))  # the listing keeps Mailpit's shape


async def test_keys_survive_a_restart(running: Catcher) -> None:
    gateway = HttpSmsGateway(f"{running.base_url}/api/v1/sms")
    await gateway.send(PHONE, TEXT, "decl-4:sms_password")
    running.stop()
    running.start()
    await gateway.send(PHONE, TEXT, "decl-4:sms_password")
    assert len(await _sms(running)) == 1


async def test_the_same_message_id_twice_is_one_mail(running: Catcher) -> None:
    mailer = SmtpMailer(f"smtp://{HOST}:{running.smtp_port}", timeout=10)
    await mailer.send(_mail("<verified.decl-5@vssid.local>"))
    await mailer.send(_mail("<verified.decl-5@vssid.local>"))
    await mailer.send(_mail("<copy.decl-5@vssid.local>", "Tờ khai 4802-ABC"))
    await mailer.send(_mail(None))
    await mailer.send(_mail(None))  # mail without a Message-ID is never taken for a copy
    ids = sorted(str(m["MessageID"]) for m in (await _mails(running)))
    assert ids == ["", "", "copy.decl-5@vssid.local", "verified.decl-5@vssid.local"]
    running.stop()
    running.start()  # the Message-IDs kept are known again after a restart
    await mailer.send(_mail("<verified.decl-5@vssid.local>"))
    assert len(await _mails(running)) == 4


async def test_a_deleted_mail_may_arrive_again(running: Catcher) -> None:
    mailer = SmtpMailer(f"smtp://{HOST}:{running.smtp_port}", timeout=10)
    await mailer.send(_mail("<rejected.decl-6@vssid.local>"))
    async with httpx.AsyncClient(base_url=running.base_url, timeout=10) as http:
        assert (await http.delete("/api/v1/messages")).status_code == 200
    await mailer.send(_mail("<rejected.decl-6@vssid.local>"))
    assert len(await _mails(running)) == 1
