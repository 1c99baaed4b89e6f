"""The local runtime reaches into moto's private API; these fail loudly, naming the hook, when moto changes under it."""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

from infra.local import moto_hooks

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_moto_is_pinned_to_the_version_the_hooks_were_written_for() -> None:
    pinned = re.search(r'"moto\[[^\]]*\]==([0-9.]+)"', PYPROJECT.read_text(encoding="utf-8"))

    assert pinned is not None, "pyproject.toml must pin moto exactly (==): infra/local hooks its private API"
    assert version("moto") == pinned.group(1)


def test_every_hooked_moto_method_still_has_the_signature_the_hooks_expect() -> None:
    assert moto_hooks.signature_drift() == []


def test_moto_lambda_still_routes_invocations_through_the_hooked_method() -> None:
    from moto.awslambda.models import LambdaFunction

    assert "_invoke_lambda" in LambdaFunction.invoke.__code__.co_names


def test_moto_events_still_delivers_through_rule_send_to_targets() -> None:
    from moto.events.models import EventsBackend

    assert "rule.send_to_targets(" in inspect.getsource(EventsBackend)


def test_the_interpreter_still_builds_task_clients_where_the_runtime_reuses_them() -> None:
    import importlib

    for module_name in moto_hooks.TASK_CLIENT_MODULES:
        assert hasattr(importlib.import_module(module_name), "boto_client_for"), module_name


def test_every_kind_of_wait_state_waits_through_the_hooked_wait_function() -> None:
    """The Wait hook replaces WaitFunction._eval_body: a subclass with its own would wait in real time again."""
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    def subclasses(cls: type) -> set[type]:
        found: set[type] = set()
        direct: type
        for direct in cls.__subclasses__():
            found |= {direct, *subclasses(direct)}
        return found

    kinds = subclasses(WaitFunction)

    assert {k.__name__ for k in kinds} >= {"Seconds", "SecondsJSONata", "SecondsPath", "Timestamp", "TimestampPath"}
    assert [k.__name__ for k in kinds if "_eval_body" in vars(k)] == []
    assert all(callable(getattr(k, "_get_wait_seconds", None)) for k in kinds)


def test_timestamp_waits_still_parse_with_the_helpers_the_wait_hook_reuses() -> None:
    from datetime import datetime

    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp

    assert Timestamp._from_timestamp_string("2026-01-02T03:04:05.678Z") == datetime(2026, 1, 2, 3, 4, 5)
    assert Timestamp._from_timestamp_string("2026-01-02T03:04:05+01:00") is None
    assert list(inspect.signature(Timestamp._create_failure_event).parameters) == ["self", "env", "timestamp_str"]
    assert "self.string = string" in inspect.getsource(Timestamp.__init__)


def test_entered_time_is_the_only_use_of_datetime_in_the_interpreters_state_module() -> None:
    """The hook swaps that module's `datetime` for one that reads the runtime's clock; any other use would break."""
    import importlib

    source = inspect.getsource(importlib.import_module(moto_hooks.STATE_MODULE))

    assert "EnteredTime=datetime.datetime.now(tz=datetime.timezone.utc).isoformat()" in source
    assert set(re.findall(r"\bdatetime\.\w+", source)) == {"datetime.datetime", "datetime.timezone"}
    assert source.count("datetime.datetime.") == 1


def test_execution_start_time_and_stop_still_go_where_the_hooks_expect() -> None:
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    assert "StartTime=" in inspect.getsource(ExecutionWorker._get_evaluation_environment)
    # StopExecution reaches a parked Wait through the environment's state, which the hooked wait polls.
    assert "self.env.set_stop(" in inspect.getsource(ExecutionWorker.stop)
    assert "ProgramStopped(" in inspect.getsource(Environment.set_stop)
    assert callable(Environment.is_running)


def test_items_still_hold_their_attributes_in_the_size_checked_dict_the_runtime_hooks() -> None:
    from moto.dynamodb.models.dynamo_type import Item

    assert "self.attrs = LimitedSizeDict()" in inspect.getsource(Item.__init__)
    assert "self.attrs[key] = DynamoType(value)" in inspect.getsource(Item.__init__)


def test_the_size_hook_still_refuses_an_item_over_400_kb_and_measures_like_moto() -> None:
    import pytest
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    original = LimitedSizeDict.__setitem__
    try:
        moto_hooks.size_items_once()
        nested = {"M": {"lines": {"L": [{"M": {"reason": {"S": "x" * 100}, "points": {"N": "12.5"}}}] * 50}}}
        item = Item(DynamoType({"S": "LEAD#1"}), DynamoType({"S": "PROFILE"}), {"pk": {"S": "LEAD#1"}, "score": nested})
        exact = sum(len(k) + v.size() for k, v in item.attrs.items())
        assert item.attrs.__dict__["_size"] == exact
        with pytest.raises(ItemSizeTooLarge):
            Item(DynamoType({"S": "LEAD#2"}), None, {"pk": {"S": "LEAD#2"}, "big": {"S": "y" * 410_000}})
    finally:
        LimitedSizeDict.__setitem__ = original  # type: ignore[method-assign]


def test_item_answers_dumped_as_json_are_what_motos_serializer_gives() -> None:
    import boto3
    from moto import mock_aws
    from moto.core.responses import ActionResult

    from infra.local.runtime import MOTO_CONFIG

    item = {
        "pk": {"S": "LEAD#1"},
        "sk": {"S": "PROFILE"},
        "score": {
            "M": {"total": {"N": "71.25"}, "lines": {"L": [{"M": {"reason": {"S": "VP"}, "ok": {"BOOL": True}}}]}}
        },
        "tags": {"SS": ["a", "b"]},
        "none": {"NULL": True},
    }
    requests: list[tuple[str, dict[str, Any]]] = [
        ("put_item", {"Item": item, "ReturnValues": "ALL_OLD"}),
        ("get_item", {"Key": {"pk": item["pk"], "sk": item["sk"]}}),
        ("get_item", {"Key": {"pk": {"S": "missing"}, "sk": item["sk"]}}),
        ("query", {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": item["pk"]}}),
        (
            "update_item",
            {
                "Key": {"pk": item["pk"], "sk": item["sk"]},
                "UpdateExpression": "SET n = :n",
                "ExpressionAttributeValues": {":n": {"N": "3"}},
                "ReturnValues": "ALL_NEW",
            },
        ),
    ]
    original = ActionResult.execute_result
    answers: dict[str, list[dict[str, Any]]] = {}
    try:
        for variant in ("moto", "hooked"):
            if variant == "hooked":
                moto_hooks.answer_items_as_json()
            with mock_aws(config=MOTO_CONFIG):
                client = boto3.client("dynamodb", region_name="us-east-1")
                client.create_table(
                    TableName="t",
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                    AttributeDefinitions=[
                        {"AttributeName": "pk", "AttributeType": "S"},
                        {"AttributeName": "sk", "AttributeType": "S"},
                    ],
                    BillingMode="PAY_PER_REQUEST",
                )
                answers[variant] = []
                for operation, request in requests:
                    answer = getattr(client, operation)(TableName="t", **request)
                    answer.pop("ResponseMetadata")
                    answers[variant].append(answer)
    finally:
        ActionResult.execute_result = original  # type: ignore[method-assign]
    assert answers["hooked"] == answers["moto"]


def test_every_sqs_message_sent_or_deleted_passes_through_the_journaled_methods() -> None:
    """The queue journal sees sends and deletes at SQSBackend.send_message and Queue.delete_message: batches, rule
    targets and dead letters must still go through them."""
    from moto.events.models import Rule
    from moto.sqs.models import SQSBackend

    assert "self.send_message(" in inspect.getsource(SQSBackend.send_message_batch)
    assert "self.delete_message(" in inspect.getsource(SQSBackend.delete_message_batch)
    assert "queue.delete_message(" in inspect.getsource(SQSBackend.delete_message)
    assert ".send_message(" in inspect.getsource(Rule._send_to_sqs_queue)


def test_the_interpreter_still_names_a_lambda_service_error_after_its_code() -> None:
    """An injected throttle is a TooManyRequestsException of the Invoke call; Step Functions' Retry matches it as
    Lambda.TooManyRequestsException."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_lambda

    assert 'f"Lambda.{error_code}"' in inspect.getsource(state_task_service_lambda)


def test_transactions_still_back_up_their_tables_through_the_module_copy_the_hook_replaces() -> None:
    import moto.dynamodb.models as dynamodb_models

    source = inspect.getsource(moto_hooks.HOOKED["DynamoDBBackend.transact_write_items"])
    assert "original_table_state[table_name] = copy.deepcopy(" in source
    assert "copy" in vars(dynamodb_models)  # the module-level name the hook stands in for


def test_a_cancelled_transaction_still_rolls_back_without_copying_the_table() -> None:
    import copy

    import boto3
    import pytest
    from botocore.exceptions import ClientError
    from moto import mock_aws

    copies = []
    real_deepcopy = copy.deepcopy
    with mock_aws():
        moto_hooks.serialise_dynamodb_writes()
        moto_hooks.back_up_only_what_a_transaction_writes()
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="t", Item={"pk": {"S": "taken"}})
        client.put_item(TableName="t", Item={"pk": {"S": "kept"}, "n": {"N": "1"}})
        puts = [{"Put": {"TableName": "t", "Item": {"pk": {"S": f"new-{n}"}}}} for n in range(10)]
        puts.append({"Update": {"TableName": "t", "Key": {"pk": {"S": "kept"}}, "UpdateExpression": "ADD n :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}}}})  # fmt: skip
        refused = {
            "Put": {"TableName": "t", "Item": {"pk": {"S": "taken"}}, "ConditionExpression": "attribute_not_exists(pk)"}
        }

        def counting(value: object, memo: object = None) -> object:
            copies.append(type(value).__name__)
            return real_deepcopy(value, memo)  # type: ignore[arg-type]

        copy.deepcopy = counting  # type: ignore[assignment]
        try:
            with pytest.raises(ClientError, match="TransactionCanceled"):
                client.transact_write_items(TransactItems=[*puts, refused])
        finally:
            copy.deepcopy = real_deepcopy
        items = client.scan(TableName="t")["Items"]

    # the ten puts and the update before the refused put were rolled back, the update to its old value
    assert sorted(items, key=str) == [{"n": {"N": "1"}, "pk": {"S": "kept"}}, {"pk": {"S": "taken"}}]
    assert copies.count("Table") == 0
