"""`GET /v1/reports/experiments`: changes judged by their effect, side by side with a two-proportion test.

- Nurture variants: each step with variants, its arms' click rate (clicked/sent) and MQL rate (mql/sent), read from
  the tracks' counts (leadflow.services.nurture_stats);
- Routing rule versions: the MQL to SQL rate of the leads routed under each version of the routing rule set, captured
  in the range, read from the projection's `routing` cells.
The first arm is the control; every other arm is compared with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from leadflow.domain.report_figures import sum_by_group
from leadflow.domain.two_proportion import two_proportion
from leadflow.models.reports import Arm, Comparison, Experiment, Experiments, ReportQuery
from leadflow.ports import RuleSets, TrackCounters
from leadflow.ports.reports import ReportProjection
from leadflow.services.nurture_stats import track_stats

_NONE = "(none)"
ExperimentKind = Literal["nurture_variant", "routing_version"]


@dataclass(frozen=True)
class ExperimentDeps:
    projection: ReportProjection
    rules: RuleSets
    counters: TrackCounters


def _arm(name: str, successes: int, trials: int) -> Arm:
    return Arm(name=name, successes=successes, trials=trials, rate=round(successes / trials, 4) if trials else None)


def _experiment(kind: ExperimentKind, experiment_id: str, metric: str, arms: list[Arm]) -> Experiment:
    control = arms[0]
    comparisons = []
    for challenger in arms[1:]:
        test = two_proportion(control.successes, control.trials, challenger.successes, challenger.trials)
        difference = None
        if control.rate is not None and challenger.rate is not None:
            difference = round(challenger.rate - control.rate, 4)
        comparisons.append(
            Comparison(
                control=control.name,
                challenger=challenger.name,
                difference=difference,
                z=test.z,
                p_value=test.p_value,
                significant=test.significant,
            )
        )
    return Experiment(kind=kind, id=experiment_id, metric=metric, arms=arms, comparisons=comparisons)


def nurture_experiments(deps: ExperimentDeps) -> list[Experiment]:
    found = deps.rules.active("nurture")
    if found is None:
        return []
    experiments = []
    for track in found[1].get("tracks", []):
        stats = track_stats(str(track.get("id")), deps)
        if stats is None:
            continue
        for step in stats.steps:
            if len(step.variants) < 2:  # noqa: PLR2004 - an experiment needs a control and a challenger
                continue
            where = f"{stats.track_id}/{step.step_id}"
            clicks = [_arm(v.variant, v.clicked, v.sent) for v in step.variants]
            mqls = [_arm(v.variant, v.mql, v.sent) for v in step.variants]
            experiments.append(_experiment("nurture_variant", where, "clicked/sent", clicks))
            experiments.append(_experiment("nurture_variant", where, "mql/sent", mqls))
    return experiments


def routing_experiment(query: ReportQuery, projection: ReportProjection) -> Experiment | None:
    cells = projection.cells("routing", query.from_.isoformat(), query.to.isoformat()).cells
    versions = {v: c for v, c in sum_by_group("routing", cells).items() if v != _NONE and c.get("mql")}
    if len(versions) < 2:  # noqa: PLR2004 - nothing to compare
        return None
    ordered = sorted(versions, key=lambda version: int(version.removeprefix("v")) if version[1:].isdigit() else 0)
    arms = [_arm(version, versions[version].get("sql", 0), versions[version].get("mql", 0)) for version in ordered]
    return _experiment("routing_version", "routing", "sql/mql", arms)


def experiments(query: ReportQuery, deps: ExperimentDeps) -> Experiments:
    found = nurture_experiments(deps)
    routing = routing_experiment(query, deps.projection)
    return Experiments(from_=query.from_, to=query.to, experiments=[*found, *([routing] if routing else [])])
