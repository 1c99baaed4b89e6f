"""The config documents as they are published: `infra/config/<kind>.yaml`, and for the nurture rule set the email
templates of `infra/config/templates/<id>.yaml` in its `templates`, keyed by file name.

One reader for the local runtime (infra.local, at start-up) and `leadflow config-push` (infra.cli), which may not
import each other: a document published by one is the document the other publishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CONFIG_DIR = Path(__file__).resolve().parent / "config"
#: The rule sets whose document takes files of a sub-folder, and the key of the document they go in.
FOLDERS = {"nurture": ("templates", "templates")}
#: The rule sets whose document takes a file beside it, and the key it goes in: the matcher's fitted model, written
#: by `leadflow dedupe --train` so that the hand-written matching.yaml keeps its comments.
MODEL_FILES = {"matching": ("matching_model.yaml", "model")}


def read_document(kind: str, folder: Path = CONFIG_DIR) -> dict[str, Any]:
    """The `kind` document of `folder`, with its sub-folder's files in; not validated (parse_ruleset does that)."""
    body = _read_mapping(folder / f"{kind}.yaml")
    if kind in FOLDERS:
        subfolder, key = FOLDERS[kind]
        inline = body.get(key) or {}
        if not isinstance(inline, dict):
            raise ValueError(f"{kind}.yaml: {key} must be a mapping by id")
        files = {path.stem: _read_mapping(path) for path in sorted((folder / subfolder).glob("*.yaml"))}
        if both := sorted(set(inline) & set(files)):
            raise ValueError(f"{kind}.yaml: {key} {', '.join(both)} given both inline and in {subfolder}/")
        body = {**body, key: {**inline, **files}}
    return with_model_file(kind, body, folder)


def with_model_file(kind: str, body: dict[str, Any], folder: Path) -> dict[str, Any]:
    """`body` with the model file of `folder` in, when the rule set takes one and the file exists."""
    if kind not in MODEL_FILES:
        return body
    name, key = MODEL_FILES[kind]
    path = folder / name
    if not path.exists():
        return body
    if key in body:
        raise ValueError(f"{kind}.yaml: {key} given both inline and in {name}")
    return {**body, key: _read_mapping(path)}


def _read_mapping(path: Path) -> dict[str, Any]:
    body = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(body, dict):
        raise ValueError(f"{path.name}: expected a mapping of keys to values, got {type(body).__name__}")
    return body
