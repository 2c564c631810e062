"""One write, one transaction: a failure anywhere leaves nothing behind, and outer transactions
(the workflow engine's) take the writes inside them along."""

from __future__ import annotations

import pytest

from townflow.runtime.errors import ValidationError


def counts(site):
    db = site.db
    return (
        db.scalar("SELECT COUNT(*) FROM tabApplication"),
        db.scalar('SELECT COUNT(*) FROM "tabApplication Item"'),
        db.scalar('SELECT COUNT(*) FROM "tabSeries"'),
        db.scalar("SELECT COUNT(*) FROM __audit_log"),
    )


def test_a_failing_after_insert_hook_rolls_back_row_children_series_and_audit(site, people):
    before = counts(site)

    def refuse(event):
        raise ValidationError("refused by hook", "钩子拒绝")

    site.hooks.register("Application", "on_update", refuse)
    with pytest.raises(ValidationError):
        site.session("Administrator").insert(
            {"doctype": "Application", "household": people["h1"]["name"], "items": [{"item": "a"}]}
        )
    assert counts(site) == before
    site.hooks._callbacks.clear()
    app = site.session("Administrator").insert({"doctype": "Application", "household": people["h1"]["name"]})
    assert app["name"].endswith("-00001")  # the failed insert did not use up a number


def test_writes_inside_an_outer_transaction_commit_or_roll_back_together(site, people):
    admin = site.session("Administrator")
    before = counts(site)
    with pytest.raises(RuntimeError), site.transaction():
        admin.insert({"doctype": "Application", "household": people["h1"]["name"]})
        site.audit.record("transition", "Administrator", "Application", "x", {"to": "B"})
        raise RuntimeError("the engine failed after the save")
    assert counts(site) == before
    with site.transaction():
        app = admin.insert({"doctype": "Application", "household": people["h1"]["name"]})
        admin.db_set("Application", app["name"], {"remark": "set by the engine"})
    assert admin.get("Application", app["name"])["remark"] == "set by the engine"


def test_a_caught_failure_inside_an_outer_transaction_undoes_only_itself(site, people):
    admin = site.session("Administrator")
    with site.transaction():
        kept = admin.insert({"doctype": "Household", "village": "V1", "head_name": "kept"})
        with pytest.raises(ValidationError):
            admin.insert({"doctype": "Household", "village": "V1"})
    assert admin.get("Household", kept["name"])["head_name"] == "kept"
    assert site.audit.verify().ok


def test_hooks_can_change_the_document_before_it_is_written(site, people):
    def stamp(event):
        event.doc["remark"] = f"checked by {event.session.user}"

    site.hooks.register("Application", "before_save", stamp)
    app = site.session("Administrator").insert({"doctype": "Application", "household": people["h1"]["name"]})
    assert (
        site.session("Administrator").get("Application", app["name"])["remark"] == "checked by Administrator"
    )
