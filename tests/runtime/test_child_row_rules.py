"""Child tables validate like documents (issue 11.1): a Pregnancy Follow Up Visit row's
mandatory_depends_on reads the row, its DocType's rules run on every save of the pregnancy
record, and a row's rule may read the record it belongs to as `parent`."""

from __future__ import annotations

import pytest
from workflow_support import EAST

from townflow.runtime import errors


def _visit(**values) -> dict:
    return {
        "visit_date": "2026-02-20",
        "visit_type": "Home Visit",
        "visitor": "王敏",
        "findings": "孕妇情况良好",
        **values,
    }


@pytest.fixture
def record(world):
    return world.pregnancy(world.person(world.household(EAST)))


def _save_visits(wsite, record, *visits) -> dict:
    clerk = wsite.session("clerk.east")
    fresh = clerk.get("Pregnancy Record", record["name"])
    return clerk.save({**fresh, "visits": [*fresh["visits"], *visits]})


def test_a_visit_dated_next_year_is_refused(wsite, record):
    with pytest.raises(errors.ValidationError) as refused:
        _save_visits(wsite, record, _visit(), _visit(visit_date="2027-01-05"))
    assert refused.value.fields == ["visits[2].visit_date"]
    assert "row 2" in str(refused.value) and "future" in str(refused.value)
    stored = wsite.session("clerk.east").get("Pregnancy Record", record["name"])
    assert stored["visits"] == []  # nothing of the refused save is kept


def test_signed_without_a_signer_is_refused_and_unsigned_needs_none(wsite, record):
    with pytest.raises(errors.MandatoryError) as refused:
        _save_visits(wsite, record, _visit(family_signature=1))
    assert refused.value.fields == ["visits[1].signed_by"]
    saved = _save_visits(
        wsite, record, _visit(family_signature=0), _visit(family_signature=1, signed_by="李秀英")
    )
    assert [v["signed_by"] for v in saved["visits"]] == [None, "李秀英"]


def test_the_next_visit_must_follow_the_visit(wsite, record):
    with pytest.raises(errors.ValidationError) as refused:
        _save_visits(wsite, record, _visit(next_visit_date="2026-02-01"))
    assert refused.value.fields == ["visits[1].next_visit_date"]


def test_a_row_rule_reads_its_record_as_parent(wsite, record):
    """The record's last menstrual period is 2025-12-01: a visit before it is refused."""
    with pytest.raises(errors.ValidationError) as refused:
        _save_visits(wsite, record, _visit(visit_date="2025-11-20"))
    assert refused.value.fields == ["visits[1].visit_date"]
    assert "last menstrual period" in str(refused.value)
    assert len(_save_visits(wsite, record, _visit(visit_date="2025-12-01"))["visits"]) == 1
