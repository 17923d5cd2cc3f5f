"""FastAPI app serving the Mailpit-compatible mail API and the SMS sink."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Body, FastAPI, Header, HTTPException, Query, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from vssid.catcher import mime
from vssid.catcher.store import MailStore, SmsStore

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50  # Mailpit's page size when `limit` is absent.


class SmsIn(BaseModel):
    """What an SMS gateway adapter posts."""

    model_config = ConfigDict(extra="ignore")

    to: str = Field(min_length=1)
    text: str


class DeleteIn(BaseModel):
    """Mailpit's optional body for deleting only some messages."""

    IDs: list[str] = Field(default_factory=list)


def _not_found() -> HTTPException:
    return HTTPException(status_code=404, detail="message not found")


def create_app(mail: MailStore, sms: SmsStore) -> FastAPI:
    """Build the HTTP app around the given stores."""
    app = FastAPI(title="vssid mail and SMS catcher", docs_url=None, redoc_url=None)

    # Plain `def` endpoints run in the threadpool, keeping file I/O off the event loop.

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/messages")
    def list_messages(
        start: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=0)] = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        total, page = mail.page(start, limit or DEFAULT_LIMIT)
        return {
            "total": total,
            "messages_count": total,
            "count": len(page),
            "start": start,
            "tags": [],
            "messages": page,
        }

    @app.delete("/api/v1/messages", response_class=PlainTextResponse)
    def delete_messages(body: Annotated[DeleteIn | None, Body()] = None) -> str:
        # Mailpit deletes everything when no IDs are named.
        removed = mail.delete(body.IDs if body and body.IDs else None)
        log.info("deleted %d mails", removed)
        return "ok"

    @app.get("/api/v1/message/{msg_id}")
    def get_message(msg_id: str) -> dict[str, Any]:
        found = mail.message(msg_id)
        if found is None:
            raise _not_found()
        return mime.detail(*found)

    @app.get("/api/v1/message/{msg_id}/part/{part_id}")
    def get_part(msg_id: str, part_id: str) -> Response:
        found = mail.message(msg_id)
        part = mime.find_part(found[0], part_id) if found else None
        if part is None:
            raise _not_found()
        content, content_type = part
        return Response(content=content, media_type=content_type)

    @app.get("/api/v1/message/{msg_id}/raw")
    def get_raw(msg_id: str) -> Response:
        raw = mail.raw(msg_id)
        if raw is None:
            raise _not_found()
        return Response(content=raw, media_type="text/plain; charset=utf-8")

    @app.post("/api/v1/sms", status_code=201)
    def post_sms(
        body: SmsIn,
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
        ] = None,
    ) -> dict[str, str]:
        # As providers' client references do: a retry with the same key is the same SMS, and
        # it gets the answer the first request got.
        item, created = sms.add(body.to, body.text, idempotency_key)
        # The text may carry an initial password; only the id is logged.
        if created:
            log.info("stored sms %s", item["ID"])
        else:
            log.info("sms %s requested again with the same Idempotency-Key; kept once", item["ID"])
        return {"ID": item["ID"]}

    @app.get("/api/v1/sms")
    def list_sms() -> dict[str, Any]:
        items = sms.newest_first()
        return {"total": len(items), "messages": items}

    @app.delete("/api/v1/sms", response_class=PlainTextResponse)
    def delete_sms() -> str:
        log.info("deleted %d sms", sms.clear())
        return "ok"

    return app
