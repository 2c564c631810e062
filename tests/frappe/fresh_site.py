"""TOWNFLOW_FRAPPE_FRESH_SITE=1: the suite runs on a site created just before it, one that was
used before the app was linked into the bench (docs/frappe.md, "Deploying").

Before the deploy: the site is dropped and created again (`bench drop-site`, `bench new-site`
with TOWNFLOW_FRAPPE_DB_ROOT_PASSWORD and Administrator's password), the app is unlinked from
the bench (apps/care_for_girls and its line in sites/apps.txt) and the site runs a bench command
and answers a request, so it caches a module map without the app. The deploy then links the app
again and installs it: what failed before deploy cleared the cache first. Run the suite a second
time without the variable to run it again on the same site (idempotent deploys and migrates)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import requests

APP = "care_for_girls"


def _bench(bench: Path, *args: str) -> None:
    command = os.environ.get("TOWNFLOW_FRAPPE_BENCH_CMD") or "bench"
    done = subprocess.run([command, *args], cwd=bench, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, (
        f"bench {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    )


def recreate(bench: Path, site: str, url: str, admin_password: str) -> None:
    root = os.environ.get("TOWNFLOW_FRAPPE_DB_ROOT_PASSWORD")
    assert root, "TOWNFLOW_FRAPPE_FRESH_SITE=1 needs TOWNFLOW_FRAPPE_DB_ROOT_PASSWORD (MariaDB's root)"
    user = os.environ.get("TOWNFLOW_FRAPPE_DB_ROOT_USER", "root")
    if (bench / "sites" / site).exists():
        _bench(
            bench,
            "drop-site",
            site,
            "--force",
            "--no-backup",
            "--db-root-username",
            user,
            "--db-root-password",
            root,
        )
    link, apps_txt = bench / "apps" / APP, bench / "sites" / "apps.txt"
    if link.is_symlink():
        link.unlink()
    listed = apps_txt.read_text().splitlines()
    apps_txt.write_text("".join(f"{line}\n" for line in listed if line.strip() != APP))
    _bench(
        bench,
        "new-site",
        site,
        "--admin-password",
        admin_password,
        "--db-root-username",
        user,
        "--mariadb-root-password",
        root,
    )
    _bench(bench, "--site", site, "set-config", "-p", "throttle_user_limit", "100000")
    _bench(bench, "--site", site, "list-apps")  # used before the app is linked: its module map cached
    requests.get(f"{url}/api/method/ping", timeout=60)
