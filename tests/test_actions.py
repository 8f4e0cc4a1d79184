"""scoring.actions: the 'you said, we did' entries, their history and their measured effect."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from test_metrics import cube_of

from scoring.actions import (
    Action,
    Update,
    actions_of,
    as_known_on,
    status_counts,
    with_effect,
)
from scoring.validate import empty_contacts

Z = 1.959964


def textbook_wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return 100 * (centre - half), 100 * (centre + half)


def entry(id: str, opened: dt.date, status: str = "planned", updates=(), **extra) -> dict:
    """One actions.yaml entry as the YAML loader returns it."""
    return {
        "id": id, "topic": "refund", "you_said": f"  said {id} ", "we_did": f"did {id}\n",
        "status": status, "opened": opened, "updates": list(updates), **extra,
    }


def action(status: str = "done", updates=(), topic: str = "refund") -> Action:
    return Action("a", topic, "said", "did", status, dt.date(2026, 1, 1), tuple(updates))


def test_actions_of_sorts_newest_commitment_first():
    document = [
        entry("old", dt.date(2025, 11, 3)),
        entry("newest", dt.date(2026, 9, 1)),
        entry("middle", dt.date(2026, 3, 14)),
    ]
    actions = actions_of(document)
    assert [a.id for a in actions] == ["newest", "middle", "old"]
    assert [a.opened for a in actions] == [
        dt.date(2026, 9, 1), dt.date(2026, 3, 14), dt.date(2025, 11, 3),
    ]


def test_actions_of_keeps_fields_and_history():
    document = [entry(
        "faster-refunds", dt.date(2026, 3, 14), "done",
        [{"date": dt.date(2026, 4, 2), "status": "in_progress", "note": " New scanner. "},
         {"date": dt.date(2026, 5, 20), "status": "done"}],
        evidence="https://acme.example/blog",
    )]
    (action_,) = actions_of(document)
    assert action_.you_said == "said faster-refunds"
    assert action_.we_did == "did faster-refunds"
    assert action_.status == "done"
    assert action_.evidence == "https://acme.example/blog"
    assert action_.updates == (
        Update(dt.date(2026, 4, 2), "in_progress", "New scanner."),
        Update(dt.date(2026, 5, 20), "done", ""),
    )


def test_actions_of_empty_document():
    assert actions_of(None) == []
    assert actions_of([]) == []


def test_status_counts_names_every_status():
    document = [
        entry("a", dt.date(2026, 1, 1), "done"),
        entry("b", dt.date(2026, 1, 2), "declined"),
        entry("c", dt.date(2026, 1, 3), "done"),
        entry("d", dt.date(2026, 1, 4), "planned"),
    ]
    assert status_counts(actions_of(document)) == {
        "planned": 1, "in_progress": 0, "done": 2, "declined": 1,
    }
    assert status_counts([]) == {"planned": 0, "in_progress": 0, "done": 0, "declined": 0}


@pytest.mark.parametrize(
    ("updates", "reason"),
    [
        pytest.param([], "", id="no-updates"),
        pytest.param([Update(dt.date(2026, 2, 1), "in_progress", "")], "", id="no-notes"),
        pytest.param([Update(dt.date(2026, 2, 1), "in_progress", "first"),
                      Update(dt.date(2026, 3, 1), "declined", "why not")], "why not",
                     id="last-note"),
        pytest.param([Update(dt.date(2026, 2, 1), "in_progress", "first"),
                      Update(dt.date(2026, 3, 1), "done", "")], "first",
                     id="last-non-empty-note"),
    ],
)
def test_reason_is_the_last_note(updates, reason):
    assert action("declined", updates).reason == reason


@pytest.mark.parametrize(
    ("updates", "done_on"),
    [
        pytest.param([], None, id="no-updates"),
        pytest.param([Update(dt.date(2026, 2, 1), "in_progress", "")], None, id="never-done"),
        pytest.param([Update(dt.date(2026, 2, 1), "in_progress", ""),
                      Update(dt.date(2026, 3, 1), "done", "")], dt.date(2026, 3, 1),
                     id="done"),
        # reopened and done again: the last done date
        pytest.param([Update(dt.date(2026, 2, 1), "done", ""),
                      Update(dt.date(2026, 2, 9), "in_progress", "reopened"),
                      Update(dt.date(2026, 4, 5), "done", ""),
                      Update(dt.date(2026, 4, 9), None, "a note only")], dt.date(2026, 4, 5),
                     id="done-twice"),
    ],
)
def test_done_on_is_the_last_done_update(updates, done_on):
    assert action("done", updates).done_on == done_on


DONE_ON = dt.date(2026, 5, 20)  # the 90 days before: from 2026-02-19 (inclusive)


def ratings_frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Typed contacts (as validate produces them) from (submitted_at, topic, rating) rows."""
    n = len(rows)
    frame = empty_contacts().reindex(range(n))
    frame["id"] = [f"c{i}" for i in range(n)]
    frame["case_id"] = frame["id"]
    frame["channel"] = "chat"
    frame["submitted_at"] = pd.to_datetime([r[0] for r in rows], utc=True)
    frame["topic"] = [r[1] for r in rows]
    frame["rating"] = pd.Series([r[2] for r in rows], dtype=float)
    frame["comment_public"] = False
    return frame


def days(start: str, count: int) -> list[str]:
    """count timestamps one day apart from start, at noon UTC."""
    first = pd.Timestamp(start, tz="UTC") + pd.Timedelta(hours=12)
    return [(first + pd.Timedelta(days=i)).isoformat() for i in range(count)]


def effect_contacts() -> pd.DataFrame:
    rows = []
    # before: 40 refund ratings from 2026-02-20 to 2026-03-31, 10 of them good -> 25.0
    rows += [(t, "refund", 5 if i < 10 else 2) for i, t in enumerate(days("2026-02-20", 40))]
    # after: 40 refund ratings from 2026-05-20 (the done day) on, 32 good -> 80.0
    rows += [(t, "refund", 4 if i < 32 else 1) for i, t in enumerate(days("2026-05-20", 40))]
    # other topics, in both windows, all good: ignored
    rows += [(t, "delivery", 5) for t in days("2026-03-01", 30) + days("2026-06-01", 30)]
    # refund ratings outside both windows (before 2026-02-19, from 2026-08-18): ignored
    rows += [(t, "refund", 5) for t in days("2026-01-01", 20) + days("2026-08-18", 20)]
    # refund contacts without a rating: ignored
    rows += [(t, "refund", None) for t in days("2026-03-05", 10)]
    return ratings_frame(rows)


def test_with_effect_measures_topic_csat_before_and_after():
    done = action("done", [Update(dt.date(2026, 4, 1), "in_progress", ""),
                           Update(DONE_ON, "done", "")])
    measured = with_effect(done, cube_of(effect_contacts()), days=90)
    effect = measured.effect
    assert effect is not None
    assert effect.done_on == DONE_ON
    assert (effect.before.value, effect.before.n) == (100 * 10 / 40, 40)
    assert (effect.after.value, effect.after.n) == (100 * 32 / 40, 40)
    assert effect.change == pytest.approx(80.0 - 25.0)
    assert (effect.before.low, effect.before.high) == pytest.approx(textbook_wilson(10, 40))
    assert (effect.after.low, effect.after.high) == pytest.approx(textbook_wilson(32, 40))
    # the action itself is otherwise unchanged
    assert measured == done


def test_with_effect_window_edges():
    # 2026-02-19 00:00 is exactly 90 days before 2026-05-20: in; a second earlier: out.
    # The done day's midnight starts the after window.
    rows = [("2026-02-19T00:00:00Z", "refund", 5)] * 30
    rows += [("2026-02-18T23:59:59Z", "refund", 1)] * 5
    rows += [("2026-05-20T00:00:00Z", "refund", 1)] * 30
    rows += [("2026-08-18T00:00:00Z", "refund", 5)] * 5  # 90 days after: out
    effect = with_effect(action("done", [Update(DONE_ON, "done", "")]),
                         cube_of(ratings_frame(rows)), days=90).effect
    assert (effect.before.value, effect.before.n) == (100.0, 30)
    assert (effect.after.value, effect.after.n) == (0.0, 30)
    assert effect.change == -100.0


def test_with_effect_below_30_ratings_is_not_enough_data():
    rows = [(t, "refund", 5) for t in days("2026-03-01", 29)]
    rows += [(t, "refund", 5) for t in days("2026-06-01", 40)]
    effect = with_effect(action("done", [Update(DONE_ON, "done", "")]),
                         cube_of(ratings_frame(rows)), days=90).effect
    assert effect.before.value is None
    assert effect.before.n == 29
    assert effect.after.value == 100.0
    assert effect.change is None


@pytest.mark.parametrize(
    ("status", "updates"),
    [
        pytest.param("in_progress", [Update(DONE_ON, "done", "")], id="not-done-now"),
        pytest.param("done", [Update(DONE_ON, "in_progress", "")], id="done-date-unknown"),
        pytest.param("planned", [], id="planned"),
    ],
)
def test_with_effect_only_for_done_actions_with_a_done_date(status, updates):
    assert with_effect(action(status, updates), cube_of(effect_contacts()),
                       days=90).effect is None


# --- as_known_on: the entry as its log stood on a day ----------------------------------------

HISTORY = (Update(dt.date(2026, 2, 1), None, "a note only"),
           Update(dt.date(2026, 3, 1), "in_progress", "started"),
           Update(dt.date(2026, 5, 20), "done", "finished"))


@pytest.mark.parametrize(
    ("day", "status", "n_updates", "done_on"),
    [
        # opened 2026-01-01, before any update that sets a status: planned
        pytest.param(dt.date(2026, 1, 1), "planned", 0, None, id="opening-day"),
        pytest.param(dt.date(2026, 2, 28), "planned", 1, None, id="note-only"),
        # an update counts from its own day on
        pytest.param(dt.date(2026, 3, 1), "in_progress", 2, None, id="update-day"),
        pytest.param(dt.date(2026, 5, 19), "in_progress", 2, None, id="day-before-done"),
        pytest.param(dt.date(2026, 5, 20), "done", 3, dt.date(2026, 5, 20), id="done-day"),
        pytest.param(dt.date(2026, 10, 20), "done", 3, dt.date(2026, 5, 20), id="later"),
    ],
)
def test_as_known_on_replays_the_updates(day, status, n_updates, done_on):
    known = as_known_on(action("done", HISTORY), day)
    assert known.status == status
    assert known.updates == HISTORY[:n_updates]
    assert known.done_on == done_on
    assert known.effect is None


def test_as_known_on_keeps_the_current_status_once_every_update_has_happened():
    # an entry whose status is not set by its updates: the file's status stands
    declined = action("declined", [Update(dt.date(2026, 2, 1), None, "too costly")])
    assert as_known_on(declined, dt.date(2026, 2, 1)) == declined
    planned = action("planned")
    assert as_known_on(planned, dt.date(2026, 1, 1)) == planned


def test_as_known_on_before_the_entry_was_opened_is_none():
    assert as_known_on(action("planned"), dt.date(2025, 12, 31)) is None


def test_as_known_on_drops_a_measured_effect():
    done = with_effect(action("done", [Update(DONE_ON, "done", "")]), cube_of(effect_contacts()),
                       days=90)
    assert done.effect is not None
    assert as_known_on(done, dt.date(2026, 10, 20)).effect is None
