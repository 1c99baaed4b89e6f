"""`leadflow reports rebuild` against a deployed stack's tables (on moto): `--check` finds a cell changed by hand and
changes nothing, `--fresh` repairs it, an in-place rebuild projects leads whose events were lost and retracts erased
ones, a fresh rebuild into a new table equals the live one, and `--stack` finds the tables from CloudFormation."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber
from leadflow.adapters.dynamodb import DynamoLeadStore, DynamoReportProjection
from leadflow.models.lead import Lead, Stage
from leadflow.services.reports import ReportDeps, project_lead
from moto import mock_aws

from infra.cli.main import main
from infra.local.deployment import create_table_request
from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.report_rebuild import stack_tables
from infra.local.runtime import MOTO_CONFIG
from infra.local.template import load_template
from tests.integration.tables import Tables, create_tables
from tests.unit.reports.leads import CAPTURED, a_lead, assigned, scored, stage_entry

REGION = "us-east-1"
FUNNEL = [Stage.NEW, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY]
# Few: moto copies a whole table for each item of a transaction, so each projected step costs more as cells pile up.
LEADS = 8


@dataclass(frozen=True)
class Stack:
    tables: Tables
    leads: DynamoLeadStore
    live: DynamoReportProjection

    def args(self, *extra: str, reports_table: str | None = None) -> list[str]:
        reports = reports_table or self.tables.reports.name
        return ["reports", "rebuild", "--leads-table", self.tables.leads.name, "--reports-table", reports, *extra]


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The template's tables holding leads stored with their history, projected as the ReportsFunction does."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws(config=MOTO_CONFIG):  # the runtime fixture may share this process's moto
        serialise_dynamodb_writes()
        query_partitions_not_tables()
        tables = create_tables(boto3.resource("dynamodb", region_name=REGION))
        stack = Stack(tables, DynamoLeadStore(tables.leads), DynamoReportProjection(tables.reports))
        rng = random.Random(7)
        for n in range(LEADS):
            store_lead(stack, f"lead_{n:02d}", rng)
        yield stack


def store_lead(stack: Stack, lead_id: str, rng: random.Random, *, projected: bool = True) -> Lead:
    """A lead walked some way down the funnel, each step in its history, then projected (unless told not to) as
    the ReportsFunction does on its last event."""
    deps = ReportDeps(leads=stack.leads, projection=stack.live)
    created = CAPTURED + timedelta(days=rng.randrange(3))
    lead = stack.leads.save_lead(
        a_lead(lead_id, source=rng.choice(["google", "bing", None]), created_at=created), expected_version=None
    )
    for step, stage in enumerate(FUNNEL[1 : rng.randrange(1, len(FUNNEL) + 1)], start=1):
        changes = {"stage": stage, "score": scored(rng.choice("ABC")), "assignment": assigned(rng.choice(["a", "b"]))}
        lead = stack.leads.save_lead(lead.model_copy(update=changes), expected_version=lead.version)
        stack.leads.add_history(lead_id, stage_entry(stage, created + timedelta(hours=step)))
    if projected:
        project_lead(lead_id, deps)
    return lead


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().out


def damage_a_cell(stack: Stack) -> str:
    """Add 5 to the leads counted on some day, as a hand-written fix gone wrong would; the cell's name."""
    item = next(i for i in stack.tables.reports.scan()["Items"] if str(i["pk"]).startswith("CELL#all#"))
    stack.tables.reports.update_item(
        Key={"pk": item["pk"], "sk": item["sk"]},
        UpdateExpression="ADD #n :five",
        ExpressionAttributeNames={"#n": "n:leads"},
        ExpressionAttributeValues={":five": 5},
    )
    day = str(item["sk"]).split("#")[0]
    return f"all/{day}/all"


def test_check_reports_a_cell_changed_by_hand_and_a_fresh_rebuild_repairs_it(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(stack.args("--check"), capsys)[0] == 0
    damaged = damage_a_cell(stack)
    cells_before = list(stack.live.all_cells())

    code, out = run(stack.args("--check"), capsys)

    assert code == 1
    assert f"{LEADS} leads read" in out and damaged in out
    assert list(stack.live.all_cells()) == cells_before  # a check changes nothing

    code, out = run(stack.args("--fresh"), capsys)

    assert code == 0 and f"{LEADS} leads read" in out
    code, out = run(stack.args("--check"), capsys)
    assert code == 0 and "equals a rebuild" in out


def test_in_place_rebuild_counts_a_lead_whose_events_were_lost_and_retracts_one_erased_without_its_event(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    store_lead(stack, "lead_lost", random.Random(3), projected=False)
    stack.tables.leads.delete_item(Key={"pk": "LEAD#lead_00", "sk": "PROFILE"})  # erased; lead.erased never came
    assert run(stack.args("--check"), capsys)[0] == 1

    code, out = run(stack.args(), capsys)

    assert code == 0
    assert f"{LEADS} leads read, 1 whose counts changed, 1 forgotten (erased) leads retracted" in out
    assert run(stack.args("--check"), capsys)[0] == 0
    assert stack.live.contribution("lead_00") is not None and list(stack.live.lead_ids()).count("lead_00") == 0


def test_a_fresh_rebuild_into_an_empty_table_equals_the_live_one(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    properties = load_template()["Resources"]["ReportsTable"]["Properties"]
    new = boto3.resource("dynamodb", region_name=REGION).create_table(
        **create_table_request(f"{stack.tables.reports.name}-v2", properties)
    )

    code, out = run(stack.args("--fresh", reports_table=new.name), capsys)

    assert code == 0 and f"{LEADS} leads read, {LEADS} whose counts changed" in out
    rebuilt = DynamoReportProjection(new)
    assert list(rebuilt.all_cells()) == list(stack.live.all_cells())
    assert sorted(rebuilt.lead_ids()) == sorted(stack.live.lead_ids())


def test_stack_finds_the_tables_among_the_stack_resources() -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    stubber = Stubber(cloudformation)
    for logical_id, name in (("LeadsTable", "prod-LeadsTable-1A2B"), ("ReportsTable", "prod-ReportsTable-3C4D")):
        detail = {"LogicalResourceId": logical_id, "PhysicalResourceId": name, "ResourceType": "AWS::DynamoDB::Table",
                  "LastUpdatedTimestamp": CAPTURED, "ResourceStatus": "CREATE_COMPLETE"}  # fmt: skip
        expected = {"StackName": "leadflow-prod", "LogicalResourceId": logical_id}
        stubber.add_response("describe_stack_resource", {"StackResourceDetail": detail}, expected)

    with stubber:
        found = stack_tables(SimpleNamespace(client=lambda service: cloudformation), "leadflow-prod")

    assert found == ("prod-LeadsTable-1A2B", "prod-ReportsTable-3C4D")
    stubber.assert_no_pending_responses()


def test_without_tables_or_stack_it_says_what_to_give(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["reports", "rebuild", "--check"])

    assert code == 2 and "--leads-table and --reports-table" in capsys.readouterr().err
