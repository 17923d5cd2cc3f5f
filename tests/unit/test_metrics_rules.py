"""Metric names and labels follow the conventions; deploy/'s dashboard and alerts use real names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY
from starlette.routing import Route

from vssid_shared import metrics
from vssid_shared.metrics_http import route_template

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
OURS = re.compile(r"(?<![\w/])vssid_[a-z_]+(?![\w/.])")  # metric names, not paths
# Labels whose values come from a closed set in our code; nothing else may be a label.
ALLOWED_LABELS = {
    "method", "route", "status", "consumer", "outcome", "reason", "collection", "engine",
    "purpose", "code", "channel", "kind", "action", "event", "sampler",
}  # fmt: skip


def exposed_names() -> set[str]:
    """Every series name the collectors of metrics.py expose, labelled children or not."""
    names: set[str] = set()
    for collector in all_vssid_collectors():
        base: str = collector._name  # type: ignore[attr-defined]
        kind = type(collector).__name__
        if kind == "Counter":
            names.add(f"{base}_total")
        elif kind == "Histogram":
            names.update({f"{base}_bucket", f"{base}_count", f"{base}_sum"})
        else:
            names.add(base)
    return names


def all_vssid_collectors() -> list[object]:
    return [v for v in vars(metrics).values() if hasattr(v, "_labelnames") and hasattr(v, "_name")]


def test_names_carry_units_and_labels_are_bounded() -> None:
    collectors = all_vssid_collectors()
    assert len(collectors) >= 15
    for collector in collectors:
        name: str = collector._name  # type: ignore[attr-defined]
        assert name.startswith("vssid_")
        kind = type(collector).__name__
        if kind == "Histogram":
            assert name.endswith("_seconds"), name
        labels = set(collector._labelnames)  # type: ignore[attr-defined]
        assert labels <= ALLOWED_LABELS, (name, labels - ALLOWED_LABELS)


@pytest.mark.parametrize(
    "path", [DEPLOY / "prometheus" / "alerts.yml", DEPLOY / "grafana" / "vssid-dashboard.json"]
)
def test_deploy_files_name_only_metrics_that_exist(path: Path) -> None:
    used = set(OURS.findall(path.read_text(encoding="utf-8")))
    assert used, path
    unknown = used - exposed_names()
    assert not unknown, f"{path.name} names metrics no service exposes: {sorted(unknown)}"


def test_alert_rules_cover_lag_dead_letters_5xx_and_outbox_age() -> None:
    doc = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    rules = [rule for group in doc["groups"] for rule in group["rules"]]
    exprs = " ".join(rule["expr"] for rule in rules)
    for needed in (
        "vssid_consumer_pending_messages",
        "vssid_messages_dead_lettered_total",
        'status=~"5.."',
        "vssid_outbox_oldest_event_age_seconds",
    ):
        assert needed in exprs
    assert all(rule["labels"]["severity"] in {"warning", "critical"} for rule in rules)


def test_dashboard_is_grafana_json_with_a_query_per_panel() -> None:
    dash = json.loads((DEPLOY / "grafana" / "vssid-dashboard.json").read_text(encoding="utf-8"))
    assert dash["uid"] == "vssid-backend"
    assert all(panel["targets"][0]["expr"] for panel in dash["panels"])


def sample(name: str, **labels: str) -> float:
    found = REGISTRY.get_sample_value(name, labels)
    return found or 0.0


def test_a_redelivered_message_that_fails_its_last_delivery_is_dead_lettered() -> None:
    before = sample("vssid_messages_dead_lettered_total", consumer="t-x", reason="max_deliver")
    redelivered = sample("vssid_messages_redelivered_total", consumer="t-x")
    with metrics.handling("t-x", delivered=8, max_deliver=8) as settled:
        settled("retried")
    assert sample("vssid_messages_redelivered_total", consumer="t-x") == redelivered + 1
    after = sample("vssid_messages_dead_lettered_total", consumer="t-x", reason="max_deliver")
    assert after == before + 1
    with metrics.handling("t-x", delivered=2, max_deliver=8) as settled:
        settled("retried")  # not the last delivery: retried, not given up
    again = sample("vssid_messages_dead_lettered_total", consumer="t-x", reason="max_deliver")
    assert again == after


def test_qr_outcomes_from_pool_answers() -> None:
    def count(engine: str, outcome: str) -> float:
        return sample("vssid_qr_decodes_total", engine=engine, outcome=outcome)

    found = count("zxing-cpp", "found")
    metrics.qr_decoded("scan", {"card": {"engine": "zxing-cpp"}, "findings": []}, 0.1)
    metrics.qr_decoded("autofill", {"engine": "zxing-cpp", "kind": "cccd"}, 0.1)
    assert count("zxing-cpp", "found") == found + 2
    not_card = count("none", "not_a_card")
    metrics.qr_decoded("scan", {"card": None, "rejected": [{"code": "x"}]}, 0.1)
    assert count("none", "not_a_card") == not_card + 1


def test_route_label_is_the_template_never_the_path() -> None:
    route = Route("/v1/declarations/{declaration_id}", endpoint=lambda _: None)
    assert route_template({"route": route, "path": "/v1/declarations/abc"}) == (
        "/v1/declarations/{declaration_id}"
    )
    assert route_template({"path": "/wp-admin/../../etc/passwd"}) == "unmatched"
