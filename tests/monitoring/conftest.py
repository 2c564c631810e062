"""Fixtures: the real project's sites and people from tests/runtime/workflow_support.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))

from workflow_support import real_project, template_site, wclock, world, wsite  # noqa: F401
