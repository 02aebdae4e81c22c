"""A second ``kiotsync demo`` leaves the running one alone: it stops before deleting anything when
the data dir is in use or a port is taken."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo(data: Path, ports: tuple[int, int, int], log: Path) -> subprocess.Popen[bytes]:
    web, kv, hv = ports
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOTSYNC_", "KIOTVIET_", "HARAVAN_"))}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiotsync.cli",
            "demo",
            "--port",
            str(web),
            "--kiotviet-port",
            str(kv),
            "--haravan-port",
            str(hv),
            "--data-dir",
            str(data),
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.socket
def test_a_second_demo_does_not_wipe_the_running_one(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    ports = (_free_port(), _free_port(), _free_port())
    first = _demo(data, ports, tmp_path / "first.log")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{ports[0]}/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert first.poll() is None, (tmp_path / "first.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "the demo did not come up"
            time.sleep(0.3)
        db = data / "kiotsync.sqlite3"
        assert db.exists()
        # Same ports and data dir; then other ports, same data dir: both refuse and delete nothing.
        for second_ports in (ports, (_free_port(), _free_port(), _free_port())):
            second = _demo(data, second_ports, tmp_path / "second.log")
            assert second.wait(30) == 1, (tmp_path / "second.log").read_text()[-2000:]
            assert db.exists()
            assert httpx.get(f"http://127.0.0.1:{ports[0]}/", timeout=5).status_code == 200
        # Ports taken by something else (another data dir): refused before anything is created.
        other = tmp_path / "other"
        third = _demo(other, ports, tmp_path / "third.log")
        assert third.wait(30) == 1
        assert "port" in (tmp_path / "third.log").read_text()
        assert not (other / "kiotsync.sqlite3").exists()
    finally:
        first.terminate()
        first.wait(20)
