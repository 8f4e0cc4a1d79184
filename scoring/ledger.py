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

# Size caps, published on the "publish your data" page: beyond them a file or value is an error.
MAX_FEEDBACK_FILE_BYTES = 256 * 1024 * 1024  # split larger exports by month
MAX_YAML_FILE_BYTES = 1024 * 1024
LABEL_MAX_CHARS = 60  # topic, site


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
    max_chars: int | None = None  # for text: longer values are an error


FEEDBACK_COLUMNS: tuple[Column, ...] = (
    Column("id", "text", True, "unique within the company", max_chars=100),
    Column("submitted_at", "date_or_datetime", True, "when the contact happened"),
    Column("channel", "enum", True, "how the customer got in touch", CHANNELS),
    Column("case_id", "text", False, "groups contacts about one issue; defaults to id",
           max_chars=100),
    Column("stage", "enum", False, "before or after the sale", STAGES),
    Column("topic", "text", False, "short label linking feedback to actions",
           max_chars=LABEL_MAX_CHARS),
    Column("site", "text", False, "who handled it (in-house, vendor-a, ...)",
           max_chars=LABEL_MAX_CHARS),
    Column("rating", "int", False, "satisfaction, 1-5", low=1, high=5),
    Column("nps", "int", False, "likelihood to recommend, 0-10", low=0, high=10),
    Column("wait_seconds", "number", False, "time before reaching a person", low=0),
    Column("resolved", "bool", False, "resolved by this contact or before"),
    Column("resolved_at", "datetime", False, "when the case was resolved"),
    # Real complaint narratives run long: 25 of 1,532 in the CFPB sample exceed 5,000
    # characters, the longest 21,928.
    Column("comment", "text", False, "the customer's words", max_chars=32_000),
    Column("comment_public", "bool", False, "the customer consented to publication"),
)
COLUMNS_BY_NAME = {column.name: column for column in FEEDBACK_COLUMNS}
REQUIRED_COLUMNS = tuple(c.name for c in FEEDBACK_COLUMNS if c.required)

DESCRIPTION_MAX_CHARS = 500
NAME_MAX_CHARS = 120
ACTION_TEXT_MAX_CHARS = 1000  # you_said, we_did, notes
URL_MAX_CHARS = 500

# Examples shown on the "publish your data" page and in scaffolded files; a test validates them.
EXAMPLE_FEEDBACK_CSV = "\n".join([
    ",".join(column.name for column in FEEDBACK_COLUMNS),
    "c-1001,2026-03-02T09:14:00Z,phone,k-77,post_sale,refund,in-house,2,3,540,false,,"
    '"Third call about the same refund, still waiting",true',
    "c-1002,2026-03-04T16:40:00+01:00,chat,k-77,post_sale,refund,vendor-a,4,8,35,true,"
    "2026-03-04T16:10:00Z,,false",
    "c-1003,2026-03-05,email,,pre_sale,delivery,in-house,5,10,,true,2026-03-05T11:00:00Z,"
    '"Quick, clear answer",false',
]) + "\n"
EXAMPLE_ACTIONS_YAML = """\
- id: faster-refunds              # unique: lower-case letters, digits, hyphens
  topic: refund                   # the feedback topic it answers
  you_said: Refunds take more than two weeks.
  we_did: Refunds are issued within 48 hours of the return scan.
  status: done                    # planned | in_progress | done | declined
  opened: 2026-03-14              # when the company committed to it
  updates:                        # optional history, oldest first
    - {date: 2026-04-02, status: in_progress, note: New scanner in the warehouse.}
    - {date: 2026-05-20, status: done}
  evidence: https://example.com/blog/refunds   # optional, https only
- id: sunday-delivery
  topic: delivery
  you_said: Deliver on Sundays.
  we_did: We looked at Sunday delivery and will not offer it.
  status: declined
  opened: 2026-06-01
  updates:
    - date: 2026-07-01
      status: declined
      note: Our carriers do not work on Sundays; Saturday hours are longer instead.
"""
