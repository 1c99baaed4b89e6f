"""The local API answers as API Gateway would, in JSON whatever the request: a method or path no route has, a request
http.server cannot parse, many clients at once; and the read API refuses filters it cannot apply."""

from __future__ import annotations

import json
import socket
import threading
from urllib.parse import urlsplit

import pytest

from infra.local.runtime import LocalRuntime
from tests.http_client import Client, Reply

MISSING_TOKEN = {"message": "Missing Authentication Token"}


def raw_exchange(client: Client, request: bytes) -> bytes:
    url = urlsplit(client.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def is_json_error(reply: Reply) -> bool:
    return reply.headers.get("Content-Type", "").startswith("application/json") and "message" in reply.json()


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW"])
def test_a_method_no_route_has_gets_api_gateways_json_403(client: Client, method: str) -> None:
    reply = client.request(method, "/v1/leads")

    assert reply.status == 403
    assert reply.json() == MISSING_TOKEN


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "/v1/reps"), ("GET", "/v1/nothing-here"), ("PUT", "/v1/leads")]
)
def test_a_method_and_path_no_route_has_get_the_same_answer(client: Client, method: str, path: str) -> None:
    reply = client.request(method, path, headers={"x-api-key": client.api_key})

    assert (reply.status, reply.json()) == (403, MISSING_TOKEN)
    assert reply.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_a_request_http_server_cannot_parse_is_answered_in_json(client: Client) -> None:
    answer = raw_exchange(client, b"GET /v1/leads HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n")

    head, _, body = answer.partition(b"\r\n\r\n")
    assert b" 431 " in head.split(b"\r\n")[0]
    assert b"application/json" in head
    assert "message" in json.loads(body)


def test_a_content_length_that_is_not_a_number_is_400_in_json(client: Client) -> None:
    answer = raw_exchange(
        client, b"POST /v1/leads HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n{}"
    )

    head, _, body = answer.partition(b"\r\n\r\n")
    assert b" 400 " in head.split(b"\r\n")[0]
    assert "Content-Length" in json.loads(body)["message"]


def test_sixteen_clients_at_once_are_all_answered(runtime: LocalRuntime, client: Client) -> None:
    barrier = threading.Barrier(16)
    statuses: list[int | str] = []

    def read_teams() -> None:
        barrier.wait()
        try:
            statuses.append(client.get("/v1/teams").status)
        except OSError as exc:  # a reset connection
            statuses.append(type(exc).__name__)

    threads = [threading.Thread(target=read_teams) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 16


def test_listing_leads_by_an_address_that_is_no_email_is_422_naming_email(client: Client) -> None:
    long = client.get("/v1/leads?email=" + "0" * 300)
    short = client.get("/v1/leads?email=" + "0" * 30)

    for reply in (long, short):
        assert reply.status == 422 and is_json_error(reply)
        assert {error["field"] for error in reply.json()["errors"]} == {"email"}


def test_listing_leads_with_an_unknown_filter_is_422_naming_it(client: Client) -> None:
    reply = client.get("/v1/leads?stage=mql&utm_source=google")

    assert reply.status == 422
    assert {error["field"] for error in reply.json()["errors"]} == {"utm_source"}


def test_a_json_array_of_one_submission_is_422_not_accepted(client: Client) -> None:
    body = json.dumps([{"email": "array.body@snowflake.com"}]).encode()

    reply = client.request("POST", "/v1/leads", body, {"content-type": "application/json"})

    assert reply.status == 422
    assert "expected a JSON object" in reply.json()["message"]


def test_publishing_a_rule_set_that_is_not_utf8_is_400_naming_the_body(client: Client) -> None:
    reply = client.request(
        "PUT",
        "/v1/config/scoring",
        b'{"fit_rules": "\xff"}',
        {"content-type": "application/json", "x-api-key": client.api_key},
    )

    assert reply.status == 400
    assert {error["field"] for error in reply.json()["errors"]} == {"body"}
