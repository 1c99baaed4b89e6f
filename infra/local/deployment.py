"""Creates in moto what template.yaml declares, as `sam deploy` would: tables, bus, rules, queues, functions and
state machines (the real ASL files with their DefinitionSubstitutions), and collects the API routes and schedules."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from infra.local.template import REPO_ROOT, LocalNames, substitute_definition

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"  # the local stack's one region


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    module: str  # functions.<dir>.app
    attribute: str  # handler
    environment: dict[str, str]
    timeout: int


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # /v1/leads/{lead_id}
    function: str
    api_key_required: bool

    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        return re.compile(f"^{regex}$")


@dataclass(frozen=True)
class Schedule:
    """A function's Schedule/ScheduleV2 event: the local scheduler fires it on the runtime's clock."""

    function: str  # physical name
    expression: str  # rate(...), cron(...) or at(...)
    logical_id: str = ""  # the function's
    event_id: str = ""
    arn: str = ""  # the rule (Schedule) or schedule (ScheduleV2) AWS would create: the event's `resources`
    enabled: bool = True
    input: str | None = None  # the event's Input: sent instead of the Scheduled Event
    timezone: str = "UTC"  # ScheduleV2's ScheduleExpressionTimezone


@dataclass(frozen=True)
class QueueSource:
    """A function's SQS event (an event source mapping): batches of the queue's messages invoke the function."""

    function: str  # physical name
    queue: str  # queue name
    batch_size: int = 10
    window_seconds: float = 0.0  # MaximumBatchingWindowInSeconds
    report_failures: bool = False  # FunctionResponseTypes has ReportBatchItemFailures


@dataclass
class Deployment:
    names: LocalNames
    functions: dict[str, FunctionSpec] = field(default_factory=dict)  # by physical name
    routes: list[Route] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id -> arn
    tables: dict[str, str] = field(default_factory=dict)  # logical id -> name
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> url
    queue_sources: list[QueueSource] = field(default_factory=list)


# Resources whose ARN is their name in a fixed pattern: (the property naming them, or None for the stack's name).
_NAMED_ARNS: dict[str, tuple[str | None, str]] = {
    "AWS::Events::Rule": (None, "arn:aws:events:{region}:{account}:rule/{name}"),
    "AWS::Logs::LogGroup": (None, "arn:aws:logs:{region}:{account}:log-group:{name}"),
    # The archive's stream: locally its records go to a folder (infra/local/archive.py).
    "AWS::KinesisFirehose::DeliveryStream": (
        "DeliveryStreamName",
        "arn:aws:firehose:{region}:{account}:deliverystream/{name}",
    ),
    "AWS::IAM::Role": ("RoleName", "arn:aws:iam::{account}:role/{name}"),  # a rule target's; nothing assumes it locally
}


def _physical_names(template: dict[str, Any], names: LocalNames) -> None:
    region, account, stack = names.region, names.account_id, names.stack_name
    for logical_id, resource in template["Resources"].items():
        kind, props = resource["Type"], resource.get("Properties", {})
        default = f"{stack}-{logical_id}"
        if kind == "AWS::DynamoDB::Table":
            name = props.get("TableName", default)
            names.refs[logical_id] = name
            names.attributes[(logical_id, "Arn")] = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
        elif kind == "AWS::Serverless::Function":
            name = props.get("FunctionName", default)[:64]
            names.refs[logical_id] = name
            names.attributes[(logical_id, "Arn")] = f"arn:aws:lambda:{region}:{account}:function:{name}"
        elif kind == "AWS::Serverless::StateMachine":
            name = names.resolve(props["Name"]) if "Name" in props else default  # `!Sub "${AWS::StackName}-..."`
            arn = f"arn:aws:states:{region}:{account}:stateMachine:{name}"
            names.refs[logical_id] = arn
            names.attributes[(logical_id, "Arn")] = arn
            names.attributes[(logical_id, "Name")] = name
        elif kind == "AWS::SQS::Queue":
            name = props.get("QueueName", default)
            names.refs[logical_id] = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
            names.attributes[(logical_id, "Arn")] = f"arn:aws:sqs:{region}:{account}:{name}"
            names.attributes[(logical_id, "QueueName")] = name
        elif kind in _NAMED_ARNS:
            name_property, arn = _NAMED_ARNS[kind]
            name = props.get(name_property, default) if name_property else default
            names.refs[logical_id] = name
            names.attributes[(logical_id, "Arn")] = arn.format(region=region, account=account, name=name)
        else:
            names.refs[logical_id] = default
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Events::EventBus":
            bus = names.resolve(resource["Properties"]["Name"])
            names.refs[logical_id] = bus
            names.attributes[(logical_id, "Name")] = bus
            names.attributes[(logical_id, "Arn")] = f"arn:aws:events:{region}:{account}:event-bus/{bus}"


def _dummy_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "# the local runtime runs the repository's handler in-process\n")
    return buffer.getvalue()


def deploy(template: dict[str, Any], names: LocalNames, session: boto3.Session) -> Deployment:
    """Create every resource of the template in the (mocked) account behind `session`."""
    _physical_names(template, names)
    deployment = Deployment(names=names)
    resources: dict[str, Any] = template["Resources"]
    globals_function = template.get("Globals", {}).get("Function", {})
    global_env = names.resolve(globals_function.get("Environment", {}).get("Variables", {}))

    dynamodb = session.client("dynamodb")
    events = session.client("events")
    sqs = session.client("sqs")
    lambdas = session.client("lambda")
    sfn = session.client("stepfunctions")
    iam = session.client("iam")
    role_arn = iam.create_role(RoleName="leadflow-local", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

    for logical_id, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::DynamoDB::Table":
            _create_table(dynamodb, names, logical_id, props)
            deployment.tables[logical_id] = names.refs[logical_id]
        elif kind == "AWS::Events::EventBus":
            events.create_event_bus(Name=names.refs[logical_id])
        elif kind == "AWS::SQS::Queue":
            sqs.create_queue(QueueName=names.attributes[(logical_id, "QueueName")])
            deployment.queues[logical_id] = names.refs[logical_id]
    _configure_queues(sqs, names, resources)  # once every queue exists: a redrive policy names another

    for logical_id, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::Serverless::Function":
            _create_function(
                lambdas,
                deployment,
                logical_id,
                props,
                global_env=global_env,
                globals_function=globals_function,
                role_arn=role_arn,
            )
        elif kind == "AWS::Serverless::StateMachine":
            _create_state_machine(sfn, events, deployment, logical_id, props, role_arn=role_arn)
        elif kind == "AWS::Events::Rule":
            _create_rule(events, names, names.refs[logical_id], names.resolve(props))
    return deployment


def _configure_queues(sqs: Any, names: LocalNames, resources: dict[str, Any]) -> None:
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::SQS::Queue" and (attributes := _queue_attributes(names, resource)):
            sqs.set_queue_attributes(QueueUrl=names.refs[logical_id], Attributes=attributes)


def _queue_attributes(names: LocalNames, resource: dict[str, Any]) -> dict[str, str]:
    """The attributes moto acts on: how long a received message stays hidden, and where it goes after failing."""
    props = names.resolve(resource.get("Properties", {}))
    attributes = {"VisibilityTimeout": str(props["VisibilityTimeout"])} if "VisibilityTimeout" in props else {}
    if "RedrivePolicy" in props:
        attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
    return attributes


def _create_table(dynamodb: Any, names: LocalNames, logical_id: str, props: dict[str, Any]) -> None:
    dynamodb.create_table(**create_table_request(names.refs[logical_id], names.resolve(props)))


def create_table_request(name: str, props: dict[str, Any]) -> dict[str, Any]:
    """The CreateTable request for a template's AWS::DynamoDB::Table properties: keys, attributes, indexes."""
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = [
            {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
            for g in props["GlobalSecondaryIndexes"]
        ]
    return kwargs


def _create_function(
    lambdas: Any,
    deployment: Deployment,
    logical_id: str,
    props: dict[str, Any],
    *,
    global_env: dict[str, str],
    globals_function: dict[str, Any],
    role_arn: str,
) -> None:
    names = deployment.names
    name = names.refs[logical_id]
    code_uri = Path(props["CodeUri"])
    handler = props.get("Handler", globals_function.get("Handler", "app.handler"))
    module_file, attribute = handler.rsplit(".", 1)
    module = ".".join([*code_uri.parts, module_file])
    if not (REPO_ROOT / code_uri / f"{module_file}.py").exists():
        raise FileNotFoundError(f"{logical_id}: handler file {code_uri / module_file}.py does not exist")
    environment = {**global_env, **names.resolve(props.get("Environment", {}).get("Variables", {}))}
    timeout = int(props.get("Timeout", globals_function.get("Timeout", 3)))
    lambdas.create_function(
        FunctionName=name,
        Runtime=props.get("Runtime", globals_function.get("Runtime", "python3.11")),
        Role=role_arn,
        Handler=handler,
        Code={"ZipFile": _dummy_zip()},
        Timeout=timeout,
        Environment={"Variables": {k: str(v) for k, v in environment.items()}},
    )
    deployment.functions[name] = FunctionSpec(logical_id, name, module, attribute, environment, timeout)
    for event_id, event in props.get("Events", {}).items():
        event_props = names_resolve_safe(names, event.get("Properties", {}))
        if event["Type"] == "Api":
            auth = event_props.get("Auth", {})
            deployment.routes.append(
                Route(event_props["Method"].upper(), event_props["Path"], name, bool(auth.get("ApiKeyRequired")))
            )
        elif event["Type"] in ("Schedule", "ScheduleV2"):
            deployment.schedules.append(
                _schedule(names, name, logical_id, event_id=event_id, kind=event["Type"], props=event_props)
            )
        elif event["Type"] == "SQS":
            deployment.queue_sources.append(
                QueueSource(
                    function=name,
                    queue=str(event_props["Queue"]).rsplit(":", 1)[-1],
                    batch_size=int(event_props.get("BatchSize", 10)),
                    window_seconds=float(event_props.get("MaximumBatchingWindowInSeconds", 0)),
                    report_failures="ReportBatchItemFailures" in event_props.get("FunctionResponseTypes", []),
                )
            )


def _schedule(
    names: LocalNames, function: str, logical_id: str, *, event_id: str, kind: str, props: dict[str, Any]
) -> Schedule:
    """SAM turns a Schedule event into an EventBridge rule and a ScheduleV2 event into an EventBridge Scheduler
    schedule; both are named here as SAM would name them, for the `resources` of the events they send."""
    region, account = names.region, names.account_id
    default_name = f"{names.stack_name}-{logical_id}{event_id}"
    if kind == "Schedule":
        expression = props["Schedule"]
        arn = f"arn:aws:events:{region}:{account}:rule/{props.get('Name', default_name)}"
        enabled = bool(props.get("Enabled", True)) and props.get("State", "ENABLED") == "ENABLED"
    else:
        expression = props["ScheduleExpression"]
        group = props.get("GroupName", "default")
        arn = f"arn:aws:scheduler:{region}:{account}:schedule/{group}/{props.get('Name', default_name)}"
        enabled = props.get("State", "ENABLED") == "ENABLED"
    raw_input = props.get("Input")
    return Schedule(
        function=function,
        expression=expression,
        logical_id=logical_id,
        event_id=event_id,
        arn=arn,
        enabled=enabled,
        input=raw_input if raw_input is None or isinstance(raw_input, str) else json.dumps(raw_input),
        timezone=props.get("ScheduleExpressionTimezone", "UTC"),
    )


def names_resolve_safe(names: LocalNames, props: dict[str, Any]) -> dict[str, Any]:
    """Event properties may reference the API (RestApiId), which has no meaning locally: keep it unresolved."""
    return {k: (v if k == "RestApiId" else names.resolve(v)) for k, v in props.items()}


def _create_state_machine(
    sfn: Any, events: Any, deployment: Deployment, logical_id: str, props: dict[str, Any], *, role_arn: str
) -> None:
    names = deployment.names
    definition_path = REPO_ROOT / props["DefinitionUri"]
    substitutions = {k: str(v) for k, v in names.resolve(props.get("DefinitionSubstitutions", {})).items()}
    definition = substitute_definition(definition_path.read_text(encoding="utf-8"), substitutions)
    json.loads(definition)  # fail here, naming the file, rather than inside moto
    name = names.attributes[(logical_id, "Name")]
    arn = sfn.create_state_machine(
        name=name, definition=definition, roleArn=role_arn, type=props.get("Type", "STANDARD")
    )["stateMachineArn"]
    deployment.state_machines[logical_id] = arn
    for event_id, event in props.get("Events", {}).items():
        if event["Type"] in ("EventBridgeRule", "CloudWatchEvent"):
            event_props = names.resolve(event["Properties"])
            rule_name = f"{names.stack_name}-{logical_id}-{event_id}"
            target: dict[str, Any] = {"Id": f"{logical_id}Target", "Arn": arn, "RoleArn": role_arn}
            if "InputPath" in event_props:
                target["InputPath"] = event_props["InputPath"]
            _create_rule(
                events,
                names,
                rule_name,
                {
                    "EventBusName": event_props.get("EventBusName", "default"),
                    "EventPattern": event_props["Pattern"],
                    "Targets": [target],
                },
            )


def _create_rule(events: Any, names: LocalNames, rule_name: str, props: dict[str, Any]) -> None:
    bus = props.get("EventBusName", "default")
    events.put_rule(Name=rule_name, EventBusName=bus, EventPattern=json.dumps(props["EventPattern"]), State="ENABLED")
    targets = [
        {k: v for k, v in t.items() if k in ("Id", "Arn", "RoleArn", "Input", "InputPath", "InputTransformer")}
        for t in props.get("Targets", [])
    ]
    if targets:
        events.put_targets(Rule=rule_name, EventBusName=bus, Targets=targets)
