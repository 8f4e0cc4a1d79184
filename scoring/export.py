"""Scoreboard -> the machine-readable contract: scores.json, scores.csv, datapackage.json."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
from collections.abc import Callable
from json.encoder import encode_basestring

from .board import WINDOWS, CompanyResult, Scoreboard
from .metrics import CHANGELOG, METRICS, Score
from .ranks import RankRange, rank_ranges

SCHEMA = "candor.scores/1"
# Cells a spreadsheet would run as a formula; such text is prefixed with an apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# Characters that reorder or hide the text around them (bidi embeddings, overrides and isolates,
# zero-width spaces, the BOM): published text is rendered without them, so a company's name or a
# comment cannot reverse or disguise the page around it. ZWJ/ZWNJ stay: emoji and scripts such
# as Persian need them, and they move nothing. Downloads keep text as written.
# (A regular expression: str.translate looks up every character of a text that is not ASCII.)
_INVISIBLE = re.compile("[\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                        "\u200b\u2060\ufeff]")


def inert(text: str) -> str:
    """`text` without the characters that reorder or hide what surrounds it."""
    return _INVISIBLE.sub("", text)


def rounded(value: float | None, metric_id: str) -> float | int | None:
    if value is None:
        return None
    decimals = METRICS[metric_id].decimals
    return round(float(value)) if decimals == 0 else round(float(value), decimals)


UNIT_SUFFIX = {"percent": "%", "seconds": " s", "hours": " h", "days": " days", "points": "",
               "count": "", "contacts": "", "score": ""}


def number(value: float | None, metric_id: str) -> str:
    shown = rounded(value, metric_id)
    if shown is None:
        return ""
    return f"{shown:,}" if isinstance(shown, int) else f"{shown:,.{METRICS[metric_id].decimals}f}"


def shown(score: Score, metric_id: str) -> str:
    """A score as a visitor reads it: value and unit, or 'not enough data'."""
    if score.value is None:
        return "not enough data"
    return number(score.value, metric_id) + UNIT_SUFFIX.get(score.unit, "")


def interval(score: Score, metric_id: str) -> str:
    if score.value is None or score.low is None or score.high is None:
        return ""
    return f"{number(score.low, metric_id)}\N{EN DASH}{number(score.high, metric_id)}"


def score_dict(metric_id: str, score: Score) -> dict:
    return {
        "value": rounded(score.value, metric_id),
        "low": rounded(score.low, metric_id),
        "high": rounded(score.high, metric_id),
        "n": int(score.n),
        "unit": score.unit,
    }


def company_dict(company: CompanyResult, rank: RankRange | None = None,
                 scores_of: Callable[[dict[str, Score]], object] | None = None,
                 month_of: Callable[[str, dict[str, Score]], object] | None = None) -> dict:
    """A company's entry of scores.json; `scores_of` makes a window's scores by metric, and
    `month_of` a month's entry of the monthly series (by default: dicts of score_dict)."""
    def default_scores(scores: dict[str, Score]) -> dict:
        return {metric_id: score_dict(metric_id, scores[metric_id]) for metric_id in METRICS}

    def default_month(month: str, scores: dict[str, Score]) -> dict:
        return {"month": month, **default_scores(scores)}

    scores_of = scores_of or default_scores
    month_of = month_of or default_month
    return {
        "slug": company.slug,
        "name": company.name,
        "industry": company.industry,
        "rank": {"best": rank.best, "worst": rank.worst} if rank else None,
        "windows": {window: scores_of(company.windows[window]) for window in WINDOWS},
        "monthly": [month_of(month, scores) for month, scores in company.monthly],
        "actions": [
            {"id": a.id, "topic": a.topic, "status": a.status, "opened": a.opened.isoformat()}
            for a in company.actions
        ],
        "action_counts": company.action_counts,
        "rows": {"read": company.rows_read, "counted": company.rows_counted,
                 "quarantined": company.rows_quarantined},
        "integrity": None if company.integrity is None else {
            "rows_deleted": sum(e.count for e in company.integrity
                                if e.kind == "deleted" and e.unit == "contact"),
            "rows_altered": sum(e.count for e in company.integrity
                                if e.kind == "altered" and e.unit == "contact"),
            "summary_records_deleted": sum(e.count for e in company.integrity
                                           if e.kind == "deleted" and e.unit != "contact"),
            "summary_records_altered": sum(e.count for e in company.integrity
                                           if e.kind == "altered" and e.unit != "contact"),
            "events": [{"kind": e.kind, "commit": e.commit, "date": e.date, "count": e.count,
                        "unit": e.unit} for e in company.integrity],
        },
        "signals": [{"kind": s.kind, "start": s.start, "end": s.end, "count": s.count,
                     "message": s.message} for s in company.signals],
        "quarantined": [
            {"file": p.file, "line": p.line, "column": p.column, "code": p.code,
             "message": p.message}
            for f in company.quarantined for p in f.problems
        ],
        "files": [{"file": f.file, "sha256": f.sha256, "rows": f.rows, "status": f.status}
                  for f in company.files],
    }


BETWEEN = b",\n  "  # what json.dumps(indent=1) writes between the companies of the list


def _document(board: Scoreboard) -> Callable[[list[bytes]], bytes]:
    """scores.json's shape around companies already encoded (_company_texts), as UTF-8: the
    same head for every document of the build, written once."""
    head = document_head(board).encode()
    start = _start(head)

    def document(companies: list[bytes]) -> bytes:
        if not companies:
            return head + b"\n"
        return b"".join((start, BETWEEN.join(companies), b"\n ]\n}\n"))

    return document


def _start(head: bytes) -> bytes:
    """What comes before the first company: json.dumps(indent=1)'s list, its items two levels
    in."""
    return head.removesuffix(b"[]\n}") + b"[\n  "


def entry_spans(head: bytes, texts: list[bytes]) -> list[tuple[int, int]]:
    """Where each company's entry (of these) sits in the document _document makes of them
    under `head` (document_head's, as UTF-8): [start, end) in its bytes."""
    spans, at = [], len(_start(head))
    for text in texts:
        spans.append((at, at + len(text)))
        at += len(text) + len(BETWEEN)
    return spans


def commit_offset(head: bytes, commit: str | None) -> int | None:
    """Where a document of scores.json's shape under `head` (document_head's, as UTF-8) shows
    the data commit `commit` (the first of its characters), or None when it shows none
    (null)."""
    if commit is None:
        return None
    key = b'"data_commit": "'
    return head.index(key + commit.encode()) + len(key)


def document_head(board: Scoreboard) -> str:
    """What every document of scores.json's shape holds besides its companies (an empty list):
    the schema, methodology, thresholds, the scoreboard's date and its data commit."""
    return json.dumps({
        "schema": SCHEMA,
        "methodology_version": board.methodology_version,
        "methodology_changelog": [
            {"version": c.version, "effective": c.effective.isoformat(), "changed": c.changed,
             "why": c.why} for c in CHANGELOG],
        "thresholds": dataclasses.asdict(board.thresholds),
        "as_of": board.as_of.isoformat(),
        "data_commit": board.data_commit,
        "companies": [],
    }, indent=1, ensure_ascii=False, allow_nan=False)


def company_text(company: CompanyResult, rank: RankRange | None) -> str:
    """The company's entry of scores.json's companies list, indented for its place there
    (JSON text holds no raw line break, so every line moves two spaces in).

    The scores are most of it, and json.dumps(indent=1) writes them value by value in Python:
    each window's scores and each month's entry are written whole by _scores_json instead,
    into a placeholder json.dumps leaves for them. Should company text look like a
    placeholder, the entry is written the slow way."""
    blocks: list[str] = []

    def placeholder(scores: dict[str, Score], month: str | None = None) -> str:
        blocks.append(_scores_json(scores, month))
        return f"\0{len(blocks) - 1}"

    text = json.dumps(company_dict(company, rank, placeholder, lambda m, s: placeholder(s, m)),
                      indent=1, ensure_ascii=False, allow_nan=False)
    pieces = _PLACEHOLDER.split(text)  # text, index, text, index, ...
    if pieces[1::2] != [str(index) for index in range(len(blocks))]:
        text = json.dumps(company_dict(company, rank), indent=1, ensure_ascii=False,
                          allow_nan=False)
    else:
        pieces[1::2] = blocks
        text = "".join(pieces)
    return text.replace("\n", "\n  ")


_PLACEHOLDER = re.compile(r'"\\u0000(\d+)"')  # a placeholder as json.dumps writes it


def _scores_json(scores: dict[str, Score], month: str | None) -> str:
    """A window's scores by metric (or, with `month`, a month's entry: the month, then its
    scores) as json.dumps(indent=1, allow_nan=False) writes them where they sit in a company's
    entry, two levels in: each score as score_dict, its numbers rounded (rounded)."""
    cells = [] if month is None else [encode_basestring(month)]
    for metric_id, decimals in _DECIMALS:
        score = scores[metric_id]
        cells += (_number_json(score.value, decimals), _number_json(score.low, decimals),
                  _number_json(score.high, decimals), int.__repr__(int(score.n)),
                  encode_basestring(score.unit))  # json.dumps' own
    return (_SCORES_JSON if month is None else _MONTH_JSON).format(*cells)


_DECIMALS = [(metric_id, metric.decimals) for metric_id, metric in METRICS.items()]
_SCORE_JSON = ('{{\n    "value": {},\n    "low": {},\n    "high": {},\n    "n": {},\n'
               '    "unit": {}\n   }}')
_SCORES_JSON = "{{\n   " + ",\n   ".join(f"{encode_basestring(metric_id)}: {_SCORE_JSON}"
                                         for metric_id in METRICS) + "\n  }}"
_MONTH_JSON = _SCORES_JSON.replace("{{\n   ", '{{\n   "month": {},\n   ', 1)


def _number_json(value: float | None, decimals: int) -> str:
    """rounded(value) as json.dumps writes it (int's and float's repr), refusing NaN and
    infinity."""
    if value is None:
        return "null"
    if decimals == 0:
        return int.__repr__(round(float(value)))
    value = round(float(value), decimals)
    if not math.isfinite(value):
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


def _company_texts(board: Scoreboard) -> list[bytes]:
    ranks = rank_ranges(board.companies)
    return [company_text(company, ranks.get(company.slug)).encode()
            for company in board.companies]


def scores_json(board: Scoreboard) -> str:
    return _document(board)(_company_texts(board)).decode()


def json_files(board: Scoreboard, texts: list[bytes] | None = None,
               only: set[str] | None = None) -> dict[str, bytes]:
    """scores.json, and companies/<slug>.json: scores.json's shape holding one company, for one
    download (of the companies in `only`, by default all), as UTF-8. Each company is encoded
    once (company_text), or given already in `texts` (UTF-8)."""
    texts = _company_texts(board) if texts is None else texts
    document = _document(board)
    return {"scores.json": document(texts),
            **{f"companies/{company.slug}.json": document([text])
               for company, text in zip(board.companies, texts, strict=True)
               if only is None or company.slug in only}}


def cell(value):
    """A CSV cell: text that a spreadsheet would evaluate is neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


CSV_FIXED = ("slug", "name", "industry", "as_of", "methodology_version")


def csv_columns() -> list[str]:
    return [*CSV_FIXED, *(f"{m}{part}" for m in METRICS for part in ("", "_low", "_high", "_n"))]


def scores_csv(board: Scoreboard) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_columns())
    for company in board.companies:
        row = [company.slug, company.name, company.industry, board.as_of.isoformat(),
               board.methodology_version]
        for metric_id in METRICS:
            score = score_dict(metric_id, company.windows["all"][metric_id])
            row += [score["value"], score["low"], score["high"], score["n"]]
        writer.writerow([cell(value) for value in row])
    return out.getvalue()


def datapackage_json(board: Scoreboard) -> str:
    """A Frictionless Data Package describing the downloads."""
    fields = [
        {"name": "slug", "type": "string", "description": "company folder name"},
        {"name": "name", "type": "string", "description": "company name"},
        {"name": "industry", "type": "string", "description": "scoreboard industry"},
        {"name": "as_of", "type": "date", "description": "the date the scores describe"},
        {"name": "methodology_version", "type": "string",
         "description": "version of the methodology that produced the scores"},
    ]
    for metric_id, m in board.metrics.items():
        number = "integer" if m.decimals == 0 else "number"

        fields += [
            {"name": metric_id, "type": number,
             "description": f"{m.title} ({m.unit}), all time; empty means not enough data"},
            {"name": f"{metric_id}_low", "type": number, "description": "95% interval, low"},
            {"name": f"{metric_id}_high", "type": number, "description": "95% interval, high"},
            {"name": f"{metric_id}_n", "type": "integer", "description": "sample size"},
        ]
    package = {
        "profile": "data-package",
        "name": "candor-scores",
        "title": "Candor customer-service scores",
        "version": board.methodology_version,
        "resources": [
            {"name": "scores", "path": "scores.csv", "format": "csv", "mediatype": "text/csv",
             "encoding": "utf-8", "description": "One row per company, all-time window",
             "schema": {"fields": fields, "primaryKey": ["slug"]}},
            {"name": "scores-json", "path": "scores.json", "format": "json",
             "mediatype": "application/json",
             "description": f"Every window and month per company ({SCHEMA})"},
            *({"name": f"company-{company.slug}", "path": f"companies/{company.slug}.json",
               "format": "json", "mediatype": "application/json",
               "description": f"{company.name}: scores.json's shape for one company"}
              for company in board.companies),
        ],
    }
    return json.dumps(package, indent=1) + "\n"
