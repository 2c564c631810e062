"""Moved to `townflow.demodata.flows`; this name stays importable for code written before the move."""

from townflow.demodata.flows import *  # noqa: F403
