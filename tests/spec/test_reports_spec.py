"""reports/: reports, number cards and charts are spec, checked like DocTypes (file:line:col)."""

from __future__ import annotations

from pathlib import Path

import pytest

from townflow.spec import load_project

from .conftest import BASE, spec_errors, write_project

REPORT = """\
report_name: Applications by Village
label: {zh: 各村申请, en: Applications by Village}
sources:
  - doctype: Application
    condition: doc.kind == "A"
filters:
  - {fieldname: village, label: {zh: 村, en: Village}, fieldtype: Link, options: Village}
dimensions:
  - {name: village, label: {zh: 村, en: Village}, fieldtype: Link, options: Village}
group_by: [village]
measures:
  - {name: total, label: {zh: 件数, en: Count}, aggregate: count}
  - {name: big, label: {zh: 大额, en: Big}, aggregate: count, condition: doc.amount > 100}
  - name: big_share
    label: {zh: 大额占比, en: Big Share}
    ratio: {numerator: big, denominator: total, scale: 100}
    fieldtype: Percent
roles: [Approver]
"""

DASHBOARD = """\
dashboard_name: Home
label: {zh: 首页, en: Home}
roles: [Approver]
number_cards:
  - name: Big Share
    label: {zh: 大额占比, en: Big Share}
    report: Applications by Village
    measure: big_share
charts:
  - name: By Village
    label: {zh: 各村, en: By Village}
    report: Applications by Village
    measures: [total]
    group_by: village
reports: [Applications by Village]
"""

FILES = {"reports/applications_by_village.yaml": REPORT, "reports/home.yaml": DASHBOARD}


def _errors(tmp_path: Path, file: str, old: str, new: str) -> list[str]:
    found = spec_errors(tmp_path, file, old, new, extra=FILES)
    return [f"{e.file}:{e.line}:{e.col}: {e.message}" for e in found]


def test_reports_load_into_the_project(tmp_path):
    project = load_project(write_project(tmp_path, {**BASE, **FILES}))
    report = project.reports["Applications by Village"]
    assert [m.name for m in report.measures] == ["total", "big", "big_share"]
    assert report.measure("big_share").ratio.scale == 100
    assert list(project.number_cards) == ["Big Share"]
    assert list(project.charts) == ["By Village"]
    assert [r.report_name for r in project.reports_for({"Approver"})] == ["Applications by Village"]
    assert project.reports_for({"Clerk"}) == []


def test_the_real_project_declares_the_six_campaign_reports():
    project = load_project(Path(__file__).resolve().parents[2])
    assert set(project.reports) >= {
        "Sex Ratio at Birth",
        "Two-Girl Household Share",
        "Benefit Tally",
        "Department Timeliness",
        "Certificate Outcomes",
        "Village Completeness",
    }
    ratio = project.reports["Sex Ratio at Birth"].measure("sex_ratio")
    assert ratio.target.setting == "sex_ratio_target" and ratio.target.compare == "at_most"
    assert project.settings["sex_ratio_target"] == 106


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "reports/applications_by_village.yaml",
            "doctype: Application",
            "doctype: Aplication",
            "reports/applications_by_village.yaml:4:14: DocType 'Aplication' is not declared",
        ),
        (
            "reports/applications_by_village.yaml",
            "doc.amount > 100",
            "doc.amont > 100",
            "reports/applications_by_village.yaml:13:72: expression reads doc.amont, which source "
            "Application does not have",
        ),
        (
            "reports/applications_by_village.yaml",
            "roles: [Approver]",
            "roles: [Aprover]",
            "reports/applications_by_village.yaml:18:9: role 'Aprover' is not declared",
        ),
        (
            "reports/applications_by_village.yaml",
            "numerator: big,",
            "numerator: bigg,",
            "reports/applications_by_village.yaml:16:24: 'bigg' is not an aggregate measure",
        ),
        (
            "reports/applications_by_village.yaml",
            "group_by: [village]",
            "group_by: [villag]",
            "reports/applications_by_village.yaml:10:12: 'villag' is not one of the report's dimensions",
        ),
        (
            "reports/applications_by_village.yaml",
            "aggregate: count}\n",
            "aggregate: sum}\n",
            "reports/applications_by_village.yaml:12:58: measure 'total': aggregate sum needs a column",
        ),
        (
            "reports/home.yaml",
            "measure: big_share",
            "measure: big_shar",
            "reports/home.yaml:8:14: report 'Applications by Village' has no measure 'big_shar'",
        ),
        (
            "reports/home.yaml",
            "group_by: village\n",
            "group_by: year\n",
            "reports/home.yaml:14:15: report 'Applications by Village' has no dimension 'year'",
        ),
    ],
)
def test_report_errors_point_at_the_line(tmp_path, file, old, new, expected):
    errors = _errors(tmp_path, file, old, new)
    assert any(e.startswith(expected) for e in errors), errors
