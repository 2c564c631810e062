"""关爱女孩行动参数 (Campaign Settings, a single): the System Manager could not open its form.

Seen in the browser: /app/campaign-settings/Campaign Settings answered a raw JSON 500 ("no such
table: tabCampaign Settings"): the form asks whether the record may be written, and the
permission check looked for the single's row in a table singles do not have.
"""

from __future__ import annotations


def test_the_system_manager_may_write_the_single_campaign_settings(wsite):
    session = wsite.session("Administrator")
    meta = wsite.metas.get("Campaign Settings")
    assert wsite.perms.record_allowed(wsite.db, meta, session.ctx, "write", "Campaign Settings")
    clerk = wsite.session("clerk.east")
    assert not wsite.perms.record_allowed(wsite.db, meta, clerk.ctx, "write", "Campaign Settings")
