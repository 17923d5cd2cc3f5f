"""review serves the workers' AsyncAPI documents from its package data (no store, no broker)."""

from __future__ import annotations

import httpx

from vssid_review.entrypoints.api import create_app
from vssid_review.settings import ReviewSettings


async def test_the_index_links_each_workers_document_and_nothing_else() -> None:
    api = create_app(ReviewSettings(secret_key="a" * 40))
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://review.test") as review:
        index = (await review.get("/asyncapi")).json()
        assert sorted(index) == ["notifier", "ocr_qr"]
        for name, entry in index.items():
            assert entry["href"] == f"/asyncapi/{name}"
            document = await review.get(entry["href"])
            assert document.status_code == 200
            assert document.json()["info"]["title"] == entry["title"]
            assert document.json()["asyncapi"].startswith("3.")
        missing = await review.get("/asyncapi/intake")
        assert missing.status_code == 404
        assert missing.json()["detail"][0]["code"] == "not_found"
