"""Who `townflow deploy` runs pip and bench as: the user who owns the bench folder.

A bench belongs to one user (`frappe` on most servers); files another user writes into its env
(root-owned `.pyc`, `dist-info`) later break that user's `bench update` and `pip`. So:

- run by the owner: every command runs as is;
- run by root: pip, and the plain `bench` command, run as the owner (`runuser -u OWNER`, with
  the owner's HOME); a `--bench-cmd` is run as given (a wrapper such as `sudo -u frappe bench`
  switches user itself); files deploy writes itself (the app's link) are handed to the owner;
- run by anyone else: refused, naming the user who must run it.
"""

from __future__ import annotations

import os
import pwd
import shutil
from dataclasses import dataclass
from pathlib import Path


class OwnerError(Exception):
    pass


@dataclass(frozen=True)
class BenchOwner:
    name: str
    uid: int
    gid: int
    home: str
    switch: bool  # run the owner's commands through runuser (we are root, they are not)

    def as_owner(self, argv: list[str]) -> list[str]:
        """`argv` run as the bench's owner."""
        if not self.switch:
            return argv
        runner = shutil.which("runuser")
        if runner:
            return [runner, "-u", self.name, "--", "env", f"HOME={self.home}", *argv]
        sudo = shutil.which("sudo")
        if sudo:
            return [sudo, "-u", self.name, "-H", "--", *argv]
        raise OwnerError(f"neither runuser nor sudo is installed: run townflow deploy as {self.name}")

    def hand_over(self, path: Path) -> None:
        """A file or link deploy made, given to the owner (no-op when we are the owner)."""
        if self.switch:
            os.lchown(path, self.uid, self.gid)


def bench_owner(bench: Path) -> BenchOwner:
    """The bench's owner and how to run commands as them, or OwnerError saying who must deploy."""
    stat = bench.stat()
    try:
        entry = pwd.getpwuid(stat.st_uid)
        name, home = entry.pw_name, entry.pw_dir
    except KeyError:
        name, home = str(stat.st_uid), str(bench)
    me = os.geteuid()
    if me == stat.st_uid:
        return BenchOwner(name, stat.st_uid, stat.st_gid, home, switch=False)
    if me == 0:
        return BenchOwner(name, stat.st_uid, stat.st_gid, home, switch=True)
    try:
        my_name = pwd.getpwuid(me).pw_name
    except KeyError:
        my_name = str(me)
    raise OwnerError(
        f"the bench {bench} belongs to {name}, not {my_name}: run townflow deploy as {name} "
        f"(or as root, which runs pip and bench as {name})"
    )
