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
    DESCRIPTION_MAX_CHARS,
    INDUSTRIES,
    LABEL_MAX_CHARS,
    NAME_MAX_CHARS,
    SLUG_PATTERN,
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


SCHEMAS = {"company.schema.json": company_schema, "actions.schema.json": actions_schema,
           "candor.schema.json": candor_schema}


def schema_text(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"


def write(folder: Path = FOLDER) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        (folder / name).write_text(schema_text(name), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER)
