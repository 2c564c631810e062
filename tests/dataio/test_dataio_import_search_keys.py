"""A bulk import writes each batch's pinyin search keys together (runtime.pinyin_search.
write_deferred): the same keys, with the same village, that saving each record on its own writes;
none for a row that failed; found by a clerk's pinyin search right after the import."""

from __future__ import annotations

from openpyxl import Workbook

from townflow.dataio.importer import import_file
from townflow.runtime import pinyin_search

KEYS = (
    'SELECT pinyin_key, pinyin_name, pinyin_field, pinyin_scope FROM "tabPinyin Key" WHERE pinyin_doctype = ?'
)


def _keys(site) -> set[tuple]:
    return {tuple(r) for r in site.db.fetchall(KEYS, ("Person",))}


def _xlsx(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "gender", "household", "id_number"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_imported_rows_get_the_keys_a_save_writes_and_failed_rows_none(site, admin, people, tmp_path):
    source = _xlsx(
        tmp_path / "p.xlsx",
        [
            ["张小燕", "女", "张三", "110105198001010024"],
            ["重庆英", "Robot", "张三", None],  # not a Select value: fails, no keys
            ["单田芳", "Male", people["h2"]["name"], None],
        ],
    )
    result = import_file(admin, "Person", source)
    assert len(result.inserted) == 2 and [f.line for f in result.failed] == [3]
    written = _keys(site)
    names = {r[1] for r in written}
    stored = site.db.fetchall('SELECT name, full_name FROM "tabPerson"')
    imported = {p["full_name"]: p["name"] for p in stored}
    assert "重庆英" not in imported
    assert {imported["张小燕"], imported["单田芳"]} <= names
    zhang = {r[0]: r[3] for r in written if r[1] == imported["张小燕"]}
    assert zhang == {"zhangxiaoyan": "V1", "zxy": "V1", "xiaoyan": "V1", "xy": "V1"}
    shan = {r[0] for r in written if r[1] == imported["单田芳"]}
    assert {"dantianfang", "shantianfang", "stf", "dtf", "tianfang", "tf"} <= shan
    # exactly what recomputing every record's keys from the table gives
    pinyin_search.reindex_doctype(site, site.metas.get("Person"))
    assert _keys(site) == written
    found = [r["value"] for r in site.session("clerk1").search_link("Person", "zxy")]
    assert found == [imported["张小燕"]]


def test_keys_written_per_record_outside_an_import(site, admin, people):
    person = {"household": people["h1"]["name"], "full_name": "李娜", "gender": "Female"}
    doc = admin.insert({"doctype": "Person", **person})
    assert {r[0] for r in _keys(site) if r[1] == doc["name"]} == {"lina", "ln", "na", "n"}
    assert getattr(admin, "deferred_pinyin", None) is None
