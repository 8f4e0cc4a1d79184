"""Scoreboard -> Vega-Lite specs (Altair): each chart is built once and reused with new data."""

from __future__ import annotations

import copy
import hashlib
import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path

from .board import CompanyResult
from .export import rounded
from .metrics import CHANGELOG, Change

DATASET = "series"
MARKS = "methodology"  # the months in which the methodology changed: a rule and a label each
# One site theme. Its colours are the light ones of theme/static/css/site.css; every colour sits
# in this config (none in the encodings), so theme/static/js/charts.js can swap in the page's
# current CSS colours (--muted, --line, --chart-1, --chart-2), dark mode included.
INK = "#4d5766"
ACCENT = "#1f5fbf"
ACCENT_2 = "#b4530a"
THEME = {
    "background": "transparent",
    "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    "view": {"stroke": None},
    "axis": {"labelColor": INK, "titleColor": INK, "gridColor": "#d5dbe3", "domainColor": INK,
             "tickColor": INK, "labelFontSize": 12, "titleFontSize": 12},
    "legend": {"labelColor": INK, "titleColor": INK, "orient": "bottom", "labelFontSize": 12},
    "range": {"category": [ACCENT, ACCENT_2]},
    "area": {"color": ACCENT},
    "line": {"strokeWidth": 2},
}


@dataclass(frozen=True)
class ChartKind:
    """A monthly chart: the metrics it draws and how its y axis reads."""

    id: str
    title: str
    metrics: tuple[str, ...]
    axis_title: str
    domain: tuple[float, float] | None
    band: bool  # draw the first metric's 95% interval as a band


CHARTS = (
    ChartKind("csat", "Customer satisfaction by month", ("csat",), "CSAT (%)", (0, 100), True),
    ChartKind("nps", "Net Promoter Score by month", ("nps",), "NPS (points)", (-100, 100), True),
    ChartKind("waits", "Wait to reach a person by month",
              ("wait_seconds_p50", "wait_seconds_p90"), "Wait (seconds)", None, False),
    ChartKind("contacts_per_case", "Contacts needed per case by month", ("contacts_per_case",),
              "Contacts per case", None, True),
)
SERIES_LABELS = {
    "csat": "CSAT", "nps": "NPS", "contacts_per_case": "Contacts per case",
    "wait_seconds_p50": "Median wait", "wait_seconds_p90": "90th percentile wait",
}


# kind id and marked -> the chart without data; built by _build, or read by prepare
_TEMPLATES: dict[str, dict] = {}


def _template(kind: ChartKind, marked: bool) -> dict:
    name = f"{kind.id}:{int(marked)}"
    if name not in _TEMPLATES:
        _TEMPLATES[name] = _build(kind, marked)
    return _TEMPLATES[name]


def _saved_key() -> str:
    """What the templates depend on: Altair (and the Vega-Lite schema it brings) and this file
    (the charts, the theme)."""
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return f"altair {importlib.metadata.version('altair')}; {source}"


def prepare(saved: bytes | None) -> bytes | None:
    """Every chart template, before company pages are rendered (on forked workers too): taken
    from `saved` (what an earlier call returned, kept in the build cache) when this Altair and
    this file made it, else built. Returns what to keep when it built any (None: nothing new),
    so that a build with a cache never imports Altair (a quarter of a second) nor builds a
    chart through its schema checks twice. Anything else in `saved` is ignored."""
    key = _saved_key()
    try:
        document = json.loads(saved or b"null")
        if document["key"] == key and isinstance(document["templates"], dict):
            _TEMPLATES.update({name: spec for name, spec in document["templates"].items()
                               if isinstance(spec, dict) and name not in _TEMPLATES})
    except (ValueError, KeyError, TypeError):
        pass
    names = {f"{kind.id}:{int(marked)}": (kind, marked) for kind in CHARTS
             for marked in (False, True)}
    missing = [name for name in names if name not in _TEMPLATES]
    for name in missing:
        _template(*names[name])
    return json.dumps({"key": key, "templates": _TEMPLATES}).encode() if missing else None


def _build(kind: ChartKind, marked: bool) -> dict:
    """The chart without data, built through Altair's schema checks, with the layers that mark
    methodology changes when `marked` (an empty mark layer makes Vega warn)."""
    import altair as alt

    base = alt.Chart(alt.NamedData(DATASET)).encode(
        x=alt.X("month:T", timeUnit="utcyearmonth", title=None,
                axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=6)),
    )
    scale = alt.Scale(domain=list(kind.domain)) if kind.domain else alt.Scale(zero=False)
    y = alt.Y("value:Q", title=kind.axis_title, scale=scale)
    tooltip = [alt.Tooltip("month:T", timeUnit="utcyearmonth", title="Month"),
               alt.Tooltip("series:N", title="Series"), alt.Tooltip("value:Q", title="Value"),
               alt.Tooltip("n:Q", title="n")]
    colour = alt.Color("series:N", title=None,
                       legend=alt.Legend() if len(kind.metrics) > 1 else None)
    lines = base.mark_line(point=True, invalid="break-paths-show-path-domains").encode(
        y=y, color=colour, tooltip=tooltip,
    )
    # Where the methodology changed: a dashed rule with its version at the top.
    marks = alt.Chart(alt.NamedData(MARKS)).encode(
        x=alt.X("month:T", timeUnit="utcyearmonth"),
        tooltip=[alt.Tooltip("month:T", timeUnit="utcyearmonth", title="Month"),
                 alt.Tooltip("label:N", title="Change")],
    )
    layers = [lines]
    if marked:
        layers += [marks.mark_rule(color=INK, strokeDash=[4, 3], strokeWidth=1.5),
                   # the label sits on the side of the rule with more room (`side` in the data)
                   marks.mark_text(align=alt.ExprRef("datum.side"), baseline="top",
                                   dx=alt.ExprRef("datum.side === 'left' ? 4 : -4"), color=INK,
                                   fontSize=11)
                   .encode(y=alt.value(2), text="label:N")]
    if kind.band:
        band = base.mark_area(opacity=0.18).encode(
            y=alt.Y("low:Q", scale=scale), y2="high:Q",
        ).transform_filter(alt.datum.series == SERIES_LABELS[kind.metrics[0]])
        layers.insert(0, band)
    # The page gives each chart its heading; the spec carries none, so it is not read twice.
    chart = alt.layer(*layers).properties(width="container", height=220).configure(**THEME)
    spec = chart.to_dict()
    spec.pop("datasets", None)
    return spec


def rows(company: CompanyResult, kind: ChartKind) -> list[dict]:
    """Long-form monthly rows; months without enough data carry null values (gaps)."""
    out = []
    for month, scores in company.monthly:
        for metric_id in kind.metrics:
            score = scores[metric_id]
            out.append({
                "month": f"{month}-01", "series": SERIES_LABELS[metric_id],
                "value": rounded(score.value, metric_id), "low": rounded(score.low, metric_id),
                "high": rounded(score.high, metric_id), "n": score.n,
            })
    return out


def methodology_marks(
    company: CompanyResult, changelog: tuple[Change, ...] = CHANGELOG,
) -> list[tuple[str, Change]]:
    """(month, change) for each methodology change (every changelog entry after the first,
    which is the start) whose effective month lies within the company's monthly series; of
    several changes in one month, the last, which the month was published under."""
    months = [month for month, _ in company.monthly]
    latest = {f"{change.effective:%Y-%m}": change for change in changelog[1:]}
    return [(month, change) for month, change in latest.items()
            if months and months[0] <= month <= months[-1]]



def company_charts(
    company: CompanyResult, marks: list[tuple[str, Change]],
) -> list[tuple[ChartKind, dict | None]]:
    """Every monthly chart of one company, as (kind, Vega-Lite spec), with a rule at each of
    `marks` (methodology_marks); the spec is None when no month has enough data to draw (the
    page then says so instead of drawing empty axes)."""
    charts = []
    months = [month for month, _ in company.monthly]
    labels = [{"month": f"{month}-01", "label": f"methodology {change.version}",
               "side": "left" if months.index(month) < len(months) / 2 else "right"}
              for month, change in marks]

    for kind in CHARTS:
        values = rows(company, kind)
        spec = None
        if any(row["value"] is not None for row in values):
            spec = copy.copy(_template(kind, bool(labels)))
            spec["datasets"] = {DATASET: values, **({MARKS: labels} if labels else {})}

        charts.append((kind, spec))
    return charts


# The leaderboard's trend column: a tiny inline SVG per company, drawn at build time (no JS).
SPARK_METRIC = "candor_score"
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 28, 3


@dataclass(frozen=True)
class Sparkline:
    """One company's monthly series as an SVG path on the scale every company shares (so the
    lines compare across rows), its newest point, and the same facts in words."""

    path: str  # "M x y L x y ..."; a month without enough data breaks the line
    last: tuple[float, float] | None
    summary: str


def sparklines(companies: list[CompanyResult]) -> dict[str, Sparkline]:
    """slug -> Sparkline of the monthly Candor score, over the months of the whole board."""
    series = {c.slug: {m: rounded(s[SPARK_METRIC].value, SPARK_METRIC) for m, s in c.monthly}
              for c in companies}
    months = sorted({m for values in series.values() for m in values})
    values = [v for by_month in series.values() for v in by_month.values() if v is not None]
    low, high = (min(values), max(values)) if values else (0, 100)
    span = (high - low) or 1

    def point(index: int, value: float) -> tuple[float, float]:
        x = SPARK_PAD + index * (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(months) - 1, 1)
        y = SPARK_HEIGHT - SPARK_PAD - (value - low) * (SPARK_HEIGHT - 2 * SPARK_PAD) / span
        return round(x, 1), round(y, 1)

    out = {}
    for slug, by_month in series.items():
        parts, last, pen_down = [], None, False
        for index, month in enumerate(months):
            value = by_month.get(month)
            if value is None:
                pen_down = False
                continue
            last = point(index, value)
            # A lone month between gaps is drawn as a dot: a zero-length segment, round caps.
            parts.append(f"{'L' if pen_down else 'M'}{last[0]} {last[1]}"
                         + ("" if pen_down else " h0.1"))
            pen_down = True
        out[slug] = Sparkline(" ".join(parts), last, _spark_summary(by_month))
    return out


def _spark_summary(by_month: dict[str, float | None]) -> str:
    known = [(m, v) for m, v in by_month.items() if v is not None]
    if not known:
        return "Candor score by month: no month has enough data."
    (first_month, first), (last_month, last) = known[0], known[-1]
    lowest, highest = min(v for _, v in known), max(v for _, v in known)
    gaps = len(by_month) - len(known)
    return (f"Candor score by month: {first:g} in {first_month}, {last:g} in {last_month}; "
            f"lowest {lowest:g}, highest {highest:g}"
            + (f"; {gaps} month{'s' if gaps != 1 else ''} without enough data." if gaps else "."))
