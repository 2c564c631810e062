"""QA findings as tests: each shows a bug the way a user of the township met it.

They reuse the real project's site and people from tests/runtime/workflow_support.py (a template
site copied per test), so a finding here is checked against the same doctypes and workflows the
township runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))

import workflow_support as support

real_project = support.real_project
template_site = support.template_site
wclock = support.wclock
wsite = support.wsite
world = support.world
