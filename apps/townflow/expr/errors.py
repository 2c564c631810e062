"""The one error type of the expression language.

Spec checking reports expression problems at the exact character of the YAML value, so every error
carries an offset into the expression source (0-based, in characters) besides its message.
"""

from __future__ import annotations


class ExprError(ValueError):
    """A refused or failing expression: `.message` says what is wrong, `.offset` where (or None).

    `.line` and `.col` are 1-based positions inside the expression source, for messages such as
    ``1:5: names other than doc, user, ... are not allowed``.
    """

    def __init__(self, message: str, offset: int | None = None, source: str | None = None):
        self.message = message
        self.offset = offset
        self.source = source
        self.line, self.col = _line_col(source, offset)
        where = f"{self.line}:{self.col}: " if offset is not None else ""
        super().__init__(f"{where}{message}")


def _line_col(source: str | None, offset: int | None) -> tuple[int | None, int | None]:
    if offset is None:
        return None, None
    if source is None:
        return 1, offset + 1
    before = source[:offset]
    line = before.count("\n") + 1
    col = offset - (before.rfind("\n") + 1) + 1
    return line, col
