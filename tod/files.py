"""The file layer: checked reading of text, JSON and YAML files, and writing so that a reader sees the
old version or the new one, never a part.

Reading. :func:`read_text`, :func:`read_json` and :func:`read_yaml` raise the caller's own
:class:`~tod.errors.TodError` subclass (``error=``) for every way a file can be unusable: missing, a
directory, unreadable, not UTF-8 (with the line of the first bad byte), not valid JSON or YAML (with
line and column), nested too deeply or holding a number too long to read, or not of the shape the
caller expected at the top (``top=``). Each message names the file and ``what`` the caller expected.

Writing. :func:`atomic_file` and :func:`write_atomically` write a file into a scratch file of its own
beside it, flush it to disk and rename it into place. :func:`atomic_directory` writes a directory (a
model, a converted encoder) into a temporary sibling directory, flushes every file to disk, writes a
``manifest.json`` with the size and SHA-256 of each file last (unless the directory records its own
contents), and only then renames the directory into place. A crash at any point leaves either the
old version or the new one, never a file or directory that half-loads; :func:`verify` refuses a
model directory whose manifest is missing or whose files do not match it. :func:`file_lock` makes
processes that build the same thing in a shared cache take turns.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Mapping

from tod.errors import ModelDirError, TodError

MANIFEST = "manifest.json"
FORMAT = "tod-model"


def read_bytes(path: str | os.PathLike[str], *, error: type[TodError], what: str) -> bytes:
    """The bytes of the file ``path``; ``error`` (saying ``what`` was expected) when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise error.at(_unreadable(exc, what), str(path)) from exc


def _unreadable(exc: OSError, what: str) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"expected {what}, found nothing there"
    if isinstance(exc, IsADirectoryError):
        return f"expected {what}, found a directory"
    return f"cannot read {what}: {exc.strerror or exc}"  # no permission, an I/O error


def decode(raw: bytes, *, error: type[TodError], what: str, where: str) -> str:
    """``raw`` as UTF-8 text; ``error`` naming the line of the first byte that cannot be decoded."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        found = f"found byte {raw[exc.start]:#04x} that cannot be decoded ({exc.reason})"
        raise error.at(f"expected UTF-8 text in {what}, {found}", where, line) from exc


def read_text(path: str | os.PathLike[str], *, error: type[TodError], what: str) -> str:
    """The UTF-8 text of the file ``path`` (see :func:`read_bytes` and :func:`decode`)."""
    return decode(read_bytes(path, error=error, what=what), error=error, what=what, where=str(path))


def parse_json(
    text: str,
    *,
    error: type[TodError],
    what: str,
    where: str,
    line: int | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """The JSON value ``text`` read from ``where`` (``line``: the file's line that holds all of ``text``,
    for JSON Lines); ``error`` with the line and column of a syntax error."""
    try:
        return json.loads(text, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        message = f"not valid JSON in {what}: {exc.msg} (column {exc.colno})"
        raise error.at(message, where, line or exc.lineno) from exc
    except RecursionError as exc:
        raise error.at(f"JSON nested too deeply to read in {what}", where, line) from exc
    except ValueError as exc:  # an integer of more than 4,300 digits; a constant ``parse_constant`` refused
        raise error.at(f"unreadable JSON in {what}: {exc}", where, line) from exc


def read_json(
    path: str | os.PathLike[str],
    *,
    error: type[TodError],
    what: str,
    member: str | None = None,
    top: type | None = None,
    shape: str | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """The JSON value in the file ``path``, or in ``member`` of the zip archive ``path`` (a ``.zip``
    path without ``member`` must hold exactly one ``.json`` file); ``top`` (``dict`` or ``list``), when
    given, is the type the value must have (``shape`` says it in words: "a mapping with 'entries'").
    Every failure is ``error`` naming the file (``archive!member``) and what was expected."""
    path = Path(path)
    if path.suffix == ".zip":
        raw, where = _archive_member(path, member, error=error, what=what)
    else:
        raw, where = read_bytes(path, error=error, what=what), str(path)
    text = decode(raw, error=error, what=what, where=where)
    data = parse_json(text, error=error, what=what, where=where, parse_constant=parse_constant)
    return _checked_top(data, top, shape, error, what, where)


def read_yaml(
    path: str | os.PathLike[str],
    *,
    error: type[TodError],
    what: str,
    top: type | None = None,
    shape: str | None = None,
    loader: type | None = None,
) -> Any:
    """The YAML document in the file ``path`` (``None`` for an empty one), read with the safe ``loader``
    (default ``yaml.SafeLoader``); ``top`` (``dict`` or ``list``), when given, is the type it must have
    (``shape`` says it in words: "a mapping with 'entries'"). Every failure is ``error`` naming the
    file and what was expected, and the line and column of a syntax error."""
    import yaml

    text = read_text(path, error=error, what=what)
    where = str(path)
    try:
        data = yaml.load(text, Loader=loader or yaml.SafeLoader)  # noqa: S506 - a safe loader or a subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        detail = ", ".join(str(part) for part in (exc.context, exc.problem) if part)
        line = mark.line + 1 if mark is not None else None
        column = f" (column {mark.column + 1})" if mark is not None else ""
        raise error.at(f"not valid YAML in {what}: {detail}{column}", where, line) from exc
    except yaml.YAMLError as exc:  # a character YAML does not allow (its message gives the position)
        raise error.at(f"not valid YAML in {what}: {exc}", where) from exc
    except RecursionError as exc:
        raise error.at(f"YAML nested too deeply to read in {what}", where) from exc
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise error.at(f"unreadable YAML in {what}: {exc}", where) from exc
    return _checked_top(data, top, shape, error, what, where)


def _checked_top(
    data: Any, top: type | None, shape: str | None, error: type[TodError], what: str, where: str
) -> Any:
    if top is None or isinstance(data, top):
        return data
    expected = shape or {dict: "a mapping", list: "a list"}.get(top, top.__name__)
    found = "an empty file" if data is None else type(data).__name__
    raise error.at(f"expected {expected} at the top of {what}, found {found}", where)


def _archive_member(path: Path, member: str | None, *, error: type[TodError], what: str) -> tuple[bytes, str]:
    """The bytes of ``member`` of the zip archive ``path`` (its one ``.json`` file when ``member`` is
    None) and where they were read from (``archive!member``)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith(".json") and not n.startswith("__MACOSX")]
            if member is None:
                if len(names) != 1:
                    raise error.at(f"expected exactly one .json file in the archive, found {names}", str(path))
                member = names[0]
            if member not in archive.namelist():
                raise error.at(f"archive has no member {member!r} (members: {names})", str(path))
            return archive.read(member), f"{path}!{member}"
    except TodError:
        raise
    except zipfile.BadZipFile as exc:
        raise error.at(f"not a readable zip archive (truncated or corrupt?): {exc}", str(path)) from exc
    except OSError as exc:  # missing; a truncated member raises zlib errors via OSError
        raise error.at(_unreadable(exc, what), str(path)) from exc
    except EOFError as exc:  # a truncated member
        raise error.at(f"cannot read {what}: {exc}", str(path)) from exc
    except (NotImplementedError, RuntimeError, ValueError) as exc:  # a compression method or zip version
        # zipfile does not support, an encrypted member, a member name that is not UTF-8
        raise error.at(f"expected a plain zip archive, found one that cannot be read: {exc}", str(path)) from exc
    except Exception as exc:  # zlib.error or lzma.LZMAError on a corrupt compressed stream
        if type(exc).__module__ in ("zlib", "_lzma"):
            raise error.at(f"corrupt compressed data: {exc}", str(path)) from exc
        raise


class FileChecker:
    """Checked access to the data parsed from the file ``source``: a failure is ``error`` naming the file
    and the key path inside it (``domains.hotel.area``; ``<top level>`` for the whole document)."""

    def __init__(self, source: str | os.PathLike[str], error: type[TodError]) -> None:
        self.source = source
        self.error = error

    def fail(self, where: str, message: str) -> TodError:
        return self.error(f"{self.source}: {where or '<top level>'}: {message}")

    def mapping(self, data: Any, where: str) -> Mapping[Any, Any]:
        if not isinstance(data, Mapping):
            raise self.fail(where, f"expected a mapping, found {type(data).__name__} {data!r:.60}")
        return data

    def keys(self, data: Mapping[Any, Any], where: str, allowed: tuple[str, ...]) -> None:
        """Refuse keys of ``data`` outside ``allowed``, and booleans as keys."""
        unknown = [k for k in data if k not in allowed]
        if unknown:
            raise self.fail(where, f"unknown key(s) {unknown}: expected some of {list(allowed)}")
        self.no_boolean_keys(data, where)

    def no_boolean_keys(self, data: Mapping[Any, Any], where: str) -> None:
        """Refuse bare yes/no/on/off as keys: YAML reads them as booleans, never as the names they look like."""
        if True in data or False in data:
            raise self.fail(where, "found a boolean key: quote yes/no/on/off when they are names")


@contextmanager
def atomic_file(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO[Any]]:
    """Yield a handle on a new scratch file beside ``path`` (UTF-8 text, or bytes with ``binary``);
    when the block ends, the file is flushed to disk and renamed over ``path``, so a reader sees the
    old file or the new one, never a part. On any error the scratch file is removed and ``path`` is
    left as it was.

    Each writer gets a scratch file of its own (``.<name>.tmp-<random>``, created exclusively), so two
    processes writing the same file never write into one scratch file; the last rename wins. The file
    gets the permissions a plain ``open`` would give it (``0o666`` less the umask)."""
    path = Path(path)
    fd, scratch = _new_scratch_file(path)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(scratch, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(scratch)
        raise
    _fsync_directory(path.parent)


def write_atomically(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` through :func:`atomic_file`; returns ``path``."""
    with atomic_file(path, binary=isinstance(data, bytes)) as handle:
        handle.write(data)
    return Path(path)




def _new_scratch_file(path: Path) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        scratch = path.with_name(f".{path.name}.tmp-{secrets.token_hex(6)}")
        try:
            return os.open(scratch, flags, 0o666), scratch
        except FileExistsError:  # another writer drew the same name (1 in 2**48): draw again
            continue


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable, where the platform lets a directory be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file ``path`` (hex), read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


@contextmanager
def atomic_directory(target: str | Path, kind: str | None) -> Iterator[Path]:
    """Yield a scratch directory (a new sibling of ``target``, mode 0700 until the caller widens it);
    when the block ends, its files are flushed to disk and it replaces ``target`` atomically (an
    existing ``target`` is moved aside first, then deleted). On any error the scratch directory is
    deleted and ``target`` is left as it was.

    ``kind`` (e.g. ``"jointbert"``) is recorded in a ``manifest.json`` written last (size and SHA-256 of
    every file) and checked by :func:`verify`; ``None`` writes no manifest, for a directory that
    records its own contents (the converted e5-small encoder's marker).
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ModelDirError(f"{target} exists and is not a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield scratch
        if kind is not None:
            _write_manifest(scratch, kind)
        _fsync_tree(scratch)
        trash = _move_aside(target) if target.exists() else None
        os.replace(scratch, target)
        _fsync_directory(target.parent)
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _write_manifest(directory: Path, kind: str) -> None:
    files = {
        str(p.relative_to(directory)): {"bytes": p.stat().st_size, "sha256": file_sha256(p)}
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
    manifest = {"format": FORMAT, "kind": kind, "files": files}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))


def _move_aside(directory: Path) -> Path:
    """Move ``directory`` (atomically) into a new hidden sibling directory, which is returned for deleting."""
    trash = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old-", dir=directory.parent))
    os.replace(directory, trash / directory.name)
    return trash


@contextmanager
def file_lock(path: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if missing, never deleted) while the block
    runs: processes that build the same thing in a shared cache take turns (``fcntl.flock``)."""
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def verify(directory: str | Path, kind: str, check_hashes: bool = True) -> dict[str, Any]:
    """Check that ``directory`` is a complete model of ``kind``; return its manifest."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelDirError(f"model directory not found: {directory}")
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise ModelDirError(
            f"{directory} is not a complete tod model: {MANIFEST} is missing "
            "(was the save interrupted, or is this a plain Hugging Face checkpoint?)"
        )
    manifest = read_json(manifest_path, error=ModelDirError, what="the model's manifest", top=dict)
    try:
        files = manifest["files"]
        found_kind = manifest["kind"]
    except KeyError as exc:
        raise ModelDirError(f"{manifest_path} is corrupt (no {exc})") from exc
    if manifest.get("format") != FORMAT or found_kind != kind:
        raise ModelDirError(f"{directory} holds a {found_kind!r} model, expected {kind!r}")
    problems = []
    for name, info in files.items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif path.stat().st_size != info["bytes"]:
            problems.append(f"{name} has {path.stat().st_size} bytes, expected {info['bytes']}")
        elif check_hashes and file_sha256(path) != info["sha256"]:
            problems.append(f"{name} does not match its checksum")
    if problems:
        raise ModelDirError(f"{directory} is incomplete or corrupt: " + "; ".join(problems))
    return manifest
