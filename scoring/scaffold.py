"""`publish.py new SLUG`: a company folder with commented templates that validate as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .ledger import (
    DESCRIPTION_MAX_CHARS,
    EXAMPLE_ACTIONS_YAML,
    FEEDBACK_COLUMNS,
    INDUSTRIES,
    SLUG_PATTERN,
)
from .schemas import FOLDER as SCHEMA_FOLDER

FEEDBACK_FILE = "feedback/contacts.csv"


class ScaffoldError(ValueError):
    """The slug is malformed or taken; nothing was written."""


def _schema_comment(folder: Path, name: str) -> str:
    """The yaml-language-server line that lets an editor complete and check the file."""
    relative = Path(os.path.relpath(SCHEMA_FOLDER / name, folder.resolve())).as_posix()
    return f"# yaml-language-server: $schema={relative}\n"


def company_yaml(folder: Path, name: str, industry: str) -> str:
    return (
        _schema_comment(folder, "company.schema.json")
        + "# Your company's profile on the scoreboard. Check it with: python publish.py validate\n"
        + f"name: {name}\n"
        + f"industry: {industry}  # one of: {', '.join(INDUSTRIES)}\n"
        + "# website: https://example.com/  # your public site; https only\n"
        + "# country: GB  # ISO 3166 alpha-2 code; quote \"NO\" (Norway), or YAML reads false\n"
        + f"# description: What you do, in plain text (at most {DESCRIPTION_MAX_CHARS} "
        "characters).\n"
        + "# contact: data@example.com  # email or https URL for questions about your data\n"
    )


def actions_yaml(folder: Path) -> str:
    example = "".join(f"# {line}\n" for line in EXAMPLE_ACTIONS_YAML.splitlines())
    return (
        _schema_comment(folder, "actions.schema.json")
        + '# "You said, we did": what you did about your customers\' feedback, one entry per\n'
        "# commitment. A declined entry must say why in the note of its last update: a reasoned\n"
        "# no is an answer, silence is not. To add entries, copy the examples below, remove the\n"
        "# leading '# ' and replace `[]` with them.\n#\n"
        + example
        + "[]\n"
    )


def feedback_header() -> str:
    return ",".join(column.name for column in FEEDBACK_COLUMNS) + "\n"


def new_company(data_dir: Path, slug: str, name: str | None = None,
                industry: str | None = None) -> list[Path]:
    """Write data_dir/slug/ and return the files written; refuse a bad or existing slug."""
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise ScaffoldError(
            f"{slug!r} is not a valid slug: use lower-case letters, digits and hyphens, "
            "starting with a letter or digit, at most 63 characters")
    industry = industry or INDUSTRIES[0]
    if industry not in INDUSTRIES:
        raise ScaffoldError(f"industry {industry!r} is not one of: {', '.join(INDUSTRIES)}")
    folder = data_dir / slug
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists; nothing was written")
    name = name or slug.replace("-", " ").title()
    files = {
        folder / "company.yaml": company_yaml(folder, name, industry),
        folder / "actions.yaml": actions_yaml(folder),
        folder / FEEDBACK_FILE: feedback_header(),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return list(files)
