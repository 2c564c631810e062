"""JavaScript versions of `townflow.expr.values`, inlined into depends_on code that needs them.

Frappe evaluates `eval:` depends_on with `new Function("doc", "parent", ...)`, so the code must be
self-contained: `to_js` wraps the expression as `(() => { const eq = ...; return <expr>; })()` with
only the helpers it uses. Each helper mirrors the Python function of the same meaning in values.py;
the property test in tests/expr runs both on random expressions and documents.
"""

from __future__ import annotations

_THROW = 'throw new Error("townflow expression: " + '

#: name -> (names of helpers it calls, JavaScript source of `const name = ...;`)
HELPERS: dict[str, tuple[tuple[str, ...], str]] = {
    "num": ((), 'const num = (v) => typeof v === "number" || typeof v === "boolean";'),
    "truthy": (
        (),
        "const truthy = (v) => Array.isArray(v) ? v.length > 0"
        ' : v !== null && typeof v === "object" ? Object.keys(v).length > 0 : !!v;',
    ),
    "eq": (
        ("num",),
        "const eq = (a, b) => {"
        " if (a == null || b == null) return a == null && b == null;"
        " if (num(a) && num(b)) return +a === +b;"
        ' if (typeof a === "string" || typeof b === "string") return a === b;'
        " if (Array.isArray(a) && Array.isArray(b))"
        " return a.length === b.length && a.every((x, i) => eq(x, b[i]));"
        " if (Array.isArray(a) || Array.isArray(b)) return false;"
        ' if (typeof a === "object" && typeof b === "object") {'
        " const k = Object.keys(a);"
        " return k.length === Object.keys(b).length"
        " && k.every((key) => Object.prototype.hasOwnProperty.call(b, key) && eq(a[key], b[key])); }"
        " return false; };",
    ),
    "order": (
        ("num",),
        "const order = (a, b) => {"
        " if (num(a) && num(b)) return +a < +b ? -1 : +a > +b ? 1 : 0;"
        ' if (typeof a !== "string" || typeof b !== "string") return null;'
        " const x = Array.from(a, (c) => c.codePointAt(0)), y = Array.from(b, (c) => c.codePointAt(0));"
        " for (let i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;"
        " return x.length < y.length ? -1 : x.length > y.length ? 1 : 0; };",
    ),
    "lt": (("order",), "const lt = (a, b) => { const c = order(a, b); return c !== null && c < 0; };"),
    "le": (("order",), "const le = (a, b) => { const c = order(a, b); return c !== null && c <= 0; };"),
    "gt": (("order",), "const gt = (a, b) => { const c = order(a, b); return c !== null && c > 0; };"),
    "ge": (("order",), "const ge = (a, b) => { const c = order(a, b); return c !== null && c >= 0; };"),
    "has": (
        ("eq",),
        "const has = (y, x) => Array.isArray(y) ? y.some((e) => eq(x, e))"
        ' : typeof y === "string" && typeof x === "string" ? y.includes(x) : false;',
    ),
    "kind": (
        ("num",),
        'const kind = (v) => v == null ? "an empty value" : typeof v === "boolean" ? "a boolean"'
        ' : num(v) ? "a number" : typeof v === "string" ? "a string"'
        ' : Array.isArray(v) ? "a list" : "a record";',
    ),
    "chk": (
        (),
        f'const chk = (r) => {{ if (!(Math.abs(r) <= 9007199254740991)) {_THROW}"result too large");'
        " return r; };",
    ),
    "arith": (
        ("num", "chk", "kind"),
        "const arith = (op, a, b) => {"
        ' if (op === "+" && typeof a === "string" && typeof b === "string") return a + b;'
        ' if (op === "+" && Array.isArray(a) && Array.isArray(b)) return a.concat(b);'
        f' if (!num(a) || !num(b)) {_THROW}"cannot compute " + kind(a) + " " + op + " " + kind(b));'
        " a = +a; b = +b;"
        ' if (op === "+") return chk(a + b);'
        ' if (op === "-") return chk(a - b);'
        ' if (op === "*") return chk(a * b);'
        f' if (b === 0) {_THROW}"division by zero");'
        ' if (op === "/") return chk(a / b);'
        " let mod = a % b;"
        ' if (op === "%") return chk(mod !== 0 && (b < 0) !== (mod < 0) ? mod + b : mod);'
        " let div = (a - mod) / b;"
        " if (mod !== 0 && (b < 0) !== (mod < 0)) div -= 1;"
        " if (div === 0) return 0;"
        " let floor = Math.floor(div); if (div - floor > 0.5) floor += 1;"
        " return chk(floor); };",
    ),
    "neg": (
        ("num",),
        f'const neg = (v) => {{ if (!num(v)) {_THROW}"cannot negate"); return -v; }};',
    ),
    "pos": (
        ("num",),
        f'const pos = (v) => {{ if (!num(v)) {_THROW}"cannot apply unary +"); return +v; }};',
    ),
    "whole": (
        (),
        'const whole = (n) => typeof n === "number" && Number.isInteger(n)'
        " && Math.abs(n) <= 9007199254740991 ? n : null;",
    ),
    "len": (
        (),
        "const len = (v) => { if (v == null) return 0;"
        ' if (typeof v === "string") return Array.from(v).length;'
        " if (Array.isArray(v)) return v.length;"
        f' {_THROW}"len() needs a string or a list"); }};',
    ),
    "abs": (
        ("num",),
        f'const abs = (v) => {{ if (!num(v)) {_THROW}"abs() needs a number"); return Math.abs(v); }};',
    ),
    "extreme": (
        ("num", "order"),
        "const extreme = (name, sign, args) => {"
        " const items = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;"
        f' if (items.length === 0) {_THROW}name + "() of an empty list");'
        ' if (!(items.every(num) || items.every((i) => typeof i === "string")))'
        f' {_THROW}name + "() needs all numbers or all strings");'
        " let best = items[0];"
        " for (const item of items.slice(1)) if (order(item, best) === sign) best = item;"
        " return best; };",
    ),
    "min": (("extreme",), 'const min = (...args) => extreme("min", -1, args);'),
    "max": (("extreme",), 'const max = (...args) => extreme("max", 1, args);'),
    "int": (
        ("num", "chk"),
        "const int = (v) => {"
        ' if (typeof v === "string" && /^[ \\t\\n\\r]*[+-]?[0-9]+[ \\t\\n\\r]*$/.test(v))'
        " return chk(Number(v.trim()));"
        " if (num(v) && Number.isFinite(+v)) return chk(Math.trunc(+v));"
        f' {_THROW}"int() cannot read " + String(v)); }};',
    ),
    "float": (
        ("num",),
        "const float = (v) => {"
        ' if (typeof v === "string"'
        " && /^[ \\t\\n\\r]*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?[ \\t\\n\\r]*$/.test(v))"
        " return Number(v.trim());"
        " if (num(v)) return +v;"
        f' {_THROW}"float() cannot read " + String(v)); }};',
    ),
    "str": (
        (),
        'const str = (v) => { if (v == null) return ""; if (typeof v === "string") return v;'
        ' if (typeof v === "boolean") return v ? "True" : "False";'
        ' if (typeof v === "number") { if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";'
        " return Number.isInteger(v) ? BigInt(v).toString() : String(v); }"
        f' {_THROW}"str() cannot write " + typeof v); }};',
    ),
    "round": (
        ("num", "whole"),
        "const round = (x, n) => {"
        f' if (!num(x)) {_THROW}"round() needs a number"); x = +x;'
        f' if (!Number.isFinite(x)) {_THROW}"round() cannot round " + x);'
        " let d = 0; if (n != null) { d = whole(n);"
        f' if (d === null || d < 0 || d > 10) {_THROW}"round() takes 0 to 10 digits"); }}'
        " if (Number.isInteger(x)) return x;"
        ' const s = Math.abs(x).toFixed(100), dot = s.indexOf(".");'
        " let keep = s.slice(0, dot) + s.slice(dot + 1, dot + 1 + d);"
        " const next = s.charAt(dot + 1 + d), rest = s.slice(dot + 2 + d);"
        ' const up = next > "5"'
        ' || (next === "5" && (/[1-9]/.test(rest) || +keep.charAt(keep.length - 1) % 2 === 1));'
        ' if (up) keep = (BigInt(keep) + 1n).toString().padStart(keep.length, "0");'
        " const cut = keep.length - d;"
        ' const text = d ? keep.slice(0, cut) + "." + keep.slice(cut) : keep;'
        " return (x < 0 ? -1 : 1) * Number(text); };",
    ),
    "is_set": (
        (),
        'const is_set = (v) => v != null && v !== "" && !(Array.isArray(v) && v.length === 0);',
    ),
    "day": (
        (),
        "const day = (name, v) => {"
        ' if (v == null || v === "") return null;'
        ' const m = typeof v === "string"'
        " ? /^([0-9]{4})-([0-9]{2})-([0-9]{2})([ T][\\s\\S]*)?$/.exec(v) : null;"
        f' if (!m) {_THROW}name + "() needs a date written YYYY-MM-DD");'
        " const y = +m[1], mo = +m[2], dd = +m[3], t = new Date(0);"
        " t.setUTCFullYear(y, mo - 1, dd);"
        " if (y < 1 || t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== dd)"
        f' {_THROW}name + "(): not a calendar date");'
        " return t; };",
    ),
    "date": (
        ("day",),
        'const date = (v) => { const t = day("date", v); return t && t.toISOString().slice(0, 10); };',
    ),
    "days_between": (
        ("day",),
        "const days_between = (a, b) => {"
        ' if (a == null || a === "" || b == null || b === "") return null;'
        ' const x = day("days_between", a), y = day("days_between", b);'
        " return Math.round((y - x) / 86400000); };",
    ),
    "add_days": (
        ("day", "whole"),
        "const add_days = (d, n) => {"
        ' if (d == null || d === "") return null;'
        ' const t = day("add_days", d), k = whole(n);'
        f' if (k === null) {_THROW}"add_days() needs a whole number of days");'
        " const r = new Date(t.getTime() + k * 86400000), y = r.getUTCFullYear();"
        " if (Number.isNaN(r.getTime()) || y < 1 || y > 9999)"
        f' {_THROW}"add_days() goes beyond the years 1 to 9999");'
        " return r.toISOString().slice(0, 10); };",
    ),
}


def prelude(used: set[str]) -> list[str]:
    """The `const` lines for the helpers in `used` and everything they call, callees first."""
    ordered: list[str] = []

    def add(name: str) -> None:
        if name in ordered:
            return
        for dependency in HELPERS[name][0]:
            add(dependency)
        ordered.append(name)

    for name in sorted(used):
        add(name)
    return [HELPERS[name][1] for name in ordered]
