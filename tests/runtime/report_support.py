"""A small campaign with known figures, built through the real forms and workflows, for the
report tests: births, two-child households, benefits, certificates and step timings."""

from __future__ import annotations

from workflow_support import EAST, REWARD_TO_APPROVED, WEST, World, act, pass_notice, walk

STUDENT_TO_APPROVED = [
    ("clerk.east", "Submit"),
    ("head.east", "Verify"),
    ("approver1", "Forward"),
    ("education", "Approve"),
]


def birth(world: World, mother: dict, sex: str, on: str) -> dict:
    year = int(on[:4])
    return world.site.session("Administrator").insert(
        {
            "doctype": "Pregnancy Record",
            "person": mother["name"],
            "responsible_visitor": "王敏",
            "registered_on": f"{year - 1}-09-01",
            "lmp_date": f"{year - 1}-08-01",
            "outcome": "Live Birth",
            "outcome_date": on,
            "newborn_sex": sex,
        }
    )


def ongoing(world: World, mother: dict, lmp: str) -> dict:
    return world.site.session("Administrator").insert(
        {
            "doctype": "Pregnancy Record",
            "person": mother["name"],
            "responsible_visitor": "王敏",
            "registered_on": "2025-10-01",
            "lmp_date": lmp,
            "expected_delivery_date": _plus_280(lmp),
            "outcome": "Ongoing",
        }
    )


def _plus_280(day: str) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(day) + dt.timedelta(days=280)).isoformat()


def build_campaign(world: World, clock) -> dict:
    """The data set; the comments give what each report must count."""
    home_east = world.household(EAST)  # one child: not a two-child household
    home_west = world.household(WEST)
    mother_east = world.person(home_east)  # woman born 1996: of child-bearing age
    mother_west = world.person(home_west)
    # births: East 2025 M M M F F, East 2026 F, West 2025 M F
    for sex in ("Male", "Male", "Male", "Female", "Female"):
        birth(world, mother_east, sex, "2025-05-01")
    birth(world, mother_east, "Female", "2026-01-15")
    birth(world, mother_west, "Male", "2025-07-01")
    birth(world, mother_west, "Female", "2025-08-01")
    ongoing(world, mother_east, "2025-04-27")  # expected 2026-02-01: past due on 2026-03-02
    ongoing(world, mother_west, "2025-08-25")  # expected 2026-06-01
    # two-child households: East two-girl x2 + one of each; West two-girl + two boys
    # (a household's type is computed from the children registered in it)
    for village, children in (
        (EAST, ("Female", "Female")),
        (EAST, ("Female", "Female")),
        (EAST, ("Female", "Male")),
        (WEST, ("Female", "Female")),
        (WEST, ("Male", "Male")),
    ):
        world.household(village, children=children)
    # benefits: one reward approved (1,000 yuan), one reward still pending, one student aid approved
    reward = world.reward_application()
    walk(world.site, reward, REWARD_TO_APPROVED)
    pending = world.reward_application()
    act(world.site, "clerk.east", pending, "Submit")
    aid = world.student_aid()
    walk(world.site, aid, STUDENT_TO_APPROVED)
    # step timings: app1 waits 10 h at the village head, then its village notice (公示, 15 days),
    # 20 h at the township, then sits at the finance office past its 120 h (five working days);
    # app2 waits 4 h, its notice, then 30 h before the township rejects it
    app1, app2 = world.reward_application(), world.reward_application()
    act(world.site, "clerk.east", app1, "Submit")
    clock.advance(hours=10)
    act(world.site, "head.east", app1, "Verify")
    pass_notice(world.site, "head.east", app1)
    clock.advance(hours=20)
    act(world.site, "approver1", app1, "Forward")
    act(world.site, "clerk.east", app2, "Submit")
    clock.advance(hours=4)
    act(world.site, "head.east", app2, "Verify")
    pass_notice(world.site, "head.east", app2)
    clock.advance(hours=30)
    act(world.site, "approver1", app2, "Reject", "材料不全")
    clock.advance(hours=150)  # past the finance step's 120 h, counted as five working days
    return {"reward": reward, "pending": pending, "aid": aid, "app1": app1, "app2": app2}


def build_certificates(world: World) -> None:
    """Two certificates issued in East; the second revoked."""
    for revoke in (False, True):
        app = world.certificate_application(EAST)
        for user, action in (("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")):
            act(world.site, user, app, action)
        if revoke:
            act(world.site, "approver1", app, "Revoke", "当事人已撤回申请")
