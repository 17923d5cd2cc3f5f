"""The notifier's mails on the wire are exactly what the standard library writes for them.

`wire_bytes` (one substitution per body, remembered repeated headers) against
`EmailMessage()` with `email.policy.default` and `as_bytes(policy=SMTP at 998 columns)`,
the way the notifier built and wrote mails before: same boundaries and Date, same bytes.
"""

from __future__ import annotations

import itertools
from email import generator, policy
from email.message import EmailMessage

import pytest

from tests.unit.test_notifier_pdf import HUONG
from vssid_notifier.adapters.pdf import render_declaration_pdf
from vssid_notifier.adapters.smtp import wire_bytes
from vssid_notifier.domain import compose, mail_headers
from vssid_notifier.domain.compose import mime_message
from vssid_notifier.domain.mails import ComposedMail, MailKind

_TEXT = "Kính gửi Đặng Thị Ngọc Hưởng,\n\nTờ khai của bạn đã được tiếp nhận.\r\nTrân trọng.\n" * 5
_HTML = "<p>Kính gửi <b>Đặng Thị Ngọc Hưởng</b>,</p>\n<p>Tờ khai đã được tiếp nhận.</p>" * 5
_STOCK_WIRE = policy.SMTP.clone(max_line_length=998)


def _mail(i: int, attached: bool) -> EmailMessage:
    return mime_message(
        ComposedMail(
            f"Bản sao tờ khai đăng ký giao dịch điện tử BHXH - mã 4802-{i:06d}", _TEXT, _HTML
        ),
        sender="BHXH Việt Nam <no-reply@vssid.local>",
        to=f"Đặng Thị Ngọc Hưởng {i} <huong.{i}@example.vn>",
        declaration_id=f"d{i}",
        kind=MailKind.VERIFIED,
        attachment=(f"to-khai-{i % 2}.pdf", render_declaration_pdf(HUONG)) if attached else None,
    )


@pytest.fixture
def fixed_boundaries_and_date(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = itertools.count()
    monkeypatch.setattr(
        generator.Generator,
        "_make_boundary",
        classmethod(lambda cls, text=None: f"===============b{next(counter)}=="),
    )
    monkeypatch.setattr(compose, "formatdate", lambda **_: "Tue, 01 Dec 2026 21:00:00 GMT")


@pytest.mark.usefixtures("fixed_boundaries_and_date")
@pytest.mark.parametrize("attached", [True, False], ids=["with-copy", "without-copy"])
def test_wire_bytes_are_what_the_standard_library_writes(
    attached: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_headers._stored.clear()
    for i in range(4):  # the first mail fills the remembered headers, the others reuse them
        with monkeypatch.context() as patch:
            patch.setattr(compose, "MESSAGE_POLICY", policy.default)
            stock = _mail(i, attached)
        assert stock.policy is policy.default
        expected = stock.as_bytes(policy=_STOCK_WIRE)  # picks the boundaries b{2i}, b{2i+1}
        new = _mail(i, attached)
        for part, stock_part in zip(new.walk(), stock.walk(), strict=True):
            if boundary := stock_part.get_boundary():
                part.set_boundary(boundary)
        assert wire_bytes(new) == expected
        assert expected.count(b"\r\n") > (1_000 if attached else 20)
    assert mail_headers._stored  # the repeated headers were remembered


def test_personal_headers_are_not_remembered() -> None:
    mail_headers._stored.clear()
    _mail(7, attached=True)
    names = {name.lower() for name, _ in mail_headers._stored}
    assert names <= {
        "from",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
    }
    assert not any("huong" in value or "to-khai" in value for _, value in mail_headers._stored)
