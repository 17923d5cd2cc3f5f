"""The visit deadline review sets reaches the applicant's own view (issue 17)."""

from __future__ import annotations

from typing import cast

from tests.unit.intake.test_handlers import (
    event_about,
    fakes,
    make_deps,
    scanned_about,
    submitted,
)
from vssid_intake import handlers
from vssid_intake.entrypoints.views import declaration_view
from vssid_intake.ports import Declarations
from vssid_shared.subjects import Event


async def test_the_deadline_of_the_status_events_is_kept_and_shown() -> None:
    deps = make_deps()
    declarations, _ = fakes(deps)
    declaration_id, token, _ = await submitted(deps)
    store = cast(Declarations, declarations)
    read = handlers.ReadDeclaration(declaration_id, token)
    before = declaration_view(await handlers.read_declaration(read, deps=deps), store)
    assert before["visit_deadline"] is None  # no case opened yet: nothing to show
    await handlers.record_scan(scanned_about(declaration_id), deps=deps)
    awaiting = event_about(Event.AWAITING_VERIFICATION, declaration_id, deadline="2026-04-02")
    await handlers.record_status(awaiting, deps=deps)
    after = declaration_view(await handlers.read_declaration(read, deps=deps), store)
    assert (after["status"], after["visit_deadline"]) == ("awaiting_verification", "2026-04-02")
    # A later status carries the same deadline; it stays on the declaration.
    verified = event_about(Event.VERIFIED, declaration_id, deadline="2026-04-02")
    await handlers.record_status(verified, deps=deps)
    doc = await handlers.read_declaration(read, deps=deps)
    assert declaration_view(doc, store)["visit_deadline"] == "2026-04-02"
