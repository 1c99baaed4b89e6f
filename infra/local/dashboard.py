"""The local dashboard: leads by stage, the notification outbox, pipeline executions, dead letters, the clock and
the schedules; and the runtime's controls for scripts and e2e tests:

- `POST /_local/clock/advance` with `{"days": 1}` (weeks/days/hours/minutes/seconds): move the clock forward, fire
  the schedules that came due, answer once everything settled with the new time and the schedules' runs;
- `POST /_local/schedules/<FunctionLogicalId>/fire`: run a function's schedule now;
- `POST /_local/clock?hours=24` (the dashboard's buttons) and `GET /_local/state`;
- `POST /_local/redrive`: republish every failed run in the pipeline's dead-letter queue (`{"redriven": n}`);
- `POST /_local/events` with a JSON list of events (`source`, `detail-type`, `detail`, as the archive keeps them):
  put them on the bus again, as a redelivery or a replay would (`{"published": n}` once settled);
- `POST /_local/reports/rebuild` with `{"fresh": false, "check": false}`: rebuild the report projection from the
  leads table, or check it against a rebuild (`{"leads", "changed", "forgotten", "differences"}`);
- `GET /_local/faults`, `POST /_local/faults` with `{"NotifyFunction": {"rate": 0.1, "kind": "raise"}, "seed": 7}`:
  the failures injected into functions (raise, timeout, throttle; infra/local/faults.py), `{}` for none;
- `DELETE /_local/ledger` (start counting AWS requests afresh), `GET /_local/ledger[?calls=1]` (infra/local/ledger.py).

Every one of them first passes the control plane's guard (infra/local/control_plane.py): the runtime's own Host, no
cross-site request, and the API key (`x-api-key`, or the cookie `/?key=...` and the login form set for a browser).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from leadflow.adapters import layout

from infra.local.clock import VirtualClock
from infra.local.control_plane import ControlPlaneGuard
from infra.local.deployment import Deployment
from infra.local.handlers import FunctionRunner
from infra.local.ledger import Ledger, ledger_page
from infra.local.scheduler import Firing


class _Options(Protocol):
    @property
    def api_key(self) -> str: ...
    @property
    def host(self) -> str: ...


class Runtime(Protocol):
    """What the dashboard asks of the local runtime (infra.local.runtime.LocalRuntime, which serves it): a protocol,
    so the runtime can import the dashboard without the dashboard importing the runtime back."""

    @property
    def url(self) -> str: ...
    @property
    def options(self) -> _Options: ...
    @property
    def clock(self) -> VirtualClock: ...
    @property
    def runner(self) -> FunctionRunner | None: ...
    @property
    def deployment(self) -> Deployment | None: ...
    def wait_for_executions(self, timeout: float = ...) -> None: ...
    def advance_clock(self, settle_timeout: float = ..., **delta: float) -> list[Firing]: ...
    def fire_schedule(self, function_logical_id: str, event_id: str | None = ...) -> Firing: ...
    def redrive(self) -> int: ...
    def table_items(self, logical_id: str) -> list[dict[str, Any]]: ...
    def notifications(self) -> list[dict[str, Any]]: ...
    def emails(self) -> list[dict[str, Any]]: ...
    def executions(self) -> list[dict[str, Any]]: ...
    def dead_letters(self) -> list[dict[str, Any]]: ...
    def schedules(self) -> list[dict[str, Any]]: ...
    @property
    def ledger(self) -> Ledger | None: ...


_STYLE = (
    "body{font:14px system-ui,sans-serif;margin:24px;color:#1d2430}"
    "table{border-collapse:collapse;margin:8px 0 24px}"
    "td,th{border-bottom:1px solid #dde;padding:4px 10px;text-align:left}h2{margin-top:28px}"
    ".mql{color:#0a7d32;font-weight:600}form{display:inline}button{margin-right:4px}"
    "code{background:#f2f3f7;padding:1px 4px}"
)
_BACK = b'<!doctype html><meta http-equiv="refresh" content="0;url=/">'
_CLOCK_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
_FIRE = re.compile(r"^/_local/schedules/([A-Za-z0-9]+)/fire$")
JSON = "application/json"
HTML = "text/html; charset=utf-8"
LEAD_PARTITION = layout.lead_key("")["pk"]  # "LEAD#": account profiles share the sort key "PROFILE"


def _message(status: int, message: str) -> tuple[int, str, bytes]:
    return status, JSON, json.dumps({"message": message}).encode()


class _Raw(str):
    """A cell that is already HTML (a button)."""


def _cell(value: Any) -> str:
    return value if isinstance(value, _Raw) else html.escape(str(value))


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _firing(firing: Any) -> dict[str, Any]:
    return {"function": firing.function, "event": firing.event_id, "at": firing.at.isoformat(), "error": firing.error}


def _schedule_row(schedule: dict[str, Any]) -> list[Any]:
    run_now = f"/_local/schedules/{schedule['function']}/fire?then=dashboard&event={schedule['event']}"
    return [
        schedule["function"],
        schedule["expression"],
        schedule["next_fire"] or "—",
        schedule["last_fired"] or "—",
        schedule["runs"],
        schedule["last_error"] or "",
        _Raw(_button(run_now, "Run now")),
    ]


def _button(action: str, label: str, hours: float | None = None) -> str:
    field = f'<input type="hidden" name="hours" value="{hours:g}">' if hours is not None else ""
    return f'<form method="post" action="{html.escape(action)}">{field}<button>{html.escape(label)}</button></form>'


class Dashboard:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._guard: ControlPlaneGuard | None = None

    @property
    def guard(self) -> ControlPlaneGuard:
        if self._guard is None:  # the port is known once the server is bound
            port = urlsplit(self.runtime.url).port or 80
            self._guard = ControlPlaneGuard(self.runtime.options.api_key, port, self.runtime.options.host)
        return self._guard

    def serve(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, str, bytes, dict[str, str]]:
        """One request to the control plane, guarded; `headers` have lower-case names. Answers (status, content
        type, body, extra headers)."""
        guard = self.guard
        login = path == "/_local/login" and method == "POST"
        key = _form(body).get("key") if login else None
        if path == "/" and query.get("key"):
            key = query["key"][-1]
        if key is not None:
            # The key travels once, in a same-origin form post or a typed URL; the cookie carries it from then on.
            refused = guard.refuse(method, {**headers, "x-api-key": key})
            if refused is None:
                return 303, HTML, b"", {"Location": "/", "Set-Cookie": guard.session_cookie()}
        else:
            refused = guard.refuse(method, headers)
        if refused is not None:
            if refused.needs_key and (path == "/" or login):
                wrong = "That is not the API key." if key is not None else ""
                return refused.status, HTML, _login_page(wrong).encode(), {}
            status, content_type, page = _message(refused.status, refused.message)
            return status, content_type, page, {}
        return (*self.page(method, path, query, body), {})

    def page(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> tuple[int, str, bytes]:
        if path == "/_local/state":
            return 200, "application/json", json.dumps(self.state(), default=str).encode()
        if path == "/_local/clock" and method == "POST":
            return self._advance_hours(query, body)
        if path == "/_local/clock/advance" and method == "POST":
            return self._advance(body)
        if (fire := _FIRE.match(path)) and method == "POST":
            return self._fire(fire.group(1), query)
        any_method = {
            "/_local/faults": lambda: self._faults(method, body),
            "/_local/ledger": lambda: ledger_page(self.runtime.ledger, method, with_calls=query.get("calls") == ["1"]),
        }
        if path in any_method:
            return any_method[path]()
        controls = {
            "/_local/redrive": lambda: self._redrive(query),
            "/_local/reports/rebuild": lambda: self._rebuild_reports(body),
            "/_local/events": lambda: self._replay(body),
        }
        if method == "POST" and path in controls:
            return controls[path]()
        if path == "/":
            return 200, "text/html; charset=utf-8", self.html().encode()
        return 404, "application/json", json.dumps({"message": f"{path}: no such local page"}).encode()

    def _advance_hours(self, query: dict[str, list[str]], body: bytes) -> tuple[int, str, bytes]:
        form = dict(p.split("=", 1) for p in body.decode().split("&") if "=" in p)
        try:
            hours = float(form.get("hours") or query.get("hours", ["0"])[0])
            self.runtime.advance_clock(hours=hours)
        except ValueError as exc:
            return _message(400, f"hours: {exc}")
        except TimeoutError as exc:
            return _message(504, str(exc))
        return 200, "text/html", _BACK

    def _advance(self, body: bytes) -> tuple[int, str, bytes]:
        try:
            delta = json.loads(body or b"{}")
            if not isinstance(delta, dict) or not delta or set(delta) - set(_CLOCK_UNITS):
                raise ValueError(f'send a JSON object with some of {", ".join(_CLOCK_UNITS)}, e.g. {{"days": 1}}')
            if not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in delta.values()):
                raise ValueError("amounts are numbers >= 0: the clock only moves forward")
            fired = self.runtime.advance_clock(**delta)
        except ValueError as exc:
            return _message(400, str(exc))
        except TimeoutError as exc:
            return _message(504, str(exc))
        document = {"clock": self.runtime.clock.now().isoformat(), "fired": [_firing(f) for f in fired]}
        return 200, JSON, json.dumps(document).encode()

    def _redrive(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        redriven = self.runtime.redrive()
        if query.get("then") == ["dashboard"]:
            return 200, "text/html", _BACK
        return 200, JSON, json.dumps({"redriven": redriven}).encode()

    def _rebuild_reports(self, body: bytes) -> tuple[int, str, bytes]:
        import boto3

        from infra.local.report_rebuild import LEADS_TABLE, REPORTS_TABLE, read_request, rebuild_tables

        try:
            options = read_request(body)
        except ValueError as exc:
            return _message(400, str(exc))
        deployment = self.runtime.deployment
        assert deployment is not None
        dynamodb = boto3.resource("dynamodb")  # the runtime's moto serves every client of this process
        leads, reports = (dynamodb.Table(deployment.tables[name]) for name in (LEADS_TABLE, REPORTS_TABLE))
        outcome = rebuild_tables(leads, reports, **options)
        return 200, JSON, json.dumps(outcome.as_json()).encode()

    def _replay(self, body: bytes) -> tuple[int, str, bytes]:
        import boto3

        from infra.local.event_replay import publish, read_events

        try:
            events = read_events(body)
        except ValueError as exc:
            return _message(400, str(exc))
        deployment = self.runtime.deployment
        assert deployment is not None
        events_client = boto3.client("events")  # the runtime's moto serves every client of this process
        published = publish(events_client, deployment.names.refs["LeadflowBus"], events)
        self.runtime.wait_for_executions()
        return 200, JSON, json.dumps({"published": published}).encode()

    def _faults(self, method: str, body: bytes) -> tuple[int, str, bytes]:
        """GET: the faults in force and how many were injected; POST: replace them (`{}` clears every one)."""
        runner = self.runtime.runner
        assert runner is not None
        if method == "POST":
            try:
                runner.faults.configure_json(body.decode("utf-8", errors="replace") or "{}", runner.logical_ids())
            except ValueError as exc:
                return _message(400, str(exc))
        return 200, JSON, json.dumps(runner.faults.describe()).encode()

    def _fire(self, logical_id: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        try:
            event_id = query["event"][0] if query.get("event") else None
            firing = self.runtime.fire_schedule(logical_id, event_id)
        except KeyError as exc:
            return _message(404, str(exc.args[0]))
        except TimeoutError as exc:
            return _message(504, str(exc))
        except Exception as exc:  # noqa: BLE001 - the function's own failure is the answer
            return _message(502, f"{logical_id} failed: {type(exc).__name__}: {exc}")
        if query.get("then") == ["dashboard"]:
            return 200, "text/html", _BACK
        return 200, JSON, json.dumps(_firing(firing)).encode()

    def state(self) -> dict[str, Any]:
        leads = sorted(
            (i for i in self.runtime.table_items("LeadsTable") if _is_lead(i)),
            key=lambda i: str(i.get("created_at")),
            reverse=True,
        )
        outbox = sorted(self.runtime.notifications(), key=lambda i: str(i.get("created_at")), reverse=True)
        emails = sorted(self.runtime.emails(), key=lambda i: str(i.get("created_at")), reverse=True)
        executions = sorted(self.runtime.executions(), key=lambda e: str(e["startDate"]), reverse=True)
        return {
            "clock": self.runtime.clock.now().isoformat(),
            "leads": leads[:100],
            "outbox": outbox[:50],
            "emails": emails[:50],
            "executions": [
                {"name": e["name"], "status": e["status"], "started": e["startDate"]} for e in executions[:50]
            ],
            "dead_letters": self.runtime.dead_letters(),
            "schedules": self.runtime.schedules(),
        }

    def html(self) -> str:
        state = self.state()
        leads = _table(
            ["lead", "email", "company", "stage", "score", "owner"],
            [
                [
                    lead.get("lead_id"),
                    lead.get("email"),
                    lead.get("company") or "",
                    lead.get("stage"),
                    _score_summary(lead.get("score")),
                    lead.get("owner_id") or "",
                ]
                for lead in state["leads"]
            ],
        )
        outbox = _table(
            ["queued", "rep", "subject"],
            [[n.get("created_at"), n.get("rep_id"), n.get("subject")] for n in state["outbox"]],
        )
        emails = _table(
            ["sent", "to", "kind", "subject", "track / step / variant"],
            [
                [
                    m.get("created_at"),
                    m.get("to"),
                    m.get("kind"),
                    m.get("subject"),
                    " / ".join(str(m.get("tags", {}).get(k, "")) for k in ("track", "step", "variant")).strip(" /"),
                ]
                for m in state["emails"]
            ],
        )
        executions = _table(
            ["started", "status", "execution"], [[e["started"], e["status"], e["name"]] for e in state["executions"]]
        )
        schedules = _table(
            ["function", "schedule", "next fire (runtime clock)", "last fired", "runs", "last error", ""],
            [_schedule_row(s) for s in state["schedules"]],
        )
        dead = sum(d["messages"] for d in state["dead_letters"])
        clock = f"{html.escape(state['clock'])} (x{self.runtime.clock.speed:g})"
        return f"""<!doctype html><html><head><meta charset="utf-8"><title>leadflow local</title>
<meta http-equiv="refresh" content="3"><style>{_STYLE}</style></head><body>
<h1>leadflow — local runtime</h1>
<p>Clock: <b>{clock}</b> {_button("/_local/clock", "+1 hour", 1)} {_button("/_local/clock", "+1 day", 24)}</p>
<p>Dead letters: <b>{dead}</b> {_button("/_local/redrive?then=dashboard", "Redrive")}
&nbsp; <a href="/v1/openapi.json">OpenAPI</a> &nbsp; <a href="/_local/state">state as JSON</a>
&nbsp; <a href="/dashboard">Product dashboard</a> (reports, leads, duplicates: the one a deployed stack serves)</p>
<h2>Leads</h2>{leads}<h2>Outbox (to reps)</h2>{outbox}<h2>Emails to leads</h2>{emails}
<h2>Executions</h2>{executions}
<h2>Schedules</h2>{schedules}
</body></html>"""


def _is_lead(item: dict[str, Any]) -> bool:
    return item.get("sk") == "PROFILE" and str(item.get("pk", "")).startswith(LEAD_PARTITION)


def _form(body: bytes) -> dict[str, str]:
    try:
        return {k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()}
    except UnicodeDecodeError:
        return {}


def _login_page(problem: str) -> str:
    note = f"<p><b>{html.escape(problem)}</b></p>" if problem else ""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>leadflow local</title>
<style>{_STYLE}</style></head><body><h1>leadflow — local runtime</h1>{note}
<p>The dashboard shows lead data: enter the runtime's API key (<code>LEADFLOW_API_KEY</code>).</p>
<form method="post" action="/_local/login"><input type="password" name="key" autofocus>
<button>Open the dashboard</button></form></body></html>"""


def _score_summary(score: dict[str, Any] | None) -> str:
    """`A2 (70 + 40.5)`: the grade cell, then fit and engagement as scored last (engagement decays from there)."""
    if not score:
        return ""
    return f"{score.get('grade', '')}{score.get('level', '')} ({score.get('fit', '')} + {score.get('engagement', '')})"
