"""`townflow serve` and `townflow demo`: serve one site, and fill it with demo data.

    townflow serve --site sites/demo --host 127.0.0.1 --port 8000
    townflow demo --site sites/demo

A site is a folder (SQLite file and attachments) created on first start, with the fixtures
loaded and an Administrator whose password comes from TOWNFLOW_ADMIN_PASSWORD.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any


def open_site(site_dir: str | Path, project_root: str | Path) -> Any:
    """Load the spec and open (or create) the site; spec errors are printed, then exit 1."""
    from townflow.runtime.site import Site
    from townflow.spec.commands import load_project_or_report

    project = load_project_or_report(project_root)
    if project is None:
        raise SystemExit(1)
    return Site.open(site_dir, project)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from townflow.web.app import create_app
    from townflow.web.security import WebSettings

    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.INFO))
    site = open_site(args.site, args.project)
    if not os.environ.get("TOWNFLOW_ADMIN_PASSWORD"):
        print("note: TOWNFLOW_ADMIN_PASSWORD is not set; a new site's Administrator got a random password")
    app = create_app(site, settings=WebSettings(secure_cookies=args.secure_cookies))
    print(f"townflow: serving {Path(args.site).resolve()} on http://{args.host}:{args.port}", flush=True)
    ticker = None
    if (
        args.tick_interval > 0
    ):  # due visits, escalations, certificate expiry: `townflow tick` beside the server
        from townflow.runtime.scheduler import PeriodicTick

        ticker = PeriodicTick(site, args.tick_interval).start()
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            server_header=False,
            proxy_headers=args.proxy_headers,
            forwarded_allow_ips="127.0.0.1" if args.proxy_headers else None,
        )
    finally:
        if ticker is not None:
            ticker.stop()
        site.close()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from townflow.demodata.standard import load_demo

    if getattr(args, "profile", "standard") == "seed":
        return run_seed_demo(args)
    site = open_site(args.site, args.project)
    try:
        report = load_demo(site, households_per_village=args.households, out=sys.stdout)
    finally:
        site.close()
    print(report)
    return 0


def run_seed_demo(args: argparse.Namespace) -> int:
    """`townflow demo --profile seed`: the site runs on a settable clock while history is replayed."""
    from datetime import datetime

    from townflow.demodata.seed import load_seed
    from townflow.runtime.clock import SteppingClock
    from townflow.runtime.site import Site
    from townflow.spec.commands import load_project_or_report

    project = load_project_or_report(args.project)
    if project is None:
        return 1
    clock = SteppingClock(datetime.now())
    site = Site.open(args.site, project, now=clock)
    try:
        report = load_seed(site, clock, out=sys.stdout)
    finally:
        site.close()
    print(report)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="serve one site: web pages and the REST API")
    serve.add_argument("--site", required=True, help="site folder (created on first start)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument(
        "--secure-cookies",
        action="store_true",
        help="mark the session cookie Secure (when served over HTTPS)",
    )
    serve.add_argument(
        "--proxy-headers", action="store_true", help="trust X-Forwarded-For from a proxy on 127.0.0.1"
    )
    serve.add_argument(
        "--tick-interval",
        type=float,
        default=300,
        help="run `tick` (due visits, escalations, expiry) every this many seconds; 0: never (default 300)",
    )
    serve.set_defaults(func=run_serve)

    demo = subparsers.add_parser("demo", help="load demo users, households and applications (idempotent)")
    demo.add_argument("--site", required=True, help="site folder (created if missing)")
    demo.add_argument("--households", type=int, default=4, help="households per village (default 4)")
    demo.add_argument(
        "--profile",
        choices=["standard", "seed"],
        default="standard",
        help="standard: applications in every workflow state; seed: the campaign report's township "
        "(five years of households, births and granted benefits at the seed's figures)",
    )
    demo.set_defaults(func=run_demo)
