"""Raw tables and YAML documents -> typed frames and problems (file, line, column, code, hint)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from .ledger import (
    ACTION_STATUSES,
    COLUMNS_BY_NAME,
    DESCRIPTION_MAX_CHARS,
    FEEDBACK_COLUMNS,
    INDUSTRIES,
    PROFILE_FIELDS,
    Column,
)
from .load import RawTable
from .problems import Problem

# A file with more problems than this reports the first ones and a count of the rest.
MAX_PROBLEMS_PER_FILE = 100

_DATE = r"\d{4}-\d{2}-\d{2}"
_DATETIME = _DATE + r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})"
_PATTERNS = {
    "datetime": re.compile(f"{_DATETIME}{_OFFSET}"),
    "date_or_datetime": re.compile(f"({_DATETIME}{_OFFSET}|{_DATE})"),
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)


def _missing(values: pd.Series) -> pd.Series:
    return values.isna() | values.eq("")


def _parse_datetimes(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """(UTC timestamps, bad mask). Strings must carry an offset; native values must be aware."""
    is_text = values.map(type).eq(str)
    text = values.where(is_text)
    shape_ok = text.str.fullmatch(_PATTERNS[column.kind]).fillna(False).astype(bool)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if shape_ok.any():
        parsed[shape_ok] = pd.to_datetime(
            text[shape_ok], utc=True, format="ISO8601", errors="coerce",
        )
    native = ~is_text & values.notna()
    for index in values.index[native]:
        value = values[index]
        if isinstance(value, dt.datetime):  # pd.Timestamp included; naive ones stay bad
            if value.tzinfo is not None:
                parsed[index] = pd.Timestamp(value).tz_convert("UTC")
        elif isinstance(value, dt.date) and column.kind == "date_or_datetime":
            parsed[index] = pd.Timestamp(value).tz_localize("UTC")
    return parsed, parsed.isna()


def _convert(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series, str, str]:
    """(typed values, bad mask, what is wrong, how to fix) for the non-missing cells of a column."""
    kind = column.kind
    if kind == "text":
        return values.map(str), pd.Series(False, index=values.index), "", ""
    if kind == "enum":
        ok = values.isin(column.choices)
        return values, ~ok, "is not one of " + ", ".join(column.choices), (
            "use one of the listed values, in lower case"
        )
    if kind in ("int", "number"):
        is_bool = values.map(type).eq(bool)
        numbers = pd.to_numeric(values.where(~is_bool), errors="coerce").astype(float)
        bad = numbers.isna() | ~np.isfinite(numbers)
        if column.low is not None:
            bad |= numbers < column.low
        if column.high is not None:
            bad |= numbers > column.high
        span = f"{column.low:g}..{column.high:g}" if column.high is not None else (
            f">= {column.low:g}"
        )
        if kind == "int":
            bad |= numbers.mod(1).ne(0) & numbers.notna()
            return numbers, bad, f"is not a whole number in {span}", f"write a whole number {span}"
        return numbers, bad, f"is not a finite number {span}", f"write a number {span}"
    if kind == "bool":
        mapping = {"true": True, "false": False, True: True, False: False}
        typed = values.map(lambda v: mapping.get(v) if isinstance(v, str | bool) else None)
        return typed, typed.isna(), "is not true or false", "write true or false (lower case)"
    typed, bad = _parse_datetimes(values, column)
    hint = "write an ISO 8601 date-time with an offset, e.g. 2026-03-14T09:30:00Z or +02:00"
    if kind == "date_or_datetime":
        hint += ", or a date such as 2026-03-14"
    return typed, bad, "is not a date-time with a UTC offset", hint


def parse_feedback(table: RawTable) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Typed contacts for one structurally sound table, or None and every problem found."""
    return parse_feedback_files([table])[0]


def parse_feedback_files(
    tables: list[RawTable],
) -> list[tuple[pd.DataFrame | None, list[Problem]]]:
    """(typed contacts or None, problems) for each of one company's files, in order.

    The files are checked in one vectorised pass (per-file pandas overhead dwarfs the work on a
    month of rows); every problem still names its own file, line and column. Contact ids must
    be unique across the company's files: a repeat is a problem of the later file."""
    problems: list[list[Problem]] = [list(t.problems) for t in tables]
    sound = [i for i, t in enumerate(tables) if not t.problems and not t.rows.empty]
    if not sound:
        return [(None, p) for p in problems]
    rows = pd.concat([tables[i].rows for i in sound], ignore_index=True)
    owner = np.repeat(np.asarray(sound), [len(tables[i].rows) for i in sound])
    lines = np.concatenate([np.asarray(tables[i].lines) for i in sound])

    def report(mask: pd.Series | np.ndarray, name: str, code: str, message, hint: str) -> None:
        for row in np.flatnonzero(np.asarray(mask)):
            table = tables[owner[row]]
            problems[owner[row]].append(Problem(
                table.file, int(lines[row]), _column_number(table, name), code,
                message(row), hint,
            ))

    typed: dict[str, pd.Series] = {}
    for name in rows.columns:
        column = COLUMNS_BY_NAME[name]
        values = rows[name]
        missing = _missing(values)
        converted, bad, what, hint = _convert(values.where(~missing), column)
        if column.required:
            report(missing, name, "missing_value", lambda _, n=name: f"{n} is required but empty",
                   f"fill in {name}: {column.doc}")
        report(bad & ~missing, name, f"bad_{column.kind}",
               lambda row, n=name, v=values, w=what: f"{n} {v.iloc[row]!r} {w}", hint)
        typed[name] = converted.where(~missing)
    contacts = _typed_frame(typed, len(rows))
    ids = contacts["id"]
    repeated = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    first = ~repeated & ids.notna().to_numpy()
    first_owner = pd.Series(owner[first], index=ids[first])

    def repeated_message(row: int) -> str:
        earlier = first_owner[ids.iloc[row]]
        where = "earlier in this file" if earlier == owner[row] else (
            f"already in {tables[earlier].file}")
        return f"id {ids.iloc[row]!r} is {where}"

    report(repeated, "id", "duplicate_id", repeated_message,
           "every contact needs its own id across all of the company's files")

    contacts["line"] = lines
    results: list[tuple[pd.DataFrame | None, list[Problem]]] = []
    for index, table in enumerate(tables):
        if problems[index] or table.rows.empty:
            results.append((None, _capped(problems[index], table.file)))
        else:
            results.append((contacts[owner == index].reset_index(drop=True), []))
    return results


def _column_number(table: RawTable, name: str) -> int | None:
    """Field position for CSV; JSONL and Parquet rows have no fixed columns to point at."""
    return table.columns.index(name) + 1 if table.file.endswith(".csv") else None


def _typed_frame(typed: dict[str, pd.Series], length: int) -> pd.DataFrame:
    """All contract columns with their final dtypes; optional columns absent from the file are
    missing everywhere, and case_id falls back to id."""
    frame = pd.DataFrame(index=range(length))
    for column in FEEDBACK_COLUMNS:
        values = typed.get(column.name)
        if values is None:
            values = pd.Series([None] * length, dtype=object)
        values = values.reset_index(drop=True)
        if column.kind in ("int", "number"):
            values = values.astype(float)
        elif column.kind in ("datetime", "date_or_datetime"):
            values = pd.to_datetime(values, utc=True)
        elif column.kind == "bool":
            values = values.astype("boolean")
        else:
            values = values.astype(object).where(values.notna(), None)
        frame[column.name] = values
    frame["case_id"] = frame["case_id"].where(frame["case_id"].notna(), frame["id"])
    frame["comment_public"] = frame["comment_public"].fillna(False).astype(bool)
    return frame


def empty_contacts() -> pd.DataFrame:
    """A contacts frame with no rows, for a company whose files are all empty or quarantined."""
    return _typed_frame({}, 0)


def _capped(problems: list[Problem], where: str) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS_PER_FILE:
        return problems
    rest = len(problems) - MAX_PROBLEMS_PER_FILE
    return [*problems[:MAX_PROBLEMS_PER_FILE], Problem(
        where, None, None, "more_problems", f"and {rest:,} more problems in this file",
        "fix the ones above and validate again",
    )]


def _line(document, key=None) -> int | None:
    lines = getattr(document, "key_lines", {})
    own = getattr(document, "line", None)
    return lines.get(key, own) if key else own


def check_profile(document, where: str) -> list[Problem]:
    """company.yaml: required fields, known industry, https website, short description."""
    if not isinstance(document, dict):
        return [Problem(where, 1, None, "profile_not_mapping", "company.yaml is not a mapping",
                        "write `name: ...` and `industry: ...` on their own lines")]
    problems = []
    for key in document:
        if key not in PROFILE_FIELDS:
            problems.append(Problem(
                where, _line(document, key), None, "unknown_field", f"unknown field {key!r}",
                "known fields: " + ", ".join(PROFILE_FIELDS),
            ))
    for key, (required, doc) in PROFILE_FIELDS.items():
        value = document.get(key)
        if value is None:
            if required:
                problems.append(Problem(where, _line(document), None, "missing_field",
                                        f"{key} is required", f"add `{key}:` ({doc})"))
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(
                where, _line(document, key), None, "not_text", f"{key} must be text",
                "quote the value, e.g. \"no\" rather than no (YAML reads no as false)",
            ))
            continue
        if key == "industry" and value not in INDUSTRIES:
            problems.append(Problem(where, _line(document, key), None, "unknown_industry",
                                    f"industry {value!r} is not on this scoreboard", doc))
        if key == "website" and not value.startswith("https://"):
            problems.append(Problem(where, _line(document, key), None, "not_https",
                                    f"website {value!r} is not an https URL",
                                    "write the full https:// address"))
        if key == "contact" and not (_EMAIL.fullmatch(value) or value.startswith("https://")):
            problems.append(Problem(where, _line(document, key), None, "bad_contact",
                                    f"contact {value!r} is neither an email nor an https URL", doc))
        if key == "country" and not re.fullmatch(r"[A-Z]{2}", value):
            problems.append(Problem(where, _line(document, key), None, "bad_country",
                                    f"country {value!r} is not an ISO 3166 alpha-2 code", doc))
        if key == "description" and len(value) > DESCRIPTION_MAX_CHARS:
            problems.append(Problem(
                where, _line(document, key), None, "too_long",
                f"description has {len(value)} characters, more than {DESCRIPTION_MAX_CHARS}",
                "shorten it",
            ))
    return problems


_ACTION_TEXT = ("id", "topic", "you_said", "we_did")


def check_actions(document, where: str) -> list[Problem]:
    """actions.yaml: a list of entries with the fields and statuses of the data contract."""
    if document is None:
        return []
    if not isinstance(document, list):
        return [Problem(where, 1, None, "actions_not_list", "actions.yaml is not a list",
                        "start each entry with `- id: ...`")]
    problems: list[Problem] = []
    seen: set[str] = set()
    for entry in document:
        if not isinstance(entry, dict):
            problems.append(Problem(where, None, None, "action_not_mapping",
                                    "an entry is not a mapping", "write `- id: ...` entries"))
            continue
        for key in _ACTION_TEXT:
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                problems.append(Problem(
                    where, _line(entry, key), None, "missing_field" if key not in entry
                    else "not_text", f"{key} is required and must be text",
                    "quote values YAML might read as booleans or numbers",
                ))
        if isinstance(entry.get("id"), str):
            if entry["id"] in seen:
                problems.append(Problem(where, _line(entry, "id"), None, "duplicate_action_id",
                                        f"action id {entry['id']!r} is used twice",
                                        "give each entry its own id"))
            seen.add(entry["id"])
        problems += _check_status(entry, entry.get("status"), where, "status")
        if not _is_date(entry.get("opened")):
            problems.append(Problem(where, _line(entry, "opened"), None, "bad_date",
                                    "opened must be a date",
                                    "write a date without a time, e.g. opened: 2026-03-14"))
        evidence = entry.get("evidence")
        if evidence is not None and not (
            isinstance(evidence, str) and evidence.startswith("https://")
        ):
            problems.append(Problem(where, _line(entry, "evidence"), None, "not_https",
                                    "evidence must be an https URL",
                                    "link to a public https page"))
        updates = entry.get("updates") or []
        if not isinstance(updates, list):
            problems.append(Problem(where, _line(entry, "updates"), None, "updates_not_list",
                                    "updates must be a list", "write `- {date: ..., status: ...}`"))
            continue
        previous = None
        for update in updates:
            if not isinstance(update, dict) or not _is_date(update.get("date")):
                problems.append(Problem(where, _line(update) or _line(entry, "updates"), None,
                                        "bad_update", "each update needs a date (no time)",
                                        "write `- {date: 2026-04-02, status: in_progress}`"))
                continue
            problems += _check_status(update, update.get("status"), where, "status")
            if previous and update["date"] < previous:
                problems.append(Problem(where, _line(update), None, "updates_out_of_order",
                                        "updates must be oldest first", "reorder them by date"))
            previous = update["date"]
        if entry.get("status") == "declined":
            last = updates[-1] if updates and isinstance(updates[-1], dict) else {}
            last_note = last.get("note")
            if not (isinstance(last_note, str) and last_note.strip()):
                problems.append(Problem(
                    where, _line(entry, "status"), None, "declined_without_reason",
                    "a declined entry must say why",
                    "add an update with status: declined and a note explaining the decision",
                ))
    return problems


def _is_date(value) -> bool:
    """A calendar date; YAML reads 2026-03-14T10:00:00Z as a datetime, which is not one."""
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _check_status(mapping: dict, value, where: str, key: str) -> list[Problem]:
    if key not in mapping and mapping is not None and "date" in mapping:
        return []  # an update may carry only a note
    if value not in ACTION_STATUSES:
        return [Problem(where, _line(mapping, key), None, "bad_status",
                        f"status {value!r} is not one of " + ", ".join(ACTION_STATUSES),
                        "use planned, in_progress, done or declined")]
    return []
