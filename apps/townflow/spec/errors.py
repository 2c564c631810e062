"""Spec errors that point at the YAML a person wrote.

A spec error is only useful if it says where to look: every `SpecError` carries the file, the
line and column (1-based), the key path inside the document (`fields[3].fieldtype`), the
offending line itself and, when printed, a caret under the column. `SpecErrors` gathers every
error of one run so a person fixes them all at once instead of one per `townflow check`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass


def format_path(path: Sequence[str | int]) -> str:
    """`("fields", 3, "fieldtype")` -> `fields[3].fieldtype`, the way a person reads YAML."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _display_width(text: str) -> int:
    """Columns a terminal uses for `text`: Chinese characters take two, so the caret lines up."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


@dataclass(frozen=True)
class SpecError:
    """One problem in the spec. `line` and `col` are 1-based; 0 means the file as a whole."""

    file: str
    line: int
    col: int
    path: str
    message: str
    snippet: str = ""

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.col}" if self.line else self.file

    def __str__(self) -> str:
        head = (
            f"{self.location}: {self.path}: {self.message}"
            if self.path
            else f"{self.location}: {self.message}"
        )
        if not self.snippet:
            return head
        caret = " " * _display_width(self.snippet[: max(self.col - 1, 0)]) + "^"
        return f"{head}\n    {self.snippet}\n    {caret}"


class SpecErrors(Exception):
    """Every error found in one load, in file and line order."""

    def __init__(self, errors: Iterable[SpecError]):
        self.errors: list[SpecError] = sorted(errors, key=lambda e: (e.file, e.line, e.col, e.message))
        super().__init__(str(self))

    def __iter__(self) -> Iterator[SpecError]:
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    def __str__(self) -> str:
        count = len(self.errors)
        noun = "error" if count == 1 else "errors"
        return f"{count} spec {noun}:\n" + "\n".join(str(e) for e in self.errors)
