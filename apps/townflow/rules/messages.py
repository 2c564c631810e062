"""Rule messages that state the rule's numbers.

`{settings.<field>}` in a spec message is replaced by the live Campaign Settings value, so
「金额须为政策规定金额 {settings.one_time_reward_amount} 元」 reads 「… 1000 元」 and follows
the settings when they change. Both runtimes call `fill_message`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{settings\.([a-z][a-z0-9_]*)\}")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def fill_message(text: str, settings: Mapping[str, Any] | None) -> str:
    """`text` with every `{settings.<field>}` replaced by that setting's value (unknown: left as is)."""
    values = settings or {}

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        return _shown(values[key]) if key in values and values[key] is not None else match.group(0)

    return PLACEHOLDER.sub(replace, text)


def placeholders(text: str) -> list[str]:
    """The settings fields a message names (checked against Campaign Settings when the spec loads)."""
    return PLACEHOLDER.findall(text)
