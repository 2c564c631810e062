"""`townflow build`: the generated tree equals the golden one, byte for byte, on every run; the
repository's committed app is what the spec generates (`--check`), and `--check` names what
differs — a changed file, a missing one, a stale one — while hand-written extension code is
never touched."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from townflow.cli import main
from townflow.compile import build_files, differences, write_tree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLE = HERE / "sample"
GOLDEN = HERE / "golden" / "sample_app"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_sample_project_compiles_to_the_golden_tree(sample_project):
    files = build_files(sample_project)
    if os.environ.get("TOWNFLOW_UPDATE_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        write_tree(GOLDEN, files)
    assert _tree(GOLDEN) == files, "set TOWNFLOW_UPDATE_GOLDEN=1 to accept an intended change"


def test_two_builds_are_byte_identical(sample_project, repo_project, tmp_path):
    from townflow.spec import load_project

    again = load_project(SAMPLE)
    assert build_files(sample_project) == build_files(again)
    first, second = tmp_path / "one", tmp_path / "two"
    assert main(["--project", str(ROOT), "build", "--out", str(first)]) == 0
    assert main(["--project", str(ROOT), "build", "--out", str(second)]) == 0
    assert _tree(first) == _tree(second)


def test_the_committed_app_is_what_the_spec_generates(repo_project):
    assert differences(ROOT / "apps" / "care_for_girls", build_files(repo_project)) == []


def test_check_lists_changed_missing_and_stale_files_and_spares_extension_code(
    sample_project, tmp_path, capsys
):
    out = tmp_path / "app"
    assert main(["--project", str(SAMPLE), "build", "--out", str(out)]) == 0
    assert main(["--project", str(SAMPLE), "build", "--out", str(out), "--check"]) == 0

    hooks = out / "care_for_girls" / "hooks.py"
    hooks.write_text(hooks.read_text() + "# edited by hand\n")
    (out / "care_for_girls" / "modules.txt").unlink()
    stale = out / "care_for_girls" / "aid" / "doctype" / "old_doctype" / "old_doctype.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    ext = out / "care_for_girls" / "townflow_ext" / "events.py"
    ext.parent.mkdir(parents=True)
    ext.write_text("# hand-written\n")
    capsys.readouterr()

    assert main(["--project", str(SAMPLE), "build", "--out", str(out), "--check"]) == 1
    err = capsys.readouterr().err
    assert "differs   care_for_girls/hooks.py" in err
    assert "missing   care_for_girls/modules.txt" in err
    assert "stale     care_for_girls/aid/doctype/old_doctype/old_doctype.json" in err
    assert "townflow_ext" not in err

    assert main(["--project", str(SAMPLE), "build", "--out", str(out)]) == 0
    assert not stale.exists()
    assert ext.read_text() == "# hand-written\n"
    assert main(["--project", str(SAMPLE), "build", "--out", str(out), "--check"]) == 0


def test_a_spec_error_fails_the_build_with_its_location(tmp_path, capsys):
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    path = project / "doctypes" / "aid_request.yaml"
    path.write_text(path.read_text().replace("fieldtype: Currency", "fieldtype: Money", 1))
    assert main(["--project", str(project), "build", "--out", str(tmp_path / "app")]) == 1
    assert "doctypes/aid_request.yaml:" in capsys.readouterr().err
    assert not (tmp_path / "app").exists()
