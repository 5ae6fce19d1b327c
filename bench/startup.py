"""Startup benchmark: seconds from `commonroom run` to the first 200, cold and warm; idle RSS.

Usage: .venv/bin/python bench/startup.py [--runs N]
Cold = empty data dir (initdb + migrations + first admin); warm = the same data dir again.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def time_to_first_200(data_dir: Path) -> tuple[float, int]:
    """(seconds until / answers 200, RSS in KiB of the node process once idle)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "node",
            "run",
            "--data-dir",
            str(data_dir),
            "--listen",
            f"127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    if response.status == 200:
                        break
            except (URLError, ConnectionError):
                time.sleep(0.02)
        elapsed = time.perf_counter() - started
        time.sleep(2)  # let it settle before reading memory
        rss = int(Path(f"/proc/{process.pid}/status").read_text().split("VmRSS:")[1].split()[0])
        return elapsed, rss
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    cold, warm, rss = [], [], []
    for _ in range(runs):
        directory = Path(tempfile.mkdtemp(prefix="commonroom-bench-"))
        directory.chmod(0o755)
        seconds, _ = time_to_first_200(directory / "var")
        cold.append(seconds)
        seconds, kib = time_to_first_200(directory / "var")
        warm.append(seconds)
        rss.append(kib)
    print(f"cold start to first 200: median {statistics.median(cold):.2f} s over {runs} runs")
    print(f"warm start to first 200: median {statistics.median(warm):.2f} s over {runs} runs")
    print(f"idle RSS of the node process: median {statistics.median(rss) / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
