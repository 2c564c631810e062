"""What an approver narrows the inbox by (issue 18 point 5): words in the title or number, the
documents' village, and the day the to-do arrived — one SQL condition over the inbox rows.

Column and table names come from the spec (the workflow DocTypes that have a `village` field),
never from the request; every value is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from townflow.runtime.db import quote, table

ORDERS = ("modified", "due")


@dataclass(frozen=True)
class InboxFilter:
    search: str | None = None
    village: str | None = None
    since: str | None = None  # YYYY-MM-DD, the to-do arrived on or after
    until: str | None = None  # YYYY-MM-DD, on or before

    def __bool__(self) -> bool:
        return bool(self.search or self.village or self.since or self.until)


def filter_sql(project: Any, metas: Any, found: InboxFilter | None) -> tuple[str, list[Any]]:
    """(" AND ..." or "", params) for the inbox rows."""
    if not found:
        return "", []
    sql, params = "", []
    if found.search:
        words = f"%{found.search.strip()[:60]}%"
        sql += " AND (title LIKE ? OR reference_name LIKE ?)"
        params += [words, words]
    if found.since:
        sql += " AND creation >= ?"
        params.append(found.since[:10])
    if found.until:
        sql += " AND creation < date(?, '+1 day')"
        params.append(found.until[:10])
    if found.village:
        arms = []
        for doctype in sorted(project.workflows):
            if metas.exists(doctype) and metas.get(doctype).get_field("village") is not None:
                arms.append(
                    f"(reference_doctype = ? AND reference_name IN "
                    f"(SELECT name FROM {table(doctype)} WHERE {quote('village')} = ?))"
                )
                params += [doctype, found.village]
        sql += f" AND ({' OR '.join(arms)})" if arms else " AND 0"
    return sql, params
