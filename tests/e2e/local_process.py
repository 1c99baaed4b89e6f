"""Starts `leadflow run` as a separate process, as a user would, and stops it with a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from tests.http_client import Client

REPO = Path(__file__).resolve().parents[2]
LEADFLOW = Path(sys.executable).with_name("leadflow")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RuntimeProcess:
    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.client = Client(f"http://127.0.0.1:{self.port}")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> RuntimeProcess:
        env = {**os.environ, "LEADFLOW_LOG_LEVEL": "ERROR"}
        command = [str(LEADFLOW), "run", "--port", str(self.port), "--data-dir", str(self.data_dir)]
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"leadflow run exited with {self.process.returncode}:\n{output}")
            try:
                if self.client.request("GET", "/_local/state").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"leadflow run did not answer on port {self.port} within {timeout} s")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30) -> str:
        if self.process is None:
            return ""
        self.process.send_signal(sig)
        try:
            output, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        self.process = None
        return output.decode(errors="replace")

    def __enter__(self) -> RuntimeProcess:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
