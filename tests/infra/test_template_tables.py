"""The tables the template declares: the contract's keys and indexes, on-demand, encrypted, backed up, kept."""

from __future__ import annotations

from typing import Any

from tests.infra.template_queries import resources_of_type


def test_tables_have_the_contract_keys_and_indexes(template: dict[str, Any]) -> None:
    def keys(schema: list[dict[str, str]]) -> list[str]:
        return [key["AttributeName"] for key in schema]

    tables = {name: t["Properties"] for name, t in resources_of_type(template, "AWS::DynamoDB::Table").items()}
    assert {name: keys(table["KeySchema"]) for name, table in tables.items()} == {
        "LeadsTable": ["pk", "sk"],
        "ConfigTable": ["pk", "sk"],
        "IdempotencyTable": ["id"],
        "OutboxTable": ["pk", "sk"],
        "ReportsTable": ["pk", "sk"],  # derived data: `leadflow reports rebuild` recomputes it
    }
    indexes = {
        index["IndexName"]: (
            keys(index["KeySchema"]),
            index["Projection"]["ProjectionType"],
            index["Projection"].get("NonKeyAttributes", []),
        )
        for index in tables["LeadsTable"]["GlobalSecondaryIndexes"]
    }
    # Index entries are billed at their projected size: the lead listings read the leads by key, and by_owner keeps
    # only what its listing's stage filter reads.
    assert indexes == {
        "by_stage": (["gsi1pk", "gsi1sk"], "KEYS_ONLY", []),
        "by_owner": (["gsi2pk", "gsi2sk"], "INCLUDE", ["stage"]),
        "by_due": (["gsi3pk", "gsi3sk"], "KEYS_ONLY", []),  # sparse: only leads a scheduled job must look at
    }
    assert tables["IdempotencyTable"]["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    # Webhook event records and parked engagement expire; nothing else in the leads table carries the attribute.
    assert tables["LeadsTable"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert tables["ConfigTable"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_tables_are_on_demand_encrypted_backed_up_and_lead_data_is_kept(template: dict[str, Any]) -> None:
    for name, table in resources_of_type(template, "AWS::DynamoDB::Table").items():
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST", name
        assert properties["SSESpecification"] == {"SSEEnabled": True}, name
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
    for name in ("LeadsTable", "ConfigTable", "OutboxTable"):
        resource = template["Resources"][name]
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain"), name
