"""`leadflow dedupe INPUT.csv --train`: fit the matcher's weights on your own leads and write them as the model file
that `leadflow config-push` publishes with the `matching` rule set (and the local runtime and `leadflow dedupe` read
from beside matching.yaml)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from infra.cli.csv_files import InputError

if TYPE_CHECKING:
    from leadflow.domain.matching import MatchRecord
    from leadflow.models.match_model import MatchModel

_HEADER: Final = """\
# The matcher's weights fitted on {records} leads by `leadflow dedupe --train` (Fellegi-Sunter, m by EM over the
# candidate pairs, u from random pairs, the hand-set weights as the prior; see leadflow.domain.match_training).
# `leadflow config-push` publishes it with matching.yaml as one `matching` version; delete it to go back to the
# hand-set weights. Weight of a level in bits = log2(m / u).
"""


def train(records: list[MatchRecord], seed: int = 0) -> MatchModel:
    """The model fitted on `records` (the random pairs drawn with `seed`, so a run can be repeated exactly)."""
    from leadflow.domain.match_training import TooLittleToLearn, TrainingOptions, fit_model
    from leadflow.domain.matching import prepare

    try:
        return fit_model([prepare(record) for record in records], TrainingOptions(seed=seed))
    except TooLittleToLearn as exc:
        raise InputError(str(exc)) from None


def write_model(model: MatchModel, target: IO[str]) -> None:
    import yaml

    body = model.model_dump(mode="json", exclude_none=True)
    target.write(_HEADER.format(records=model.stats.records if model.stats else "?"))
    yaml.safe_dump(body, target, sort_keys=False, allow_unicode=True)


def describe(model: MatchModel, path: Path) -> str:
    stats = model.stats
    lines = [
        f"fitted on {stats.records} leads: {stats.candidate_pairs} candidate pairs, about "
        f"{stats.expected_duplicates:.0f} of one person; EM {stats.iterations} iterations"
        f"{'' if stats.converged else ' (stopped before converging)'}"
        if stats
        else "fitted",
        f"prior {model.prior_bits:+.1f} bits; weights in bits (log2 m/u):",
    ]
    from leadflow.domain.matching import FIXED_LEVELS, WEIGHTS

    for field, levels in model.levels.items():
        shown = [
            f"{level} {WEIGHTS[field][level]:+.1f}*"
            if (field, level) in FIXED_LEVELS
            else f"{level} {estimate.bits:+.1f}"
            for level, estimate in levels.items()
        ]
        lines.append(f"  {field:<11}" + "  ".join(shown))
    lines.append(
        "  * hand-set: about two fields at once (a shared line or address), which independent fields cannot learn"
    )
    lines.append(f"written to {path}; publish it with `leadflow config-push matching`")
    return "\n".join(lines)


def report(model: MatchModel, path: Path) -> None:
    print(describe(model, path), file=sys.stdout)
