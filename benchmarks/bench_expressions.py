"""Microseconds per expression evaluation: the compiled closures against the tree interpreter.

The expressions are the real ones a Subsidy Application save evaluates on the server: each rule's
`when` and, where it holds, its `condition` (as runtime/validation.py does), over one document of
each benefit kind so that every rule's condition runs. `exists`/`count` are stand-ins answering at
once (no database), so the figures are the expression language's own cost. Both evaluators run
the same expressions, alternating run by run on this shared, noisy machine; each run is one median
sample, and the table gives the median and p95 of the runs.

    PYTHONPATH=. .venv/bin/python -m benchmarks.bench_expressions
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from townflow.expr import parse
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parent.parent
RUNS = 101
PASSES = 200  # over every (document, rule) pair, per run
BENEFIT_KINDS = [
    "One-time Reward",
    "Interest-subsidised Loan",
    "Low-income Relief",
    "Pension Increase",
    "Only-child Insurance",
    "Fee Waiver",
]


def _documents() -> list[dict]:
    base = {
        "doctype": "Subsidy Application",
        "name": "SA-2024-00001",
        "household": "HH-0001",
        "applicant": "P-0001",
        "amount": 1000,
        "household_type": "One-girl",
        "is_girl_household": 1,
        "second_child_entitled": 1,
        "one_girl_pledge": 1,
        "residence_type": "Rural",
        "income_status": "Normal",
        "only_child_certificate_no": "",
        "registration_fee": 20,
        "treatment_fees": 500,
        "workflow_state": "Pending Village Verification",
    }
    return [{**base, "benefit_kind": kind} for kind in BENEFIT_KINDS]


def _context(settings: dict) -> dict:
    return {
        "user": "head.0",
        "roles": ["Village Head"],
        "today": "2024-12-21",
        "now": "2024-12-21 10:00:00",
        "settings": settings,
    }


def _functions() -> dict:
    return {"exists": lambda doctype, **filters: False, "count": lambda doctype, **filters: 0}


def _pass(rules, contexts, functions, method: str) -> int:
    """Every rule over every document, as validation runs them; the number of evaluations."""
    evaluations = 0
    for context in contexts:
        for when, condition in rules:
            evaluations += 1
            if when is not None and not getattr(when, method)(context, functions):
                continue
            evaluations += 1
            getattr(condition, method)(context, functions)
    return evaluations


def measure(root: Path = ROOT) -> dict[str, dict[str, float]]:
    project = load_project(root)
    doctype = project.doctype("Subsidy Application")
    rules = [(parse(r.when) if r.when else None, parse(r.condition)) for r in doctype.rules]
    contexts = [{**_context(project.settings), "doc": doc} for doc in _documents()]
    functions = _functions()
    samples: dict[str, list[float]] = {"interpret": [], "evaluate": []}
    for method in samples:  # warm up: compiles the closures, fills caches
        _pass(rules, contexts, functions, method)
    for _ in range(RUNS):
        for method, times in samples.items():
            started = time.perf_counter()
            evaluations = sum(_pass(rules, contexts, functions, method) for _ in range(PASSES))
            times.append((time.perf_counter() - started) / evaluations * 1e6)
    return {
        method: {
            "median_us": statistics.median(times),
            "p95_us": statistics.quantiles(times, n=20)[-1],
            "evaluations_per_pass": evaluations // PASSES,
        }
        for method, times in samples.items()
    }


def rows() -> list[dict]:
    """Rows for the benchmarks table: the compiled evaluation, the interpreter as the baseline."""
    result = measure()
    compiled, interpreted = result["evaluate"], result["interpret"]
    per_pass = compiled["evaluations_per_pass"]
    return [
        {
            "benchmark": f"expression evaluate (Subsidy Application rules, {per_pass} per pass)",
            "size": "-",
            "value": f"median {compiled['median_us']:.2f} us, p95 {compiled['p95_us']:.2f} us",
            "baseline": (
                f"interpreter median {interpreted['median_us']:.2f} us, p95 {interpreted['p95_us']:.2f} us"
            ),
            "ratio": f"{interpreted['median_us'] / compiled['median_us']:.1f}x faster",
        }
    ]


if __name__ == "__main__":
    for row in rows():
        for key, value in row.items():
            print(f"{key:9} {value}")
