"""The benefits' effects and the households' derived values in the embedded runtime.

The decisions come from `townflow.rules.benefits` (shared with the Frappe app's
care_for_girls.townflow_ext.benefits); this module reads what they need and writes what they
return, inside the transaction of the write or workflow step that caused them:
- a Household's children, daughters, type and girl-household flag are computed from its members
  on every save of the household, and again whenever a member is added, changed or removed;
- a workflow state entered writes its effects (`entering` for the document itself, `after_move`
  for the registries: honour household, dropout record cleared, quota restored);
- `open_conversions` (run by `tick`) opens an Insurance Conversion task for every insured only
  child who reached the conversion age.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from townflow.rules import benefits as rules
from townflow.runtime.db import table
from townflow.runtime.system_doctypes import ADMINISTRATOR

CONVERSION_STATE = "Pending Conversion"
CONVERSION_ACTION = "Open Conversion"


# --- households -----------------------------------------------------------------------------


def _members(site, household: str, leave_out: str | None = None) -> list[dict[str, Any]]:
    rows = site.db.fetchall(
        f"SELECT name, relationship, gender FROM {table(rules.PERSON)} WHERE household = ?", (household,)
    )
    return [dict(r) for r in rows if r["name"] != leave_out]


def derive_household(event) -> None:
    """Hook (Household, validate): the derived values come from the members, not from the form."""
    name = event.doc.get("name")
    members = _members(event.session.site, name) if name and event.old is not None else []
    event.doc.update(rules.household_composition(members))


def _recompute(session, household: str | None, leave_out: str | None = None) -> None:
    site = session.site
    if not household:
        return
    stored = site.db.fetchone(f"SELECT * FROM {table(rules.HOUSEHOLD)} WHERE name = ?", (household,))
    if stored is None:
        return
    changes = rules.composition_changes(dict(stored), _members(site, household, leave_out))
    if changes:
        site.session(session.user, ignore_permissions=True).db_set(rules.HOUSEHOLD, household, changes)


def recompute_household(session, household: str | None) -> None:
    """The household's derived counts from its members as stored now (used by bulk imports)."""
    _recompute(session, household)


def member_changed(event) -> None:
    """Hook (Person, on_update): recompute the household (and the one the person left). A bulk
    import sets `session.deferred_households` to a set: the households are collected there and
    recomputed once per batch, in the batch's transaction (townflow.dataio.importer)."""
    deferred = getattr(event.session, "deferred_households", None)
    if deferred is not None:
        deferred.update(h for h in (event.doc.get("household"), (event.old or {}).get("household")) if h)
        return
    _recompute(event.session, event.doc.get("household"))
    old = (event.old or {}).get("household")
    if old and old != event.doc.get("household"):
        _recompute(event.session, old)


def member_removed(event) -> None:
    """Hook (Person, on_trash): the row is still there; count the household without it."""
    doc = event.old or event.doc
    _recompute(event.session, doc.get("household"), leave_out=doc.get("name"))


# --- workflow states entered ----------------------------------------------------------------


def _effects(session, loaded, target: str, at: str):
    site = session.site
    doc = {**loaded.row, "name": loaded.row["name"]}
    return rules.entering_effects(loaded.meta.name, doc, target, date.fromisoformat(at[:10]), site.settings())


def entering(session, loaded, target: str, at: str) -> dict[str, Any]:
    """Field updates for the acted-on document as it enters `target` (a certificate's validity)."""
    own = rules.own_updates(_effects(session, loaded, target, at))
    return {k: v for k, v in own.items() if k in loaded.meta.column_set}


def after_move(session, loaded, target: str, at: str) -> None:
    """The registries a state entered changes, written by the system in the step's transaction."""
    site = session.site
    system = None  # opened for the first registry written (most states write none)
    for (doctype, name), values in rules.other_updates(_effects(session, loaded, target, at)).items():
        if not site.metas.exists(doctype):
            continue
        known = site.metas.get(doctype).column_set
        values = {k: v for k, v in values.items() if k in known}
        if values:
            system = system or site.session(ADMINISTRATOR, ignore_permissions=True)
            system.db_set(doctype, name, values)


# --- insurance conversion -------------------------------------------------------------------


def _due_conversions(site, today: date) -> list[tuple[dict, dict]]:
    needed = (rules.SUBSIDY, rules.PERSON, rules.INSURANCE_CONVERSION)
    if not all(site.metas.exists(d) for d in needed):
        return []
    rows = site.db.fetchall(
        f"""SELECT a.name, a.household, a.policy_no, a.insured_child, p.date_of_birth
        FROM {table(rules.SUBSIDY)} a JOIN {table(rules.PERSON)} p ON p.name = a.insured_child
        WHERE a.benefit_kind = ? AND a.docstatus = 1 AND NOT EXISTS (
            SELECT 1 FROM {table(rules.INSURANCE_CONVERSION)} c WHERE c.subsidy_application = a.name)""",
        (rules.ONLY_CHILD_INSURANCE,),
    )
    settings = site.settings()
    return [
        (dict(r), {"name": r["insured_child"], "date_of_birth": r["date_of_birth"]})
        for r in rows
        if rules.conversion_is_due(r["date_of_birth"], settings, today)
    ]


def open_conversions(session, today: date) -> int:
    """An Insurance Conversion for every insured only child who reached the conversion age; it
    moves at once to its step, so the Human Resources officers find it in their inbox."""
    from townflow.runtime.workflow import apply_system_move

    site = session.site
    system = site.session(ADMINISTRATOR, ignore_permissions=True)
    clock = getattr(session, "clock", None)
    if clock is not None:
        system.clock = clock
    opened = 0
    for application, child in _due_conversions(site, today):
        record = system.insert(rules.conversion_record(application, child, site.settings()))
        apply_system_move(
            session, rules.INSURANCE_CONVERSION, record["name"], CONVERSION_STATE, CONVERSION_ACTION
        )
        opened += 1
    return opened


def _derives_households(site) -> bool:
    """The project's Household has the derived fields and its Person says who is a child."""
    if not (site.metas.exists(rules.HOUSEHOLD) and site.metas.exists(rules.PERSON)):
        return False
    person = site.metas.get(rules.PERSON).column_set
    household = site.metas.get(rules.HOUSEHOLD).column_set
    return {"household", "relationship", "gender"} <= person and set(
        rules.DERIVED_HOUSEHOLD_FIELDS
    ) <= household


def register(site) -> None:
    """Wire the hooks into a site (called by townflow.runtime.campaign.register)."""
    if _derives_households(site):
        site.hooks.register(rules.HOUSEHOLD, "validate", derive_household)
        site.hooks.register(rules.PERSON, "on_update", member_changed)
        site.hooks.register(rules.PERSON, "on_trash", member_removed)
