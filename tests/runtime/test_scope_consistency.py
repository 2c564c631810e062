"""The two forms of the record check agree: the SQL WHERE used by every read path and the Python
check used before a document is stored, for generated documents and users."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from site_support import make_user

from townflow.runtime import store

USERS = {
    "clerk_v1": (["Village Clerk"], {"Village": ["V1"]}),
    "clerk_both": (["Village Clerk"], {"Village": ["V1", "V2"]}),
    "civil": (["Civil Affairs Officer"], {"Department": ["Civil"]}),
    "applicant": (["Applicant"], {}),
    "approver": (["Township Approver"], {}),
    "nobody": ([], {}),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    village=st.sampled_from([None, "", "V1", "V2"]),
    department=st.sampled_from([None, "Civil"]),
    owner=st.sampled_from([*USERS, "someone"]),
    ptype=st.sampled_from(["read", "write", "create", "submit", "delete"]),
)
def test_sql_where_and_python_check_agree(site, village, department, owner, ptype):
    if not store.exists(site.db, site.metas.get("User"), "clerk_v1"):
        for user, (roles, permissions) in USERS.items():
            make_user(site, user, roles, **permissions)
    meta = site.metas.get("Application")
    doc = {
        "name": "GEN-1",
        "owner": owner,
        "village": village,
        "department": department,
        "docstatus": 0,
        "idx": 0,
    }
    with site.transaction():
        site.db.execute('DELETE FROM "tabApplication" WHERE name = ?', ("GEN-1",))
        store.insert_row(site.db, meta, doc)
    for user in USERS:
        ctx = site.session(user).ctx
        in_sql = site.perms.record_allowed(site.db, meta, ctx, ptype, "GEN-1")
        in_python = site.perms.doc_allowed(site.db, meta, ctx, ptype, doc)
        assert in_sql == in_python, (user, ptype, doc)
