"""The whole leadflow stack in one process: moto with every resource of template.yaml, handlers in-process,
the API on a local port, demo config loaded, data kept in a folder across restarts. Tests use it as their fixture."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from moto import mock_aws
from moto.core.config import DefaultConfig
from moto.sqs.models import sqs_backends

from infra.config_documents import read_document
from infra.local import ledger_hooks, moto_hooks
from infra.local.archive import LocalArchive
from infra.local.clock import VirtualClock
from infra.local.deployment import ACCOUNT_ID, REGION, Deployment, deploy
from infra.local.enrolments import resume_enrolments
from infra.local.environment import export_function_environment, set_process_environment
from infra.local.handlers import FunctionRunner
from infra.local.http_api import ApiServer
from infra.local.ledger import Ledger
from infra.local.persistence import DataFolder, dynamodb_backend
from infra.local.queue_sources import QueueSources
from infra.local.scheduler import Firing, Scheduler
from infra.local.template import REPO_ROOT, TEMPLATE_PATH, LocalNames, load_template, template_parameters

DEFAULT_API_KEY = "local-dev-key"
DEFAULT_PORT = 3000
# moto's settings for the whole process: a second mock started while the runtime runs must use the same ones,
# because moto applies the configuration of whichever mock started last.
MOTO_CONFIG: DefaultConfig = {"stepfunctions": {"execute_state_machine": True}}
CONFIG_DIR = REPO_ROOT / "infra" / "config"
CONFIG_DOCUMENTS = ("scoring", "reps", "matching", "lifecycle", "sla", "routing", "nurture", "reports", "spend")
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuntimeOptions:
    port: int | None = DEFAULT_PORT  # None: no HTTP server (in-process tests); 0: any free port
    host: str = "127.0.0.1"
    data_dir: Path | None = None  # None: nothing persisted
    api_key: str = DEFAULT_API_KEY
    speed: float = 1.0
    stack_name: str = "leadflow"
    allowed_origins: str | None = None  # None: the runtime's own origins, on the port it serves
    log_level: str = "WARNING"
    faults: str | None = None  # JSON, as POST /_local/faults takes it (infra/local/faults.py); None: no faults


class LocalRuntime:
    def __init__(self, options: RuntimeOptions | None = None) -> None:
        self.options = options or RuntimeOptions()
        self.clock = VirtualClock(speed=self.options.speed)
        self._mock: Any = None
        self._server: ApiServer | None = None
        self._data: DataFolder | None = None
        self.deployment: Deployment | None = None
        self.runner: FunctionRunner | None = None
        self.session: boto3.Session | None = None
        self._sfn: Any = None  # one Step Functions client: wait_for_executions polls it every 20 ms
        self.scheduler: Scheduler | None = None
        self.clock_waits: moto_hooks.ClockWaits | None = None
        self.archive: LocalArchive | None = None  # every event the template's ArchiveRule matches, as files
        self.ledger: Ledger | None = None
        self.queue_sources: QueueSources | None = None  # the functions' SQS events: batches of a queue's messages
        # Lambda targets of the bus run on their own threads: "settled" includes them, not only executions.
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()

    # --- lifecycle -------------------------------------------------------------------------------------------------

    def start(self) -> LocalRuntime:
        set_process_environment()
        self._mock = mock_aws(config=MOTO_CONFIG)
        self._mock.start()
        moto_hooks.quiet_state_machine_interpreter()
        self.session = boto3.Session(region_name=REGION)
        self._sfn = self.session.client("stepfunctions")
        if self.options.port is not None:
            self._bind_server()  # first: the default CORS origins and API_BASE_URL name the port it bound
        template = load_template(TEMPLATE_PATH)
        # Reports trail the pipeline by their batching window: shorter here, where one person watches the dashboard.
        overrides = {"AllowedOrigins": self.allowed_origins, "Stage": "local", "ReportsBatchingWindowSeconds": "2"}
        parameters = template_parameters(template, overrides)
        names = LocalNames(
            self.options.stack_name, REGION, ACCOUNT_ID, parameters, conditions=template.get("Conditions", {})
        )
        self.deployment = deploy(template, names, self.session)
        self.ledger = ledger_hooks.install(ledger_hooks.ledger_for(template, self.deployment))  # DELETE /_local/ledger
        self.runner = FunctionRunner(
            self.deployment.functions,
            ACCOUNT_ID,
            REGION,
            one_at_a_time={route.function for route in self.deployment.routes},
        )
        if self.options.faults:
            self.runner.faults.configure_json(self.options.faults, self.runner.logical_ids())
        # Built (and its expressions parsed) before anything else starts: a schedule it cannot fire fails start-up.
        self.scheduler = Scheduler(
            self.clock, self.deployment.schedules, self.runner, account_id=ACCOUNT_ID, region=REGION
        )
        if self._server is not None:
            self._server.routes = self.deployment.routes
        export_function_environment(self.deployment.functions, self.options.log_level, self.url)
        moto_hooks.run_lambdas_in_process(self.runner)
        self.archive = LocalArchive.of_stack(self.options.data_dir, names.refs, self.clock.now)
        moto_hooks.deliver_events_to_all_targets(self._invoke_async, self.archive.put_record)
        queues = None
        if self.options.data_dir is not None:
            self._data = DataFolder(self.options.data_dir, self.deployment.tables["LeadsTable"])
            self._data.restore_items()
            self._resume_clock()
            queues = self._data.restore_queues()
        moto_hooks.journal_queue_messages(queues.sent if queues else None, queues.deleted if queues else None)
        moto_hooks.serialise_dynamodb_writes(self._data.record_write if self._data else None)
        moto_hooks.spare_work_aws_does_not_do()  # after the above: it wraps their write methods
        self.clock_waits = moto_hooks.state_machines_follow_clock(self.clock)
        self._use_runtime_clock()
        self.load_config()
        if self._data is not None:
            resume_enrolments(self.session, self.deployment, self.table_items("LeadsTable"))
        self.scheduler.start(self._saved_schedules())
        sources = self.deployment.queue_sources
        self.queue_sources = QueueSources(sources, self.runner, account_id=ACCOUNT_ID, region=REGION).start()
        if self._server is not None:
            threading.Thread(target=self._server.serve_forever, name="leadflow-api", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self.scheduler is not None:
            self.scheduler.stop()
        try:
            self.wait_for_executions(timeout=10)
        except TimeoutError:  # still stop: the data folder must be closed and the clock saved whatever was running
            LOG.warning("stopping with work still running: it does not survive the restart")
        if self.queue_sources is not None:
            self.queue_sources.stop()
        self._stop_waiting_executions()
        if self._data is not None:
            self._data.close()
            self._clock_file().write_text(self.clock.now().isoformat(), encoding="utf-8")
            if self.scheduler is not None:
                self._schedules_file().write_text(json.dumps(self.scheduler.saved_state(), indent=1), encoding="utf-8")
        if self.archive is not None:
            self.archive.close()
        ledger_hooks.uninstall(self.ledger)
        if self._mock is not None:
            self._mock.stop()
            self._mock = None

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- environment -----------------------------------------------------------------------------------------------

    def _clock_file(self) -> Path:
        assert self.options.data_dir is not None
        return self.options.data_dir / "clock.txt"

    def _schedules_file(self) -> Path:
        assert self.options.data_dir is not None
        return self.options.data_dir / "schedules.json"

    def _saved_schedules(self) -> dict[str, Any] | None:
        """The timetable at the last stop: a daily job is not pushed back a day by every restart."""
        if self.options.data_dir is None or not self._schedules_file().exists():
            return None
        saved: dict[str, Any] = json.loads(self._schedules_file().read_text(encoding="utf-8"))
        return saved

    def _resume_clock(self) -> None:
        """A clock run fast or moved forward must not go back in time across a restart: stored data is in its future."""
        if self._clock_file().exists():
            saved = datetime.fromisoformat(self._clock_file().read_text(encoding="utf-8").strip())
            if saved > self.clock.now():
                self.clock.advance(saved - self.clock.now())

    def _use_runtime_clock(self) -> None:
        from leadflow import wiring
        from leadflow.api import intake_routes
        from leadflow.clock import use_clock

        use_clock(self.clock)
        wiring.reset()
        intake_routes.reset()

    @property
    def url(self) -> str:
        if self._server is not None:
            return f"http://{self.options.host}:{self._server.server_address[1]}"
        return f"http://{self.options.host}:{self.options.port or 0}"

    @property
    def allowed_origins(self) -> str:
        """The CORS origins the API answers: as configured, else the runtime's own page on the port it serves (a
        default fixed to port 3000 would refuse the dashboard's own origin when PORT changes)."""
        if self.options.allowed_origins is not None:
            return self.options.allowed_origins
        port = self._server.server_address[1] if self._server is not None else self.options.port or DEFAULT_PORT
        return f"http://localhost:{port},http://127.0.0.1:{port}"

    # --- invocation --------------------------------------------------------------------------------------------------

    def _invoke_async(self, function_name: str, event: Any) -> None:
        assert self.runner is not None
        runner = self.runner

        def run() -> None:
            try:
                runner(function_name, event)
            finally:
                with self._in_flight_lock:
                    self._in_flight -= 1

        with self._in_flight_lock:
            self._in_flight += 1
        threading.Thread(target=run, daemon=True).start()

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Call a function of the template directly, as `sam local invoke` would."""
        assert self.runner is not None
        return self.runner(self.runner.by_logical_id(logical_id), event)

    def _bind_server(self) -> None:
        """Bind before deploying (the port names the default origins); routes are filled in once deployed, and
        nothing is served until start() ends."""
        from infra.local.dashboard import Dashboard

        self._server = ApiServer(
            (self.options.host, self.options.port or 0),
            [],
            self._invoke_route,
            self.options.api_key,
            Dashboard(self).serve,
        )

    def _invoke_route(self, function_name: str, event: Any) -> Any:
        assert self.runner is not None
        return self.runner(function_name, event)

    # --- state machines ----------------------------------------------------------------------------------------------

    def executions(self) -> list[dict[str, Any]]:
        assert self._sfn is not None and self.deployment is not None
        found: list[dict[str, Any]] = []
        for arn in self.deployment.state_machines.values():
            found.extend(dict(e) for e in self._sfn.list_executions(stateMachineArn=arn)["executions"])
        return found

    def waiting_on_clock(self) -> set[str]:
        """Executions parked in a Wait state until the runtime's clock reaches their moment."""
        return self.clock_waits.executions() if self.clock_waits is not None else set()

    def _settled(self) -> bool:
        with self._in_flight_lock:
            if self._in_flight:
                return False
        waiting = self.waiting_on_clock()
        if not all(e["status"] != "RUNNING" or e["executionArn"] in waiting for e in self.executions()):
            return False
        # All else quiet: a queued batch goes now, not at the end of its window, which would have gathered no more.
        return self.queue_sources is None or not self.queue_sources.flush()

    def wait_for_executions(self, timeout: float = 30) -> None:
        """Block until the system is settled (tests; a clean stop): no bus-triggered function still running, and
        every execution finished or parked in a Wait state until the clock moves (an SLA timer, a nurture delay),
        which only `advance_clock` or real time will release.

        Limit: an execution with one Parallel branch parked in a Wait and another still working counts as settled.
        """
        if self.session is None or self.deployment is None or self._mock is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._settled():
                return
            time.sleep(0.02)
        raise TimeoutError(f"state machine executions still running after {timeout} s")

    def _stop_waiting_executions(self) -> None:
        """moto keeps no executions across a restart; stop the parked ones so their threads end with the runtime."""
        waiting = self.waiting_on_clock()
        if not waiting or self.session is None or self._mock is None:
            return
        for arn in waiting:
            self._sfn.stop_execution(executionArn=arn, cause="the local runtime stopped")
        LOG.warning("stopped %d execution(s) waiting on the clock: they do not survive a restart", len(waiting))

    def advance_clock(self, settle_timeout: float = 30, **delta: float) -> list[Firing]:
        """Move the clock forward (`advance_clock(days=1)`) and return once what the move set off has settled.

        Wait states whose moment has come continue; every schedule that came due fires once for the whole jump
        (not once per period skipped, as a late EventBridge delivery would); then this waits as
        `wait_for_executions` does, so a test can read the results straight after. Returns the schedules' runs.
        """
        if self.scheduler is None:
            self.clock.advance(timedelta(**delta))
            return []
        with self.scheduler.paused():  # the runs due after the jump are this call's, not the background thread's
            self.clock.advance(timedelta(**delta))
            fired = self.scheduler.run_due()
        self.wait_for_executions(timeout=settle_timeout)
        return fired

    def fire_schedule(self, function_logical_id: str, event_id: str | None = None) -> Firing:
        """Run a function's schedule now, as if it had come due, and wait until it settled; raises what it raised."""
        assert self.scheduler is not None
        firing = self.scheduler.fire(function_logical_id, event_id, raise_errors=True)
        self.wait_for_executions()
        return firing

    def schedules(self) -> list[dict[str, Any]]:
        """Every schedule with its expression and next fire time on the runtime's clock."""
        return self.scheduler.describe() if self.scheduler is not None else []

    # --- config ------------------------------------------------------------------------------------------------------

    def load_config(self, folder: Path = CONFIG_DIR) -> dict[str, int]:
        """Publish infra/config/*.yaml (the nurture document with templates/*.yaml) to the config table, unless the
        active version already has the same content."""
        from leadflow import wiring
        from leadflow.models.rules import parse_ruleset

        store = wiring.config_store()
        versions = {}
        for kind in CONFIG_DOCUMENTS:
            body = read_document(kind, folder)
            parse_ruleset(kind, body)  # a broken file fails start-up, naming the rule
            active = store.active(kind)
            if active is not None and active[1] == body:
                versions[kind] = active[0]
            else:
                versions[kind] = store.publish(kind, body)
        return versions

    # --- persistence -------------------------------------------------------------------------------------------------

    def table_items(self, logical_id: str) -> list[dict[str, Any]]:
        """Every item of a table as plain Python values (dashboard and tests; never on a request path)."""
        assert self.deployment is not None
        table = dynamodb_backend().get_table(self.deployment.tables[logical_id])
        deserializer = TypeDeserializer()
        return [
            {k: deserializer.deserialize(v) for k, v in item.to_json()["Attributes"].items()}
            for item in table.all_items()
        ]

    def notifications(self) -> list[dict[str, Any]]:
        """The reps' notifications on the outbox table (which also holds the mail log's emails to leads)."""
        return [item for item in self.table_items("OutboxTable") if str(item.get("pk", "")).startswith("NOTIFY#")]

    def emails(self) -> list[dict[str, Any]]:
        """The mail log's emails to leads on the outbox table (locally, what SES would have sent)."""
        return [item for item in self.table_items("OutboxTable") if str(item.get("pk", "")).startswith("MAIL#")]

    # --- dead letters ----------------------------------------------------------------------------------------------

    def dead_letters(self) -> list[dict[str, Any]]:
        assert self.session is not None and self.deployment is not None
        sqs = self.session.client("sqs")
        url = self.deployment.queues["PipelineDeadLetterQueue"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        return [{"queue": url, "messages": int(attributes["Attributes"]["ApproximateNumberOfMessages"])}]

    def dead_letter_bodies(self) -> list[str]:
        """The bodies of the pipeline's dead letters, read without receiving them (nothing becomes invisible)."""
        assert self.deployment is not None
        name = self.deployment.queues["PipelineDeadLetterQueue"].rsplit("/", 1)[-1]
        return [message.body for message in list(sqs_backends[ACCOUNT_ID][REGION].queues[name]._messages)]

    def redrive(self) -> int:
        from infra.local.redrive import redrive_pipeline_failures

        assert self.session is not None and self.deployment is not None
        return redrive_pipeline_failures(
            self.session, self.deployment.queues["PipelineDeadLetterQueue"], os.environ["EVENT_BUS_NAME"]
        )
