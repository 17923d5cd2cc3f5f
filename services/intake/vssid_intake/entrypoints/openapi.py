"""OpenAPI request bodies for the endpoints that read their body by hand (streamed uploads)."""

from __future__ import annotations

from typing import Any

FILE_FIELD = {
    "schema": {
        "type": "object",
        "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}},
    }
}


def body_with_file(**other_content: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` for a multipart `file` field, plus any other accepted media types."""
    content = {"multipart/form-data": FILE_FIELD, **other_content}
    return {"requestBody": {"required": True, "content": content}}
