"""What the cross-company pages show: industry comparisons, the action log across companies
with its Atom feeds, and the score badges. Plain data for the templates; no Pelican here."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import statistics
import uuid
from dataclasses import dataclass

from .actions import Action, Effect
from .board import CompanyResult, Scoreboard
from .export import interval, shown
from .ledger import INDUSTRIES
from .metrics import METRICS, CandorPart, Score

# The columns of an industry page, in order; each gets the industry median.
INDUSTRY_METRICS = (
    "candor_score", "csat", "nps", "first_contact_resolution", "contacts_per_case",
    "wait_seconds_p50", "wait_seconds_p90", "share_waits_over_5min", "post_sale_gap",
    "follow_through",
)


@dataclass(frozen=True)
class Industry:
    id: str
    companies: list[CompanyResult]  # in leaderboard order
    # Per metric: the median of the companies with enough data; n is how many companies those are.
    medians: dict[str, Score]


def industries(board: Scoreboard) -> list[Industry]:
    """Every industry of the scoreboard (ledger.INDUSTRIES, in that order), with or without
    companies."""
    result = []
    for industry in INDUSTRIES:
        members = [c for c in board.companies if c.industry == industry]
        medians = {}
        for metric_id in INDUSTRY_METRICS:
            values = [c.windows["all"][metric_id].value for c in members]
            values = [v for v in values if v is not None]
            medians[metric_id] = Score(statistics.median(values) if values else None,
                                       len(values), METRICS[metric_id].unit)
        result.append(Industry(industry, members, medians))
    return result


# --- a company's Candor score, part by part ------------------------------------------------

@dataclass(frozen=True)
class PartCells:
    """One row of a company page's "How the Candor score was made", as it reads: one decimal;
    None where the page says "not enough data" (value) or shows a dash."""

    value: str | None
    n: str
    target: str | None  # the industry mean it is shrunk toward, with k
    shrunk: str | None
    interval: str | None
    weight: str
    contribution: str | None


def part_cells(part: CandorPart) -> PartCells:
    """A component's row of the company page. The parts move with the company's industry, and
    the page cache keys a page by these cells, not by the exact means (site.page_key), so that
    a peer's change too small to show re-renders nothing."""

    def one(value: float | None) -> str | None:
        return None if value is None else f"{value:.1f}"

    return PartCells(
        one(part.value), f"{part.n:,}",
        None if part.target is None else f"{part.target:.1f} (k={part.prior_n:g})",
        one(part.shrunk),
        None if part.low is None else f"{part.low:.1f}\N{EN DASH}{part.high:.1f}",
        f"{part.weight:g}", one(part.contribution))


# --- the action log -------------------------------------------------------------------------

def status_date(action: Action) -> dt.date:
    """When an entry reached its current status: the date of its last update that set a status,
    or the day it was opened when none did (never earlier than that day). /actions/ and the
    feeds list entries by this date, newest first."""
    return max([action.opened, *(u.date for u in action.updates if u.status)])


def action_log(companies: list[CompanyResult]) -> list[tuple[CompanyResult, Action]]:
    """Every entry of these companies, newest status date first; ties by company slug, then
    entry id."""
    entries = [(company, action) for company in companies for action in company.actions]
    return sorted(entries, key=lambda e: (-status_date(e[1]).toordinal(), e[0].slug, e[1].id))


def effect_text(effect: Effect) -> str:
    """The measured effect in words, as the company page, /actions/ and the feeds show it."""

    def part(score: Score) -> str:
        spread = interval(score, "csat")
        return shown(score, "csat") + (f" (95%: {spread}, " if spread else " (") + f"n={score.n})"

    change = effect.change
    return (f"CSAT on this topic in the {effect.days} days before "
            f"{effect.done_on.isoformat()}: {part(effect.before)}; in the {effect.days} "
            f"days after: {part(effect.after)}; change: "
            + ("not enough data" if change is None else f"{change:+.1f} points") + ".")


# Characters XML 1.0 does not allow at all; company text could carry them through YAML escapes.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """Text that can stand in an XML document: characters XML forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    published: str
    updated: str
    author: str
    path: str  # from the site's root
    content: str


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    updated: str
    path: str  # of the feed itself, from the site's root
    page: str  # the HTML page it follows
    entries: list[FeedEntry]


def _instant(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _urn(site_url: str, name: str) -> str:
    """A stable Atom id: a name-based (v5) UUID of the site's URL and a path within it. Builds of
    the same data give the same ids; a site that moves to another URL gets new ones."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{site_url}/{name}')}"


def _entry_text(company: CompanyResult, action: Action) -> str:
    status = action.status.replace("_", " ")
    lines = [f"You said: {action.you_said}", f"We did: {action.we_did}",
             f"Topic: {action.topic}. Status: {status} since {status_date(action).isoformat()}"
             f" (opened {action.opened.isoformat()}).",
             *(f"{u.date.isoformat()}: " + " — ".join(
                 x for x in ((u.status or "").replace("_", " "), u.note) if x)
               for u in action.updates)]
    if action.effect:
        lines.append("Measured effect: " + effect_text(action.effect))
    elif action.status == "done":
        lines.append("Measured effect: not measured; no update says when it was done.")
    if action.evidence:
        lines.append(f"Evidence published by {company.name}: {action.evidence}")
    return xml_text("\n".join(lines))


def feed(title: str, path: str, page: str, entries: list[tuple[CompanyResult, Action]],
         as_of: dt.date, site_url: str) -> Feed:
    """An Atom feed of action-log entries (already newest first). Its updated date is the newest
    entry's, or the scoreboard's as-of date when there is none: never the build clock."""
    items = [FeedEntry(
        _urn(site_url, f"companies/{company.slug}/actions/{action.id}"),
        xml_text(f"{company.name} ({action.status.replace('_', ' ')}): {action.we_did}"),
        _instant(action.opened), _instant(status_date(action)), xml_text(company.name),
        f"companies/{company.slug}/#action-{action.id}", _entry_text(company, action),
    ) for company, action in entries]
    updated = max((status_date(a) for _, a in entries), default=as_of)
    return Feed(_urn(site_url, path), xml_text(title), _instant(updated), path, page, items)


# --- badges ---------------------------------------------------------------------------------

# Advance widths of Verdana at 11 px (the shields.io badge font), by character; others: 7.0.
_WIDTHS = {
    **dict.fromkeys("0123456789", 7.0), **dict.fromkeys(" .,:;·|!'", 3.9),
    **dict.fromkeys("ijl", 3.0), **dict.fromkeys("frt-()", 4.6), "m": 10.7, "w": 9.0,
    **dict.fromkeys("ceksvxyz", 6.0), **dict.fromkeys("abdghnopqu", 6.8),
}
_PAD = 6  # px either side of each text


def text_width(text: str) -> int:
    """The drawn width of text in the badge font, rounded up: the same text, the same width."""
    return math.ceil(sum(_WIDTHS.get(char, 7.0) for char in text))


@dataclass(frozen=True)
class Badge:
    label: str
    value: str
    title: str  # what a screen reader says
    label_width: int  # of the text alone; the boxes are 2 * _PAD wider
    value_width: int
    enough: bool

    @property
    def pad(self) -> int:
        return _PAD

    @property
    def width(self) -> int:
        return self.label_width + self.value_width + 4 * _PAD


def badge(company: CompanyResult, as_of: dt.date) -> Badge:
    score = company.windows["all"]["candor_score"]
    month = as_of.isoformat()[:7]
    value = f"{shown(score, 'candor_score')} · {month}"
    said = ("not enough data" if score.value is None
            else f"{shown(score, 'candor_score')} out of 100")
    title = xml_text(f"Candor score of {company.name}: {said}, as of {as_of.isoformat()}")
    return Badge("candor", value, title, text_width("candor"), text_width(value),
                 score.value is not None)


def _markdown_text(text: str) -> str:
    """Text for a Markdown link or image label: brackets and backslashes escaped."""
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def badge_snippets(company: CompanyResult, site_url: str) -> dict[str, str]:
    """Markdown and HTML that show the badge linking to the company page: absolute under the
    site's URL when it is known, else paths from the site's root."""
    base = f"{site_url}/" if site_url else ""
    image, page = f"{base}badges/{company.slug}.svg", f"{base}companies/{company.slug}/"
    alt = f"Candor score of {company.name}"
    return {
        "Markdown": f"[![{_markdown_text(alt)}]({image})]({page})",
        "HTML": f'<a href="{page}"><img src="{image}" alt="{html.escape(alt)}" height="20"></a>',
    }
