"""The SMS gateway port and its HTTP adapter (the dev catcher and production providers)."""

from __future__ import annotations

from typing import Protocol

import httpx

from vssid_notifier.adapters.smtp import PermanentDeliveryError


class SmsGateway(Protocol):
    async def send(self, to: str, text: str) -> None: ...


class HttpSmsGateway:
    """POSTs {"to", "text"} as JSON; 4xx is permanent, 5xx and network errors are retried."""

    def __init__(self, url: str, token: str = "", timeout: float = 10.0) -> None:
        self._url = url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = timeout

    async def send(self, to: str, text: str) -> None:
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            response = await client.post(
                self._url, json={"to": to, "text": text}, headers=self._headers
            )
        if 400 <= response.status_code < 500:
            raise PermanentDeliveryError(f"sms gateway {response.status_code}")
        response.raise_for_status()
