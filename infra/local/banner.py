"""What the local runtime prints when it starts: where the API, its routes and the dashboard are, the clock, and the
schedules."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from infra.local.runtime import LocalRuntime


def describe(runtime: LocalRuntime) -> str:
    assert runtime.deployment is not None
    lines = [f"leadflow local runtime on {runtime.url}  (API key: x-api-key: {runtime.options.api_key})"]
    for route in runtime.deployment.routes:
        lock = " [x-api-key]" if route.api_key_required else ""
        lines.append(f"  {route.method:6} {route.path}{lock}")
    # The key once in the address bar; the dashboard then keeps it in a cookie and sends the browser to `/`.
    lines.append(f"  dashboard: {runtime.url}/?key={quote(runtime.options.api_key)}")
    lines.append(f"  clock x{runtime.clock.speed:g}: {runtime.clock.now().isoformat()}")
    lines.append(f"  schedules (runtime's clock; POST {runtime.url}/_local/clock/advance with the key moves it):")
    for schedule in runtime.schedules():
        when = f"next {schedule['next_fire']}" if schedule["next_fire"] else "disabled or done"
        lines.append(f"    {schedule['function']:28} {schedule['expression']:24} {when}")
    if not runtime.schedules():
        lines.append("    none")
    return "\n".join(lines)
