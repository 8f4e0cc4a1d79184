"""Scoreboard -> site: the only module that imports Pelican; one Generator renders every page."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import importlib.metadata
import json
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape
from pelican import Pelican, signals
from pelican import log as pelican_log
from pelican.generators import Generator
from pelican.settings import read_settings
from pelican.utils import get_relative_path, path_to_url

from . import export, schemas
from .board import BREAKDOWNS, RECENT_DAYS, WINDOWS, CompanyResult, Scoreboard
from .cache import Cache, code_version
from .charts import SPARK_HEIGHT, SPARK_WIDTH, company_charts, methodology_marks, sparklines
from .export import inert, interval, number, shown
from .gaming import methodology as gaming_methodology
from .ledger import (
    ACTION_STATUSES,
    EXAMPLE_ACTIONS_YAML,
    EXAMPLE_FEEDBACK_CSV,
    FEEDBACK_COLUMNS,
    MAX_FEEDBACK_FILE_BYTES,
    MAX_YAML_FILE_BYTES,
)
from .metrics import CHANGELOG, METHODOLOGY_VERSION, METRICS, CandorConfig, Score, Thresholds
from .pages import (
    INDUSTRY_METRICS,
    action_log,
    badge,
    badge_snippets,
    effect_text,
    feed,
    industries,
    part_cells,
    status_date,
)
from .problems import CODES
from .ranks import METHODOLOGY as RANK_METHODOLOGY
from .ranks import RANKED_BY, rank_ranges
from .scaffold import company_yaml
from .schemas import SCHEMAS
from .search import HELD_PAGES, PAGEFIND, SearchIndex, shown_commit

ROOT = Path(__file__).resolve().parent.parent
# The first element of <head>: nothing but the site's own files may load or run.
# 'wasm-unsafe-eval' lets Pagefind's search compile its WebAssembly; it allows no JS eval.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'")


def finalize(value):
    """Every {{ value }} a template prints: text without bidi overrides or zero-width characters
    (export.inert; ASCII has none, and most of what a page prints is ASCII); Markup stays
    Markup, so it is not escaped twice."""
    if not isinstance(value, str) or value.isascii():
        return value
    return Markup(inert(value)) if isinstance(value, Markup) else inert(value)


def json_script(value) -> Markup:
    """JSON for a <script type="application/json"> block: <, >, & and ' escaped as \\u00XX."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return Markup(text)


# A score as every page shows it; plain functions, not Jinja macros, since a page calls them
# hundreds of times (the month-by-month tables).
def score(value: Score, metric_id: str) -> Markup:
    """The value as a visitor reads it, or "not enough data" with the reason as its title."""
    if value.value is None:
        return Markup(f'<span class="nodata" title="{escape(finalize(value.reason))}">'
                      "not enough data</span>")
    return Markup(f'<span class="value">{escape(finalize(shown(value, metric_id)))}</span>')


def score_with_interval(value: Score, metric_id: str) -> Markup:
    spread = interval(value, metric_id)
    if not spread:
        return score(value, metric_id)
    return Markup(f'{score(value, metric_id)} <span class="ci">95%: '
                  f"{escape(finalize(spread))}</span>")


def month_rows(monthly: list[tuple[str, dict[str, Score]]], metric_ids: tuple[str, ...],
               marks: dict) -> list[Markup]:
    """The rows of the table under a chart, a month each: its score, 95% interval and n per
    metric. They are most of a company page's cells: written here, not by the template."""
    rows = []
    for month, scores in monthly:
        mark = (f' <span class="small">methodology v{escape(finalize(marks[month].version))}'
                " from here</span>" if month in marks else "")
        cells = "".join(
            f"<td>{score(scores[metric_id], metric_id)}</td>"
            f"<td>{escape(finalize(interval(scores[metric_id], metric_id)))}</td>"
            f'<td class="num">{escape(finalize(f"{scores[metric_id].n:,}"))}</td>'
            for metric_id in metric_ids)
        rows.append(Markup(f'<tr><th scope="row">{escape(finalize(month))}{mark}</th>'
                           f"{cells}</tr>"))
    return rows


def _html(value) -> Markup:
    """`value` as {{ value }} prints it in a template: finalized, then escaped."""
    return escape(finalize(value))


def _n(count: int) -> Markup:
    return _html(f"{count:,}")


def sort_key(value: Score, metric_id: str) -> Markup | str:
    """A leaderboard cell's sort key: the value as published (scores.json), rounded as Jinja's
    round filter does (a float prints as one), empty for "not enough data"."""
    if value.value is None:
        return ""
    return _html(round(value.value, METRICS[metric_id].decimals))


def leaderboard_rows(companies: list[CompanyResult], ranks: dict, sparks: dict, fresh: dict,
                     site_url: str) -> list[Markup]:
    """The leaderboard's rows, a company each, its cells in the order of the table's columns:
    most of the page, written here rather than by the template (as month_rows)."""
    site, width, height = _html(site_url), _html(SPARK_WIDTH), _html(SPARK_HEIGHT)
    rows = []
    for c in companies:
        scores, rank, spark, days = (c.windows["all"], ranks.get(c.slug), sparks[c.slug],
                                     fresh[c.slug])
        name, industry, candor = _html(c.name), _html(c.industry or ""), scores["candor_score"]
        if candor.value is None:
            chip = score(candor, "candor_score")
        else:
            spread = interval(candor, "candor_score")
            chip = (f'<span class="score-chip">{_html(shown(candor, "candor_score"))}</span>'
                    + (f' <span class="ci">95%: {_html(spread)}</span>' if spread else "")
                    + (f' <span class="n partial" title="{_html(candor.reason)}">partial</span>'
                       if candor.reason else ""))
        if spark.path:
            trend = (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 '
                     f'{width} {height}" aria-hidden="true" focusable="false"><path d="'
                     f'{_html(spark.path)}"/><circle cx="{_html(spark.last[0])}" cy="'
                     f'{_html(spark.last[1])}" r="2.5"/></svg><span class="visually-hidden">'
                     f"{_html(spark.summary)}</span>")
        else:
            trend = f'<span class="nodata" title="{_html(spark.summary)}">not enough data</span>'
        if days.stale_since:
            freshness_cell = (
                '<span class="stale"><span aria-hidden="true">\N{WARNING SIGN} </span>stale'
                f'</span> <span class="n">since {_html(days.stale_since)}</span> <span '
                f'class="n">newest {_html(days.newest.isoformat())}</span>')
        elif days.newest is None:
            freshness_cell = '<span class="nodata">no data</span>'
        else:
            freshness_cell = '<span class="fresh">fresh</span>'
        csat, nps, done = scores["csat"], scores["nps"], c.action_counts["done"]
        ranked = (_html(rank) if rank else '<span class="nodata">unranked</span>')
        # (f-strings throughout: str + Markup would escape the str)
        cells = [
            f'<td data-sort="{_html(rank.best + rank.worst / 1000) if rank else ""}">{ranked}</td>',
            f'<th scope="row" data-sort="{name}"><a href="{site}/companies/{_html(c.slug)}/">'
            f'{name}</a> <span class="n">'
            + (f'<a href="{site}/industries/{industry}/">{industry}</a>' if c.industry else
               "industry not given") + "</span></th>",
            f'<td data-sort="{sort_key(candor, "candor_score")}">{chip}</td>',
            f'<td class="trend">{trend}</td>',
            f'<td data-sort="{sort_key(csat, "csat")}">{score_with_interval(csat, "csat")} '
            f'<span class="n">n={_n(csat.n)}</span></td>',
            f'<td data-sort="{sort_key(nps, "nps")}">{score(nps, "nps")} <span class="n">n='
            f"{_n(nps.n)}</span></td>",
            *(f'<td data-sort="{sort_key(scores[metric_id], metric_id)}">'
              f"{score(scores[metric_id], metric_id)}</td>"
              for metric_id in ("first_contact_resolution", "contacts_per_case",
                                "wait_seconds_p50")),
            f'<td class="num" data-sort="{_html(scores["contacts"].n)}">'
            f'{_n(scores["contacts"].n)}</td>',
            f'<td class="num" data-sort="{_html(done)}">{_html(done)} of {_html(len(c.actions))}'
            "</td>",
            f'<td data-sort="{sort_key(scores["freshness_days"], "freshness_days")}">'
            f"{freshness_cell}</td>",
        ]
        rows.append(Markup(f'<tr data-industry="{industry}">\n      '
                           + "\n      ".join(cells) + "\n    </tr>"))
    return rows


def industry_rows(companies: list[CompanyResult], metric_ids: tuple[str, ...],
                  site_url: str) -> list[Markup]:
    """An industry page's rows, a company each: its name, each of `metric_ids` with its
    interval (and n, but for scores), its contacts."""
    site, rows = _html(site_url), []
    for c in companies:
        scores = c.windows["all"]
        cells = [
            f'<th scope="row"><a href="{site}/companies/{_html(c.slug)}/">{_html(c.name)}</a>'
            + (' <span class="stale">stale</span>' if c.stale else "") + "</th>",
            *(f"<td>{score_with_interval(scores[metric_id], metric_id)}"
              + (f' <span class="n">n={_n(scores[metric_id].n)}</span>'
                 if scores[metric_id].value is not None and METRICS[metric_id].unit != "score"
                 else "") + "</td>"
              for metric_id in metric_ids),
            f'<td class="num">{_n(scores["contacts"].n)}</td>',
        ]
        rows.append(Markup("<tr>\n      " + "\n      ".join(cells) + "\n    </tr>"))
    return rows


@dataclass(frozen=True)
class Freshness:
    """The leaderboard's freshness marker: the newest contact, and the month the company went
    stale (no contact for more than candor.yaml's stale_days before as_of), if it has."""

    newest: dt.date | None
    stale_since: str | None  # YYYY-MM


def freshness(company: CompanyResult, as_of: dt.date, stale_days: int) -> Freshness:
    days = company.windows["all"]["freshness_days"].value
    if days is None:
        return Freshness(None, None)
    newest = as_of - dt.timedelta(days=int(days))
    stale_on = newest + dt.timedelta(days=stale_days + 1)
    return Freshness(newest, stale_on.strftime("%Y-%m") if company.stale else None)


class ScoreboardGenerator(Generator):
    """Writes the leaderboard, one page, Atom feed and badge per company, the industry pages,
    /actions/ and its feed, the methodology, the downloads page and the data files from the
    finished Scoreboard in the settings."""

    def generate_context(self):
        board: Scoreboard = self.settings["CANDOR_BOARD"]
        metrics = board.metrics
        self.context.update(
            board=board, ranks=rank_ranges(board.companies),
            sparklines=sparklines(board.companies),
            freshness={c.slug: freshness(c, board.as_of, board.thresholds.stale_days)
                       for c in board.companies},
            rank_methodology=RANK_METHODOLOGY.format(title=metrics[RANKED_BY].title),
            ranked_by=RANKED_BY, metrics=metrics, windows=WINDOWS, recent_days=RECENT_DAYS,
            thresholds=board.thresholds, threshold_fields=dataclasses.fields(Thresholds),
            breakdowns=BREAKDOWNS, statuses=ACTION_STATUSES, changelog=CHANGELOG,
            feedback_columns=FEEDBACK_COLUMNS, methodology_version=METHODOLOGY_VERSION, csp=CSP,
            gaming_methodology=gaming_methodology,
            industries=sorted({c.industry for c in board.companies if c.industry}),
            industry_pages=industries(board), industry_metrics=INDUSTRY_METRICS,
            action_log=action_log(board.companies),
        )

    def _render(self, name: str, template, **extra) -> str:
        """`template` as Pelican's writer renders it for the file `name` (relative URLs)."""
        return template.render({**self.context, "SITEURL": path_to_url(get_relative_path(name)),
                                "localsiteurl": path_to_url(get_relative_path(name)),
                                "output_file": name, **extra})

    def _write(self, name: str, text: str | bytes, key: str | None = None,
               marks: list | None = None) -> None:
        """Write a file of the site (its text, or the text's UTF-8 bytes), unless a file of
        these bytes is there from the last build (in a KEPT folder): it is left as it is.
        Either way the file is one of this build's. A page written over another (or none)
        there is told to the search index. With `key`, the output record is told the file's
        status, and `marks` (where it shows the data commit, OutputRecord)."""
        path = Path(self.output_path) / name
        data = text.encode("utf-8") if isinstance(text, str) else text
        self._written.add(name)
        kept, old = name.split("/", 1)[0] in KEPT, None
        if kept:
            with contextlib.suppress(OSError), path.open("rb") as stream:
                old = stream.read()
                if old == data:
                    if key:
                        self.settings["CANDOR_RECORD"].wrote(
                            name, key, os.fstat(stream.fileno()), marks)
                    return
        self._write_bytes(name, data, key, marks)
        if name.endswith(".html"):
            if kept:
                self.settings["CANDOR_SEARCH"].rewritten(name, old, data)
            else:
                self.settings["CANDOR_SEARCH"].written(name, data)

    def _write_bytes(self, name: str, data: bytes, key: str | None = None,
                     marks: list | None = None) -> None:
        """Write a file on the writer thread, while the build goes on (writing lets go of the
        interpreter's lock); with `key`, the output record is told its status once written
        (_written_all), and `marks`."""
        path = Path(self.output_path) / name
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        self._on_writer(name, key, marks, _write_file, path, data)

    def _on_writer(self, name: str, key: str | None, marks: list | None, job: Callable,
                   *arguments) -> None:
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="candor-writer")
        self._pending.append((name, key, marks, self._writer.submit(job, *arguments)))

    def _written_all(self) -> None:
        """Wait for the writer thread's files (its error, if one failed, is raised here)."""
        record: OutputRecord = self.settings["CANDOR_RECORD"]
        for name, key, marks, written in self._pending:
            status = written.result()
            if key:
                record.wrote(name, key, status, marks)
        self._pending.clear()

    def _download_keys(self, head: bytes) -> dict[str, str]:
        """scores.json's and each companies/<slug>.json's key: its head (`head`, every
        document's, with the scoreboard's date, data commit and methodology; a company's
        without the data commit, which is written over in place: _show_commit) and the page
        keys of the companies it holds, which stand for their entries; none without the page
        cache."""
        if None in self._keys:
            return {}
        board: Scoreboard = self.context["board"]
        keys = {f"companies/{c.slug}.json": self._json_key(key)
                for c, key in zip(board.companies, self._keys, strict=True)}
        everyone = hashlib.sha256(" ".join([hashlib.sha256(head).hexdigest(), *self._keys])
                                  .encode()).hexdigest()
        return {"scores.json": everyone, **keys}

    def _json_key(self, key: str) -> str:
        """The key of a company's JSON file, from its page key (_download_keys)."""
        if self._head_key is None:
            board: Scoreboard = self.context["board"]
            self._head_key = hashlib.sha256(export.document_head(dataclasses.replace(
                board, data_commit=None)).encode()).hexdigest()
        return hashlib.sha256(f"{self._head_key} {key}".encode()).hexdigest()

    def _write_keyed(self, name: str, key: str, data: bytes, marks: list | None = None,
                     ) -> None:
        """Write a file `key` stands for, unless the output record says the last build wrote
        it from the same key and it is as that build left it: then it is not read, and shows
        this build's data commit (_show_commit)."""
        record: OutputRecord = self.settings["CANDOR_RECORD"]
        self._written.add(name)
        if not (record.kept(name, key) and self._show_commit(name)):
            self._write_bytes(name, data, key, marks)

    def _write_cached(self, name: str, data: bytes, key: str) -> None:
        """Write a file kept in the page cache under `key` (its bytes with COMMIT for the data
        commit, with_commit). The output record (OutputRecord) says whether the last build
        wrote it from the same key and it is still as that build left it: then it is not read,
        and shows this build's data commit (_show_commit)."""
        board: Scoreboard = self.context["board"]
        record: OutputRecord = self.settings["CANDOR_RECORD"]
        if record.kept(name, key) and self._show_commit(name):
            self._written.add(name)
            return
        marks: list = []
        self._write(name, with_commit(data, board.data_commit, marks), key, marks)

    def _show_commit(self, name: str, apply: bool = True) -> bool:
        """Make a file the output record keeps (OutputRecord.kept) show this build's data
        commit: as it is when it shows the last build's and that is this one's, or when it
        shows none; else the commit written over the last one in place, where the record says
        it sits (os.pwrite on the writer thread), when it is as long. False: it cannot be,
        and must be written whole. Without `apply`, only whether it can be. The search index
        is told nothing: the commit is outside what Pagefind reads."""
        record: OutputRecord = self.settings["CANDOR_RECORD"]
        marks = record.marks(name)
        if record.commit == self.context["board"].data_commit or marks == []:
            if apply:
                record.keep(name)
            return True
        shown = self._commit_bytes()
        if marks is None or not all(kind in shown for _, kind in marks):
            return False
        if apply:
            self._on_writer(name, record.before[name][0], marks, _patch_file,
                            Path(self.output_path) / name,
                            [(offset, shown[kind]) for offset, kind in marks])
        return True

    def _commit_bytes(self) -> dict[int, bytes]:
        """This build's data commit as it is written over the last build's, by the kind of
        place it is shown in (OutputRecord): where it is as long as the one it replaces."""
        if self._commit_shown is None:
            record: OutputRecord = self.settings["CANDOR_RECORD"]
            new = self.context["board"].data_commit
            (whole, short), (old_whole, old_short) = (shown_commit(new),
                                                      shown_commit(record.commit))
            self._commit_shown = {}
            if len(whole) == len(old_whole) and len(short) == len(old_short):
                self._commit_shown |= {WHOLE: whole.encode(), SHORT: short.encode()}
            if new is not None and record.commit is not None and len(new) == len(
                    record.commit):
                self._commit_shown[IN_JSON] = new.encode()
        return self._commit_shown

    def _page(self, name: str, template: str, **extra) -> None:
        self._write(name, self._render(name, self.get_template(template), **extra))

    def _xml(self, name: str, template: str, **extra) -> str:
        """A feed or a badge: templates named with their own extension, escaped like HTML
        (&#34; and &#39; are XML character references too)."""
        return self._render(name, self.env.get_template(template), **extra)

    def _charts(self, company, marks):
        started = time.perf_counter()
        charts = company_charts(company, marks)
        seconds = self.settings["CANDOR_SECONDS"]
        seconds["charts"] = seconds.get("charts", 0.0) + time.perf_counter() - started
        return charts

    def _company(self, company: CompanyResult, board: Scoreboard) -> dict[str, bytes]:
        """A company's page, Atom feed and badge (the page shows `board`) by name, and its
        entry of scores.json (under JSON), as UTF-8."""
        site_url = self.settings["CANDOR_SITE_URL"]
        page, actions, svg = company_files(company)
        texts = {
            page: self._company_page(company, board),
            actions: self._xml(actions, "atom.xml", feed=feed(
                f"{company.name}: you said, we did", actions,
                f"companies/{company.slug}/#actions-h", action_log([company]), board.as_of,
                site_url)),
            svg: self._xml(svg, "badge.svg", badge=badge(company, board.as_of)),
            JSON: export.company_text(company, self.context["ranks"].get(company.slug)),
        }
        return {name: text.encode("utf-8") for name, text in texts.items()}

    def _company_page(self, company: CompanyResult, board: Scoreboard) -> str:
        """A company's page (showing `board`), as _company and speculative_pages make it."""
        marks = methodology_marks(company)
        return self._render(company_files(company)[0], self.get_template("company"),
                            board=board, page_id="company", company=company,
                            marks=dict(marks), charts=self._charts(company, marks),
                            snippets=badge_snippets(company, self.settings["CANDOR_SITE_URL"]))

    def _companies(self, meanwhile: Callable[[], None]) -> list[bytes]:
        """Every company's files (_company), each taken from the page cache when everything it
        shows is unchanged (page_key); returns their entries of scores.json in order. The
        others are rendered here, or on worker processes when there are many (_rendering),
        which work while this process calls `meanwhile`. A cached company's files are read as
        they are written: the companies to render, known from which keys the cache holds, are
        rendered first (and shown to the search index). One whose entry cannot be read after
        all is rendered then."""
        board: Scoreboard = self.context["board"]
        cache: Cache | None = self.settings["CANDOR_CACHE"]
        texts, counts = [], self.settings["CANDOR_PAGES"]
        site = site_key(self.context) if cache is not None else ""
        keys = [page_key(company, board, self.context["ranks"], site) if site else None
                for company in board.companies]
        missing = [i for i, key in enumerate(keys) if not (key and cache.has_files(key))]
        if cache is not None:  # a result the cache gave slim is made whole to be shown
            for i in missing:
                board.companies[i] = cache.fill(board.companies[i])
        elsewhere = self._board_elsewhere(len(missing), len(keys) - len(missing))
        spans = self._last_spans()
        try:
            with self._rendering(missing, keys) as rendered:
                made = self._search_early(missing, keys, rendered)
                if elsewhere is None:
                    meanwhile()
                left = set(missing)
                for index, key in enumerate(keys):
                    if index not in left and key and self._as_left(board.companies[index], key,
                                                                   spans):
                        counts["reused"] = counts.get("reused", 0) + 1
                        texts.append(None)  # its entry is the last scores.json's
                        continue
                    files = None if index in left else cache.get_files(key)
                    if files is not None:
                        counts["reused"] = counts.get("reused", 0) + 1
                    else:
                        if index in left:
                            files = made.pop(index) if made else next(rendered)
                        else:  # a cached entry that cannot be read: render it here
                            board.companies[index] = cache.fill(board.companies[index])
                            files = self._company(board.companies[index], dataclasses.replace(
                                board, data_commit=COMMIT))
                        if key:
                            cache.put_files(key, files)
                    files = dict(files)
                    texts.append(files.pop(JSON))
                    for name, content in files.items():
                        if key:
                            self._write_cached(name, content, key)
                        else:
                            self._write(name, content)
            if elsewhere is not None:
                made = elsewhere[1].result()
                # the worker's reading or keeping a page cache entry is not seen here
                cache.used.update(key for _, _, key in made if key)
                self._write_board(made)
        finally:
            if elsewhere is not None:
                elsewhere[0].shutdown(cancel_futures=True)  # on an error, render no more
        self._keys = keys
        return texts

    def _last_spans(self) -> dict[str, list]:
        """Where each company's entry sits in scores.json as the last build wrote it (slug ->
        [page key, start, end]), when the file is as that build left it; else none."""
        record: OutputRecord = self.settings["CANDOR_RECORD"]
        return record.spans if record.as_left(SCORES) and isinstance(record.spans, dict) else {}

    def _as_left(self, company: CompanyResult, key: str, spans: dict[str, list]) -> bool:
        """A company whose files the last build wrote from the same page key, as they are
        (its page, feed, badge and JSON file, and its entry of scores.json): brought to show
        this build's data commit (_show_commit) without reading the page cache. False,
        touching nothing, when one of them cannot be."""
        record: OutputRecord = self.settings["CANDOR_RECORD"]
        span = spans.get(company.slug)
        names = company_files(company)
        download = f"data/companies/{company.slug}.json"
        if (not isinstance(span, list) or len(span) != 3 or span[0] != key
                or not all(type(end) is int for end in span[1:]) or not 0 <= span[1] <= span[2]
                or not all(record.kept(name, key) for name in names)
                or not record.kept(download, self._json_key(key))
                or not all(self._show_commit(name, apply=False) for name in (*names, download))):
            return False
        for name in (*names, download):
            self._show_commit(name)
            self._written.add(name)
        self.settings["CANDOR_CACHE"].used.add(key)  # its entry stays for the next build
        return True

    def _entries(self, texts: list[bytes | None]) -> list[bytes]:
        """Every company's entry of scores.json: those `_companies` gave, and for the others
        (None) the last scores.json's (_as_left)."""
        if None not in texts:
            return texts
        record: OutputRecord = self.settings["CANDOR_RECORD"]
        last = (Path(self.output_path) / SCORES).read_bytes()
        board: Scoreboard = self.context["board"]
        return [last[record.spans[c.slug][1]:record.spans[c.slug][2]] if text is None else text
                for c, text in zip(board.companies, texts, strict=True)]

    def _search_early(self, missing: list[int], keys: list[str | None],
                      rendered: Iterator[dict[str, bytes]]) -> dict[int, dict[str, bytes]]:
        """The files of the companies rendered again (at these positions), taken now when
        they are few and the rest come from the page cache, to show their pages to the search
        index before they are written (SearchIndex.early: Pagefind may start now)."""
        record: OutputRecord = self.settings["CANDOR_RECORD"]
        if not missing or len(missing) > HELD_PAGES or None in keys:
            return {}
        made = {index: next(rendered) for index in missing}
        board: Scoreboard = self.context["board"]
        left = set(missing)
        others_kept = all(record.kept(company_files(company)[0], key)
                          for index, (company, key) in enumerate(zip(board.companies, keys,
                                                                     strict=True))
                          if index not in left)
        self.settings["CANDOR_SEARCH"].early(
            {name: with_commit(data, board.data_commit) for files in made.values()
             for name, data in files.items() if name.endswith(".html")}, others_kept)
        return made

    def _board_elsewhere(self, rendered: int, copied: int,
                         ) -> tuple[ProcessPoolExecutor, Future] | None:
        """The pages that show no one company (_board_files), rendered on a forked worker
        process (board_apart) while this one copies the page cache's files. None: render them
        here."""
        global _BOARD
        search = self.settings["CANDOR_SEARCH"]
        if not board_apart(self.settings["CANDOR_PROCESSES"],
                           self.settings["CANDOR_PARALLEL_FROM"], rendered, copied,
                           search is not None and search.process is not None) or (
                "fork" not in multiprocessing.get_all_start_methods()):
            return None
        _BOARD = self
        self.settings["CANDOR_PAGES"]["board_elsewhere"] = 1
        gc.freeze()  # the worker's collector leaves what it was forked with alone
        try:
            pool = ProcessPoolExecutor(1, multiprocessing.get_context("fork"))
            return pool, pool.submit(_board_job)
        finally:
            gc.unfreeze()
            _BOARD = None

    @contextlib.contextmanager
    def _rendering(self, indices: list[int],
                   keys: list[str | None]) -> Iterator[Iterator[dict[str, bytes]]]:
        """_company's files of the companies at these positions, in their order. Every page
        shows the data commit, which every commit changes: a page to cache (it has a key) is
        rendered with COMMIT in its place, put back as the page is written (with_commit).
        With CANDOR_PROCESSES of at least 2 and at least CANDOR_PARALLEL_FROM companies to
        render, the first is rendered here and the others on forked worker processes (each
        starts with this generator and its templates as they are), at work from the start,
        which hand back the same text; the files are written here, in company order. A
        worker that dies fails the build (BrokenProcessPool), never hangs it."""
        global _RENDERING
        board: Scoreboard = self.context["board"]
        marked = dataclasses.replace(board, data_commit=COMMIT)
        jobs = [(i, marked if keys[i] else board) for i in indices]
        processes = min(self.settings["CANDOR_PROCESSES"], len(jobs) - 1)
        if (processes < 2 or len(jobs) < self.settings["CANDOR_PARALLEL_FROM"]
                or "fork" not in multiprocessing.get_all_start_methods()):
            yield (self._company(board.companies[i], shown) for i, shown in jobs)
            return
        # the first here: the templates it loads and compiles are the workers' from the start
        first = self._company(board.companies[jobs[0][0]], jobs[0][1])
        self.settings["CANDOR_PAGES"]["processes"] = processes
        seconds = self.settings["CANDOR_SECONDS"]
        _RENDERING = (self, board.companies, {id(board): board, id(marked): marked})
        gc.freeze()  # a worker's collector leaves what it was forked with alone (no copying)
        # fork: a worker starts with everything this process holds, so nothing but the
        # positions and the rendered text crosses between them
        pool = ProcessPoolExecutor(processes, multiprocessing.get_context("fork"))
        try:
            results = pool.map(_render_company, [(i, id(b)) for i, b in jobs[1:]], chunksize=4)
            gc.unfreeze()

            def in_order() -> Iterator[dict[str, bytes]]:
                yield first
                for files, charts in results:
                    # the stages' seconds are wall time: charts ran on `processes` at once
                    seconds["charts"] = seconds.get("charts", 0.0) + charts / processes
                    yield files

            yield in_order()
        finally:
            pool.shutdown(cancel_futures=True)  # on an error, render no more
            gc.unfreeze()
            _RENDERING = None

    def _prune(self, folders: tuple[str, ...], suffix: str = "") -> None:
        """Remove what the last build left in these KEPT folders (self._listed, as the build
        started) and this one did not write (of the files named ...`suffix`), and the folders
        that leaves empty."""
        output = Path(self.output_path)
        remaining = collections.Counter(name.rsplit("/", 1)[0] for name, _ in self._listed
                                        if name not in self._pruned)
        remaining.update(name.rsplit("/", 1)[0] for name in self._written)  # maybe not yet
        for name, folder in self._listed:
            if name.split("/", 1)[0] not in folders or name in self._pruned:
                continue
            if folder:
                if remaining[name]:
                    continue
                try:
                    os.rmdir(output / name)
                except OSError:  # not empty: something was written there
                    continue
                self._folders.discard(output / name)
            elif name in self._written or not name.endswith(suffix):
                continue
            else:
                os.unlink(output / name)
                if name.endswith(".html"):
                    self.settings["CANDOR_SEARCH"].removed()
            self._pruned.add(name)
            remaining[name.rsplit("/", 1)[0]] -= 1

    def generate_output(self, writer):
        output = Path(self.output_path)
        self._written: set[str] = set()
        self._listed = _list_kept(output)
        # the folders there are (_write_bytes makes the others): a thousand fewer mkdir calls
        self._folders: set[Path] = {output / name for name, folder in self._listed if folder}
        self._pruned: set[str] = set()
        self._head_key: str | None = None  # _json_key's
        self._commit_shown: dict[int, bytes] | None = None  # _commit_bytes'
        self._keys: list[str | None] = []
        # the writer thread (_write_bytes), started after _rendering forks its workers
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[tuple[str, str | None, list | None, Future]] = []
        try:
            self._generate(output)
            self._written_all()
        finally:
            if self._writer is not None:
                self._writer.shutdown(cancel_futures=True)

    def _generate(self, output: Path) -> None:
        board: Scoreboard = self.context["board"]
        texts = self._companies(meanwhile=self._board_pages)
        # Every page is written or handed to the writer thread (Pelican's own, the about
        # page, came before): the search index is made from them (if they changed) while the
        # downloads are written
        self._prune(("companies", "badges"))
        self._prune(("data",), ".html")
        kept_pages = {name for name in self._written
                      if name.endswith(".html") and name.split("/", 1)[0] in KEPT}
        self.settings["CANDOR_PAGES"]["pages"] = len(kept_pages) + self.settings[
            "CANDOR_SEARCH"].start(kept_pages, self._written_all)
        self._written_all()
        schemas.write(output / "schemas")
        entries = self._entries(texts)
        head = export.document_head(board).encode()
        record: OutputRecord = self.settings["CANDOR_RECORD"]
        record.spans_now = {company.slug: [key, *span] for company, key, span in zip(
            board.companies, self._keys, export.entry_spans(head, entries), strict=True) if key}
        # a company's JSON file brought up to date in place (_as_left) is not made again
        files = {**export.json_files(board, entries, only={
                     c.slug for c, text in zip(board.companies, texts, strict=True)
                     if text is not None}),
                 "scores.csv": export.scores_csv(board),
                 "datapackage.json": export.datapackage_json(board)}
        offset = export.commit_offset(head, board.data_commit)
        for name, key in self._download_keys(head).items():
            if f"data/{name}" not in self._written:
                self._write_keyed(f"data/{name}", key, files.pop(name),
                                  None if offset is None else [[offset, IN_JSON]])
        for name, text in files.items():
            if f"data/{name}" not in self._written:
                self._write(f"data/{name}", text)
        self._prune(KEPT)

    def _board_pages(self) -> None:
        """The pages that show no one company, rendered and written here."""
        self._write_board(self._board_files())

    def _write_board(self, files: list[tuple[str, str | bytes, str | None]]) -> None:
        for name, text, key in files:
            if key:
                self._write_cached(name, text, key)
            else:
                self._write(name, text)

    def _board_files(self) -> list[tuple[str, str | bytes, str | None]]:
        """The pages that show no one company: the leaderboard, the industry pages, /actions/
        and its feed, the methodology, the downloads page and the publishing guide, as (name,
        text, the page cache's key of a file kept there or None)."""
        def page(name: str, template: str, **extra) -> tuple[str, str, None]:
            return name, self._render(name, self.get_template(template), **extra), None

        files = [page("index.html", "leaderboard", page_id="leaderboard"),
                 page("industries/index.html", "industries", page_id="industries")]
        files += [page(f"industries/{industry.id}/index.html", "industry",
                       page_id="industries", industry=industry)
                  for industry in self.context["industry_pages"]]
        files += self._actions()
        files += [
            page("methodology/index.html", "methodology", page_id="methodology"),
            page("data/index.html", "data", page_id="data", csv_columns=export.csv_columns()),
            page("publish/index.html", "publish", page_id="publish",
                 # a company's YAML files and its summary files (a section of their own);
                 # candor.yaml is the scoreboard's, on the methodology page
                 schemas={name: make() for name, make in SCHEMAS.items()
                          if name in ("company.schema.json", "actions.schema.json")},
                 summary_schema=SCHEMAS["summary.schema.json"](), codes=CODES,
                 example_csv=EXAMPLE_FEEDBACK_CSV, example_actions=EXAMPLE_ACTIONS_YAML,
                 example_company=company_yaml(Path("data/acme"), "Acme", "e-commerce")
                 .split("\n", 1)[1],
                 max_feedback_mib=MAX_FEEDBACK_FILE_BYTES // 2**20,
                 max_yaml_kib=MAX_YAML_FILE_BYTES // 2**10)]
        return files

    def _actions(self) -> list[tuple[str, bytes, str | None]]:
        """/actions/ and its feed: every company's action log, taken from the page cache when
        the log and everything else they show are unchanged (actions_key); else rendered, with
        COMMIT for the data commit (with_commit) when they are kept there."""
        board: Scoreboard = self.context["board"]
        cache: Cache | None = self.settings["CANDOR_CACHE"]
        entry_key = actions_key(self.context) if cache is not None else None
        files = cache.get_files(entry_key) if entry_key else None
        if files is None or list(files) != list(ACTIONS):
            shown = dataclasses.replace(board, data_commit=COMMIT) if entry_key else board
            page, atom = ACTIONS
            files = {page: self._render(page, self.get_template("actions"), page_id="actions",
                                        board=shown).encode("utf-8"),
                     atom: self._xml(atom, "atom.xml", feed=feed(
                         "Candor: you said, we did", atom, "actions/",
                         self.context["action_log"], board.as_of,
                         self.settings["CANDOR_SITE_URL"])).encode("utf-8")}
            if entry_key:
                cache.put_files(entry_key, files)
        return [(name, text, entry_key) for name, text in files.items()]


ACTIONS = ("actions/index.html", "actions/feed.xml")  # the files of ScoreboardGenerator._actions


def actions_key(context: dict) -> str:
    """Everything /actions/ and its feed show: every entry of the action log (with its measured
    effect) and its company's slug, name and industry, in the log's order; the industries
    the filter lists; and site_key (the code, theme, settings, as_of and methodology)."""
    facts = ("actions", site_key(context),
             [(c.slug, c.name, c.industry, a) for c, a in context["action_log"]],
             [industry.id for industry in context["industry_pages"]])
    return hashlib.sha256(repr(facts).encode()).hexdigest()


def board_apart(processes: int, least: int, rendered: int, copied: int, indexing: bool) -> bool:
    """Whether the pages that show no one company are rendered on a worker process of their
    own: with at least two processes, when fewer than `least` companies are rendered (so no
    worker renders companies) and at least `least` are copied from the page cache, unless
    Pagefind is `indexing` by then (started on a changed page as soon as it was scored): the
    worker would take the core Pagefind runs on, and the build then waits for the index (a
    rebuild after a comment at L, 2.54-2.71 s against 2.69-2.88 s, bench/README.md)."""
    return processes >= 2 and rendered < least <= copied and not indexing


# In the worker process of ScoreboardGenerator._board_elsewhere: the generator.
_BOARD: ScoreboardGenerator | None = None


def _board_job() -> list[tuple[str, str | bytes, str | None]]:
    return _BOARD._board_files()


# In a worker process of ScoreboardGenerator._rendering: the generator, the companies and the
# boards their pages show (by id), as the build process held them when it forked.
_RENDERING: tuple[ScoreboardGenerator, list[CompanyResult], dict[int, Scoreboard]] | None = None


def _render_company(job: tuple[int, int]) -> tuple[dict[str, bytes], float]:
    """A company's files, rendered in a worker, and the seconds its charts took there."""
    generator, companies, boards = _RENDERING
    seconds = generator.settings["CANDOR_SECONDS"]
    before = seconds.get("charts", 0.0)
    files = generator._company(companies[job[0]], boards[job[1]])
    return files, seconds.get("charts", 0.0) - before


def _patch_file(path: Path, pieces: list[tuple[int, bytes]]) -> os.stat_result:
    """A file written over in place at these offsets (the writer thread's job, _show_commit),
    and its status."""
    handle = os.open(path, os.O_WRONLY)
    try:
        for offset, data in pieces:
            os.pwrite(handle, data, offset)
        return os.fstat(handle)
    finally:
        os.close(handle)


def _write_file(path: Path, data: bytes) -> os.stat_result:
    """A file written whole, and its status (the writer thread's job: ScoreboardGenerator).
    Written over in place, then cut to its length: most files a build writes again differ
    only in the data commit they show, the same length, and truncating first would have the
    file system free the file's blocks and find it new ones (a data commit at L rewrites
    210 MB: 0.33-0.42 s that way, 0.04-0.07 s in place, on this ext4)."""
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o666), "wb") as stream:
        stream.write(data)
        stream.truncate()
        stream.flush()
        return os.fstat(stream.fileno())


# The output's folders that only ScoreboardGenerator writes, kept from the last build (Pelican's
# OUTPUT_RETENTION; it deletes the rest): an unchanged file there is not written again, and
# what the build did not write there is removed (_prune). The same site, byte for byte, with a
# fraction of the writes when one company changed.
KEPT = ("companies", "badges", "data")
SEARCH_COPIES = "search-copies"  # the cache's folder of the pages' search copies (SearchIndex)


def _list_kept(output: Path) -> list[tuple[str, bool]]:
    """Everything in the KEPT folders, by name from the output folder, and whether it is a
    folder (one after what it holds). Symbolic links there (or as one, or a file in the place
    of one) are removed, not listed, before anything is written, so that a write never lands
    outside the output folder."""
    listed = []
    for folder in KEPT:
        if (output / folder).is_symlink() or (output / folder).is_file():
            (output / folder).unlink()
        for name, entry in _entries(output, folder):
            if entry.is_symlink():
                os.unlink(entry.path)
            else:
                listed.append((name, entry.is_dir(follow_symlinks=False)))
    return listed


def _entries(output: Path, folder: str) -> Iterator[tuple[str, os.DirEntry]]:
    """Everything under output/folder with its path from the output folder, a folder after
    what it holds; symbolic links are listed, never followed (os.scandir: no system call per
    entry)."""
    try:
        with os.scandir(output / folder) as listing:
            entries = list(listing)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        name = f"{folder}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            yield from _entries(output, name)
        yield name, entry


JSON = ""  # a cached company's entry of scores.json, beside its files by name
SCORES = "data/scores.json"
# The kinds of place where a file shows the data commit (OutputRecord's marks): whole and its
# first 12 characters, as a page shows them (shown_commit), and whole as a JSON string
WHOLE, SHORT, IN_JSON = 0, 1, 2
# The data commit as a cached page shows it: markup, so neither escaped nor changed by
# finalize; company text cannot hold it, since every < it brings is escaped.
COMMIT = Markup("<!--candor-data-commit-->")
MARK = COMMIT.encode()  # as a page's bytes hold it


class OutputRecord:
    """What the last build wrote of the page cache's files in the output folder: each file's
    key, the size and modification time (to the nanosecond) it left it with and where it shows
    the data commit (its marks: [offset, WHOLE, SHORT or IN_JSON], or None when it cannot be
    written over in place), and the data commit it showed; and where each company's entry
    sits in scores.json (`spans`: slug -> [page key, start, end]); kept in the cache
    (Cache.OUTPUT) for the folder it was written to. A file still there as recorded (os.stat)
    holds what that key and commit give: like git's index
    (with core.checkStat=minimal), it is known without being read. Not the inode: a folder
    restored from the workflows' cache (a tar archive) keeps sizes and times, not inodes. The
    same for the search index's files (`index`), whose digest its stamp then need not make
    again (SearchIndex.seen), and for the search copies kept in the cache (`copies`), which
    are then trusted (SearchIndex.copies_known)."""

    FORMAT = "candor.output/3"

    def __init__(self, cache: Cache | None, output: Path):
        self.cache, self.output = cache, str(output.resolve())
        self.commit: str | None = None
        self.before: dict[str, list] = {}
        self.now: dict[str, list] = {}
        self.index: dict | None = None  # the search index's files: SearchIndex.seen, .listing
        self.copies: dict | None = None  # its copies: SearchIndex.copies_known
        self.spans: dict[str, list] = {}
        self.spans_now: dict[str, list] = {}
        self._saved: dict | None = None
        saved = cache.read(Cache.OUTPUT) if cache is not None else None
        try:
            record = json.loads(saved)
            if record["format"] == self.FORMAT and record["output"] == self.output:
                self.commit, self.before, self.index, self.copies, self.spans = (
                    record["commit"], record["files"], record["index"], record["copies"],
                    record["spans"])
                self._saved = record
        except (TypeError, ValueError, KeyError):
            pass

    def kept(self, name: str, key: str) -> bool:
        """The file was written from `key` by the last build, and is still as it left it."""
        seen = self.before.get(name)
        return isinstance(seen, list) and len(seen) == 4 and seen[0] == key and self.as_left(
            name)

    def as_left(self, name: str) -> bool:
        """The file is as the last build left it (whatever its key)."""
        seen = self.before.get(name)
        if not isinstance(seen, list) or len(seen) != 4:
            return False
        try:
            status = os.stat(os.path.join(self.output, name))
        except OSError:
            return False
        return [status.st_size, status.st_mtime_ns] == seen[1:3]

    def marks(self, name: str) -> list | None:
        """Where a file the last build wrote shows the data commit (None: not known)."""
        marks = self.before[name][3]
        if isinstance(marks, list) and all(
                isinstance(mark, list) and len(mark) == 2 and type(mark[0]) is int
                and mark[0] >= 0 and mark[1] in (WHOLE, SHORT, IN_JSON) for mark in marks):
            return marks
        return None

    def keep(self, name: str) -> None:
        self.now[name] = self.before[name]

    def wrote(self, name: str, key: str, status: os.stat_result,
              marks: list | None = None) -> None:
        self.now[name] = [key, status.st_size, status.st_mtime_ns, marks]

    def save(self, commit: str | None) -> None:
        record = {"format": self.FORMAT, "output": self.output, "commit": commit,
                  "files": self.now, "index": self.index, "copies": self.copies,
                  "spans": self.spans_now}
        if self.cache is not None and record != self._saved:
            self.cache.write(Cache.OUTPUT, record)


def with_commit(page: bytes, commit: str | None, marks: list | None = None) -> bytes:
    """A cached page (UTF-8) with the data commit put back where base.html and company.html
    show it (whole, and its first 12 characters); any other use of it is an error, not a
    guess. One pass over the bytes (a feed or a badge shows none: it comes back as it is).
    Where the page comes to show it is added to `marks` (OutputRecord)."""
    parts = page.split(MARK[:10])
    if len(parts) == 1:
        return page
    whole, short = (text.encode() for text in shown_commit(commit))
    at = len(parts[0])
    for i in range(1, len(parts)):
        if parts[i].startswith(MARK[10:]):
            parts[i], kind = whole + parts[i][len(MARK) - 10:], WHOLE
        elif parts[i].startswith(MARK[10:12]):
            parts[i], kind = short + parts[i][2:], SHORT
        else:
            raise RuntimeError("a cached page shows the data commit in a way with_commit does "
                               "not know")
        if marks is not None:
            marks.append([at, kind])
        at += len(parts[i])
    return b"".join(parts)


def company_files(company: CompanyResult) -> list[str]:
    """The files _company writes, from the output folder."""
    return [f"companies/{company.slug}/index.html", f"companies/{company.slug}/actions.xml",
            f"badges/{company.slug}.svg"]


def site_key(context: dict) -> str:
    """What every company's files show besides the company: the code (scoring/ and the
    libraries behind the numbers and the pages), the theme and content folders, the build's
    settings and the scoreboard's date and methodology (not its data commit: with_commit)."""
    board: Scoreboard = context["board"]
    digest = hashlib.sha256()
    for folder in (ROOT / "theme", ROOT / "content"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0"
                              + hashlib.sha256(path.read_bytes()).digest())
    versions = [f"{name} {importlib.metadata.version(name)}" for name in PAGE_LIBRARIES]
    digest.update(repr((code_version(), versions, context["SITENAME"],
                        context["CANDOR_SITE_URL"], board.as_of,
                        board.methodology_version, board.candor_config,
                        [(p.slug, p.url, p.title) for p in context.get("pages", [])],
                        )).encode())
    return digest.hexdigest()


# Libraries that turn the numbers into pages.
PAGE_LIBRARIES = ("pelican", "Jinja2", "MarkupSafe", "Markdown")


def page_key(company: CompanyResult, board: Scoreboard, ranks: dict, site: str) -> str | None:
    """Everything a company's page, feed, badge and JSON entry show: the key of its cached
    scores (its files, config, dates and code), what the build adds from every company as it
    is shown (its Candor scores as published, rounded, their parts as the page shows them, its
    rank among how many ranked, its audit) and site_key. A peer's change moves the industry
    means, and so these numbers, but re-renders the page only when what it shows moves. None
    when its scores did not come through the cache."""
    scores = board.keys.get(company.slug)
    if scores is None:
        return None

    def candor(score: Score) -> tuple:
        return export.score_dict("candor_score", score), score.reason

    facts = (scores, site, company.slug,
             [candor(company.windows[window]["candor_score"]) for window in WINDOWS],
             [(month, candor(values["candor_score"])) for month, values in company.monthly],
             [(p.metric_id, part_cells(p)) for p in company.candor_parts], company.integrity,
             ranks.get(company.slug), len(ranks))
    return hashlib.sha256(repr(facts).encode()).hexdigest()


def _generators(pelican):
    return ScoreboardGenerator


def pelican_settings(board: Scoreboard, output: Path, site_url: str,
                     seconds: dict[str, float] | None = None, cache: Cache | None = None,
                     pages: dict[str, int] | None = None, processes: int = 1,
                     parallel_from: int = 2, search: SearchIndex | None = None,
                     record: OutputRecord | None = None) -> dict:
    return read_settings(override={
        "PATH": str(ROOT / "content"),
        "THEME": str(ROOT / "theme"),
        "OUTPUT_PATH": str(output),
        "SITENAME": "Candor",
        "SITEURL": "",
        "CANDOR_SITE_URL": site_url.rstrip("/"),
        "CANDOR_BOARD": board,
        "CANDOR_SECONDS": {} if seconds is None else seconds,
        "CANDOR_CACHE": cache,
        "CANDOR_PAGES": {} if pages is None else pages,
        "CANDOR_PROCESSES": processes,
        "CANDOR_PARALLEL_FROM": parallel_from,
        "CANDOR_SEARCH": search,
        "CANDOR_RECORD": record or OutputRecord(None, output),
        "RELATIVE_URLS": True,
        "TIMEZONE": "UTC",
        "DEFAULT_LANG": "en",
        "ARTICLE_PATHS": ["articles"],
        "PAGE_PATHS": ["pages"],
        "PAGE_URL": "{slug}/",
        "PAGE_SAVE_AS": "{slug}/index.html",
        "DIRECT_TEMPLATES": [],
        "PAGINATED_TEMPLATES": {},
        "DISPLAY_PAGES_ON_MENU": False,
        "DISPLAY_CATEGORIES_ON_MENU": False,
        "FEED_ALL_ATOM": None,
        "CATEGORY_FEED_ATOM": None,
        "TRANSLATION_FEED_ATOM": None,
        "AUTHOR_FEED_ATOM": None,
        "AUTHOR_FEED_RSS": None,
        "DELETE_OUTPUT_DIRECTORY": True,
        "OUTPUT_RETENTION": (*KEPT, PAGEFIND),
        "CACHE_CONTENT": False,
        "LOAD_CONTENT_CACHE": False,
        "THEME_STATIC_DIR": "theme",
        "JINJA_ENVIRONMENT": {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True,
                               "finalize": finalize},
        "JINJA_GLOBALS": {"score": score, "score_with_interval": score_with_interval,
                          "month_rows": month_rows, "leaderboard_rows": leaderboard_rows,
                          "industry_rows": industry_rows},
        "JINJA_FILTERS": {"shown": shown, "interval": interval, "number": number,
                          "json_script": json_script, "effect_text": effect_text,
                          "status_date": status_date, "part_cells": part_cells},
        "MARKDOWN": {"extension_configs": {"markdown.extensions.extra": {}},
                     "output_format": "html5"},
    })


@dataclass(frozen=True)
class Built:
    pages: int  # HTML pages written
    reused: int  # companies whose files came from the page cache
    processes: int  # worker processes that rendered companies' files (0: this one did)
    search_reused: bool  # the search index was the last build's: no page changed what it reads
    board_elsewhere: bool = False  # the pages that show no one company were rendered on a worker
    search_copied: int | None = None  # the search copies made for the index (None: none was)
    search_started: str | None = None  # when Pagefind started (SearchIndex.started)


def search_index(output: Path, cache: Cache | None, commit: str | None,
                 ) -> tuple[OutputRecord, SearchIndex]:
    """The output record and the search index of a build into `output` (build_site), made
    before Pelican deletes the pages outside KEPT: by build_site, or before the companies are
    scored when the search index may start on the pages of the companies read
    (speculative_pages)."""
    record = OutputRecord(cache, output)
    return record, SearchIndex(output, KEPT, commit, record.index,
                               cache.folder / SEARCH_COPIES if cache is not None else None,
                               record.copies)


def speculative_pages(results: list[CompanyResult], config: CandorConfig, as_of: dt.date,
                      output: Path, site_url: str, charts: Path | None = None,
                      ) -> dict[str, bytes]:
    """The pages of the companies a build read, as soon as they are scored (by name, on the
    process that read them: board._summarize_each), rendered with a board of these companies
    alone. What Pagefind reads of a page does not depend on the other companies: every
    number that moves with them (the Candor score, the rank, the industry's means) is in an
    element it ignores. So the search index starts on these pages before the other companies'
    results are even looked up (SearchIndex.speculate), and checks each against its final
    page. `charts`: the cache's chart templates (charts.prepare), which spare building them."""
    from .board import add_candor_scores
    from .charts import prepare

    with contextlib.suppress(OSError):
        prepare(charts.read_bytes() if charts else None)

    companies = [dataclasses.replace(
        result, windows={window: dict(scores) for window, scores in result.windows.items()},
        monthly=[(month, dict(scores)) for month, scores in result.monthly])
        for result in results]
    add_candor_scores(companies, config)
    board = Scoreboard(as_of, None, companies, candor_config=config)
    settings = pelican_settings(board, output, site_url)
    generator = ScoreboardGenerator(
        context={**settings, "generated_content": {}, "static_links": set(),
                 "static_content": {}, "localsiteurl": settings["SITEURL"]},
        settings=settings, path=settings["PATH"], theme=settings["THEME"],
        output_path=settings["OUTPUT_PATH"])
    generator.generate_context()
    return {company_files(company)[0]: generator._company_page(company, board).encode("utf-8")
            for company in companies}


def build_site(board: Scoreboard, output: Path, site_url: str = "",
               seconds: dict[str, float] | None = None, cache: Cache | None = None,
               processes: int = 1, parallel_from: int = 2,
               search: tuple[OutputRecord, SearchIndex] | None = None) -> Built:
    """Render the site into output (replacing it; the KEPT folders are brought up to date in
    place, which gives the same bytes). With `seconds`, adds the time spent on
    charts, on the rest of the rendering and on the search index to it. With a `cache` (the
    one the scores came through), a company's files whose page_key is cached are copied, not
    rendered again. With `processes` of 2 or more, once at least `parallel_from` companies
    need rendering, their files are rendered on that many worker processes: the same bytes.
    The search index is the last build's when no page changed what it reads (SearchIndex);
    `search`: the output record and search index search_index made before the companies were
    scored (and that may have started Pagefind already), else they are made here."""
    started = time.perf_counter()
    spent: dict[str, float] = {}
    counts: dict[str, int] = {}
    record, search = search or search_index(output, cache, board.data_commit)
    pelican_log.init(level=logging.WARNING, fatal="errors")
    signals.get_generators.connect(_generators)
    try:
        Pelican(pelican_settings(board, output, site_url, spent, cache, counts, processes,
                                 parallel_from, search, record)).run()
        rendered = time.perf_counter()
        search.finish()
        record.index, record.copies = search.listing, search.copies_known
        record.save(board.data_commit)
    finally:
        search.stop()
    if seconds is not None:
        charts = spent.get("charts", 0.0)
        seconds["charts"] = seconds.get("charts", 0.0) + charts
        seconds["render"] = (seconds.get("render", 0.0) + rendered - started - charts
                             - search.seconds)
        # the search index's own work, and how long the build waited for Pagefind after
        # rendering, which it overlaps
        seconds["search"] = (seconds.get("search", 0.0) + search.seconds
                             + time.perf_counter() - rendered)
    return Built(counts["pages"], counts.get("reused", 0), counts.get("processes", 0),
                 search.reused, bool(counts.get("board_elsewhere")), search.copied,
                 search.started)
