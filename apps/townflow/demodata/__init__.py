"""Demo and seed-profile data: a product of its own, beside `web/` (DESIGN.md).

- `people`: made-up but valid people (Chinese names, GB 11643 ID numbers, mobile numbers).
- `standard`: `townflow demo` — users for every role and applications in every workflow state.
- `flows`: the standard demo's applications, one per workflow state of each process.
- `seed`: `townflow demo --profile seed` — a township at the campaign report's figures.

Everything is written through the runtime's public API (Session, workflow engine), so the data
passed every rule real data passes.
"""
