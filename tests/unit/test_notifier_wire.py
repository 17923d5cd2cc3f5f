"""What the notifier puts on the wire: Vietnamese subjects survive folding and parsing."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from vssid_notifier.adapters.smtp import wire_bytes
from vssid_notifier.domain.compose import mime_message
from vssid_notifier.domain.mails import ComposedMail, MailKind

SUBJECTS = [
    "Bản sao tờ khai đăng ký giao dịch điện tử BHXH - mã hồ sơ 4802-CM6RQ7",
    "Tài khoản VssID của Nguyễn Văn Bảo đã được kích hoạt – mã hồ sơ 4802-ABCDEF, BHXH quận "  # noqa: RUF001
    "Thanh Khê, Thành phố Đà Nẵng",
]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_subject_and_body_round_trip_exactly(subject: str) -> None:
    composed = ComposedMail(subject, "Nội dung thư: Nguyễn Văn Bảo", "<p>Nguyễn Văn Bảo</p>")
    message = mime_message(
        composed,
        sender="BHXH Việt Nam <no-reply@vssid.local>",
        to="bao@example.com",
        declaration_id="d1",
        kind=MailKind.VERIFIED,
        attachment=("to-khai.pdf", b"%PDF-1.4 test"),
    )
    raw = wire_bytes(message)
    assert raw.isascii()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Subject"] == subject
    assert parsed["Message-ID"] == "<verified.d1@vssid.local>"
    body = parsed.get_body(("plain",))
    assert body is not None
    assert body.get_content().strip() == "Nội dung thư: Nguyễn Văn Bảo"
