"""How soon a form is answered: POST /v1/leads on an idle local runtime, then wall time until the form's
auto-response is in the mail log (the runtime's outbox), one submission at a time. Goal: within two seconds.

    .venv/bin/python -m tests.bench.autoresponse_latency [--submissions 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime


def main() -> None:
    for name, value in {
        "POWERTOOLS_SERVICE_NAME": "leadflow",
        "POWERTOOLS_METRICS_NAMESPACE": "leadflow",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }.items():
        os.environ.setdefault(name, value)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=20)
    args = parser.parse_args()

    from leadflow.wiring import nurture as nurture_wiring

    from infra.local.runtime import LocalRuntime, RuntimeOptions
    from tests.http_client import Client

    since = datetime(2000, 1, 1, tzinfo=UTC)
    seconds: list[float] = []
    with LocalRuntime(RuntimeOptions(port=0)) as runtime:
        client = Client(runtime.url)
        for n in range(args.submissions):
            email = f"visitor.{uuid.uuid4().hex[:10]}@example.com"
            posted = time.perf_counter()
            reply = client.post_lead({"email": email, "first_name": "Vi", "form_id": "demo-request"})
            submission = client.wait_for_submission(reply.json()["submission_id"])
            while not [
                m for m in nurture_wiring.mail_log().sent_to(submission["lead_id"], since) if m.kind == "transactional"
            ]:
                if time.perf_counter() - posted > 30:
                    raise TimeoutError(f"submission {n}: no auto-response within 30 s")
                time.sleep(0.01)
            seconds.append(time.perf_counter() - posted)
            runtime.wait_for_executions()  # idle again before the next one
    report = {
        "submissions": len(seconds),
        "post_to_autoresponse_s": {
            "median": round(statistics.median(seconds), 3),
            "p90": round(statistics.quantiles(seconds, n=10)[-1], 3) if len(seconds) >= 10 else None,
            "max": round(max(seconds), 3),
        },
        "within_2s": sum(1 for s in seconds if s <= 2.0),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
