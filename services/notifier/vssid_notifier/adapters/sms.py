"""The SMS gateway's HTTP adapter (the dev catcher and production providers)."""

from __future__ import annotations

import httpx

from vssid_notifier.domain.errors import PermanentDeliveryError


class HttpSmsGateway:
    """POSTs {"to", "text"} as JSON with an `Idempotency-Key` header (CONTRACT §6).

    4xx is permanent; 5xx and network errors (a timeout included: the provider may have the
    SMS) are retried by redelivery, with the same key, so the provider sends it once.
    """

    def __init__(self, url: str, token: str = "", timeout: float = 10.0) -> None:
        self._url = url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = timeout

    async def send(self, to: str, text: str, key: str) -> None:
        headers = {**self._headers, "Idempotency-Key": key}
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            response = await client.post(self._url, json={"to": to, "text": text}, headers=headers)
        if 400 <= response.status_code < 500:
            raise PermanentDeliveryError(f"sms gateway {response.status_code}")
        response.raise_for_status()
