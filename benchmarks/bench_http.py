"""The HTTP path against the engine: the real `townflow serve` process on a seeded site.

    python -m benchmarks --sizes 10000 --suites http          (part of `make bench`)
    python -m benchmarks.bench_http --size 10000 --port 8110   (this suite alone)
    python -m benchmarks.bench_http --size 100000 --mixed-only (only reads beside 50 writers)

Seeded sites are kept in `sites/bench-cache/http-<size>-<key>/` (`--cache DIR`, `--no-cache`):
the first run at a size seeds there (1,000,000 documents: about 7 minutes), later runs copy
the cached site to a temporary folder (seconds), so no run's writes reach the cache. The key
hashes the spec, benchmarks/seeding.py and `seed_site`: a change to any of them seeds anew.

A site is seeded (benchmarks/seeding.py: N Subsidy Applications with their workflow rows), each
call is first timed in this process through the runtime (the engine's own cost: the baseline),
then the site is served by `townflow serve` as a subprocess and the same calls are timed over
HTTP/1.1 with keep-alive connections, 1, 8 and 50 clients at a time, each on its own connection
with a cookie session from `/api/method/login` and the CSRF token sent on changes:

- get document       GET  /api/resource/Subsidy Application/<name>        (village clerk)
- list of 20         GET  /api/resource/Subsidy Application?fields=...    (village clerk, scoped)
- count              GET  /api/method/frappe.client.get_count             (village clerk, scoped)
- inbox + counts     GET  /api/method/townflow.api.inbox?tab=todo         (village head)
- insert             POST /api/resource/Subsidy Application               (village clerk)
- apply_workflow     POST /api/method/frappe.model.workflow.apply_workflow  ("Verify", village heads)

Then reads beside writers: 1, then 8 clients read the list of 20 while 50 clients take workflow
steps (the reads' latency while the group committer is busy).

Each row: p50 and p95 latency as the client saw it, requests per second over the run, the
in-process p50 beside it and the ratio HTTP p50 / in-process p50 (what HTTP, JSON and the
server add). The client is a small asyncio HTTP/1.1 client in this process (no per-request
library overhead to speak of); it shares the machine's cores with the server, as a real load
generator on the same box would.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import inspect
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests

from benchmarks import seeding
from benchmarks.baselines import percentiles
from townflow.runtime import inbox as inbox_module
from townflow.runtime import workflow

DEFAULT_PORT = 8110
PASSWORD = "Bench-pass-2026"
CLIENTS = (1, 8, 50)
READ_REQUESTS = {1: 200, 8: 400, 50: 1000}
#: apply_workflow consumes documents waiting for "Verify" (a tenth of the site); these are the
#: most a level takes, scaled down on small sites
WORKFLOW_REQUESTS = {1: 100, 8: 200, 50: 400}
INSERT_REQUESTS = {1: 100, 8: 200, 50: 400}
#: workflow steps taken by 50 clients while 1, then 8 clients read (kept aside from the levels'
#: share of the documents waiting for "Verify")
MIXED_STEPS = 300
MIXED_READERS = (1, 8)
IN_PROCESS_REPEATS = 200
IN_PROCESS_WRITES = 50
LIST_FIELDS = json.dumps(["name", "workflow_state", "modified"])


def _new_application() -> dict[str, Any]:
    return {
        "doctype": seeding.DOCTYPE,
        "household": "BH-00-0000",
        "applicant": "BP-00-0000",
        "benefit_kind": "Fee Waiver",
        "amount": 50,
        "registration_fee": 20,
        "treatment_fees": 500,
        "hospital_name": "县人民医院",
        "treatment_date": "2024-12-20",
    }


# -- the site ---------------------------------------------------------------------------------


#: where seeded sites are kept between runs (`--cache`), one folder per size (sites/ is ignored by git)
DEFAULT_CACHE = seeding.ROOT / "sites" / "bench-cache"


def _seed_key() -> str:
    """What a cached seed depends on: the spec and the seeding code. A change to either seeds anew
    (schema changes of the runtime alone are applied by Site.open's sync, as on a live site)."""
    digest = hashlib.sha256(inspect.getsource(seed_site).encode())
    files = [Path(seeding.__file__)]
    for folder in ("doctypes", "workflows", "fixtures", "reports"):
        files += sorted((seeding.ROOT / folder).rglob("*.yaml"))
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def seed_site(folder: Path, size: int) -> None:
    """A site with `size` applications and the bench users' passwords, in `folder`."""
    site = seeding.open_site(folder, seeding.Clock(seeding.START))
    try:
        seeding.seed(site, size)
        for i, _village in enumerate(seeding.villages(site)):
            site.users.set_password(f"head.{i}", PASSWORD)
        site.users.set_password("clerk.0", PASSWORD)
        site.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        site.close()


def seeded_copy(folder: Path, size: int, cache: Path | None) -> str:
    """Put a freshly seeded site in `folder`: seeded here, or copied from `cache` (seeded there
    first when missing, so a second run at the same size skips the seeding). Answers how."""
    if cache is None:
        seed_site(folder, size)
        return "seeded"
    kept = cache / f"http-{size}-{_seed_key()}"
    how = "copied from " + str(kept)
    if not (kept / "ready").exists():
        if kept.exists():
            shutil.rmtree(kept)
        seed_site(kept / "site", size)
        (kept / "ready").write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"))
        how = "seeded into " + str(kept)
    shutil.copytree(kept / "site", folder)
    return how


def prepare_site(folder: Path, size: int, cache: Path | None = None) -> dict[str, Any]:
    """Seed the site (or copy it from `cache`), time the calls in process; answers the
    in-process figures and the documents left waiting for "Verify" (name, village, modified)."""
    how = seeded_copy(folder, size, cache)
    # the clock moves on past the newest seeded document, as seeding.seed leaves it
    site = seeding.open_site(folder, seeding.Clock(seeding.START + timedelta(seconds=size + 60)))
    try:
        names = seeding.villages(site)
        heads = {v: f"head.{i}" for i, v in enumerate(names)}
        doc_name = site.db.scalar(
            'SELECT name FROM "tabSubsidy Application" WHERE village = ? ORDER BY name LIMIT 1', (names[0],)
        )
        clerk, head = site.session("clerk.0"), site.session("head.0")
        reads: dict[str, Callable[[], Any]] = {
            "get document": lambda: clerk.get(seeding.DOCTYPE, doc_name),
            "list of 20": lambda: clerk.get_list(
                seeding.DOCTYPE, fields=json.loads(LIST_FIELDS), limit_page_length=20
            ),
            "count": lambda: clerk.get_count(seeding.DOCTYPE),
            "inbox + counts": lambda: inbox_module.inbox(head, tab="todo", limit_page_length=20),
        }
        in_process = {label: _time(call, IN_PROCESS_REPEATS) for label, call in reads.items()}
        in_process["insert"] = _time(lambda: clerk.insert(_new_application()), IN_PROCESS_WRITES)
        pending = [
            dict(r)
            for r in site.db.fetchall(
                'SELECT name, village, modified FROM "tabSubsidy Application" WHERE workflow_state = ? '
                "ORDER BY name",
                ("Pending Village Verification",),
            )
        ]
        mine, pending = pending[:IN_PROCESS_WRITES], pending[IN_PROCESS_WRITES:]
        sessions = {user: site.session(user) for user in set(heads.values())}

        def verify(row: dict) -> None:
            doc = {"doctype": seeding.DOCTYPE, "name": row["name"], "modified": row["modified"]}
            workflow.apply_workflow(sessions[heads[row["village"]]], doc, "Verify")

        samples = []
        for row in mine:
            started = time.perf_counter()
            verify(row)
            samples.append(time.perf_counter() - started)
        in_process["apply_workflow"] = percentiles(samples)
        site.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        site.close()
    return {"in_process": in_process, "doc_name": doc_name, "pending": pending, "heads": heads, "how": how}


def _time(call: Callable[[], Any], repeats: int) -> tuple[float, float]:
    call()  # warm
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


# -- the server -------------------------------------------------------------------------------


@contextmanager
def serving(site_dir: Path, port: int, extra: tuple[str, ...] = ()) -> Iterator[tuple[str, int]]:
    """`townflow serve` on `site_dir` as a subprocess (what `make run` starts): its URL and pid."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:  # taken (another run): any free port will do
            with socket.socket() as free:
                free.bind(("127.0.0.1", 0))
                print(f"  http: port {port} is taken, serving on {free.getsockname()[1]}", file=sys.stderr)
                port = free.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "townflow.cli", "--project", str(seeding.ROOT), "serve"]
    command += ["--site", str(site_dir), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--tick-interval", "0", "--log-level", "warning", *extra]
    log = site_dir.parent / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=seeding.ROOT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"townflow serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(url + "/api/method/ping", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"townflow serve did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def login(url: str, user: str) -> tuple[str, str]:
    """A cookie session for `user`: its sid and CSRF token (asked for, so changes must send it)."""
    http = requests.Session()
    answer = http.post(url + "/api/method/login", data={"usr": user, "pwd": PASSWORD}, timeout=60)
    answer.raise_for_status()
    token = http.get(url + "/api/method/townflow.api.csrf_token", timeout=60).json()["message"]
    return http.cookies["sid"], token


# -- a small keep-alive HTTP/1.1 client -------------------------------------------------------


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def call(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        for line in lines[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            raise RuntimeError(f"answer without Content-Length: {head!r}")
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def build(method: str, path: str, sid: str, csrf: str, body: dict | None = None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sid={sid}\r\n"
    payload = b""
    if body is not None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        head += f"Content-Type: application/json\r\nX-Frappe-CSRF-Token: {csrf}\r\n"
    head += f"Content-Length: {len(payload)}\r\n\r\n"
    return head.encode("latin-1") + payload


def query(path: str, params: dict[str, str] | None = None) -> str:
    path = urllib.parse.quote(path)
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


async def _run_level(port: int, clients: int, total: int, next_request: Callable[[], bytes]) -> dict:
    connections = [await Connection.open(port) for _ in range(clients)]
    samples: list[float] = []
    errors: list[str] = []
    left = [total]

    async def client(conn: Connection) -> None:
        while left[0] > 0:
            left[0] -= 1
            request = next_request()
            started = time.perf_counter()
            status, body = await conn.call(request)
            samples.append(time.perf_counter() - started)
            if status != 200 and len(errors) < 3:
                errors.append(f"{status}: {body[:300].decode('utf-8', 'replace')}")

    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in connections))
    elapsed = time.perf_counter() - started
    for c in connections:
        c.close()
    if errors:
        raise RuntimeError("requests failed: " + " | ".join(errors))
    p50, p95 = percentiles(samples)
    return {"p50": p50, "p95": p95, "per_second": len(samples) / elapsed, "requests": len(samples)}


async def _run_mixed(
    port: int, read: bytes, readers: int, writers: int, steps: int, next_step: Callable[[], bytes]
) -> tuple[dict, dict]:
    """`readers` clients repeat `read` for as long as `writers` clients take `steps` workflow
    steps: the reads' latency while the writers hold the write lock in turn."""
    writing = asyncio.ensure_future(_run_level(port, writers, steps, next_step))
    connections = [await Connection.open(port) for _ in range(readers)]
    samples: list[float] = []

    async def reader(conn: Connection) -> None:
        while not writing.done():
            started = time.perf_counter()
            status, body = await conn.call(read)
            samples.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"read failed: {status}: {body[:300]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(reader(c) for c in connections))
    elapsed = time.perf_counter() - started
    for c in connections:
        c.close()
    p50, p95 = percentiles(samples)
    reads = {"p50": p50, "p95": p95, "per_second": len(samples) / elapsed, "requests": len(samples)}
    return reads, await writing


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process `pid` and its descendants (uvicorn's workers), from
    /proc: what the server spent, whatever else loads the machine. 0 where /proc is missing."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child))
    except (OSError, IndexError, ValueError):
        pass
    return total


def measure_http(
    url: str, prepared: dict, levels: tuple[int, ...] = CLIENTS, server_pid: int | None = None
) -> list[dict]:
    port = int(url.rsplit(":", 1)[1])
    clerk_sid, clerk_csrf = login(url, "clerk.0")
    head_sid, head_csrf = login(url, "head.0")
    doctype_path = f"/api/resource/{seeding.DOCTYPE}"
    reads = {
        "get document": build("GET", query(f"{doctype_path}/{prepared['doc_name']}"), clerk_sid, clerk_csrf),
        "list of 20": build("GET", query(doctype_path, {"fields": LIST_FIELDS}), clerk_sid, clerk_csrf),
        "count": build(
            "GET",
            query("/api/method/frappe.client.get_count", {"doctype": seeding.DOCTYPE}),
            clerk_sid,
            clerk_csrf,
        ),
        "inbox + counts": build(
            "GET", query("/api/method/townflow.api.inbox", {"tab": "todo"}), head_sid, head_csrf
        ),
    }
    reads_list = reads["list of 20"]
    insert = build("POST", query(doctype_path), clerk_sid, clerk_csrf, _new_application())
    heads = {user: login(url, user) for user in sorted(set(prepared["heads"].values()))}
    pending = list(prepared["pending"])
    share = {c: WORKFLOW_REQUESTS.get(c, 200) for c in levels}
    kept = min(len(pending) // 2, MIXED_STEPS * len(MIXED_READERS))  # for the reads beside writers
    scale = min(1.0, (len(pending) - kept) / max(1, sum(share.values())))

    def next_step() -> bytes:
        row = pending.pop(0)
        sid, csrf = heads[prepared["heads"][row["village"]]]
        doc = {"doctype": seeding.DOCTYPE, "name": row["name"], "modified": row["modified"]}
        return build(
            "POST",
            "/api/method/frappe.model.workflow.apply_workflow",
            sid,
            csrf,
            {"doc": doc, "action": "Verify"},
        )

    results = []

    def level(call: str, clients: int, total: int, next_request: Callable[[], bytes]) -> None:
        cpu = cpu_seconds(server_pid) if server_pid else 0.0
        r = asyncio.run(_run_level(port, clients, total, next_request))
        if server_pid:
            r["server_cpu_ms"] = (cpu_seconds(server_pid) - cpu) / r["requests"] * 1000
        results.append({"call": call, "clients": clients, **r})

    for clients in levels:
        for label, request in reads.items():
            level(label, clients, READ_REQUESTS.get(clients, 400), lambda req=request: req)
        level("insert", clients, INSERT_REQUESTS[clients], lambda: insert)
        steps = max(clients, int(share[clients] * scale))
        if len(pending) >= steps:
            level("apply_workflow", clients, steps, next_step)
    # reads while writers work: 1, then 8 clients read the list while 50 (or as many as documents
    # are left) take workflow steps; SQLite's WAL lets the readers go on beside the writer
    for readers in MIXED_READERS:
        writers = min(50, len(pending))
        if writers < 8:
            break
        steps = min(len(pending), MIXED_STEPS)
        reads, writes = asyncio.run(_run_mixed(port, reads_list, readers, writers, steps, next_step))
        results.append({"call": "list of 20", "clients": f"{readers} while {writers} write", **reads})
        results.append({"call": "apply_workflow", "clients": f"{writers} beside {readers} readers", **writes})
    return results


def _clients(clients: int | str) -> str:
    return clients if isinstance(clients, str) else f"{clients} client{'s' if clients > 1 else ''}"


def rows_for(size: int, in_process: dict, results: list[dict], load: tuple[float, float]) -> list[dict]:
    rows = [
        {
            "benchmark": "http: machine load (1-min average before / after)",
            "size": size,
            "value": f"{load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores",
            "baseline": "-",
            "ratio": "-",
        }
    ]
    for r in results:
        base_p50, base_p95 = in_process[r["call"]]
        rows.append(
            {
                "benchmark": f"http {r['call']}, {_clients(r['clients'])}",
                "size": size,
                "value": f"p50 {r['p50']:.2f} ms, p95 {r['p95']:.2f} ms, {r['per_second']:.0f}/s"
                + (f", server CPU {r['server_cpu_ms']:.2f} ms/req" if "server_cpu_ms" in r else ""),
                "baseline": f"in-process p50 {base_p50:.2f} ms, p95 {base_p95:.2f} ms",
                "ratio": f"{r['p50'] / base_p50:.1f}" if base_p50 else "-",
            }
        )
    return rows


def run(
    size: int,
    port: int = DEFAULT_PORT,
    serve_args: tuple[str, ...] = (),
    cache: Path | None = DEFAULT_CACHE,
    levels: tuple[int, ...] = CLIENTS,
    mixed_only: bool = False,
) -> list[dict]:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        site_dir = Path(folder) / "site"
        started = time.perf_counter()
        prepared = prepare_site(site_dir, size, cache)
        print(
            f"  http: site {prepared['how']}, timed in process, in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        with serving(site_dir, port, serve_args) as (url, pid):
            results = measure_http(url, prepared, levels=() if mixed_only else levels, server_pid=pid)
    return rows_for(size, prepared["in_process"], results, (load_before, os.getloadavg()[0]))


def main(argv: list[str] | None = None) -> int:
    from benchmarks.__main__ import table

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_http", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--serve-arg", action="append", default=[], help="passed on to `townflow serve`")
    parser.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"folder keeping seeded sites by size for the next run (default {DEFAULT_CACHE})",
    )
    parser.add_argument("--no-cache", action="store_true", help="seed a new site, keep nothing")
    parser.add_argument("--clients", default=",".join(map(str, CLIENTS)), help="client levels, e.g. 1,50")
    parser.add_argument("--mixed-only", action="store_true", help="only the reads beside 50 writing clients")
    args = parser.parse_args(argv)
    levels = tuple(int(c) for c in args.clients.split(",") if c)
    rows = run(
        args.size,
        args.port,
        tuple(args.serve_arg),
        cache=None if args.no_cache else args.cache,
        levels=levels,
        mixed_only=args.mixed_only,
    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
