"""Registers in and out: Excel/CSV import and export over the runtime write path (issue 15)."""
