"""Attacks on login, sessions and stored numbers, against the running system (issue 10).

Every move goes through the HTTP contract of real processes on real servers. Different source
addresses come from binding the client socket to other loopback addresses (127.0.0.0/8 is all
loopback on Linux), so "another client" is another TCP peer, as it is in production.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bson
import httpx
import pytest
from pymongo import MongoClient

from tests.e2e.conftest import System, launch
from tests.support import applicant as a
from tests.support.cards import render_card_photo
from tests.support.observe import sms_to
from vssid.devstack.servers import Stack

pytestmark = pytest.mark.e2e

PAIR_LIMIT = 5  # wrong passwords per (login id, address)
ACCOUNT_LIMIT = 12  # wrong passwords per login id from all addresses
ACCOUNT_WINDOW_SECONDS = 30  # long enough for the attack below on a loaded machine
CLIENT_LIMIT = 10  # wrong passwords per address across login ids
LOOKUP_LIMIT = 5
IDLE_SECONDS = 6
ATTACK_ENV = {
    "VSSID_LOGIN_MAX_FAILURES": str(PAIR_LIMIT),
    "VSSID_LOGIN_ACCOUNT_MAX_FAILURES": str(ACCOUNT_LIMIT),
    "VSSID_LOGIN_ACCOUNT_LOCKOUT_MINUTES": str(ACCOUNT_WINDOW_SECONDS / 60),
    "VSSID_LOGIN_CLIENT_MAX_FAILURES": str(CLIENT_LIMIT),
    "VSSID_LOOKUP_RATE_PER_MINUTE": str(LOOKUP_LIMIT),
    "VSSID_SESSION_IDLE_MINUTES": str(IDLE_SECONDS / 60),
    # The operator's tools would set FORWARDED_ALLOW_IPS for uvicorn; it must change nothing.
    "FORWARDED_ALLOW_IPS": "*",
}
STRONG = "Tr4ng-Xanh-Biển-Rộng"


@dataclass
class Citizen:
    fields: dict[str, Any]
    password: str
    declaration_id: str

    @property
    def sin(self) -> str:
        return str(self.fields["social_insurance_number"])


@pytest.fixture(scope="module")
def system(stack: Stack) -> Iterator[System]:
    with launch(stack, extra_env=ATTACK_ENV) as running:
        yield running


def client_from(system: System, address: str, service: str = "intake") -> httpx.Client:
    """A client whose TCP connections come from `address` (a loopback address)."""
    url = system.intake_url if service == "intake" else system.review_url
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=url, timeout=60, transport=transport)


def operator_headers(system: System) -> dict[str, str]:
    out = system.cli("operators", "add", "--agency", "4802", "--name", "Nguyễn Văn B")
    return {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}


def unique_person() -> tuple[dict[str, Any], str]:
    """A Bảo with his own SIN, phone and ID number, and the CCCD QR payload of his card."""
    fields = a.unique_bao()
    id_number = f"048090{secrets.randbelow(10**6):06d}"  # province 048, male born 1990
    fields["id_document"] = {**fields["id_document"], "number": id_number}
    qr = a.BAO_QR.replace("048090900101", id_number, 1)
    return fields, qr


def register_and_verify(system: System, headers: dict[str, str]) -> Citizen:
    """Register, submit, verify at the office; the initial password read off the SMS."""
    fields, qr = unique_person()
    intake = httpx.Client(base_url=system.intake_url, timeout=60)
    declaration_id, token = a.create_draft(intake, fields)
    images = {
        "portrait": a.portrait_jpeg(),
        "id_front": render_card_photo(qr, "clean", 1),
        "id_back": render_card_photo(qr, "phone", 2),
    }
    for kind, data in images.items():
        response = intake.put(
            f"/v1/declarations/{declaration_id}/images/{kind}",
            files={"file": (f"{kind}.jpg", data, "image/jpeg")},
            headers=a.auth(token),
        )
        assert response.status_code == 201, response.text
    a.submit(intake, declaration_id, token)
    a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    verified = httpx.post(
        f"{system.review_url}/v1/review/declarations/{declaration_id}/verify",
        json={"note": "Đã đối chiếu CCCD"},
        headers=headers,
        timeout=60,
    )
    assert verified.status_code == 200, verified.text
    sms = a.eventually(lambda: sms_to(system.mail_api_url, a.e164(fields["phone"])))
    found = re.search(r"là: (\S+)", sms[0]["Text"])
    assert found, "the SMS carries the initial password"
    return Citizen(fields, found.group(1), declaration_id)


@pytest.fixture(scope="module")
def operator(system: System) -> dict[str, str]:
    return operator_headers(system)


@pytest.fixture
def citizen(system: System, operator: dict[str, str]) -> Citizen:
    return register_and_verify(system, operator)


def login(client: httpx.Client, account: str, password: str) -> httpx.Response:
    return client.post("/v1/auth/login", json={"account": account, "password": password})


def test_concurrent_guesses_never_outrun_the_lockout(system: System, citizen: Citizen) -> None:
    """41 guesses at once, the right one 36th: at most PAIR_LIMIT passwords are ever checked."""
    guesses = [f"Đoán-{n}-{secrets.token_hex(4)}" for n in range(41)]
    guesses[35] = citizen.password
    client = client_from(system, "127.0.0.11")
    with ThreadPoolExecutor(len(guesses)) as pool:
        answers = list(pool.map(lambda g: login(client, citizen.sin, g), guesses))
    codes = [answer.status_code for answer in answers]
    assert set(codes) <= {200, 401, 429, 503}, codes
    for answer in answers:
        if answer.status_code == 429:
            assert answer.json()["detail"][0]["code"] == "too_many_attempts"
            assert int(answer.headers["Retry-After"]) >= 1
    if codes[35] == 200:
        # The right one was among the first PAIR_LIMIT checked; its success forgave the
        # address (OWASP), after which at most PAIR_LIMIT more wrong ones were checked.
        assert codes.count(401) <= 2 * PAIR_LIMIT - 1, codes
    else:
        # Exactly PAIR_LIMIT wrong passwords were checked, everything else refused unchecked,
        # and the right password is refused too: the lock holds for this address.
        assert codes.count(401) == PAIR_LIMIT, codes
        assert codes.count(429) == len(guesses) - PAIR_LIMIT, codes
        assert login(client, citizen.sin, citizen.password).status_code == 429


def test_the_right_password_after_the_lock_is_refused_unchecked(
    system: System, citizen: Citizen
) -> None:
    """Deterministic: 40 wrong at once spend exactly the limit; then the right one is 429."""
    client = client_from(system, "127.0.0.12")
    wrong = [f"Sai-{n}-{secrets.token_hex(4)}" for n in range(40)]
    with ThreadPoolExecutor(len(wrong)) as pool:
        codes = [r.status_code for r in pool.map(lambda g: login(client, citizen.sin, g), wrong)]
    assert codes.count(401) == PAIR_LIMIT, codes
    assert codes.count(429) == len(wrong) - PAIR_LIMIT, codes
    assert login(client, citizen.sin, citizen.password).status_code == 429
    # The owner, at home on another address, is not locked out by the attacker's failures.
    owner = client_from(system, "127.0.0.13")
    assert login(owner, citizen.sin, citizen.password).status_code == 200


def test_a_distributed_guesser_locks_the_owner_out_only_briefly(
    system: System, citizen: Citizen
) -> None:
    attackers = [client_from(system, f"127.0.0.{20 + n}") for n in range(4)]
    codes = [
        login(attacker, citizen.sin, f"Sai-{n}-{secrets.token_hex(4)}").status_code
        for attacker in attackers
        for n in range(PAIR_LIMIT)
    ]
    assert codes.count(401) == ACCOUNT_LIMIT, codes  # then the account-wide limit holds
    owner = client_from(system, "127.0.0.30")
    refused = login(owner, citizen.sin, citizen.password)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) <= ACCOUNT_WINDOW_SECONDS
    # Once the short window has passed the owner is in: the attackers' own lock remains.
    time.sleep(int(refused.headers["Retry-After"]))

    def owner_is_in() -> httpx.Response | None:
        answer = login(owner, citizen.sin, citizen.password)
        return answer if answer.status_code == 200 else None

    answer = a.eventually(owner_is_in, timeout=ACCOUNT_WINDOW_SECONDS * 3)
    assert answer.json()["token"]
    assert login(attackers[0], citizen.sin, citizen.password).status_code == 429


def test_one_address_trying_many_accounts_is_throttled(system: System, citizen: Citizen) -> None:
    sprayer = client_from(system, "127.0.0.40")
    codes = [
        login(sprayer, f"48{secrets.randbelow(10**8):08d}", "Mật-khẩu-123").status_code
        for _ in range(60)
    ]
    assert codes[:CLIENT_LIMIT] == [401] * CLIENT_LIMIT, codes
    assert set(codes[CLIENT_LIMIT:]) == {429}, codes
    # Other people, on other addresses, log in as usual.
    assert (
        login(client_from(system, "127.0.0.41"), citizen.sin, citizen.password).status_code == 200
    )


def test_weak_new_passwords_are_refused_with_the_reason(system: System, citizen: Citizen) -> None:
    client = client_from(system, "127.0.0.50")
    f = citizen.fields
    weak = {
        "aaaaaaaa": "lặp lại",
        "12345678": "phổ biến",
        f["social_insurance_number"]: "thông tin cá nhân",
        f"Bao{f['phone']}": "thông tin cá nhân",
        "NguyenVanBao1990": "thông tin cá nhân",
        "Bảo15031990": "thông tin cá nhân",
    }
    for new_password, because in weak.items():
        answer = client.post(
            "/v1/auth/change-password",
            json={
                "account": citizen.sin,
                "password": citizen.password,
                "new_password": new_password,
            },
        )
        assert answer.status_code == 422, (new_password, answer.text)
        [item] = answer.json()["detail"]
        assert item["code"] == "weak_password"
        assert because in item["message"], item
    accepted = client.post(
        "/v1/auth/change-password",
        json={"account": citizen.sin, "password": citizen.password, "new_password": STRONG},
    )
    assert accepted.status_code == 204, accepted.text
    assert login(client, citizen.sin, STRONG).status_code == 200


def test_sessions_end_when_idle_and_on_a_password_change(system: System, citizen: Citizen) -> None:
    client = client_from(system, "127.0.0.60")
    first = login(client, citizen.sin, citizen.password).json()["token"]
    second = login(client, citizen.sin, citizen.password).json()["token"]
    alive = client.get("/v1/auth/session", headers=a.auth(first))
    assert alive.status_code == 200, alive.text
    assert alive.json()["must_change_password"] is True
    # Idle: not used for longer than the idle timeout, the session is gone for good.
    time.sleep(IDLE_SECONDS + 1)
    idle = client.get("/v1/auth/session", headers=a.auth(first))
    assert idle.status_code == 401
    assert idle.json()["detail"][0]["code"] == "session_expired"

    third = login(client, citizen.sin, citizen.password).json()["token"]
    assert client.get("/v1/auth/session", headers=a.auth(third)).status_code == 200
    changed = client.post(
        "/v1/auth/change-password",
        json={"account": citizen.sin, "password": citizen.password, "new_password": STRONG},
    )
    assert changed.status_code == 204, changed.text
    for token in (second, third):
        assert client.get("/v1/auth/session", headers=a.auth(token)).status_code == 401
    fresh = login(client, citizen.sin, STRONG).json()["token"]
    assert (
        client.get("/v1/auth/session", headers=a.auth(fresh)).json()["must_change_password"]
        is False
    )
    assert client.post("/v1/auth/logout", headers=a.auth(fresh)).status_code == 204
    assert client.get("/v1/auth/session", headers=a.auth(fresh)).status_code == 401


def test_forwarded_headers_from_localhost_are_not_trusted(
    system: System, citizen: Citizen, operator: dict[str, str]
) -> None:
    client = client_from(system, "127.0.0.70")
    params = {"full_name": "Trần Thị Mai Anh", "date_of_birth": "1985-11-02", "province_code": "48"}
    codes = [
        client.get(
            "/v1/social-insurance/lookup",
            params=params,
            headers={"X-Forwarded-For": f"198.51.100.{n}", "Forwarded": f"for=198.51.100.{n}"},
        ).status_code
        for n in range(LOOKUP_LIMIT + 3)
    ]
    assert codes == [200] * LOOKUP_LIMIT + [429] * 3, codes

    review = client_from(system, "127.0.0.71", "review")
    forged = {**operator, "X-Forwarded-For": "203.0.113.77"}
    path = f"/v1/review/declarations/{citizen.declaration_id}"
    assert review.get(path, headers=forged).status_code == 200
    case = review.get(path, headers=operator)
    assert "203.0.113.77" not in case.text
    assert "127.0.0.71" in case.text  # the audit trail names the real peer


def _bson_documents(client: MongoClient[dict[str, Any]]) -> Iterator[tuple[str, bytes]]:
    for db_name in client.list_database_names():
        db = client[db_name]
        for collection in db.list_collection_names():
            for doc in db[collection].find():
                yield f"{db_name}.{collection}", bson.encode(doc)


def test_no_number_is_stored_in_clear(system: System, citizen: Citizen, tmp_path: Path) -> None:
    """After register, verify, registry import, lookup, login and a password change, no
    collection of the running MongoDB holds the person's SIN, phone or ID number in clear."""
    f = citizen.fields
    csv_file = tmp_path / "registry.csv"
    csv_file.write_text(
        "social_insurance_number,full_name,date_of_birth,gender,province_code\n"
        f"{citizen.sin},{f['full_name']},{f['date_of_birth']},male,48\n",
        encoding="utf-8",
    )
    system.cli("registry", "import", str(csv_file))
    client = client_from(system, "127.0.0.80")
    params = {
        "full_name": "Nguyen Van Bao",
        "date_of_birth": f["date_of_birth"],
        "province_code": "48",
    }
    matches = client.get("/v1/social-insurance/lookup", params=params).json()["matches"]
    assert citizen.sin in {m["social_insurance_number"] for m in matches}
    token = login(client, citizen.sin, citizen.password).json()["token"]
    assert client.get("/v1/auth/session", headers=a.auth(token)).status_code == 200
    login(client, citizen.sin, "Sai-mật-khẩu-1")
    changed = client.post(
        "/v1/auth/change-password",
        json={
            "account": f"GD448{citizen.sin}",
            "password": citizen.password,
            "new_password": STRONG,
        },
    )
    assert changed.status_code == 204, changed.text

    phone = f["phone"]
    needles = {
        "social_insurance_number": citizen.sin,
        "phone": phone,
        "phone_e164": "84" + phone[1:],
        "phone_national": phone[1:],
        "id_number": f["id_document"]["number"],
    }
    mongo: MongoClient[dict[str, Any]] = MongoClient(system.env["VSSID_MONGO_URL"])
    try:
        seen = 0
        for where, raw in _bson_documents(mongo):
            seen += 1
            for what, needle in needles.items():
                assert needle.encode() not in raw, f"{what} in clear in {where}"
    finally:
        mongo.close()
    assert seen > 0
