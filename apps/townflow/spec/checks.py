"""Whole-project checks: what no single file can know (filled in below)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from townflow.spec.errors import SpecError

if TYPE_CHECKING:
    from townflow.spec.project import Project


def check_project(project: Project) -> list[SpecError]:
    return []
