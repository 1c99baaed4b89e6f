"""Serves the template's Api routes on http://127.0.0.1:PORT as API Gateway REST proxy events, with its API-key check.

Also serves the local dashboard and its controls under `/` and `/_local/`.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infra.local import ledger_hooks
from infra.local.deployment import Route

API_GATEWAY_MAX_PAYLOAD = 10 * 1024 * 1024
STAGE = "local"
LOCAL_API_KEY_ID = "local-api-key"

LocalPage = Callable[[str, str, dict[str, list[str]], bytes, dict[str, str]], tuple[int, str, bytes, dict[str, str]]]
"""(method, path, query, body, lower-case headers) -> (status, content type, body, headers) for the runtime's own
pages and controls, which check the Host, the origin and the API key themselves (infra/local/control_plane.py)."""


def proxy_event(
    route: Route, method: str, path: str, *, params: dict[str, str], query: str, headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    multi_query = parse_qs(query, keep_blank_values=True)
    try:
        text_body: str | None = body.decode("utf-8") if body else None
        is_base64 = False
    except UnicodeDecodeError:
        text_body, is_base64 = base64.b64encode(body).decode("ascii"), True
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {
                "sourceIp": "127.0.0.1",
                "apiKey": headers.get("x-api-key"),
                # API Gateway names the usage plan's key by its id; the local runtime has one key.
                "apiKeyId": LOCAL_API_KEY_ID if headers.get("x-api-key") else None,
                "userAgent": headers.get("user-agent"),
            },
            "accountId": "123456789012",
            "apiId": "local",
            "protocol": "HTTP/1.1",
        },
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 turns away a burst of concurrent clients (a benchmark, a load test) before a
    # thread can accept them: reset where the kernel aborts on overflow, held back by SYN retries elsewhere.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        routes: list[Route],
        invoke: Callable[[str, Any], Any],
        api_key: str,
        local_page: LocalPage,
    ) -> None:
        super().__init__(address, _Handler)
        self.routes = routes
        self.invoke = invoke
        self.api_key = api_key
        self.local_page = local_page


class _Handler(BaseHTTPRequestHandler):
    server: ApiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return  # request lines would drown the runtime's own output

    def __getattr__(self, name: str) -> Any:
        # http.server dispatches to do_<METHOD> and answers a method without one (TRACE, CONNECT, made-up ones)
        # with its own 501 HTML page; API Gateway routes every method, and answers one no route has in JSON.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, headers too long, an unsupported protocol) in the
        API's JSON shape rather than an HTML page."""
        self.close_connection = True
        self._json(code, {"message": message or self.responses.get(code, ("Error",))[0]})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return  # the length of the answer a GET would get, and no body (RFC 9110)
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting; nothing left to tell it

    def _json(self, status: int, document: dict[str, Any]) -> None:
        self._send(status, json.dumps(document).encode(), {"Content-Type": "application/json"})

    def _handle(self) -> None:
        method = self.command.upper()
        url = urlsplit(self.path)
        declared = self.headers.get("Content-Length") or "0"
        if not declared.isdigit():
            self.send_error(400, f"Content-Length: {declared[:32]!r} is not a number of bytes")
            return
        length = int(declared)
        if length > API_GATEWAY_MAX_PAYLOAD:
            self._json(413, {"message": f"body: {length} bytes is over API Gateway's {API_GATEWAY_MAX_PAYLOAD} bytes"})
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        if url.path == "/" or url.path.startswith("/_local/"):
            local_headers = {k.lower(): v for k, v in self.headers.items()}
            status, content_type, page, extra = self.server.local_page(
                method, url.path, parse_qs(url.query), body, local_headers
            )
            self._send(status, page, {"Content-Type": content_type, **extra})
            return
        # The API routes take any Host, as API Gateway's do: the public ones (the lead form, the OpenAPI document)
        # are meant for any page, and the rest need the API key, which a foreign page does not have. Only the
        # control plane above, which shows leads through a cookie and moves the clock, checks the Host.
        headers = {k.lower(): v for k, v in self.headers.items()}
        matching = [(r, m) for r in self.server.routes if (m := r.pattern().match(url.path))]
        found = next(((r, m) for r, m in matching if r.method in (method, "ANY")), None)
        if found is None:
            # What API Gateway (REST) answers for any method and path no route has: it does not tell a caller which
            # paths exist.
            self._send(
                403,
                json.dumps({"message": "Missing Authentication Token"}).encode(),
                {"Content-Type": "application/json", "x-amzn-ErrorType": "MissingAuthenticationTokenException"},
            )
            return
        route, match = found
        if route.api_key_required and headers.get("x-api-key") != self.server.api_key:
            self._json(403, {"message": "Forbidden: a valid x-api-key header is required"})
            return
        event = proxy_event(
            route, method, url.path, params=match.groupdict(), query=url.query, headers=headers, body=body
        )
        try:
            with ledger_hooks.api_request(method, route.path):
                response = self.server.invoke(route.function, event)
        except Exception as exc:  # noqa: BLE001 - API Gateway answers 502 when the function fails
            self._json(502, {"message": "Internal server error", "error": f"{type(exc).__name__}: {exc}"})
            return
        self._proxy_response(response)

    def _proxy_response(self, response: dict[str, Any]) -> None:
        body = response.get("body") or ""
        raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")
        headers = {k: str(v) for k, v in (response.get("headers") or {}).items()}
        for key, values in (response.get("multiValueHeaders") or {}).items():
            headers[key] = ", ".join(str(v) for v in values)
        self._send(int(response.get("statusCode", 200)), raw, headers)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle
