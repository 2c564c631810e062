"""`pip install townflow` without extras: check, build, deploy, push and pull run; serve and demo
say in one line which extra to install.

Offline, as CI runs it: townflow's wheel is built from a copy of this checkout's sources (`pip wheel --no-deps
--no-build-isolation`, with the test venv's setuptools and wheel), the base requirements
(pydantic, PyYAML, requests, ruamel.yaml and theirs) are copied from this venv's installed
distributions into a fresh venv, and the wheel is installed there with `--no-index --no-deps`.
Nothing of the web or runtime extras is in that venv."""

from __future__ import annotations

import importlib.metadata as md
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from townflow.compile.deploy import copy_engine_sources

ROOT = Path(__file__).resolve().parents[2]


def _base_distributions() -> list[md.Distribution]:
    """townflow's install_requires and what they require, as installed here (no extras)."""
    seen: dict[str, md.Distribution] = {}
    todo = [Requirement(r) for r in md.requires("townflow") or []]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        dist = md.distribution(req.name)
        key = dist.metadata["Name"].lower()
        if key in seen:
            continue
        seen[key] = dist
        todo += [Requirement(r) for r in dist.requires or []]
    return list(seen.values())


def _copy_into(dist: md.Distribution, site_packages: Path) -> None:
    for file in dist.files or []:
        if file.parts[0] == ".." or "__pycache__" in file.parts:
            continue  # console scripts and bytecode
        source = Path(dist.locate_file(file))
        if source.is_file():
            target = site_packages / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@pytest.fixture(scope="module")
def base_venv(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("base-install")
    wheels, sources = tmp / "wheels", tmp / "townflow"
    copy_engine_sources(ROOT, sources)  # setuptools builds in the source tree: not in this checkout
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*build, "-w", str(wheels), str(sources)], check=True, cwd=tmp)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert purelib != sysconfig.get_paths()["purelib"]
    for dist in _base_distributions():
        _copy_into(dist, Path(purelib))
    wheel = next(wheels.glob("townflow-*.whl"))
    install = [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", str(wheel)]
    subprocess.run(install, check=True)
    return venv


def _townflow(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(venv / "bin" / "townflow"), "--project", str(ROOT), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_the_base_venv_holds_no_extra(base_venv):
    extras = "('argon2', 'fastapi', 'uvicorn', 'jinja2')"
    probe = f"import importlib.util as u; print([m for m in {extras} if u.find_spec(m)])"
    out = subprocess.run([str(base_venv / "bin" / "python"), "-c", probe], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_check_and_build_run_without_extras(base_venv, tmp_path):
    checked = _townflow(base_venv, "check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    built = _townflow(base_venv, "build", "--check", cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr


def test_deploy_push_and_pull_run_without_extras(base_venv, tmp_path):
    """They get as far as their own checks (no bench here, no site answering)."""
    deploy = _townflow(base_venv, "deploy", "--bench", str(tmp_path), "--site", "x.test", cwd=tmp_path)
    assert (deploy.returncode, "is not a bench" in deploy.stderr) == (1, True), deploy.stderr
    for command in ("push", "pull"):
        done = _townflow(base_venv, command, "--url", "http://127.0.0.1:9", "--token", "k:s", cwd=tmp_path)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr and "ModuleNotFoundError" not in done.stderr, done.stderr


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_serve_and_demo_name_the_web_extra_in_one_line(base_venv, tmp_path, command):
    done = _townflow(base_venv, command, "--site", str(tmp_path / "site"), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'townflow[web]'" in lines[0], done.stderr
