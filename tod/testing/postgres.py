"""A throwaway PostgreSQL server for tests and benchmarks: ``initdb`` and ``pg_ctl`` in a temporary folder.

:func:`start_cluster` creates a cluster in a new temporary folder, starts it on a free loopback port
(TCP only, no Unix socket), with password authentication (SCRAM) for the user ``tod`` and a
database ``tod``, and returns a :class:`PostgresCluster` whose :attr:`~PostgresCluster.url` a state
store opens. :meth:`PostgresCluster.stop` stops the server (``pg_ctl stop -m fast``) and removes the
folder. PostgreSQL refuses to run as root: as root, the cluster's files belong to and its programs
run as the ``postgres`` user (Debian's package creates it) or else ``nobody``.

The programs are found in ``$TOD_POSTGRES_BIN``, on ``PATH``, or in Debian's
``/usr/lib/postgresql/<version>/bin`` (newest first); Debian's package ``postgresql`` provides them
(``apt-get install postgresql``; ``.ci/run`` installs it where it is missing).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Where to look for initdb/pg_ctl first (a folder).
BIN_ENV = "TOD_POSTGRES_BIN"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
PROGRAMS = ("initdb", "pg_ctl", "postgres")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's programs are not installed, or a cluster could not be started (the message says why)."""


def find_bin() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``, or ``None`` (module docstring)."""
    candidates: list[Path] = []
    if os.environ.get(BIN_ENV):
        candidates.append(Path(os.environ[BIN_ENV]))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    if DEBIAN_ROOT.is_dir():

        def version(path: Path) -> tuple[int, ...]:
            return tuple(int(p) for p in path.name.split(".") if p.isdigit())

        candidates += [v / "bin" for v in sorted(DEBIAN_ROOT.iterdir(), key=version, reverse=True)]
    for folder in candidates:
        if all(os.access(folder / program, os.X_OK) for program in PROGRAMS):
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as() -> dict[str, Any]:
    """``subprocess`` arguments that run a program as an unprivileged user when this process is root."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    raise PostgresUnavailable("running as root, and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL")


@dataclass
class PostgresCluster:
    """A running throwaway cluster: its folder, port and password, and how to reach it."""

    folder: Path
    bin: Path
    port: int
    password: str
    user: str = "tod"
    database: str = "tod"
    _as: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url_for(self, database: str | None = None, *, user: str | None = None, password: str | None = None) -> str:
        """The URL of ``database`` (default: the cluster's own) as ``user`` with ``password``."""
        return (
            f"postgresql://{user or self.user}:{self.password if password is None else password}"
            f"@127.0.0.1:{self.port}/{database or self.database}"
        )

    @property
    def url(self) -> str:
        return self.url_for()

    def create_database(self, name: str) -> str:
        """Create the database ``name`` (letters, digits, underscores) and return its URL."""
        if not name.replace("_", "").isalnum() or not name.isascii():
            raise ValueError(f"expected a database name of ASCII letters, digits and underscores, found {name!r}")
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def execute(self, sql: str, params: Any = None, database: str | None = None) -> list[tuple[Any, ...]]:
        """Run one statement as the cluster's owner (autocommit); the rows it returned, if any."""
        import psycopg

        with psycopg.connect(self.url_for(database), autocommit=True) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def _pg_ctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            **self._as,
        )

    def running(self) -> bool:
        return self._pg_ctl("status").returncode == 0

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove the folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                done = self._pg_ctl("stop", "-m", "fast", "-w", "-t", "30")
                if done.returncode != 0 and self.running():
                    self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "30")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_cluster(*, settings: dict[str, str] | None = None, timeout: float = 60.0) -> PostgresCluster:
    """A new cluster, started and ready (module docstring); ``settings``: extra ``postgres -c`` settings.

    Raises :class:`PostgresUnavailable` when the programs are missing or the cluster does not start
    (the message holds the end of the server's log)."""
    folder_bin = find_bin()
    if folder_bin is None:
        raise PostgresUnavailable(
            f"PostgreSQL's programs (initdb, pg_ctl) were not found in ${BIN_ENV}, on PATH or in "
            f"{DEBIAN_ROOT}/*/bin: apt-get install postgresql"
        )
    run_as = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="tod-postgres-"))
    cluster = PostgresCluster(folder, folder_bin, _free_port(), secrets.token_hex(12), _as=run_as)
    try:
        password_file = folder / "password"
        password_file.write_text(cluster.password + "\n")
        if run_as:
            os.chown(folder, run_as["user"], run_as["group"])
            os.chown(password_file, run_as["user"], run_as["group"])
        os.chmod(folder, 0o700)
        initdb = subprocess.run(
            [
                str(folder_bin / "initdb"),
                "-D",
                str(cluster.data),
                "-U",
                cluster.user,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            **run_as,
        )
        if initdb.returncode != 0:
            why = (initdb.stderr or initdb.stdout)[-2000:]
            raise PostgresUnavailable(f"initdb failed ({initdb.returncode}): {why}")
        options = {
            "port": str(cluster.port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": "",
            **(settings or {}),
        }
        command = " ".join(f"-c {key}={value}" for key, value in options.items())
        started = cluster._pg_ctl(
            "start", "-w", "-t", str(int(timeout)), "-l", str(cluster.log), "-o", command, timeout=timeout + 10
        )
        if started.returncode != 0:
            log = cluster.log.read_text(errors="replace")[-2000:] if cluster.log.exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed ({started.returncode}): {started.stderr[-1000:]}\n{log}")
        _wait_for_connections(cluster, timeout)
        cluster.execute(f'CREATE DATABASE "{cluster.database}"', database="postgres")
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_for_connections(cluster: PostgresCluster, timeout: float) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(cluster.url_for("postgres"), connect_timeout=2):
                return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(
                    f"the cluster in {cluster.folder} does not accept connections: {error}"
                ) from None
            time.sleep(0.1)
