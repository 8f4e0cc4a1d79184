#!/usr/bin/env python3
"""Candor's command line: validate -> score -> build. Wires the stages; no logic of its own."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import gc
import json
import os
import re
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
COMMANDS = ("build", "validate", "serve", "new", "diff", "audit", "demo", "summarize")
WATCHED = ("content", "theme")
CACHE = ".candor-cache"
STAGES = ("cache", "load", "validate", "summarize", "score", "candor", "audit", "charts", "render",
          "search")


class Progress:
    """Stage progress. On a terminal, once the build has run DELAY seconds, a bar per stage
    rewritten in place; in CI logs (not a terminal) a plain line as each stage starts and ends."""

    DELAY = 2.0
    WIDTH = 30

    def __init__(self, stream=sys.stderr, clock=time.monotonic):
        self.stream = stream
        self.tty = stream.isatty()
        self.clock = clock
        self.began = clock()
        self.stage: str | None = None
        self.stage_began = self.began

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        if stage != self.stage:
            self.stage, self.stage_began = stage, now
            if not self.tty:
                print(f"{stage}: {done}/{total}", file=self.stream, flush=True)
        seconds = now - self.stage_began
        if self.tty and now - self.began >= self.DELAY:
            filled = self.WIDTH * done // total if total else self.WIDTH
            bar = "#" * filled + "." * (self.WIDTH - filled)
            end = "\n" if done == total else ""
            self.stream.write(f"\r{stage:<10} [{bar}] {done}/{total} {seconds:5.1f} s{end}")
            self.stream.flush()
        elif not self.tty and done == total and total:
            print(f"{stage}: {done}/{total} done in {seconds:.1f} s", file=self.stream, flush=True)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-10-31") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _site_url(text: str) -> str:
    """The public address: plain https (it lands in feeds, badge snippets and links)."""
    from scoring.schemas import HTTPS_URL

    if text and (not re.match(HTTPS_URL, text) or any(c in text for c in "?#\"'<>")):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a plain https:// address like https://owner.github.io/repo/")
    return text


def _data_dir(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"data folder {text!r} does not exist")
    return path


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="publish.py",
        description="Validate the feedback under data/, score it and build the public site. "
                    "With no command, runs `build`.",
    )
    commands = top.add_subparsers(dest="command", metavar="{" + ",".join(COMMANDS) + "}")

    def data_option(command):
        command.add_argument("--data", type=_data_dir, default=ROOT / "data",
                             help="folder with one sub-folder per company (default: data/)")

    def build_options(command):
        data_option(command)
        command.add_argument("--output", type=Path, default=ROOT / "output",
                             help="where the site is written; replaced whole (default: output/)")
        command.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD",
                             help="the date scores describe (default: the newest contact)")
        command.add_argument("--site-url", type=_site_url, default="",
                             help="the public https URL the site is served from, if known")
        command.add_argument("--config", type=Path, default=ROOT / "candor.yaml",
                             help="the scoreboard's settings (default: candor.yaml)")
        cache = command.add_mutually_exclusive_group()
        cache.add_argument("--cache", type=Path, default=ROOT / CACHE, metavar="DIR",
                           help="reuse the scores of companies whose files, settings and "
                                f"scoring code are unchanged (default: {CACHE}/)")
        cache.add_argument("--no-cache", dest="cache", action="store_const", const=None,
                           help="score every company afresh and keep nothing")
        engine = command.add_mutually_exclusive_group()
        engine.add_argument("--processes", type=_positive, metavar="N",
                            help="score and render the companies in N worker processes on "
                                 "this machine (default: one per core once 16 or more "
                                 "companies need it; 1: one at a time in this process)")
        engine.add_argument("--workers", type=_positive, metavar="N",
                            help="score the companies on a local Dask cluster of N processes "
                                 "(needs the dask extra)")
        engine.add_argument("--scheduler", metavar="ADDRESS",
                            help="score the companies on the Dask cluster at ADDRESS, e.g. "
                                 "tcp://10.0.0.5:8786 (workers must see the data folder)")

    build = commands.add_parser("build", help="validate, score and build the site (default)",
                                description="Validate, score and build the site into --output.")
    build_options(build)
    build.add_argument("--strict", action="store_true",
                       help="exit 1 if any file was quarantined (for CI)")
    build.add_argument("--timings", type=Path, metavar="FILE",
                       help="write the seconds each stage took as JSON (for bench/scale.py)")

    validate = commands.add_parser("validate", help="check the data only",
                                   description="Check every data file; exit 1 on any error.")
    data_option(validate)
    validate.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD",
                          help="flag contacts dated after this day (default: none can be)")
    validate.add_argument("--format", choices=("text", "github", "json"), default="text",
                          help="text for people, github for workflow annotations, json for tools")

    serve = commands.add_parser("serve", help="build, then preview on localhost",
                                description="Build, serve --output on localhost and rebuild "
                                            "when data/, content/ or theme/ change.")
    build_options(serve)
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    # A preview shows quarantined files; it never fails on them.
    serve.set_defaults(strict=False, timings=None)

    new = commands.add_parser("new", help="scaffold a company folder",
                              description="Write data/SLUG/ with a commented company.yaml, an "
                                          "empty actions.yaml and a header-only feedback CSV, "
                                          "all valid as written.")
    new.add_argument("slug", help="folder name: lower-case letters, digits and hyphens")
    new.add_argument("--data", type=_data_dir, default=ROOT / "data",
                     help="the data folder (default: data/)")
    new.add_argument("--name", help="the company's public name (default: from the slug)")
    new.add_argument("--industry", help="the company's industry (default: the first listed)")

    compare = commands.add_parser(
        "diff", help="Markdown table of score changes since a git revision",
        description="Score the data at a git revision and in the working tree (both as of "
                    "the working tree's date) and print the all-time metrics that moved, per "
                    "company, as a Markdown table for a pull-request summary.")
    compare.add_argument("--base", required=True, metavar="REV",
                         help="the git revision to compare with, e.g. origin/main")
    data_option(compare)
    compare.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD",
                         help="the date both sides are scored as of (default: the newest "
                              "contact in the working tree)")

    audit = commands.add_parser(
        "audit", help="feedback rows deleted or altered after they were committed",
        description="Tamper evidence: walk the git history of the data folder, oldest first, "
                    "and report per company the committed feedback rows (by id) that a later "
                    "commit deleted or altered, with the commit and its date. Adding rows is "
                    "fine. Always exits 0 when it can read the history; 2 on usage errors.")
    data_option(audit)
    audit.add_argument("--format", choices=("text", "json"), default="text",
                       help="text for people, json (a list of events) for tools")

    summarize = commands.add_parser(
        "summarize", help="write monthly summary files of feedback rows (docs/SUMMARIES.md)",
        description="Summarize a company's feedback rows into one summary file per month "
                    "(YYYY-MM.jsonl, mergeable aggregates: docs/SUMMARIES.md), to commit under "
                    "data/SLUG/summaries/ instead of the rows. The rows are checked first, as "
                    "validate checks them; on any problem nothing is written (exit 1).")
    summarize.add_argument("inputs", nargs="+", metavar="INPUT",
                           help="feedback files (.csv, .jsonl, .parquet), or one dataset Dask "
                                "reads: a Parquet folder, a glob or a URL such as "
                                "s3://bucket/feedback/*.parquet (needs the dask extra)")
    summarize.add_argument("--output", type=Path, required=True, metavar="DIR",
                           help="where the month files go, e.g. data/acme/summaries")
    summarize.add_argument("--company", metavar="SLUG",
                           help="the company's slug (default: the folder above --output when "
                                "that is named summaries)")
    summarize.add_argument("--force", action="store_true",
                           help="replace month files that already exist")
    summarize.add_argument("--config", type=Path, default=ROOT / "candor.yaml",
                           help="the scoreboard's settings: its gaming thresholds find the "
                                "bursts a summary keeps (default: candor.yaml)")
    cluster = summarize.add_mutually_exclusive_group()
    cluster.add_argument("--workers", type=_positive, metavar="N",
                         help="summarize a dataset on a local Dask cluster of N processes "
                              "(default: Dask's local scheduler)")
    cluster.add_argument("--scheduler", metavar="ADDRESS",
                         help="summarize a dataset on the Dask cluster at ADDRESS, e.g. "
                              "tcp://10.0.0.5:8786 (workers must reach the dataset)")

    demo = commands.add_parser("demo", help="rewrite --data with the seeded demo companies",
                               description="Rewrite the data folder with the demo companies; "
                                           "the same seed writes the same bytes.")
    demo.add_argument("--data", type=Path, default=ROOT / "data",
                      help="folder to rewrite (default: data/)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    return top


def build(args, progress: Progress) -> int:
    from scoring.board import (
        PARALLEL_FROM,
        build_scoreboard,
        collect_less_often,
        data_commit,
        process_runner,
    )
    from scoring.cache import Cache, SlimEntryWithoutFull
    from scoring.config import ConfigError, read_config
    from scoring.site import build_site, search_index, speculative_pages

    started = time.perf_counter()
    collect_less_often()
    try:
        config = read_config(args.config)
    except ConfigError as error:
        print(f"publish.py build: invalid settings\n{error}", file=sys.stderr)
        return 2
    cache = Cache.for_data(args.cache, args.data) if args.cache else None
    with contextlib.ExitStack() as stack:
        run = (process_runner(args.processes, minimum=2) if args.processes else
               process_runner(os.cpu_count() or 1, minimum=PARALLEL_FROM))
        if args.workers or args.scheduler:
            from scoring.distributed import DaskMissing, dask_runner
            try:
                run = stack.enter_context(dask_runner(args.scheduler, args.workers))
            except (DaskMissing, OSError) as error:
                print(f"publish.py build: {error}", file=sys.stderr)
                return 2
        apart = ((args.processes or os.cpu_count() or 1) >= 2
                 and not (args.workers or args.scheduler))
        # with a cache, the search index may start on the pages of the few companies read as
        # soon as they are scored, before the others are looked up (SearchIndex.speculate)
        search = search_index(args.output, cache, data_commit(args.data)) if (
            cache and apart) else None
        if search:
            stack.callback(search[1].stop)  # Pagefind ends with the build, whatever happens
        # from the cache, a company's result comes slim: the site asks for the whole of it
        # only for the pages it makes again (Cache.fill)
        board = build_scoreboard(
            args.data, as_of=args.as_of, progress=progress, config=config, cache=cache, run=run,
            slim=cache is not None, apart=apart,
            speculate=(speculative_pages, (args.output, args.site_url,
                                           cache.folder / cache.CHARTS)) if search else None,
            on_speculated=search[1].speculate if search else None)
        if cache:
            from scoring.charts import prepare

            templates = prepare(cache.read(cache.CHARTS))
            if templates:
                cache.write(cache.CHARTS, templates)
        progress("render", 0, 1)

        def site(board, search):
            return build_site(board, args.output, site_url=args.site_url,
                              seconds=board.stats.seconds, cache=cache,
                              processes=args.processes or os.cpu_count() or 1,
                              parallel_from=2 if args.processes else PARALLEL_FROM,
                              search=search)

        try:
            built = site(board, search)
        except SlimEntryWithoutFull:  # a damaged entry: scored again, as any such entry is
            board = build_scoreboard(args.data, as_of=args.as_of, progress=progress,
                                     config=config, cache=cache, run=run)
            built = site(board, None)
    seconds = board.stats.seconds
    progress("render", 1, 1)
    if cache:
        cache.prune()
    seconds["total"] = time.perf_counter() - started
    read = sum(c.rows_read for c in board.companies)
    quarantined = board.quarantined
    lines = [
        f"Built {args.output} in {seconds['total']:.1f} s",
        f"  companies    {len(board.companies)}",
        f"  read         {board.stats.summarized}" + (
            f", summaries of {len(board.companies) - board.stats.summarized} reused from cache"
            if cache else ""),
        f"  scored       {board.stats.scored}" + (
            f", reused {board.stats.reused} from cache" if cache else " (no cache)"),
        f"  contacts     {board.contacts:,} counted of {read:,} read",
        f"  quarantined  {len(quarantined)} file{'s' if len(quarantined) != 1 else ''}",
        *(f"    {c.slug}: {c.rows_read:,} rows read = {c.rows_counted:,} counted + "
          f"{c.rows_quarantined:,} in {len(c.quarantined)} quarantined file"
          f"{'s' if len(c.quarantined) != 1 else ''}"
          for c in board.companies if c.quarantined),
        *(f"    {p}" for f in quarantined for p in f.problems),
        *(f"  problem      {p}" for p in board.problems),
        f"  pages        {built.pages}" + (
            f", {built.reused} companies' files reused from cache" if cache else ""),
        f"  as of        {board.as_of.isoformat()} (methodology v{board.methodology_version})",
        "  seconds      " + ", ".join(f"{stage} {seconds[stage]:.1f}" for stage in STAGES
                                      if stage in seconds)
        # no page changed what the search index holds: the last build's was kept
        + (" (search index reused)" if built.search_reused else ""),
    ]
    print("\n".join(lines), flush=True)
    if args.timings:
        args.timings.write_text(json.dumps({
            "seconds": {stage: round(seconds.get(stage, 0.0), 4) for stage in (*STAGES, "total")},
            "companies": len(board.companies), "scored": board.stats.scored,
            "reused": board.stats.reused, "read": board.stats.summarized,
            "rescored": board.stats.rescored, "contacts": board.contacts, "pages": built.pages,
            "pages_reused": built.reused, "search_reused": built.search_reused,
            "search_copied": built.search_copied, "search_started": built.search_started,
        }, indent=1) + "\n", encoding="utf-8")
    if args.strict and (quarantined or board.problems):
        print("strict: data errors above; exiting 1", file=sys.stderr)
        return 1
    return 0


def validate(args) -> int:
    from scoring.board import check

    problems = check(args.data, args.as_of)
    print_problems(problems, args.format)
    return 1 if problems else 0


def print_problems(problems: list, format: str = "text") -> None:
    """Problems as `validate` prints them: for people, as GitHub annotations, or as JSON."""
    if format == "json":
        print(json.dumps([p.as_dict() for p in problems], indent=1))
    elif format == "github":
        for p in problems:
            where = ",".join(f"{key}={_escape_annotation(str(value), True)}" for key, value in
                             (("file", p.file), ("line", p.line), ("col", p.column),
                              ("title", p.code)) if value)
            text = f"{p.message}. Fix: {p.hint}" if p.hint else p.message
            print(f"::{p.severity} {where}::{_escape_annotation(text)}")
    else:
        colour = sys.stdout.isatty()
        red, reset = ("\033[31m", "\033[0m") if colour else ("", "")
        current = None
        for p in problems:
            if p.file != current:
                current = p.file
                print(f"\n{p.file}")
            where = f"{p.line}:{p.column}" if p.column else f"{p.line or '-'}"
            print(f"  {where:>8}  {red}{p.code}{reset}  {p.message}")
            if p.hint:
                print(f"{'':12}hint: {p.hint}")
        print(f"\n{len(problems)} problem{'s' if len(problems) != 1 else ''} found"
              if problems else "All data files are valid.")


def _escape_annotation(text: str, property_value: bool = False) -> str:
    """GitHub workflow commands end at a newline, so % and line breaks are encoded; in a
    property (file=, title=) a comma or colon would end the value, so those are too."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def _snapshot(paths: list[Path]) -> dict[Path, float]:
    return {f: f.stat().st_mtime for root in paths for f in root.rglob("*") if f.is_file()}


def serve(args, progress: Progress) -> int:
    import http.server  # here: a build need not import it

    if build(args, progress) not in (0, 1):
        return 1
    watched = [args.data, *(ROOT / name for name in WATCHED)]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(args.output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Serving {args.output} on http://localhost:{args.port}/ (Ctrl-C to stop)")
    seen = _snapshot(watched)
    try:
        while True:
            time.sleep(1)
            now = _snapshot(watched)
            if now != seen:
                seen = now
                print("change seen: rebuilding")
                build(args, progress)
    except KeyboardInterrupt:
        server.shutdown()
    return 0


def new(args) -> int:
    from scoring.scaffold import ScaffoldError, new_company

    try:
        files = new_company(args.data, args.slug, args.name, args.industry)
    except ScaffoldError as error:
        print(f"publish.py new: {error}", file=sys.stderr)
        return 2
    print("Wrote:", *(f"  {path}" for path in files), sep="\n")
    print("Edit company.yaml, add your contacts to the CSV, then run: python publish.py validate")
    return 0


def diff(args) -> int:
    from scoring.config import ConfigError
    from scoring.diff import diff as score_diff
    from scoring.git import GitError

    try:
        print(score_diff(args.data, args.base, args.as_of), end="")
    except (GitError, ConfigError) as error:
        print(f"publish.py diff: {error}", file=sys.stderr)
        return 2
    return 0


def audit(args) -> int:
    from scoring.audit import GitError, is_shallow, report_json, report_text
    from scoring.audit import audit as find_events

    try:
        events = find_events(args.data)
        shallow = is_shallow(args.data)
    except GitError as error:
        print(f"publish.py audit: {error}", file=sys.stderr)
        return 2
    if shallow:
        print("publish.py audit: this is a shallow clone; only the history it holds is audited "
              "(fetch it whole, e.g. fetch-depth: 0)", file=sys.stderr)
    print(report_json(events) if args.format == "json" else report_text(events), end="")
    return 0


def summarize(args) -> int:
    from scoring.config import ConfigError, read_config
    from scoring.distributed import DaskMissing
    from scoring.ledger import FEEDBACK_SUFFIXES, SLUG_PATTERN
    from scoring.summary_file import DatasetError, dataset_parts, files_of, part, rows_of

    def fail(message: str) -> int:
        print(f"publish.py summarize: {message}", file=sys.stderr)
        return 2

    company = args.company or (args.output.resolve().parent.name
                               if args.output.name == "summaries" else None)
    if not company or not re.fullmatch(SLUG_PATTERN, company):
        return fail(f"{company!r} is not a company slug; give --company SLUG" if company else
                    "give --company SLUG (or an --output folder named summaries)")
    try:
        gaming = read_config(args.config).gaming
    except ConfigError as error:
        return fail(f"invalid settings\n{error}")
    local = [Path(name) for name in args.inputs
             if Path(name).is_file() and Path(name).suffix in FEEDBACK_SUFFIXES]
    if local and len(local) != len(args.inputs):
        return fail("give feedback files, or one dataset for Dask, not both")
    if not local and len(args.inputs) != 1:
        return fail("give one dataset (a folder, glob or URL) at a time")
    if local and (args.workers or args.scheduler):
        return fail("--workers and --scheduler summarize a dataset; feedback files are "
                    "summarized here")
    if local:
        contacts, problems = rows_of(local)
        parts = None if contacts is None else [part(contacts, gaming)]
    else:
        try:
            with contextlib.ExitStack() as stack:
                if args.workers or args.scheduler:
                    from scoring.distributed import dask_client
                    stack.enter_context(dask_client(args.scheduler, args.workers))
                parts, problems = dataset_parts(args.inputs[0], gaming)
        except (DatasetError, DaskMissing, OSError) as error:
            return fail(str(error))
    if problems:
        print_problems(problems)
        return 1
    files = files_of(parts, company, gaming)
    existing = [name for name in files if (args.output / name).exists()]
    if existing and not args.force:
        return fail(f"{args.output / existing[0]} exists ({len(existing)} of the "
                    f"{len(files)} files do); give --force to replace them")
    if not files:
        print("No contacts in the input: nothing written.")
        return 0
    args.output.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.output / name).write_text(text, encoding="utf-8", newline="\n")
    print(f"Wrote {len(files)} summary file{'s' if len(files) != 1 else ''} of {company} to "
          f"{args.output}:", *(f"  {name}" for name in files), sep="\n")
    return 0


def demo(args) -> int:
    from scoring.demo import write_demo

    write_demo(args.data, seed=args.seed)
    print(f"Wrote the demo companies to {args.data} (seed {args.seed})")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = parser().parse_args(argv)
    progress = Progress()
    if args.command == "validate":
        return validate(args)
    if args.command == "demo":
        return demo(args)
    if args.command == "new":
        return new(args)
    if args.command == "diff":
        return diff(args)
    if args.command == "audit":
        return audit(args)
    if args.command == "summarize":
        return summarize(args)
    if args.command == "serve":
        return serve(args, progress)
    return build(args, progress)


if __name__ == "__main__":
    try:
        code = main()
    except BrokenPipeError:  # e.g. `publish.py validate | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    # Everything the command made is left out of the collector's last pass as the interpreter
    # exits: that pass scans all of it to free what exiting frees anyway (0.8 s after a build
    # at L, a sixth of an incremental one). Exit handlers and flushes run as usual.
    gc.freeze()
    sys.exit(code)
