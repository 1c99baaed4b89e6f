"""Multi-touch attribution: which channels a lead's pipeline and won amount are credited to, by model.

A lead's touches are its form submissions (their UTM source, `(none)` without one) and its engagement events (their
`utm_source` property, else the provider that reported them), up to the moment it became an opportunity. Its credit
is one opportunity and, once won, the deal's amount; each model splits it over the touches:
- first_touch and last_touch: all of it to the first or the last touch;
- linear: equally;
- u_shaped: 40% to the first, 40% to the last, 20% shared by the touches between (50/50 with two touches).
Credits are whole units (thousandths of an opportunity, cents), split by largest remainder so that a lead's credits
add up exactly to its credit.

Pure: no I/O."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Literal, get_args

from leadflow.models.lead import HistoryEntry, Lead

AttributionModel = Literal["first_touch", "last_touch", "linear", "u_shaped"]
MODELS: tuple[AttributionModel, ...] = get_args(AttributionModel)
#: An opportunity's credit, in thousandths.
OPPORTUNITY_UNITS = 1000


def touches(lead: Lead, history: list[HistoryEntry], until: datetime | None) -> list[str]:
    """The lead's touch channels in time order, up to `until` (None: all)."""
    found: list[tuple[datetime, str]] = []
    for entry in history:
        if until is not None and entry.at > until:
            continue
        if entry.kind == "submission":
            source = entry.detail.get("source") or {}
            found.append((entry.at, str(source.get("utm_source") or "(none)")))
        elif entry.kind == "engagement":
            properties = entry.detail.get("properties") or {}
            found.append((entry.at, str(properties.get("utm_source") or entry.detail.get("source") or "(none)")))
    return [channel[:200] for _, channel in sorted(found)]


def weights(model: AttributionModel, count: int) -> list[float]:
    if count <= 1:
        return [1.0] * count
    if model == "first_touch":
        return [1.0] + [0.0] * (count - 1)
    if model == "last_touch":
        return [0.0] * (count - 1) + [1.0]
    if model == "linear":
        return [1 / count] * count
    if count == 2:  # noqa: PLR2004 - u-shaped with two touches: half each
        return [0.5, 0.5]
    middle = 0.2 / (count - 2)
    return [0.4] + [middle] * (count - 2) + [0.4]


def split(total: int, shares: list[float]) -> list[int]:
    """`total` units apportioned by `shares` (summing to 1), largest remainder first: the parts add up to `total`."""
    exact = [total * share for share in shares]
    parts = [int(value) for value in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def channel_credits(
    lead: Lead, history: list[HistoryEntry], opportunity_at: datetime | None
) -> dict[str, Counter[str]]:
    """Per channel, the counters the lead credits it with: `att:<model>:opp` (thousandths of an opportunity) and
    `att:<model>:won` (cents of the won amount). Nothing for a lead that never became an opportunity."""
    if opportunity_at is None:
        return {}
    channels = touches(lead, history, opportunity_at) or ["(none)"]
    won = lead.outcome is not None and lead.outcome.result == "won"
    amount = round((lead.outcome.amount or 0) * 100) if won and lead.outcome is not None else 0
    per_channel: dict[str, Counter[str]] = {}
    for model in MODELS:
        shares = weights(model, len(channels))
        for name, total in ((f"att:{model}:opp", OPPORTUNITY_UNITS), (f"att:{model}:won", amount)):
            for channel, part in zip(channels, split(total, shares), strict=True):
                if part:
                    per_channel.setdefault(channel, Counter())[name] += part
    return per_channel
