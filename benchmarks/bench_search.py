"""Search by pinyin (issue 17 point 4): Link-field search of Person by typed pinyin at N persons.

Seeds N persons (Chinese names from common surnames and given-name characters, spread over the 45
villages) by SQL, backfills their pinyin keys with `pinyin_search.reindex_doctype` (the path an
existing site takes when it first opens with this version), then times `Session.search_link`
("Person", q) — what every Link field and /search/link call — for queries typed as a clerk types
them: the initials of a name (`zxy`), its full pinyin (`zhangxiaoyan`), the given name's initials.
Each is run as the township approver (every village) and as a village clerk (one village: the
permission condition is in the same SQL). The baseline is the bare indexed key-range join in raw
SQL over the same database (no permission condition, no Python), measured in the same process.

    python -m benchmarks.bench_search --sizes 10000,100000,1000000
    python -m benchmarks --suites search --sizes 1000000
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import baselines, seeding
from townflow.rules import pinyin
from townflow.runtime import pinyin_search
from townflow.runtime.db import DB_FILENAME
from townflow.runtime.users import use_hasher

REPEATS = 300
PAGE = 10
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单"
)
GIVEN = (
    "秀英华玉兰桂芳丽敏静燕红霞艳娟梅琳婷雪慧颖莉倩洁晶凤云翠萍娜琴媛佳欣怡雨涵梓萱晓小美月春海"
    "建国军伟强磊勇峰杰涛明超刚平辉鹏飞浩宇轩博文俊凯鑫志新东亮斌林成荣"
)
BASELINE_SQL = (
    'SELECT "tabPerson".name, full_name FROM "tabPinyin Key" JOIN "tabPerson" '
    'ON "tabPerson".name = pinyin_name WHERE pinyin_doctype = ? AND pinyin_key >= ? AND pinyin_key < ? '
    "AND pinyin_field IN ('full_name') LIMIT ?"
)


def names(size: int, seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(size):
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        out.append(rng.choice(SURNAMES) + given)
    return out


def seed_persons(site, size: int) -> tuple[list[str], float]:
    """N persons by SQL (village i % 45); returns their names and the key backfill's seconds."""
    admin = site.session("Administrator")
    villages = seeding.villages(site)
    household = admin.insert(
        {"doctype": "Household", "village": villages[0], "head_name": "张建国", "residence_type": "Rural",
         "address": "一组", "household_type": "One-girl"}
    )  # fmt: skip
    template = admin.insert(
        {"doctype": "Person", "household": household["name"], "full_name": "李秀英", "gender": "Female",
         "date_of_birth": "1990-05-04", "relationship": "Head"}
    )  # fmt: skip
    row = dict(site.db.fetchone('SELECT * FROM "tabPerson" WHERE name = ?', (template["name"],)))
    all_names = names(size)
    with site.transaction():
        for first in range(0, size, 20_000):
            batch = [
                {
                    **row,
                    "name": f"BP-{i:07d}",
                    "full_name": all_names[i],
                    "village": villages[i % len(villages)],
                }
                for i in range(first, min(size, first + 20_000))
            ]
            seeding._insert(site, "tabPerson", batch)
    started = time.perf_counter()
    pinyin_search.reindex_doctype(site, site.metas.get("Person"))
    backfill = time.perf_counter() - started
    site.db.execute("ANALYZE")
    site.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return all_names, backfill


def queries(all_names: list[str], count: int, seed: int = 3) -> dict[str, list[str]]:
    rng = random.Random(seed)
    picked = [rng.choice(all_names) for _ in range(count)]
    return {
        "initials": [pinyin.keys(n)[1] for n in picked],
        "full pinyin": [pinyin.keys(n)[0] for n in picked],
        "given-name initials": [pinyin.keys(n)[3] for n in picked],
    }


def _users(site) -> dict[str, str]:
    admin = site.session("Administrator")
    village = seeding.villages(site)[0]
    with site.transaction():
        admin.insert({"doctype": "User", "email": "approver.s", "full_name": "approver.s",
                      "roles": [{"role": "Township Approver"}]})  # fmt: skip
        admin.insert({"doctype": "User", "email": "clerk.s", "full_name": "clerk.s",
                      "roles": [{"role": "Village Clerk"}]})  # fmt: skip
        admin.insert(
            {"doctype": "User Permission", "user": "clerk.s", "allow": "Village", "for_value": village}
        )
    return {"township approver": "approver.s", "village clerk": "clerk.s"}


def measure(site, all_names: list[str], repeats: int = REPEATS) -> list[dict]:
    out = []
    typed = queries(all_names, repeats)
    for who, user in _users(site).items():
        session = site.session(user)
        for kind, texts in typed.items():
            samples, found = [], 0
            for text in texts:
                started = time.perf_counter()
                hits = session.search_link("Person", text, page_length=PAGE)
                samples.append(time.perf_counter() - started)
                found += len(hits)
            out.append({"what": "Link search Person", "who": who, "kind": kind, "found": found,
                        "ms": baselines.percentiles(samples),
                        "rate": len(samples) / sum(samples)})  # fmt: skip
        # the list's search box as /app/person asks it: the first page and the count
        samples, found = [], 0
        for text in typed["initials"]:
            started = time.perf_counter()
            typed_filter = [["full_name", "like", f"%{text}%"]]
            rows = session.get_list("Person", fields=["name", "full_name"], or_filters=typed_filter,
                                    order_by="modified desc", limit_page_length=20)  # fmt: skip
            session.get_count("Person", or_filters=typed_filter)
            samples.append(time.perf_counter() - started)
            found += len(rows)
        out.append({"what": "list search Person page+count", "who": who, "kind": "initials",
                    "found": found, "ms": baselines.percentiles(samples),
                    "rate": len(samples) / sum(samples)})  # fmt: skip
    return out


def baseline(db_path: Path, all_names: list[str], repeats: int = REPEATS) -> tuple[float, float]:
    conn = sqlite3.connect(db_path)
    samples = []
    for text in queries(all_names, repeats)["initials"]:
        low, high = pinyin.prefix_range(text)
        started = time.perf_counter()
        conn.execute(BASELINE_SQL, ("Person", low, high, PAGE)).fetchall()
        samples.append(time.perf_counter() - started)
    conn.close()
    return baselines.percentiles(samples)


def run(size: int) -> list[dict]:
    use_hasher_cheaply()
    with tempfile.TemporaryDirectory() as folder:
        site = seeding.open_site(Path(folder) / "site", seeding.Clock(seeding.START))
        try:
            started = time.perf_counter()
            all_names, backfill = seed_persons(site, size)
            keys = site.db.scalar(
                'SELECT count(*) FROM "tabPinyin Key" WHERE pinyin_doctype = ?', ("Person",)
            )
            print(f"  seeded {size:,} persons in {time.perf_counter() - started:.1f} s "
                  f"(pinyin backfill {backfill:.1f} s, {keys:,} keys)", file=sys.stderr)  # fmt: skip
            results = measure(site, all_names)
            base_median, base_p95 = baseline(Path(folder) / "site" / DB_FILENAME, all_names)
        finally:
            site.close()
    rows = [
        {
            "benchmark": "pinyin key backfill (reindex Person)",
            "size": size,
            "value": f"{size / backfill:,.0f} persons/s, {keys:,} keys",
            "baseline": "-",
            "ratio": "-",
        }
    ]
    for r in results:
        median, p95 = r["ms"]
        rows.append(
            {
                "benchmark": f"{r['what']} by {r['kind']} ({r['who']}, {r['found'] / REPEATS:.1f} hits)",
                "size": size,
                "value": f"median {median:.2f} ms, p95 {p95:.2f} ms, {r['rate']:,.0f}/s",
                "baseline": f"raw key-range join median {base_median:.2f} ms, p95 {base_p95:.2f} ms",
                "ratio": f"{p95 / base_p95:.1f}" if base_p95 else "-",
            }
        )
    return rows


def use_hasher_cheaply() -> None:
    """The benchmark's two users need no production-strength password hashes."""
    import argon2

    use_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))


def main(argv: list[str] | None = None) -> int:
    from benchmarks.__main__ import table

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_search")
    parser.add_argument("--sizes", default="10000")
    args = parser.parse_args(argv)
    rows = []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        print(f"size {size:,}:", file=sys.stderr)
        rows += run(size)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
