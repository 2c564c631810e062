"""Search by pinyin (issue 17 point 4): a clerk types `zxy` or `zhangxiaoyan` in a Link field or a
list's search box and finds 张小燕 — only among the records they may select or read."""

from __future__ import annotations

from townflow.rules import pinyin
from townflow.runtime import Site, pinyin_search


def _person(admin, household: str, full_name: str) -> dict:
    return admin.insert(
        {"doctype": "Person", "household": household, "full_name": full_name, "gender": "Female"}
    )


def test_keys_are_full_pinyin_and_initials_of_the_name_and_the_given_name():
    assert pinyin.keys("张小燕") == ["zhangxiaoyan", "zxy", "xiaoyan", "xy"]
    # a surname read apart from its common word: 单 is also shan, 曾 also zeng
    assert "shanxiongxin" in pinyin.keys("单雄信") and "sxx" in pinyin.keys("单雄信")
    assert "zengguofan" in pinyin.keys("曾国藩")
    # pypinyin's phrase dictionary reads 重庆 as chongqing
    assert pinyin.keys("重庆")[:2] == ["chongqing", "cq"]
    # a value without Chinese: its latin words (digits alone are no key)
    assert pinyin.keys("wang.head") == ["wanghead", "wang", "head"]
    assert pinyin.keys("PER-000001") == ["per000001", "per"]
    assert pinyin.keys("2026") == []
    assert pinyin.query_key("Zhang Xiao'yan") == "zhangxiaoyan"
    assert pinyin.query_key("张") is None and pinyin.query_key("V01") is None


def test_link_search_finds_by_initials_full_pinyin_and_prefix(site, people):
    admin = site.session("Administrator")
    zxy = _person(admin, people["h1"]["name"], "张小燕")
    _person(admin, people["h1"]["name"], "张晓东")
    for typed in ("zxy", "zhangxiaoyan", "ZhangXiaoYan", "zhangxiaoy", "xiaoyan"):
        found = admin.search_link("Person", typed)
        assert [r["value"] for r in found][:1] == [zxy["name"]], typed
        assert found[0]["description"] == "张小燕"
    # 张晓东 is zhangxiaodong: `zhangx` finds both, `zxd` only him
    assert {r["description"] for r in admin.search_link("Person", "zhangx")} == {"张小燕", "张晓东"}
    assert [r["description"] for r in admin.search_link("Person", "zxd")] == ["张晓东"]
    # Chinese still searches the text itself
    assert [r["description"] for r in admin.search_link("Person", "小燕")] == ["张小燕"]


def test_the_list_search_box_finds_by_pinyin(site, people):
    admin = site.session("Administrator")
    _person(admin, people["h1"]["name"], "张小燕")
    rows = admin.get_list(
        "Person", fields=["full_name"], or_filters=[["name", "like", "%zxy%"], ["full_name", "like", "%zxy%"]]
    )
    assert [r["full_name"] for r in rows] == ["张小燕"]
    assert admin.get_count("Person", or_filters=[["full_name", "like", "%zhangxiaoyan%"]]) == 1


def test_a_rename_updates_the_keys_and_a_delete_removes_them(site, people):
    admin = site.session("Administrator")
    person = _person(admin, people["h1"]["name"], "张小燕")
    person["full_name"] = "李小燕"
    admin.save(person)
    assert admin.search_link("Person", "zxy") == []
    assert [r["description"] for r in admin.search_link("Person", "lxy")] == ["李小燕"]
    admin.db_set("Person", person["name"], {"full_name": "王小燕"})
    assert [r["description"] for r in admin.search_link("Person", "wangxiaoyan")] == ["王小燕"]
    assert admin.search_link("Person", "lxy") == []
    admin.delete("Person", person["name"])
    assert (
        site.db.scalar('SELECT count(*) FROM "tabPinyin Key" WHERE pinyin_name = ?', (person["name"],)) == 0
    )


def test_pinyin_finds_only_what_the_user_may_select(site, people):
    admin = site.session("Administrator")
    _person(admin, people["h1"]["name"], "张小燕")  # village V1
    _person(admin, people["h2"]["name"], "张晓艳")  # village V2, also zxy
    clerk1 = site.session("clerk1")
    assert [r["description"] for r in clerk1.search_link("Person", "zxy")] == ["张小燕"]
    listed = clerk1.get_list("Person", fields=["full_name"], or_filters=[["full_name", "like", "%zxy%"]])
    assert [r["full_name"] for r in listed] == ["张小燕"]
    assert sorted(r["description"] for r in admin.search_link("Person", "zxy")) == ["张小燕", "张晓艳"]


def test_an_existing_site_is_backfilled_when_opened(tmp_path, project, clock, people, site):
    admin = site.session("Administrator")
    person = _person(admin, people["h1"]["name"], "张小燕")
    # a site written before pinyin keys existed: no keys, no record of which fields were indexed
    site.db.execute('DELETE FROM "tabPinyin Key"')
    site.db.execute('DELETE FROM "tabPinyin Key State"')
    site.close()
    reopened = Site.open(tmp_path / "site", project, now=clock)
    try:
        found = reopened.session("Administrator").search_link("Person", "zxy")
        assert [r["value"] for r in found] == [person["name"]]
    finally:
        reopened.close()


def test_a_small_table_also_gets_the_substring_match_for_letters(site, people):
    from site_support import make_user

    make_user(site, "wang.head", ["Township Clerk"])
    admin = site.session("Administrator")
    # `wang` is a word of the name (a key); `ead` is inside a word: the small table is scanned too
    assert "wang.head" in [r["value"] for r in admin.search_link("User", "wang")]
    assert "wang.head" in [r["value"] for r in admin.search_link("User", "ead")]
    assert pinyin_search.small(site, site.metas.get("User"))
