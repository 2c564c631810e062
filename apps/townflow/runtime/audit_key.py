"""The key that anchors the audit chain outside the database (issue 12, L7).

A hash chain checks itself, but someone who can write the database can rewrite a row and
recompute every later hash. So each row's hash is an HMAC-SHA256 keyed with a secret kept in a
file, not in the database: without the key, a rewritten chain does not verify.

The file is `TOWNFLOW_AUDIT_KEY_FILE` if set, else `<site>/audit.key` (mode 0600). For the anchor
to mean something on a real site, keep it where the database's writers cannot reach (another
owner, another disk) and back it up separately: `townflow audit verify` needs it.

It holds JSON: `key` (hex) and `keyed_from`, the first row id written with the key. A site whose
log was started by an older townflow has unkeyed rows before that id; they are checked with plain
SHA-256, and the first keyed row's HMAC covers the last unkeyed hash, so they cannot be rewritten
either without the key.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "TOWNFLOW_AUDIT_KEY_FILE"
FILENAME = "audit.key"


@dataclass(frozen=True)
class AuditKey:
    key: bytes
    keyed_from: int
    path: Path


def key_path(site_dir: str | Path) -> Path:
    configured = os.environ.get(ENV_VAR)
    return Path(configured) if configured else Path(site_dir) / FILENAME


def load(site_dir: str | Path) -> AuditKey | None:
    """The site's audit key, or None when the file does not exist."""
    path = key_path(site_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return AuditKey(bytes.fromhex(data["key"]), int(data["keyed_from"]), path)


def ensure(site_dir: str | Path, next_row_id: int) -> AuditKey:
    """The site's audit key, created (exclusively, 0600) if missing; a new key starts at
    `next_row_id` (the rows before it were written without one)."""
    found = load(site_dir)
    if found is not None:
        return found
    path = key_path(site_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"key": secrets.token_hex(32), "keyed_from": int(next_row_id)})
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        found = load(site_dir)
        assert found is not None
        return found
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    return load(site_dir)  # type: ignore[return-value]
