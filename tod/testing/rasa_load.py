"""Concurrent Rasa conversations against a tod action server, checked for errors and leaking state.

:func:`run_load` plays Rasa for ``senders`` conversations at once, each sending ``requests`` calls of
``action_tod_respond`` over its own keep-alive connection and carrying tod's slots from one answer
to the next, as Rasa's tracker does. Sender ``i`` always asks for its own pair of values (the
``i``-th food and area of the city guide's restaurants: no two senders share a pair); every
``text_every``-th turn is plain text for tod's own NLU, the others carry Rasa's intent and entities.

Checked on every answer: HTTP 200, a reply text, ``tod_turn`` one more than before, and after each
entity turn a belief whose values are the sender's own. With ``store``, the store is read afterwards:
each conversation is at its last turn and its history holds its own user turns only. Any other
sender's value, turn or text in a conversation is a leak.
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
from typing import Any
from urllib.parse import urlsplit

from tod.integrations.rasa.service import ACTION_RESPOND as ACTION
from tod.integrations.rasa.service import NAMESPACE, SLOT_BELIEF, SLOT_TURN, TOD_SLOTS
from tod.integrations.rasa.webhook_client import action_call, domain_payload, tracker_payload


@dataclass(frozen=True)
class LoadReport:
    """What a load run found: errors (failed or malformed answers), leaks, per-request seconds, wall time."""

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
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0

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
                "mean": round(statistics.fmean(self.latencies) * 1000, 1) if self.latencies else 0.0,
                "p50": round(self.percentile(0.5) * 1000, 1),
                "p95": round(self.percentile(0.95) * 1000, 1),
                "max": round(max(self.latencies, default=0.0) * 1000, 1),
            },
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


class _Sender:
    def __init__(self, url: str, sender: str, food: str, area: str, requests: int, text_every: int, timeout: float):
        self.url, self.sender, self.food, self.area = urlsplit(url), sender, food, area
        self.requests, self.text_every, self.timeout = requests, text_every, timeout
        self.errors: list[str] = []
        self.leaks: list[str] = []
        self.latencies: list[float] = []
        self.domain = domain_payload(TOD_SLOTS, [ACTION])

    def turn(self, index: int, slots: dict[str, Any]) -> dict[str, Any]:
        marker = f"[{self.sender}]"
        if self.text_every and index % self.text_every == self.text_every - 1:
            tracker = tracker_payload(self.sender, slots, text=f"{marker} what is the address?")
        else:
            entities = [
                {"entity": "restaurant-food", "value": self.food},
                {"entity": "restaurant-area", "value": self.area},
            ]
            text = f"{marker} {self.food} food in the {self.area}"
            tracker = tracker_payload(
                self.sender, slots, text=text, intent="inform", confidence=0.95, entities=entities
            )
        return action_call(ACTION, tracker, self.domain)

    def run(self, start: threading.Barrier) -> None:
        connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=self.timeout)
        slots: dict[str, Any] = {name: None for name in TOD_SLOTS}
        start.wait()
        for index in range(self.requests):
            body = json.dumps(self.turn(index, slots)).encode()
            began = time.perf_counter()
            try:
                connection.request("POST", self.url.path, body, {"Content-Type": "application/json"})
                answer = connection.getresponse()
                raw = answer.read()
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(f"{self.sender} request {index}: {type(error).__name__}: {error}")
                connection.close()
                continue
            self.latencies.append(time.perf_counter() - began)
            slots = self.check(index, answer.status, raw, slots)
        connection.close()

    def check(self, index: int, status: int, raw: bytes, slots: dict[str, Any]) -> dict[str, Any]:
        where = f"{self.sender} request {index}"
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        if status != 200 or not isinstance(payload, dict):
            self.errors.append(f"{where}: HTTP {status} {raw[:200]!r}")
            return slots
        texts = [r.get("text") for r in payload.get("responses", []) if isinstance(r, dict)]
        got = {
            e.get("name"): e.get("value")
            for e in payload.get("events", [])
            if isinstance(e, dict) and e.get("event") == "slot"
        }
        if not any(isinstance(t, str) and t for t in texts) or set(got) != set(TOD_SLOTS):
            self.errors.append(f"{where}: expected a reply text and the slots {TOD_SLOTS}, found {raw[:200]!r}")
            return slots
        if got[SLOT_TURN] != index + 1:
            self.leaks.append(f"{where}: tod_turn {got[SLOT_TURN]!r}, expected {index + 1}")
        entity_turn = not (self.text_every and index % self.text_every == self.text_every - 1)
        constraints = ((got[SLOT_BELIEF] or {}).get("restaurant") or {}).get("constraints") or {}
        if entity_turn and (constraints.get("food"), constraints.get("area")) != (self.food, self.area):
            self.leaks.append(f"{where}: belief {constraints}, expected food {self.food} and area {self.area}")
        return {**slots, **got}


def run_load(
    webhook: str,
    senders: int = 20,
    requests: int = 50,
    *,
    text_every: int = 5,
    store: str | Path | None = None,
    timeout: float = 60.0,
) -> LoadReport:
    """Run the load against ``webhook`` (``http://127.0.0.1:5055/webhook``) and check it (module docstring)."""
    run_id = uuid.uuid4().hex[:6]
    workers = [
        _Sender(webhook, f"load-{run_id}-{i:02d}", food, area, requests, text_every, timeout)
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
        leaks += _stored_leaks(Path(store), workers, requests)
    latencies = tuple(t for w in workers for t in w.latencies)
    return LoadReport(senders, requests, tuple(errors), tuple(leaks), latencies, wall)


def _stored_leaks(path: Path, workers: list[_Sender], requests: int) -> list[str]:
    from tod.dialogue import USER
    from tod.store import StateStore

    leaks = []
    with StateStore(path, NAMESPACE) as store:
        for worker in workers:
            record = store.load(worker.sender)
            if record is None or record.turn != requests:
                leaks.append(f"{worker.sender}: stored turn {record and record.turn}, expected {requests}")
                continue
            texts = [t.text for t in record.state.history if t.speaker == USER]
            strangers = [t for t in texts if not t.startswith(f"[{worker.sender}]")]
            if len(texts) != requests or strangers:
                leaks.append(f"{worker.sender}: {len(texts)} stored user turns, {len(strangers)} not its own")
    return leaks
