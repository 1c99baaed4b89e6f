"""The dashboard function serves its page and files with a strict CSP and the right types, and nothing else: an
unknown name is a 404, and no request names a file outside its folder."""

from __future__ import annotations

from typing import Any

import pytest

from functions.dashboard import app as dashboard
from tests.events import load_event

ASSET = "dashboard/get_asset.json"


def request_asset(name: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    event = load_event(ASSET)
    event["pathParameters"] = {"asset": name}
    event["path"] = f"/dashboard/{name}"
    event["headers"] = headers or {}
    return dashboard.serve(event)


def test_the_page_is_html_under_a_csp_that_allows_no_inline_code_and_no_framing() -> None:
    answer = dashboard.serve(load_event("dashboard/get_page.json"))

    assert answer["statusCode"] == 200
    headers = answer["headers"]
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    policy = dict(part.split(" ", 1) for part in headers["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"  # no 'unsafe-inline', no CDN
    assert policy["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-cache"  # a new deploy's page is seen at once
    assert "<script src=" in answer["body"] and "<script>" not in answer["body"]  # the page's code is in files


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("reports.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("chart-4.6.2.umd.min.js", "text/javascript; charset=utf-8"),
        ("chart-4.6.2.LICENSE.md", "text/plain; charset=utf-8"),
    ],
)
def test_each_file_is_served_with_its_type_and_the_security_headers(name: str, content_type: str) -> None:
    answer = request_asset(name)

    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"] == content_type
    assert answer["headers"]["X-Content-Type-Options"] == "nosniff"
    assert answer["body"] == (dashboard.STATIC / name).read_text(encoding="utf-8")


def test_the_versioned_chart_library_is_cached_for_good_and_the_dashboards_own_script_revalidates() -> None:
    assert request_asset("chart-4.6.2.umd.min.js")["headers"]["Cache-Control"] == "public, max-age=31536000, immutable"
    assert request_asset("app.js")["headers"]["Cache-Control"] == "public, max-age=300"


def test_a_file_the_browser_already_has_is_answered_304_without_a_body() -> None:
    etag = request_asset("app.js")["headers"]["ETag"]

    answer = request_asset("app.js", {"If-None-Match": etag})

    assert (answer["statusCode"], answer["body"]) == (304, "")


def test_an_unknown_file_is_a_404_naming_the_asset() -> None:
    answer = request_asset("missing.js")

    assert answer["statusCode"] == 404
    assert "asset" in answer["body"]
    assert answer["headers"]["Content-Security-Policy"] == dashboard.CSP


@pytest.mark.parametrize(
    "name",
    ["..", "../app.py", "..%2fapp.py", "%2e%2e%2fapp.py", "static/app.js", "/etc/passwd", ".hidden", "app.py", ""],
)
def test_a_name_outside_the_dashboards_files_is_refused(name: str) -> None:
    answer = request_asset(name)

    assert answer["statusCode"] == 404
    assert "import" not in answer["body"]  # never the function's own source


def test_the_handler_answers_api_gateway_with_the_page() -> None:
    class Context:
        function_name = "DashboardFunction"
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:DashboardFunction"
        aws_request_id = "0d1f5a1e-0000-4000-8000-000000000101"

    answer = dashboard.handler(load_event("dashboard/get_page.json"), Context())

    assert answer["statusCode"] == 200 and "<title>" in answer["body"]
