"""Pinyin keys from cached single-character readings (rules.pinyin._run_syllables) read every
text exactly as pypinyin's own phrase-aware reading of the whole run does."""

import random

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from townflow.rules import pinyin


def _pypinyin_run(run: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(run, style=Style.NORMAL, errors=lambda s: list(s)))


def test_names_without_a_phrase_read_by_character():
    assert pinyin._run_syllables("张小燕") == ("zhang", "xiao", "yan")
    assert pinyin.keys("张小燕") == ["zhangxiaoyan", "zxy", "xiaoyan", "xy"]


def test_runs_holding_a_phrase_keep_the_phrase_reading():
    # 重庆 (chong, not zhong) and 银行 (hang, not xing) are phrases: read whole by pypinyin
    assert pinyin._run_syllables("重庆") == ("chong", "qing")
    assert pinyin._run_syllables("工商银行") == ("gong", "shang", "yin", "hang")
    assert pinyin._run_syllables("李重庆") == ("li", "chong", "qing")
    assert pinyin._syllables("张三 银行") == ["zhang", "san", "yin", "hang"]


def test_same_reading_as_pypinyin_on_random_runs():
    rng = random.Random(15)
    chars = [chr(c) for c in PINYIN_DICT if 0x4E00 <= c <= 0x9FFF]
    phrases = [p for p in list(PHRASES_DICT)[:40000] if len(p) > 1]
    runs = []
    for _ in range(3000):
        runs.append("".join(rng.choice(chars) for _ in range(rng.randint(1, 5))))
        runs.append(rng.choice(chars) + rng.choice(phrases) + rng.choice(chars))
    different = [r for r in runs if pinyin._run_syllables(r) != _pypinyin_run(r)]
    assert different == []


def test_keys_of_short_texts_cached_long_texts_not():
    pinyin._short_keys.cache_clear()
    assert pinyin.keys("李娜") == ["lina", "ln", "na", "n"]
    assert pinyin.keys("李娜") == ["lina", "ln", "na", "n"]
    assert pinyin._short_keys.cache_info().hits == 1
    long_text = "张" * 40  # a long text is worked out each time, never held by the cache
    assert pinyin.keys(long_text)[:2] == [("zhang" * 40)[:48], "z" * 40]
    assert pinyin._short_keys.cache_info().currsize == 1
