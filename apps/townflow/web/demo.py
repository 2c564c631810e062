"""Moved to `townflow.demodata.standard`; this name stays importable for code written before the move."""

from townflow.demodata.standard import *  # noqa: F403
