"""Security headers every HTTP answer of intake and review carries (one ASGI middleware).

A pure ASGI middleware, not Starlette's BaseHTTPMiddleware: it only edits the response start
message, so streamed answers (review's Server-Sent Events) pass through unbuffered.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# nosniff on everything: a browser never guesses a JSON error or an image into HTML or script.
DEFAULT_HEADERS: Mapping[str, str] = {"X-Content-Type-Options": "nosniff"}


class SecurityHeaders:
    """Adds `headers` to every HTTP response that does not already set them."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str] = DEFAULT_HEADERS) -> None:
        self.app = app
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in response_headers:
                        response_headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
