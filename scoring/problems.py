"""A data problem: where, what is wrong, how to fix it; and every code a problem can have."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# Every problem code, with what it means: the validator uses no other, and the site's
# "publish your data" page lists them all. Codes are stable: tools may match on them.
CODES: dict[str, str] = {
    # the folder and the file as a whole
    "bad_slug": "a company folder's name is not a valid slug",
    "missing_profile": "a company folder has no company.yaml",
    "file_too_large": "a file is larger than the stated size cap",
    "not_utf8": "a file is not UTF-8 text (the byte offset is given)",
    "csv_syntax": "CSV quoting is broken, e.g. an unterminated double quote",
    "wrong_field_count": "a CSV row has more or fewer fields than the header",
    "wrong_separator": "a CSV file is separated by ; or tabs instead of commas",
    "json_syntax": "a JSONL line is not valid JSON",
    "json_not_object": "a JSONL line is valid JSON but not an object",
    "json_nested": "a JSONL field holds a list or object instead of a plain value",
    "parquet_unreadable": "a Parquet file cannot be read",
    "parquet_nested": "a Parquet column holds lists or records instead of plain values",
    "yaml_syntax": "a YAML file cannot be parsed",
    "yaml_alias": "a YAML file uses an alias (*name); write values out",
    "yaml_duplicate_key": "a YAML mapping repeats a key",
    "yaml_tag": "a YAML file uses a tag (!!int, !!set, !name); write plain values",
    "too_deep": "a YAML file or a JSONL line nests lists or mappings too deep to read",
    # columns
    "missing_column": "a required feedback column is absent",
    "unknown_column": "a feedback column is not part of the contract (a did-you-mean is given)",
    "duplicate_column": "a feedback column appears twice",
    # cells
    "missing_value": "a required cell is empty",
    "bad_int": "not a whole number in the allowed range (rating 1-5, nps 0-10)",
    "bad_number": "not a finite number in the allowed range (wait_seconds >= 0)",
    "bad_bool": "not true or false",
    "bad_enum": "not one of the allowed values (channel, stage)",
    "bad_datetime": "not an ISO 8601 date-time with an offset",
    "bad_date_or_datetime": "not an ISO 8601 date-time with an offset, nor a date",
    "too_long": "a text value is longer than its cap",
    "duplicate_id": "a contact id is used twice within the company (in any of its files)",
    "after_as_of": "a contact is dated after the scoreboard's as_of date",
    "resolved_before_contact": "resolved_at is earlier than the contact itself",
    # company.yaml and actions.yaml
    "not_mapping": "company.yaml (or an entry) is not a mapping of keys to values",
    "not_list": "actions.yaml (or its updates) is not a list",
    "missing_field": "a required key is absent",
    "unknown_field": "a key is not part of the format (a did-you-mean is given)",
    "not_text": "text was expected, but YAML read a boolean, number or date; quote it",
    "empty_value": "a value is empty",
    "unknown_industry": "the industry is not one of the scoreboard's industries",
    "not_https": "a URL is not a plain https:// address",
    "bad_contact": "contact is neither an email address nor an https URL",
    "bad_country": "country is not an ISO 3166 alpha-2 code",
    "bad_date": "not a date written as YYYY-MM-DD",
    "bad_status": "an action status is not planned, in_progress, done or declined",
    "bad_action_id": "an action id is not lower-case letters, digits and hyphens",
    "duplicate_action_id": "two actions share an id",
    "declined_without_reason": "a declined action does not say why in its last update's note",
    "updates_out_of_order": "an action's updates are not oldest first",
    # candor.yaml, the scoreboard's settings
    "missing_config": "candor.yaml, the scoreboard's settings, does not exist",
    "bad_weight": "a Candor score weight in candor.yaml is not a number from 0 to 100",
    "bad_prior_strength": "prior_strength in candor.yaml is not a number from 0 to 100",
    "bad_weight_share": "min_weight_share in candor.yaml is not a share above 0 and at most 1",
    "no_weight": "every Candor score weight in candor.yaml is 0",
    "bad_threshold": "a threshold in candor.yaml is not a whole number within its bounds",
    "bad_gaming": "a gaming-signal threshold in candor.yaml is out of its range",
    # summary files (data/<slug>/summaries/*.jsonl, docs/SUMMARIES.md)
    "summary_header": "a summary file does not start with its header line, or repeats it",
    "summary_company": "a summary file's header names another company than its folder",
    "bad_kind": "a summary record's kind is not contacts, waits, cases, comment or burst",
    "bad_count": "a summary count is not a whole number in its range",
    "wrong_month": "a summary record is dated outside the month its header states",
    "duplicate_record": "two records of a summary file have the same key; add their counts",
    "duplicate_month": "two summary files of a company hold the same month",
    "summary_inconsistent": "a summary file's counts do not add up (e.g. more ratings than "
                            "contacts, or a header total that is not the records' sum)",
    # the report itself
    "more_problems": "a file has more problems than are listed; fix these and validate again",
}


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    column: int | None
    code: str
    message: str
    hint: str = ""
    severity: str = "error"

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered problem code {self.code!r}")

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.where}: {self.severity}: [{self.code}] {self.message}{hint}"

    def as_dict(self) -> dict:
        return asdict(self)
