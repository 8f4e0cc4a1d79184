#!/usr/bin/env python3
"""Scoring throughput: Candor's load, validate and score against the same aggregations in
DuckDB, Polars and pandas, on 1,000,000 and 10,000,000 contacts across 1,000 companies.

For each size a seeded generator writes a data tree of Parquet files (<slug>/company.yaml and
<slug>/feedback/<period>.parquet, a file per year, quarter or month: --split). Then, each in its
own child process so that its peak memory is its own (os.wait4's maxrss):

- candor: `scoring.board.build_scoreboard` (no cache), which loads, validates and scores every
  company as a build does, on a build's default runner (one worker process per core from 16
  companies); its seconds by stage (summed over the workers) come from the build's own stats;
- the floors: DuckDB, Polars and pandas each read every Parquet file and compute the same
  aggregations per company and per window (all time, the last 90 days, each month): contacts,
  ratings -> CSAT, NPS promoters and detractors, median and 90th-percentile wait, share of waits
  over 300 s, cases grouped by case_id (contacts per case, solved at first contact), and CSAT
  per site and per channel.

Every floor's figures are checked against Candor's own scores (where Candor has enough data),
so the floors are known to do the same aggregations. The table gives the seconds, peak memory
and the ratio of Candor to the fastest floor; --json writes every figure.

    .venv/bin/pip install -e '.[bench]'          # DuckDB and Polars, for their floors
    .venv/bin/python bench/score_bench.py --sizes 1M
    .venv/bin/python bench/score_bench.py --sizes 1M,10M --dir /tmp/candor-scorebench \\
        --json bench/score_bench.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchlib import child, machine  # noqa: E402

from scoring import demo  # noqa: E402
from scoring.ledger import INDUSTRIES  # noqa: E402

COMPANIES = 1_000  # the default; --companies
GENERATOR = 1  # bumped when the generated data changes: a kept tree of another version is redone
LAST_MONTH = np.datetime64("2026-10", "M")  # every company's data ends with this month
FLOORS = ("duckdb", "polars", "pandas")
PHASES = ("candor", *FLOORS)
NEEDS = {"duckdb": "duckdb", "polars": "polars"}  # floor -> module it needs
INSTALL = ".venv/bin/pip install -e '.[bench]'"
STAGES = ("load", "validate", "score")  # the build's stages shown (seconds summed over workers)

# The figures compared between Candor and the floors: Candor's metric id -> the digest's name.
COMPARED = {
    "contacts": "contacts", "csat": "csat", "nps": "nps", "wait_seconds_p50": "wait_p50",
    "wait_seconds_p90": "wait_p90", "share_waits_over_5min": "long_waits", "cases": "cases",
    "contacts_per_case": "contacts_per_case", "first_contact_resolution": "fcr",
}
DAY = 86_400


def size(text: str) -> int:
    """Rows from a size such as 1M, 10M or 200K."""
    units = {"K": 1_000, "M": 1_000_000}
    text = text.strip().upper()
    if text[-1:] in units and text[:-1].isdigit():
        return int(text[:-1]) * units[text[-1]]
    raise ValueError(f"{text!r} is not a size such as 1M, 10M or 200K")


# --- the data tree --------------------------------------------------------------------------


def _choose(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    names = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    return names[rng.choice(len(names), size, p=p / p.sum())]


def _company_table(index: int, rows: int, seed: int):
    """One company's `rows` contacts as an Arrow table, oldest first: demo-shaped (the demo's
    channels, topics, waits and NPS by rating for its industry), built with numpy alone."""
    import pyarrow as pa

    rng = np.random.default_rng([seed, index])
    industry = INDUSTRIES[index % len(INDUSTRIES)]
    months = int(rng.integers(12, 25))  # 12 to 24 months of data
    start = (LAST_MONTH - months + 1).astype("datetime64[s]").astype(np.int64)
    end = (LAST_MONTH + 1).astype("datetime64[s]").astype(np.int64)
    # cases of 1-4 contacts: each further contact with the company's repeat chance
    repeat = rng.uniform(0.1, 0.35)
    n_cases = int(rows * (1 - repeat)) + 16
    sizes = np.minimum(rng.geometric(1 - repeat, n_cases), 4)
    while sizes.sum() < rows:
        sizes = np.concatenate([sizes, np.minimum(rng.geometric(1 - repeat, n_cases), 4)])
    case_of = np.repeat(np.arange(len(sizes)), sizes)[:rows]
    n_cases = int(case_of[-1]) + 1
    first = np.ones(rows, dtype=bool)
    first[1:] = case_of[1:] != case_of[:-1]
    # case start: volume growing over time, office hours
    day = start + np.floor(rng.power(1.4, n_cases) * (end - start) / DAY).astype(np.int64) * DAY
    hours = np.array(demo.HOUR_WEIGHTS)
    hour = rng.choice(24, n_cases, p=hours / hours.sum())
    case_start = day + hour * 3600 + rng.integers(0, 3600, n_cases)
    # further contacts: within the day or within the week, like the demo
    gap = np.where(rng.random(rows) < 0.5, rng.integers(20 * 60, 18 * 3600, rows),
                   rng.integers(DAY, 7 * DAY, rows))
    gap[first] = 0
    elapsed = np.cumsum(gap)
    elapsed -= elapsed[np.flatnonzero(first)][case_of]
    submitted = case_start[case_of] + elapsed
    late = submitted >= end
    submitted[late] = end - rng.integers(1, DAY, int(late.sum()))
    # who answers: in-house and up to two vendors, each with its own quality and queue
    n_sites = int(rng.integers(1, 4))
    site_names = np.array(["in-house", "vendor-a", "vendor-b"][:n_sites])
    site_case = rng.choice(n_sites, n_cases, p=rng.dirichlet(np.full(n_sites, 2.0)))
    site_shift = np.concatenate([[0.0], rng.uniform(-0.2, 0.05, 2)])[:n_sites]
    site_wait = np.concatenate([[1.0], rng.uniform(0.8, 2.5, 2)])[:n_sites]
    site = site_case[case_of]
    stage_case = np.where(rng.random(n_cases) < rng.uniform(0.15, 0.35), "pre_sale", "post_sale")
    topic_case = np.empty(n_cases, dtype=object)
    for stage, weights in demo.TOPICS[industry].items():
        mask = stage_case == stage
        topic_case[mask] = _choose(rng, weights, int(mask.sum()))
    stage = stage_case[case_of].astype(object)
    stage[rng.random(rows) < 0.03] = None
    channel = _choose(rng, demo.CHANNELS[industry], n_cases)[case_of]
    switch = ~first & (rng.random(rows) < 0.4)
    channel[switch] = _choose(rng, demo.CHANNELS[industry], int(switch.sum()))
    # waits by channel (the demo's chance of a recorded wait and its queue factor)
    recorded = np.zeros(rows, dtype=bool)
    factor = np.zeros(rows)
    for name, (chance, queue) in demo.WAITS.items():
        mask = channel == name
        recorded[mask] = rng.random(int(mask.sum())) < chance
        factor[mask] = queue
    median = rng.uniform(40, 400) * np.maximum(factor, 0.1) * site_wait[site]
    wait = np.floor(rng.lognormal(np.log(median), 0.8)).astype(float)
    wait[rng.random(rows) < 0.03] = 0
    wait[~recorded] = np.nan
    # resolved: the last contact of a resolved case says true, the others false; a few unknown
    last = np.ones(rows, dtype=bool)
    last[:-1] = case_of[1:] != case_of[:-1]
    solved_case = rng.random(n_cases) < rng.uniform(0.7, 0.95)
    resolving = last & solved_case[case_of]
    live = np.isin(channel, demo.LIVE_CHANNELS) & (rng.random(rows) < 0.7)
    delay = np.where(live, rng.integers(60, 1800, rows), rng.integers(3600, 3 * DAY, rows))
    resolved_at = np.minimum(submitted + delay, np.maximum(end - 1, submitted))
    # satisfaction: the company's level, the site, the stage, being fixed, a long wait
    good = (rng.uniform(0.5, 0.9) + site_shift[site] + np.where(stage == "pre_sale", 0.04, -0.01)
            + np.where(resolving, 0.05, -0.1)
            - 0.08 * np.log((np.nan_to_num(wait, nan=median) + 60) / (median + 60)))
    is_good = rng.random(rows) < np.clip(good, 0.02, 0.98)
    felt = np.where(is_good, rng.choice([4, 5], rows, p=[0.45, 0.55]),
                    rng.choice([1, 2, 3], rows, p=[0.3, 0.3, 0.4]))
    nps = np.zeros(rows, dtype=np.int64)
    for rating, weights in demo.NPS_BY_RATING.items():
        mask = felt == rating
        p = np.array(weights, dtype=float)
        nps[mask] = rng.choice(11, int(mask.sum()), p=p / p.sum())
    pool = np.array(demo.PLEASED + demo.MIXED + demo.UNHAPPY, dtype=object)
    commented = rng.random(rows) < 0.08
    comment = np.full(rows, None, dtype=object)
    comment[commented] = pool[rng.integers(0, len(pool), int(commented.sum()))]
    resolved = pa.array(resolving, mask=rng.random(rows) < 0.04)
    order = np.argsort(submitted, kind="stable")

    def stamps(seconds: np.ndarray, mask: np.ndarray | None = None):
        return pa.array(seconds[order], type=pa.timestamp("s", tz="UTC"),
                        mask=None if mask is None else mask[order])

    table = pa.table({
        "id": pa.array([f"c{i:07d}" for i in range(1, rows + 1)]),
        "submitted_at": stamps(submitted),
        "channel": pa.array(channel[order].astype(str)),
        "case_id": pa.array([f"k{i:07d}" for i in case_of[order]]),
        "stage": pa.array(stage[order], type=pa.string()),
        "topic": pa.array(topic_case[case_of][order], type=pa.string()),
        "site": pa.array(site_names[site][order]),
        "rating": pa.array(felt[order], type=pa.int8(),
                           mask=(rng.random(rows) >= rng.uniform(0.3, 0.6))[order]),
        "nps": pa.array(nps[order], type=pa.int8(), mask=(rng.random(rows) >= 0.3)[order]),
        "wait_seconds": pa.array(wait[order], from_pandas=True),
        "resolved": resolved.take(pa.array(order)),
        "resolved_at": stamps(resolved_at, ~resolving),
        "comment": pa.array(comment[order], type=pa.string()),
        "comment_public": pa.array((commented & (rng.random(rows) < 0.5))[order]),
    })
    return industry, table


SPLITS = ("year", "quarter", "month")  # how a company's feedback is split into files


def _write_company(job: tuple[Path, int, int, int, str]) -> int:
    """Write one company's folder; its feedback in one file per calendar `split`."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder, index, rows, seed, split = job
    industry, table = _company_table(index, rows, seed)
    slug = f"bench-{index:04d}"
    feedback = folder / slug / "feedback"
    feedback.mkdir(parents=True)
    (folder / slug / "company.yaml").write_text(
        f"name: Bench Company {index}\nindustry: {industry}\n", encoding="utf-8")
    when = table.column("submitted_at")
    part = {"year": pc.year(when), "quarter": pc.quarter(when), "month": pc.month(when)}[split]
    period = pc.add(pc.multiply(pc.year(when), 100), part if split != "year" else 0).to_numpy()
    bounds = np.flatnonzero(np.diff(period)) + 1
    for begin, stop in zip([0, *bounds], [*bounds, len(period)], strict=True):
        year, number = divmod(int(period[begin]), 100)
        name = {"year": f"{year}", "quarter": f"{year}-Q{number}",
                "month": f"{year}-{number:02d}"}[split]
        pq.write_table(table.slice(begin, stop - begin), feedback / f"{name}.parquet")
    return rows


def generate(folder: Path, rows: int, companies: int, seed: int, split: str,
             workers: int) -> dict:
    """The tree of `companies` companies holding `rows` contacts in all, unevenly (log-normal
    volumes, as real companies differ), written by `workers` processes."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0, 0.6, companies)
    counts = np.floor(weights / weights.sum() * rows).astype(int)
    counts[: rows - counts.sum()] += 1
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder, index, int(count), seed, split) for index, count in enumerate(counts)]
    with multiprocessing.Pool(workers) as pool:
        written = sum(pool.imap_unordered(_write_company, jobs, chunksize=8))
    files = list(folder.glob("*/feedback/*.parquet"))
    return {"seconds": time.perf_counter() - started, "rows": written, "files": len(files),
            "mib": sum(p.stat().st_size for p in files) / 2**20}


def ensure_tree(folder: Path, rows: int, companies: int, seed: int, split: str,
                workers: int) -> dict:
    """Generate the tree unless `folder` already holds one made with the same parameters (its
    bench-manifest.json says so); a non-empty folder without a manifest is refused."""
    manifest = folder / "bench-manifest.json"
    wanted = {"rows": rows, "companies": companies, "seed": seed, "split": split,
              "generator": GENERATOR}
    if manifest.is_file():
        kept = json.loads(manifest.read_text())
        if {k: kept.get(k) for k in wanted} == wanted:
            return {**kept, "reused": True}
    elif folder.exists() and any(folder.iterdir()):
        sys.exit(f"{folder} is not empty and holds no bench-manifest.json; refusing to write "
                 "into it")
    if folder.exists():
        shutil.rmtree(folder)
    figures = {**wanted, **generate(folder, rows, companies, seed, split, workers)}
    manifest.write_text(json.dumps(figures) + "\n")
    return {**figures, "reused": False}


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> dict:
    """Wall and CPU seconds (all threads) since _clock()."""
    return {"seconds": time.perf_counter() - start[0],
            "cpu_seconds": time.process_time() - start[1]}


def definitions() -> dict:
    """The metrics' definitions the floors use, taken from Candor (the parent reads them and
    hands them to each floor's process, which then needs no import of scoring)."""
    from scoring.board import RECENT_DAYS
    from scoring.config import read_config
    from scoring.metrics import DETRACTOR_NPS, GOOD_RATING, PROMOTER_NPS

    return {"good": GOOD_RATING, "promoter": PROMOTER_NPS, "detractor": DETRACTOR_NPS,
            "long_wait": read_config().thresholds.long_wait_seconds, "recent_days": RECENT_DAYS}


# --- Candor ---------------------------------------------------------------------------------


def run_candor(data: Path, _: dict) -> dict:
    from scoring.board import (
        PARALLEL_FROM,
        build_scoreboard,
        collect_less_often,
        import_for_reading,
        process_runner,
    )
    from scoring.config import read_config

    # what a build imports as it first needs it (scoring.board.BUILD_IMPORTS) is imported
    # before Candor's clock starts, as each floor imports its library before its own (0.17 s,
    # which each worker process paid again on the clock before)
    import_for_reading()
    collect_less_often()  # as publish.py build does
    config = read_config()
    started = _clock()
    board = build_scoreboard(data, config=config,
                             run=process_runner(os.cpu_count() or 1, minimum=PARALLEL_FROM))
    timing = _since(started)
    problems = [p for c in board.companies for p in c.problems] + board.problems
    if problems:
        sys.exit(f"the generated data should be valid: {problems[:3]}")
    digest: dict = {}
    for company in board.companies:
        windows = {**company.windows, **dict(company.monthly)}
        digest[company.slug] = {
            window: {name: scores[metric].value for metric, name in COMPARED.items()
                     if metric in scores}
            for window, scores in windows.items()
        }
        digest[company.slug]["all"].update({
            f"{dimension}:{group.name}": group.csat.value
            for dimension in ("site", "channel") for group in company.breakdowns[dimension]
        })
    # the build's summarize stage (summaries, then the first scoring) is counted as score
    stages = dict(board.stats.seconds)
    stages["score"] = stages.get("score", 0.0) + stages.pop("summarize", 0.0)
    return {**timing, "rows": board.contacts, "companies": len(board.companies),
            "as_of": board.as_of.isoformat(), "stages": stages, "digest": digest}


# --- the floors: the same aggregations, each with one library -------------------------------
# Each returns its seconds, the rows it read and its result tables (read by _long): a row per
# company and window with a column per figure (COMPARED's digest names), or a row per group
# with its `name` ("site:<name>", "channel:<name>") and `csat`.


DUCKDB_SQL = """
SET TimeZone = 'UTC';
CREATE TEMP TABLE c AS
SELECT regexp_extract(filename, '([^/]+)/feedback/[^/]+$', 1) AS company, submitted_at,
       channel, coalesce(case_id, id) AS case_id, site, rating, nps, wait_seconds, resolved
FROM read_parquet('{glob}', filename = true);
CREATE TEMP TABLE cases AS
SELECT company, case_id, min(submitted_at) AS first_at, count(*) AS n,
       bool_or(resolved) AS solved, count(resolved) > 0 AS known
FROM c GROUP BY company, case_id;
"""
DUCKDB_CONTACTS = """
SELECT company, {window} AS window, count(*) AS contacts,
       100.0 * count_if(rating >= {good}) / count(rating) AS csat,
       100.0 * (count_if(nps >= {promoter}) - count_if(nps <= {detractor})) / count(nps) AS nps,
       quantile_cont(wait_seconds, 0.5) AS wait_p50, quantile_cont(wait_seconds, 0.9) AS wait_p90,
       100.0 * count_if(wait_seconds > {long_wait}) / count(wait_seconds) AS long_waits
FROM c {where} GROUP BY ALL
"""
DUCKDB_CASES = """
SELECT company, {window} AS window, count(*) AS cases, avg(n) AS contacts_per_case,
       100.0 * count_if(solved AND n = 1) / count_if(known) AS fcr
FROM cases {where} GROUP BY ALL
"""
DUCKDB_GROUPS = """
SELECT company, {window} AS window, '{dimension}:' || {dimension} AS name,
       100.0 * count_if(rating >= {good}) / count(rating) AS csat
FROM c {where} GROUP BY ALL
"""


def _windows(column: str, recent: str) -> list[tuple[str, str]]:
    """(window label, WHERE clause): all time, the last 90 days, each month (UTC)."""
    return [("'all'", ""), ("'90d'", f"WHERE {column} >= {recent}"),
            (f"strftime({column}, '%Y-%m')", "")]


def run_duckdb(data: Path, d: dict) -> dict:
    import duckdb

    started = _clock()
    db = duckdb.connect()
    db.execute(DUCKDB_SQL.format(glob=f"{data}/*/feedback/*.parquet"))
    rows, newest = db.execute("SELECT count(*), max(submitted_at)::DATE FROM c").fetchone()
    recent = f"(DATE '{newest}' + INTERVAL 1 DAY - INTERVAL {d['recent_days']} DAY)"
    params = {key: d[key] for key in ("good", "promoter", "detractor", "long_wait")}
    queries = []
    for window, where in _windows("submitted_at", recent):
        queries.append(DUCKDB_CONTACTS.format(window=window, where=where, **params))
        queries += [DUCKDB_GROUPS.format(window=window, where=where, dimension=dimension,
                                         **params) for dimension in ("site", "channel")]
    queries += [DUCKDB_CASES.format(window=window, where=where)
                for window, where in _windows("first_at", recent)]
    frames = []
    for query in queries:
        result = db.execute(query)  # DuckDB 2 renamed fetch_arrow_table to to_arrow_table
        frames.append((getattr(result, "to_arrow_table", None) or result.fetch_arrow_table)())
    return {**_since(started), "rows": rows, "results": frames}


def run_polars(data: Path, d: dict) -> dict:
    import polars as pl

    started = _clock()
    c = pl.scan_parquet(f"{data}/*/feedback/*.parquet", include_file_paths="path").select(
        "path", "id", "submitted_at", "channel", "case_id", "site", "rating", "nps",
        "wait_seconds", "resolved").collect()
    c = c.with_columns(
        pl.col("path").str.extract(r"([^/]+)/feedback/[^/]+$").cast(pl.Categorical)
        .alias("company"),
        pl.coalesce("case_id", "id").alias("case_id"),
    ).drop("path", "id")
    cases = c.group_by("company", "case_id").agg(
        pl.col("submitted_at").min().alias("first_at"), pl.len().alias("n"),
        pl.col("resolved").any().alias("solved"),
        (pl.col("resolved").count() > 0).alias("known"),
    )
    newest = c.select(pl.col("submitted_at").max()).item()
    recent = (newest.replace(hour=0, minute=0, second=0, microsecond=0)
              + dt.timedelta(days=1 - d["recent_days"]))
    rated = pl.col("rating").is_not_null().sum()
    contacts_aggs = [
        pl.len().alias("contacts"),
        (100 * (pl.col("rating") >= d["good"]).sum() / rated).alias("csat"),
        (100 * ((pl.col("nps") >= d["promoter"]).sum().cast(pl.Int64)  # sums are unsigned
                - (pl.col("nps") <= d["detractor"]).sum()) / pl.col("nps").is_not_null().sum())
        .alias("nps"),
        pl.col("wait_seconds").quantile(0.5, "linear").alias("wait_p50"),
        pl.col("wait_seconds").quantile(0.9, "linear").alias("wait_p90"),
        (100 * (pl.col("wait_seconds") > d["long_wait"]).sum()
         / pl.col("wait_seconds").is_not_null().sum()).alias("long_waits"),
    ]
    case_aggs = [
        pl.len().alias("cases"), pl.col("n").mean().alias("contacts_per_case"),
        (100 * (pl.col("solved") & (pl.col("n") == 1)).sum() / pl.col("known").sum())
        .alias("fcr"),
    ]
    frames = []
    for frame, column, aggs, groups in ((c, "submitted_at", contacts_aggs, True),
                                        (cases, "first_at", case_aggs, False)):
        for label, subset in (("all", frame), ("90d", frame.filter(pl.col(column) >= recent)),
                              (None, frame)):
            window = (pl.col(column).dt.strftime("%Y-%m") if label is None else pl.lit(label))
            subset = subset.with_columns(window.alias("window"))
            frames.append(subset.group_by("company", "window").agg(aggs))
            if groups:
                for dimension in ("site", "channel"):
                    frames.append(subset.group_by("company", "window", dimension).agg(
                        (100 * (pl.col("rating") >= d["good"]).sum() / rated).alias("csat"),
                    ).select("company", "window", pl.concat_str(
                        pl.lit(f"{dimension}:"), dimension).alias("name"), "csat"))
    return {**_since(started), "rows": len(c),
            "results": [f.to_arrow() for f in frames]}


def run_pandas(data: Path, d: dict) -> dict:
    import pandas as pd

    started = _clock()
    columns = ["id", "submitted_at", "channel", "case_id", "site", "rating", "nps",
               "wait_seconds", "resolved"]
    parts, owners = [], []
    for path in sorted(data.glob("*/feedback/*.parquet")):
        parts.append(pd.read_parquet(path, columns=columns))
        owners.append((path.parent.parent.name, len(parts[-1])))
    c = pd.concat(parts, ignore_index=True)
    del parts
    c["company"] = pd.Categorical(np.repeat([o for o, _ in owners], [n for _, n in owners]))
    c["case_id"] = c["case_id"].fillna(c["id"])
    c["resolved"] = c["resolved"].astype("boolean")
    c["good"] = (c["rating"] >= d["good"]).astype(float).where(c["rating"].notna())
    c["net"] = ((c["nps"] >= d["promoter"]).astype(float) - (c["nps"] <= d["detractor"])).where(
        c["nps"].notna())
    c["long"] = (c["wait_seconds"] > d["long_wait"]).astype(float).where(
        c["wait_seconds"].notna())
    cases = c.groupby(["company", "case_id"], observed=True, sort=False).agg(
        first_at=("submitted_at", "min"), n=("submitted_at", "size"),
        solved=("resolved", "any"), known=("resolved", "count"))
    cases = cases.reset_index()
    cases["fcr"] = (cases["solved"] & (cases["n"] == 1)).astype(float).where(cases["known"] > 0)
    end = c["submitted_at"].max().normalize() + pd.Timedelta(days=1)
    recent = end - pd.Timedelta(days=d["recent_days"])
    frames = []
    for frame, column in ((c, "submitted_at"), (cases, "first_at")):
        month = frame[column].dt.year * 100 + frame[column].dt.month  # strftime is slow
        for label, subset in (("all", frame), ("90d", frame[frame[column] >= recent]),
                              (None, frame)):
            keys = ["company", month if label is None else pd.Series(label, index=subset.index)]
            grouped = subset.groupby(keys, observed=True, sort=False)
            if column == "first_at":
                out = grouped.agg(cases=("n", "size"), contacts_per_case=("n", "mean"),
                                  fcr=("fcr", "mean"))
                out["fcr"] *= 100
            else:
                out = grouped.agg(contacts=("good", "size"), csat=("good", "mean"),
                                  nps=("net", "mean"), long_waits=("long", "mean"))
                waits = grouped["wait_seconds"]
                out["wait_p50"], out["wait_p90"] = waits.quantile(0.5), waits.quantile(0.9)
                out[["csat", "nps", "long_waits"]] *= 100
                for dimension in ("site", "channel"):
                    by = subset.groupby([*keys, dimension], observed=True, sort=False)["good"]
                    groups = by.mean().mul(100).rename("csat").reset_index()
                    groups.columns = ["company", "window", "name", "csat"]
                    groups["name"] = f"{dimension}:" + groups["name"].astype(str)
                    frames.append(_month_labels(groups) if label is None else groups)
            out.index.names = ["company", "window"]
            out = out.reset_index()
            frames.append(_month_labels(out) if label is None else out)
    return {**_since(started), "rows": len(c), "results": frames}


def _month_labels(frame):
    """The window column's year * 100 + month as YYYY-MM."""
    window = frame["window"]
    frame["window"] = ((window // 100).astype(str) + "-"
                       + (window % 100).astype(str).str.zfill(2))
    return frame


# --- the child process: one phase, its figures as JSON --------------------------------------


def _long(frames) -> dict:
    """The floors' result tables as {company: {window: {name: value}}}: a table of groups has a
    `name` column ("site:<name>") and a `csat` column, any other a column per figure."""
    import pyarrow as pa

    digest: dict = {}
    for frame in frames:
        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame)
        data = table.to_pydict()
        figures = [n for n in data if n not in ("company", "window", "name")]
        for i, (company, window) in enumerate(zip(data["company"], data["window"], strict=True)):
            slot = digest.setdefault(str(company), {}).setdefault(str(window), {})
            if "name" in data:
                slot[data["name"][i]] = data["csat"][i]
            else:
                slot.update({name: data[name][i] for name in figures})
    return digest


def run_phase(phase: str, data: Path, out: Path, definitions: dict) -> None:
    runner = {"candor": run_candor, "duckdb": run_duckdb, "polars": run_polars,
              "pandas": run_pandas}[phase]
    figures = runner(data, definitions)
    if "results" in figures:
        figures["digest"] = _long(figures.pop("results"))
    out.write_text(json.dumps(figures, default=str), encoding="utf-8")


# --- the parent: each phase in a child, compared and reported -------------------------------


def disagreements(candor: dict, floor: dict) -> tuple[int, list[str]]:
    """How many figures were compared, and where a floor's figure differs from Candor's
    (Candor's None, not enough data, is not compared); none means the floor did the same
    aggregations."""
    found, compared = [], 0
    for company, windows in candor.items():
        for window, values in windows.items():
            theirs = floor.get(company, {}).get(window, {})
            for name, value in values.items():
                if value is None:
                    continue
                compared += 1
                other = theirs.get(name)
                if other is None and value == 0:
                    continue  # a month without contacts: the floors have no row for it
                if other is None or not math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9):
                    found.append(f"{company} {window} {name}: candor {value}, floor {other}")
    return compared, found


def warm(folder: Path) -> None:
    """Read every file of the tree once, so that every phase finds it in the page cache: the
    machine may have dropped a kept tree's pages since it was last read, and the first phase
    (Candor's) would then read from disk what the floors after it read from memory."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            path.read_bytes()


def measure(name: str, rows: int, companies: int, work: Path, keep: Path | None, seed: int,
            split: str, workers: int, phases: list[str]) -> dict:
    data = keep or work / "data"
    tree = ensure_tree(data, rows, companies, seed, split, workers)
    print(f"{name}: {tree['rows']:,} contacts in {tree['files']:,} Parquet files, "
          f"{tree['mib']:.0f} MiB "
          + ("(reused)" if tree["reused"] else f"(generated in {tree['seconds']:.0f} s)"),
          flush=True)
    warm(data)
    figures: dict = {"rows": rows, "companies": companies, "data": tree, "phases": {}}
    digests, meaning = {}, json.dumps(definitions())
    for phase in phases:
        module = NEEDS.get(phase)
        if module and importlib.util.find_spec(module) is None:
            print(f"{name}: {phase} skipped: {module} is not installed ({INSTALL})", flush=True)
            figures["phases"][phase] = {"skipped": f"{module} is not installed"}
            continue
        out = work / f"{phase}.json"
        process = child([sys.executable, __file__, "--phase", phase, "--data", str(data),
                         "--out", str(out), "--definitions", meaning],
                        work / f"{phase}.log")
        result = json.loads(out.read_text(encoding="utf-8"))
        digests[phase] = result.pop("digest")
        if result["rows"] != rows:
            sys.exit(f"{phase} read {result['rows']:,} rows, not {rows:,}")
        # the phase's own CPU clock misses worker processes (Candor's): the whole process
        # tree's, start-up included, is then the larger and is used
        result["cpu_seconds"] = max(result["cpu_seconds"], process["cpu_seconds"])
        figures["phases"][phase] = {**result, "process_seconds": process["seconds"],
                                    "peak_mib": process["peak_mib"],
                                    "load_average": machine()["load_average"]}
        print(f"{name}: {phase} {result['seconds']:.1f} s, peak {process['peak_mib']:.0f} MiB",
              flush=True)
    if "candor" in digests:
        for phase in (p for p in digests if p != "candor"):
            compared, wrong = disagreements(digests["candor"], digests[phase])
            figures["phases"][phase].update(compared=compared, disagreements=len(wrong))
            if wrong:
                print(f"{name}: {phase} disagrees with candor on {len(wrong)} figures, e.g. "
                      + "; ".join(wrong[:3]), flush=True)
    floors = {p: f for p, f in figures["phases"].items() if p in FLOORS and "seconds" in f}
    if floors and "candor" in digests:
        candor = figures["phases"]["candor"]
        fastest = min(floors, key=lambda p: floors[p]["seconds"])
        least = min(floors, key=lambda p: floors[p]["cpu_seconds"])
        figures.update(
            fastest_floor=fastest,
            candor_over_fastest=candor["seconds"] / floors[fastest]["seconds"],
            least_cpu_floor=least,
            candor_cpu_over_least=candor["cpu_seconds"] / floors[least]["cpu_seconds"],
        )
    return figures


def report(results: dict) -> str:
    head = (f"{'size':<5}{'phase':<8}{'rows':>12}{'wall s':>8}{'cpu s':>8}{'load':>7}"
            f"{'valid.':>7}{'score':>7}{'rows/s':>10}{'peak MiB':>9}"
            f"{'x fastest':>10}{'agree':>7}")
    lines = [head, "-" * len(head)]
    for name, size in results.items():
        fastest = size.get("fastest_floor")
        best = size["phases"][fastest]["seconds"] if fastest else math.nan
        for phase, f in size["phases"].items():
            if "skipped" in f:
                lines.append(f"{name:<5}{phase:<8}  skipped: {f['skipped']} ({INSTALL})")
                continue
            stages = f.get("stages", {})
            cells = "".join(f"{stages[s]:>7.1f}" if s in stages else f"{'':>7}" for s in STAGES)
            agree = ("" if phase == "candor" else
                     "yes" if f.get("disagreements") == 0 else str(f.get("disagreements", "")))
            lines.append(
                f"{name:<5}{phase:<8}{f['rows']:>12,}{f['seconds']:>8.1f}{f['cpu_seconds']:>8.1f}"
                f"{cells}{f['rows'] / f['seconds']:>10,.0f}{f['peak_mib']:>9.0f}"
                f"{f['seconds'] / best:>10.2f}{agree:>7}")
    lines.append("")
    for name, size in results.items():
        if "candor_over_fastest" in size:
            lines.append(
                f"{name}: candor / fastest floor ({size['fastest_floor']}) = "
                f"{size['candor_over_fastest']:.1f}; in CPU seconds, candor / "
                f"{size['least_cpu_floor']} = {size['candor_cpu_over_least']:.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1M",
                        help="rows, comma-separated: 1M, 10M, 200K ... (default 1M)")
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"comma-separated, of {', '.join(PHASES)} (default: all)")
    parser.add_argument("--companies", type=int, default=COMPANIES,
                        help=f"companies the contacts are spread over (default {COMPANIES:,})")
    parser.add_argument("--split", choices=SPLITS, default="year",
                        help="one feedback file per company and year (default), quarter or month")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2,
                        help="processes generating the data (default 2)")
    parser.add_argument("--dir", type=Path, help="keep the generated data here, per size and "
                        "split (DIR/1M-year ...), and reuse it on the next run (same seed only)")
    parser.add_argument("--keep", action="store_true",
                        help="without --dir: keep the temporary data and print where it is")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)  # the child
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--definitions", type=json.loads, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, args.data, args.out, args.definitions)
        return
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    phases = [p.strip().lower() for p in args.phases.split(",") if p.strip()]
    if bad := [p for p in phases if p not in PHASES]:
        parser.error(f"unknown phase {', '.join(bad)}; choose from {', '.join(PHASES)}")
    try:
        rows = {name: size(name) for name in sizes}
    except ValueError as error:
        parser.error(str(error))
    results = {}
    for name in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"candor-scorebench-{name}-"))
        keep = args.dir / f"{name}-{args.split}" if args.dir else None
        results[name] = measure(name, rows[name], args.companies, work, keep, args.seed,
                                args.split, args.workers, phases)
        if args.keep and not args.dir:
            print(f"{name}: data kept in {work / 'data'}")
            for path in work.iterdir():
                if path.name != "data":
                    path.unlink()
        else:
            shutil.rmtree(work)
    document = {"command": " ".join(["bench/score_bench.py", *sys.argv[1:]]),
                "date": time.strftime("%Y-%m-%d", time.gmtime()), **machine(),
                "sizes": results}
    print(report(results))
    print(f"load average (1, 5, 15 min): {', '.join(map(str, document['load_average']))}")
    if args.json:
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"written to {args.json}")
    if any(f.get("disagreements") for size in results.values() for f in size["phases"].values()):
        sys.exit("a floor disagrees with Candor: it does not do the same aggregations")


if __name__ == "__main__":
    main()
