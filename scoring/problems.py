"""A data problem: where it is, what is wrong and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    column: int | None
    code: str
    message: str
    hint: str = ""
    severity: str = "error"

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
