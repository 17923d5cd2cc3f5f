"""`wire_bytes` writes exactly what the standard library's `as_bytes` writes for a notifier mail."""

from __future__ import annotations

import pytest

from tests.unit.test_notifier_pdf import HUONG
from vssid_notifier.adapters.pdf import render_declaration_pdf
from vssid_notifier.adapters.smtp import WIRE_POLICY, wire_bytes
from vssid_notifier.domain.compose import mime_message
from vssid_notifier.domain.mails import ComposedMail, MailKind

_TEXT = "Kính gửi Đặng Thị Ngọc Hưởng,\n\nTờ khai của bạn đã được tiếp nhận.\r\nTrân trọng.\n" * 5
_HTML = "<p>Kính gửi <b>Đặng Thị Ngọc Hưởng</b>,</p>\n<p>Tờ khai đã được tiếp nhận.</p>" * 5


@pytest.mark.parametrize("attached", [True, False], ids=["with-copy", "without-copy"])
def test_wire_bytes_are_the_standard_generators(attached: bool) -> None:
    message = mime_message(
        ComposedMail("Bản sao tờ khai đăng ký giao dịch điện tử BHXH - mã 4802", _TEXT, _HTML),
        sender="BHXH Việt Nam <no-reply@vssid.local>",
        to="Đặng Thị Ngọc Hưởng <huong.dang@example.vn>",
        declaration_id="d1",
        kind=MailKind.VERIFIED,
        attachment=("to-khai.pdf", render_declaration_pdf(HUONG)) if attached else None,
    )
    # The first flattening picks the multipart boundaries and stores them on the message.
    expected = message.as_bytes(policy=WIRE_POLICY)
    assert wire_bytes(message) == expected
    assert expected.count(b"\r\n") > (1_000 if attached else 20)
    assert b"\n" not in expected.replace(b"\r\n", b"")
