"""Fixtures of the compiler tests: the sample project, a built tree, and the web tests' live site."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from townflow.spec import load_project

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLE = HERE / "sample"
GOLDEN = HERE / "golden" / "sample_app"

# The golden tree is a generated Frappe app: its test_*.py files import frappe and are not ours.
collect_ignore_glob = ["golden/*"]


def _web_fixtures():
    """The embedded runtime served as `make run` serves it (tests/web/conftest.py, the web
    engineer's fixture), loaded by path because tests/ is not a package."""
    spec = importlib.util.spec_from_file_location(
        "townflow_tests_web_conftest", ROOT / "tests/web/conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


live_site = _web_fixtures().live_site


@pytest.fixture(scope="session")
def sample_project():
    return load_project(SAMPLE)


@pytest.fixture(scope="session")
def repo_project():
    return load_project(ROOT)
