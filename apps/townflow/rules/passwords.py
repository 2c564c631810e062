"""The password rule a user's password must meet (issue 18 point 10), shared by every place that
sets one: at least 8 characters, with letters and digits, not the user's own name."""

from __future__ import annotations

MIN_LENGTH = 8


def password_problem(password: str, user: str = "") -> tuple[str, str] | None:
    """None when `password` is acceptable, else (en, zh) saying what the rule asks."""
    if len(password) < MIN_LENGTH:
        return (f"must have at least {MIN_LENGTH} characters", f"至少{MIN_LENGTH}位")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        return ("must mix letters and digits", "须同时包含字母和数字")
    if user and user.split("@")[0].lower() in password.lower():
        return ("must not contain the user name", "不能包含用户名")
    return None
