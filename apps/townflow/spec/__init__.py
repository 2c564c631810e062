"""The spec layer: pydantic models, YAML loading with positions, and whole-project checks."""

from townflow.spec.errors import SpecError, SpecErrors
from townflow.spec.project import Project, load_project

__all__ = ["Project", "SpecError", "SpecErrors", "load_project"]
