"""Reading an event off the wire into its typed envelope."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from vssid_shared.contracts.data import EventData
from vssid_shared.contracts.envelope import CloudEvent, Envelope

DataT = TypeVar("DataT", bound=EventData)


class InvalidMessageError(Exception):
    """A message that no retry can fix: terminate it, it goes to the dead letters."""


def parse_event(body: bytes | str | dict[str, Any], model: type[DataT]) -> Envelope[DataT]:
    """The envelope with `data` checked against the event's model, or InvalidMessageError."""
    try:
        if isinstance(body, dict):
            return Envelope[model].model_validate(body)  # type: ignore[valid-type]
        return Envelope[model].model_validate_json(body)  # type: ignore[valid-type]
    except ValidationError as exc:
        raise InvalidMessageError(f"not a {model.__name__} event of ours") from exc


def typed(event: CloudEvent, model: type[DataT]) -> Envelope[DataT]:
    """A stored or relayed event read as its model (e.g. one a use case built itself)."""
    return parse_event(event.wire(), model)
