"""`leadflow` command: run the local stack, push config to a deployed stack, redrive failed pipeline runs, rebuild
the report projection, find duplicate leads in a CSV file, train and apply the predictive lead score, price leads on
AWS."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from infra.cli import CONFIG_DIR, cost, dedupe, model

DEFAULT_DATA_DIR = Path(".leadflow-data")
CONFIG_DIR_DEFAULT = CONFIG_DIR


def _run(args: argparse.Namespace) -> int:
    from leadflow.log_masking import MaskingFilter

    from infra.local.banner import describe
    from infra.local.runtime import LocalRuntime, RuntimeOptions

    # The runtime's own console lines (a failed scheduled run quotes its error) are masked like the functions' lines.
    # On the `infra` logger, not the root: the functions' Powertools lines would reach a root handler a second time.
    console = logging.StreamHandler()
    console.addFilter(MaskingFilter())
    logging.getLogger("infra").addHandler(console)

    options = RuntimeOptions(
        port=args.port,
        host=args.host,
        data_dir=Path(args.data_dir),
        api_key=os.environ.get("LEADFLOW_API_KEY", "local-dev-key"),
        speed=args.speed,
        # Unset: the runtime's own origins on --port, so a page it serves can post the form on any port.
        allowed_origins=os.environ.get("LEADFLOW_ALLOWED_ORIGINS") or None,
        log_level=os.environ.get("LEADFLOW_LOG_LEVEL", "WARNING"),
        faults=os.environ.get("LEADFLOW_FAULTS") or None,
    )
    runtime = LocalRuntime(options).start()
    print(describe(runtime), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    print("stopping: saving data to", options.data_dir, flush=True)
    runtime.stop()
    return 0


def _redrive(args: argparse.Namespace) -> int:
    import boto3

    from infra.local.redrive import redrive_local, redrive_pipeline_failures

    if args.local is not None:
        count = redrive_local(args.local, os.environ.get("LEADFLOW_API_KEY", "local-dev-key"))
    elif args.queue_url and args.bus:
        count = redrive_pipeline_failures(boto3.Session(), args.queue_url, args.bus)
    else:
        print("leadflow redrive: give --queue-url and --bus (a deployed stack), or --local", file=sys.stderr)
        return 2
    print(f"redrove {count} failed submission(s)")
    return 0


def _reports_rebuild(args: argparse.Namespace) -> int:
    from infra.local.report_rebuild import rebuild_local, rebuild_tables, report, stack_tables

    started = time.monotonic()
    if args.local is not None:
        key = os.environ.get("LEADFLOW_API_KEY", "local-dev-key")
        outcome = rebuild_local(args.local, key, fresh=args.fresh, check=args.check)
    else:
        import boto3

        session = boto3.Session()
        if args.stack:
            leads_name, reports_name = stack_tables(session, args.stack)
        elif args.leads_table and args.reports_table:
            leads_name, reports_name = args.leads_table, args.reports_table
        else:
            print(
                "leadflow reports rebuild: give --stack, or --leads-table and --reports-table (a deployed stack), "
                "or --local",
                file=sys.stderr,
            )
            return 2
        dynamodb = session.resource("dynamodb")
        tables = dynamodb.Table(leads_name), dynamodb.Table(reports_name)
        outcome = rebuild_tables(*tables, fresh=args.fresh, check=args.check)
    print(report(outcome, fresh=args.fresh, check=args.check, seconds=time.monotonic() - started))
    return 1 if outcome.differences else 0


def _add_reports(commands: Any) -> None:
    reports = commands.add_parser("reports", help="operate the report projection")
    rebuild = reports.add_subparsers(dest="reports_command", required=True).add_parser(
        "rebuild",
        help="recompute the report projection from the leads table",
        description="Recompute the report projection from the leads table (after a fix, or for a new report). "
        "By default in place: each lead is re-projected against its stored contribution, which is safe while "
        "events arrive. --fresh clears the projection first: live events arriving during a fresh rebuild may "
        "be counted twice or not at all, so disable the stack's ReportsEventsRule meanwhile or rebuild into a new "
        "table.",
    )
    stack = rebuild.add_mutually_exclusive_group()
    stack.add_argument("--stack", help="a deployed stack's name: its LeadsTable and ReportsTable")
    stack.add_argument(
        "--local",
        nargs="?",
        const=f"http://127.0.0.1:{os.environ.get('PORT', '3000')}",
        help="rebuild in the running local runtime instead (default http://127.0.0.1:$PORT)",
    )
    rebuild.add_argument("--leads-table", help="the stack's LeadsTableName output")
    rebuild.add_argument("--reports-table", help="the stack's reports table (ReportsTable)")
    mode = rebuild.add_mutually_exclusive_group()
    mode.add_argument(
        "--fresh",
        action="store_true",
        help="clear the projection first (a new table, or cells written by hand); live events arriving meanwhile "
        "may be counted twice or not at all: pause them or rebuild into a new table",
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="change nothing: rebuild into memory and print where the projection differs (exit 1 when it does)",
    )
    rebuild.set_defaults(func=_reports_rebuild)


def _config_push(args: argparse.Namespace) -> int:
    import boto3
    from leadflow.adapters.dynamodb import DynamoConfigStore
    from leadflow.models.rules import RULESET_KINDS, parse_ruleset

    from infra.config_documents import read_document

    store = DynamoConfigStore(boto3.resource("dynamodb").Table(args.table))
    for kind in args.kinds or list(RULESET_KINDS):
        body = read_document(kind, Path(args.folder))
        parse_ruleset(kind, body)
        print(f"{kind}: version {store.publish(kind, body)} active")
    return 0


def _schemas(args: argparse.Namespace) -> int:
    from infra.local.schemas import write_contracts

    for path in write_contracts():
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="leadflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the local stack (API, state machines, bus, dashboard)")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--data-dir", default=os.environ.get("LEADFLOW_DATA_DIR", str(DEFAULT_DATA_DIR)))
    run.add_argument(
        "--speed",
        type=float,
        default=float(os.environ.get("LEADFLOW_CLOCK_SPEED", "1")),
        help="how many times faster than real time the runtime's clock runs",
    )
    run.set_defaults(func=_run)

    push = commands.add_parser(
        "config-push",
        help="publish infra/config/*.yaml (nurture with templates/*.yaml) to a deployed stack's config table",
    )
    push.add_argument("--table", required=True, help="the stack's ConfigTableName output")
    push.add_argument("--folder", default=str(CONFIG_DIR_DEFAULT))
    push.add_argument("kinds", nargs="*", help="rule sets to publish (default: every one in infra/config)")
    push.set_defaults(func=_config_push)

    redrive = commands.add_parser("redrive", help="republish the submissions in the pipeline dead-letter queue")
    redrive.add_argument("--queue-url", help="the stack's PipelineDeadLetterQueueUrl output")
    redrive.add_argument("--bus", help="the stack's EventBusName output")
    redrive.add_argument(
        "--local",
        nargs="?",
        const=f"http://127.0.0.1:{os.environ.get('PORT', '3000')}",
        help="redrive the running local runtime's dead-letter queue instead (default http://127.0.0.1:$PORT)",
    )
    redrive.set_defaults(func=_redrive)

    _add_reports(commands)

    schemas = commands.add_parser("schemas", help="regenerate infra/schemas/ (event schemas and OpenAPI) from the code")
    schemas.set_defaults(func=_schemas)

    dedupe_command = commands.add_parser(
        "dedupe", help="list the duplicate leads in a CSV file: pairs to merge or to review"
    )
    dedupe.add_arguments(dedupe_command)

    model_command = commands.add_parser(
        "model", help="train, evaluate and apply the predictive lead score on CSV files"
    )
    model.add_arguments(model_command)

    cost_command = commands.add_parser(
        "cost", help="what leads cost on AWS at list prices, from the request ledger", description=cost.__doc__
    )
    cost.add_arguments(cost_command)

    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
