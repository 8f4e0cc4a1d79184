"""Scoreboard -> site: the only module that imports Pelican; one Generator renders every page."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from markupsafe import Markup
from pelican import Pelican, signals
from pelican import log as pelican_log
from pelican.generators import Generator
from pelican.settings import read_settings

from . import export, schemas
from .actions import EFFECT_WINDOW_DAYS
from .board import BREAKDOWNS, RECENT_DAYS, WINDOWS, Scoreboard
from .charts import company_charts
from .export import interval, number, shown
from .ledger import (
    ACTION_STATUSES,
    EXAMPLE_ACTIONS_YAML,
    EXAMPLE_FEEDBACK_CSV,
    FEEDBACK_COLUMNS,
    MAX_FEEDBACK_FILE_BYTES,
    MAX_YAML_FILE_BYTES,
)
from .metrics import METHODOLOGY_VERSION, METRICS, STALE_DAYS
from .problems import CODES
from .ranks import METHODOLOGY as RANK_METHODOLOGY
from .ranks import RANKED_BY, rank_ranges
from .scaffold import company_yaml
from .schemas import SCHEMAS

ROOT = Path(__file__).resolve().parent.parent
# The first element of <head>: nothing but the site's own files may load or run.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'")


def json_script(value) -> Markup:
    """JSON for a <script type="application/json"> block: <, >, & and ' escaped as \\u00XX."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return Markup(text)


class ScoreboardGenerator(Generator):
    """Writes the leaderboard, one page per company, the methodology, the downloads page and
    the data files from the finished Scoreboard in the settings."""

    def generate_context(self):
        board: Scoreboard = self.settings["CANDOR_BOARD"]
        self.context.update(
            board=board, ranks=rank_ranges(board.companies),
            rank_methodology=RANK_METHODOLOGY.format(title=METRICS[RANKED_BY].title),
            metrics=METRICS, windows=WINDOWS, recent_days=RECENT_DAYS,
            stale_days=STALE_DAYS, breakdowns=BREAKDOWNS, statuses=ACTION_STATUSES,
            effect_days=EFFECT_WINDOW_DAYS, feedback_columns=FEEDBACK_COLUMNS,
            methodology_version=METHODOLOGY_VERSION, csp=CSP,
            industries=sorted({c.industry for c in board.companies if c.industry}),
        )

    def _page(self, writer, name: str, template: str, **extra) -> None:
        writer.write_file(name, self.get_template(template), self.context, relative_urls=True,
                          **extra)

    def generate_output(self, writer):
        board: Scoreboard = self.context["board"]
        seconds: dict[str, float] = self.settings["CANDOR_SECONDS"]
        self._page(writer, "index.html", "leaderboard", page_id="leaderboard")
        for company in board.companies:
            started = time.perf_counter()
            charts = company_charts(company)
            seconds["charts"] = seconds.get("charts", 0.0) + time.perf_counter() - started
            self._page(writer, f"companies/{company.slug}/index.html", "company",
                       page_id="company", company=company, charts=charts)
        self._page(writer, "methodology/index.html", "methodology", page_id="methodology")
        self._page(writer, "data/index.html", "data", page_id="data",
                   csv_columns=export.csv_columns())
        self._page(writer, "publish/index.html", "publish", page_id="publish",
                   schemas={name: make() for name, make in SCHEMAS.items()}, codes=CODES,
                   example_csv=EXAMPLE_FEEDBACK_CSV, example_actions=EXAMPLE_ACTIONS_YAML,
                   example_company=company_yaml(Path("data/acme"), "Acme", "e-commerce")
                   .split("\n", 1)[1],
                   max_feedback_mib=MAX_FEEDBACK_FILE_BYTES // 2**20,
                   max_yaml_kib=MAX_YAML_FILE_BYTES // 2**10)
        schemas.write(Path(self.output_path) / "schemas")
        downloads = Path(self.output_path) / "data"
        downloads.mkdir(parents=True, exist_ok=True)
        files = {"scores.json": export.scores_json(board), "scores.csv": export.scores_csv(board),
                 "datapackage.json": export.datapackage_json(board),
                 **export.company_files(board)}
        for name, text in files.items():
            (downloads / name).parent.mkdir(parents=True, exist_ok=True)
            (downloads / name).write_text(text, encoding="utf-8", newline="\n")


def _generators(pelican):
    return ScoreboardGenerator


def pelican_settings(board: Scoreboard, output: Path, site_url: str,
                     seconds: dict[str, float] | None = None) -> dict:
    return read_settings(override={
        "PATH": str(ROOT / "content"),
        "THEME": str(ROOT / "theme"),
        "OUTPUT_PATH": str(output),
        "SITENAME": "Candor",
        "SITEURL": "",
        "CANDOR_SITE_URL": site_url.rstrip("/"),
        "CANDOR_BOARD": board,
        "CANDOR_SECONDS": {} if seconds is None else seconds,
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
        "CACHE_CONTENT": False,
        "LOAD_CONTENT_CACHE": False,
        "THEME_STATIC_DIR": "theme",
        "JINJA_ENVIRONMENT": {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True},
        "JINJA_FILTERS": {"shown": shown, "interval": interval, "number": number,
                          "json_script": json_script},
        "MARKDOWN": {"extension_configs": {"markdown.extensions.extra": {}},
                     "output_format": "html5"},
    })


def build_site(board: Scoreboard, output: Path, site_url: str = "",
               seconds: dict[str, float] | None = None) -> int:
    """Render the site into output (replacing it); returns the number of HTML pages written.
    With `seconds`, adds the time spent on charts and on the rest of the rendering to it."""
    started = time.perf_counter()
    spent: dict[str, float] = {}
    pelican_log.init(level=logging.WARNING, fatal="errors")
    signals.get_generators.connect(_generators)
    Pelican(pelican_settings(board, output, site_url, spent)).run()
    pages = sum(1 for _ in output.rglob("*.html"))
    if seconds is not None:
        charts = spent.get("charts", 0.0)
        seconds["charts"] = seconds.get("charts", 0.0) + charts
        seconds["render"] = seconds.get("render", 0.0) + time.perf_counter() - started - charts
    return pages
