"""Nurture enrolments across a restart of the local runtime."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import boto3
from leadflow.adapters import layout

from infra.local.deployment import Deployment

LOG = logging.getLogger("leadflow.local")


def resume_enrolments(session: boto3.Session, deployment: Deployment, lead_items: Iterable[dict[str, Any]]) -> int:
    """moto keeps no executions across a restart, but the leads keep their active nurture enrolments: start each
    one's execution again under its name. Its first run sees the enrolment's `wake_at` and sleeps on until then, so
    a restart neither repeats nor skips a step (on AWS the executions themselves persist). How many were resumed."""
    arn = deployment.state_machines.get("NurtureTrack")
    if arn is None:
        return 0
    sfn = session.client("stepfunctions")
    resumed = 0
    for item in lead_items:
        if item.get("sk") != "PROFILE" or not str(item.get("pk", "")).startswith("LEAD#") or not item.get("nurture"):
            continue
        lead = layout.lead_from_item(item)
        for enrolment in lead.active_enrolments:
            payload = {"lead_id": lead.lead_id, "enrolment_id": enrolment.enrolment_id}
            sfn.start_execution(stateMachineArn=arn, name=enrolment.enrolment_id, input=json.dumps(payload))
            resumed += 1
    if resumed:
        LOG.info("resumed %d nurture enrolment(s) saved before the restart", resumed)
    return resumed
