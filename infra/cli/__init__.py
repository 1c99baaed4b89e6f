"""The product's command-line tools (`leadflow dedupe`, `leadflow model`, `leadflow config-push`, `leadflow redrive`)
and the `leadflow` command that also starts the local runtime (infra.local), which lives beside them."""

from __future__ import annotations

from pathlib import Path

#: infra/config: the rule sets as published by default, wherever the command runs.
CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
