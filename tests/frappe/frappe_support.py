"""Steps the tests/frappe modules share: a workflow action over REST, a document's state, a
user's open tasks."""

from __future__ import annotations

#: the Administrator's client (set by conftest's `admin` fixture): End Notice first moves the
#: application's public notice window (公示, issue 17) into the past, as the calendar would
NOTICE_ADMIN: list = []


def pass_notice(admin, doc) -> None:
    """The open public notice of `doc` posted 20 days ago and ended yesterday."""
    from datetime import date, timedelta

    today = date.today()
    rows = admin.get_list(
        "Public Notice", filters={"reference_name": doc["name"], "status": "Open"}, fields=["name"]
    )
    assert rows, f"{doc['name']} has no open public notice"
    for row in rows:
        notice = admin.get_doc("Public Notice", row["name"])
        window = {"posted_on": str(today - timedelta(days=20)), "ends_on": str(today - timedelta(days=1))}
        admin.update({**notice, **window})


def act(client, doc, action, comment=None):
    if action == "End Notice" and NOTICE_ADMIN:
        pass_notice(NOTICE_ADMIN[0], doc)
    return client.call(
        "frappe.model.workflow.apply_workflow",
        doc={"doctype": doc["doctype"], "name": doc["name"]},
        action=action,
        comment=comment,
    )


def state(admin, doc):
    return admin.get_doc(doc["doctype"], doc["name"])["workflow_state"]


def todo_names(client, doctype):
    """Every document in the user's to-do (the test site keeps earlier runs' work: more than a
    page of 20)."""
    inbox = client.inbox("todo", doctype=doctype, limit_page_length=500)
    return [i["reference_name"] for i in inbox["items"]]


def run_bench(*args: str, timeout: int = 600) -> str:
    """`bench --site <site> <args>` in the bench folder (the command and site from the environment)."""
    import os
    import shutil
    import subprocess

    bench = os.environ["TOWNFLOW_FRAPPE_BENCH"]
    command = os.environ.get("TOWNFLOW_FRAPPE_BENCH_CMD") or shutil.which("bench") or "bench"
    site = os.environ.get("TOWNFLOW_FRAPPE_SITE", "")
    argv = [command, *(["--site", site] if site else []), *args]
    done = subprocess.run(argv, cwd=bench, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


def record_dropout(clerk, person: str) -> None:
    """Dropout aid is for girls recorded as dropped out: the clerk records it on the person first."""
    girl = clerk.get_doc("Person", person)
    clerk.update({**girl, "dropped_out": 1, "dropped_out_on": "2024-09-01", "is_in_school": 0})
