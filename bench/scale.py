#!/usr/bin/env python3
"""How the build grows: synthetic scoreboards at three sizes, measured against their floors.

For each size, the demo generator (scoring/demo.py) writes a scoreboard of `companies`
companies holding about `contacts` contacts in all (the ten demo companies, each copied under
new slugs with its volume scaled). Then, each in its own child process so that its peak memory
is its own (os.wait4's maxrss):

- the full build (`publish.py build --timings`, cold cache): wall time, peak memory and the
  seconds of each stage (load, validate, score, charts, render, and any other the build reports);
- an incremental build after one rating in one company's newest file changed (warm cache),
  and another after the text of that company's newest published comment changed (words that
  the search index holds, so that it must be made again);
- the read floor: pyarrow reading the same feedback files, all columns;
- the render floor: Pelican rendering the same number of bare Markdown pages.

It prints the ratios (full build / (read floor + render floor), incremental / full) and writes
every figure to a JSON file (--json).

    .venv/bin/python bench/scale.py --sizes S,M
    .venv/bin/python bench/scale.py --sizes L --dir /tmp/candor-L --keep   # about 1.2 GB
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


def touch_one_company(data: Path, what: str = "rating") -> tuple[Path, bytes]:
    """Change one company's newest file (the first company's: the bytes of one company only);
    returns the file and its bytes before.

    - "rating": one rating from satisfied to not or back, so that its CSAT moves, and with it
      its industry's mean and every peer's Candor score;
    - "comment": the words of its newest published comment (shown on its page, so in the
      search index), its numbers unchanged."""
    path = sorted(sorted(data.iterdir())[0].glob("feedback/*.csv"))[-1]
    original = path.read_bytes()
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    header = rows[0]
    if what == "rating":
        rating = header.index("rating")
        row = next(r for r in rows[1:] if r[rating])
        row[rating] = "1" if row[rating] in ("4", "5") else "5"
    elif what == "comment":
        comment, public, when = (header.index(c) for c in ("comment", "comment_public",
                                                            "submitted_at"))
        row = max((r for r in rows[1:] if r[comment] and r[public] == "true"),
                  key=lambda r: r[when])
        row[comment] = "Changed for the benchmark: " + row[comment]
    else:
        raise ValueError(f"unknown change {what!r}")
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)
    return path, original


def bare_pages(folder: Path, count: int) -> None:
    pages = folder / "pages"
    pages.mkdir(parents=True)
    for index in range(count):
        (pages / f"page-{index:05d}.md").write_text(
            f"Title: Page {index}\nSlug: page-{index:05d}\n\nA bare page.\n", encoding="utf-8")


def measure(name: str, work: Path, seed: int, workers: int, volumes: list[int],
            keep_data: Path | None) -> dict:
    companies, contacts = SIZES[name]
    data = keep_data or work / "data"
    python = sys.executable
    figures: dict = {"companies": companies, "contacts_target": contacts}
    if not (data.is_dir() and any(data.iterdir())):
        figures["generate"] = generate(data, companies, contacts, seed, workers, volumes)
        print(f"{name}: generated {figures['generate']['contacts']:,} contacts in "
              f"{figures['generate']['seconds']:.0f} s", flush=True)
    cache, timings = work / "cache", work / "timings.json"
    shutil.rmtree(cache, ignore_errors=True)
    build = [python, "publish.py", "build", "--data", str(data), "--output", str(work / "site"),
             "--cache", str(cache), "--timings", str(timings)]
    figures["full"] = child(build, work / "full.log")
    figures["full"]["stages"] = json.loads(timings.read_text())
    print(f"{name}: full build {figures['full']['seconds']:.1f} s", flush=True)
    for index, (key, what) in enumerate((("incremental", "rating"),
                                         ("incremental_text", "comment"))):
        if index:  # back to the files as generated, and the cache and site with them
            child(build, work / f"{key}-before.log")
        touched, original = touch_one_company(data, what)
        try:
            figures[key] = child(build, work / f"{key}.log")
        finally:
            touched.write_bytes(original)  # kept data (--dir) stays as generated
        figures[key]["stages"] = json.loads(timings.read_text())
        figures[key]["changed"] = f"{touched.relative_to(data).as_posix()}: {what}"
    figures["read_floor"] = child([python, "-c", READ_FLOOR, str(data)], work / "read.log")
    pages = figures["full"]["stages"]["pages"]
    content = work / "bare"
    shutil.rmtree(content, ignore_errors=True)
    bare_pages(content, pages)
    figures["render_floor"] = child(
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
    lines.append("(incr: one rating changed in one company; text: one comment's words changed)")
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
                         f"{f[key]['peak_mib']:.0f} MiB; seconds by stage: {shown}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="S,M", help="comma-separated, of S, M, L (default S,M)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes generating the data (default: one per core)")
    parser.add_argument("--dir", type=Path, help="keep the generated data here, per size "
                        "(DIR/S, DIR/M ...), and reuse it on the next run (same seed only)")
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
            results[name] = measure(name, Path(work), args.seed, args.workers, volumes, keep)
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
