"""`townflow deploy --bench PATH --site SITE`: install or update the app on an existing bench.

What `bench get-app` + `bench install-app` do, from this repository instead of a git remote,
each step reported and the first failure shown with its output:

1. check the bench (apps/frappe, env/, sites/SITE) and find the `bench` command;
2. `pip install -e <townflow repository>` into the bench's env (no extras: the pure layer needs
   only pydantic and PyYAML, which Frappe already ships), so the app's extension code can
   import `townflow`; run by root, a wheel built here is installed as the bench's owner instead
   (an editable install would write into this checkout as that user);
3. link apps/care_for_girls into the bench's apps/ (a symlink: the committed tree is the app),
   `pip install -e` it, and list it in sites/apps.txt as get-app does;
4. `bench --site SITE clear-cache`, then `install-app care_for_girls`, or `migrate` when it is
   installed already: a site that served a request before the app was linked holds a module
   map without the app in redis, and install-app would then create no DocTypes;
5. `bench --site SITE clear-cache`;
6. the restart command, if given: running web workers import the new package only after a
   restart (a Frappe site whose hooks cannot be imported answers 500 to everything).

pip and bench run as the bench's owner (townflow.compile.bench_owner). A failed step shows the
frames of this project's code from the traceback (not only the database driver's), and a failed
install says in one line whether the site is as it was or what to run next.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from townflow.compile.bench_owner import BenchOwner, OwnerError, bench_owner
from townflow.compile.templates import APP_NAME


class DeployError(Exception):
    pass


def engine_root(project: Path | None = None) -> Path:
    """The townflow repository to install into the bench: the checkout this command runs from
    (where setup.py is), else the project folder when it is townflow's checkout (a base
    `pip install townflow` run from it)."""
    import townflow

    root = Path(townflow.__file__).resolve().parents[2]
    for candidate in (root, project):
        if (
            candidate is not None
            and (candidate / "setup.py").is_file()
            and (candidate / "apps" / "townflow").is_dir()
        ):
            return candidate
    raise DeployError(f"cannot find townflow's setup.py above {townflow.__file__}; pass --engine")


def find_bench_command(bench: Path, given: str | None) -> str:
    if given:
        if shutil.which(given) or Path(given).is_file():
            return given
        raise DeployError(f"the `bench` command {given!r} does not exist")
    for candidate in (shutil.which("bench"), str(Path(sys.executable).with_name("bench"))):
        if candidate and (shutil.which(candidate) or Path(candidate).is_file()):
            return candidate
    raise DeployError("the `bench` command (frappe-bench) is not on PATH; pass --bench-cmd /path/to/bench")


class Deployer:
    def __init__(self, bench: Path, site: str, bench_cmd: str, app_dir: Path, engine: Path, verbose: bool):
        self.bench, self.site, self.bench_cmd = bench, site, bench_cmd
        self.app_dir, self.engine, self.verbose = app_dir, engine, verbose
        self.python = bench / "env" / "bin" / "python"
        self.step_no = 0
        self.owner: BenchOwner | None = None
        self.bench_cmd_given = False  # a --bench-cmd runs as given (it may switch user itself)

    def say(self, text: str) -> None:
        print(f"[deploy] {text}", flush=True)

    def run(self, title: str, argv: list[str], cwd: Path) -> str:
        self.step_no += 1
        self.say(f"{self.step_no}. {title}: {shlex.join(argv)}")
        env = {**os.environ, "PATH": f"{Path(self.bench_cmd).parent}:{os.environ.get('PATH', '')}"}
        # Output goes to a file, not a pipe: a restart command leaves servers running that would
        # hold a pipe open (and this command waiting) forever.
        with tempfile.TemporaryFile(mode="w+") as log:
            proc = subprocess.run(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
            log.seek(0)
            output = log.read()
        if self.verbose and output.strip():
            print(output.rstrip())
        if proc.returncode != 0:
            tail = "\n".join(output.strip().splitlines()[-25:])
            frames = project_frames(output)
            ours = f"\n-- in this project's code:\n{frames}" if frames else ""
            raise DeployError(
                f"step {self.step_no} ({title}) failed with exit status {proc.returncode}:\n{tail}{ours}"
            )
        self.say(f"{self.step_no}. {title}: ok")
        return output

    def as_owner(self, argv: list[str]) -> list[str]:
        return self.owner.as_owner(argv) if self.owner is not None else argv

    def bench_site(self, title: str, *args: str) -> str:
        argv = [self.bench_cmd, "--site", self.site, *args]
        return self.run(title, argv if self.bench_cmd_given else self.as_owner(argv), cwd=self.bench)

    def check_bench(self) -> None:
        if not (self.bench / "apps" / "frappe").is_dir() or not self.python.is_file():
            raise DeployError(f"{self.bench} is not a bench (no apps/frappe or env/bin/python)")
        if not (self.bench / "sites" / self.site / "site_config.json").is_file():
            raise DeployError(f"site {self.site!r} does not exist in {self.bench}/sites")
        if not (self.app_dir / APP_NAME / "hooks.py").is_file():
            raise DeployError(f"{self.app_dir} holds no built app: run `townflow build` first")
        self.say(f"bench {self.bench}, site {self.site}, app {self.app_dir}")

    def link_app(self) -> None:
        target = self.bench / "apps" / APP_NAME
        if target.is_symlink():
            if target.resolve() != self.app_dir.resolve():
                raise DeployError(f"{target} links to {target.resolve()}, not {self.app_dir}")
            self.say(f"{target} already links to {self.app_dir}")
        elif target.exists():
            raise DeployError(f"{target} exists and is not a link to {self.app_dir}; remove it first")
        else:
            target.symlink_to(self.app_dir.resolve(), target_is_directory=True)
            if self.owner is not None:
                self.owner.hand_over(target)
            self.say(f"linked {target} -> {self.app_dir.resolve()}")
        apps_txt = self.bench / "sites" / "apps.txt"
        listed = apps_txt.read_text().split() if apps_txt.is_file() else []
        if APP_NAME not in listed:
            text = apps_txt.read_text() if apps_txt.is_file() else ""
            apps_txt.write_text(text.rstrip("\n") + ("\n" if text.strip() else "") + APP_NAME + "\n")
            if self.owner is not None:
                self.owner.hand_over(apps_txt)
            self.say(f"added {APP_NAME} to {apps_txt}")

    def installed(self) -> bool:
        out = self.bench_site("list the site's apps", "list-apps")
        return any(line.split()[0] == APP_NAME for line in out.splitlines() if line.split())

    def install_engine(self, pip: list[str]) -> None:
        """townflow into the bench's env: editable when we are the bench's owner (built with the
        bench's own setuptools); run by root, from a copy of its sources handed to the owner and
        installed as them (an editable build would write into this checkout as that user)."""
        if self.owner is None or not self.owner.switch:
            engine = [*pip, "--no-build-isolation", "--no-deps", "-e", str(self.engine)]
            self.run("install the townflow engine into the bench env", engine, self.bench)
            return
        with tempfile.TemporaryDirectory(prefix="townflow-engine-") as folder:
            copy = Path(folder) / "townflow"
            copy_engine_sources(self.engine, copy)
            for path in [Path(folder), *Path(folder).rglob("*")]:
                self.owner.hand_over(path)
            install = [*pip, "--no-build-isolation", "--no-deps", "--force-reinstall", str(copy)]
            self.run("install the townflow engine into the bench env", install, self.bench)

    def install_on_site(self) -> None:
        """install-app (or migrate), after clearing the site's cache; a failed install says whether
        the site is as it was or what to run next."""
        self.bench_site("clear the cache (a module map cached before the app was linked)", "clear-cache")
        if self.installed():
            self.bench_site("migrate the site (app already installed)", "migrate")
            return
        try:
            self.bench_site("install the app on the site", "install-app", APP_NAME)
        except DeployError as exc:
            try:
                half = self.installed()
            except DeployError:
                half = None
            again = "run the same `townflow deploy` again"
            if half:
                nxt = f"{APP_NAME} is half-installed on {self.site}: fix the error above and {again} (it migrates)"  # noqa: E501
            elif half is None:
                nxt = f"could not list {self.site}'s apps: check the site, then {again}"
            else:
                nxt = f"{self.site} is as it was ({APP_NAME} not installed): fix the error above and {again}"
            raise DeployError(f"{exc}\nnext: {nxt}") from exc

    def deploy(self, restart_cmd: str | None) -> None:
        pip = self.as_owner([str(self.python), "-m", "pip", "install", "--quiet"])
        # The app builds with flit_core, fetched by pip into an isolated build environment as
        # `bench get-app` does.
        self.install_engine(pip)
        self.link_app()
        self.run("install the app package", [*pip, "-e", str(self.bench / "apps" / APP_NAME)], self.bench)
        self.install_on_site()
        self.bench_site("clear the cache", "clear-cache")
        if restart_cmd:
            self.run("restart the web workers", ["sh", "-c", restart_cmd], self.bench)
        else:
            self.say("no --restart-cmd: restart the bench's web workers so they import the app")


def run_deploy(args: argparse.Namespace) -> int:
    try:
        bench = Path(args.bench).resolve()
        app_dir = Path(args.app).resolve() if args.app else (Path(args.project) / "apps" / APP_NAME).resolve()
        deployer = Deployer(bench, args.site, args.bench_cmd or "bench", app_dir, Path(), args.verbose)
        deployer.check_bench()
        project = Path(args.project).resolve()
        deployer.engine = Path(args.engine).resolve() if args.engine else engine_root(project)
        deployer.owner = bench_owner(bench)
        deployer.bench_cmd = find_bench_command(bench, args.bench_cmd)
        deployer.bench_cmd_given = bool(args.bench_cmd)
        deployer.deploy(args.restart_cmd)
    except (DeployError, OwnerError) as exc:
        print(f"townflow deploy: {exc}", file=sys.stderr)
        return 1
    print(f"townflow deploy: {APP_NAME} is installed on {args.site}")
    return 0


def copy_engine_sources(engine: Path, target: Path) -> None:
    """What building townflow's package reads: setup.py, pyproject.toml, README.md, apps/townflow."""
    target.mkdir(parents=True)
    for name in ("setup.py", "pyproject.toml", "README.md"):
        if (engine / name).is_file():
            shutil.copy2(engine / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(engine / "apps" / "townflow", target / "apps" / "townflow", ignore=ignore)


def project_frames(output: str) -> str:
    """The traceback frames of this project's code (the app's extension code, the townflow
    package) in a command's output, each with its source line: what failed in our code, not only
    in the database driver it ended in."""
    lines = output.splitlines()
    found = []
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith("File ") and ("/care_for_girls/" in text or "/townflow/" in text):
            found.append(text)
            if i + 1 < len(lines) and not lines[i + 1].strip().startswith("File "):
                found.append("    " + lines[i + 1].strip())
    return "\n".join(found[-12:])


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("deploy", help="install or update apps/care_for_girls on a Frappe bench")
    p.add_argument("--bench", required=True, help="the bench folder (holding apps/, env/, sites/)")
    p.add_argument("--site", required=True, help="the site to install the app on")
    p.add_argument("--bench-cmd", help="the frappe-bench `bench` command (default: from PATH)")
    p.add_argument("--app", help=f"the built app folder (default: apps/{APP_NAME} under --project)")
    p.add_argument("--engine", help="the townflow repository to pip-install (default: this one)")
    p.add_argument("--restart-cmd", help="shell command that restarts the bench's web workers afterwards")
    p.add_argument("--verbose", action="store_true", help="show each command's output")
    p.set_defaults(func=run_deploy)
