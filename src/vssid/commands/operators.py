"""`vssid operators add|list|disable`: BHXH office operators and their bearer tokens."""

from __future__ import annotations

import argparse
import re
from typing import Any

from vssid_review import staff_handlers
from vssid_review.bootstrap import App, bootstrap
from vssid_review.domain.errors import LoginTakenError
from vssid_review.domain.staff_credentials import LOGIN, default_login
from vssid_review.settings import ReviewSettings
from vssid_review.staff_handlers import EnrolOperator, enrol_operator
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


def _review() -> App:
    """review's composition root (never started): the CLI uses its adapters and use cases."""
    return bootstrap(ReviewSettings())


async def add_operator(args: argparse.Namespace) -> int:
    if not AGENCY.match(args.agency):
        print(f"Mã cơ quan không hợp lệ: {args.agency!r} (cần 4 chữ số, ví dụ 4802)")
        return 2
    name = nfc(args.name).strip()
    login = (args.login or default_login(name, args.agency)).strip().lower()
    if not LOGIN.match(login):
        print(f"Tên đăng nhập không hợp lệ: {login!r} (chữ thường không dấu, số, . _ -)")
        return 2
    review = _review()
    try:
        await review.staff.operators.ensure_indexes()
        await review.staff.credentials.ensure_indexes()
        command = EnrolOperator(name, args.agency, login, chosen=bool(args.login))
        enrolled = await enrol_operator(command, deps=review.staff)
    except LoginTakenError:
        print(f"Tên đăng nhập {login!r} đã có; chọn tên khác bằng --login.")
        return 2
    finally:
        await review.runtime.close_store()
    op, enrolment = enrolled.operator, enrolled.enrolment
    print(f"Đã tạo cán bộ {op.name} (id {op.id}) cho cơ quan {op.agency_code}.")
    # Shown once, never stored in clear: the person keys the secret into an authenticator app
    # (or scans the URI as a QR code) and changes nothing else.
    print(f"Đăng nhập trang cán bộ: {enrolment.login}")
    print(f"Mật khẩu: {enrolment.password}")
    print(f"Khoá TOTP (ứng dụng xác thực): {enrolment.totp_secret}")
    print(f"otpauth URI: {enrolment.otpauth_uri}")
    print(f"Mã truy cập API (bearer) của cán bộ {op.name} (id {op.id}):")
    print(enrolled.token)
    return 0


async def list_operators(args: argparse.Namespace) -> int:
    review = _review()
    try:
        for doc in await staff_handlers.list_operators(deps=review.staff):
            state = "active" if doc.get("active") else "disabled"
            print(f"{doc['_id']}\t{doc['agency_code']}\t{state}\t{doc['name']}")
    finally:
        await review.runtime.close_store()
    return 0


async def disable_operator(args: argparse.Namespace) -> int:
    review = _review()
    try:
        found = await staff_handlers.disable_operator(args.operator_id, deps=review.staff)
    finally:
        await review.runtime.close_store()
    print("Đã khoá." if found else "Không tìm thấy cán bộ.")
    return 0 if found else 1
