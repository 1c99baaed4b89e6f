"""The event archive the template deploys: every leadflow event on the bus, through Firehose, into a private S3 bucket
as one JSON line per event in day folders, with a Glue table Athena reads without a crawler; each role may do only
its one step."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from leadflow.models.events import EVENT_SOURCE
from moto.events.models import EventPattern

from infra.local.schemas import SCHEMA_DIR
from tests.infra.template_queries import as_list, iam_statements

ENVELOPE_COLUMNS = [
    ("version", "string"),
    ("id", "string"),
    ("detail_type", "string"),
    ("source", "string"),
    ("account", "string"),
    ("time", "string"),
    ("region", "string"),
    ("resources", "array<string>"),
    ("detail", "string"),
]


def published_detail_types(repo_root: Path) -> set[str]:
    """Every event leadflow publishes: the contracts of the services' events, and what the state machines put."""
    types = {path.stem for path in (SCHEMA_DIR / "events").glob("*.json")}
    for asl in (repo_root / "infra" / "statemachines").glob("*.json"):
        types |= set(re.findall(r'"DetailType":\s*"([^"]+)"', asl.read_text(encoding="utf-8")))
    return types


def stream(template: dict[str, Any]) -> dict[str, Any]:
    destination: dict[str, Any] = template["Resources"]["ArchiveDeliveryStream"]["Properties"][
        "ExtendedS3DestinationConfiguration"
    ]
    return destination


def statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [s for _, s in iam_statements(template["Resources"][role]["Properties"]["Policies"])]


def test_the_archive_rule_takes_every_event_leadflow_publishes_on_its_bus(
    template: dict[str, Any], repo_root: Path
) -> None:
    rule = template["Resources"]["ArchiveRule"]["Properties"]
    pattern = EventPattern.load(json.dumps(rule["EventPattern"]))
    published = published_detail_types(repo_root)
    assert {"lead.submitted", "lead.created", "lead.erased", "lead.pipeline_failed", "nurture.enrolled"} <= published

    def event(source: str, detail_type: str) -> Any:  # moto's EventMessageType: an envelope as a dict
        return {"source": source, "detail-type": detail_type, "detail": {}}

    assert [t for t in sorted(published) if not pattern.matches_event(event(EVENT_SOURCE, t))] == []
    assert pattern.matches_event(event(EVENT_SOURCE, "an.event.added.later"))
    assert not pattern.matches_event(event("aws.ses", "Email Bounced"))
    assert rule["EventBusName"] == {"Ref": "LeadflowBus"}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["ArchiveDeliveryStream", "Arn"]}
    assert target["RoleArn"] == {"Fn::GetAtt": ["ArchiveRuleRole", "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["EventDeliveryDeadLetterQueue", "Arn"]}}


def test_firehose_writes_one_json_line_per_event_in_day_folders(template: dict[str, Any]) -> None:
    properties = template["Resources"]["ArchiveDeliveryStream"]["Properties"]
    destination = stream(template)

    assert properties["DeliveryStreamType"] == "DirectPut"
    # EventBridge's records end with no newline: without the delimiter Athena would read one row per object
    assert {"Type": "AppendDelimiterToRecord"} in destination["ProcessingConfiguration"]["Processors"]
    assert destination["ProcessingConfiguration"]["Enabled"] is True
    assert destination["Prefix"] == "events/dt=!{timestamp:yyyy-MM-dd}/"
    assert destination["ErrorOutputPrefix"].startswith("errors/!{firehose:error-output-type}/")
    assert not destination["ErrorOutputPrefix"].startswith(destination["Prefix"])  # never read as events
    assert destination["BucketARN"] == {"Fn::GetAtt": ["ArchiveBucket", "Arn"]}
    assert (destination["CompressionFormat"], destination["FileExtension"]) == ("GZIP", ".jsonl.gz")


def test_the_glue_table_reads_the_envelope_and_projects_the_day_folders_firehose_writes(
    template: dict[str, Any],
) -> None:
    table = template["Resources"]["ArchiveEventsTable"]["Properties"]
    assert table["DatabaseName"] == {"Ref": "ArchiveDatabase"}
    inputs = table["TableInput"]
    storage = inputs["StorageDescriptor"]

    assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == ENVELOPE_COLUMNS
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert storage["SerdeInfo"]["Parameters"] == {"mapping.detail_type": "detail-type"}
    assert inputs["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]

    parameters = inputs["Parameters"]
    assert parameters["projection.enabled"] == "true"
    assert (parameters["projection.dt.type"], parameters["projection.dt.format"]) == ("date", "yyyy-MM-dd")
    assert parameters["projection.dt.range"].endswith(",NOW")
    # The projected folders are the ones Firehose writes, in the same date format
    location = parameters["storage.location.template"]["Fn::Sub"]
    prefix = stream(template)["Prefix"].replace("!{timestamp:yyyy-MM-dd}", "${!dt}")
    assert location == "s3://${ArchiveBucket}/" + prefix
    assert storage["Location"] == {"Fn::Sub": "s3://${ArchiveBucket}/events/"}


def test_the_bucket_is_encrypted_private_tls_only_and_moves_old_events_to_cheaper_storage(
    template: dict[str, Any],
) -> None:
    bucket = template["Resources"]["ArchiveBucket"]
    properties = bucket["Properties"]
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(properties["PublicAccessBlockConfiguration"]) == 4
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")

    (deny,) = template["Resources"]["ArchiveBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Action"]) == ("Deny", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    (transition,) = rule["Transitions"]
    assert transition == {"StorageClass": "GLACIER_IR", "TransitionInDays": {"Ref": "ArchiveTransitionDays"}}
    assert template["Parameters"]["ArchiveTransitionDays"]["Type"] == "Number"


def test_eventbridge_may_only_put_records_on_the_archive_stream(template: dict[str, Any]) -> None:
    role = template["Resources"]["ArchiveRuleRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}

    assert [(s["Effect"], s["Action"], s["Resource"]) for s in statements(template, "ArchiveRuleRole")] == [
        (
            "Allow",
            ["firehose:PutRecord", "firehose:PutRecordBatch"],
            {"Fn::GetAtt": ["ArchiveDeliveryStream", "Arn"]},
        )
    ]


def test_firehose_may_only_write_the_archive_bucket_and_its_own_log_stream(template: dict[str, Any]) -> None:
    role = template["Resources"]["ArchiveDeliveryRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}}

    grants = {
        action: json.dumps(s["Resource"])
        for s in statements(template, "ArchiveDeliveryRole")
        for action in as_list(s["Action"])
    }
    s3 = {action: resource for action, resource in grants.items() if action.startswith("s3:")}
    assert set(s3.values()) == {
        json.dumps({"Fn::GetAtt": ["ArchiveBucket", "Arn"]}),
        json.dumps({"Fn::Sub": "${ArchiveBucket.Arn}/*"}),
    }
    assert "s3:DeleteObject" not in s3
    assert set(grants) - set(s3) == {"logs:PutLogEvents"}
    assert "${ArchiveDeliveryLogStream}" in grants["logs:PutLogEvents"]


def test_the_stack_outputs_the_archive_bucket_and_table(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["ArchiveBucketName"]["Value"] == {"Ref": "ArchiveBucket"}
    assert outputs["ArchiveTable"]["Value"] == {"Fn::Sub": "${ArchiveDatabase}.${ArchiveEventsTable}"}
