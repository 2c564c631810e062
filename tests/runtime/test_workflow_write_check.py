"""A transition's write check: answered by the load's SELECT only when the write condition is the
very condition the row was read under; any other condition is asked of the database."""

from __future__ import annotations

from site_support import make_user

from townflow.runtime.workflow_write import may_write


def test_the_write_condition_is_asked_unless_it_is_the_read_condition(site, people):
    make_user(site, "clerk.v1", ["Village Clerk"], Village=["V1"])
    clerk = site.session("clerk.v1")
    meta = site.metas.get("Household")
    own, other = people["h1"], people["h2"]  # households of V1 and V2
    read = site.perms.where(meta, clerk.ctx, "read")
    statements: list[str] = []
    site.db.conn.set_trace_callback(statements.append)
    try:
        assert may_write(site, meta, clerk.ctx, own, read) is True
        assert statements == []  # the SELECT that loaded the row under `read` answered
        # read under a wider condition (everything): the write condition is asked, and refuses V2
        assert may_write(site, meta, clerk.ctx, other, ("1=1", [])) is False
        assert may_write(site, meta, clerk.ctx, own, ("1=1", [])) is True
        assert may_write(site, meta, clerk.ctx, other, None) is False
        assert len(statements) == 3
    finally:
        site.db.conn.set_trace_callback(None)
