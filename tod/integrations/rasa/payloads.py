"""The JSON Rasa posts to an action server (an "action call"), parsed and checked into typed values.

Rasa 3.x sends ``POST /webhook`` with::

    {"next_action": "action_tod_respond", "sender_id": "user-1", "version": "3.6.20",
     "domain": {"slots": {...}, "intents": [...], ...},
     "tracker": {"sender_id": "user-1", "slots": {...}, "events": [...],
                 "latest_message": {"text": "...", "intent": {"name": "inform", "confidence": 0.97},
                                    "entities": [{"entity": "restaurant-food", "value": "thai", ...}]},
                 "latest_action_name": "action_listen", "paused": false, "followup_action": null,
                 "active_loop": {}}}

rasa-sdk itself answers a missing tracker or ``sender_id`` with an HTTP 500 and a stack trace;
tod checks every field it reads first and raises :class:`~tod.errors.RasaPayloadError` naming the
field, what was expected and what was found. Fields tod does not read (``events``, ``paused``,
``active_loop``, ...) are only checked for their JSON type where rasa-sdk would trip over them.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from typing import Any, Mapping

from tod._schema import FrozenMap
from tod.errors import RasaPayloadError

#: The longest conversation id accepted (Rasa channels use UUIDs, phone numbers, user ids).
MAX_SENDER_ID = 512
#: The latest event time accepted, in seconds since 1970 (the year 5138).
MAX_TIME = 1e11


@dataclass(frozen=True)
class RasaEntity:
    """One entity Rasa's NLU extracted: its type (``entity``), its value, and optional role and group.

    ``value`` is the JSON value Rasa gives: usually text, sometimes a number or (from extractors such
    as Duckling) a structure.
    """

    entity: str
    value: Any
    role: str = ""
    group: str = ""
    #: Where the entity is in the message's text (character offsets), ``None`` when Rasa gives none.
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class UserMessage:
    """What Rasa's NLU made of the latest user message.

    ``intent`` is empty when Rasa classified none; ``confidence`` is the intent's (1.0 when Rasa gave
    none, as for ``/intent{...}`` messages).
    """

    text: str = ""
    intent: str = ""
    confidence: float = 1.0
    entities: tuple[RasaEntity, ...] = ()


@dataclass(frozen=True)
class TrackerView:
    """The parts of Rasa's conversation tracker tod reads: who is talking, the slots, the latest message."""

    sender_id: str
    slots: FrozenMap[str, Any] = field(default_factory=FrozenMap)
    latest_message: UserMessage = UserMessage()
    latest_action_name: str = ""
    latest_event_time: float | None = None

    def slot(self, name: str) -> Any:
        """The slot's value, ``None`` when it is unset or unknown."""
        return self.slots.get(name)


@dataclass(frozen=True)
class ActionCall:
    """One checked action call: the action to run, the tracker, and the slots the sent domain declares.

    ``domain_slots`` is ``None`` when the call carries no domain (Rasa may omit it once the server
    knows it; rasa-sdk then uses the domain it cached).
    """

    next_action: str
    tracker: TrackerView
    domain_slots: frozenset[str] | None = None
    version: str = ""


def _kind(value: Any) -> str:
    return (
        "null"
        if value is None
        else {dict: "object", list: "array", str: "string", bool: "boolean"}.get(type(value), type(value).__name__)
    )


def _found(value: Any) -> str:
    if value is None:
        return "null"
    shown = reprlib.Repr()  # a few levels deep: a tracker may nest values deeper than repr() can go
    shown.maxlevel, shown.maxstring, shown.maxother, shown.maxlong = 3, 60, 60, 60
    try:
        text = shown.repr(value)
    except ValueError:  # an integer of more than 4,300 digits
        text = "(too long to show)"
    return f"{_kind(value)} {text[:60]}{'...' if len(text) > 60 else ''}"


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise RasaPayloadError(f"missing; expected a non-empty string (keys found: {sorted(data)[:12]})", where)
        return ""
    if not isinstance(value, str):
        raise RasaPayloadError(f"expected a string, found {_found(value)}", where)
    if required and not value:
        raise RasaPayloadError("expected a non-empty string, found an empty one", where)
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RasaPayloadError(f"expected a JSON object, found {_found(value)}", where)
    return value


def check_sender_id(value: Any, where: str = "tracker.sender_id") -> str:
    """A conversation id: a non-empty string of at most :data:`MAX_SENDER_ID` characters, no control
    characters, no lone surrogates (``"\\ud800"`` in JSON decodes to one; no database can store it)."""
    if not isinstance(value, str) or not value:
        raise RasaPayloadError(f"expected the conversation's id as a non-empty string, found {_found(value)}", where)
    if len(value) > MAX_SENDER_ID:
        raise RasaPayloadError(f"expected at most {MAX_SENDER_ID} characters, found {len(value)}", where)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise RasaPayloadError(f"expected no control characters, found {value[:60]!r}", where)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):  # a lone surrogate from a JSON escape: no text
        raise RasaPayloadError(f"expected text, found a lone surrogate in {value[:60]!r}", where)
    return value


def parse_entity(data: Any, where: str) -> RasaEntity:
    body = _object(data, where)
    if body.get("value") is None:
        raise RasaPayloadError("missing; every entity needs a value", f"{where}.value")
    return RasaEntity(
        entity=_text(body, "entity", f"{where}.entity", required=True),
        value=body["value"],
        role=_text(body, "role", f"{where}.role"),
        group=_text(body, "group", f"{where}.group"),
        start=_offset(body.get("start"), f"{where}.start"),
        end=_offset(body.get("end"), f"{where}.end"),
    )


def _offset(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**7:
        raise RasaPayloadError(f"expected a character offset (a whole number >= 0), found {_found(value)}", where)
    return value


def parse_message(data: Any, where: str = "tracker.latest_message") -> UserMessage:
    """The latest message: text, intent name and confidence, entities (``null`` is an empty message)."""
    if data is None:
        return UserMessage()
    body = _object(data, where)
    text = _text(body, "text", f"{where}.text")
    intent, confidence = "", 1.0
    raw_intent = body.get("intent")
    if raw_intent is not None:
        intent_body = _object(raw_intent, f"{where}.intent")
        intent = _text(intent_body, "name", f"{where}.intent.name")
        raw = intent_body.get("confidence")
        if raw is not None:
            # compared, not converted first: float() overflows on a 400-digit integer; NaN fails the test
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not 0.0 <= raw <= 1.0:
                raise RasaPayloadError(
                    f"expected a number in [0, 1], found {_found(raw)}", f"{where}.intent.confidence"
                )
            confidence = float(raw)
    raw_entities = body.get("entities")
    if raw_entities is None:
        raw_entities = []
    if not isinstance(raw_entities, list):
        raise RasaPayloadError(f"expected an array of entities, found {_found(raw_entities)}", f"{where}.entities")
    entities = tuple(parse_entity(e, f"{where}.entities[{i}]") for i, e in enumerate(raw_entities))
    return UserMessage(text=text, intent=intent, confidence=confidence, entities=entities)


def parse_tracker(data: Any, where: str = "tracker") -> TrackerView:
    """The tracker's sender id, slots, latest message and latest action, checked."""
    body = _object(data, where)
    if "sender_id" not in body:
        raise RasaPayloadError(
            f"missing; expected the conversation's id as a non-empty string (keys found: {sorted(body)[:12]})",
            f"{where}.sender_id",
        )
    sender_id = check_sender_id(body["sender_id"], f"{where}.sender_id")
    slots = body.get("slots")
    slots = _object(slots, f"{where}.slots") if slots is not None else {}
    for name in ("events", "stack"):
        if body.get(name) is not None and not isinstance(body[name], list):
            raise RasaPayloadError(f"expected an array, found {_found(body[name])}", f"{where}.{name}")
    for name in ("active_loop", "active_form"):
        if body.get(name) is not None and not isinstance(body[name], Mapping):
            raise RasaPayloadError(f"expected a JSON object, found {_found(body[name])}", f"{where}.{name}")
    return TrackerView(
        sender_id=sender_id,
        slots=FrozenMap({str(k): v for k, v in slots.items()}),
        latest_message=parse_message(body.get("latest_message"), f"{where}.latest_message"),
        latest_action_name=_text(body, "latest_action_name", f"{where}.latest_action_name"),
        latest_event_time=_latest_time(body, where),
    )


def _latest_time(body: Mapping[str, Any], where: str) -> float | None:
    """``latest_event_time``, or where the tracker has none (rasa-sdk's ``Tracker`` keeps no such field)
    the timestamp of its latest event."""
    if body.get("latest_event_time") is not None:
        return _time(body["latest_event_time"], f"{where}.latest_event_time")
    events = body.get("events")
    if isinstance(events, list) and events and isinstance(events[-1], Mapping):
        return _time(events[-1].get("timestamp"), f"{where}.events[{len(events) - 1}].timestamp")
    return None


def _time(value: Any, where: str) -> float | None:
    """A Unix time in seconds (Rasa's event timestamps), or ``None`` for none."""
    if value is None:
        return None
    # compared, not converted first: float() overflows on a 400-digit integer; NaN fails the test
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_TIME:
        raise RasaPayloadError(f"expected a time in seconds since 1970, found {_found(value)}", where)
    return float(value)


def domain_slot_names(domain: Any, where: str = "domain") -> frozenset[str] | None:
    """The slot names a Rasa domain declares (``None`` for no domain)."""
    if domain is None:
        return None
    body = _object(domain, where)
    slots = body.get("slots")
    if slots is None:
        return frozenset()
    if isinstance(slots, Mapping):
        return frozenset(str(name) for name in slots)
    raise RasaPayloadError(f"expected a JSON object of slot definitions, found {_found(slots)}", f"{where}.slots")


def parse_action_call(body: Any) -> ActionCall:
    """A checked action call from the decoded JSON body of ``POST /webhook``.

    Besides the tracker, ``next_action`` must name the action; the top-level ``sender_id`` Rasa sends
    beside the tracker's must agree with it when present; ``version`` and ``domain_digest`` must be
    strings or null; ``domain`` a JSON object or null.
    """
    call = _object(body, "the action call")
    next_action = _text(call, "next_action", "next_action", required=True)
    if "tracker" not in call or call["tracker"] is None:
        raise RasaPayloadError(
            "missing; expected the conversation tracker (a JSON object with sender_id, slots, latest_message, events)",
            "tracker",
        )
    tracker = parse_tracker(call["tracker"])
    if call.get("sender_id") is not None:
        outer = check_sender_id(call["sender_id"], "sender_id")
        if outer != tracker.sender_id:
            raise RasaPayloadError(
                f"{outer[:60]!r} differs from tracker.sender_id {tracker.sender_id[:60]!r}; expected the same id",
                "sender_id",
            )
    version = _text(call, "version", "version")
    _text(call, "domain_digest", "domain_digest")
    return ActionCall(
        next_action=next_action,
        tracker=tracker,
        domain_slots=domain_slot_names(call.get("domain")),
        version=version,
    )
