"""Pinyin search keys (issue 17 point 4): what a clerk may type to find 张小燕 — the full pinyin
(`zhangxiaoyan`), the initials (`zxy`), or either of the given name alone (`xiaoyan`, `xy`); any
prefix of a key finds it too (`zhangx`).

Both runtimes compute the keys with this module when a record is saved: the embedded runtime
keeps them in a side table (townflow.runtime.pinyin_search), the Frappe app in a hidden column of
the DocType (care_for_girls.townflow_ext.pinyin_search).

Polyphones: the reading comes from pypinyin's phrase dictionary (重庆 -> chongqing, 银行 ->
yinhang), and each other reading of the first character is added as another key, because surnames
are read apart from their common word (单 shan, 曾 zeng, 解 xie, 朴 piao).

Which fields: a DocType's title field and its search fields whose type holds free text (Data,
Small Text, Text, ...; not Links, Selects or fields marked sensitive). A value without Chinese
gets its latin words as keys (`wang.head` -> `wanghead`, `wang`, `head`), so typed letters still
find it. pypinyin is imported when first needed, so the pure layer (spec,
expr, rules) still installs without it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

#: field types whose values are free text worth a pinyin key
TEXT_TYPES = frozenset({"Data", "Small Text", "Text", "Long Text", "Read Only"})
#: a key is at most this long (a long text is searched by its beginning)
MAX_KEY = 48
#: at most this many readings of one value (the phrase reading + the first character's others)
MAX_READINGS = 4
#: texts (and runs of Chinese characters) up to this long have their keys (readings) cached
_CACHED_CHARS = 32
#: what a pinyin query may look like: letters only (an apostrophe or space between syllables is dropped)
_QUERY = re.compile(r"^[a-z]{1,48}$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SEPARATORS = re.compile(r"[\s'’·]+")


def has_chinese(text: Any) -> bool:
    return isinstance(text, str) and _CJK.search(text) is not None


def pinyin_fields(doctype: Any) -> list[str]:
    """The fields of a spec DocType (townflow.spec.models.DocType) that get pinyin keys."""
    if getattr(doctype, "issingle", False) or getattr(doctype, "istable", False):
        return []
    by_name = {f.fieldname: f for f in doctype.fields}
    wanted = [doctype.title_field, *(doctype.search_fields or [])]
    out: list[str] = []
    for fieldname in wanted:
        f = by_name.get(fieldname) if fieldname else None
        if f is None or f.fieldtype not in TEXT_TYPES or getattr(f, "sensitive", False):
            continue
        if fieldname not in out:
            out.append(fieldname)
    return out


def query_key(txt: Any) -> str | None:
    """The key a typed search stands for (`Zhang Xiao'yan` -> `zhangxiaoyan`), or None when the
    text is not pinyin (digits, Chinese, punctuation, nothing)."""
    if not isinstance(txt, str):
        return None
    key = _SEPARATORS.sub("", txt.strip().lower())
    return key if _QUERY.match(key) else None


@lru_cache(maxsize=4096)
def _char_readings(char: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(dict.fromkeys(r for r in (found[0] if found else []) if r.isascii() and r.isalpha()))


def _syllables(text: str) -> list[str]:
    """The phrase-aware reading, one entry per character kept (Chinese characters and ASCII
    letters or digits; anything else is dropped). pypinyin reads each run of Chinese characters
    on its own (its `simple_seg`; phrases never cross a run's end): see `_run_syllables`."""
    from pypinyin.constants import RE_HANS
    from pypinyin.seg.simpleseg import simple_seg

    out: list[str] = []
    for run in simple_seg(text):
        parts = _run_syllables(run) if RE_HANS.match(run) else run
        for part in parts:
            part = part.lower()
            if part.isascii() and part.isalnum():
                out.append(part)
    return out


def _run_syllables(run: str) -> tuple[str, ...]:
    """pypinyin's phrase-aware reading of one run of Chinese characters, from cached readings of
    single characters whenever that is the same reading. pypinyin cuts a run into words by
    forward maximum matching against the prefixes of its phrase dictionary (`mmseg.seg`): when
    no two neighbouring characters of the run begin a phrase, every word is one character and
    the run reads as its characters read alone. A register's names are mostly such runs (张小燕;
    a million names share a few thousand characters), so a name costs a few dictionary lookups
    instead of pypinyin's segmentation and conversion; a run holding a phrase's beginning (重庆,
    银行) is read by pypinyin whole, as before (`_phrase_syllables`, cached)."""
    if len(run) > 1:
        prefixes = _phrase_prefixes()
        for i in range(len(run) - 1):
            if run[i : i + 2] in prefixes:
                return _phrase_syllables(run) if len(run) <= _CACHED_CHARS else _pypinyin_run(run)
    out: list[str] = []
    for char in run:
        out.extend(_char_syllables(char))
    return tuple(out)


@lru_cache(maxsize=1)
def _phrase_prefixes():
    """The prefix set pypinyin's own word segmentation matches against (`mmseg.seg`)."""
    from pypinyin.seg import mmseg

    return mmseg.seg._prefix_set


@lru_cache(maxsize=65536)
def _char_syllables(char: str) -> tuple[str, ...]:
    """pypinyin's reading of one character on its own (cached: a register has a few thousand)."""
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(char, style=Style.NORMAL, errors=lambda s: list(s)))


def _pypinyin_run(run: str) -> tuple[str, ...]:
    """pypinyin's phrase-aware reading of one run of Chinese characters."""
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(run, style=Style.NORMAL, errors=lambda s: list(s)))


#: `_pypinyin_run` of short runs, cached
_phrase_syllables = lru_cache(maxsize=65536)(_pypinyin_run)


def readings(text: str) -> list[list[str]]:
    """The readings of `text` as syllable lists: the phrase reading first, then the first
    character's other readings."""
    base = _syllables(text)
    if not base:
        return []
    out = [base]
    first = next((c for c in text if _CJK.match(c)), None)
    if first is not None and text.lstrip().startswith(first):
        for alt in _char_readings(first):
            if alt != base[0] and len(out) < MAX_READINGS:
                out.append([alt, *base[1:]])
    return out


_WORD = re.compile(r"[a-z0-9]+")


def latin_keys(text: str) -> list[str]:
    """Keys of a value without Chinese (`wang.head`, `Dr Li`): the value's letters and digits run
    together and each word of them, lower case, so typed letters find it by any word's start."""
    words = _WORD.findall(text.lower())
    lettered = [w for w in words if not w.isdigit()]
    if not lettered:
        return []
    return list(dict.fromkeys(k[:MAX_KEY] for k in ["".join(words), *lettered]))


def keys(text: Any) -> list[str]:
    """Every key that finds `text`: full pinyin and initials of the whole text and of the text
    after its first character (the given name), for each reading; each at most MAX_KEY long.
    A value without Chinese gets its latin words instead (`latin_keys`)."""
    if not isinstance(text, str):
        return []
    return list(_short_keys(text) if len(text) <= _CACHED_CHARS else _keys(text))


def _keys(text: str) -> tuple[str, ...]:
    if not has_chinese(text):
        return tuple(latin_keys(text))
    found: dict[str, None] = {}
    for syllables in readings(str(text)):
        for part in (syllables, syllables[1:]):
            if not part:
                continue
            for key in ("".join(part), "".join(s[0] for s in part)):
                if key:
                    found[key[:MAX_KEY]] = None
    return tuple(found)


#: `_keys` of short texts, cached: a register's names repeat (张伟, 王芳) and every save asks
_short_keys = lru_cache(maxsize=65536)(_keys)


def doc_keys(doctype: Any, doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(fieldname, key) pairs of a document's pinyin fields."""
    return [(f, k) for f in pinyin_fields(doctype) for k in keys(doc.get(f))]


def prefix_range(key: str) -> tuple[str, str]:
    """The half-open key range [key, key + 1) that holds every key starting with `key`, for an
    index range scan (`key >= ? AND key < ?`)."""
    return key, key[:-1] + chr(ord(key[-1]) + 1)
