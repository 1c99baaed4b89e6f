"""An off-the-shelf Fellegi-Sunter model for reference in the dedupe benchmark: recordlinkage's unsupervised ECM
classifier on the same candidate pairs leadflow's blocking finds, with the comparisons its tutorials use (Jaro-
Winkler at 0.85 on names, company and city; exact canonical email, E.164 phone and postcode).

recordlinkage (and pandas) are benchmark-only dependencies (the dev extra); without them there is no reference row."""

from __future__ import annotations

import contextlib
from typing import Any

from leadflow.domain.match_batch import candidate_pairs
from leadflow.domain.matching import PreparedRecord

Pair = tuple[str, str]
_STRING_FIELDS = ("first", "last", "company", "city")
_EXACT_FIELDS = ("email", "phone", "postcode")


def ecm_reference(prepared: list[PreparedRecord]) -> set[Pair] | None:
    """The candidate pairs recordlinkage's ECM classifies as matches, or None when it is not installed."""
    try:
        import pandas as pd  # type: ignore[import-untyped]
        import recordlinkage  # type: ignore[import-untyped]
    except ImportError:
        return None
    rows = {
        p.record_id: {
            "first": p.first,
            "last": p.last,
            "company": p.company_canonical,
            "city": p.city,
            "email": p.email_canonical,
            "phone": p.phone_e164,
            "postcode": p.postcode,
        }
        for p in prepared
    }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    links = [
        (prepared[index].record_id, prepared[other].record_id)
        for index, others in candidate_pairs(prepared)
        for other in others
    ]
    if not links:
        return set()
    compare: Any = recordlinkage.Compare()
    for field in _STRING_FIELDS:
        compare.string(field, field, method="jarowinkler", threshold=0.85, label=field)
    for field in _EXACT_FIELDS:
        compare.exact(field, field, label=field)
    features = compare.compute(pd.MultiIndex.from_tuples(links), frame)
    with contextlib.suppress(Exception):  # ECM may fail to converge on a degenerate set: no reference then
        found = recordlinkage.ECMClassifier(binarize=None).fit_predict(features)
        return {(a, b) if a < b else (b, a) for a, b in found}
    return None
