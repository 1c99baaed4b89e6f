"""The few places where the local runtime reaches into moto's private API to make it behave like AWS.

Each hook is named after what AWS does that moto does not (see shared notes on local AWS facts), one module per
service; moto is pinned exactly in pyproject.toml and tests/infra/test_moto_hooks.py fails loudly if a hooked name
or signature changes (registry.py lists them).
"""

from infra.local.moto_hooks.core import leave_requests_unsigned, look_up_handler_methods_once, spare_per_request_work
from infra.local.moto_hooks.dynamodb import (
    WriteListener,
    answer_items_as_json,
    back_up_only_what_a_transaction_writes,
    check_update_expressions_once,
    copy_update_expressions_as_trees,
    copy_updated_items_only_for_streams,
    query_partitions_not_tables,
    serialise_dynamodb_writes,
    size_items_once,
)
from infra.local.moto_hooks.dynamodb_indexes import forget_index_partitions, query_index_partitions
from infra.local.moto_hooks.lambdas import LambdaRunner, deliver_events_to_all_targets, run_lambdas_in_process
from infra.local.moto_hooks.registry import HOOKED, signature_drift
from infra.local.moto_hooks.sqs import QUEUE_LOCK, QueueDeleted, QueueSent, journal_queue_messages
from infra.local.moto_hooks.step_functions import (
    JSON_PATH_MODULES,
    STATE_MODULE,
    TASK_CLIENT_MODULES,
    ClockWaits,
    context_timestamp,
    parse_each_definition_once,
    parse_each_json_path_once,
    quiet_state_machine_interpreter,
    reuse_state_machine_task_clients,
    state_machines_follow_clock,
)

__all__ = [
    "HOOKED",
    "JSON_PATH_MODULES",
    "QUEUE_LOCK",
    "STATE_MODULE",
    "TASK_CLIENT_MODULES",
    "ClockWaits",
    "LambdaRunner",
    "QueueDeleted",
    "QueueSent",
    "WriteListener",
    "answer_items_as_json",
    "back_up_only_what_a_transaction_writes",
    "check_update_expressions_once",
    "context_timestamp",
    "copy_update_expressions_as_trees",
    "copy_updated_items_only_for_streams",
    "deliver_events_to_all_targets",
    "forget_index_partitions",
    "journal_queue_messages",
    "leave_requests_unsigned",
    "look_up_handler_methods_once",
    "parse_each_definition_once",
    "parse_each_json_path_once",
    "query_index_partitions",
    "query_partitions_not_tables",
    "quiet_state_machine_interpreter",
    "reuse_state_machine_task_clients",
    "run_lambdas_in_process",
    "serialise_dynamodb_writes",
    "signature_drift",
    "size_items_once",
    "spare_per_request_work",
    "spare_work_aws_does_not_do",
    "state_machines_follow_clock",
]


def spare_work_aws_does_not_do() -> None:
    """The local runtime's speed-ups: moto doing per request what AWS does once, or not at all. After
    serialise_dynamodb_writes, whose write methods query_index_partitions wraps."""
    query_partitions_not_tables()
    query_index_partitions()
    size_items_once()
    back_up_only_what_a_transaction_writes()
    copy_updated_items_only_for_streams()
    check_update_expressions_once()
    answer_items_as_json()
    reuse_state_machine_task_clients()
    spare_per_request_work()
