"""The same data gives the same numbers in both runtimes: the spec's reports as Frappe Script
Reports (care_for_girls/.../report/*, townflow_ext.reports) against the embedded runtime.

A fresh village of its own holds this run's data on the bench (the test site keeps earlier
runs' records), built by the same steps in both runtimes: households of every kind, live births
of boys and girls, and applications walked through the workflow by the village's clerk and head,
the township approver and the departments. Each report is then run with `village` set to that
village, over `frappe.desk.query_report.run` on Frappe and `run_report` in the embedded
runtime, and every figure of every row, the totals, the chart and the summary must agree.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import argon2
import pytest
from frappe_support import act, run_bench

from townflow.runtime import workflow
from townflow.runtime.clock import SteppingClock
from townflow.runtime.reports import run_report
from townflow.runtime.site import Site
from townflow.runtime.users import use_hasher

pytestmark = pytest.mark.frappe

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ("Sex Ratio at Birth", "Two-Girl Household Share", "Benefit Tally", "Village Completeness")
TODAY = date.today()
#: (household type, daughters, children) for the village's households
HOUSEHOLDS = [
    ("Two-girl", 2, 2),
    ("Two-girl", 2, 2),
    ("Two-child", 1, 2),
    ("One-girl", 1, 1),
    ("One-child", 0, 1),
]
#: (newborn sex, days ago) of the village's live births
BIRTHS = [("Male", 420), ("Female", 300), ("Male", 190), ("Female", 40)]


class Frappe:
    """The steps over REST, as the suite's users (tests/frappe/conftest.py)."""

    def __init__(self, admin, clients):
        self.admin, self.clients = admin, clients

    def insert(self, user, doc):
        return (self.admin if user == "admin" else self.clients[user]).insert(doc)

    def act(self, user, doc, action):
        act(self.clients[user], doc, action)

    def report(self, name, filters):
        return self.admin.run_report(name, filters)


class Embedded:
    """The same steps in an embedded site (Session inserts, the workflow engine)."""

    def __init__(self, site):
        self.site = site

    def _session(self, user):
        return self.site.session("Administrator" if user == "admin" else f"{user}@example.com")

    def insert(self, user, doc):
        return self._session(user).insert(doc)

    def act(self, user, doc, action):
        session = self._session(user)
        if action == "End Notice":  # 公示: the window moved into the past, as on the Frappe site
            today = datetime.now().date()
            with self.site.transaction():
                self.site.db.execute(
                    'UPDATE "tabPublic Notice" SET posted_on = ?, ends_on = ? '
                    "WHERE reference_name = ? AND status = 'Open'",
                    (str(today - timedelta(days=20)), str(today - timedelta(days=1)), doc["name"]),
                )
        workflow.apply_workflow(session, session.get(doc["doctype"], doc["name"]), action)

    def report(self, name, filters):
        return run_report(self.site.session("Administrator"), name, filters, lang="en").as_frappe()


def build(runtime, village: str) -> None:
    """This run's village: households, births, and a relief and a loan walked to approval."""
    mothers = []
    for number, (_kind, daughters, children) in enumerate(HOUSEHOLDS, start=1):
        household = runtime.insert(
            "clerk",
            {
                "doctype": "Household",
                "village": village,
                "head_name": f"张{number}",
                "residence_type": "Rural",
                "address": f"{village}{number}号",
                "income_status": "Low-income",
                "low_income_certificate_no": f"DB-{number}",
            },
        )
        mother = runtime.insert(
            "clerk",
            {
                "doctype": "Person",
                "household": household["name"],
                "village": village,  # fetched from the household; given as tests/frappe's other suites do
                "full_name": f"李秀英{number}",
                "gender": "Female",
                "date_of_birth": "1990-05-04",
                "relationship": "Head",
            },
        )
        # the household's type and counts are computed from the children registered in it
        for child in range(children):
            girl = child < daughters
            runtime.insert(
                "clerk",
                {
                    "doctype": "Person",
                    "household": household["name"],
                    "village": village,
                    "full_name": f"{'张丽' if girl else '张伟'}{number}{child}",
                    "gender": "Female" if girl else "Male",
                    "date_of_birth": f"201{child}-03-0{number}",
                    "relationship": "Daughter" if girl else "Son",
                },
            )
        mothers.append((household, mother))
    for (sex, days_ago), (_household, mother) in zip(BIRTHS, mothers, strict=False):
        born = TODAY - timedelta(days=days_ago)
        lmp = born - timedelta(days=280)
        runtime.insert(
            "clerk",
            {
                "doctype": "Pregnancy Record",
                "person": mother["name"],
                "household": mother["household"],
                "village": village,
                "responsible_visitor": "王敏",
                "registered_on": (lmp + timedelta(days=60)).isoformat(),
                "lmp_date": lmp.isoformat(),
                "expected_delivery_date": (lmp + timedelta(days=280)).isoformat(),
                "outcome": "Live Birth",
                "outcome_date": born.isoformat(),
                "newborn_sex": sex,
            },
        )
    household, mother = mothers[0]
    for kind, amount, extra, department in (
        (
            "Low-income Relief",
            600,
            {"hardship_description": "丈夫病故，收入微薄", "monthly_household_income": 800},
            "civil",
        ),
    ):
        app = runtime.insert(
            "clerk",
            {
                "doctype": "Subsidy Application",
                "household": household["name"],
                "village": village,
                "applicant": mother["name"],
                "benefit_kind": kind,
                "amount": amount,
                **extra,
            },
        )
        for user, action in (
            ("clerk", "Submit"),
            ("head", "Verify"),
            ("head", "End Notice"),
            ("approver", "Forward"),
            (department, "Approve"),
            ("approver", "End Notice"),
            ("approver", "Issue Notice"),
        ):
            runtime.act(user, app, action)


def figures(answer: dict) -> dict:
    """What a user reads off a report: every row's figures, the totals, chart and summary values
    (the totals row's label is a word in the user's language and is left out)."""

    def row(r):
        return {
            k: round(v, 6) if isinstance(v, float) else v
            for k, v in r.items()
            if not (r.get("is_total_row") and isinstance(v, str))
        }

    chart = (answer.get("chart") or {}).get("data") or {}
    return {
        "rows": [row(r) for r in answer["result"]],
        "chart": [d.get("values") for d in chart.get("datasets", [])],
        "summary": [s.get("value") for s in answer.get("report_summary") or []],
    }


@pytest.fixture(scope="module")
def village(admin, people, users):
    name = f"核对村{uuid.uuid4().hex[:6]}"
    admin.insert({"doctype": "Village", "village_name": name, "township": "高新街道"})
    clients = {
        "clerk": people.make("report-clerk", ["Village Clerk"], Village=name),
        "head": people.make("report-head", ["Village Head"], Village=name),
        "approver": users["approver"],
        "civil": users["civil"],
    }
    build(Frappe(admin, clients), name)
    return name


@pytest.fixture(scope="module")
def embedded(tmp_path_factory, village, org):
    from townflow.spec import load_project

    use_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    clock = SteppingClock(datetime.now())
    site = Site.open(
        tmp_path_factory.mktemp("same") / "site", load_project(ROOT), now=clock, admin_password="x"
    )
    admin = site.session("Administrator")
    admin.insert({"doctype": "Village", "village_name": village, "township": "高新街道"})
    scoped = {
        "clerk": ("Village Clerk", "Village", village),
        "head": ("Village Head", "Village", village),
        "approver": ("Township Approver", None, None),
        "civil": ("Civil Affairs Officer", "Department", org["dept"]["Civil Affairs"]),
    }
    for key, (role, allow, value) in scoped.items():
        email = f"{key}@example.com"
        admin.insert({"doctype": "User", "email": email, "first_name": key, "roles": [{"role": role}]})
        if allow:
            admin.insert({"doctype": "User Permission", "user": email, "allow": allow, "for_value": value})
    build(Embedded(site), village)
    yield Embedded(site)
    site.close()


@pytest.mark.parametrize("report", REPORTS)
def test_a_report_gives_the_same_figures_on_frappe_and_embedded(admin, village, embedded, report):
    filters = {"village": village}
    on_frappe = figures(Frappe(admin, {}).report(report, filters))
    here = figures(embedded.report(report, filters))
    assert on_frappe == here
    assert here["rows"], f"{report}: the village's data gave no rows"


def _grouped_and_dated(village: str) -> list[tuple[str, dict]]:
    yesterday, tomorrow = (TODAY - timedelta(days=1)).isoformat(), (TODAY + timedelta(days=1)).isoformat()
    return [
        ("Benefit Tally", {"village": village, "group_by": "benefit,month"}),
        (
            "Benefit Tally",
            {"village": village, "group_by": "year", "from_date": yesterday, "to_date": tomorrow},
        ),
        ("Benefit Tally", {"village": village, "group_by": "department", "to_date": yesterday}),
        ("Two-Girl Household Share", {"village": village, "group_by": "village"}),
    ]


def test_reports_aggregated_in_mariadb_give_the_embedded_figures(admin, village, embedded):
    """At county scale the document reports are aggregated in MariaDB (townflow_ext.reports.
    SqlAggregate) instead of reading every row: grouped by month, year and department, with date
    filters (a Datetime column against a date compares as the embedded runtime's text does), the
    figures stay the embedded runtime's."""
    for report, filters in _grouped_and_dated(village):
        in_sql = run_bench(
            "execute",
            "care_for_girls.townflow_ext.reports.aggregates_in_sql",
            "--kwargs",
            json.dumps({"report_name": report, "filters": filters}),
        )
        assert in_sql.strip().splitlines()[-1] == "true", (report, filters, in_sql)
        on_frappe = figures(Frappe(admin, {}).report(report, filters))
        here = figures(embedded.report(report, filters))
        assert on_frappe == here, (report, filters)
    dated = figures(Frappe(admin, {}).report("Benefit Tally", _grouped_and_dated(village)[1][1]))
    assert [r.get("year") for r in dated["rows"]] == [str(TODAY.year), None]  # the year, then the totals
    assert dated["rows"][0]["applications"] == dated["rows"][-1]["applications"] > 0
    assert figures(Frappe(admin, {}).report("Benefit Tally", _grouped_and_dated(village)[2][1]))["rows"] == []


def test_a_number_card_reads_the_totals_row_of_its_report(admin, village, embedded):
    """A Number Card asks the report for its totals row only (filters_json totals_only)."""
    answer = Frappe(admin, {}).report("Sex Ratio at Birth", {"village": village, "totals_only": 1})
    assert len(answer["result"]) == 1
    card = figures(answer)["rows"][0]
    assert (card["boys"], card["girls"], card["sex_ratio"]) == (2, 2, 100.0)
    assert card == figures(embedded.report("Sex Ratio at Birth", {"village": village}))["rows"][-1]


def test_another_villages_clerk_sees_none_of_the_village(users, village):
    answer = users["clerk_a"].run_report("Sex Ratio at Birth", {"village": village})
    assert answer["result"] == []


def _served(report: str, filters: dict, user: str | None = None) -> dict:
    """townflow_ext.tallies.served on the bench: kept (served from the kept tallies) and same
    (every row and the totals equal to the same run aggregated over the documents)."""
    kwargs = {"report_name": report, "filters": filters, **({"user": user} if user else {})}
    out = run_bench("execute", "care_for_girls.townflow_ext.tallies.served", "--kwargs", json.dumps(kwargs))
    return json.loads(out.strip().splitlines()[-1])


def test_township_wide_reports_come_from_the_kept_tallies_with_the_documents_figures(admin, village):
    """A reader of the whole township (here Administrator) gets Benefit Tally from the tallies
    the triggers keep (townflow_ext.tallies) — whole township, by month, by village, one benefit
    kind, one village grouped by village — with exactly the figures aggregating the documents
    gives; and the tallies equal their recomputation after this run's REST writes."""
    runs = [
        {},
        {"group_by": "month"},
        {"group_by": "village"},
        {"benefit": "Low-income Relief"},
        {"village": village, "group_by": "village"},
    ]
    for filters in runs:
        answer = _served("Benefit Tally", filters)
        assert answer["kept"] is True, filters
        assert answer["same"] is True, filters
        assert answer["rows"] >= 1, filters
    out = run_bench("execute", "care_for_girls.townflow_ext.tallies.check")
    checked = json.loads(out.strip().splitlines()[-1])
    assert checked["tables"] >= 1
    assert checked["problems"] == []


def test_a_kept_village_row_is_the_embedded_runtimes(admin, village, embedded):
    """Served from the kept tallies, the village's row and totals are the embedded runtime's:
    one Low-income Relief application of 600 yuan, from one household."""
    filters = {"village": village, "group_by": "village"}
    assert _served("Benefit Tally", filters)["kept"] is True
    on_frappe = figures(Frappe(admin, {}).report("Benefit Tally", filters))
    assert on_frappe == figures(embedded.report("Benefit Tally", filters))
    row = on_frappe["rows"][0]
    assert (row["village"], row["applications"], row["households"], row["amount"]) == (village, 1, 1, 600.0)


def test_a_village_clerk_is_not_served_from_the_township_tallies(village, people):
    """A clerk's User Permission narrows them to their villages: their run aggregates the
    documents they may read, never the township's tallies, with the same figures."""
    clerk = people.clients["report-clerk"]
    filters = {"village": village, "group_by": "village"}
    assert _served("Benefit Tally", filters, user=clerk.email) == {"kept": False, "same": True, "rows": 1}
    rows = figures(clerk.run_report("Benefit Tally", filters))["rows"]
    assert [r["village"] for r in rows[:-1]] == [village]
    assert (rows[0]["applications"], rows[0]["households"], rows[0]["amount"]) == (1, 1, 600.0)


def _paths_agree(report: str, filters: dict, user: str | None = None) -> dict:
    kwargs = {"report_name": report, "filters": filters, **({"user": user} if user else {})}
    method = "care_for_girls.townflow_ext.reports.paths_agree"
    out = run_bench("execute", method, "--kwargs", json.dumps(kwargs))
    return json.loads(out.strip().splitlines()[-1])


def test_department_timeliness_is_aggregated_in_mariadb_with_the_rows_figures(village, users):
    """Department Timeliness (`rows: steps`) is computed in MariaDB from the action log
    (townflow_ext.steps_sql: a window over each document's state changes, percentiles from the
    ranked hours) for a township reader and a department officer narrowed to their department,
    grouped and filtered; every row and the totals equal reading the log into Python
    (townflow.reports.steps.step_visits) at the same instant."""
    runs = [
        ({}, None),
        ({"group_by": "process"}, None),
        ({"group_by": "office,step", "from_date": (TODAY - timedelta(days=1)).isoformat()}, None),
        # the window then reads only state changes from that day on (steps_sql's `since`)
        ({"group_by": "process", "from_date": TODAY.isoformat()}, None),
        ({"process": "Subsidy Application"}, "tf-approver@example.com"),
        ({}, "tf-civil@example.com"),
    ]
    for filters, user in runs:
        answer = _paths_agree("Department Timeliness", filters, user)
        assert answer["in_sql"] is True, (filters, user)
        assert answer["same"] is True, (filters, user)
    # over REST: this run's relief passed the offices' steps; the step visits add up in the totals
    rows = figures(users["approver"].run_report("Department Timeliness", {"group_by": "office"}))["rows"]
    assert len(rows) >= 2 and all(r["handled"] >= 1 for r in rows[:-1])
    assert rows[-1]["handled"] == sum(r["handled"] for r in rows[:-1])


# Department Timeliness from the kept step visits (townflow_ext.visits): the visits and their
# counters are kept by MariaDB triggers on the action log and the documents, in the writing
# transaction; a township reader's run is served from them when it may be, with exactly the
# figures of the window over the action log (townflow_ext.steps_sql) at the same instant.

_MONTH = TODAY.replace(day=1)
_MONTH_END = ((_MONTH + timedelta(days=32)).replace(day=1) - timedelta(days=1)).isoformat()
VISIT_RUNS = [
    {},
    {"group_by": "process"},
    {"group_by": "office"},
    {"group_by": "office,step", "from_date": _MONTH.isoformat()},
    {"from_date": _MONTH.isoformat(), "to_date": _MONTH_END},
    {"process": "Subsidy Application"},
    # off month bounds: counted over the visits entered in range, not the monthly counters
    {"from_date": (TODAY - timedelta(days=1)).isoformat(), "to_date": TODAY.isoformat()},
    {"group_by": "process", "from_date": TODAY.isoformat()},
]


def _visits_served(filters: dict, user: str) -> dict:
    kwargs = {"report_name": "Department Timeliness", "filters": filters, "user": user}
    out = run_bench("execute", "care_for_girls.townflow_ext.visits.served", "--kwargs", json.dumps(kwargs))
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("user", ["Administrator", "tf-approver@example.com"])
def test_township_readers_get_department_timeliness_from_the_kept_visits(village, user):
    """The approver and Administrator read every record: whole township, by process, by office,
    by office and step from the month's first day, within the month, one process — each served
    from the visits and counters with every row and the totals of the window path."""
    for filters in VISIT_RUNS:
        answer = _visits_served(filters, user)
        assert answer["kept"] is True, filters
        assert answer["same"] is True, (filters, answer)
    # this run's relief application passed the clerk's, head's, approver's and civil steps
    assert _visits_served({"group_by": "office"}, user)["rows"] >= 4


def test_a_department_officer_keeps_the_window_path(village):
    """A department officer is narrowed to their department: not served from the township's
    visits, with the same figures as before."""
    answer = _visits_served({}, "tf-civil@example.com")
    assert (answer["kept"], answer["same"]) == (False, True)
    assert answer["rows"] >= 1


def test_kept_visits_equal_their_recomputation_after_the_rest_writes(village):
    """After this run's REST writes, every kept visit and counter equals the window's."""
    out = run_bench("execute", "care_for_girls.townflow_ext.visits.check")
    checked = json.loads(out.strip().splitlines()[-1])
    assert checked["visits"] >= 7
    assert checked["problems"] == []
