"""The runtime parses once what moto parses per request (a state machine's definition, a JSONPath, a handler's
method names) and copies an update expression's tree directly: the answers stay the same, and a change in moto
that would bypass a hook fails here, naming it."""

from __future__ import annotations

import inspect
import json
import time
from typing import Any

import boto3
from moto import mock_aws

from infra.local import moto_hooks
from infra.local.runtime import MOTO_CONFIG

PIPELINE = {
    "StartAt": "Shape",
    "States": {
        "Shape": {
            "Type": "Pass",
            "Parameters": {"lead.$": "$.detail.lead", "n.$": "$.n"},
            "ResultPath": "$.shaped",
            "Next": "Done",
        },
        "Done": {"Type": "Succeed", "OutputPath": "$.shaped"},
    },
}


def _run_executions(prefix: str, count: int) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.create_state_machine(
        name="m", definition=json.dumps(PIPELINE), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    runs = [
        sfn.start_execution(
            stateMachineArn=arn, name=f"{prefix}{n}", input=json.dumps({"detail": {"lead": f"L{n}"}, "n": n})
        )
        for n in range(count)
    ]
    outputs = []
    for run in runs:
        deadline = time.monotonic() + 10
        while (described := sfn.describe_execution(executionArn=run["executionArn"]))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "execution did not finish"
            time.sleep(0.01)
        outputs.append(json.loads(described["output"]))
    return outputs


def test_executions_of_one_definition_share_one_parse_and_answer_as_before() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    parses = []
    real_parse = AmazonStateLanguageParser.parse

    def counting(definition: str) -> Any:
        parses.append(definition)
        return real_parse(definition)

    with mock_aws(config=MOTO_CONFIG):
        expected = _run_executions("before", 2)
        try:
            moto_hooks.parse_each_definition_once()
            moto_hooks.parse_each_json_path_once()
            AmazonStateLanguageParser.parse = staticmethod(counting)  # type: ignore[method-assign]
            outputs = _run_executions("after", 3)
        finally:
            AmazonStateLanguageParser.parse = staticmethod(real_parse)  # type: ignore[method-assign]
            ExecutionWorker._get_evaluation_entrypoint = moto_hooks.HOOKED[  # type: ignore[method-assign]
                "ExecutionWorker._get_evaluation_entrypoint"
            ]

    assert outputs[:2] == expected == [{"lead": "L0", "n": 0}, {"lead": "L1", "n": 1}]
    assert outputs[2] == {"lead": "L2", "n": 2}
    assert len(parses) <= 2  # create_state_machine checks the definition; the three executions parse it once


def test_the_interpreter_still_parses_json_paths_through_the_module_names_the_hook_caches() -> None:
    import importlib

    for module_name in moto_hooks.JSON_PATH_MODULES:
        module = importlib.import_module(module_name)
        assert callable(module.parse), module_name
        assert "parse(" in inspect.getsource(module), module_name


def test_moto_still_finds_a_handlers_action_through_the_method_names_kept_per_class() -> None:
    from moto.core.responses import BaseResponse

    assert "method_names_from_class(self.__class__)" in inspect.getsource(BaseResponse.call_action)


def test_an_update_expression_copied_as_a_tree_is_the_same_tree_with_its_own_nodes() -> None:
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import Node
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    from infra.local.moto_hooks.dynamodb import _copy_expression

    def shape(node: Any) -> Any:
        if not isinstance(node, Node):
            return node
        assert all(child.parent is node for child in node.children or [] if isinstance(child, Node))
        return type(node).__name__, [shape(child) for child in node.children or []]

    def nodes(node: Any) -> list[int]:
        return [id(node), *(i for child in node.children or [] if isinstance(child, Node) for i in nodes(child))]

    assert "deepcopy(expression)" in inspect.getsource(validators.Validator.__init__)  # what the hook stands in for
    text = "SET #a = :a, #h = list_append(if_not_exists(#h, :empty), :h) ADD " + ", ".join(
        f"#n{i} :v{i}" for i in range(5)
    )
    tree = UpdateExpressionParser.make(text + " REMOVE #x[2]")
    copied = _copy_expression(tree)

    assert shape(copied) == shape(tree)
    assert not set(nodes(copied)) & set(nodes(tree))


def test_updates_answer_as_before_with_expressions_copied_as_trees() -> None:
    from moto.dynamodb.parsing import validators

    update = {
        "UpdateExpression": "SET #h = list_append(if_not_exists(#h, :empty), :h), #s = :s ADD #n :one",
        "ExpressionAttributeNames": {"#h": "history", "#s": "stage", "#n": "n"},
        "ExpressionAttributeValues": {
            ":empty": {"L": []},
            ":h": {"L": [{"S": "x"}]},
            ":s": {"S": "mql"},
            ":one": {"N": "1"},
        },
        "ReturnValues": "ALL_NEW",
    }
    answers = {}
    real_deepcopy = validators.deepcopy  # type: ignore[attr-defined]
    try:
        for variant in ("moto", "hooked"):
            if variant == "hooked":
                moto_hooks.copy_update_expressions_as_trees()
            with mock_aws():
                client = boto3.client("dynamodb", region_name="us-east-1")
                client.create_table(
                    TableName="t",
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST",
                )
                # the first update creates the item (moto validates the expression twice), the second changes it
                answers[variant] = [
                    client.update_item(TableName="t", Key={"pk": {"S": "a"}}, **update)["Attributes"] for _ in range(2)
                ]
    finally:
        validators.deepcopy = real_deepcopy  # type: ignore[attr-defined]

    assert answers["hooked"] == answers["moto"]
    assert answers["hooked"][1]["history"] == {"L": [{"S": "x"}, {"S": "x"}]}
    assert answers["hooked"][1]["n"] == {"N": "2"}


def test_unsigned_requests_reach_the_runtimes_account_and_presigned_urls_are_still_signed() -> None:
    from botocore.signers import RequestSigner

    from infra.local.deployment import ACCOUNT_ID

    sent: list[dict[str, str]] = []
    real_sign = RequestSigner.sign
    try:
        moto_hooks.leave_requests_unsigned()
        with mock_aws():
            sqs = boto3.client("sqs", region_name="us-east-1")
            sqs.meta.events.register("before-send", lambda request, **_: sent.append(dict(request.headers)))
            url = sqs.create_queue(QueueName="q")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            presigned = sqs.generate_presigned_url("list_queues", Params={})
    finally:
        RequestSigner.sign = real_sign  # type: ignore[method-assign]

    assert arn == f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:q"
    assert sent and not any("Authorization" in headers for headers in sent)
    assert "X-Amz-Signature=" in presigned


def test_an_update_copies_the_item_only_for_a_table_with_a_stream() -> None:
    import copy

    import moto.dynamodb.responses as dynamodb_responses
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import Item

    copied: list[str] = []
    real_deepcopy = copy.deepcopy

    def counting(value: object, memo: object = None) -> object:
        if isinstance(value, Item):
            copied.append(str(value.hash_key.value))
        return real_deepcopy(value, memo)  # type: ignore[arg-type]

    update = {"UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "2"}}}
    with mock_aws():
        moto_hooks.serialise_dynamodb_writes()
        moto_hooks.copy_updated_items_only_for_streams()
        client = boto3.client("dynamodb", region_name="us-east-1")
        streamed = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
        for name, stream in (("plain", {}), ("streamed", streamed)):
            client.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                **stream,
            )
            client.put_item(TableName=name, Item={"pk": {"S": name}, "n": {"N": "1"}})
        copy.deepcopy = counting  # type: ignore[assignment]
        try:
            old = client.update_item(
                TableName="plain", Key={"pk": {"S": "plain"}}, **update, ReturnValues="UPDATED_OLD"
            )["Attributes"]
            for name in ("plain", "streamed"):
                client.update_item(TableName=name, Key={"pk": {"S": name}}, **update)
        finally:
            copy.deepcopy = real_deepcopy
        stream = dynamodb_backends["123456789012"]["us-east-1"].get_table("streamed").stream_shard
        records = [record.record for record in stream.items]
        plain = client.get_item(TableName="plain", Key={"pk": {"S": "plain"}})["Item"]

    modified = [r["dynamodb"] for r in records if r["eventName"] == "MODIFY"]
    assert [(m["OldImage"]["n"], m["NewImage"]["n"]) for m in modified] == [({"N": "1"}, {"N": "2"})]
    assert plain["n"] == {"N": "2"}
    assert old == {"n": {"N": "1"}}
    assert "copy.deepcopy(self.dynamodb_backend.get_item(name, key))" in inspect.getsource(dynamodb_responses)
    assert copied == ["streamed"]  # the old image of the stream record, and no other copy
