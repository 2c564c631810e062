"""A write the group committer answered is in the database even when the process is killed right
after: answers come only after the COMMIT (and the WAL flush), never before. Four threads write
audit rows through `Site.durably` in a child process; the test kills it with SIGKILL mid-stream
and reopens the site."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import workflow_support as support

from townflow.runtime.site import Site

WRITER = textwrap.dedent(
    """
    import sys, threading
    from townflow.runtime.site import Site
    from townflow.spec import load_project

    site = Site.open(sys.argv[1], load_project(sys.argv[2]))
    site.use_group_commit()  # as the web server does
    printing = threading.Lock()

    def write(worker):
        n = 0
        while True:
            user = f"crash.{worker}.{n}"
            site.durably(lambda: site.audit.record("login", user))
            with printing:
                print(user, flush=True)  # answered: it must survive what comes next
            n += 1

    for worker in range(4):
        threading.Thread(target=write, args=(worker,), daemon=True).start()
    threading.Event().wait()
    """
)


def test_every_answered_write_survives_a_kill(wsite, tmp_path, real_project):
    folder = wsite.path
    wsite.close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(script), str(folder), str(support.ROOT)],
        stdout=subprocess.PIPE,
        text=True,
    )
    answered: list[str] = []
    try:
        for line in child.stdout:
            answered.append(line.strip())
            if len(answered) >= 400:
                break
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        child.stdout.close()
    assert len(answered) >= 400, "the writer stopped early"

    reopened = Site.open(folder, real_project)
    try:
        rows = reopened.db.fetchall("SELECT user FROM __audit_log WHERE action = 'login'")
        stored = {r["user"] for r in rows}
        assert set(answered) <= stored
        assert reopened.audit.verify().ok  # the chain is whole: nothing half-written
    finally:
        reopened.close()
