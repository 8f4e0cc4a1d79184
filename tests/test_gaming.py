"""Gaming signals (scoring/gaming.py): bursts of identical top ratings, an implausibly high
response share, gaps in the monthly series; thresholds from candor.yaml, validated like data,
shown on the company page, in scores.json and on the methodology page. Every expected value
is worked out by hand from the inputs written in the test (or tests/fixtures/gaming/README.md)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
from test_metrics import contacts_frame

from scoring.board import build_scoreboard
from scoring.config import DEFAULT_CONFIG, ConfigError, read_config
from scoring.gaming import GamingConfig, Signal, bursts, gaps, response_share
from scoring.summary import Summary, summarize

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "gaming"
CONFIG = GamingConfig(burst_contacts=5, burst_minutes=10, max_response_share=0.9,
                      response_min_contacts=100, gap_months=1)


def contacts(*rows: tuple[str, float | None, str | None]) -> pd.DataFrame:
    """(submitted_at, rating, comment) rows as the validator types them."""
    return pd.DataFrame({
        "submitted_at": pd.to_datetime([r[0] for r in rows], utc=True),
        "rating": pd.Series([r[1] for r in rows], dtype=float),
        "comment": pd.Series([r[2] for r in rows], dtype=object),
    })


def summary_of(frame: pd.DataFrame) -> Summary:
    """Such rows as a company's contacts (every other column missing), summarized."""
    return summarize(contacts_frame(len(frame), **{
        name: list(frame[name]) for name in ("submitted_at", "rating", "comment")}), CONFIG)


# --- bursts ---------------------------------------------------------------------------------


def test_five_top_ratings_with_the_same_words_within_ten_minutes_are_a_burst():
    frame = contacts(
        ("2026-03-01T10:00:00Z", 5, "Great service!"),
        ("2026-03-01T10:03:00Z", 5, "great service"),
        ("2026-03-01T10:05:00Z", 5, "GREAT   service!!"),
        ("2026-03-01T10:09:00Z", 5, "Great, service."),
        ("2026-03-01T10:10:00Z", 5, "great service"),  # exactly 10 minutes after the first
        ("2026-03-01T10:11:00Z", 5, "great service"),  # outside: starts a run of 1
        ("2026-03-01T10:04:00Z", 4, "great service"),  # not a top rating
        ("2026-03-01T10:06:00Z", 5, "Great service, thanks"),  # other words
        ("2026-03-01T10:07:00Z", 5, None),
    )
    assert bursts(frame, CONFIG) == [Signal(
        "burst", "2026-03-01T10:00:00Z", "2026-03-01T10:10:00Z", 5,
        "5 ratings of 5 with the same comment within 10 minutes, from 2026-03-01 10:00 UTC.")]


def test_four_are_not_a_burst_and_neither_are_five_spread_over_eleven_minutes():
    four = contacts(*((f"2026-03-01T10:0{m}:00Z", 5, "ok") for m in range(4)))
    spread = contacts(*((f"2026-03-01T10:{m:02d}:00Z", 5, "ok") for m in (0, 3, 6, 9, 11)))
    assert bursts(four, CONFIG) == []
    assert bursts(spread, CONFIG) == []  # 10:00-10:09 holds 4; 10:03-10:11 holds 4


def test_a_long_run_is_cut_into_consecutive_bursts():
    # 12 contacts two minutes apart, 10:00 to 10:22: 10:00-10:10 holds 6, then 10:12-10:22 holds 6
    frame = contacts(*((f"2026-03-01T10:{m:02d}:00Z", 5, "Perfect") for m in range(0, 24, 2)))
    assert [(s.start, s.end, s.count) for s in bursts(frame, CONFIG)] == [
        ("2026-03-01T10:00:00Z", "2026-03-01T10:10:00Z", 6),
        ("2026-03-01T10:12:00Z", "2026-03-01T10:22:00Z", 6),
    ]


# --- response share -------------------------------------------------------------------------


@pytest.mark.parametrize(("total", "rated", "signalled"), [
    (100, 91, True),  # 91% > 90%
    (100, 90, False),  # 90% is not more than 90%
    (99, 99, False),  # all rated, but fewer than 100 contacts
])
def test_response_share_above_the_threshold(total, rated, signalled):
    frame = contacts(*(("2026-03-01T10:00:00Z", 3 if i < rated else None, None)
                       for i in range(total)))
    found = response_share(summary_of(frame), CONFIG)
    assert bool(found) == signalled
    if signalled:
        assert found[0].count == 91
        assert found[0].message == ("91 of 100 contacts (91%) carry a rating, more than the 90% "
                                    "an optional survey plausibly gets.")


# --- gaps -----------------------------------------------------------------------------------


def test_gaps_are_months_without_contacts_between_months_with_contacts():
    frame = contacts(*((f"2026-{m:02d}-15T10:00:00Z", None, None) for m in (1, 3, 4, 7)))
    assert [(s.start, s.end, s.count, s.message) for s in gaps(summary_of(frame), CONFIG)] == [
        ("2026-02", "2026-02", 1, "No contacts in 2026-02 (1 month), between months with data."),
        ("2026-05", "2026-06", 2,
         "No contacts in 2026-05 to 2026-06 (2 months), between months with data."),
    ]
    two = GamingConfig(5, 10, 0.9, 100, gap_months=2)
    assert [s.start for s in gaps(summary_of(frame), two)] == ["2026-05"]


def test_a_year_boundary_is_not_a_gap_and_no_data_is_no_signal():
    frame = contacts(("2025-12-31T23:00:00Z", None, None), ("2026-01-01T01:00:00Z", None, None))
    assert gaps(summary_of(frame), CONFIG) == []
    assert gaps(summary_of(contacts()), CONFIG) == []


# --- the settings ---------------------------------------------------------------------------

GOOD = DEFAULT_CONFIG.read_text(encoding="utf-8")


def test_the_repository_settings():
    assert read_config().gaming == CONFIG == GamingConfig()  # the defaults are candor.yaml's


@pytest.mark.parametrize(("old", "new", "code"), [
    ("  burst_contacts: 5 ", "  burst_contacts: 1 ", "bad_gaming"),
    ("  burst_minutes: 10 ", "  burst_minutes: 0 ", "bad_gaming"),
    ("  max_response_share: 0.9 ", "  max_response_share: 1.5 ", "bad_gaming"),
    ("  gap_months: 1 ", "  gap_months: 1.5 ", "bad_gaming"),
    ("  gap_months: 1 ", "  gap_month: 1 ", "unknown_field"),
])
def test_bad_thresholds_are_reported_with_their_position(tmp_path, old, new, code):
    assert old in GOOD
    path = tmp_path / "candor.yaml"
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    line = next(n for n, text in enumerate(GOOD.splitlines(), 1) if text.startswith(old))
    with pytest.raises(ConfigError) as error:  # the file as a whole is refused
        read_config(path)
    assert code in [p.code for p in error.value.problems]
    assert line in [p.line for p in error.value.problems]


def test_a_section_or_key_left_out_keeps_its_defaults(tmp_path):
    path = tmp_path / "candor.yaml"
    path.write_text(GOOD.split("\ngaming:")[0] + "\n", encoding="utf-8")
    assert read_config(path).gaming == GamingConfig(5, 10, 0.9, 100, 1)
    path.write_text(GOOD.split("\ngaming:")[0] + "\ngaming:\n  gap_months: 3\n",
                    encoding="utf-8")
    assert read_config(path).gaming == GamingConfig(5, 10, 0.9, 100, 3)


# --- end to end -----------------------------------------------------------------------------

BURST = "6 ratings of 5 with the same comment within 8 minutes, from 2026-01-28 09:00 UTC."
SHARE = ("114 of 120 contacts (95%) carry a rating, more than the 90% an optional survey "
         "plausibly gets.")
GAP = "No contacts in 2026-02 to 2026-03 (2 months), between months with data."


@pytest.fixture(scope="module")
def gaming_site(build_site, tmp_path_factory):
    done = build_site(FIXTURE, tmp_path_factory.mktemp("gaming") / "out")
    assert done.result.returncode == 0, done.result.stdout + done.result.stderr
    return done.output


def test_signals_are_in_scores_json(gaming_site):
    scores = json.loads((gaming_site / "data" / "scores.json").read_text("utf-8"))
    [company] = scores["companies"]
    assert company["signals"] == [
        {"kind": "burst", "start": "2026-01-28T09:00:00Z", "end": "2026-01-28T09:08:00Z",
         "count": 6, "message": BURST},
        {"kind": "response_share", "start": "2026-01-01", "end": "2026-04-30", "count": 114,
         "message": SHARE},
        {"kind": "gap", "start": "2026-02", "end": "2026-03", "count": 2, "message": GAP},
    ]


def test_signals_are_an_integrity_notice_on_the_company_page(gaming_site):
    page = (gaming_site / "companies" / "bursty" / "index.html").read_text("utf-8")
    assert "Integrity notice: patterns worth a second look" in page
    for message in (BURST, SHARE, GAP):
        assert f">{message}</li>" in page
    assert 'href="../../methodology/#gaming"' in page


def test_the_burst_never_publishes_the_comment(gaming_site):
    for path in gaming_site.rglob("*"):
        if path.is_file():
            assert b"best bank ever" not in path.read_bytes().lower(), path


def test_the_methodology_page_states_the_thresholds(gaming_site):
    page = (gaming_site / "methodology" / "index.html").read_text("utf-8")
    assert 'id="gaming"' in page
    assert "5 or more contacts rated 5 of 5" in page and "within 10 minutes" in page
    assert "more than 90% of the contacts carry a rating" in page
    assert "at least 100 contacts" in page
    assert "1 or more calendar months in a row" in page


def test_other_thresholds_change_the_signals():
    strict = GamingConfig(burst_contacts=7, burst_minutes=10, max_response_share=0.95,
                          response_min_contacts=100, gap_months=3)
    config = dataclasses.replace(read_config(), gaming=strict)
    [company] = build_scoreboard(FIXTURE, config=config).companies
    assert company.signals == []  # 6 < 7; 95% is not more than 95%; a 2-month gap < 3
    loose = GamingConfig(burst_contacts=3, burst_minutes=2, max_response_share=0.5,
                         response_min_contacts=120, gap_months=2)
    config = dataclasses.replace(read_config(), gaming=loose)
    [company] = build_scoreboard(FIXTURE, config=config).companies
    # 09:00-09:02 holds 3 (b1-b3), then 09:04-09:06 holds 2 and 09:06-09:08 holds 2
    assert [(s.kind, s.start, s.count) for s in company.signals] == [
        ("burst", "2026-01-28T09:00:00Z", 3), ("response_share", "2026-01-01", 114),
        ("gap", "2026-02", 2)]
