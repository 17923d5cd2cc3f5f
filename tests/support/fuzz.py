"""schemathesis over a service's own OpenAPI: every operation, positive and negative, no 5xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Adjusts a generated case before it is sent (e.g. points half of them at a real record).
Prepare = Callable[[Any], None]


def check_operation(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    base_url: str,
    prepare: Prepare,
    calls: list[int],
    examples: int,
) -> None:
    session = requests.Session()

    # Bounded and repeatable: derandomized (a fixed seed) with a fixed count per operation.
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        prepare(case)
        calls.append(1)
        response = case.call(base_url=base_url, session=session, timeout=30)
        assert response.status_code < 500, (case.method, case.path, response.text[:300])

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to break in e.g. GET /health


def check_all(
    base_url: str, prepare: Prepare, examples: int, skip: Callable[[str], bool] = lambda _: False
) -> int:
    """Runs every operation of `base_url`'s schema in both modes; returns how many were sent."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    calls: list[int] = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the served schema must be valid OpenAPI
        operation = result.ok()
        if skip(operation.path):
            continue
        for mode in MODES:
            check_operation(operation, mode, base_url, prepare, calls, examples)
    return len(calls)
