"""What the benchmarks share: running a measured child process, and where they run."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def child(argv: list[str], log: Path) -> dict:
    """Run argv from the repository root; its wall time, its CPU seconds (all threads) and its
    own peak resident memory."""
    with log.open("w") as stream:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=REPO, stdout=stream, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} exited {process.returncode}; see {log}")
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_mib": usage.ru_maxrss / 1024}  # Linux: KiB


def machine() -> dict:
    """The machine a run was measured on, with its load average when asked (shared machines)."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "machine": platform.machine(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}
