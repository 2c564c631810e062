"""`townflow tick --site DIR --now ...` runs the due-time actions of a site from the command line."""

from __future__ import annotations

import workflow_support as support
from workflow_support import EAST, act

from townflow.cli import main


def test_tick_from_the_command_line_escalates_once(wsite, world, capsys):
    act(wsite, "clerk.east", world.certificate_application(EAST), "Submit")
    wsite.close()
    args = ["--project", str(support.ROOT), "tick", "--site", str(wsite.path), "--now", "2026-03-05T09:00"]
    assert main(args) == 0
    assert "1 reminded, 1 escalated, 0 certificates expired" in capsys.readouterr().out
    assert main(args) == 0
    assert "0 reminded, 0 escalated" in capsys.readouterr().out


def test_tick_without_a_site_says_so(tmp_path, capsys):
    assert main(["--project", str(support.ROOT), "tick", "--site", str(tmp_path / "none")]) == 2
    assert "no site" in capsys.readouterr().err
