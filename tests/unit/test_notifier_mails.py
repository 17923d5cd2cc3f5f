"""Status mails and the password SMS: every kind and locale renders, safely and in NFC."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date
from typing import Any

import pytest

from vssid_notifier.domain.copy_model import MailContext
from vssid_notifier.domain.mails import (
    SUPPORTED_LOCALES,
    ComposedMail,
    MailKind,
    compose_mail,
    sms_text_initial_password,
)

CTX = MailContext(
    reference="GD-2025-000123",
    full_name="Đặng Thị Ngọc Hưởng",
    social_insurance_number="4801234567",
    agency_code="4802",
    agency_name="Bảo hiểm xã hội quận Thanh Khê",
    agency_address="Số 3 Hà Huy Tập, Phường Hòa Khê, Quận Thanh Khê, Đà Nẵng",
    agency_phone="+842363759888",
    deadline=date(2025, 3, 24),
    reason="Ảnh chân dung không rõ mặt.",
    id_type="cccd",
)
CASES = [(kind, locale) for kind in MailKind for locale in SUPPORTED_LOCALES]


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_every_kind_renders_in_every_locale(kind: MailKind, locale: str) -> None:
    mail = compose_mail(kind, CTX, locale)
    assert isinstance(mail, ComposedMail)
    assert mail.subject
    assert "\n" not in mail.subject
    assert CTX.reference in mail.subject
    assert CTX.full_name in mail.text
    assert CTX.full_name in mail.html
    assert mail.html.lstrip().startswith("<!DOCTYPE html>")
    assert f'<html lang="{locale}">' in mail.html
    assert "{{" not in mail.text + mail.html


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_output_is_nfc_even_for_decomposed_input(kind: MailKind, locale: str) -> None:
    decomposed: dict[str, Any] = {
        field.name: unicodedata.normalize("NFD", value)
        for field in dataclasses.fields(CTX)
        if isinstance(value := getattr(CTX, field.name), str)
    }
    nfd = dataclasses.replace(CTX, **decomposed)
    assert not unicodedata.is_normalized("NFC", nfd.full_name)
    mail = compose_mail(kind, nfd, locale)
    for part in (mail.subject, mail.text, mail.html):
        assert unicodedata.is_normalized("NFC", part)
    assert CTX.full_name in mail.text


def test_copy_mail_says_where_when_and_what_to_bring() -> None:
    mail = compose_mail(MailKind.COPY, CTX)
    assert mail.subject.startswith("Bản sao tờ khai")
    for value in (CTX.agency_name, CTX.agency_address, "02363759888", "24/03/2025"):
        assert value in mail.text
        assert value in mail.html
    assert "Căn cước công dân bản gốc" in mail.text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_html_escapes_user_input(locale: str) -> None:
    hostile = dataclasses.replace(
        CTX, full_name='<script>alert("x")</script>', reason="<b>bad</b> & <i>worse</i>"
    )
    for kind in MailKind:
        mail = compose_mail(kind, hostile, locale)
        assert "<script>" not in mail.html
        assert "&lt;script&gt;" in mail.html
    rejected = compose_mail(MailKind.REJECTED, hostile, locale)
    assert "&lt;b&gt;bad&lt;/b&gt; &amp; &lt;i&gt;worse&lt;/i&gt;" in rejected.html
    # Plain text is not HTML: it shows what was typed.
    assert "<b>bad</b> & <i>worse</i>" in rejected.text


def test_subject_cannot_carry_a_header_injection() -> None:
    mail = compose_mail(MailKind.COPY, dataclasses.replace(CTX, reference="R1\r\nBcc: x@y.z"))
    assert "\r" not in mail.subject
    assert "\n" not in mail.subject


def test_verified_mail_explains_login_without_a_password() -> None:
    vi = compose_mail(MailKind.VERIFIED, CTX, "vi")
    assert "mã số BHXH 4801234567" in vi.text
    assert "mã thẻ BHYT gồm 15 ký tự" in vi.text
    assert "SMS" in vi.text
    assert "đổi mật khẩu" in vi.text
    en = compose_mail(MailKind.VERIFIED, CTX, "en")
    assert "social insurance number 4801234567" in en.text
    assert "15-character" in en.text
    assert "first login" in en.text


def test_rejected_and_expiring_carry_their_specifics() -> None:
    rejected = compose_mail(MailKind.REJECTED, CTX)
    assert "Lý do: Ảnh chân dung không rõ mặt." in rejected.text
    expiring = compose_mail(MailKind.EXPIRING, CTX)
    assert "chậm nhất vào ngày 24/03/2025" in expiring.text
    assert "24/03/2025" in expiring.subject
    assert CTX.agency_address in expiring.text
    assert "02363759888" in expiring.text


@pytest.mark.parametrize(
    ("kind", "missing"),
    [(MailKind.REJECTED, "reason"), (MailKind.EXPIRING, "deadline"), (MailKind.COPY, "id_type")],
)
def test_a_mail_missing_its_essentials_is_refused(kind: MailKind, missing: str) -> None:
    changes: dict[str, Any] = {missing: None}
    with pytest.raises(ValueError, match=missing):
        compose_mail(kind, dataclasses.replace(CTX, **changes))


def test_expired_mail_works_without_a_deadline() -> None:
    mail = compose_mail(MailKind.EXPIRED, dataclasses.replace(CTX, deadline=None))
    assert "hết hiệu lực" in mail.text


def test_locale_tags_and_unknown_locales() -> None:
    assert compose_mail(MailKind.EXPIRED, CTX, "vi-VN") == compose_mail(MailKind.EXPIRED, CTX)
    assert compose_mail(MailKind.EXPIRED, CTX, "en_US").subject.startswith("Your")
    with pytest.raises(ValueError, match="locale"):
        compose_mail(MailKind.EXPIRED, CTX, "fr")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_sms_carries_the_password_briefly(locale: str) -> None:
    password = "Xk7#pQ2!vR9m"
    sms = sms_text_initial_password(password, locale)
    assert password in sms.splitlines()[0]
    assert sms.splitlines()[0].endswith(password)
    assert len(sms) <= 160
    assert unicodedata.is_normalized("NFC", sms)


def test_sms_is_vietnamese_with_diacritics() -> None:
    sms = sms_text_initial_password("Xk7pQ2vR9m")
    assert sms.startswith("VssID: Mật khẩu")
    assert "đổi mật khẩu" in sms


@pytest.mark.parametrize("bad", ["short1", "has space1", "tab\tinside"])
def test_sms_refuses_weak_passwords_without_echoing_them(bad: str) -> None:
    with pytest.raises(ValueError, match="at least 8 characters") as caught:
        sms_text_initial_password(bad)
    assert bad not in str(caught.value)
