"""`townflow deploy` says what is wrong before it touches a bench (tests/frappe runs a real deploy)."""

from __future__ import annotations

from pathlib import Path

from townflow.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _fake_bench(root: Path, site: str | None = "town.test") -> Path:
    (root / "apps" / "frappe").mkdir(parents=True)
    (root / "env" / "bin").mkdir(parents=True)
    (root / "env" / "bin" / "python").write_text("")
    if site:
        (root / "sites" / site).mkdir(parents=True)
        (root / "sites" / site / "site_config.json").write_text("{}")
    return root


def test_a_folder_that_is_not_a_bench_is_refused(tmp_path, capsys):
    assert main(["--project", str(ROOT), "deploy", "--bench", str(tmp_path), "--site", "town.test"]) == 1
    assert "is not a bench" in capsys.readouterr().err


def test_a_missing_site_is_refused(tmp_path, capsys):
    bench = _fake_bench(tmp_path / "bench", site=None)
    assert main(["--project", str(ROOT), "deploy", "--bench", str(bench), "--site", "town.test"]) == 1
    assert "site 'town.test' does not exist" in capsys.readouterr().err


def test_an_unbuilt_app_is_refused(tmp_path, capsys):
    bench = _fake_bench(tmp_path / "bench")
    argv = ["--project", str(ROOT), "deploy", "--bench", str(bench), "--site", "town.test"]
    assert main([*argv, "--app", str(tmp_path / "nothing")]) == 1
    assert "run `townflow build` first" in capsys.readouterr().err


def test_a_missing_bench_command_is_named(tmp_path, capsys):
    bench = _fake_bench(tmp_path / "bench")
    argv = ["--project", str(ROOT), "deploy", "--bench", str(bench), "--site", "town.test"]
    assert main([*argv, "--bench-cmd", str(tmp_path / "no-such-bench")]) == 1
    assert "`bench` command" in capsys.readouterr().err


def test_a_bench_owned_by_another_user_is_deployed_as_that_user_or_refused(tmp_path, monkeypatch):
    import os
    import pwd

    import pytest

    from townflow.compile.bench_owner import OwnerError, bench_owner

    nobody = pwd.getpwnam("nobody")
    bench = tmp_path / "bench"
    bench.mkdir()
    os.chown(bench, nobody.pw_uid, nobody.pw_gid)
    monkeypatch.setattr(os, "geteuid", lambda: 0)  # root: pip and bench run as the owner
    owner = bench_owner(bench)
    assert (owner.name, owner.switch) == ("nobody", True)
    assert owner.as_owner(["pip", "install"])[-2:] == ["pip", "install"]
    assert "nobody" in owner.as_owner(["pip"])
    monkeypatch.setattr(os, "geteuid", lambda: nobody.pw_uid + 1)  # someone else: refused
    with pytest.raises(OwnerError, match=r"belongs to nobody.*run townflow deploy as nobody"):
        bench_owner(bench)


def test_a_failed_step_shows_this_projects_frames():
    from townflow.compile.deploy import project_frames

    output = "\n".join(
        [
            "Traceback (most recent call last):",
            '  File "/bench/apps/frappe/frappe/installer.py", line 1, in install_app',
            "    frappe.get_attr(after_install)()",
            '  File "/b/apps/care_for_girls/care_for_girls/townflow_ext/install.py", line 9, in x',
            "    _indexes()",
            '  File "/bench/env/lib/pymysql/err.py", line 150, in raise_mysql_exception',
            "pymysql.err.ProgrammingError: (1146, \"Table 'x.tabTownflow Task' doesn't exist\")",
        ]
    )
    frames = project_frames(output)
    assert "townflow_ext/install.py" in frames and "_indexes()" in frames
    assert "pymysql" not in frames and "installer.py" not in frames
