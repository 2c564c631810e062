"""`townflow tick --site DIR [--now ISO]`: run what is due (step reminders and escalations,
certificate expiry). Idempotent, so cron may call it every few minutes."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from townflow.runtime.db import DB_FILENAME


def tick(args: argparse.Namespace) -> int:
    from townflow.runtime.site import Site
    from townflow.spec import load_project

    if not (Path(args.site) / DB_FILENAME).exists():
        print(f"no site at {args.site}", file=sys.stderr)
        return 2
    now = datetime.fromisoformat(args.now) if args.now else datetime.now()
    site = Site.open(args.site, load_project(args.project), with_fixtures=False)
    try:
        done = site.tick(now)
    finally:
        site.close()
    print(
        f"tick at {now:%Y-%m-%d %H:%M}: {done['reminded']} reminded, {done['escalated']} escalated, "
        f"{done['expired']} certificates expired; pregnancy follow-ups: {done.get('visits_opened', 0)} due, "
        f"{done.get('visits_escalated', 0)} escalated, {done.get('visits_closed', 0)} closed"
    )
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("tick", help="run due-time reminders, escalations and certificate expiry")
    parser.add_argument("--site", required=True, help="site folder (holding site.sqlite)")
    parser.add_argument("--now", help="the moment to run at, ISO format (default: now)")
    parser.set_defaults(func=tick)
