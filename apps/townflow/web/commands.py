"""`townflow serve` and `townflow demo`: serve one site, and fill it with demo data.

    townflow serve --site sites/demo --host 127.0.0.1 --port 8000
    townflow demo --site sites/demo

A site is a folder (SQLite file and attachments) created on first start, with the fixtures
loaded and an Administrator whose password comes from TOWNFLOW_ADMIN_PASSWORD.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
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

    from townflow.web import serve_app

    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.INFO))
    serve_app.set_switch_interval(args.switch_interval)
    site = open_site(args.site, args.project)  # created (schema, fixtures) once, before any worker
    if not os.environ.get("TOWNFLOW_ADMIN_PASSWORD"):
        print("note: TOWNFLOW_ADMIN_PASSWORD is not set; a new site's Administrator got a random password")
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": args.access_log,
        "server_header": False,
        "proxy_headers": args.proxy_headers,
        "forwarded_allow_ips": "127.0.0.1" if args.proxy_headers else None,
        "http": args.http,
        "loop": args.loop,
    }
    workers = max(1, args.workers)
    where = f"{Path(args.site).resolve()} on http://{args.host}:{args.port}"
    print(f"townflow: serving {where}" + (f" with {workers} workers" if workers > 1 else ""), flush=True)
    if workers > 1:
        # each worker process opens the site itself (townflow.web.serve_app); the ticker runs here
        site.close()
        serve_app.configure(
            args.site, args.project, secure_cookies=args.secure_cookies, switch_interval=args.switch_interval
        )
        with _ticking(args, None):
            uvicorn.run(f"{serve_app.__name__}:create", factory=True, workers=workers, **options)
        return 0
    app = serve_app.build(site, secure_cookies=args.secure_cookies)
    try:
        with _ticking(args, site):
            uvicorn.run(app, **options)
    finally:
        site.close()
    return 0


@contextlib.contextmanager
def _ticking(args: argparse.Namespace, site: Any) -> Iterator[None]:
    """Due visits, escalations, certificate expiry: `townflow tick` beside the server."""
    if args.tick_interval <= 0:
        yield
        return
    from townflow.runtime.scheduler import PeriodicTick

    own = site is None
    if own:
        site = open_site(args.site, args.project)
    ticker = PeriodicTick(site, args.tick_interval).start()
    try:
        yield
    finally:
        ticker.stop()
        if own:
            site.close()


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


#: sys.setswitchinterval for the server, in ms (Python's default: 5 ms). Here, not in serve_app,
#: so building the CLI's parser imports nothing of the web extra (a base install has no starlette).
SWITCH_INTERVAL_MS = 5.0


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
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes on the one port (default 1): reads run in parallel on SQLite's WAL, "
        "writes take the database's write lock one at a time, each answered once durable",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log a line per request (off by default: it costs more than a cached read)",
    )
    serve.add_argument(
        "--http",
        choices=["auto", "httptools", "h11"],
        default="auto",
        help="HTTP parser (default auto: httptools when installed, as with the web extra)",
    )
    serve.add_argument(
        "--loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="event loop (default auto: uvloop when installed, as with the web extra)",
    )
    serve.add_argument(
        "--switch-interval",
        type=float,
        default=SWITCH_INTERVAL_MS,
        help="how long (ms) a thread may hold Python's GIL while another waits for it "
        "(sys.setswitchinterval; Python's default 5 ms)",
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
