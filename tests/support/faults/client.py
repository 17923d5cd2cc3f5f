"""The applicant's and the operator's side of the campaign: the HTTP contract, retried the way
a well-behaved client retries (a 503 after its Retry-After, a refused connection after a pause),
with every answer tallied so the campaign can say how many 5xx the clients saw."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support import applicant as a

GIVE_UP_SECONDS = 300.0  # one call retried this long means the system did not heal
PAUSE = 0.5  # after a refused connection: the service is restarting


class GaveUpError(RuntimeError):
    """A call kept failing past GIVE_UP_SECONDS."""


@dataclass
class Tally:
    """Every answer the clients got, and when the pipeline last moved (thread-safe)."""

    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0
    unavailable_without_retry_after: int = 0
    progress: list[float] = field(default_factory=list)  # monotonic times of each step done
    submitted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, response: httpx.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code == 503 and "retry-after" not in response.headers:
                self.unavailable_without_retry_after += 1

    def failed_transport(self) -> None:
        with self.lock:
            self.transport_errors += 1

    def moved(self, *, submitted: bool = False) -> None:
        with self.lock:
            self.progress.append(time.monotonic())
            self.submitted += submitted

    def moved_since(self, since: float) -> float | None:
        """The first progress at or after `since`, if any."""
        with self.lock:
            return next((t for t in self.progress if t >= since), None)

    @property
    def server_errors(self) -> int:
        """5xx other than 503: what a client must never see (a 503 says when to come back)."""
        with self.lock:
            return sum(n for code, n in self.statuses.items() if code >= 500 and code != 503)


class Client:
    """One HTTP client that retries 503 and refused connections, never 4xx or other 5xx."""

    def __init__(self, base_url: str, tally: Tally) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.tally = tally

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while time.monotonic() < deadline:
            try:
                response = self.http.request(method, url, **kwargs)
            except httpx.TransportError:
                self.tally.failed_transport()
                time.sleep(PAUSE)
                continue
            self.tally.answer(response)
            if response.status_code == 503:
                time.sleep(min(float(response.headers.get("retry-after", "1")), 5.0))
                continue
            if response.status_code >= 500:
                time.sleep(PAUSE)  # counted above; retried so the campaign can go on
                continue
            return response
        raise GaveUpError(f"{method} {url}: no answer but 503 or errors for {GIVE_UP_SECONDS} s")


@dataclass
class Declaration:
    """One applicant's declaration as the client knows it."""

    fields: dict[str, Any]
    id: str = ""
    token: str = ""
    reference: str = ""
    status: str = ""

    @property
    def wants_copy(self) -> bool:
        return bool(self.fields["send_email_copy"])


class Applicant:
    """Draft, photos, submit (with an Idempotency-Key), then polls the status."""

    def __init__(self, client: Client, photos: dict[str, bytes]) -> None:
        self.client = client
        self.photos = photos

    def submit(self, declaration: Declaration) -> None:
        created = self.client.call("POST", "/v1/declarations", json=declaration.fields)
        assert created.status_code == 201, created.text
        declaration.id = created.json()["id"]
        declaration.token = created.json()["access_token"]
        for kind, data in self.photos.items():
            uploaded = self.client.call(
                "PUT",
                f"/v1/declarations/{declaration.id}/images/{kind}",
                files={"file": (f"{kind}.jpg", data, "image/jpeg")},
                headers=a.auth(declaration.token),
            )
            assert uploaded.status_code in (200, 201), uploaded.text
        # The same key on every retry: a submit whose answer was lost is not a second submit.
        headers = a.auth(declaration.token) | {"Idempotency-Key": str(uuid.uuid4())}
        submitted = self.client.call(
            "POST", f"/v1/declarations/{declaration.id}/submit", headers=headers
        )
        assert submitted.status_code == 202, submitted.text
        declaration.reference = submitted.json()["reference"]
        self.client.tally.moved(submitted=True)

    def wait_for(self, declaration: Declaration, status: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.client.call(
                "GET", f"/v1/declarations/{declaration.id}", headers=a.auth(declaration.token)
            )
            assert answer.status_code == 200, answer.text
            if answer.json()["status"] != declaration.status:
                declaration.status = answer.json()["status"]
                self.client.tally.moved()
            if declaration.status == status:
                return True
            time.sleep(0.5)
        return False


class Operator:
    """A clerk verifying cases with a bearer token (the initial-password SMS follows)."""

    def __init__(self, client: Client, token: str) -> None:
        self.client = client
        self.token = token

    def verify(self, declaration: Declaration) -> None:
        url = f"/v1/review/declarations/{declaration.id}"
        while True:
            answer = self.client.call(
                "POST", f"{url}/verify", json={"note": "đối chiếu"}, headers=a.auth(self.token)
            )
            if answer.status_code == 200:
                break
            # A 409 after a retry: the first attempt may have been decided before its answer
            # was lost. The case says whether it was.
            assert answer.status_code == 409, answer.text
            case = self.client.call("GET", url, headers=a.auth(self.token))
            assert case.status_code == 200, case.text
            if case.json()["status"] == "verified":
                break
            time.sleep(PAUSE)
        self.client.tally.moved()
