#!/usr/bin/env python3
"""Validation throughput: how much Candor's validation adds to simply reading the files.

Generates a seeded data tree (default 1,000,000 feedback rows: 10 companies x 24 monthly CSV
files), then times four things over the same files in --repeat rounds, each phase once per
round in its own fresh process (so its peak RSS is its own; an untimed first run pays the
first-call costs), the phases taking turns so that a change in the machine's load between
phases does not bias their ratios:

  floor     pyarrow.csv.read_csv of every file, every column typed as string
  floor2    the same, two companies at a time (as validate and load read them)
  validate  scoring.board.check: what `publish.py validate` does (read and check every file,
            company.yaml included, report every problem; no DataFrame is built)
  load      scoring.board.load_company for every company: what a build does before scoring
            (read, check, sha256 of each file, the contacts DataFrame the scorer uses)

The issue's target: validation adds no more than 50% to the floor,
i.e. (validate - floor) / floor <= 0.50; each ratio is the median of the rounds' ratios.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scoring.ledger import CHANNELS, FEEDBACK_COLUMNS, INDUSTRIES  # noqa: E402

TARGET_ADDED = 0.50  # the issue: validation adds no more than 50% to reading
MONTHS = 24
FIRST_MONTH = np.datetime64("2024-11", "M")
HEADER = [column.name for column in FEEDBACK_COLUMNS]
PHASES = ("floor", "floor2", "validate", "load")
TOPICS = ("billing", "refund", "delivery", "app", "account", "fees", "outage", "booking")
SITES = ("in-house", "vendor-a", "vendor-b")
COMMENTS = (
    "Better than I expected.",
    "The agent was patient and explained everything.",
    "Quick and friendly, sorted in one go.",
    "Really helpful, thank you!",
    "Easy, no waiting.",
    "Polite staff, slow process.",
    "Account unlocked quickly, friendly agent.",
    "Nobody called back, again.",
    'They said "tomorrow", three times.',
    "Refund took 6 weeks; NA",
    "null",
    "Café staff were lovely — merci!",
)
# Multi-line comments, written into a minority of files: they are what makes a record's line
# differ from its position, so they must be in the benchmark.
MULTILINE = (
    "First line.\nSecond line, with a comma.",
    "Dear team,\n\nthank you.\nJo",
)
MULTILINE_EVERY = 8  # one file in eight holds some


# --- the data tree ------------------------------------------------------------------------


def _iso(stamps: np.ndarray) -> np.ndarray:
    return np.char.add(np.datetime_as_string(stamps, unit="s"), "Z")


def _maybe(rng: np.random.Generator, values: np.ndarray, share_missing: float) -> np.ndarray:
    return np.where(rng.random(len(values)) < share_missing, "", values)


def _file_rows(rng: np.random.Generator, count: int, month: np.datetime64, first_id: int,
               multiline: bool) -> list[np.ndarray]:
    """`count` realistic, valid rows for one month, as string columns in HEADER order."""
    start = month.astype("datetime64[s]")
    seconds = int(((month + 1).astype("datetime64[s]") - start).astype(int))
    submitted = start + np.sort(rng.integers(0, seconds, count)).astype("timedelta64[s]")
    ids = first_id + np.arange(count)
    id_text = np.char.add("c", np.char.zfill(ids.astype(str), 7))
    # about one contact in six follows up an earlier case
    case = np.where(rng.random(count) < 0.17, np.maximum(ids - rng.integers(1, 50, count), 1),
                    ids)
    resolved = rng.random(count) < 0.7
    resolved_at = submitted + rng.integers(60, 3 * 86400, count).astype("timedelta64[s]")
    comment = np.where(rng.random(count) < 0.12, rng.choice(COMMENTS, count), "")
    if multiline:
        where = rng.random(count) < 0.01
        comment = np.where(where, rng.choice(MULTILINE, count), comment)
    wait = rng.gamma(1.5, 120, count)
    wait_text = np.where(rng.random(count) < 0.1, np.char.mod("%.1f", wait),
                         wait.astype(int).astype(str))
    submitted_text = _iso(submitted)
    # a few offsets other than Z, and a few bare dates (both allowed by the contract)
    shifted = _iso(submitted + np.timedelta64(2, "h"))
    submitted_text = np.where(rng.random(count) < 0.05,
                              np.char.add(np.char.rstrip(shifted, "Z"), "+02:00"), submitted_text)
    submitted_text = np.where(rng.random(count) < 0.01, np.datetime_as_string(
        submitted.astype("datetime64[D]")), submitted_text)
    columns = {
        "id": id_text,
        "submitted_at": submitted_text,
        "channel": rng.choice(CHANNELS, count, p=[.31, .19, .23, .04, .05, .15, .03]),
        "case_id": np.char.add("case-", np.char.zfill(case.astype(str), 6)),
        "stage": _maybe(rng, rng.choice(("pre_sale", "post_sale"), count, p=[.25, .75]), 0.05),
        "topic": rng.choice(TOPICS, count),
        "site": rng.choice(SITES, count, p=[.89, .07, .04]),
        "rating": _maybe(rng, rng.integers(1, 6, count).astype(str), 0.49),
        "nps": _maybe(rng, rng.integers(0, 11, count).astype(str), 0.70),
        "wait_seconds": _maybe(rng, wait_text, 0.45),
        "resolved": _maybe(rng, np.where(resolved, "true", "false"), 0.02),
        "resolved_at": np.where(resolved, _iso(resolved_at), ""),
        "comment": comment,
        "comment_public": np.where((comment != "") & (rng.random(count) < 0.5), "true", "false"),
    }
    return [columns[name] for name in HEADER]


def generate(directory: Path, rows: int, companies: int, seed: int) -> None:
    """A Candor data tree under `directory`: <slug>/company.yaml and <slug>/feedback/*.csv."""
    rng = np.random.default_rng(seed)
    files = companies * MONTHS
    # uneven but exact: each file gets its share of `rows`, +-30%
    weights = rng.uniform(0.7, 1.3, files)
    counts = np.floor(weights / weights.sum() * rows).astype(int)
    counts[: rows - counts.sum()] += 1
    for company in range(companies):
        slug = f"bench-{company:02d}"
        feedback = directory / slug / "feedback"
        feedback.mkdir(parents=True, exist_ok=True)
        (directory / slug / "company.yaml").write_text(
            f"name: Bench Company {company}\nindustry: {INDUSTRIES[company % len(INDUSTRIES)]}\n",
            encoding="utf-8",
        )
        first_id = 1
        for month_index in range(MONTHS):
            count = int(counts[company * MONTHS + month_index])
            month = FIRST_MONTH + month_index
            multiline = (company * MONTHS + month_index) % MULTILINE_EVERY == 3
            columns = _file_rows(rng, count, month, first_id, multiline)
            first_id += count
            with open(feedback / f"{month}.csv", "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(HEADER)
                writer.writerows(zip(*(c.tolist() for c in columns), strict=True))


def ensure_tree(directory: Path, rows: int, companies: int, seed: int) -> float:
    """Generate the tree unless `directory` already holds one made with the same parameters;
    returns the seconds spent generating (0 when reused)."""
    manifest = directory / "bench-manifest.json"
    wanted = {"rows": rows, "companies": companies, "months": MONTHS, "seed": seed}
    if manifest.is_file() and json.loads(manifest.read_text()) == wanted:
        return 0.0
    if directory.exists() and any(directory.iterdir()):
        if not manifest.is_file():
            sys.exit(f"{directory} is not empty and holds no bench-manifest.json; refusing to "
                     "write into it")
        import shutil

        for child in directory.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generate(directory, rows, companies, seed)
    manifest.write_text(json.dumps(wanted) + "\n")
    return time.perf_counter() - started


# --- the phases, each run in a child process ------------------------------------------------


def _floor(companies) -> int:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.ConvertOptions(column_types=dict.fromkeys(HEADER, pa.string()))
    rows = 0
    for company in companies:
        for path in company.feedback:
            rows += pacsv.read_csv(path, convert_options=options).num_rows
    return rows


def _validate(data_dir: Path) -> int:
    from scoring.board import check

    problems = check(data_dir)
    assert not problems, problems[:3]  # the generated data is valid
    return -1  # check reports problems, not rows; run_phase counts them once, untimed


def _floor_threaded(companies) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from scoring.board import LOAD_THREADS

    with ThreadPoolExecutor(LOAD_THREADS) as pool:
        return sum(pool.map(lambda company: _floor([company]), companies))


def _load(companies, data_dir: Path) -> int:
    from scoring.board import load_company

    # a build loads company by company and lets each company's contacts go once it is scored
    rows = 0
    for company in companies:
        result, contacts = load_company(company, data_dir)
        assert not result.problems, "the generated data should be valid"
        rows += len(contacts)
    return rows


def run_phase(phase: str, data_dir: Path, repeat: int) -> dict:
    import gc

    import pandas  # noqa: F401  (imported before the baseline, as any real run has it)
    import pyarrow.csv  # noqa: F401

    from scoring.load import discover

    companies, _ = discover(data_dir)
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = {"floor": lambda: _floor(companies), "floor2": lambda: _floor_threaded(companies),
           "validate": lambda: _validate(data_dir),
           "load": lambda: _load(companies, data_dir)}[phase]
    run()  # untimed: the first run pays for imports inside the phase and cold caches
    seconds, cpu_seconds, rows = [], [], 0
    for _ in range(repeat):
        gc.collect()
        cpu, started = time.process_time(), time.perf_counter()
        rows = run()
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if rows < 0:  # validate: the rows it checked, counted from its file reports
        from scoring.board import load_company

        rows = sum(f.rows for company in companies
                   for f in load_company(company, data_dir, frames=False)[0].files)
    return {"rows": rows, "seconds": seconds, "cpu_seconds": cpu_seconds,
            "peak_rss_mib": peak_kib / 1024, "baseline_rss_mib": baseline_kib / 1024}


def measure(phase: str, data_dir: Path, repeat: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--dir", str(data_dir),
         "--repeat", str(repeat)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode:
        sys.exit(f"phase {phase!r} failed:\n{done.stderr}")
    return json.loads(done.stdout)


# --- report -------------------------------------------------------------------------------


def summarise(results: dict[str, dict], rows: int, files: int, args) -> dict:
    import pandas as pd
    import pyarrow as pa

    median = {phase: statistics.median(result["seconds"]) for phase, result in results.items()}

    def ratio(phase: str, floor: str, key: str = "seconds") -> float:
        """The median of the rounds' ratios phase / floor (a round runs each phase once)."""
        return statistics.median(a / b for a, b in zip(results[phase][key], results[floor][key],
                                                       strict=True))

    added = ratio("validate", "floor") - 1
    return {
        "rows": rows,
        "files": files,
        "companies": args.companies,
        "repeat": args.repeat,
        "seed": args.seed,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "phases": {
            phase: {
                "median_seconds": round(median[phase], 4),
                "best_seconds": round(min(result["seconds"]), 4),
                "all_seconds": [round(s, 4) for s in result["seconds"]],
                "median_cpu_seconds": round(statistics.median(result["cpu_seconds"]), 4),
                "rows_per_second": round(result["rows"] / median[phase]),
                "peak_rss_mib": round(result["peak_rss_mib"], 1),
                "peak_rss_above_imports_mib": round(
                    result["peak_rss_mib"] - result["baseline_rss_mib"], 1),
            }
            for phase, result in results.items()
        },
        "ratio_validate_over_floor": round(ratio("validate", "floor"), 3),
        "ratio_validate_over_floor2": round(ratio("validate", "floor2"), 3),
        "ratio_validate_over_floor_cpu": round(ratio("validate", "floor", "cpu_seconds"), 3),
        "ratio_validate_over_floor2_cpu": round(ratio("validate", "floor2", "cpu_seconds"), 3),
        "ratio_load_over_floor": round(ratio("load", "floor"), 3),
        "dataframe_seconds": round(median["load"] - median["validate"], 4),
        "validation_adds_to_reading": round(added, 4),
        "target_adds_at_most": TARGET_ADDED,
        "meets_target": added <= TARGET_ADDED,
    }


def print_table(summary: dict) -> None:
    print(f"\n{summary['rows']:,} rows in {summary['files']} CSV files "
          f"({summary['companies']} companies); {summary['repeat']} rounds, medians; "
          f"Python {summary['python']}, pandas {summary['pandas']}, "
          f"pyarrow {summary['pyarrow']}, {summary['cpus']} CPUs, "
          f"load average {summary['load_average_1min']}\n")
    head = (f"{'phase':<10}{'median s':>10}{'best s':>9}{'cpu s':>8}{'rows/s':>12}"
            f"{'x floor':>9}{'peak RSS MiB':>14}{'(above imports)':>17}")
    print(head)
    print("-" * len(head))
    floor = summary["phases"]["floor"]["median_seconds"]
    for phase, result in summary["phases"].items():
        print(f"{phase:<10}{result['median_seconds']:>10.2f}{result['best_seconds']:>9.2f}"
              f"{result['median_cpu_seconds']:>8.2f}{result['rows_per_second']:>12,}"
              f"{result['median_seconds'] / floor:>9.2f}"
              f"{result['peak_rss_mib']:>14.0f}{result['peak_rss_above_imports_mib']:>17.0f}")
    verdict = "meets" if summary["meets_target"] else "MISSES"
    print("\nratios (medians of the rounds' ratios):")
    print(f"ratio validate / floor:              {summary['ratio_validate_over_floor']:.2f}")
    print(f"ratio validate / floor2:             {summary['ratio_validate_over_floor2']:.2f}"
          "  (the floor read two companies at a time too)")
    print(f"ratio of CPU seconds, validate/floor: {summary['ratio_validate_over_floor_cpu']:.2f}"
          f"  (/ floor2: {summary['ratio_validate_over_floor2_cpu']:.2f})")
    print(f"ratio load / floor:                  {summary['ratio_load_over_floor']:.2f}")
    print(f"DataFrame for the scorer (load - validate): {summary['dataframe_seconds']:.2f} s")
    print(f"validation adds to reading:          {summary['validation_adds_to_reading']:.0%}"
          f"  (target <= {TARGET_ADDED:.0%}: {verdict})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     epilog="Figures are explained in bench/README.md.")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in all (1,000,000)")
    parser.add_argument("--companies", type=int, default=10, help="companies (10), 24 files each")
    parser.add_argument("--repeat", type=int, default=5,
                        help="rounds, each running every phase once; medians are reported (5)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated data (7)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the data tree is generated and kept for the next run "
                             "(default: a temporary folder, removed afterwards)")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE",
                        help="also write the figures to FILE as JSON")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args(argv)

    if args.phase:
        print(json.dumps(run_phase(args.phase, args.dir, args.repeat)))
        return 0

    with tempfile.TemporaryDirectory(prefix="candor-bench-") as scratch:
        data_dir = args.dir or Path(scratch) / "data"
        generated = ensure_tree(data_dir, args.rows, args.companies, args.seed)
        files = sorted(data_dir.glob("*/feedback/*.csv"))
        size = sum(path.stat().st_size for path in files)
        print(f"data: {data_dir} ({len(files)} files, {size / 2**20:.0f} MiB"
              + (f", generated in {generated:.1f} s)" if generated else ", reused)"))
        results = {phase: {"seconds": [], "cpu_seconds": [], "peak_rss_mib": 0.0}
                   for phase in PHASES}
        for round_ in range(args.repeat):
            for phase in PHASES:
                run = measure(phase, data_dir, 1)
                if run["rows"] != args.rows:
                    sys.exit(f"{phase} saw {run['rows']:,} rows, not {args.rows:,}")
                merged = results[phase]
                merged["rows"] = run["rows"]
                merged["seconds"] += run["seconds"]
                merged["cpu_seconds"] += run["cpu_seconds"]
                if run["peak_rss_mib"] >= merged["peak_rss_mib"]:  # the largest process's
                    merged["peak_rss_mib"] = run["peak_rss_mib"]
                    merged["baseline_rss_mib"] = run["baseline_rss_mib"]
            print(f"  round {round_ + 1}: " + ", ".join(
                f"{phase} {results[phase]['seconds'][-1]:.2f} s" for phase in PHASES),
                flush=True)
    summary = summarise(results, args.rows, len(files), args)
    print_table(summary)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
