"""'You said, we did': action-log entries, their status history and their measured effect."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from .ledger import ACTION_STATUSES
from .metrics import MIN_RESPONSES, Score, Table, share
from .validate import as_date

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Update:
    date: dt.date
    status: str | None
    note: str


@dataclass(frozen=True)
class Effect:
    """Topic CSAT in the effect window (Thresholds.effect_window_days) before and after an
    action was done."""

    done_on: dt.date
    before: Score
    after: Score
    days: int  # the window on each side

    @property
    def change(self) -> float | None:
        if self.before.value is None or self.after.value is None:
            return None
        return self.after.value - self.before.value


@dataclass(frozen=True)
class Action:
    id: str
    topic: str
    you_said: str
    we_did: str
    status: str
    opened: dt.date
    updates: tuple[Update, ...] = ()
    evidence: str | None = None
    effect: Effect | None = field(default=None, compare=False)

    @property
    def reason(self) -> str:
        """The last note: for a declined entry, why."""
        notes = [u.note for u in self.updates if u.note]
        return notes[-1] if notes else ""

    @property
    def done_on(self) -> dt.date | None:
        done = [u.date for u in self.updates if u.status == "done"]
        return done[-1] if done else None


def actions_of(document: list | None) -> list[Action]:
    """Entries of a validated actions.yaml, newest commitment first."""
    entries = []
    for entry in document or []:
        updates = tuple(
            Update(as_date(u["date"]), u.get("status"), str(u.get("note") or "").strip())
            for u in entry.get("updates") or []
        )
        entries.append(Action(
            entry["id"], entry["topic"], entry["you_said"].strip(), entry["we_did"].strip(),
            entry["status"], as_date(entry["opened"]), updates, entry.get("evidence"),
        ))
    return sorted(entries, key=lambda a: (a.opened, a.id), reverse=True)


def as_known_on(action: Action, day: dt.date) -> Action | None:
    """The entry as its log stood on `day`: None before it was opened; before its last update,
    only the updates made by then, and the status of the last of them that set one ("planned"
    before any did). Its measured effect is dropped: measure it again on the data of then."""
    if action.opened > day:
        return None
    if all(update.date <= day for update in action.updates):
        return replace(action, effect=None)
    updates = tuple(update for update in action.updates if update.date <= day)
    statuses = [update.status for update in updates if update.status]
    return replace(action, status=statuses[-1] if statuses else "planned", updates=updates,
                   effect=None)


def status_counts(actions: list[Action]) -> dict[str, int]:
    counts = dict.fromkeys(ACTION_STATUSES, 0)
    for action in actions:
        counts[action.status] += 1
    return counts


def topic_csat(contacts: Table, topic: str, start: pd.Timestamp, end: pd.Timestamp) -> Score:
    """CSAT of one topic's ratings given in [start, end) (whole days), from the contacts
    cube."""
    topics = contacts.codes("topic")[0]
    value = int(np.searchsorted(topics, topic))
    if value == len(topics) or topics[value] != topic:
        return share(0, 0, MIN_RESPONSES)
    order, starts = contacts.grouped("topic")  # the topic's rows: one block, in order of day
    first, last = starts[value] + order[starts[value]:starts[value + 1]].searchsorted(
        contacts["day"].searchsorted([start.to_datetime64(), end.to_datetime64()]))
    good, rated = (contacts.cumulative(name, by="topic") for name in ("good", "rated"))
    return share(int(good[last] - good[first]), int(rated[last] - rated[first]), MIN_RESPONSES)


def with_effect(action: Action, contacts: Table, days: int,
                until: pd.Timestamp | None = None) -> Action:
    """The action with its measured effect, for a done action whose done date is known: topic
    CSAT in the `days` before and after (the ratings before midnight `until`, if given)."""
    import pandas as pd
    if action.status != "done" or action.done_on is None:
        return action
    done = pd.Timestamp(action.done_on, tz="UTC")
    span = pd.Timedelta(days=days)
    effect = Effect(
        action.done_on,
        topic_csat(contacts, action.topic, done - span, done),
        topic_csat(contacts, action.topic, done,
                   done + span if until is None else min(done + span, until)),
        days,
    )
    return Action(**{**action.__dict__, "effect": effect})
