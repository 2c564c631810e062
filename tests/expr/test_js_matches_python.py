"""Property: `Expr.to_js()` run the way Frappe runs depends_on gives what `Expr.evaluate()` gives.

Random expressions over random documents are evaluated in Python and, in one long-lived node
process, through `new Function("doc", "parent", "let out = <code>; return out")` exactly as Frappe's
`frappe.utils.eval` does. Both must give the same value, or both must fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townflow.expr import ExprError, parse

from .strategies import CONTEXT, FIELD_TYPES, SETTINGS, documents, expressions, normalize, same

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed; the JS side cannot run")

# Mirrors frappe.utils.eval (frappe/public/js/frappe/utils/utils.js) and the frappe globals to_js uses.
NODE_SERVER = r"""
const readline = require("readline");
const rl = readline.createInterface({ input: process.stdin });
const encode = (k, v) => v === undefined ? null
  : typeof v === "number" && !Number.isFinite(v) ? { $inf: v > 0 ? 1 : -1 } : v;
rl.on("line", (line) => {
  const batch = JSON.parse(line);
  globalThis.frappe = {
    session: { user: batch.user },
    user_roles: batch.roles,
    datetime: { get_today: () => batch.today, now_datetime: () => batch.now },
  };
  const results = batch.cases.map(([code, doc]) => {
    try {
      const run = new Function("doc", "parent", `let out = ${code}; return out`);
      return { ok: run(doc, null) };
    } catch (error) {
      return { error: String(error && error.message) };
    }
  });
  process.stdout.write(JSON.stringify(results, encode) + "\n");
});
"""


@pytest.fixture(scope="module")
def node():
    process = subprocess.Popen(
        [NODE, "-e", NODE_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    yield process
    process.stdin.close()
    process.wait(timeout=10)
    process.stdout.close()


def run_in_node(node, cases):
    request = {key: CONTEXT[key] for key in ("user", "roles", "today", "now")}
    request["cases"] = cases
    node.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
    node.stdin.flush()
    return json.loads(node.stdout.readline())


def python_result(expr, doc):
    try:
        return {"ok": normalize(expr.evaluate({**CONTEXT, "doc": doc}))}
    except ExprError as error:
        return {"error": error.message}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(st.tuples(expressions, documents(), st.booleans()), min_size=1, max_size=40))
def test_javascript_gives_the_python_result(node, batch):
    exprs, cases = [], []
    for source, doc, typed in batch:
        expr = parse(source)
        cases.append([expr.to_js(field_types=FIELD_TYPES if typed else None, settings=SETTINGS), doc])
        exprs.append((expr, doc, cases[-1][0]))
    for (expr, doc, code), js in zip(exprs, run_in_node(node, cases), strict=True):
        py = python_result(expr, doc)
        agree = ("error" in py and "error" in js) or ("ok" in py and "ok" in js and same(py["ok"], js["ok"]))
        assert agree, f"{expr.source!r} on {doc!r}: python {py}, javascript {js}\n{code}"
