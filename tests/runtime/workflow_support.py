"""The real project (doctypes/, workflows/, fixtures/ at the repository root) on a fresh site, with
the people who work the three processes: clerks and heads of two villages, township approvers and
leaders, department officers and a facility officer — each bound to their village, department or
facility by User Permissions, as in production.

A template site is built once per test run and copied for each test (opening a site and loading
45 villages' fixtures is the slow part).
"""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from datetime import datetime
from pathlib import Path

import argon2
import pytest

from townflow.runtime import errors, workflow
from townflow.runtime.clock import SteppingClock
from townflow.runtime.site import Site
from townflow.runtime.users import use_hasher
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]
use_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))

EAST, WEST = "东关村", "西关村"
FACILITY = "高新街道卫生院"

#: user -> (roles, {allow doctype: [values]})
PEOPLE: dict[str, tuple[list[str], dict[str, list[str]]]] = {
    "clerk.east": (["Village Clerk"], {"Village": [EAST]}),
    "head.east": (["Village Head"], {"Village": [EAST]}),
    "deputy.east": (["Village Head"], {"Village": [EAST]}),
    "clerk.west": (["Village Clerk"], {"Village": [WEST]}),
    "head.west": (["Village Head"], {"Village": [WEST]}),
    "tclerk": (["Township Clerk"], {}),
    "approver1": (["Township Approver"], {}),
    "approver2": (["Township Approver"], {}),
    "leader1": (["Township Leader"], {}),
    "leader2": (["Township Leader"], {}),
    "health": (["Health Officer"], {"Department": ["卫生办"]}),
    "finance": (["Finance Officer"], {"Department": ["财政所"]}),
    "civil": (["Civil Affairs Officer"], {"Department": ["民政办"]}),
    "education": (["Education Officer"], {"Department": ["教育办"]}),
    "hr": (["Human Resources Officer"], {"Department": ["人社所"]}),
    "commerce": (["Industry and Commerce Officer"], {"Department": ["工商所"]}),
    "tax": (["Tax Officer"], {"Department": ["税务所"]}),
    "fpo": (["Family Planning Officer"], {"Department": ["计生办"]}),
    "facility": (["Facility Officer"], {"Designated Facility": [FACILITY]}),
}


def _build_template(folder: Path, project) -> None:
    site = Site.open(folder, project, admin_password="admin", now=lambda: datetime(2026, 3, 1, 8, 0))
    admin = site.session("Administrator")
    for user, (roles, permissions) in PEOPLE.items():
        roles_rows = [{"role": r} for r in roles]
        admin.insert({"doctype": "User", "email": user, "full_name": user, "roles": roles_rows})
        for allow, values in permissions.items():
            for value in values:
                admin.insert({"doctype": "User Permission", "user": user, "allow": allow, "for_value": value})
    site.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    site.close()


@pytest.fixture(scope="session")
def real_project():
    return load_project(ROOT)


@pytest.fixture(scope="session")
def template_site(tmp_path_factory, real_project) -> Path:
    folder = tmp_path_factory.mktemp("workflow-template") / "site"
    _build_template(folder, real_project)
    return folder


@pytest.fixture
def wclock() -> SteppingClock:
    return SteppingClock(datetime(2026, 3, 2, 9, 0, 0))


@pytest.fixture
def wsite(tmp_path, template_site, real_project, wclock):
    folder = tmp_path / "site"
    shutil.copytree(template_site, folder)
    site = Site.open(folder, real_project, now=wclock)
    yield site
    site.close()


class World:
    """Registry records the processes need, created as the village clerks would."""

    def __init__(self, site: Site):
        self.site = site

    def as_(self, user: str):
        return self.site.session(user)

    def household(self, village: str = EAST, children: tuple[str, ...] = ("Female",), **values) -> dict:
        """A household with its children registered (each a gender): its type, children and
        daughters are computed from them (one daughter by default: a one-girl household)."""
        clerk = "clerk.east" if village == EAST else "clerk.west"
        doc = {
            "doctype": "Household",
            "village": village,
            "head_name": "张建国",
            "residence_type": "Rural",
            "address": f"{village}一组",
            "second_child_entitled": 1,
            "income_status": "Normal",
            **values,
        }
        household = self.as_(clerk).insert(doc)
        for n, gender in enumerate(children):
            self.child(household, gender, full_name=f"张{'女' if gender == 'Female' else '子'}{n + 1}")
        return self.as_(clerk).get("Household", household["name"])

    def child(self, household: dict, gender: str = "Female", **values) -> dict:
        """A daughter or son of the household's head."""
        values = {"date_of_birth": "2016-04-01", **values}
        return self.person(
            household, gender=gender, relationship="Daughter" if gender == "Female" else "Son", **values
        )

    def person(self, household: dict, **values) -> dict:
        clerk = "clerk.east" if household["village"] == EAST else "clerk.west"
        doc = {
            "doctype": "Person",
            "household": household["name"],
            "full_name": "李秀英",
            "gender": "Female",
            "date_of_birth": "1996-05-04",
            "relationship": "Spouse",
            **values,
        }
        return self.as_(clerk).insert(doc)

    def pregnancy(self, person: dict) -> dict:
        clerk = "clerk.east" if person["village"] == EAST else "clerk.west"
        return self.as_(clerk).insert(
            {
                "doctype": "Pregnancy Record",
                "person": person["name"],
                "responsible_visitor": "王敏",
                "registered_on": "2026-01-10",
                "lmp_date": "2025-12-01",
                "outcome": "Ongoing",
            }
        )

    def certificate_application(self, village: str = EAST, weeks: int = 10) -> dict:
        household = self.household(village)
        person = self.person(household)
        record = self.pregnancy(person)
        clerk = "clerk.east" if village == EAST else "clerk.west"
        return self.as_(clerk).insert(
            {
                "doctype": "Termination Certificate Application",
                "person": person["name"],
                "pregnancy_record": record["name"],
                "gestational_weeks": weeks,
                "reason_category": "Contraceptive Failure",
                "reason": "避孕失败，本人自愿申请",
                "facility": FACILITY,
            }
        )

    def reward_application(self, household: dict | None = None) -> dict:
        """A one-time reward (一次性奖励) filed by the East clerk for a one-girl household."""
        household = household or self.household(EAST)
        person = self.person(household, relationship="Head")
        return self.as_("clerk.east").insert(
            {
                "doctype": "Subsidy Application",
                "household": household["name"],
                "applicant": person["name"],
                "benefit_kind": "One-time Reward",
                "amount": 1000,
                "one_girl_pledge": 1,
                "pledge_signed_on": "2026-02-01",
            }
        )

    def student_aid(self, gender: str = "Female", **values) -> dict:
        """Aid for a poor female university student (the household's only child), filed by the East clerk."""
        household = self.household(EAST, children=())
        student = self.person(
            household,
            full_name="张小红",
            gender=gender,
            relationship="Daughter" if gender == "Female" else "Son",
            date_of_birth="2006-09-01",
        )
        return self.as_("clerk.east").insert(
            {
                "doctype": "Student Aid Application",
                "student": student["name"],
                "guardian_name": "张建国",
                "aid_kind": "Poor Female University Student",
                "academic_year": "2025-2026",
                "school": "省师范大学",
                "grade": "大一",
                "amount": 3000,
                "admission_letter": "/files/letter.pdf",
                "family_hardship": "父亲因病丧失劳动能力",
                **values,
            }
        )


#: a step of `walk` that moves the site's clock past any public notice window (公示, issue 17):
#: the longest is 7 working days, and 15 calendar days cover it outside the Spring Festival and
#: National Day weeks (the tests' clock starts on 2026-03-02)
CLOCK = "clock"
NOTICE_DAYS = 15


def after_notice(user: str) -> list[tuple[str, str]]:
    """The notice window runs out, then `user` ends the notice (End Notice)."""
    return [(CLOCK, "past the notice window"), (user, "End Notice")]


VILLAGE_NOTICE = after_notice("head.east")
TOWNSHIP_NOTICE = after_notice("approver1")

#: who takes which action to bring a one-time reward from Draft to Approved
REWARD_TO_APPROVED = [
    ("clerk.east", "Submit"),
    ("head.east", "Verify"),
    *VILLAGE_NOTICE,
    ("approver1", "Forward"),
    ("finance", "Approve"),
    *TOWNSHIP_NOTICE,
    ("approver2", "Issue Notice"),
]
#: ... up to Pending Approval Notice (both notices ended)
REWARD_TO_APPROVAL_NOTICE = REWARD_TO_APPROVED[:-1]


def walk(site: Site, doc: dict, steps: list[tuple[str, str]]) -> dict:
    """Each (user, action) in turn; the document as stored afterwards."""
    for user, action in steps:
        if user == CLOCK:
            site.now.advance(days=NOTICE_DAYS)
            continue
        act(site, user, doc, action)
    return site.session("Administrator").get(doc["doctype"], doc["name"])


@pytest.fixture
def world(wsite) -> World:
    return World(wsite)


def act(site: Site, user: str, doc: dict, action: str, comment: str | None = None) -> dict:
    """`user` takes `action` on the latest version of `doc` (as a form would: read, then act)."""
    session = site.session(user)
    fresh = session.get(doc["doctype"], doc["name"])
    return workflow.apply_workflow(session, fresh, action, comment)


def pass_notice(site: Site, user: str, doc: dict) -> dict:
    """The notice window runs out (the clock moves on), then `user` takes End Notice."""
    site.now.advance(days=NOTICE_DAYS)
    return act(site, user, doc, "End Notice")


def state(site: Site, doc: dict) -> str:
    return site.session("Administrator").get(doc["doctype"], doc["name"])["workflow_state"]


def race(wsite: Site, users: list[str], docs: list[dict], action: str, through=None) -> Counter:
    """Every thread reads every document, waits for the others, then acts on its copies; `through`
    (e.g. a GroupCommitter's `run`) is handed each action, if given. Counts the outcomes."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(users))

    def work(user: str) -> None:
        session = wsite.session(user)
        copies = [session.get(d["doctype"], d["name"]) for d in docs]
        barrier.wait()
        for copy in copies:
            try:
                step = lambda copy=copy: workflow.apply_workflow(session, copy, action)  # noqa: E731
                through(step) if through else step()
                outcome = "done"
            except errors.TimestampMismatchError:
                outcome = "conflict"
            except errors.ValidationError as refused:
                outcome = "refused: " + str(refused)
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes
