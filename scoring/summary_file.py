"""Summary files: a Summary (scoring.summary) on disk, one JSON Lines file per month.

`data/<slug>/summaries/YYYY-MM.jsonl`, written by `publish.py summarize`, documented field by
field in docs/SUMMARIES.md; one line is described by `summary.schema.json` (scoring.schemas),
which `check` validates every line against, before the rules a schema cannot state. A file
with any problem is quarantined whole, like a feedback file.

The bytes are deterministic: the header, then the records in a fixed order (contacts, waits,
cases, comments, bursts, each sorted by its key), keys in a fixed order, integers where a value
is whole. Waits are rounded up to whole seconds and resolution times up to whole minutes, so a
wait "longer than the whole-second hold bar" stays exactly that.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import json
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from jsonschema import Draft202012Validator

from .gaming import TOP_RATING, GamingConfig, burst, bursts
from .load import SummaryLines, frame_table, key_column, read_feedback
from .problems import Problem
from .schemas import SUMMARY_FORMAT, SUMMARY_KINDS, summary_schema
from .summary import (
    ANSWERS,
    COMMENT_COLUMNS,
    DAY,
    PUBLISHED_COMMENTS,
    RATINGS,
    Summary,
    merge,
    summarize,
)
from .validate import _capped, empty_contacts, parse_feedback_files

if TYPE_CHECKING:
    import pandas as pd

WAIT_RESOLUTION_SECONDS = 1
HOURS_RESOLUTION_MINUTES = 1
# Each record kind's key: two records of a file with the same key are an error.
KEYS = {"contacts": ("day", "channel", "stage", "site", "topic"), "waits": ("day", "seconds"),
        "cases": ("day", "contacts", "resolved", "resolution_minutes"), "comment": ("id",),
        "burst": ("start", "end")}


# --- writing ----------------------------------------------------------------------------------

def dumps(summary: Summary, company: str, month: str) -> str:
    """The summary file of `month`: the records of `summary` dated in it (cases by their first
    contact's day, bursts by their start), with `summary`'s comments and public_comments,
    which must be the month's own (summarize the month's rows alone for those)."""
    import pandas as pd
    def within(frame: pd.DataFrame, column: str = "day") -> pd.DataFrame:
        return frame[frame[column].dt.strftime("%Y-%m").eq(month).to_numpy(dtype=bool)]

    contacts = within(summary.contacts)
    records: list[dict] = [{
        "format": SUMMARY_FORMAT, "company": company, "month": month,
        "contacts": int(contacts["contacts"].sum()),
        "public_comments": int(summary.public_comments),
        "wait_resolution_seconds": WAIT_RESOLUTION_SECONDS,
        "hours_resolution_minutes": HOURS_RESOLUTION_MINUTES,
    }]
    rows = [{"kind": "contacts", "day": _day(r.day), "channel": r.channel,
             "stage": _label(r.stage), "site": _label(r.site), "topic": _label(r.topic),
             "contacts": int(r.contacts),
             "ratings": [int(getattr(r, name)) for name in RATINGS],
             "nps": [int(getattr(r, name)) for name in ANSWERS]}
            for r in contacts.itertuples(index=False)]
    records += sorted(rows, key=_sort_key("contacts"))
    waits: Counter = Counter()
    for r in within(summary.waits).itertuples(index=False):
        waits[_day(r.day), seconds_up(r.wait_seconds)] += int(r.count)
    records += [{"kind": "waits", "day": day, "seconds": seconds, "count": count}
                for (day, seconds), count in sorted(waits.items())]
    cases: Counter = Counter()
    for r in within(summary.cases).itertuples(index=False):
        resolved = None if pd.isna(r.resolved) else bool(r.resolved)
        cases[_day(r.day), int(r.n_contacts), resolved, minutes_up(r.resolution_hours)] += int(
            r.count)
    rows = [{"kind": "cases", "day": day, "contacts": size, "resolved": resolved,
             "resolution_minutes": minutes, "count": count}
            for (day, size, resolved, minutes), count in cases.items()]
    records += sorted(rows, key=_sort_key("cases"))
    comments = within(summary.comments, "submitted_at")
    rows = [{"kind": "comment", "id": r.id, "submitted_at": _stamp(r.submitted_at),
             "channel": r.channel, "topic": _label(r.topic),
             "rating": None if pd.isna(r.rating) else int(r.rating), "comment": r.comment}
            for r in comments.itertuples(index=False)]
    records += sorted(rows, key=_sort_key("comment"))
    rows = [{"kind": "burst", "start": signal.start, "end": signal.end, "count": signal.count}
            for signal in summary.bursts if signal.start[:7] == month]
    records += sorted(rows, key=_sort_key("burst"))
    return "".join(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
                   for record in records)


@dataclasses.dataclass
class Part:
    """What summary files need from a set of whole cases (all of a company's rows, or one
    partition of a dataset shuffled on case_id): their Summary (its cases are complete), each
    month's rows summarized alone (the month's contacts, waits and comments), and the rated-5
    rows with a comment (the bursts, which may span parts, are found over all of these)."""

    whole: Summary
    months: dict[str, Summary]
    top: pd.DataFrame


TOP_COLUMNS = ("submitted_at", "rating", "comment")


def part(contacts: pd.DataFrame, gaming: GamingConfig) -> Part:
    """The Part of typed contacts (as scoring.validate gives them) holding whole cases."""
    import pandas as pd
    # a partition that crossed a distributed shuffle may hold its stamps as objects (frames
    # whose UTC zones were different objects): typed again, the same instants
    contacts = contacts.assign(**{name: pd.to_datetime(contacts[name], utc=True)
                                  for name in ("submitted_at", "resolved_at")})
    month = contacts["submitted_at"].dt.strftime("%Y-%m").to_numpy() if len(contacts) else []
    top = contacts.loc[contacts["rating"].eq(TOP_RATING).fillna(False).to_numpy()
                       & contacts["comment"].notna().to_numpy(), list(TOP_COLUMNS)]
    return Part(summarize(contacts, gaming),
                {name: summarize(contacts[month == name], gaming) for name in sorted(set(month))},
                top.reset_index(drop=True))


def files_of(parts: Iterable[Part], company: str, gaming: GamingConfig) -> dict[str, str]:
    """Each month's summary file (name YYYY-MM.jsonl -> text) from Parts of disjoint cases:
    contacts and waits in their day's month, cases in their first contact's, bursts in their
    start's, each month's newest consented comments. The same rows give the same bytes however
    they are cut into Parts."""
    import pandas as pd
    parts = list(parts)
    cases = merge(p.whole for p in parts)
    tops = [p.top for p in parts if len(p.top)]
    signals = tuple(bursts(pd.concat(tops, ignore_index=True), gaming)) if tops else ()
    files = {}
    for month in sorted({month for p in parts for month in p.months}):
        alone = merge(p.months[month] for p in parts if month in p.months)
        files[f"{month}.jsonl"] = dumps(Summary(alone.contacts, alone.waits, cases.cases,
                                                alone.comments, alone.public_comments, signals),
                                        company, month)
    return files


def seconds_up(seconds: float) -> int:
    """A wait in whole seconds, rounded up: 300.2 s is 301 s, 300 s stays 300 s."""
    return math.ceil(seconds)


def minutes_up(hours: float) -> int | None:
    """A resolution time in whole minutes, rounded up; None where there is none. Hours are a
    quotient of nanoseconds, so the minutes are rounded to 60 microseconds first: 7 minutes
    (0.11666... hours) is 7, not 8."""
    import pandas as pd
    return None if pd.isna(hours) else math.ceil(round(hours * 60, 6))


def _label(value) -> str | None:
    import pandas as pd
    return None if value is None or pd.isna(value) else value


def _day(value) -> str:
    import pandas as pd
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def _stamp(value) -> str:
    """A UTC date-time as written: seconds, then the fraction if there is one, then Z."""
    import pandas as pd
    stamp = pd.Timestamp(value)
    fraction = stamp.value % 1_000_000_000
    return f"{stamp:%Y-%m-%dT%H:%M:%S}" + (
        f".{fraction:09d}".rstrip("0") if fraction else "") + "Z"


def _sort_key(kind: str):
    """Records of a kind in their file order: by key, null before any value, newest comment
    first (as a Summary keeps them)."""
    import pandas as pd
    def nullable(value):
        return (value is not None, value if value is not None else "")

    if kind == "comment":
        return lambda r: (-pd.Timestamp(r["submitted_at"]).value, r["id"])
    return lambda r: tuple(nullable(r[name]) for name in KEYS[kind])


# --- reading ----------------------------------------------------------------------------------

@functools.cache
def _validators() -> dict[str, tuple[dict, Draft202012Validator]]:
    definitions = summary_schema()["$defs"]
    return {name: (definition, Draft202012Validator(
        definition, format_checker=Draft202012Validator.FORMAT_CHECKER))
        for name, definition in definitions.items()}


def check(
    lines: SummaryLines, slug: str, pinned: dt.date | None = None,
) -> tuple[Summary | None, int, list[Problem]]:
    """(the file's Summary or None, the contacts it summarizes, every problem): each line
    against its schema definition, then the header's place and company, the records' month,
    repeated keys, counts that add up, and contacts after a pinned as_of. `rows` is the
    header's `contacts` when it can be read (so a quarantined file still counts its rows),
    else the sum of the contacts records that can."""
    where = lines.file
    problems = list(lines.problems)
    header: tuple[int, str, dict] | None = None
    records: dict[str, list[tuple[int, str, dict]]] = {kind: [] for kind in SUMMARY_KINDS}
    for position, (number, line, record) in enumerate(lines.records):
        if "format" in record:
            kind = "header"
            if position:
                problems.append(Problem(where, number, 1, "summary_header",
                                        "a header line appears again" if header is not None
                                        else "the header is not the first line",
                                        "keep one header, on the first line"))
        else:
            kind = record.get("kind")
            if position == 0:
                problems.append(Problem(where, number, 1, "summary_header",
                                        "the first line is not the header",
                                        f'start the file with {{"format": "{SUMMARY_FORMAT}", '
                                        '...}: write it with publish.py summarize'))
            if kind not in SUMMARY_KINDS:
                problems.append(Problem(where, number, key_column(line, "kind") or 1,
                                        "bad_kind", f"kind {kind!r} is not a record kind"
                                        if "kind" in record else "the line has no kind",
                                        "write \"kind\": one of " + ", ".join(SUMMARY_KINDS)))
                continue
        definition, validator = _validators()[kind]
        found = _schema_problems(validator, definition, record, where, number, line)
        problems += found
        if found:
            continue
        if kind == "header":
            header = header or (number, line, record)
        else:
            records[kind].append((number, line, record))
    if header is not None and not problems:  # the rules of valid lines: no knock-on errors
        problems += _rules(header, records, where, slug, pinned)
    rows = header[2]["contacts"] if header is not None else sum(
        record["contacts"] for _, _, record in records["contacts"])
    problems = _capped(sorted(set(problems), key=lambda p: (p.line or 0, p.column or 0, p.code)),
                       where)
    if problems or header is None:
        return None, int(rows), problems
    return _summary(header[2], records), int(rows), []


def check_files(
    files: list[SummaryLines], slug: str, pinned: dt.date | None = None,
) -> list[tuple[Summary | None, int, list[Problem]]]:
    """`check` for each of a company's summary files, in order; a valid file whose month an
    earlier valid file already holds is refused too (its contacts would be counted twice)."""
    results = []
    months: dict[str, str] = {}
    for lines in files:
        summary, rows, problems = check(lines, slug, pinned)
        if not problems and lines.records:
            number, line, header = lines.records[0]
            if header["month"] in months:
                summary, problems = None, [Problem(
                    lines.file, number, key_column(line, "month"), "duplicate_month",
                    f"month {header['month']} is also in {months[header['month']]}",
                    "keep one file per month: summarize the month's rows together")]
            months.setdefault(header["month"], lines.file)
        results.append((summary, rows, problems))
    return results


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _schema_problems(
    validator: Draft202012Validator, definition: dict, record: dict, where: str, number: int,
    line: str,
) -> list[Problem]:
    """A line's breaks of its schema definition, each with the code and hint the schema
    declares for the field, at the field's column."""
    problems = []
    for error in validator.iter_errors(record):
        path = list(error.absolute_path)
        key = str(path[0]) if path else None
        rule = definition["properties"].get(key, definition) if key else definition
        code, hint = rule.get("x-code", "bad_kind"), rule.get("x-hint", "")
        column = (key_column(line, key) if key else None) or 1
        field = ".".join(str(step) for step in path)
        check, limit, value = error.validator, error.validator_value, error.instance
        if check == "required":
            for name in limit:
                if name not in value:
                    meaning = definition["properties"][name].get("description", "")
                    problems.append(Problem(where, number, 1, "missing_field",
                                            f"{name} is required", f'add "{name}": {meaning}'))
            continue
        if check == "additionalProperties":
            known = list(definition["properties"])
            for name in value:
                if name not in known:
                    close = difflib.get_close_matches(name, known, n=1)
                    problems.append(Problem(
                        where, number, key_column(line, name) or 1, "unknown_field",
                        f"unknown key {name!r}", (f"did you mean {close[0]!r}? " if close
                                                  else "") + "known keys: " + ", ".join(known)))
            continue
        if check == "minLength" or (check == "pattern" and limit == r"\S"):
            problems.append(Problem(where, number, column, "empty_value",
                                    f"{field} is empty or blank",
                                    "write the text, or null where the key allows it"))
            continue
        if check == "maxLength":  # the length, never the text: a comment may be personal
            problems.append(Problem(where, number, column, code,
                                    f"{field} has {len(value):,} characters; the limit is "
                                    f"{limit:,}", hint))
            continue
        what = _broken(check, limit)
        problems.append(Problem(where, number, column, code, f"{field} {_shown(value)} {what}",
                                hint))
    return problems


def _broken(check: str, limit) -> str:
    """What is wrong with a value that breaks the schema keyword `check` (valued `limit`)."""
    if check == "const":
        return f"is not {_shown(limit)}"
    if check == "enum":
        return "is not one of " + ", ".join(_shown(choice) for choice in limit)
    if check == "type":
        return "is not " + (" or ".join(limit) if isinstance(limit, list) else str(limit))
    return {"minimum": f"is below {limit}", "maximum": f"is above {limit}",
            "minItems": f"has fewer than {limit} items", "maxItems": f"has more than {limit} items",
            "minLength": "is empty", "format": f"is not a real {limit}"}.get(
        check, "is not written as expected")


def _rules(
    header_line: tuple[int, str, dict], records: dict[str, list[tuple[int, str, dict]]],
    where: str, slug: str, pinned: dt.date | None,
) -> list[Problem]:
    """What the schema cannot state, for a header and records that passed their definitions."""
    problems = []

    def problem(number: int, line: str, key: str, code: str, message: str, hint: str) -> None:
        problems.append(Problem(where, number, key_column(line, key) or 1, code, message, hint))

    header = header_line[2]
    if header["company"] != slug:
        problem(*header_line[:2], "company", "summary_company",
                f"the header names company {header['company']!r}; the file is in {slug!r}'s "
                "folder", f"write \"company\": \"{slug}\", or move the file")
    month = header["month"]
    dated = {"contacts": "day", "waits": "day", "cases": "day", "comment": "submitted_at",
             "burst": "start"}
    for kind, key in dated.items():
        for number, line, record in records[kind]:
            if not record[key].startswith(month):
                problem(number, line, key, "wrong_month",
                        f"{key} {record[key]} is not in {month}, the header's month",
                        "put each record in its month's file (a case in its first contact's)")
            if kind in ("comment", "burst"):
                for name in ("submitted_at",) if kind == "comment" else ("start", "end"):
                    if _parse_stamp(record[name]) is None:
                        problem(number, line, name, "bad_datetime",
                                f"{name} {record[name]} is not a real date-time",
                                "write a UTC date-time such as 2026-10-03T09:14:00Z")
        seen: dict[tuple, int] = {}
        for number, line, record in records[kind]:
            identity = tuple(record[name] for name in KEYS[kind])
            if identity in seen:
                problem(number, line, KEYS[kind][0], "duplicate_record",
                        f"this {kind} record has the key of line {seen[identity]} "
                        f"({', '.join(f'{n}={_shown(record[n])}' for n in KEYS[kind])})",
                        "keep one record per key; add up their counts")
            seen.setdefault(identity, number)
    per_day: Counter = Counter()
    top_per_day: Counter = Counter()
    for number, line, record in records["contacts"]:
        per_day[record["day"]] += record["contacts"]
        top_per_day[record["day"]] += record["ratings"][TOP_RATING - 1]
        for key in ("ratings", "nps"):
            if sum(record[key]) > record["contacts"]:
                problem(number, line, key, "summary_inconsistent",
                        f"{sum(record[key]):,} {key} answers for {record['contacts']:,} "
                        "contacts", f"a contact gives at most one answer: {key} sum to at most "
                                    "contacts")
        if pinned is not None and dt.date.fromisoformat(record["day"]) > pinned:
            problem(number, line, "day", "after_as_of",
                    f"day {record['day']} is after the scoreboard date {pinned.isoformat()}",
                    "correct the date; a contact cannot be counted before it happens")
    total = sum(per_day.values())
    if header["contacts"] != total:
        problem(*header_line[:2], "contacts", "summary_inconsistent",
                f"the header says {header['contacts']:,} contacts; the contacts records add up "
                f"to {total:,}", "the file may be cut short: write it again with "
                                 "publish.py summarize")
    for kind, what in (("waits", "waits"), ("cases", "cases starting")):
        by_day: Counter = Counter()
        first_line: dict[str, tuple[int, str]] = {}
        for number, line, record in records[kind]:
            by_day[record["day"]] += record["count"]
            first_line.setdefault(record["day"], (number, line))
        for day, count in sorted(by_day.items()):
            if count > per_day[day]:
                problem(*first_line[day], "day", "summary_inconsistent",
                        f"{count:,} {what} on {day}, a day with {per_day[day]:,} contacts",
                        "each contact has at most one wait, and starts at most one case")
    if len(records["comment"]) > min(PUBLISHED_COMMENTS, header["public_comments"]):
        number, line, _ = records["comment"][-1]
        problem(number, line, "kind", "summary_inconsistent",
                f"{len(records['comment'])} comment records; a file holds the "
                f"{PUBLISHED_COMMENTS} newest of its public_comments "
                f"({header['public_comments']})",
                "keep the newest comments and count every consented one in public_comments")
    for number, line, record in records["burst"]:
        start, end = _parse_stamp(record["start"]), _parse_stamp(record["end"])
        if start is None or end is None:
            continue
        top = sum(count for day, count in top_per_day.items()
                  if start.date().isoformat() <= day <= end.date().isoformat())
        # a burst may run on into the next month, whose ratings are in the next file
        if end < start or (record["end"].startswith(month) and record["count"] > top):
            problem(number, line, "count", "summary_inconsistent",
                    f"a burst of {record['count']} top ratings from {record['start']} to "
                    f"{record['end']}, where the contacts records have {top}",
                    "a burst ends after it starts and holds at most its days' ratings of 5")
    return problems


def _parse_stamp(text: str) -> pd.Timestamp | None:
    import pandas as pd
    try:
        return pd.Timestamp(text).tz_convert("UTC")
    except (ValueError, OverflowError):
        return None


def _summary(header: dict, records: dict[str, list[tuple[int, str, dict]]]) -> Summary:
    """The Summary of a valid file."""
    import pandas as pd
    def days(rows: list[dict], key: str = "day") -> pd.Series:
        return pd.Series(pd.to_datetime([row[key] for row in rows], utc=True,
                                        format="ISO8601")).astype(DAY)

    def frame(kind: str, columns: dict) -> pd.DataFrame:
        rows = [record for _, _, record in records[kind]]
        rows.sort(key=_sort_key(kind))
        return pd.DataFrame({name: make(rows) for name, make in columns.items()})

    def counts(key: str):
        return lambda rows: np.array([row[key] for row in rows], dtype=np.int64)

    def objects(key: str):
        return lambda rows: pd.Series([row[key] for row in rows], dtype=object)

    contacts = frame("contacts", {
        "day": days, **{name: objects(name) for name in ("channel", "stage", "site", "topic")},
        "contacts": counts("contacts"),
        **{name: (lambda rows, i=i: np.array([row["ratings"][i] for row in rows],
                                             dtype=np.int64)) for i, name in enumerate(RATINGS)},
        **{name: (lambda rows, i=i: np.array([row["nps"][i] for row in rows], dtype=np.int64))
           for i, name in enumerate(ANSWERS)},
    })
    waits = frame("waits", {
        "day": days,
        "wait_seconds": lambda rows: np.array([row["seconds"] for row in rows], dtype=float),
        "count": counts("count"),
    })
    cases = frame("cases", {
        "day": days, "n_contacts": counts("contacts"),
        "resolved": lambda rows: np.array([np.nan if row["resolved"] is None
                                           else float(row["resolved"]) for row in rows]),
        "resolution_hours": lambda rows: np.array(
            [np.nan if row["resolution_minutes"] is None else row["resolution_minutes"] / 60
             for row in rows], dtype=float),
        "count": counts("count"),
    })
    comments = frame("comment", {
        "id": objects("id"),
        "submitted_at": lambda rows: days(rows, "submitted_at"),
        "channel": objects("channel"), "topic": objects("topic"),
        "rating": lambda rows: np.array([np.nan if row["rating"] is None else row["rating"]
                                         for row in rows], dtype=float),
        "comment": objects("comment"),
    })[list(COMMENT_COLUMNS)]
    bursts = tuple(burst(_parse_stamp(r["start"]), _parse_stamp(r["end"]), r["count"])
                   for r in sorted((record for _, _, record in records["burst"]),
                                   key=_sort_key("burst")))
    return Summary(contacts, waits, cases, comments, header["public_comments"], bursts)


def newest_day(summaries: Iterable[Summary]) -> dt.date | None:
    """The newest day with contacts in any of the summaries."""
    days = [summary.contacts["day"].max() for summary in summaries if len(summary.contacts)]
    return max(days).date() if days else None


# --- the rows to summarize: feedback files, or a Dask dataset ---------------------------------

def rows_of(paths: list[Path]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The typed contacts of feedback files read and checked as one company's (ids unique
    across them), or None and every problem."""
    import pandas as pd
    tables = [read_feedback(path, path.parent) for path in paths]
    results = parse_feedback_files(tables)
    problems = [problem for _, found in results for problem in found]
    frames = [contacts.drop(columns="line") for contacts, _ in results if contacts is not None]
    if problems:
        return None, problems
    return pd.concat(frames, ignore_index=True) if frames else empty_contacts(), []


class DatasetError(Exception):
    """A dataset Dask cannot read, or Dask missing: a usage error, never a traceback."""


def dataset_parts(source: str, gaming: GamingConfig) -> tuple[list[Part] | None, list[Problem]]:
    """The Parts of a Dask-readable dataset (Parquet, or CSV when `source` names .csv files),
    partition by partition: each partition is checked like a feedback file (a problem's line
    is its row within the partition), ids must be unique across the dataset, and the typed
    rows are shuffled on case_id so that each case lies whole in one partition."""
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:
        raise DatasetError("Dask is not installed; install the extra: "
                           "pip install -e '.[dask]'") from None
    try:
        if source.removesuffix("/").endswith(".csv"):
            # every cell as text, as the CSV reader keeps it ("NA" is a comment, not missing)
            frame = dd.read_csv(source, dtype=str, keep_default_na=False, na_filter=False)
        else:
            frame = dd.read_parquet(source)
    except (OSError, ValueError, ImportError) as error:
        raise DatasetError(f"cannot read {source!r} with Dask: {error}") from None
    pieces = frame.to_delayed()
    names = [f"{source} (partition {index + 1})" for index in range(len(pieces))]
    try:  # a partition that cannot be read shows only now
        found = dask.compute(*(dask.delayed(_checked)(piece, name, False)
                               for piece, name in zip(pieces, names, strict=True)))
    except (OSError, ValueError, pa.ArrowException) as error:
        raise DatasetError(f"cannot read {source!r} with Dask: {error}") from None
    problems = [problem for problems in found for problem in problems]
    if problems:
        return None, problems
    ids = frame["id"].astype(str).value_counts()
    repeated = ids[ids > 1].compute().sort_index()
    problems = [Problem(source, None, None, "duplicate_id",
                        f"id {name!r} appears {count:,} times in the dataset",
                        "every contact needs its own id across all of the company's files")
                for name, count in repeated.items()]
    if problems:
        return None, _capped(problems, source)
    typed = dd.from_delayed([dask.delayed(_checked)(piece, name, True)
                             for piece, name in zip(pieces, names, strict=True)],
                            meta=empty_contacts(), verify_meta=False)
    shuffled = typed.shuffle(on="case_id")
    return list(dask.compute(*(dask.delayed(part)(piece, gaming)
                               for piece in shuffled.to_delayed()))), []


def _checked(frame: pd.DataFrame, where: str, typed: bool):
    """One partition checked: its problems, or (`typed`) its typed contacts."""
    ((contacts, problems),) = parse_feedback_files([frame_table(frame, where)])
    if not typed:
        return problems
    return empty_contacts() if contacts is None else contacts.drop(columns="line")
