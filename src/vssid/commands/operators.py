"""`vssid operators add|list|disable`: BHXH office operators and their bearer tokens."""

from __future__ import annotations

import argparse
import re
import secrets
from typing import Any

from vssid_review.adapters.staff_credentials import CredentialStore
from vssid_review.bootstrap import bootstrap
from vssid_review.domain.staff_credentials import LOGIN, default_login
from vssid_review.ports import Operators
from vssid_review.settings import ReviewSettings
from vssid_shared.clock import utc_now
from vssid_shared.text import nfc

AGENCY = re.compile(r"^\d{4}$")


def add_parser(sub: Any) -> None:
    ops = sub.add_parser("operators", help="manage office operators")
    verbs = ops.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("add", help="create an operator; prints the token last")
    add.add_argument("--agency", required=True, help="agency code, e.g. 4802")
    add.add_argument("--name", required=True)
    add.add_argument(
        "--login", help="staff sign-in name (default: the name without accents + .agency)"
    )
    add.set_defaults(handler=add_operator)
    verbs.add_parser("list", help="list operators").set_defaults(handler=list_operators)
    disable = verbs.add_parser("disable", help="disable an operator by id")
    disable.add_argument("operator_id")
    disable.set_defaults(handler=disable_operator)


def _store() -> tuple[Operators, CredentialStore, Any]:
    """review's own operator and sign-in stores, built by its composition root (never
    started)."""
    review = bootstrap(ReviewSettings())
    return review.operators, review.staff.credentials, review.runtime.client


async def add_operator(args: argparse.Namespace) -> int:
    if not AGENCY.match(args.agency):
        print(f"Mã cơ quan không hợp lệ: {args.agency!r} (cần 4 chữ số, ví dụ 4802)")
        return 2
    name = nfc(args.name).strip()
    login = (args.login or default_login(name, args.agency)).strip().lower()
    if not LOGIN.match(login):
        print(f"Tên đăng nhập không hợp lệ: {login!r} (chữ thường không dấu, số, . _ -)")
        return 2
    store, credentials, client = _store()
    try:
        await store.ensure_indexes()
        await credentials.ensure_indexes()
        if await credentials.collection.find_one({"login": login}, {"_id": 1}):
            if args.login:
                print(f"Tên đăng nhập {login!r} đã có; chọn tên khác bằng --login.")
                return 2
            # Two people of one office may share a name: the default gets a short suffix.
            login = f"{login}-{secrets.token_hex(2)}"
        op, token = await store.add(name, args.agency, utc_now())
        enrolment = await credentials.enrol(op.id, login)
    finally:
        await client.close()
    print(f"Đã tạo cán bộ {op.name} (id {op.id}) cho cơ quan {op.agency_code}.")
    # Shown once, never stored in clear: the person keys the secret into an authenticator app
    # (or scans the URI as a QR code) and changes nothing else.
    print(f"Đăng nhập trang cán bộ: {enrolment.login}")
    print(f"Mật khẩu: {enrolment.password}")
    print(f"Khoá TOTP (ứng dụng xác thực): {enrolment.totp_secret}")
    print(f"otpauth URI: {enrolment.otpauth_uri}")
    print(f"Mã truy cập API (bearer) của cán bộ {op.name} (id {op.id}):")
    print(token)
    return 0


async def list_operators(args: argparse.Namespace) -> int:
    store, _, client = _store()
    try:
        for doc in await store.list():
            state = "active" if doc.get("active") else "disabled"
            print(f"{doc['_id']}\t{doc['agency_code']}\t{state}\t{doc['name']}")
    finally:
        await client.close()
    return 0


async def disable_operator(args: argparse.Namespace) -> int:
    store, _, client = _store()
    try:
        found = await store.disable(args.operator_id)
    finally:
        await client.close()
    print("Đã khoá." if found else "Không tìm thấy cán bộ.")
    return 0 if found else 1
