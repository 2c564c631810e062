"""公示 and 年审 settings in the spec (issue 17): `public_notice` on a workflow state and
`reconfirmation` on a workflow are validated with pydantic and against the DocType, each error at
its file:line:col."""

from __future__ import annotations

import pytest

from townflow.spec import load_project

from .conftest import BASE, spec_errors, write_project

W = "workflows/application.yaml"
STEP = "    step: {assignee_role: Approver}\n"
NOTICE = STEP + (
    "    public_notice:\n"
    "      posted_at: village\n"
    "      window_days: 5\n"
    "      fields:\n"
    "        - {field: applicant, mask: name}\n"
    "        - {field: village}\n"
    "        - {field: amount}\n"
)


def _errors(tmp_path, *replacements):
    errors = spec_errors(tmp_path, W, STEP, NOTICE, *replacements)
    return [(e.location, e.path, e.message) for e in errors]


def test_a_valid_public_notice_loads(tmp_path):
    files = {**BASE, W: BASE[W].replace(STEP, NOTICE, 1)}
    project = load_project(write_project(tmp_path, files))
    notice = project.workflows["Application"].state("Pending").public_notice
    assert (notice.posted_at, notice.window_days) == ("village", 5)
    assert [(f.field, f.mask) for f in notice.fields] == [
        ("applicant", "name"),
        ("village", "none"),
        ("amount", "none"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "{field: applicant, mask: name}",
            "{field: applicant, mask: middle}",
            [
                (
                    f"{W}:13:36",
                    "states[1].public_notice.fields[0].mask",
                    "Input should be 'none', 'name', 'surname', 'phone', 'id_number' or 'full'",
                )
            ],
        ),
        (
            "{field: applicant, mask: name}",
            "{field: applicant_nam, mask: name}",
            [
                (
                    f"{W}:13:19",
                    "states[1].public_notice.fields[0].field",
                    "Application has no field 'applicant_nam'",
                )
            ],
        ),
        (
            "window_days: 5",
            "window_days: 0",
            [(f"{W}:11:20", "states[1].public_notice.window_days", "Input should be greater than 0")],
        ),
        (
            "posted_at: village",
            "posted_at: county",
            [(f"{W}:10:18", "states[1].public_notice.posted_at", "Input should be 'village' or 'township'")],
        ),
        (
            "window_days: 5",
            "window_days: 5\n      windows: 3",
            [
                (
                    f"{W}:12:7",
                    "states[1].public_notice.windows",
                    "unknown key (not part of the spec; check its spelling and indentation)",
                )
            ],
        ),
    ],
)
def test_bad_public_notice_settings_are_errors_at_their_line(tmp_path, old, new, expected):
    assert _errors(tmp_path, old, new) == expected


def test_a_reconfirmation_names_a_date_field_and_states(tmp_path):
    extra = (
        "reconfirmation:\n"
        "  date_field: amount\n"
        "  states: [Approved, Paid]\n"
        "  task_doctype: Village\n"
        "  stopped_state: Rejected\n"
    )
    errors = spec_errors(tmp_path, W, "applicant_state: Draft\n", "applicant_state: Draft\n" + extra)
    assert [(e.location, e.path, e.message) for e in errors] == [
        (f"{W}:17:15", "reconfirmation.date_field", "'amount' is not a Date field of Application"),
        (f"{W}:18:22", "reconfirmation.states[1]", "'Paid' is not a state of this workflow"),
    ]


def test_personal_data_cannot_be_posted_unmasked(tmp_path):
    """The real Subsidy Application: its ID number (sensitive, permlevel 1) shown as stored is refused."""
    import shutil
    from pathlib import Path

    from townflow.spec import SpecErrors

    root = Path(__file__).resolve().parents[2]
    for folder in ("doctypes", "workflows", "fixtures", "reports"):
        shutil.copytree(root / folder, tmp_path / folder)
    path = tmp_path / "workflows/subsidy_application.yaml"
    text = path.read_text(encoding="utf-8")
    posted = "        - {field: head_name, mask: name}\n"
    assert posted in text
    path.write_text(text.replace(posted, "        - {field: applicant_id_number}\n", 1), encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        load_project(tmp_path)
    [error] = caught.value.errors
    line = next(
        n
        for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "applicant_id_number" in t
    )
    assert (error.location, error.message) == (
        f"workflows/subsidy_application.yaml:{line}:11",
        "'applicant_id_number' is personal data (sensitive or permlevel 1): give it a mask",
    )
