"""The local runtime's own pages and controls (`/`, `/_local/*`) answer only the developer: a request must name the
runtime as its Host, a state-changing one must not come from another site, and each needs the API key (a header, or
the dashboard's cookie). Driven without a browser, with http.client, the way a hostile page's requests would arrive."""

from __future__ import annotations

import http.client
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from infra.cli import main as cli
from infra.local.banner import describe
from infra.local.dashboard import Dashboard
from infra.local.runtime import LocalRuntime, RuntimeOptions
from tests.http_client import Client

KEY = "local-dev-key"
ADVANCE = json.dumps({"hours": 1}).encode()


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.body = response.read()
        self.headers = {k.lower(): v for k, v in response.getheaders()}

    def json(self) -> Any:
        return json.loads(self.body)


def send(runtime: LocalRuntime, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> Answer:
    """One raw request; `headers` are sent as given (a `Host` in them replaces the one http.client would send)."""
    port = int(runtime.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body or b""))}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        return Answer(connection.getresponse())
    finally:
        connection.close()


def own_host(runtime: LocalRuntime) -> str:
    return runtime.url.removeprefix("http://")


def clock(runtime: LocalRuntime) -> datetime:
    return runtime.clock.now()


@pytest.mark.parametrize("path", ["/", "/_local/state"])
@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1.nip.io:{port}", "localhost:1"])
def test_a_page_under_a_foreign_host_name_cannot_read_the_control_plane(
    runtime: LocalRuntime, path: str, host: str
) -> None:
    foreign = host.format(port=runtime.url.rsplit(":", 1)[1])

    answer = send(runtime, "GET", path, {"Host": foreign, "x-api-key": KEY})

    assert answer.status == 403
    assert answer.headers["content-type"] == "application/json" and foreign in answer.json()["message"]


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "[::1]"])
def test_the_runtime_own_host_names_are_accepted(runtime: LocalRuntime, name: str) -> None:
    port = runtime.url.rsplit(":", 1)[1]

    answer = send(runtime, "GET", "/_local/state", {"Host": f"{name}:{port}", "x-api-key": KEY})

    assert answer.status == 200 and "leads" in answer.json()


@pytest.mark.parametrize("path", ["/_local/state", "/"])
@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_the_control_plane_needs_the_api_key(runtime: LocalRuntime, path: str, key: str | None) -> None:
    headers = {"Host": own_host(runtime)} | ({"x-api-key": key} if key is not None else {})

    answer = send(runtime, "GET", path, headers)

    assert answer.status == 401
    assert b"dana" not in answer.body.lower() and b'"leads"' not in answer.body


@pytest.mark.parametrize(
    "crossing",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://localhost:1"},  # another local server: same site, but not this runtime
        {"Origin": "null"},  # a sandboxed frame or a file
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
@pytest.mark.parametrize("path", ["/_local/clock/advance", "/_local/clock?hours=1", "/_local/redrive"])
def test_a_cross_site_request_cannot_use_a_control(runtime: LocalRuntime, crossing: dict[str, str], path: str) -> None:
    before = clock(runtime)

    answer = send(runtime, "POST", path, {"Host": own_host(runtime), "x-api-key": KEY, **crossing}, ADVANCE)

    assert answer.status == 403 and "cross-site" in answer.json()["message"]
    assert clock(runtime) - before < timedelta(minutes=30)  # real time ran on; nobody moved it an hour


def test_a_control_from_the_runtime_own_origin_with_the_key_is_obeyed(runtime: LocalRuntime) -> None:
    before = clock(runtime)
    headers = {
        "Host": own_host(runtime),
        "Origin": runtime.url,
        "Sec-Fetch-Site": "same-origin",
        "x-api-key": KEY,
        "content-type": "application/json",
    }

    answer = send(runtime, "POST", "/_local/clock/advance", headers, json.dumps({"minutes": 1}).encode())

    assert answer.status == 200
    assert datetime.fromisoformat(answer.json()["clock"]) - before >= timedelta(minutes=1)


def test_a_script_without_origin_headers_uses_the_controls_with_the_key(client: Client) -> None:
    reply = client.request("POST", "/_local/clock/advance", json.dumps({"seconds": 1}).encode())

    assert reply.status == 200


def test_the_dashboard_takes_the_key_once_and_keeps_it_in_a_strict_http_only_cookie(runtime: LocalRuntime) -> None:
    host = {"Host": own_host(runtime)}

    login = send(runtime, "GET", "/", host)
    wrong = send(runtime, "GET", "/?key=guess", host)
    right = send(runtime, "GET", f"/?key={KEY}", host)

    assert login.status == 401 and b'action="/_local/login"' in login.body
    assert wrong.status == 401 and b"not the API key" in wrong.body and "set-cookie" not in wrong.headers
    assert right.status == 303 and right.headers["location"] == "/"  # the key leaves the address bar
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and KEY not in cookie
    session = {**host, "Cookie": cookie.split(";", 1)[0]}
    assert send(runtime, "GET", "/", session).status == 200
    assert send(runtime, "GET", "/_local/state", session).status == 200
    button = send(runtime, "POST", "/_local/clock", {**session, "Origin": runtime.url}, b"hours=0")
    forged = send(runtime, "POST", "/_local/clock", {**session, "Origin": "https://evil.example"}, b"hours=720")
    assert button.status == 200 and forged.status == 403


def test_the_login_form_sets_the_cookie_for_the_right_key_only(runtime: LocalRuntime) -> None:
    headers = {
        "Host": own_host(runtime),
        "Origin": runtime.url,
        "content-type": "application/x-www-form-urlencoded",
    }

    accepted = send(runtime, "POST", "/_local/login", headers, f"key={KEY}".encode())
    refused = send(runtime, "POST", "/_local/login", headers, b"key=guess")
    forged = send(
        runtime, "POST", "/_local/login", {**headers, "Origin": "https://evil.example"}, f"key={KEY}".encode()
    )

    assert accepted.status == 303 and "set-cookie" in accepted.headers
    assert refused.status == 401 and "set-cookie" not in refused.headers
    assert forged.status == 403 and "set-cookie" not in forged.headers


def test_the_api_routes_answer_any_host_as_api_gateway_does(runtime: LocalRuntime) -> None:
    answer = send(runtime, "GET", "/v1/openapi.json", {"Host": "evil.example"})

    assert answer.status == 200


def test_the_dashboard_lists_leads_only_not_their_accounts(runtime: LocalRuntime, client: Client) -> None:
    reply = client.post_lead(
        {"email": "ines.moreau@dashboard-accounts.example", "first_name": "Ines", "company": "Dashboard Accounts"}
    )
    lead_id = client.wait_for_submission(reply.json()["submission_id"])["lead_id"]
    profiles = [i for i in runtime.table_items("LeadsTable") if i.get("sk") == "PROFILE"]
    assert any(not str(i["pk"]).startswith("LEAD#") for i in profiles), "no account profile to leave out"

    dashboard = Dashboard(runtime)
    leads = dashboard.state()["leads"]

    assert lead_id in [lead["lead_id"] for lead in leads]
    assert all(lead.get("lead_id") and lead.get("email") for lead in leads)
    assert "<td>None</td>" not in dashboard.html()


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1"])
def test_the_default_cors_origins_follow_the_port_the_runtime_serves(runtime: LocalRuntime, name: str) -> None:
    own = f"http://{name}:{runtime.url.rsplit(':', 1)[1]}"
    preflight = {"Host": own_host(runtime), "Origin": own, "Access-Control-Request-Method": "POST"}

    answer = send(runtime, "OPTIONS", "/v1/leads", preflight)
    port_3000 = send(runtime, "OPTIONS", "/v1/leads", {**preflight, "Origin": f"http://{name}:3000"})

    assert runtime.url.rsplit(":", 1)[1] != "3000"
    assert answer.status == 204 and answer.headers["access-control-allow-origin"] == own
    assert port_3000.status == 403


def test_configured_cors_origins_are_kept_as_given() -> None:
    options = RuntimeOptions(port=None, allowed_origins="https://www.example.com")

    assert LocalRuntime(options).allowed_origins == "https://www.example.com"
    assert LocalRuntime(RuntimeOptions(port=8080)).allowed_origins == "http://localhost:8080,http://127.0.0.1:8080"


def test_the_leadflow_command_leaves_the_origins_to_the_port_unless_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[RuntimeOptions] = []

    class Started(Exception):
        pass

    def capture(options: RuntimeOptions) -> Any:
        started.append(options)
        raise Started

    monkeypatch.setattr("infra.local.runtime.LocalRuntime", capture)
    monkeypatch.delenv("LEADFLOW_ALLOWED_ORIGINS", raising=False)
    with pytest.raises(Started):
        cli.main(["run", "--port", "8080", "--data-dir", "unused"])
    monkeypatch.setenv("LEADFLOW_ALLOWED_ORIGINS", "https://www.example.com")
    with pytest.raises(Started):
        cli.main(["run", "--port", "8080", "--data-dir", "unused"])

    assert [o.allowed_origins for o in started] == [None, "https://www.example.com"]


def test_the_dashboard_link_the_runtime_prints_logs_the_browser_in(runtime: LocalRuntime) -> None:
    (link,) = [line.split("dashboard: ", 1)[1] for line in describe(runtime).splitlines() if "dashboard: " in line]

    answer = send(runtime, "GET", link.removeprefix(runtime.url), {"Host": own_host(runtime)})

    assert answer.status == 303 and "HttpOnly" in answer.headers["set-cookie"]


def test_the_local_panel_links_to_the_product_dashboard_which_the_runtime_serves_as_the_template_does(
    runtime: LocalRuntime,
) -> None:
    # the local-only panel points at the product dashboard, the one a deployed stack serves too
    assert 'href="/dashboard"' in Dashboard(runtime).html()

    # served from the template's DashboardFunction, its type, CSP and script unchanged by the local API
    page = send(runtime, "GET", "/dashboard", {"Host": own_host(runtime)})
    script = send(runtime, "GET", "/dashboard/app.js", {"Host": own_host(runtime)})
    refused = send(runtime, "GET", "/dashboard/..", {"Host": own_host(runtime)})

    assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert b'href="/"' in page.body  # and back to the local panel
    assert script.status == 200 and script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["x-content-type-options"] == "nosniff"
    assert refused.status == 404
