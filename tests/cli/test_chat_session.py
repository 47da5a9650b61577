"""`tod chat --session NAME`: the conversation is committed every turn and resumed by the next process,
survives SIGKILL in the middle of a turn, and bad names or stores are refused without changing anything."""

from __future__ import annotations

import io
import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from tod.cli.chat_commands import Console, run_chat
from tod.cli.chat_session import MAX_NAME, NAMESPACE, PAUSE_ENV, ChatSession, check_session_name
from tod.cli.main import main
from tod.dialogue import SYSTEM, USER, Turn
from tod.errors import ConfigError
from tod.state import DialogueState
from tod.store import STATE_SCHEMA, SQLiteStateStore

WAIT = 120.0  # seconds a reply may take (a loaded tiny pipeline answers in well under one)
LINES = ["i want a cheap restaurant in the north", "what is the phone number", "book it for 4 people on friday"]


# ---------------------------------------------------------------------------------------- helpers
def chat_command(overrides: dict[str, str], cache: Path, *extra: str) -> list[str]:
    sets = [part for key, value in overrides.items() for part in ("--set", f"{key}={value}")]
    return [sys.executable, "-m", "tod.cli.main", "chat", "--no-progress", "--cache-dir", str(cache), *sets, *extra]


def chat_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != PAUSE_ENV}
    env.update(TOD_CACHE=str(home), OMP_WAIT_POLICY="PASSIVE", TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1")
    env.update(extra)
    return env


class LiveChat:
    """A `tod chat` process fed one line at a time, its stdout and stderr read by threads (no deadlock)."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        self.err_seen: list[str] = []
        for stream, into in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, into), daemon=True).start()

    @staticmethod
    def _pump(stream: IO[str], into: queue.Queue[str]) -> None:
        for line in stream:
            into.put(line.rstrip("\n"))

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def say(self, line: str) -> str:
        """Send ``line`` and wait for its one line of reply."""
        self.send(line)
        try:
            return self.out.get(timeout=WAIT)
        except queue.Empty:
            self.kill()
            pytest.fail(f"no reply to {line!r} within {WAIT} s; stderr: {self.err_seen + list(self.err.queue)}")

    def wait_stderr(self, text: str) -> None:
        while True:
            try:
                line = self.err.get(timeout=WAIT)
            except queue.Empty:
                self.kill()
                pytest.fail(f"{text!r} never came on stderr; it had: {self.err_seen}")
            self.err_seen.append(line)
            if text in line:
                return

    def kill(self) -> int:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=WAIT)


def assert_sound(path: Path) -> None:
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def stored(path: Path, name: str):
    with SQLiteStateStore(path, NAMESPACE) as store:
        return store.load(name)


@pytest.fixture
def chat_home(tmp_path: Path, tiny_pipeline) -> Path:  # tiny_pipeline: the tiny NLU is trained and cached
    (tmp_path / "cwd").mkdir()
    return tmp_path


def default_store(home: Path) -> Path:
    return home / "states" / "cityguide.sqlite3"


# ---------------------------------------------------------------------------------------- resume
def test_a_second_process_resumes_where_the_first_stopped(chat_home, tiny_pipeline_overrides, tiny_cache):
    command = chat_command(tiny_pipeline_overrides, tiny_cache, "--session", "alice")
    run = dict(capture_output=True, text=True, env=chat_env(chat_home), cwd=chat_home / "cwd", timeout=300)
    first = subprocess.run(command, input="".join(f"{x}\n" for x in [*LINES[:2], "/state"]), **run)
    assert first.returncode == 0, first.stderr
    replies = first.stdout.splitlines()
    assert len(replies) == 3 and "resumed" not in first.stderr
    before = json.loads(replies[2])
    assert before["turns"] == 2

    second = subprocess.run(command, input=f"/state\n{LINES[2]}\n/state\n", **run)
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    assert len(lines) == 3  # still exactly one stdout line per input line
    assert "resumed session alice at turn 2" in second.stderr
    assert json.loads(lines[0]) == before  # belief, last acts, matches, route and turn counter
    assert json.loads(lines[2])["turns"] == 3

    record = stored(default_store(chat_home), "alice")
    assert record is not None and record.turn == 3
    assert [t.text for t in record.state.history if t.speaker == USER] == LINES
    assert list((chat_home / "cwd").iterdir()) == []  # nothing written into the current directory


def test_every_turn_is_committed_before_its_reply_and_reset_forgets(tiny_pipeline, tmp_path):
    session = ChatSession.open("bob", tmp_path / "s.sqlite3")

    seen: list[int] = []

    class Checking(Console):
        def reply(self, text: str) -> None:  # the stored turn when the user sees the reply
            record = session.store.load("bob")
            seen.append(record.turn if record else -1)
            super().reply(text)

    out = io.StringIO()
    tiny_pipeline.reset()
    script = [LINES[0], LINES[1], "/reset", "hello"]
    run_chat(tiny_pipeline, io.StringIO("".join(f"{x}\n" for x in script)), Checking(False, out), session=session)
    assert seen == [1, 2, 1]
    assert len(out.getvalue().splitlines()) == 3
    record = session.store.load("bob")
    assert record is not None and record.turn == 1 and record.state == tiny_pipeline.state
    run_chat(tiny_pipeline, io.StringIO("/reset\n"), Console(False, io.StringIO()), session=session)
    assert session.store.load("bob") is None and session.store.keys() == []
    session.close()


# ---------------------------------------------------------------------------------------- SIGKILL
def test_sigkill_in_the_middle_of_a_turn_resumes_at_the_last_completed_turn(
    chat_home, tiny_pipeline_overrides, tiny_cache
):
    command = chat_command(tiny_pipeline_overrides, tiny_cache, "--session", "carol")
    # the hook stops the process just before it commits turn 3: the kill lands mid-turn, every time
    chat = LiveChat(command, chat_env(chat_home, **{PAUSE_ENV: "3"}), chat_home / "cwd")
    assert chat.say(LINES[0]) and chat.say(LINES[1])
    at_two = json.loads(chat.say("/state"))
    chat.send(LINES[2])
    chat.wait_stderr("pausing before saving turn 3")
    assert chat.kill() == -signal.SIGKILL
    assert chat.out.empty()  # the third reply was never shown

    path = default_store(chat_home)
    assert_sound(path)
    record = stored(path, "carol")
    assert record is not None and record.turn == 2 and record.state.turn_count == 2
    assert record.state.belief.to_dict() == at_two["belief"]

    # restart: the conversation is back at turn 2, exactly as it was
    again = LiveChat(command, chat_env(chat_home), chat_home / "cwd")
    again.wait_stderr("resumed session carol at turn 2")
    assert json.loads(again.say("/state")) == at_two
    # and a kill with no pause, anywhere in turn 3 (before, during or after its commit), leaves a
    # sound store at a completed turn
    again.send(LINES[2])
    assert again.kill() in (0, -signal.SIGKILL)
    assert_sound(path)
    record = stored(path, "carol")
    assert record is not None and record.turn in (2, 3) and record.state.turn_count == record.turn
    assert [t.text for t in record.state.history if t.speaker == USER] == LINES[: record.turn]
    if record.turn == 2:
        assert record.state.belief.to_dict() == at_two["belief"]


# ---------------------------------------------------------------------------------------- refusals
def one_turn_state() -> DialogueState:
    return DialogueState(history=(Turn(USER, "hello"), Turn(SYSTEM, "hi")))


def refused(argv: list[str], capsys) -> str:
    assert main(["chat", *argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    return err


@pytest.mark.parametrize(
    "name", ["", "   ", " alice", "alice\n", "a\x1b[31mb", "a\x00b", "tab\there", "x" * (MAX_NAME + 1), "rtl\u202eabc"]
)
def test_bad_session_names_are_refused_before_anything_is_opened(name, tmp_path, capsys):
    store = tmp_path / "s.sqlite3"
    err = refused(["--session", name, "--store", str(store)], capsys)
    assert "--session expects a name of 1 to 100 printable characters" in err
    assert not store.exists()


def test_good_session_names_pass():
    for name in ["alice", "x" * MAX_NAME, "a b/c:d", "名前", "émile-2"]:
        assert check_session_name(name) == name
    with pytest.raises(ConfigError):
        check_session_name(None)


def test_store_needs_a_session_and_a_path(tmp_path, capsys):
    assert "give --session NAME too" in refused(["--store", str(tmp_path / "s.sqlite3")], capsys)
    expected = "--store expects an SQLite file's path or a postgresql:// URL"
    assert expected in refused(["--session", "a", "--store", " "], capsys)


def test_a_corrupt_store_is_refused_and_left_as_it_was(tmp_path, capsys):
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(bytes(range(256)) * 64)
    err = refused(["--session", "a", "--store", str(garbage)], capsys)
    assert "garbage.sqlite3: file is not a database (nothing was changed" in err
    assert garbage.read_bytes() == bytes(range(256)) * 64

    damaged = tmp_path / "damaged.sqlite3"  # a sound header, garbage pages behind it
    with SQLiteStateStore(damaged, NAMESPACE) as store:
        for i in range(40):
            store.save(f"k{i}", one_turn_state(), 1)
    content = bytearray(damaged.read_bytes())
    content[2 * 4096 :] = b"\xa5" * (len(content) - 2 * 4096)
    damaged.write_bytes(bytes(content))
    err = refused(["--session", "k1", "--store", str(damaged)], capsys)
    assert "damaged.sqlite3" in err and "nothing was changed" in err
    assert damaged.read_bytes() == bytes(content)


def test_a_record_of_a_newer_schema_is_refused_and_kept(tmp_path, capsys):
    path = tmp_path / "s.sqlite3"
    with SQLiteStateStore(path, NAMESPACE) as store:
        store.save("eve", one_turn_state(), 1)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE states SET schema = ?", (STATE_SCHEMA + 1,))
    err = refused(["--session", "eve", "--store", str(path)], capsys)
    assert f"was stored with state schema {STATE_SCHEMA + 1}; this tod reads schema {STATE_SCHEMA}" in err
    assert "a newer tod wrote it" in err
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT schema, turn FROM states WHERE key = 'eve'").fetchone() == (STATE_SCHEMA + 1, 1)


def test_a_record_whose_turn_disagrees_with_its_history_is_refused(tmp_path, capsys):
    path = tmp_path / "s.sqlite3"
    with SQLiteStateStore(path, NAMESPACE) as store:
        store.save("eve", one_turn_state(), 5)
    assert "recorded at turn 5 but its history has 1 user turns" in refused(
        ["--session", "eve", "--store", str(path)], capsys
    )


def test_a_store_in_an_impossible_place_is_refused(tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    err = refused(["--session", "a", "--store", str(a_file / "sub" / "s.sqlite3")], capsys)
    assert "cannot create the folder of the state store" in err
    a_folder = tmp_path / "folder.sqlite3"
    a_folder.mkdir()
    assert "cannot open the state store" in refused(["--session", "a", "--store", str(a_folder)], capsys)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_store_in_a_read_only_folder_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        err = refused(["--session", "a", "--store", str(locked / "s.sqlite3")], capsys)
        assert "state store" in err
    finally:
        locked.chmod(0o700)
