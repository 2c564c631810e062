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
