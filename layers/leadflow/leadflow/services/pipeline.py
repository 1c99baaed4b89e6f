"""Every step of the LeadPipeline by name, for callers that drive a whole run (tests, the local runtime's tools).

Each step lives in a module of its own, and each step's function imports only that one (a Lambda's cold start pays
for every module imported): dedupe (leadflow.services.dedupe), enrich (enrich_step), score and the first steps of
engagement and rescore runs (score_steps), route and notify (route_steps). Each takes the pipeline state, makes one
decision, stores it and announces it."""

from __future__ import annotations

from leadflow.services.dedupe import dedupe
from leadflow.services.enrich_step import enrich_lead
from leadflow.services.pipeline_deps import MissingConfig, PipelineDeps
from leadflow.services.route_steps import notify, route
from leadflow.services.score_steps import record_engagement, rescore, rescore_lead, score, with_decay_due

__all__ = [
    "MissingConfig",
    "PipelineDeps",
    "dedupe",
    "enrich_lead",
    "notify",
    "record_engagement",
    "rescore",
    "rescore_lead",
    "route",
    "score",
    "with_decay_due",
]
