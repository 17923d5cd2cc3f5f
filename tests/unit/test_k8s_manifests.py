"""deploy/k8s: every rendered manifest is valid against the Kubernetes schemas, and complete."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.support.kustomize import Doc, render

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
KUBERNETES_VERSION = "1.32"
SERVICES = ("intake", "review", "ocr-qr", "notifier")


def rendered(overlay: str) -> list[Doc]:
    return render(K8S / "overlays" / overlay)


def by_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def pod_spec(doc: Doc) -> dict[str, Any]:
    spec: dict[str, Any] = doc["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("overlay", ["base", *OVERLAYS])
def test_every_manifest_validates_against_the_kubernetes_schemas(overlay: str) -> None:
    docs = render(K8S / "base") if overlay == "base" else rendered(overlay)
    assert len(docs) >= 20
    for doc in docs:
        # strict: an unknown field (a typo in a probe, say) is an error, not silently dropped.
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl to compare with")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_test_renderer_matches_kubectl_kustomize(overlay: str) -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    theirs = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out) if d}
    ours = {(d["kind"], d["metadata"]["name"]): d for d in rendered(overlay)}
    assert ours == theirs


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_probe_health_and_ready_with_resources_and_secrets(overlay: str) -> None:
    docs = rendered(overlay)
    deployments = by_kind(docs, "Deployment")
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        pod = pod_spec(deployment)
        assert pod["securityContext"]["runAsNonRoot"] is True
        [container] = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/health", name
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
        secret_env = {
            e["name"]: e["valueFrom"]["secretKeyRef"]["name"]
            for e in container["env"]
            if "valueFrom" in e
        }
        assert secret_env["VSSID_SECRET_KEY"] == "vssid-secrets"
        assert secret_env["VSSID_MONGO_URL"] == "vssid-secrets"  # holds the credentials
        plain = {e["name"]: e.get("value") for e in container["env"] if "value" in e}
        assert "VSSID_SECRET_KEY" not in plain
        assert "VSSID_NATS_PASSWORD" not in plain
    jobs = by_kind(docs, "Job")
    assert pod_spec(jobs["stream-bootstrap"])["containers"][0]["command"][-1] == (
        "vssid_shared.bootstrap"
    )
    assert set(by_kind(docs, "PodDisruptionBudget")) == set(SERVICES)
    hpa = by_kind(docs, "HorizontalPodAutoscaler")
    assert hpa["ocr-qr"]["spec"]["scaleTargetRef"]["name"] == "ocr-qr"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_cover_every_pod_and_deny_the_rest(overlay: str) -> None:
    docs = rendered(overlay)
    policies = by_kind(docs, "NetworkPolicy")
    assert policies["default-deny"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
    }
    pods = [*SERVICES, "stream-bootstrap"]
    for name in pods:
        policy = policies[name]["spec"]
        assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == name
        ports = {p["port"] for rule in policy["egress"] for p in rule["ports"]}
        assert 4222 in ports, name  # NATS
    assert policies["stream-bootstrap"]["spec"]["ingress"] == []
    ocr_egress = {p["port"] for r in policies["ocr-qr"]["spec"]["egress"] for p in r["ports"]}
    assert ocr_egress == {4222, 27017}  # no mail, no internet
    # Only intake and review take traffic from the ingress controller.
    for name in pods:
        sources = [
            s["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for rule in policies[name]["spec"].get("ingress", [])
            for s in rule["from"]
        ]
        assert ("ingress-nginx" in sources) == (name in ("intake", "review")), name


def test_dev_provides_every_secret_the_pods_need() -> None:
    docs = rendered("dev")
    secrets = by_kind(docs, "Secret")
    for doc in [*by_kind(docs, "Deployment").values(), *by_kind(docs, "Job").values()]:
        pod = pod_spec(doc)
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                assert volume["secret"]["secretName"] in secrets
        for env in pod["containers"][0]["env"]:
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref and not ref.get("optional"):
                assert ref["key"] in secrets[ref["name"]]["stringData"]


def test_production_pins_its_image_and_carries_no_secret_values() -> None:
    docs = rendered("production")
    assert not by_kind(docs, "Secret")
    for deployment in by_kind(docs, "Deployment").values():
        image = pod_spec(deployment)["containers"][0]["image"]
        assert ":" in image
        assert not image.endswith(":latest")
