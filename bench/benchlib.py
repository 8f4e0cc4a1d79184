"""What the benchmarks share: running a measured child process, and where they run."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def child(argv: list[str], log: Path) -> dict:
    """Run argv from the repository root; its wall time, CPU seconds and peak resident memory,
    worker processes included. The process tree is sampled every 50 ms: `peak_mib` is the peak
    of its summed resident memory (never less than the largest single process's own peak,
    `largest_process_mib`, the kernel's exact figure); `cpu_seconds` is the larger of the
    kernel's figure for the process and the children it waited for, and the sum of every
    process's own CPU time as last sampled (workers started by a forkserver are not the
    process's children, so only the samples see them)."""
    with log.open("w") as stream:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=REPO, stdout=stream, stderr=subprocess.STDOUT)
        tree_peak, cpu_ticks = 0, {}
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            rss, ticks = _tree(process.pid)
            tree_peak = max(tree_peak, rss)
            cpu_ticks.update(ticks)
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} exited {process.returncode}; see {log}")
    largest = usage.ru_maxrss / 1024  # Linux: KiB
    sampled = sum(cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")
    return {"seconds": seconds, "cpu_seconds": max(usage.ru_utime + usage.ru_stime, sampled),
            "peak_mib": max(largest, tree_peak / 2**20), "largest_process_mib": largest}


def _tree(root: int) -> tuple[int, dict[int, int]]:
    """Bytes resident in `root` and its descendants now, and each one's own CPU time so far in
    clock ticks (Linux /proc; nothing elsewhere)."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            stats[int(entry.name)] = stat[stat.rindex(")") + 2:].split()
    tree, found = {root}, True
    while found:
        found = False
        for pid, fields in stats.items():
            if int(fields[1]) in tree and pid not in tree:
                tree.add(pid)
                found = True
    total, ticks = 0, {}
    for pid in tree & stats.keys():
        ticks[pid] = int(stats[pid][11]) + int(stats[pid][12])  # utime + stime
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * os.sysconf("SC_PAGE_SIZE"), ticks


def machine() -> dict:
    """The machine a run was measured on, with its load average when asked (shared machines)."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "machine": platform.machine(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}
