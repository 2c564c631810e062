"""Each campaign report's exact figures on a small hand-built data set (report_support.py),
township-wide and within each user's scope, through the same permission check as lists."""

from __future__ import annotations

import pytest
from report_support import build_campaign, build_certificates
from workflow_support import EAST, WEST

from townflow.runtime.errors import PermissionError, ValidationError
from townflow.runtime.reports import run_report


@pytest.fixture
def campaign(world, wclock):
    built = build_campaign(world, wclock)
    build_certificates(world)
    return built


def figures(site, user, report, filters=None):
    result = run_report(site.session(user), report, filters or {})
    return result.result, result.totals, result


def pick(rows, **key):
    found = [r for r in rows if all(r.get(k) == v for k, v in key.items())]
    assert len(found) == 1, (key, rows)
    return found[0]


def test_sex_ratio_at_birth_by_year_and_village(wsite, campaign):
    rows, totals, result = figures(wsite, "Administrator", "Sex Ratio at Birth")
    assert [(r["year"], r["village"], r["births"], r["boys"], r["girls"], r["sex_ratio"]) for r in rows] == [
        ("2025", EAST, 5, 3, 2, 150.0),
        ("2025", WEST, 2, 1, 1, 100.0),
        ("2026", EAST, 1, 0, 1, 0.0),
    ]
    assert [r["sex_ratio_target_met"] for r in rows] == [0, 1, 1]
    assert (totals["births"], totals["boys"], totals["girls"], totals["sex_ratio"]) == (8, 4, 4, 100.0)
    assert totals["sex_ratio_target_met"] == 1
    summary = result.report_summary[0]
    assert (summary["value"], summary["target"], summary["indicator"]) == (100.0, 106.0, "Green")
    assert result.chart["data"]["datasets"][0]["values"] == [3, 1, 0]  # boys per group


def test_sex_ratio_filters_and_group_by(wsite, campaign):
    _rows, totals, _ = figures(wsite, "Administrator", "Sex Ratio at Birth", {"from_date": "2026-01-01"})
    assert (totals["births"], totals["girls"]) == (1, 1)
    rows, totals, _ = figures(
        wsite, "Administrator", "Sex Ratio at Birth", {"to_date": "2025-12-31", "group_by": "village"}
    )
    assert [(r["village"], r["boys"], r["girls"]) for r in rows] == [(EAST, 3, 2), (WEST, 1, 1)]
    rows, _totals, _ = figures(wsite, "Administrator", "Sex Ratio at Birth", {"group_by": ["month"]})
    assert [(r["month"], r["births"]) for r in rows] == [
        ("2025-05", 5),
        ("2025-07", 1),
        ("2025-08", 1),
        ("2026-01", 1),
    ]


def test_a_village_clerk_counts_only_their_village(wsite, campaign):
    rows, totals, _ = figures(wsite, "clerk.east", "Sex Ratio at Birth")
    assert {r["village"] for r in rows} == {EAST}
    assert (totals["births"], totals["boys"], totals["girls"], totals["sex_ratio"]) == (6, 3, 3, 100.0)
    _rows, totals, _ = figures(wsite, "clerk.west", "Sex Ratio at Birth")
    assert (totals["births"], totals["sex_ratio"]) == (2, 100.0)
    # asking for another village's figures gives nothing, not that village's births
    _rows, totals, _ = figures(wsite, "clerk.west", "Sex Ratio at Birth", {"village": EAST})
    assert totals["births"] == 0


def test_two_girl_household_share(wsite, campaign):
    rows, totals, _ = figures(wsite, "Administrator", "Two-Girl Household Share")
    assert [(r["village"], r["two_child"], r["two_girl"], r["two_girl_share"]) for r in rows] == [
        (EAST, 3, 2, 66.7),
        (WEST, 2, 1, 50.0),
    ]
    assert (totals["two_child"], totals["two_girl"], totals["two_girl_share"]) == (5, 3, 60.0)
    assert totals["two_girl_share_target_met"] == 1  # above 43 %


def test_benefit_tally_counts_approved_and_paid_only(wsite, campaign):
    rows, totals, _ = figures(wsite, "Administrator", "Benefit Tally")
    assert [(r["benefit"], r["applications"], r["households"], r["amount"]) for r in rows] == [
        ("One-time Reward", 1, 1, 1000.0),
        ("Poor Female University Student", 1, 1, 3000.0),
    ]
    assert (totals["applications"], totals["households"], totals["amount"]) == (2, 2, 4000.0)
    _rows, totals, _ = figures(wsite, "Administrator", "Benefit Tally", {"department": "教育办"})
    assert (totals["applications"], totals["amount"]) == (1, 3000.0)


def test_benefit_tally_follows_each_users_scope(wsite, campaign):
    assert figures(wsite, "clerk.east", "Benefit Tally")[1]["applications"] == 2
    assert figures(wsite, "clerk.west", "Benefit Tally")[1]["applications"] == 0
    # a department officer counts what was routed to their department, of the kinds they may report on
    _rows, totals, _ = figures(wsite, "finance", "Benefit Tally")
    assert (totals["applications"], totals["amount"]) == (1, 1000.0)
    _rows, totals, _ = figures(wsite, "education", "Benefit Tally")
    assert (totals["applications"], totals["amount"]) == (1, 3000.0)


def test_department_timeliness_from_the_approval_log(wsite, campaign):
    rows, totals, _ = figures(
        wsite, "Administrator", "Department Timeliness", {"process": "Subsidy Application"}
    )
    village = pick(rows, office="Village Head", step="Pending Village Verification")
    assert (village["handled"], village["in_hand"], village["overdue"]) == (4, 1, 1)
    assert (village["median_hours"], village["p90_hours"]) == (4.0, 8.8)
    township = pick(rows, office="Township Approver", step="Pending Township Review")
    assert (township["handled"], township["rejected"], township["median_hours"], township["p90_hours"]) == (
        3,
        1,
        20.0,
        28.0,
    )
    finance = pick(rows, office="财政所", step="Pending Finance Review")
    assert (finance["handled"], finance["in_hand"], finance["overdue"]) == (2, 1, 1)
    # 公示 steps: the reward's two notices and app1's and app2's village notices (15 days each);
    # they moved the clock on 30 days after the reward was approved, so its payment step is past
    # its 240 hours too (3 overdue)
    notices = pick(rows, office="Village Head", step="Village Public Notice")
    assert (notices["handled"], notices["in_hand"], notices["median_hours"]) == (3, 0, 360.0)
    assert (totals["handled"], totals["in_hand"], totals["overdue"], totals["rejected"]) == (15, 3, 3, 1)


def test_a_department_officer_sees_the_steps_of_what_was_routed_to_them(wsite, campaign):
    rows, totals, _ = figures(wsite, "finance", "Department Timeliness")
    village = pick(rows, office="Village Head", step="Pending Village Verification")
    assert (village["handled"], village["median_hours"]) == (2, 5.0)
    # + the reward's two notices and app1's village notice; the reward's payment is overdue too
    assert (totals["handled"], totals["in_hand"], totals["overdue"], totals["rejected"]) == (11, 2, 2, 0)


def test_certificate_outcomes(wsite, campaign):
    rows, totals, _ = figures(wsite, "Administrator", "Certificate Outcomes")
    row = pick(rows, village=EAST)
    assert (row["issued"], row["used"], row["expired"], row["revoked"], row["use_rate"]) == (2, 0, 0, 1, 0.0)
    assert (totals["issued"], totals["revoked"], totals["invalid_reports"]) == (2, 1, 0)


def test_village_completeness(wsite, campaign):
    rows, _totals, _ = figures(wsite, "Administrator", "Village Completeness")
    east, west = pick(rows, village=EAST), pick(rows, village=WEST)
    # persons: the adults and the student, and every household's children (registered as persons:
    # a household's type is computed from them) — East 8 + 13 children, West 1 + 5 children
    assert [east[k] for k in ("households", "persons", "women_cba", "ongoing", "past_due")] == [
        11,
        21,
        8,
        3,
        1,
    ]
    assert [west[k] for k in ("households", "persons", "women_cba", "ongoing", "past_due")] == [3, 6, 1, 1, 0]


def test_a_measure_over_a_sensitive_field_is_withheld_from_who_may_not_read_it(wsite, campaign):
    # the expected delivery date is sensitive: the village head may not read it, the clerk may
    rows, totals, result = figures(wsite, "head.east", "Village Completeness")
    assert [r["past_due"] for r in rows] == [None] and totals["past_due"] is None
    assert rows[0]["ongoing"] == 3
    assert "past_due" in result.withheld and "超预产期" in result.message
    assert all(s["label"] != "超预产期未登记结果" for s in result.report_summary)
    _rows, totals, result = figures(wsite, "clerk.east", "Village Completeness")
    assert totals["past_due"] == 1 and result.withheld == []


def test_reports_are_denied_by_default(wsite, campaign):
    with pytest.raises(PermissionError):  # not one of the report's roles
        run_report(wsite.session("facility"), "Benefit Tally", {})
    with pytest.raises(PermissionError):
        run_report(wsite.session("civil"), "Sex Ratio at Birth", {})
    with pytest.raises(ValidationError, match="no filter 'villag'"):
        run_report(wsite.session("Administrator"), "Sex Ratio at Birth", {"villag": EAST})
    with pytest.raises(ValidationError, match="not a date"):
        run_report(wsite.session("Administrator"), "Sex Ratio at Birth", {"from_date": "yesterday"})


@pytest.mark.parametrize("user", ["Administrator", "clerk.east", "head.east", "finance"])
def test_sql_aggregates_give_the_figures_of_the_python_rows(wsite, campaign, monkeypatch, user):
    """The SQL path (conditions translated, GROUP BY) and the rows path (expressions evaluated in
    Python over permitted rows) are two ways to one answer."""
    from townflow.runtime.reports import run as run_module

    session = wsite.session(user)
    reports = [
        r
        for r in wsite.project.reports_for(
            session.roles | {"Administrator"} if user == "Administrator" else session.roles
        )
    ]
    fast = {r.report_name: run_report(session, r.report_name, {}).as_frappe() for r in reports}
    monkeypatch.setattr(run_module, "condition_sql", lambda *a, **k: None)
    slow = {r.report_name: run_report(session, r.report_name, {}).as_frappe() for r in reports}
    assert fast  # the user runs some report
    for name in fast:
        assert fast[name]["result"] == slow[name]["result"], name
        assert fast[name] == slow[name], name


def test_compute_report_from_plain_rows_gives_the_runtimes_figures(wsite, campaign):
    """What the compiled Frappe Script Report does: read the needed fields of permitted rows and
    hand them to the pure computation, which must give the embedded runtime's answer."""
    from townflow.reports import compute_report, conditions, group_by, needed_fields

    session = wsite.session("clerk.east")
    for name in ("Sex Ratio at Birth", "Benefit Tally", "Village Completeness"):
        report = wsite.project.reports[name]
        values = {"from_date": "2020-01-01"} if name != "Village Completeness" else {}
        dims, conds = group_by(report, values), conditions(report, values)
        rows = {}
        for source in report.sources:
            if session.has_permission(source.doctype, "report"):
                fields = needed_fields(report, source, dims, conds)
                rows[source.doctype] = session.get_list(
                    source.doctype, fields=fields, limit_page_length=0, ptype="report"
                )
        pure = compute_report(
            report, values, rows, settings=wsite.settings(), today="2026-03-02", now="2026-03-02 09:00:00"
        )
        # (the clerk may read the expected delivery date, so nothing is withheld on either side)
        assert pure.as_frappe() == run_report(session, name, values).as_frappe()
