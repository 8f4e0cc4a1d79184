"""The data contract: every feedback column, its type and allowed values; the company profile."""

from __future__ import annotations

from dataclasses import dataclass

CHANNELS = ("phone", "email", "chat", "social", "in_person", "app", "other")
STAGES = ("pre_sale", "post_sale")
ACTION_STATUSES = ("planned", "in_progress", "done", "declined")
# The scoreboard's sectors; a company.yaml naming another industry is an error.
INDUSTRIES = (
    "e-commerce",
    "banking",
    "telecom",
    "ride-hailing",
    "utilities",
    "travel",
    "insurance",
)
SLUG_PATTERN = r"[a-z0-9][a-z0-9-]{0,62}"
FEEDBACK_SUFFIXES = (".csv", ".jsonl", ".parquet")


@dataclass(frozen=True)
class Column:
    """One feedback column; `kind`: text, datetime, date_or_datetime, enum, int, number, bool."""

    name: str
    kind: str
    required: bool
    doc: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None


FEEDBACK_COLUMNS: tuple[Column, ...] = (
    Column("id", "text", True, "unique within the company"),
    Column("submitted_at", "date_or_datetime", True, "when the contact happened"),
    Column("channel", "enum", True, "how the customer got in touch", CHANNELS),
    Column("case_id", "text", False, "groups contacts about one issue; defaults to id"),
    Column("stage", "enum", False, "before or after the sale", STAGES),
    Column("topic", "text", False, "short label linking feedback to actions"),
    Column("site", "text", False, "who handled it (in-house, vendor-a, ...)"),
    Column("rating", "int", False, "satisfaction, 1-5", low=1, high=5),
    Column("nps", "int", False, "likelihood to recommend, 0-10", low=0, high=10),
    Column("wait_seconds", "number", False, "time before reaching a person", low=0),
    Column("resolved", "bool", False, "resolved by this contact or before"),
    Column("resolved_at", "datetime", False, "when the case was resolved"),
    Column("comment", "text", False, "the customer's words"),
    Column("comment_public", "bool", False, "the customer consented to publication"),
)
COLUMNS_BY_NAME = {column.name: column for column in FEEDBACK_COLUMNS}
REQUIRED_COLUMNS = tuple(c.name for c in FEEDBACK_COLUMNS if c.required)

# company.yaml: field -> (required, documentation)
PROFILE_FIELDS = {
    "name": (True, "the company's public name"),
    "industry": (True, "one of: " + ", ".join(INDUSTRIES)),
    "website": (False, "an https URL"),
    "country": (False, "ISO 3166 alpha-2 code, e.g. GB"),
    "description": (False, "plain text, at most 500 characters"),
    "contact": (False, "email or https URL for data questions"),
}
DESCRIPTION_MAX_CHARS = 500
