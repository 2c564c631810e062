"""Moved to `townflow.demodata.people`; this name stays importable for code written before the move."""

from townflow.demodata.people import *  # noqa: F403
