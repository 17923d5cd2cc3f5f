"""A small kustomize for the tests, where no kustomize binary is installed.

It covers what deploy/k8s uses and no more: `resources` (files and directories), `namespace`,
`images`, `labels` (metadata only) and `patches` by path (strategic merge: maps merge, lists of
named maps merge by name, other lists are replaced, as for the fields our patches touch).
When `kubectl` is on PATH, the test checks that this renders exactly what `kubectl kustomize` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"}


def load_docs(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def render(directory: Path) -> list[Doc]:
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    docs: list[Doc] = []
    for resource in spec.get("resources", []):
        target = directory / resource
        docs += render(target) if target.is_dir() else load_docs(target)
    for patch in spec.get("patches", []):
        for change in load_docs(directory / patch["path"]):
            target_doc = _find(docs, change)
            merged = merge(target_doc, change)
            docs[docs.index(target_doc)] = merged
    for rule in spec.get("labels", []):
        for doc in docs:
            doc.setdefault("metadata", {}).setdefault("labels", {}).update(rule["pairs"])
    if namespace := spec.get("namespace"):
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = namespace
    for image in spec.get("images", []):
        for container in _containers(docs):
            if container["image"].split(":")[0] == image["name"]:
                name = image.get("newName", image["name"])
                container["image"] = f"{name}:{image['newTag']}" if "newTag" in image else name
    return docs


def _find(docs: list[Doc], change: Doc) -> Doc:
    for doc in docs:
        if doc["kind"] == change["kind"] and doc["metadata"]["name"] == change["metadata"]["name"]:
            return doc
    raise KeyError(f"patch for {change['kind']}/{change['metadata']['name']}: no such resource")


def merge(base: Any, change: Any) -> Any:
    if isinstance(base, dict) and isinstance(change, dict):
        merged = dict(base)
        for key, value in change.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(change, list) and _named(base) and _named(change):
        changes = {item["name"]: item for item in change}
        kept = [
            merge(item, changes.pop(item["name"])) if item["name"] in changes else item
            for item in base
        ]
        return kept + list(changes.values())  # in place, as kustomize; new names at the end
    return change


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, dict) and "name" in item for item in items)


def _containers(docs: list[Doc]) -> list[Doc]:
    found: list[Doc] = []
    for doc in docs:
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        found += pod.get("containers", []) + pod.get("initContainers", [])
    return found
