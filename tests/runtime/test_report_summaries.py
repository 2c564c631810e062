"""The report summaries (runtime/reports/summaries.py: roll-ups per DocType and step visits, kept
by triggers in the writing transaction) always equal what a full scan computes: after random
inserts, edits, deletes and workflow actions (including refused ones, rolled back), after the
site is reopened, after a crash mid-stream, and on a site opened without them (backfill)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from datetime import datetime

import workflow_support as support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_support import birth
from workflow_support import EAST, REWARD_TO_APPROVED, WEST, World, act

from townflow.runtime import workflow
from townflow.runtime.clock import SteppingClock
from townflow.runtime.errors import TownflowError
from townflow.runtime.reports import run_report, summaries
from townflow.runtime.reports.run import ReportRun
from townflow.runtime.site import Site


def take(site: Site, clock, user: str, doc: dict, action: str) -> None:
    """One step of a path like REWARD_TO_APPROVED: an action, or the public notice window
    running out (CLOCK)."""
    if user == support.CLOCK:
        clock.advance(days=support.NOTICE_DAYS)
    else:
        act(site, user, doc, action)


USERS = ["Administrator", "approver1", "clerk.east", "clerk.west", "finance", "health", "head.east", "tclerk"]
#: filter / group-by variations: month bounds (served by the roll-ups), a day bound (documents)
VARIANTS = [
    {},
    {"group_by": "month"},
    {"group_by": "year"},
    {"village": EAST},
    {"from_date": "2025-02-01", "to_date": "2025-12-31"},
    {"from_date": "2025-02-02"},
]


def report_figures(site: Site, use_summaries: bool) -> dict:
    """Every report each user may run, in each variant that applies: rows and totals."""
    out = {}
    ReportRun.use_summaries = use_summaries
    try:
        for user in USERS:
            session = site.session(user)
            for report in site.project.reports_for(session.roles):
                names = {f.fieldname for f in report.filters} | {"group_by"}
                dims = {d.name for d in report.dimensions}
                for variant in VARIANTS:
                    if not set(variant) <= names or variant.get("group_by", "year") not in dims | {"year"}:
                        continue
                    if variant.get("group_by") == "year" and "year" not in dims:
                        continue
                    result = run_report(session, report.report_name, variant)
                    key = (user, report.report_name, tuple(sorted(variant.items())))
                    out[key] = (result.result, result.totals)
    finally:
        ReportRun.use_summaries = True
    return out


def assert_summaries_exact(site: Site) -> None:
    assert summaries.verify(site) == []
    with_summaries, scanned = report_figures(site, True), report_figures(site, False)
    assert with_summaries.keys() == scanned.keys()
    for key, figures in scanned.items():
        assert with_summaries[key] == figures, key


def fresh_site(template_site, tmp_path, project, clock) -> Site:
    folder = tmp_path / "site"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(template_site, folder)
    return Site.open(folder, project, now=clock)


OP = st.one_of(
    st.tuples(
        st.just("birth"),
        st.sampled_from([EAST, WEST]),
        st.sampled_from(["Male", "Female"]),
        st.sampled_from(["2025-01-31", "2025-02-01", "2025-12-31", "2026-01-01"]),
    ),
    st.tuples(
        st.just("household"),
        st.sampled_from([EAST, WEST]),
        st.sampled_from([(), ("Female", "Female"), ("Female", "Male"), ("Male", "Male")]),
    ),
    st.tuples(st.just("edit birth"), st.integers(0, 9), st.sampled_from(["Male", "Female"])),
    st.tuples(st.just("delete birth"), st.integers(0, 9)),
    st.tuples(st.just("reward"), st.integers(0, 5)),
    st.tuples(st.just("step"), st.integers(0, 5), st.integers(1, 90)),
    st.tuples(st.just("reject"), st.integers(0, 5)),
    st.tuples(st.just("return"), st.integers(0, 5)),
    st.tuples(st.just("delete reward"), st.integers(0, 5)),
    st.tuples(st.just("reopen")),
)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=st.lists(OP, min_size=1, max_size=10))
def test_summaries_equal_a_full_scan_after_random_writes(template_site, real_project, tmp_path, ops):
    clock = SteppingClock(datetime(2026, 3, 2, 9, 0, 0))
    site = fresh_site(template_site, tmp_path, real_project, clock)
    try:
        world = World(site)
        mothers = {v: world.person(world.household(v)) for v in (EAST, WEST)}
        births: list[dict] = []
        rewards: list[list] = []  # [doc, next step index]
        admin = site.session("Administrator")
        for op in ops:
            try:
                if op[0] == "birth":
                    births.append(birth(world, mothers[op[1]], op[2], op[3]))
                elif op[0] == "household":
                    world.household(op[1], children=op[2])
                elif op[0] == "edit birth" and births:
                    doc = admin.get("Pregnancy Record", births[op[1] % len(births)]["name"])
                    admin.save({**doc, "newborn_sex": op[2]})
                elif op[0] == "delete birth" and births:
                    admin.delete("Pregnancy Record", births.pop(op[1] % len(births))["name"])
                elif op[0] == "reward":
                    doc = world.reward_application()
                    rewards.append([doc, 0])
                    for user, action in REWARD_TO_APPROVED[: op[1]]:
                        take(site, clock, user, doc, action)
                        rewards[-1][1] += 1
                elif op[0] == "step" and rewards:
                    entry = rewards[op[1] % len(rewards)]
                    clock.advance(hours=op[2])
                    if entry[1] < len(REWARD_TO_APPROVED):
                        user, action = REWARD_TO_APPROVED[entry[1]]
                        entry[1] += 1
                        take(site, clock, user, entry[0], action)
                elif op[0] == "reject" and rewards:
                    entry = rewards[op[1] % len(rewards)]
                    for user in ("head.east", "approver1", "finance"):
                        try:
                            act(site, user, entry[0], "Reject", "材料不全")
                            entry[1] = 0  # resubmitted from the start, if ever
                            break
                        except TownflowError:
                            continue
                elif op[0] == "return" and rewards:
                    entry = rewards[op[1] % len(rewards)]
                    session = site.session("approver1")
                    fresh = session.get("Subsidy Application", entry[0]["name"])
                    workflow.return_to(session, fresh, "Pending Village Verification", "请补充材料")
                    entry[1] = 1
                elif op[0] == "delete reward" and rewards:
                    entry = rewards.pop(op[1] % len(rewards))
                    site.session("clerk.east").delete("Subsidy Application", entry[0]["name"])
                elif op[0] == "reopen":
                    folder = site.path
                    site.close()
                    site = Site.open(folder, real_project, now=clock)
                    world = World(site)
                    admin = site.session("Administrator")
            except TownflowError:
                pass  # refused (a wrong state, no permission): rolled back with its triggers' work
        assert_summaries_exact(site)
    finally:
        site.close()


def test_every_kind_of_write_keeps_the_summaries_and_reports_read_them(wsite, world, wclock):
    """One of each write, with known counts, and the reports served from the summaries."""
    mother = world.person(world.household(EAST))
    kept = birth(world, mother, "Male", "2025-05-01")
    gone = birth(world, mother, "Female", "2025-05-02")
    admin = wsite.session("Administrator")
    admin.save({**admin.get("Pregnancy Record", kept["name"]), "newborn_sex": "Female"})
    admin.delete("Pregnancy Record", gone["name"])
    app = world.reward_application()
    to_finance = REWARD_TO_APPROVED[: REWARD_TO_APPROVED.index(("approver1", "Forward")) + 1]
    for user, action in to_finance:
        wclock.advance(hours=5)
        take(wsite, wclock, user, app, action)
    session = wsite.session("finance")
    workflow.return_to(
        session, session.get("Subsidy Application", app["name"]), "Pending Township Review", "退回补充"
    )
    visits = wsite.db.fetchall(
        'SELECT step, office, hours, closed_outcome, doc_state FROM "__step_visit" ORDER BY log_name'
    )
    # a closed visit keeps no document state (only an open one is read against it)
    assert tuple(visits[0]) == ("Pending Village Verification", "Village Head", 5.0, "forward", None)
    assert [tuple(v) for v in visits][-3:] == [
        ("Pending Township Review", "Township Approver", 5.0, "forward", None),
        ("Pending Finance Review", "财政所", 0.0, "returned", None),
        ("Pending Township Review", "Township Approver", None, None, "Pending Township Review"),
    ]
    rollup = wsite.db.fetchall(
        'SELECT village, outcome, newborn_sex, "outcome_date:month", __n FROM "__rollup Pregnancy Record"'
    )
    assert [tuple(r) for r in rollup] == [(EAST, "Live Birth", "Female", "2025-05", 1)]
    # the reports read them: approver and clerk through the roll-up, township timeliness too
    served: list[str] = []
    original = summaries.rollup_select

    def spy(run, source, tally):
        found = original(run, source, tally)
        served.append(f"{run.session.user}:{source.doctype}:{found is not None}")
        return found

    try:
        import townflow.runtime.reports.run as run_module

        run_module.rollup_select = spy
        result = run_report(wsite.session("clerk.east"), "Sex Ratio at Birth", {})
        assert (result.totals["births"], result.totals["girls"]) == (1, 1)
        assert served == ["clerk.east:Pregnancy Record:True"]
        assert run_report(wsite.session("clerk.west"), "Sex Ratio at Birth", {}).totals["births"] == 0
    finally:
        run_module.rollup_select = original
    timeliness = run_report(wsite.session("approver1"), "Department Timeliness", {})
    totals = timeliness.totals
    assert (totals["handled"], totals["in_hand"], totals["returned"]) == (len(visits), 1, 1)
    assert_summaries_exact(wsite)


def test_a_site_without_summaries_is_backfilled_when_opened(wsite, world, real_project, wclock):
    mother = world.person(world.household(WEST))
    birth(world, mother, "Male", "2025-05-01")
    app = world.reward_application()
    act(wsite, "clerk.east", app, "Submit")
    db = wsite.db
    with db.transaction():  # as a site made before the summaries existed
        for row in db.fetchall("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tf_%'"):
            db.execute(f'DROP TRIGGER "{row["name"]}"')
        for row in db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE '__rollup %' "
            "OR name LIKE '__step_visit%' OR name = '__report_summary')"
        ):
            db.execute(f'DROP TABLE "{row["name"]}"')
    ReportRun.use_summaries = True
    folder = wsite.path
    wsite.close()
    reopened = Site.open(folder, real_project, now=wclock)
    try:
        counts = reopened.db.fetchall('SELECT newborn_sex, __n FROM "__rollup Pregnancy Record"')
        assert [tuple(r) for r in counts] == [("Male", 1)]
        assert reopened.db.scalar('SELECT COUNT(*) FROM "__step_visit"') == 1
        assert_summaries_exact(reopened)
        assert summaries.ensure(reopened) == []  # built once: opening again changes nothing
    finally:
        reopened.close()


WRITER = textwrap.dedent(
    """
    import sys, threading
    sys.path.insert(0, sys.argv[3])
    from datetime import datetime
    from workflow_support import World, act, REWARD_TO_APPROVED, EAST, WEST, CLOCK, NOTICE_DAYS
    from report_support import birth
    from townflow.runtime.clock import SteppingClock
    from townflow.runtime.site import Site
    from townflow.spec import load_project

    clock = SteppingClock(datetime(2026, 3, 2, 9, 0, 0))
    site = Site.open(sys.argv[1], load_project(sys.argv[2]), now=clock)
    site.use_group_commit()  # as the web server does
    world = World(site)
    printing = threading.Lock()

    def births(village):
        mother = world.person(world.household(village))
        n = 0
        while True:
            birth(world, mother, ("Male", "Female")[n % 2], f"2025-{1 + n % 12:02d}-01")
            with printing:
                print("birth", flush=True)
            n += 1

    def rewards():
        while True:
            app = world.reward_application()
            for user, action in REWARD_TO_APPROVED:
                if user == CLOCK:
                    clock.advance(days=NOTICE_DAYS)
                    continue
                act(site, user, app, action)
                with printing:
                    print("step", flush=True)

    for target, args in ((births, (EAST,)), (births, (WEST,)), (rewards, ())):
        threading.Thread(target=target, args=args, daemon=True).start()
    threading.Event().wait()
    """
)


def test_summaries_stay_exact_after_a_crash_mid_stream(wsite, tmp_path, real_project):
    folder = wsite.path
    wsite.close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    child = subprocess.Popen(
        [sys.executable, str(script), str(folder), str(support.ROOT), tests_dir],
        stdout=subprocess.PIPE,
        text=True,
    )
    answered: list[str] = []
    try:
        for line in child.stdout:
            answered.append(line.strip())
            if answered.count("step") >= 12 and answered.count("birth") >= 20:
                break
            if len(answered) > 5000:  # a writer thread died: stop, the assertion below says so
                break
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        child.stdout.close()
    assert answered.count("step") >= 12, "the writer stopped early"
    reopened = Site.open(folder, real_project)
    try:
        births = reopened.db.scalar('SELECT COUNT(*) FROM "tabPregnancy Record"')
        assert births >= answered.count("birth")  # every answered write is there
        assert reopened.db.scalar('SELECT SUM(__n) FROM "__rollup Pregnancy Record"') == births
        assert_summaries_exact(reopened)
    finally:
        reopened.close()


def _served(site: Site, user: str, report: str) -> tuple[dict, list[str]]:
    """The report's totals for `user` and, per source, whether its roll-up served it."""
    import townflow.runtime.reports.run as run_module

    served: list[str] = []
    original = summaries.rollup_select

    def spy(run, source, tally):
        found = original(run, source, tally)
        served.append(f"{source.doctype}:{'roll-up' if found is not None else 'documents'}")
        return found

    run_module.rollup_select = spy
    try:
        return run_report(site.session(user), report, {}).totals, served
    finally:
        run_module.rollup_select = original


def test_a_scope_the_roll_up_cannot_express_reads_the_documents(wsite, world):
    """A clerk narrowed to one household's people: the Person roll-up keeps no household, so
    their persons are counted from the documents, and only that household's; narrowed on a
    field the roll-up keeps (the newborn's sex), the roll-up serves and counts only those."""
    home = world.household(EAST, children=("Female", "Male"))
    other = world.household(EAST, children=("Female",))
    mother = world.person(home)
    birth(world, mother, "Male", "2025-05-01")
    birth(world, mother, "Female", "2025-06-01")
    totals, served = _served(wsite, "clerk.east", "Village Completeness")
    assert totals["persons"] == 4  # two children and the mother, one child next door
    assert "Person:roll-up" in served
    wsite.perms.restrict("Person", "Village Clerk", "household", [home["name"]])
    totals, served = _served(wsite, "clerk.east", "Village Completeness")
    assert totals["persons"] == 3 and other["name"] != home["name"]
    assert "Person:documents" in served
    wsite.perms.restrict("Pregnancy Record", "Village Clerk", "newborn_sex", ["Female"])
    totals, served = _served(wsite, "clerk.east", "Sex Ratio at Birth")
    assert (totals["births"], totals["boys"], totals["girls"]) == (1, 0, 1)
    assert served == ["Pregnancy Record:roll-up"]
    assert_summaries_exact(wsite)


def test_an_unqualified_name_in_a_scope_condition_keeps_the_roll_up_away():
    assert summaries._only_qualified('(r."village" IN (?, ?))', "r.")
    assert summaries._only_qualified('r."village" IN (SELECT name FROM "tabVillage" WHERE "x" = ?)', "r.")
    assert not summaries._only_qualified('"household" IN (?)', "r.")  # SQLite: a string, not a column
    assert not summaries._only_qualified('(r."village" IN (?)) OR ("owner" = ?)', "r.")
    assert summaries._only_qualified("r.owner = '\"x\"'", "r.")  # quotes inside a string literal


def test_a_step_rewrites_the_open_visit_only_however_many_came_before(wsite, world, wclock):
    """Each workflow step writes one visit row closed and one opened, not every earlier visit
    of the document again (a closed visit keeps no document state): the write stays the same
    size at the seventh step as at the second, and the summaries stay exact."""
    app = world.reward_application()
    db = wsite.db
    db.execute("CREATE TEMP TABLE visit_writes (kind TEXT)")
    db.execute(
        'CREATE TEMP TRIGGER count_visit_updates AFTER UPDATE ON main."__step_visit" '
        "BEGIN INSERT INTO visit_writes VALUES ('update'); END"
    )
    db.execute(
        'CREATE TEMP TRIGGER count_visit_inserts AFTER INSERT ON main."__step_visit" '
        "BEGIN INSERT INTO visit_writes VALUES ('insert'); END"
    )
    per_step = []
    for user, action in REWARD_TO_APPROVED:
        db.execute("DELETE FROM visit_writes")
        wclock.advance(hours=5)
        take(wsite, wclock, user, app, action)
        if user != support.CLOCK:
            rows = db.fetchall("SELECT kind, COUNT(*) FROM visit_writes GROUP BY kind ORDER BY kind")
            per_step.append((action, {r[0]: r[1] for r in rows}))
    visits = db.scalar('SELECT COUNT(*) FROM "__step_visit" WHERE ref = ?', (app["name"],))
    assert visits == 7  # Submit, Verify, End Notice, Forward, Approve, End Notice, Issue Notice
    # the first step: nothing open to close; every later one: the open visit's state set, then
    # closed (it was 2, 3, 4 ... 7 updates when every visit took the document's state). Forward
    # sets the department, which every visit carries (the counters group by it): 2 more
    assert per_step == [
        ("Submit", {"insert": 1}),
        ("Verify", {"insert": 1, "update": 2}),
        ("End Notice", {"insert": 1, "update": 2}),
        ("Forward", {"insert": 1, "update": 4}),
        ("Approve", {"insert": 1, "update": 2}),
        ("End Notice", {"insert": 1, "update": 2}),
        ("Issue Notice", {"insert": 1, "update": 2}),
    ]
    assert_summaries_exact(wsite)


def test_a_document_renamed_or_deleted_by_sql_leaves_dead_visits_as_the_backfill_computes_them(
    wsite, world, wclock
):
    """Visits of a document that is gone (deleted, or renamed by raw SQL) are not counted and keep
    no state, department or department office: exactly what recomputing from the log gives."""
    to_finance = REWARD_TO_APPROVED[: REWARD_TO_APPROVED.index(("approver1", "Forward")) + 1]
    apps = [world.reward_application(), world.reward_application()]
    for app in apps:
        for user, action in to_finance:
            wclock.advance(hours=5)
            take(wsite, wclock, user, app, action)
    db = wsite.db
    renamed, deleted = apps[0]["name"], apps[1]["name"]
    with db.transaction():
        db.execute('UPDATE "tabSubsidy Application" SET name = ? WHERE name = ?', ("RENAMED-1", renamed))
        db.execute('DELETE FROM "tabSubsidy Application" WHERE name = ?', (deleted,))
    gone = db.fetchall(
        'SELECT ref, alive, doc_state, department, office FROM "__step_visit" WHERE ref IN (?, ?) '
        "ORDER BY ref, log_name",
        (renamed, deleted),
    )
    # four visits each (Pending Village Verification, the notice, Township Review, Finance): none
    # alive, no state, no department, and Finance's office back to its role (was 财政所)
    assert len(gone) == 8
    assert {(r["alive"], r["doc_state"], r["department"]) for r in gone} == {(0, None, None)}
    assert [r["office"] for r in gone][:4] == [
        "Village Head",
        "Village Head",
        "Township Approver",
        "Finance Officer",
    ]
    assert_summaries_exact(wsite)
