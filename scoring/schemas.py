"""JSON Schemas of company.yaml and actions.yaml, from the contract; validator and site share them.

Each property carries the problem code (`x-code`) and fix (`x-hint`) the validator reports when
the value breaks the schema, so a rule, its error and its documentation live in one place.
`python -m scoring.schemas` rewrites the copies under schemas/ that editors read through the
yaml-language-server comment in scaffolded files; a test fails when they drift.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from .gaming import GamingConfig
from .ledger import (
    ACTION_STATUSES,
    ACTION_TEXT_MAX_CHARS,
    CHANNELS,
    COLUMNS_BY_NAME,
    DESCRIPTION_MAX_CHARS,
    INDUSTRIES,
    LABEL_MAX_CHARS,
    NAME_MAX_CHARS,
    SLUG_PATTERN,
    STAGES,
    URL_MAX_CHARS,
)
from .metrics import CANDOR_COMPONENTS, Thresholds

DRAFT = "https://json-schema.org/draft/2020-12/schema"
# Plain https: a host name, an optional port and path; no user info, no spaces, no other scheme.
HTTPS_URL = r"^https://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?([/?#][^\s]*)?$"
EMAIL = r"^[^@\s\"<>]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
FOLDER = Path(__file__).resolve().parent.parent / "schemas"


def _text(description: str, max_chars: int, **extra) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_chars,
            "description": description, **extra}


def _https(description: str) -> dict:
    return _text(description, URL_MAX_CHARS, pattern=HTTPS_URL, **{
        "x-code": "not_https", "x-hint": "write a plain https:// address, e.g. https://example.com/",
    })


def _date(description: str) -> dict:
    return {"type": "string", "pattern": DATE, "format": "date", "description": description,
            "x-code": "bad_date", "x-hint": "write a date without a time, e.g. 2026-03-14"}


def _status(description: str) -> dict:
    return {"enum": list(ACTION_STATUSES), "description": description, "x-code": "bad_status",
            "x-hint": "use one of: " + ", ".join(ACTION_STATUSES)}


def company_schema() -> dict:
    return {
        "$schema": DRAFT,
        "$id": "company.schema.json",
        "title": "Candor company profile (data/<slug>/company.yaml)",
        "type": "object",
        "x-code": "not_mapping",
        "x-hint": "write one `key: value` per line, e.g. `name: Acme`",
        "additionalProperties": False,
        "required": ["name", "industry"],
        "properties": {
            "name": _text("The company's public name.", NAME_MAX_CHARS),
            "industry": {
                "enum": list(INDUSTRIES),
                "description": "The scoreboard industry the company is compared within.",
                "x-code": "unknown_industry",
                "x-hint": "use one of: " + ", ".join(INDUSTRIES),
            },
            "website": _https("The company's public website."),
            "country": {
                "type": "string", "pattern": "^[A-Z]{2}$",
                "description": "ISO 3166-1 alpha-2 country code, e.g. GB. Quote NO (Norway).",
                "x-code": "bad_country", "x-hint": "two capital letters, e.g. GB or \"NO\"",
            },
            "description": _text("Plain text about the company.", DESCRIPTION_MAX_CHARS),
            "contact": {
                "type": "string", "maxLength": URL_MAX_CHARS,
                "anyOf": [{"pattern": EMAIL}, {"pattern": HTTPS_URL}],
                "description": "Email address or https URL for questions about the data.",
                "x-code": "bad_contact",
                "x-hint": "write an email address or a plain https:// URL",
            },
        },
    }


def actions_schema() -> dict:
    update = {
        "type": "object",
        "x-code": "not_mapping",
        "x-hint": "write `- {date: 2026-04-02, status: in_progress, note: ...}`",
        "additionalProperties": False,
        "required": ["date"],
        "properties": {
            "date": _date("When the status changed or the note was written."),
            "status": _status("The status from this date on."),
            "note": _text("What happened; for a declined action, why.", ACTION_TEXT_MAX_CHARS),
        },
    }
    entry = {
        "type": "object",
        "x-code": "not_mapping",
        "x-hint": "start each entry with `- id: ...` and indent its keys",
        "additionalProperties": False,
        "required": ["id", "topic", "you_said", "we_did", "status", "opened"],
        "properties": {
            "id": {
                "type": "string", "pattern": f"^{SLUG_PATTERN}$",
                "description": "Unique within the company: lower-case letters, digits, hyphens.",
                "x-code": "bad_action_id", "x-hint": "e.g. faster-refunds",
            },
            "topic": _text("The feedback topic this answers (the `topic` column).",
                           LABEL_MAX_CHARS),
            "you_said": _text("What customers told the company.", ACTION_TEXT_MAX_CHARS),
            "we_did": _text("What the company did, or will do, about it.",
                            ACTION_TEXT_MAX_CHARS),
            "status": _status("Where the action stands now."),
            "opened": _date("When the company committed to it."),
            "updates": {
                "type": "array", "items": update,
                "description": "Status history, oldest first.",
                "x-code": "not_list", "x-hint": "write one `- {date: ...}` line per update",
            },
            "evidence": _https("A public https page showing the change."),
        },
    }
    return {
        "$schema": DRAFT,
        "$id": "actions.schema.json",
        "title": "Candor action log (data/<slug>/actions.yaml): you said, we did",
        "type": "array",
        "x-code": "not_list",
        "x-hint": "write a list: each entry starts with `- id: ...`",
        "items": entry,
    }


def candor_schema() -> dict:
    weight = {"type": "number", "minimum": 0, "maximum": 100,
              "description": "This component's weight; 0 leaves it out.",
              "x-code": "bad_weight", "x-hint": "write a number from 0 to 100, e.g. 2"}
    return {
        "$schema": DRAFT,
        "$id": "candor.schema.json",
        "title": "Candor scoreboard settings (candor.yaml at the repository root)",
        "type": "object",
        "x-code": "not_mapping",
        "x-hint": "write one `key: value` per line, as in the repository's candor.yaml",
        "additionalProperties": False,
        "required": ["weights", "prior_strength", "min_weight_share"],
        "properties": {
            "weights": {
                "type": "object",
                "description": "The Candor score's component weights; only their ratios matter.",
                "x-code": "not_mapping",
                "x-hint": "one `metric_id: weight` line per component, indented",
                "additionalProperties": False,
                "required": list(CANDOR_COMPONENTS),
                "properties": {metric_id: weight for metric_id in CANDOR_COMPONENTS},
            },
            "prior_strength": {
                "type": "number", "minimum": 0, "maximum": 100,
                "description": "Shrinkage: phantom observations at the industry mean, in "
                               "multiples of each component's minimum sample.",
                "x-code": "bad_prior_strength", "x-hint": "write a number from 0 to 100, e.g. 1",
            },
            "min_weight_share": {
                "type": "number", "exclusiveMinimum": 0, "maximum": 1,
                "description": "The share of the total weight that must have data for a score.",
                "x-code": "bad_weight_share",
                "x-hint": "write a share above 0 and at most 1, e.g. 0.6",
            },
            "thresholds": thresholds_schema(),
            "gaming": gaming_schema(),
        },
    }


def gaming_schema() -> dict:
    """candor.yaml's `gaming:` section: the thresholds of the gaming signals (scoring.gaming);
    each key may be left out, and then has scoring.gaming.GamingConfig's default."""
    defaults = GamingConfig()

    def limit(name: str, kind: str, description: str, low: float, high: float,
              exclusive: bool = False) -> dict:
        default = getattr(defaults, name)
        return {"type": kind, "exclusiveMinimum" if exclusive else "minimum": low,
                "maximum": high, "description": description, "x-code": "bad_gaming",
                "x-hint": f"write {'a whole number' if kind == 'integer' else 'a number'} "
                          f"{'above' if exclusive else 'from'} {low:g} "
                          f"{'and at most' if exclusive else 'to'} {high:g}, e.g. {default:g}",
                "default": default}

    return {
        "type": "object",
        "description": "Thresholds of the gaming signals shown as integrity notices; a key "
                       "left out keeps its default.",
        "x-code": "not_mapping",
        "x-hint": "one `threshold: value` line per setting, indented, as in candor.yaml",
        "additionalProperties": False,
        "properties": {
            "burst_contacts": limit("burst_contacts", "integer", "Top ratings with the same "
                                    "comment that make a burst.", 2, 10_000),
            "burst_minutes": limit("burst_minutes", "number", "The longest a burst may last, "
                                   "in minutes.", 0, 10_080, exclusive=True),
            "max_response_share": limit("max_response_share", "number", "A higher share of "
                                        "contacts with a rating is a signal.", 0, 1,
                                        exclusive=True),
            "response_min_contacts": limit("response_min_contacts", "integer", "Contacts needed "
                                           "before the response share is judged.", 1,
                                           10_000_000),
            "gap_months": limit("gap_months", "integer", "Months in a row without contacts "
                                "that make a gap.", 1, 120),
        },
    }


def thresholds_schema() -> dict:
    """candor.yaml's `thresholds:`, from scoring.metrics.Thresholds: each key may be left out,
    and then has its default (methodology 1.0's value)."""
    properties = {}
    for threshold in dataclasses.fields(Thresholds):
        low, high, unit = (threshold.metadata[key] for key in ("low", "high", "unit"))
        properties[threshold.name] = {
            "type": "integer", "minimum": low, "maximum": high, "default": threshold.default,
            "description": f"{threshold.metadata['text']} ({unit}).",
            "x-code": "bad_threshold",
            "x-hint": f"write a whole number of {unit} from {low} to {high}, "
                      f"e.g. {threshold.default}",
        }
    return {
        "type": "object",
        "description": "Thresholds the metrics use; a key left out keeps its default.",
        "x-code": "not_mapping",
        "x-hint": "one `name: number` line per threshold, indented",
        "additionalProperties": False,
        "properties": properties,
    }


SUMMARY_FORMAT = "candor.summary/1"
SUMMARY_KINDS = ("contacts", "waits", "cases", "comment", "burst")
MAX_COUNT = 10**12  # any count in a summary file: far above any company, far below int64
# A UTC date-time as summary files write it: seconds, an optional fraction, Z.
# Years 1900 to 2199: within the nanosecond timestamps the scores use.
UTC_DATETIME = r"^(19|2[01])[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$"


def summary_schema() -> dict:
    """One line of a summary file (data/<slug>/summaries/*.jsonl): the header, then records
    told apart by `kind`. Each kind is a definition under $defs, which the validator checks a
    line against (scoring.summary_file); the rules a schema cannot state (header first and
    once, days within the header's month, unique keys, counts that add up) are checked there
    too, and listed in docs/SUMMARIES.md."""

    def count(description: str, low: int = 1, nullable: bool = False) -> dict:
        return {"type": ["integer", "null"] if nullable else "integer", "minimum": low,
                "maximum": MAX_COUNT, "description": description, "x-code": "bad_count",
                "x-hint": f"write a whole number from {low} to {MAX_COUNT:,}"
                          + (", or null" if nullable else "")}

    def counts(values: str, length: int) -> dict:
        return {"type": "array", "minItems": length, "maxItems": length,
                "items": {"type": "integer", "minimum": 0, "maximum": MAX_COUNT},
                "description": f"How many contacts answered {values}, in that order.",
                "x-code": "bad_count",
                "x-hint": f"write a list of {length} whole numbers from 0 to {MAX_COUNT:,}"}

    def label(name: str) -> dict:
        return {"type": ["string", "null"], "minLength": 1, "maxLength": LABEL_MAX_CHARS,
                "description": f"The contacts' {name}; null where not given.",
                "x-code": "too_long",
                "x-hint": f"text of 1 to {LABEL_MAX_CHARS} characters, or null"}

    def kind(name: str, description: str, properties: dict) -> dict:
        return {"type": "object", "description": description, "x-code": "json_not_object",
                "x-hint": "write one JSON object per line", "additionalProperties": False,
                "required": ["kind", *properties],
                "properties": {"kind": {"const": name, "description": "The kind of record."},
                               **properties}}

    day = {**_date("The day (UTC), as YYYY-MM-DD, from 1900 to 2199."),
           "pattern": "^(19|2[01])[0-9]{2}-[0-9]{2}-[0-9]{2}$"}
    stamp = {"type": "string", "pattern": UTC_DATETIME, "x-code": "bad_datetime",
             "x-hint": "write a UTC date-time such as 2026-10-03T09:14:00Z"}
    channel = {"enum": list(CHANNELS), "description": "How the customer got in touch.",
               "x-code": "bad_enum", "x-hint": "use one of: " + ", ".join(CHANNELS)}
    definitions = {
        "header": {
            "type": "object", "description": "The first line, once.",
            "x-code": "summary_header", "x-hint": f'start the file with {{"format": '
                                                  f'"{SUMMARY_FORMAT}", ...}}',
            "additionalProperties": False,
            "required": ["format", "company", "month", "contacts", "public_comments",
                         "wait_resolution_seconds", "hours_resolution_minutes"],
            "properties": {
                "format": {"const": SUMMARY_FORMAT, "description": "The format and version.",
                           "x-code": "summary_header",
                           "x-hint": f'write "format": "{SUMMARY_FORMAT}"'},
                "company": {"type": "string", "pattern": f"^{SLUG_PATTERN}$",
                            "description": "The company's slug: its folder under data/.",
                            "x-code": "summary_company",
                            "x-hint": "write the company's folder name"},
                "month": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$",
                          "description": "The calendar month (UTC) the records belong to.",
                          "x-code": "bad_date", "x-hint": "write a month such as 2026-10"},
                "contacts": count("Contacts summarized: the sum of the contacts records.", 0),
                "public_comments": count("Comments whose customer consented to publication, "
                                         "in the month (the comment records are the newest).",
                                         0),
                "wait_resolution_seconds": {
                    "const": 1, "description": "Waits are rounded up to whole seconds.",
                    "x-code": "summary_header", "x-hint": "write 1"},
                "hours_resolution_minutes": {
                    "const": 1, "description": "Resolution times are rounded up to whole "
                                               "minutes.",
                    "x-code": "summary_header", "x-hint": "write 1"},
            },
        },
        "contacts": kind("contacts", "Contacts on one day with one channel, stage, site and "
                         "topic, and their survey answers.", {
            "day": day,
            "channel": channel,
            "stage": {"enum": [*STAGES, None], "description": "Before or after the sale; null "
                      "where not given.", "x-code": "bad_enum",
                      "x-hint": "use one of: " + ", ".join(STAGES) + ", or null"},
            "site": label("site"),
            "topic": label("topic"),
            "contacts": count("How many contacts."),
            "ratings": counts("rating 1, 2, 3, 4 and 5", 5),
            "nps": counts("nps 0 to 10", 11),
        }),
        "waits": kind("waits", "Contacts on one day that waited this long.", {
            "day": day,
            "seconds": count("The wait in seconds, rounded up to a whole second.", 0),
            "count": count("How many contacts waited that long."),
        }),
        "cases": kind("cases", "Cases whose first contact was on this day, alike in size and "
                      "outcome.", {
            "day": day,
            "contacts": count("Contacts in each case (in any month)."),
            "resolved": {"type": ["boolean", "null"], "description": "true: a contact says "
                         "resolved; false: only unresolved; null: no contact says.",
                         "x-code": "bad_bool", "x-hint": "write true, false or null"},
            "resolution_minutes": count("Minutes from the first contact to the earliest "
                                        "resolved_at, rounded up; null: none.", 0,
                                        nullable=True),
            "count": count("How many such cases."),
        }),
        "comment": kind("comment", "One of the month's newest comments whose customer "
                        "consented to publication (redacted when published).", {
            "id": {"type": "string", "minLength": 1,
                   "maxLength": COLUMNS_BY_NAME["id"].max_chars,
                   "description": "The contact's id.", "x-code": "too_long",
                   "x-hint": f"text of 1 to {COLUMNS_BY_NAME['id'].max_chars} characters"},
            "submitted_at": {**stamp, "description": "When the contact happened (UTC)."},
            "channel": channel,
            "topic": label("topic"),
            "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5,
                       "description": "The contact's rating; null: none.", "x-code": "bad_int",
                       "x-hint": "write a whole number 1..5 or null"},
            "comment": {"type": "string", "minLength": 1, "pattern": r"\S",
                        "maxLength": COLUMNS_BY_NAME["comment"].max_chars,
                        "description": "The customer's words, as written.", "x-code": "too_long",
                        "x-hint": "text of 1 to "
                                  f"{COLUMNS_BY_NAME['comment'].max_chars:,} characters"},
        }),
        "burst": kind("burst", "A burst of top ratings with the same comment (a gaming signal, "
                      "found when the rows were summarized).", {
            "start": {**stamp, "description": "The first contact of the burst (UTC)."},
            "end": {**stamp, "description": "The last contact of the burst (UTC)."},
            "count": count("Contacts in the burst.", 2),
        }),
    }
    return {
        "$schema": DRAFT,
        "$id": "summary.schema.json",
        "title": "Candor summary file (data/<slug>/summaries/YYYY-MM.jsonl): one line",
        "description": "JSON Lines: the header first, then one record per line, told apart by "
                       "its kind. Written by publish.py summarize; see docs/SUMMARIES.md.",
        "$defs": definitions,
        "type": "object",
        "if": {"required": ["format"]},
        "then": {"$ref": "#/$defs/header"},
        "else": {
            "required": ["kind"],
            "properties": {"kind": {"enum": list(SUMMARY_KINDS)}},
            "allOf": [{"if": {"properties": {"kind": {"const": name}}},
                       "then": {"$ref": f"#/$defs/{name}"}} for name in SUMMARY_KINDS],
        },
    }


SCHEMAS = {"company.schema.json": company_schema, "actions.schema.json": actions_schema,
           "candor.schema.json": candor_schema, "summary.schema.json": summary_schema}


def schema_text(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"


def write(folder: Path = FOLDER) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        (folder / name).write_text(schema_text(name), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER)
