"""LeadStore on the leads table: submissions, identity claims, leads and their history, accounts, merge records,
engagement events and parked activity, outcomes and the due index, in the layout the build contract describes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from leadflow.adapters import layout
from leadflow.adapters.batch_get import get_items
from leadflow.adapters.dynamodb.writes import (
    CONDITION_FAILED,
    MAX_ATTEMPTS,
    deserialize,
    error_code,
    lost_race,
    put_if_absent,
)
from leadflow.adapters.paging import IndexRange, StartKey, list_page
from leadflow.adapters.side_by_side import side_by_side
from leadflow.models.account import Account
from leadflow.models.lead import Activity, HistoryEntry, Lead, Outcome, Stage
from leadflow.models.merge import MergeRecord
from leadflow.models.submission import StoredSubmission, SubmissionStatus
from leadflow.ports import ConcurrentUpdate, OutcomePage, Page


class DynamoLeadStore:
    """LeadStore on the leads table. `table` is a boto3 DynamoDB Table resource (it converts Python values)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def put_submission(self, submission: StoredSubmission) -> bool:
        return put_if_absent(self._table, layout.submission_item(submission))

    def get_submission(self, submission_id: str) -> StoredSubmission | None:
        item = self._table.get_item(Key=layout.submission_key(submission_id), ConsistentRead=True).get("Item")
        return layout.submission_from_item(item) if item else None

    def mark_submission(
        self,
        submission_id: str,
        status: SubmissionStatus,
        *,
        lead_id: str | None = None,
        error: str | None = None,
        sweep_at: datetime | None = None,
    ) -> None:
        assignments = ["#status = :status"]
        names = {"#status": "status"}
        values: dict[str, Any] = {":status": status.value}
        for name, value in (("lead_id", lead_id), ("error", error)):
            if value is not None:
                assignments.append(f"#{name} = :{name}")
                names[f"#{name}"] = name
                values[f":{name}"] = value
        if status is SubmissionStatus.RECEIVED and sweep_at is not None:
            due = {**layout.submission_due_keys(submission_id, sweep_at), "due_at": sweep_at.isoformat()}
            for name, value in due.items():  # an entry already there keeps its time
                assignments.append(f"{name} = if_not_exists({name}, :{name})")
                values[f":{name}"] = value
        expression = "SET " + ", ".join(assignments)
        if status is not SubmissionStatus.RECEIVED:  # its run ended: the sweeper has nothing more to do with it
            expression += " REMOVE " + ", ".join(layout.SUBMISSION_DUE_ATTRIBUTES)
        try:
            self._table.update_item(
                Key=layout.submission_key(submission_id),
                UpdateExpression=expression,
                # Without the condition, UpdateItem would create a stray item holding only these attributes.
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise LookupError(f"no submission {submission_id!r} to mark {status.value}") from exc
            raise

    def due_submissions(self, until: datetime, limit: int = 100) -> list[str]:
        return [key.removeprefix("SUBMISSION#") for key in self._due_keys(layout.SWEEP_JOB, until, limit)]

    def reschedule_submission(self, submission_id: str, *, sweeps: int, due_at: datetime) -> bool:
        # Condition on the count as read: two sweepers that found the same entry count (and republish) it once.
        counted = "sweeps = :previous" if sweeps > 1 else "(attribute_not_exists(sweeps) OR sweeps = :previous)"
        keys = layout.submission_due_keys(submission_id, due_at)
        try:
            self._table.update_item(
                Key=layout.submission_key(submission_id),
                UpdateExpression="SET sweeps = :sweeps, due_at = :due_at, gsi3pk = :gsi3pk, gsi3sk = :gsi3sk",
                ConditionExpression=f"#status = :received AND {counted}",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":sweeps": sweeps,
                    ":previous": sweeps - 1,
                    ":due_at": due_at.isoformat(),
                    ":gsi3pk": keys["gsi3pk"],
                    ":gsi3sk": keys["gsi3sk"],
                    ":received": SubmissionStatus.RECEIVED.value,
                },
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return False
            raise
        return True

    def claim_identity(self, kind: str, value: str, lead_id: str) -> str:
        item = {**layout.identity_key(kind, value), "kind": kind, "value": value, "lead_id": lead_id}
        try:
            self._table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
                # The failure carries the existing claim, which saves a second read on the common "already known" path.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            response: dict[str, Any] = dict(exc.response)
            existing: dict[str, Any] = response.get("Item") or {}
            owner = deserialize(existing["lead_id"]) if "lead_id" in existing else self.lead_for_identity(kind, value)
            if owner is None:  # claims are never deleted; this means the table was tampered with
                raise ConcurrentUpdate(f"identity {kind}:{value} was claimed and then vanished") from exc
            return str(owner)
        return lead_id

    def move_identity(self, kind: str, value: str, from_lead: str, to_lead: str) -> bool:
        try:
            self._table.update_item(
                Key=layout.identity_key(kind, value),
                UpdateExpression="SET lead_id = :to",
                ConditionExpression="lead_id = :from",
                ExpressionAttributeValues={":to": to_lead, ":from": from_lead},
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return False
            raise
        return True

    def lead_for_identity(self, kind: str, value: str) -> str | None:
        item = self._table.get_item(Key=layout.identity_key(kind, value), ConsistentRead=True).get("Item")
        return str(item["lead_id"]) if item else None

    def get_lead(self, lead_id: str) -> Lead | None:
        # Consistent, because the version read here is the condition of the next save.
        item = self._table.get_item(Key=layout.lead_key(lead_id), ConsistentRead=True).get("Item")
        return layout.lead_from_item(item) if item else None

    def get_leads(self, lead_ids: Sequence[str]) -> list[Lead]:
        # One BatchGetItem per 100 ids, strongly consistent as get_lead; the units are the same as one read each.
        keys = [layout.lead_key(lead_id) for lead_id in lead_ids]
        return [layout.lead_from_item(item) for item in get_items(self._table, keys, consistent=True)]

    def save_lead(self, lead: Lead, *, expected_version: int | None) -> Lead:
        item = layout.lead_item(lead, (expected_version or 0) + 1)
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if expected_version is None
            else {
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected": expected_version},
            }
        )
        try:
            self._table.put_item(Item=layout.to_dynamo(item), **condition)
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise layout.lead_save_conflict(lead.lead_id, expected_version) from exc
            raise
        return layout.lead_from_item(item)

    def link_account(self, account: Account, lead_id: str) -> bool:
        # An existing account keeps its name and owner: they are not one lead's to change. The two writes are
        # independent: sent side by side, one round trip.
        member = {**layout.account_member_key(account.account_id, lead_id), "lead_id": lead_id}
        created, _ = side_by_side(
            [
                partial(put_if_absent, self._table, layout.account_item(account)),
                partial(self._table.meta.client.put_item, TableName=self._table.name, Item=member),
            ]
        )
        return created is True

    def get_account(self, account_id: str) -> Account | None:
        item = self._table.get_item(Key=layout.account_key(account_id)).get("Item")
        return layout.account_from_item(item) if item else None

    def account_lead_ids(self, account_id: str, *, first: int | None = None) -> list[str]:
        condition = Key("pk").eq(layout.account_key(account_id)["pk"]) & Key("sk").begins_with("LEAD#")
        request: dict[str, Any] = {"KeyConditionExpression": condition}
        lead_ids: list[str] = []
        while first is None or len(lead_ids) < first:
            if first is not None:  # DynamoDB reads (and bills) only what the Limit lets through
                request["Limit"] = first - len(lead_ids)
            response = self._table.query(**request)
            lead_ids.extend(str(item["lead_id"]) for item in response["Items"])
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return lead_ids

    def put_merge_record(self, record: MergeRecord) -> None:
        self._table.put_item(Item=layout.to_dynamo(layout.merge_record_item(record)))

    def merge_records(self, lead_id: str) -> list[MergeRecord]:
        condition = Key("pk").eq(layout.lead_key(lead_id)["pk"]) & Key("sk").begins_with(layout.MERGE_PREFIX)
        response = self._table.query(KeyConditionExpression=condition, ConsistentRead=True)
        return [layout.merge_record_from_item(item) for item in response["Items"]]

    def delete_merge_record(self, record: MergeRecord) -> None:
        self._table.delete_item(Key=layout.merge_record_key(record))

    def add_history(self, lead_id: str, entry: HistoryEntry) -> bool:
        return put_if_absent(self._table, layout.history_item(lead_id, entry))

    def history(self, lead_id: str) -> list[HistoryEntry]:
        condition = Key("pk").eq(layout.lead_key(lead_id)["pk"]) & Key("sk").begins_with(layout.HISTORY_PREFIX)
        request: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True}
        items: list[layout.Item] = []
        while True:
            response = self._table.query(**request)
            items.extend(response["Items"])
            if "LastEvaluatedKey" not in response:
                return layout.sort_history(items)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def engagement_event_recorded(self, provider: str, event_id: str) -> bool:
        # Eventually consistent is enough: a record missed here is refused by record_engagement_event's condition.
        key = layout.engagement_event_key(provider, event_id)
        return "Item" in self._table.get_item(Key=key, ProjectionExpression="pk")

    def record_engagement_event(
        self, provider: str, event_id: str, *, status: str, lead_id: str | None, received_at: datetime
    ) -> bool:
        item = layout.engagement_event_item(provider, event_id, status=status, lead_id=lead_id, received_at=received_at)
        return put_if_absent(self._table, item)

    def park_activity(self, email_canonical: str, activity: Activity) -> None:
        self._table.put_item(Item=layout.to_dynamo(layout.parked_activity_item(email_canonical, activity)))

    def parked_activity(self, email_canonical: str) -> list[Activity]:
        partition = layout.parked_activity_key(email_canonical, "")["pk"]
        request: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(partition), "ConsistentRead": True}
        items: list[layout.Item] = []
        while True:
            response = self._table.query(**request)
            items.extend(response["Items"])
            if "LastEvaluatedKey" not in response:
                return layout.sort_parked_activity(items)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def clear_parked_activity(self, email_canonical: str, event_ids: Sequence[str]) -> None:
        for event_id in dict.fromkeys(event_ids):
            self._table.delete_item(Key=layout.parked_activity_key(email_canonical, event_id))

    def list_leads(
        self, *, stage: Stage | None = None, owner_id: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page:
        items, next_cursor = list_page(self._query_index, stage=stage, owner_id=owner_id, limit=limit, cursor=cursor)
        return Page(items=[layout.lead_from_item(item) for item in items], cursor=next_cursor)

    def due_leads(self, job: str, until: datetime, limit: int = 100) -> list[str]:
        return [key.removeprefix("LEAD#") for key in self._due_keys(job, until, limit)]

    def _due_keys(self, job: str, until: datetime, limit: int) -> list[str]:
        # One Query per shard of the sparse keys-only index, reading only entries due by `until`.
        found: list[str] = []
        for shard in range(layout.DUE_SHARDS):
            request: dict[str, Any] = {
                "IndexName": layout.BY_DUE,
                "KeyConditionExpression": Key("gsi3pk").eq(layout.due_partition(job, shard))
                & Key("gsi3sk").lte(layout.due_sort_key_until(until)),
                "Limit": limit - len(found),
            }
            response = self._table.query(**request)
            found += [str(item["pk"]) for item in response["Items"]]
            if len(found) >= limit:
                break
        return found

    def put_outcome(self, lead_id: str, outcome: Outcome) -> None:
        # One transaction moves the lead's pointer and swaps its example, so a lead never has two examples or none;
        # outcomes are rare, so the transaction's doubled write cost does not matter here.
        example = layout.to_dynamo(layout.outcome_item(lead_id, outcome))
        pointer_key = layout.outcome_pointer_key(lead_id)
        name = self._table.name
        for _ in range(MAX_ATTEMPTS):
            pointer = self._table.get_item(Key=pointer_key, ConsistentRead=True).get("Item")
            previous = str(pointer["example_sk"]) if pointer else None
            put_pointer: dict[str, Any] = {"TableName": name, "Item": {**pointer_key, "example_sk": example["sk"]}}
            if previous is None:
                put_pointer["ConditionExpression"] = "attribute_not_exists(pk)"
            else:
                put_pointer["ConditionExpression"] = "example_sk = :previous"
                put_pointer["ExpressionAttributeValues"] = {":previous": previous}
            actions: list[dict[str, Any]] = [{"Put": {"TableName": name, "Item": example}}, {"Put": put_pointer}]
            if previous is not None and previous != example["sk"]:
                old_key = {"pk": layout.OUTCOMES_PARTITION, "sk": previous}
                actions.append({"Delete": {"TableName": name, "Key": old_key}})
            try:
                self._table.meta.client.transact_write_items(TransactItems=actions)
            except ClientError as exc:
                lost_race(exc)
                continue  # another outcome for this lead moved the pointer: read it again
            return
        raise ConcurrentUpdate(f"the outcome of lead {lead_id} kept changing while recording it; try again")

    def outcomes(self, *, limit: int = 100, cursor: str | None = None) -> OutcomePage:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        request: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(layout.OUTCOMES_PARTITION)}
        if cursor:
            request["ExclusiveStartKey"] = layout.decode_outcome_cursor(cursor)
        items: list[layout.Item] = []
        # One item more than asked says whether there is a next page, so the last page never hands out a cursor.
        while len(items) <= limit:
            response = self._table.query(**request, Limit=limit + 1 - len(items))
            items.extend(response["Items"])
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        page = items[:limit]
        next_cursor = layout.encode_outcome_cursor(str(page[-1]["sk"])) if len(items) > limit else None
        return OutcomePage(items=[layout.outcome_from_item(item) for item in page], cursor=next_cursor)

    def _query_index(
        self, where: IndexRange, limit: int, start: StartKey | None, stage_filter: Stage | None
    ) -> tuple[list[layout.Item], StartKey | None]:
        """One page of an index partition, then the leads it names read whole by key.

        The lead indexes hold keys (by_owner the stage too, for its filter), so that a lead's every save is not paid
        again in each index. The index answers eventually, the reads by key may be newer: a lead that has left the
        partition (or the stage asked for) since is left out, as one erased since; it is listed where it is now."""
        request: dict[str, Any] = {
            "IndexName": where.index,
            "KeyConditionExpression": Key(where.partition_attribute).eq(where.partition),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start is not None:
            request["ExclusiveStartKey"] = start
        if stage_filter is not None:
            request["FilterExpression"] = Attr("stage").eq(stage_filter.value)
        response = self._table.query(**request)
        keys = [{"pk": entry["pk"], "sk": entry["sk"]} for entry in response["Items"]]
        # Eventually consistent, as the index is: half the read units of a consistent read.
        leads = [
            item
            for item in get_items(self._table, keys, consistent=False)
            if item.get(where.partition_attribute) == where.partition
            and (stage_filter is None or item.get("stage") == stage_filter.value)
        ]
        return leads, response.get("LastEvaluatedKey")
