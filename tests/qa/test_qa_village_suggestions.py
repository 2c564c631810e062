"""A village clerk's 村 suggestions list all 45 villages, though she may file only for her own.

Seen in the browser: typing 东 in 村 on a new household offered 东关村, 东营村 and 河东村; choosing
another village is refused only on save ("No permission to create this Household"). On Frappe a
User Permission (allow Village = 东关村) also limits the Village records themselves
(frappe.permissions.has_user_permission checks the doctype's own name; DatabaseQuery adds the
same match), so the clerk would be offered her village only.
"""

from __future__ import annotations

from workflow_support import EAST


def test_a_village_clerk_is_offered_her_own_village_only(wsite):
    clerk = wsite.session("clerk.east")
    villages = [row["name"] for row in clerk.get_list("Village", fields=["name"], limit_page_length=0)]
    assert villages == [EAST]
    offered = [row["value"] for row in clerk.search_link("Village", "村", page_length=50)]
    assert offered == [EAST]
