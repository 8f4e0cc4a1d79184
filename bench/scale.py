#!/usr/bin/env python3
"""How the build grows: synthetic scoreboards at three sizes, measured against their floors.

For each size, the demo generator (scoring/demo.py) writes a scoreboard of `companies`
companies holding about `contacts` contacts in all (the ten demo companies, each copied under
new slugs with its volume scaled), committed to a git repository of its own as a scoreboard's
data is. Then, each in its own child process so that its peak memory is its own (os.wait4's
maxrss):

- the full build (`publish.py build --timings`, cold cache): wall time, peak memory and the
  seconds of each stage (load, validate, score, charts, render, the audit of the git history,
  and any other the build reports);
- an incremental build (warm cache) after a data commit that adds one contact to one company's
  newest file, and another after one that adds a contact with a published comment (words that
  the search index holds, so that it must be made again); each new commit shows on every page.
  Each is run --repeat times (3), from the data as generated: the median is reported, with
  every run's seconds. Every timed build starts once the writes before it are on the disk;
- the read floor: pyarrow reading the same feedback files, all columns;
- the render floor: Pelican rendering the same number of bare Markdown pages.

It prints the ratios (full build / (read floor + render floor), incremental / full) and writes
every figure to a JSON file (--json).

    .venv/bin/python bench/scale.py --sizes S,M
    .venv/bin/python bench/scale.py --sizes L --dir /tmp/candor-L   # about 1.2 GB, kept
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchlib import child  # noqa: E402

from scoring import demo  # noqa: E402

SIZES = {"S": (10, 100_000), "M": (100, 1_000_000), "L": (1_000, 10_000_000)}

READ_FLOOR = """
import sys
from pathlib import Path
import pyarrow.csv
rows = sum(pyarrow.csv.read_csv(path).num_rows
           for path in sorted(Path(sys.argv[1]).glob("*/feedback/*.csv")))
print(rows)
"""

RENDER_FLOOR = """
import logging, sys
from pelican import Pelican
from pelican import log
from pelican.settings import read_settings
log.init(level=logging.WARNING)
Pelican(read_settings(override={
    "PATH": sys.argv[1], "OUTPUT_PATH": sys.argv[2], "PAGE_PATHS": ["pages"],
    "ARTICLE_PATHS": [], "PAGE_URL": "{slug}/", "PAGE_SAVE_AS": "{slug}/index.html",
    "DIRECT_TEMPLATES": [], "PAGINATED_TEMPLATES": {}, "FEED_ALL_ATOM": None,
    "CATEGORY_FEED_ATOM": None, "TRANSLATION_FEED_ATOM": None, "AUTHOR_FEED_ATOM": None,
    "AUTHOR_FEED_RSS": None, "DELETE_OUTPUT_DIRECTORY": True, "CACHE_CONTENT": False,
    "LOAD_CONTENT_CACHE": False, "TIMEZONE": "UTC", "SITEURL": "", "RELATIVE_URLS": True,
})).run()
"""


def _write(job: tuple[demo.Company, int, str]) -> int:
    company, seed, folder = job
    return demo.write_company(Path(folder), company, seed)


def base_volumes(seed: int) -> list[int]:
    """Contacts each demo company holds at its own volume (the generator is seeded)."""
    return [len(demo._contacts(c, random.Random(f"{seed}:{c.slug}"))) for c in demo.COMPANIES]


def generate(folder: Path, companies: int, contacts: int, seed: int, workers: int,
             volumes: list[int]) -> dict:
    """Write the scoreboard: company k is demo company k mod 10 under a new slug, its volume
    scaled so that the companies hold about `contacts` in all."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    per_company = contacts / companies
    jobs = []
    for index in range(companies):
        base = demo.COMPANIES[index % len(demo.COMPANIES)]
        factor = per_company / volumes[index % len(demo.COMPANIES)]
        jobs.append((dataclasses.replace(
            base, slug=f"{base.slug}-{index:04d}", name=f"{base.name} {index}",
            cases_per_month=base.cases_per_month * factor,
        ), seed, str(folder)))
    with multiprocessing.Pool(workers) as pool:
        written = sum(pool.imap_unordered(_write, jobs, chunksize=1))
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {"seconds": time.perf_counter() - started, "contacts": written,
            "files": sum(1 for _ in folder.glob("*/feedback/*.csv")), "mib": size / 2**20}


GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
DATES = {"GIT_AUTHOR_DATE": "2026-11-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-11-01T00:00:00Z"}


def git(data: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=data, check=True, capture_output=True, text=True,
                          env={**os.environ, **DATES}).stdout.strip()


def in_git(data: Path) -> str:
    """The data folder as a git repository of its own, as a scoreboard's is (every page shows
    its data commit, and the audit walks its history); its first commit, made here when it is
    not one yet (with fixed dates: the same data, the same commit)."""
    if not (data / ".git").is_dir():
        git(data, "init", "-q")
        git(data, "add", "-A")
        git(data, "commit", "-q", "-m", "the generated data")
    return git(data, "rev-list", "--max-parents=0", "HEAD")


def add_to_one_company(data: Path, what: str = "row") -> Path:
    """Commit one new contact to one company's newest file (the first company's), as a data
    commit does; returns the file. It copies the file's newest row under a new id and case,
    rated 5, at the same time (the scoreboard's date stays):

    - "row": without a comment: the company's numbers move, and with them its industry's means
      and every peer's Candor score; no page's searchable words change;
    - "comment": with a published comment, shown on the company's page and so in the search
      index, which must be made again."""
    path = sorted(sorted(p for p in data.iterdir() if p.name != ".git")[0].glob(
        "feedback/*.csv"))[-1]
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    header, row = rows[0], dict(zip(rows[0], rows[-1], strict=True))
    row.update(id=row["id"] + "-bench", case_id=row["id"] + "-bench", rating="5", comment="",
               comment_public="false")
    if what == "comment":
        row.update(comment="Added for the benchmark: the parcel came on the day promised",
                   comment_public="true")
    elif what != "row":
        raise ValueError(f"unknown change {what!r}")
    with path.open("a", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerow([row[name] for name in header])
    git(data, "commit", "-q", "-a", "-m", f"one company adds a contact ({what})")
    return path


def bare_pages(folder: Path, count: int) -> None:
    pages = folder / "pages"
    pages.mkdir(parents=True)
    for index in range(count):
        (pages / f"page-{index:05d}.md").write_text(
            f"Title: Page {index}\nSlug: page-{index:05d}\n\nA bare page.\n", encoding="utf-8")


def timed(argv: list[str], log: Path) -> dict:
    """child(argv), once the writes before it are on the disk (os.sync): the last build's
    writing back its files is not timed as this one's."""
    os.sync()
    return child(argv, log)


def measure(name: str, work: Path, seed: int, workers: int, volumes: list[int],
            keep_data: Path | None, repeat: int = 3) -> dict:
    companies, contacts = SIZES[name]
    data = keep_data or work / "data"
    python = sys.executable
    figures: dict = {"companies": companies, "contacts_target": contacts}
    if not (data.is_dir() and any(data.iterdir())):
        figures["generate"] = generate(data, companies, contacts, seed, workers, volumes)
        print(f"{name}: generated {figures['generate']['contacts']:,} contacts in "
              f"{figures['generate']['seconds']:.0f} s", flush=True)
    first = in_git(data)
    cache, timings = work / "cache", work / "timings.json"
    shutil.rmtree(cache, ignore_errors=True)
    build = [python, "publish.py", "build", "--data", str(data), "--output", str(work / "site"),
             "--cache", str(cache), "--timings", str(timings)]
    figures["full"] = timed(build, work / "full.log")
    figures["full"]["stages"] = json.loads(timings.read_text())
    print(f"{name}: full build {figures['full']['seconds']:.1f} s", flush=True)
    # each incremental build `repeat` times, from the data as generated (and the cache and
    # site built from it): the median run is reported, and every run's seconds
    for key, what in (("incremental", "row"), ("incremental_text", "comment")):
        runs = []
        for _ in range(repeat):
            if runs or key != "incremental":  # back to the data as generated
                child(build, work / f"{key}-before.log")
            touched = add_to_one_company(data, what)
            try:
                run = timed(build, work / f"{key}.log")
            finally:
                git(data, "reset", "-q", "--hard", first)  # kept data (--dir) stays as generated
            run["stages"] = json.loads(timings.read_text())
            runs.append(run)
        figures[key] = {**sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2],
                        "runs": [run["seconds"] for run in runs],
                        "changed": f"{touched.relative_to(data).as_posix()}: {what}"}
    figures["read_floor"] = timed([python, "-c", READ_FLOOR, str(data)], work / "read.log")
    pages = figures["full"]["stages"]["pages"]
    content = work / "bare"
    shutil.rmtree(content, ignore_errors=True)
    bare_pages(content, pages)
    figures["render_floor"] = timed(
        [python, "-c", RENDER_FLOOR, str(content), str(work / "bare-site")], work / "render.log")
    figures["render_floor"]["pages"] = pages
    floor = figures["read_floor"]["seconds"] + figures["render_floor"]["seconds"]
    figures["ratios"] = {
        "full_over_floor": figures["full"]["seconds"] / floor,
        "incremental_over_full": figures["incremental"]["seconds"] / figures["full"]["seconds"],
        "incremental_text_over_full":
            figures["incremental_text"]["seconds"] / figures["full"]["seconds"],
    }
    return figures


def report(results: dict) -> str:
    lines = [f"{'size':<5}{'companies':>10}{'contacts':>12}{'full s':>9}{'peak MiB':>10}"
             f"{'incr s':>8}{'text s':>8}{'read s':>8}{'render s':>10}{'full/floor':>11}"
             f"{'incr/full':>10}{'text/full':>10}"]
    for name, f in results.items():
        lines.append(
            f"{name:<5}{f['companies']:>10,}{f['full']['stages']['contacts']:>12,}"
            f"{f['full']['seconds']:>9.1f}{f['full']['peak_mib']:>10.0f}"
            f"{f['incremental']['seconds']:>8.1f}{f['incremental_text']['seconds']:>8.1f}"
            f"{f['read_floor']['seconds']:>8.1f}"
            f"{f['render_floor']['seconds']:>10.1f}{f['ratios']['full_over_floor']:>11.1f}"
            f"{f['ratios']['incremental_over_full']:>10.2f}"
            f"{f['ratios']['incremental_text_over_full']:>10.2f}")
    lines.append("(incr: a data commit adds a contact to one company; text: one with a published "
                 "comment)")
    lines.append("")
    for name, f in results.items():
        stages = f["full"]["stages"]["seconds"]
        shown = ", ".join(f"{k} {v:.1f}" for k, v in stages.items() if k != "total" and v)
        lines.append(f"{name} full build, seconds by stage: {shown}")
        for key, label in (("incremental", "incremental"), ("incremental_text", "text change")):
            stages = f[key]["stages"]
            shown = ", ".join(f"{k} {v:.1f}" for k, v in stages["seconds"].items()
                              if k != "total" and v)
            lines.append(f"{name} {label}: read {stages.get('read', '?')}, scored "
                         f"{stages['scored']}, reused {stages['reused']}, pages of "
                         f"{stages.get('pages_reused', 0)} companies reused, peak "
                         f"{f[key]['peak_mib']:.0f} MiB; runs "
                         f"{', '.join(f'{run:.2f}' for run in f[key]['runs'])} s; median run's "
                         f"seconds by stage: {shown}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="S,M", help="comma-separated, of S, M, L (default S,M)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes generating the data (default: one per core)")
    parser.add_argument("--dir", type=Path, help="keep the generated data here, per size "
                        "(DIR/S, DIR/M ...), and reuse it on the next run (same seed only)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="incremental builds of each kind, the median reported (default 3)")
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "scale.json",
                        help="where the figures are written (default: bench/scale.json)")
    args = parser.parse_args()
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {', '.join(unknown)}; choose from {', '.join(SIZES)}")
    volumes = base_volumes(args.seed)
    results = {}
    for name in sizes:
        with tempfile.TemporaryDirectory(prefix=f"candor-scale-{name}-") as work:
            keep = args.dir / name if args.dir else None
            results[name] = measure(name, Path(work), args.seed, args.workers, volumes, keep,
                                    args.repeat)
    document = {
        "date": dt.date.today().isoformat(), "cpus": os.cpu_count(),
        "python": platform.python_version(), "machine": platform.machine(),
        "command": "bench/scale.py --sizes " + ",".join(sizes), "sizes": results,
    }
    args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(report(results))
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
