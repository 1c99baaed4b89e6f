"""Bytecode for the built stack, compiled once by `make build` instead of at every cold start.

Lambda's /opt (layers) and /var/task (a function's code) are read-only: a module with no valid .pyc beside it is
compiled at each import of each cold start, and the result thrown away. `sam build` unpacks wheels and copies
sources without bytecode (no .pyc among the layer's 1,487 .py files), so every cold start compiled pydantic,
Powertools, jinja2 and leadflow again. They are compiled here, by the template's Python (its cache tag is checked),
as hash-checked .pyc files (PEP 552): valid whatever dates the deployment zip gives the files (SAM's packaging
may date every entry 1980, so timestamp-checked .pyc would be stale on arrival), and still recompiled if a source were
changed after the build. Each .pyc names its source where Lambda puts it (/opt/..., /var/task/...),
so tracebacks show the deployed paths.

    python -m infra.build.compile_bytecode [BUILD_DIR]     # default .aws-sam/build
"""

from __future__ import annotations

import argparse
import compileall
import py_compile
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.build.check_layer import RUNTIME_CACHE_TAG

DEFAULT_BUILD_DIR = Path(".aws-sam/build")
LAYER_MOUNT = "/opt"
FUNCTION_MOUNT = "/var/task"


def deployed_root(artifact: Path) -> str:
    """Where Lambda unpacks a built artifact: a layer (it has a python/ folder) under /opt, a function's code at
    /var/task."""
    return LAYER_MOUNT if (artifact / "python").is_dir() else FUNCTION_MOUNT


def compile_artifact(artifact: Path) -> bool:
    """Compile every module of one built artifact in place; False if any source does not compile."""
    return bool(
        compileall.compile_dir(
            str(artifact),
            quiet=1,
            stripdir=str(artifact),
            prependdir=deployed_root(artifact),
            invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
            workers=0,  # one per CPU
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build_dir", nargs="?", type=Path, default=DEFAULT_BUILD_DIR)
    args = parser.parse_args(argv)
    if sys.implementation.cache_tag != RUNTIME_CACHE_TAG:
        print(
            f"this is {sys.implementation.cache_tag}, the functions run {RUNTIME_CACHE_TAG}: its bytecode would be "
            "ignored; run it with the python3.11 `sam build` used",
            file=sys.stderr,
        )
        return 2
    artifacts = sorted(path for path in args.build_dir.iterdir() if path.is_dir())
    if not artifacts:
        print(f"nothing built in {args.build_dir}: run `sam build` first", file=sys.stderr)
        return 2
    failed = [artifact.name for artifact in artifacts if not compile_artifact(artifact)]
    for name in failed:
        print(f"FAIL: a source in {name} does not compile", file=sys.stderr)
    print(f"bytecode ({RUNTIME_CACHE_TAG}, hash-checked) for {len(artifacts) - len(failed)} of {len(artifacts)} built")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
