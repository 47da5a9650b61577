"""Rasa conversations against a tod action server under load, checked for errors and leaking state.

Two ways to load the server:

* **Closed loop** (:func:`run_load`): ``senders`` conversations at once, each sending ``requests``
  calls of ``action_tod_respond`` over its own keep-alive connection, the next call as soon as the
  previous answer is in. Throughput is whatever the server gives; latency is per answered call.
* **Open loop** (:func:`run_rate_load`): calls arrive on a fixed schedule, ``rate`` per second for
  ``duration`` seconds (call ``k`` is due at ``k / rate`` s), whatever the server does. A pool of
  ``connections`` keep-alive connections sends them; a call's latency counts from the moment it was
  *due*, not from when a free connection sent it, so a server that falls behind shows it in the
  latency instead of silently slowing the senders down (no coordinated omission). Each connection
  plays one conversation after another, ``turns`` calls each. The run stops by itself: nothing is
  sent after ``duration + drain`` seconds, and every call's socket times out at that deadline, so
  the run returns within about ``duration + drain`` seconds however the server behaves; calls not
  sent or not answered by then are errors.

Both take one webhook or several (servers sharing one store): a conversation's turns then go to
the servers in turn (turn ``i`` to webhook ``i mod n``), each over its own keep-alive connection, so
every turn is answered by another server than the previous one.

Every conversation carries tod's slots from one answer to the next, as Rasa's tracker does. It
always asks for its own pair of values (the ``i``-th food and area of the city guide's restaurants:
no two concurrent conversations share a pair): most turns carry Rasa's intent ``inform`` and
entities for them; every ``ask_every``-th turn asks for the phone number (intent ``request``,
entity ``restaurant-phone``); every ``text_every``-th turn is plain text (intent ``nlu_fallback``)
for tod's own NLU, or for nobody on an acts-only server.

Checked on every answer: HTTP 200, a reply text, ``tod_turn`` one more than before, and after each
entity turn a belief whose values are the conversation's own. With ``store`` (a path or URL), the
store is read afterwards: each conversation is at its last turn and its history holds its own user turns only.
Any other conversation's value, turn or text in a conversation is a leak.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import SplitResult, urlsplit

from tod.integrations.rasa.service import ACTION_RESPOND as ACTION
from tod.integrations.rasa.service import NAMESPACE, SLOT_BELIEF, SLOT_TURN, TOD_SLOTS
from tod.integrations.rasa.webhook_client import action_call, domain_payload, tracker_payload


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) of ``values`` by the nearest rank; 0 for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


@dataclass(frozen=True)
class LoadReport:
    """What a closed-loop run found: errors (failed or malformed answers), leaks, per-request seconds, wall time."""

    senders: int
    requests: int
    errors: tuple[str, ...]
    leaks: tuple[str, ...]
    latencies: tuple[float, ...] = field(repr=False)
    wall: float

    @property
    def ok(self) -> bool:
        return not self.errors and not self.leaks

    @property
    def total(self) -> int:
        return self.senders * self.requests

    def percentile(self, q: float) -> float:
        return percentile(self.latencies, q)

    def summary(self) -> dict[str, Any]:
        return {
            "senders": self.senders,
            "requests_per_sender": self.requests,
            "requests": self.total,
            "answered": len(self.latencies),
            "errors": len(self.errors),
            "leaks": len(self.leaks),
            "wall_s": round(self.wall, 2),
            "throughput_per_s": round(len(self.latencies) / self.wall, 1) if self.wall else 0.0,
            "latency_ms": {
                "mean": _ms(statistics.fmean(self.latencies)) if self.latencies else 0.0,
                "p50": _ms(self.percentile(0.5)),
                "p95": _ms(self.percentile(0.95)),
                "max": _ms(max(self.latencies, default=0.0)),
            },
            "first_errors": list(self.errors[:5]),
            "first_leaks": list(self.leaks[:5]),
        }


@dataclass(frozen=True)
class RateReport:
    """What an open-loop run found.

    ``scheduled`` calls were due (``rate`` x ``duration``), ``sent`` were sent; ``latencies`` are
    seconds from a call's due time to its answer (answered calls only), ``service`` from its actual
    send, ``lags`` how late each call was sent after it was due (all connections busy); ``wall``
    is from the start to the last answer, ``elapsed`` from the start until the run returned.
    """

    rate: float
    duration: float
    drain: float
    connections: int
    turns: int
    conversations: int
    scheduled: int
    sent: int
    errors: tuple[str, ...]
    leaks: tuple[str, ...]
    latencies: tuple[float, ...] = field(repr=False)
    service: tuple[float, ...] = field(repr=False)
    lags: tuple[float, ...] = field(repr=False)
    wall: float
    elapsed: float

    @property
    def ok(self) -> bool:
        return not self.errors and not self.leaks

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def achieved_rate(self) -> float:
        """Answered calls per second, over the time from the start to the last answer."""
        return self.answered / self.wall if self.wall else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies, q)

    def summary(self) -> dict[str, Any]:
        return {
            "mode": "open loop: fixed arrival schedule, latency from each call's due time",
            "target_rate_per_s": self.rate,
            "duration_s": self.duration,
            "drain_s": self.drain,
            "connections": self.connections,
            "turns_per_conversation": self.turns,
            "conversations": self.conversations,
            "scheduled": self.scheduled,
            "sent": self.sent,
            "answered": self.answered,
            "errors": len(self.errors),
            "leaks": len(self.leaks),
            "wall_s": round(self.wall, 2),
            "elapsed_s": round(self.elapsed, 2),
            "achieved_rate_per_s": round(self.achieved_rate, 1),
            "latency_ms": {
                "mean": _ms(statistics.fmean(self.latencies)) if self.latencies else 0.0,
                "p50": _ms(self.percentile(0.5)),
                "p95": _ms(self.percentile(0.95)),
                "p99": _ms(self.percentile(0.99)),
                "max": _ms(max(self.latencies, default=0.0)),
            },
            "service_ms": {"p50": _ms(percentile(self.service, 0.5)), "p95": _ms(percentile(self.service, 0.95))},
            "send_lag_ms": {"p95": _ms(percentile(self.lags, 0.95)), "max": _ms(max(self.lags, default=0.0))},
            "first_errors": list(self.errors[:5]),
            "first_leaks": list(self.leaks[:5]),
        }


def sender_values(count: int, domain: str = "cityguide") -> list[tuple[str, str]]:
    """A distinct (food, area) pair of the domain's restaurants for each of ``count`` senders."""
    from tod.domain.loader import load_domain

    schema = load_domain(domain).schemas["restaurant"]
    foods, areas = schema.slot("food").values, schema.slot("area").values  # type: ignore[union-attr]
    pairs = [(foods[i % len(foods)], areas[i % len(areas)]) for i in range(count)]
    if len(set(pairs)) < count:
        raise ValueError(f"only {len(set(pairs))} distinct (food, area) pairs for {count} senders")
    return pairs


class _Conversation:
    """One Rasa conversation: the call for each turn, and the checks of each answer."""

    def __init__(self, sender: str, food: str, area: str, text_every: int, ask_every: int = 0) -> None:
        self.sender, self.food, self.area = sender, food, area
        self.text_every, self.ask_every = text_every, ask_every
        self.slots: dict[str, Any] = {name: None for name in TOD_SLOTS}
        self.answered = 0
        self.failed = False
        self.domain = domain_payload(TOD_SLOTS, [ACTION])

    def _every(self, n: int, index: int) -> bool:
        return bool(n) and index % n == n - 1

    def is_text(self, index: int) -> bool:
        return self._every(self.text_every, index)

    def call(self, index: int) -> dict[str, Any]:
        """The action call of turn ``index`` (0-based)."""
        marker = f"[{self.sender}]"
        if self.is_text(index):
            tracker = tracker_payload(self.sender, self.slots, text=f"{marker} what is the address?")
        elif self._every(self.ask_every, index):
            tracker = tracker_payload(
                self.sender,
                self.slots,
                text=f"{marker} what is their phone number?",
                intent="request",
                confidence=0.95,
                entities=[{"entity": "restaurant-phone", "value": "phone"}],
            )
        else:
            entities = [
                {"entity": "restaurant-food", "value": self.food},
                {"entity": "restaurant-area", "value": self.area},
            ]
            text = f"{marker} {self.food} food in the {self.area}"
            tracker = tracker_payload(
                self.sender, self.slots, text=text, intent="inform", confidence=0.95, entities=entities
            )
        return action_call(ACTION, tracker, self.domain)

    def check(self, index: int, status: int, raw: bytes, errors: list[str], leaks: list[str]) -> None:
        """Check the answer to turn ``index``; carry its slots to the next turn."""
        where = f"{self.sender} request {index}"
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        if status != 200 or not isinstance(payload, dict):
            errors.append(f"{where}: HTTP {status} {raw[:200]!r}")
            self.failed = True
            return
        texts = [r.get("text") for r in payload.get("responses", []) if isinstance(r, dict)]
        got = {
            e.get("name"): e.get("value")
            for e in payload.get("events", [])
            if isinstance(e, dict) and e.get("event") == "slot"
        }
        if not any(isinstance(t, str) and t for t in texts) or set(got) != set(TOD_SLOTS):
            errors.append(f"{where}: expected a reply text and the slots {TOD_SLOTS}, found {raw[:200]!r}")
            self.failed = True
            return
        self.answered += 1
        if got[SLOT_TURN] != index + 1:
            leaks.append(f"{where}: tod_turn {got[SLOT_TURN]!r}, expected {index + 1}")
        constraints = ((got[SLOT_BELIEF] or {}).get("restaurant") or {}).get("constraints") or {}
        if not self.is_text(index) and (constraints.get("food"), constraints.get("area")) != (self.food, self.area):
            leaks.append(f"{where}: belief {constraints}, expected food {self.food} and area {self.area}")
        self.slots = {**self.slots, **got}


def _post(connection: http.client.HTTPConnection, path: str, body: bytes) -> tuple[int, bytes]:
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    answer = connection.getresponse()
    return answer.status, answer.read()


def _webhooks(webhook: str | Sequence[str]) -> list[SplitResult]:
    urls = [webhook] if isinstance(webhook, str) else list(webhook)
    if not urls:
        raise ValueError("expected at least one webhook URL")
    return [urlsplit(url) for url in urls]


class _Route:
    """One keep-alive connection per server; turn ``i`` goes to server ``i mod n``."""

    def __init__(self, urls: list[SplitResult], timeout: float) -> None:
        self.urls = urls
        self.connections = [http.client.HTTPConnection(u.hostname, u.port, timeout=timeout) for u in urls]

    def pick(self, index: int) -> tuple[http.client.HTTPConnection, str]:
        return self.connections[index % len(self.urls)], self.urls[index % len(self.urls)].path

    def close(self) -> None:
        for connection in self.connections:
            connection.close()


# ---------------------------------------------------------------------------------------- closed loop
class _Sender:
    def __init__(
        self, urls: list[SplitResult], sender: str, food: str, area: str, requests: int, text_every: int, timeout: float
    ):
        self.urls = urls
        self.conversation = _Conversation(sender, food, area, text_every)
        self.sender, self.requests, self.timeout = sender, requests, timeout
        self.errors: list[str] = []
        self.leaks: list[str] = []
        self.latencies: list[float] = []

    def run(self, start: threading.Barrier) -> None:
        route = _Route(self.urls, self.timeout)
        start.wait()
        for index in range(self.requests):
            body = json.dumps(self.conversation.call(index)).encode()
            connection, path = route.pick(index)
            began = time.perf_counter()
            try:
                status, raw = _post(connection, path, body)
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(f"{self.sender} request {index}: {type(error).__name__}: {error}")
                connection.close()
                continue
            self.latencies.append(time.perf_counter() - began)
            self.conversation.check(index, status, raw, self.errors, self.leaks)
        route.close()


def run_load(
    webhook: str | Sequence[str],
    senders: int = 20,
    requests: int = 50,
    *,
    text_every: int = 5,
    store: str | Path | None = None,
    timeout: float = 60.0,
) -> LoadReport:
    """Closed loop against ``webhook`` (``http://127.0.0.1:5055/webhook``, or several servers' webhooks
    taken in turn), checked (module docstring)."""
    urls = _webhooks(webhook)
    run_id = uuid.uuid4().hex[:6]
    workers = [
        _Sender(urls, f"load-{run_id}-{i:02d}", food, area, requests, text_every, timeout)
        for i, (food, area) in enumerate(sender_values(senders))
    ]
    barrier = threading.Barrier(senders + 1)
    threads = [threading.Thread(target=w.run, args=(barrier,), name=w.sender) for w in workers]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    errors = [e for w in workers for e in w.errors]
    leaks = [leak for w in workers for leak in w.leaks]
    if store is not None:
        leaks += _stored_leaks(store, [(w.conversation, requests) for w in workers])
    latencies = tuple(t for w in workers for t in w.latencies)
    return LoadReport(senders, requests, tuple(errors), tuple(leaks), latencies, wall)


# ------------------------------------------------------------------------------------------ open loop
class _Schedule:
    """Call ``k`` is due ``k / rate`` seconds after ``began``; connections take the due calls in order."""

    def __init__(self, began: float, rate: float, count: int, deadline: float) -> None:
        self.began, self.rate, self.count, self.deadline = began, rate, count, deadline
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self.count:
                return None
            self._next += 1
            return self._next - 1

    def due(self, slot: int) -> float:
        return self.began + slot / self.rate


class _Connection:
    """One keep-alive connection of the pool, playing one conversation after another."""

    def __init__(
        self, urls: list[SplitResult], index: int, run_id: str, food: str, area: str, turns: int, kinds: tuple[int, int]
    ):
        self.urls = urls
        self.index, self.run_id, self.food, self.area, self.turns = index, run_id, food, area, turns
        self.text_every, self.ask_every = kinds
        self.conversations: list[_Conversation] = []
        self.errors: list[str] = []
        self.leaks: list[str] = []
        self.latencies: list[float] = []
        self.service: list[float] = []
        self.lags: list[float] = []
        self.sent = 0
        self.last_answer = 0.0

    def _next_conversation(self) -> _Conversation:
        sender = f"rate-{self.run_id}-{self.index:02d}-{len(self.conversations):04d}"
        conversation = _Conversation(sender, self.food, self.area, self.text_every, self.ask_every)
        self.conversations.append(conversation)
        return conversation

    def run(self, schedule: _Schedule) -> None:
        route = _Route(self.urls, 1.0)
        conversation, index = self._next_conversation(), 0
        try:
            while (slot := schedule.take()) is not None:
                if index == self.turns or conversation.failed:
                    conversation, index = self._next_conversation(), 0
                body = json.dumps(conversation.call(index)).encode()  # ready before the call is due
                due = schedule.due(slot)
                now = time.perf_counter()
                if due > now:
                    time.sleep(due - now)
                    now = time.perf_counter()
                if now >= schedule.deadline:
                    break
                remaining = max(0.001, schedule.deadline - time.perf_counter())
                connection, path = route.pick(index)
                if connection.sock is not None:
                    connection.sock.settimeout(remaining)
                else:
                    connection.timeout = remaining
                sent = time.perf_counter()
                self.sent += 1
                self.lags.append(sent - due)
                try:
                    status, raw = _post(connection, path, body)
                except (OSError, http.client.HTTPException) as error:
                    self.errors.append(f"{conversation.sender} request {index}: {type(error).__name__}: {error}")
                    conversation.failed = True
                    connection.close()
                    continue
                self.last_answer = done = time.perf_counter()
                self.latencies.append(done - due)
                self.service.append(done - sent)
                conversation.check(index, status, raw, self.errors, self.leaks)
                index += 1
        finally:
            route.close()


def run_rate_load(
    webhook: str | Sequence[str],
    rate: float = 200.0,
    duration: float = 30.0,
    *,
    connections: int = 32,
    turns: int = 10,
    text_every: int = 0,
    ask_every: int = 3,
    drain: float = 10.0,
    store: str | Path | None = None,
) -> RateReport:
    """Open loop against ``webhook``: ``rate`` calls per second for ``duration`` seconds (module docstring).

    Returns within about ``duration + drain`` seconds (plus the store check) whatever the server does.
    """
    if rate <= 0 or duration <= 0 or drain < 0 or connections < 1 or turns < 1:
        raise ValueError("expected rate > 0, duration > 0, drain >= 0, connections >= 1 and turns >= 1")
    urls = _webhooks(webhook)
    run_id = uuid.uuid4().hex[:6]
    pool = [
        _Connection(urls, i, run_id, food, area, turns, (text_every, ask_every))
        for i, (food, area) in enumerate(sender_values(connections))
    ]
    count = max(1, int(round(rate * duration)))
    began = time.perf_counter() + 0.05  # every thread started before the first call is due
    schedule = _Schedule(began, rate, count, began + duration + drain)
    threads = [threading.Thread(target=c.run, args=(schedule,), name=f"rate-{c.index}", daemon=True) for c in pool]
    for thread in threads:
        thread.start()
    for thread in threads:
        # every socket times out at the deadline; the margin covers a thread between two checks
        thread.join(max(0.0, schedule.deadline + 2.0 - time.perf_counter()))
    elapsed = time.perf_counter() - began
    errors = [e for c in pool for e in c.errors]
    leaks = [leak for c in pool for leak in c.leaks]
    stuck = sum(t.is_alive() for t in threads)
    if stuck:
        errors.append(
            f"{stuck} connection(s) still busy {elapsed:.1f} s after the start (deadline {duration + drain:g} s)"
        )
    sent = sum(c.sent for c in pool)
    if sent < count:
        errors.append(f"{count - sent} of {count} scheduled calls not sent by the deadline ({duration + drain:g} s)")
    conversations = [conv for c in pool for conv in c.conversations if conv.answered or conv.failed]
    if store is not None and not stuck:
        leaks += _stored_leaks(store, [(conv, conv.answered) for conv in conversations if not conv.failed])
    last = max((c.last_answer for c in pool), default=began)
    return RateReport(
        rate,
        duration,
        drain,
        connections,
        turns,
        len(conversations),
        count,
        sent,
        tuple(errors),
        tuple(leaks),
        tuple(t for c in pool for t in c.latencies),
        tuple(t for c in pool for t in c.service),
        tuple(t for c in pool for t in c.lags),
        max(0.0, last - began),
        elapsed,
    )


def _stored_leaks(location: str | Path, conversations: list[tuple[_Conversation, int]]) -> list[str]:
    """Each conversation's stored record: at turn ``turns`` with its own ``turns`` user turns only."""
    from tod.dialogue import USER
    from tod.store import open_store

    leaks = []
    with open_store(location, NAMESPACE) as store:
        for conversation, turns in conversations:
            sender = conversation.sender
            record = store.load(sender)
            if record is None or record.turn != turns:
                leaks.append(f"{sender}: stored turn {record and record.turn}, expected {turns}")
                continue
            texts = [t.text for t in record.state.history if t.speaker == USER]
            strangers = [t for t in texts if not t.startswith(f"[{sender}]")]
            # a long conversation keeps its latest turns and counts the others (RasaConversations.history_turns)
            if record.state.turn_count != turns or strangers:
                leaks.append(f"{sender}: {record.state.turn_count} stored user turns, {len(strangers)} not its own")
    return leaks
