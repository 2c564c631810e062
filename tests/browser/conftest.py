"""Browser tests: Debian's chromium driven by Playwright against a live `townflow serve`.

The site is made the way `make run` makes it: `townflow demo --site DIR` (demo users with
password "demo", households in every village, applications in every state), then
`townflow serve` on a free loopback port as a subprocess. Playwright never downloads a browser:
it launches /usr/bin/chromium (installed by `make browser`: apt-get install chromium
fonts-noto-cjk). Screenshots of the main pages go to test-output/screenshots/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output" / "screenshots"
ADMIN_PASSWORD = "admin-browser-test"
DEMO_PASSWORD = "demo"
DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}  # a phone held upright (iPhone 12-15 class)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    site_dir: Path
    log: Path


def _townflow(*args: str) -> list[str]:
    return [sys.executable, "-m", "townflow.cli", "--project", str(ROOT), *args]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("browser")
    site_dir = base / "site"
    log = base / "serve.log"
    env = {**os.environ, "TOWNFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD}
    demo = subprocess.run(
        _townflow("demo", "--site", str(site_dir)),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            _townflow("serve", "--site", str(site_dir), "--host", "127.0.0.1", "--port", str(port)),
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"townflow serve exited: {log.read_text()[-3000:]}")
            try:
                if requests.get(f"{url}/login", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"townflow serve did not start: {log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield LiveServer(url=url, site_dir=site_dir, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's chromium is missing: run `make browser` (apt-get install chromium fonts-noto-cjk)"
        )
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class Actor:
    """One person at one browser window: a fresh context (own cookies) per user."""

    def __init__(self, browser: object, server: LiveServer, shots: Path):
        self.browser = browser
        self.server = server
        self.shots = shots
        self.context = None
        self.page = None
        self.dialogs: list[tuple[str, str]] = []  # (type, message) of every dialog the pages asked
        self.dialog_answer = True  # confirmations are accepted unless a test says otherwise

    def _answer(self, dialog) -> None:
        self.dialogs.append((dialog.type, dialog.message))
        if self.dialog_answer:
            dialog.accept()
        else:
            dialog.dismiss()

    def login(
        self, user: str, password: str = DEMO_PASSWORD, *, shot: str | None = None, phone: bool = False
    ):
        if self.context is not None:
            self.context.close()
        size = PHONE if phone else DESKTOP
        self.context = self.browser.new_context(
            viewport=size, locale="zh-CN", is_mobile=phone, has_touch=phone, device_scale_factor=1
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.page.on("dialog", self._answer)
        self.page.goto(f"{self.server.url}/login")
        self.page.fill("input[name=usr]", user)
        self.page.fill("input[name=pwd]", password)
        if shot:
            self.shot(shot)
        self.page.click("button[type=submit]")
        # township roles land on the campaign dashboard, everyone else on the forms home
        self.page.wait_for_url(re.compile(re.escape(self.server.url) + r"/app(/dashboard)?$"))
        return self.page

    def goto(self, path: str):
        self.page.goto(f"{self.server.url}{path}")
        return self.page

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
            self.context = None


@pytest.fixture
def actor(browser: object, live_server: LiveServer, screenshots: Path) -> Iterator[Actor]:
    person = Actor(browser, live_server, screenshots)
    try:
        yield person
    finally:
        person.close()
