"""How a lead record becomes numbers for the predictive score, learned once from the training rows and kept in the
model, so that the trainer, the pipeline and `leadflow model score` encode a record the same way.

A record is any flat mapping of column name to value (a CSV row, a lead's features). A column is numeric when
nearly all its values read as numbers; anything else is categorical. Categorical: one indicator per frequent level,
rare and unseen levels pooled into "other", missing as its own level. Numeric: a missing indicator, a robustly scaled
and clipped linear term, and indicators of quantile bins, so a linear model can still bend (a visit count of 0 is
not "a little less" than 1). Everything the encoding learned (levels, centre, scale, bin edges) lives in the spec."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property, lru_cache
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MISSING_LABEL",
    "OTHER_LABEL",
    "CategoricalColumn",
    "ColumnSpec",
    "Encoded",
    "FeatureSpec",
    "NumericColumn",
    "Record",
    "Value",
    "category_key",
    "display_value",
    "encode",
    "fit_feature_spec",
    "is_missing",
    "numeric_value",
]

Value = str | float | int | bool | None
Record = Mapping[str, Value]
#: A record's features as (feature index, value) pairs; features not listed are 0.
Encoded = list[tuple[int, float]]

MISSING_LABEL: Final = "(missing)"
OTHER_LABEL: Final = "(other)"

#: A column is numeric when at least this share of its present values are numbers ("n/a" now and then is missing).
NUMERIC_SHARE: Final = 0.95
#: ... and it has at least this many distinct numbers: a 0/1 column is a category with two levels.
MIN_DISTINCT_NUMBERS: Final = 3
#: A level is kept when seen this many times (or this share of rows, whichever is more); rarer ones pool in "other".
MIN_LEVEL_COUNT: Final = 10
MIN_LEVEL_SHARE: Final = 0.002
#: At most this many levels per column, so a free-text column cannot make the model too big for one DynamoDB item.
MAX_LEVELS: Final = 40
#: A categorical column whose values are nearly all different is an identifier or free text: it cannot generalise.
IDENTIFIER_SHARE: Final = 0.9
#: Below this many values, a column may be all different by chance, so it is not judged an identifier.
IDENTIFIER_MIN_VALUES: Final = 50
MAX_BINS: Final = 10
#: The scaled linear term is clipped here, so one outlier (a 10-hour website visit) cannot dominate a score.
CLIP: Final = 3.0


class NumericColumn(BaseModel):
    """Features: [scaled value, missing, bin 0 .. bin len(edges)]; a value goes in the first bin whose edge is >= it."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["numeric"] = "numeric"
    name: str
    center: float
    scale: float = Field(gt=0)
    edges: list[float]

    @property
    def width(self) -> int:
        return 2 + len(self.edges) + 1

    def encode(self, value: Value) -> Encoded:
        number = numeric_value(value)
        if number is None:
            return [(1, 1.0)]
        scaled = max(-CLIP, min(CLIP, (number - self.center) / self.scale))
        return [(0, scaled), (2 + bisect_left(self.edges, number), 1.0)]


class CategoricalColumn(BaseModel):
    """Features: one per kept level, then "other", then "missing". Levels are compared by category_key."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["categorical"] = "categorical"
    name: str
    levels: list[str]

    @property
    def width(self) -> int:
        return len(self.levels) + 2

    def encode(self, value: Value) -> Encoded:
        return [(self.position(value), 1.0)]

    def position(self, value: Value) -> int:
        """The value's feature: its level's position, len(levels) for "other", len(levels) + 1 for "missing"."""
        key = category_key(value)
        if key is None:
            return len(self.levels) + 1
        return self._positions.get(key, len(self.levels))

    @cached_property
    def _positions(self) -> dict[str, int]:
        # Built once per loaded model (the spec is frozen): scoring looks a level up for every column of every lead.
        return {level: index for index, level in enumerate(self.levels)}


ColumnSpec = Annotated[NumericColumn | CategoricalColumn, Field(discriminator="kind")]


class FeatureSpec(BaseModel):
    """The encoding of every column used, in feature order; `ignored` says which columns were not used and why."""

    model_config = ConfigDict(frozen=True)

    columns: list[ColumnSpec]
    ignored: dict[str, str] = Field(default_factory=dict)

    @property
    def width(self) -> int:
        return sum(column.width for column in self.columns)


def is_missing(value: Value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def numeric_value(value: Value) -> float | None:
    """The value as a finite number, or None (missing, a word, a flag: True is a category, not 1)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(value.strip())
        except ValueError:
            return None
    return number if math.isfinite(number) else None


@lru_cache(maxsize=4096, typed=True)
def category_key(value: Value) -> str | None:
    """The level a value belongs to: case and spacing do not make a new level ("Google" is "google"), and 3, 3.0 and
    "3" are one level. None when missing."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    number = numeric_value(value)
    if number is not None and number.is_integer():
        return str(int(number))
    return " ".join(str(value).split()).casefold()


def display_value(value: Value) -> str:
    """The value as a person would write it in an explanation: 1532 rather than 1532.0."""
    if is_missing(value):
        return MISSING_LABEL
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def fit_feature_spec(rows: Sequence[Record], columns: Iterable[str]) -> FeatureSpec:
    """Learn the encoding of `columns` from the training rows."""
    specs: list[NumericColumn | CategoricalColumn] = []
    ignored: dict[str, str] = {}
    for name in columns:
        # Counted by raw value first: a column holds few distinct values, so each is parsed once, not once a row.
        present = Counter(value for row in rows if not is_missing(value := row.get(name)))
        spec, why = _fit_column(name, present, len(rows))
        if spec is None:
            ignored[name] = why
        else:
            specs.append(spec)
    return FeatureSpec(columns=specs, ignored=ignored)


def _fit_column(name: str, present: Counter[Value], rows: int) -> tuple[NumericColumn | CategoricalColumn | None, str]:
    total = sum(present.values())
    if not total:
        return None, "no values"
    numbers = {value: number for value in present if (number := numeric_value(value)) is not None}
    numeric_rows = sum(present[value] for value in numbers)
    if numeric_rows >= NUMERIC_SHARE * total and len(set(numbers.values())) >= MIN_DISTINCT_NUMBERS:
        ordered = sorted(number for value, number in numbers.items() for _ in range(present[value]))
        return _fit_numeric(name, ordered), ""
    counts: Counter[str] = Counter()
    for value, count in present.items():
        key = category_key(value)
        if key is not None:
            counts[key] += count
    if len(counts) == 1 and total == rows:
        return None, "one value only"
    if total >= IDENTIFIER_MIN_VALUES and len(counts) > IDENTIFIER_SHARE * total:
        return None, "nearly every value is different (an identifier or free text)"
    floor = max(MIN_LEVEL_COUNT, math.ceil(MIN_LEVEL_SHARE * rows))
    # Most frequent first, ties by name, so the same data always gives the same spec.
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    levels = [level for level, count in ranked[:MAX_LEVELS] if count >= floor]
    return CategoricalColumn(name=name, levels=levels), ""


def _fit_numeric(name: str, ordered: list[float]) -> NumericColumn:
    center = _quantile(ordered, 0.5)
    spread = (_quantile(ordered, 0.75) - _quantile(ordered, 0.25)) / 1.349  # the IQR of a normal is 1.349 sigma
    if spread <= 0:
        mean = sum(ordered) / len(ordered)
        spread = math.sqrt(sum((x - mean) ** 2 for x in ordered) / len(ordered))
    edges = sorted({_quantile(ordered, step / MAX_BINS) for step in range(1, MAX_BINS)})
    # An edge at the maximum would leave the last bin empty.
    edges = [edge for edge in edges if edge < ordered[-1]]
    return NumericColumn(
        name=name, center=_round(center), scale=_round(spread) or 1.0, edges=[_round(e) for e in edges]
    )


def _quantile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _round(number: float) -> float:
    """Seven significant digits: plenty for a model, and short in JSON."""
    return float(f"{number:.7g}")


def encode(spec: FeatureSpec, record: Record) -> Encoded:
    """The record's non-zero features. A column the record lacks counts as missing; a level never seen is "other"."""
    features: Encoded = []
    start = 0
    for column in spec.columns:
        features.extend((start + index, value) for index, value in column.encode(record.get(column.name)))
        start += column.width
    return features
