"""Calls to an external Rasa action server, made as Rasa itself makes them (the standard library only).

Rasa runs a custom action by ``POST``-ing an action call to the action server's ``/webhook``::

    {"next_action": "action_book_table", "sender_id": "user-1", "version": "3.6.20",
     "tracker": {"sender_id": "user-1", "slots": {...}, "latest_message": {...}, "events": [], ...},
     "domain": {"slots": {...}, "actions": [...], ...}}

and reads ``{"events": [...], "responses": [...]}`` back. :class:`RasaActionClient` does the same
for tod. Failures become specific errors (:mod:`tod.errors`): 404 -> :class:`ActionNotFoundError`,
400 (the action's ``ActionExecutionRejection``) -> :class:`ActionRejectedError`, 449 ->
:class:`ActionDomainRequiredError`, 500 and anything unusable -> :class:`ActionFailedError`; no
answer in ``timeout`` seconds -> :class:`ActionTimeoutError`; no connection ->
:class:`ActionServerUnreachableError`.

**Retries.** Only calls the caller declares idempotent (look-ups) are retried, ``retries`` times with
exponential back-off, after a timeout, a refused connection or a 500/502/503/504. A call that changes
something (a booking) is sent once: after a timeout nobody knows whether it ran, and running it
twice could book twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from tod._schema import FrozenMap
from tod.errors import (
    ActionDomainRequiredError,
    ActionFailedError,
    ActionNotFoundError,
    ActionRejectedError,
    ActionServerError,
    ActionServerUnreachableError,
    ActionTimeoutError,
    ConfigError,
)

log = logging.getLogger("tod.rasa")

#: The Rasa version tod's calls claim (rasa-sdk warns, and nothing more, when major.minor differ).
RASA_VERSION = "3.6.20"
#: Statuses an idempotent call is retried after.
RETRY_STATUSES = frozenset({500, 502, 503, 504})
#: The largest answer read from an action server.
MAX_RESPONSE = 4 * 1024 * 1024

#: The conversation a pipeline step runs for, when a server sets it (the Rasa action server does):
#: back-end calls made during the step send it as their ``sender_id``.
CURRENT_SENDER: ContextVar[str | None] = ContextVar("tod_rasa_sender", default=None)


@contextlib.contextmanager
def sender_scope(sender_id: str) -> Iterator[None]:
    """Run the enclosed code (a pipeline step) for the conversation ``sender_id``."""
    token = CURRENT_SENDER.set(sender_id)
    try:
        yield
    finally:
        CURRENT_SENDER.reset(token)


@dataclass(frozen=True)
class ActionResult:
    """What an action answered: Rasa events (``{"event": "slot", "name": ..., "value": ...}``, ...)
    and responses for the user (``{"text": ..., "buttons": [...], ...}``)."""

    events: tuple[FrozenMap[str, Any], ...] = ()
    responses: tuple[FrozenMap[str, Any], ...] = field(default=())

    def slots(self) -> dict[str, Any]:
        """The slots the action set (``SlotSet`` events; a later event for a slot wins)."""
        return {
            e["name"]: e.get("value")
            for e in self.events
            if e.get("event") == "slot" and isinstance(e.get("name"), str)
        }

    def texts(self) -> list[str]:
        """The text of each response that has one."""
        return [r["text"] for r in self.responses if isinstance(r.get("text"), str) and r["text"]]


def tracker_payload(
    sender_id: str,
    slots: Mapping[str, Any] | None = None,
    *,
    text: str = "",
    intent: str | None = None,
    confidence: float = 1.0,
    entities: Sequence[Mapping[str, Any]] = (),
    events: Sequence[Mapping[str, Any]] = (),
    latest_action_name: str = "action_listen",
) -> dict[str, Any]:
    """A tracker as Rasa 3.x sends it (``DialogueStateTracker.current_state``)."""
    return {
        "sender_id": sender_id,
        "slots": dict(slots or {}),
        "latest_message": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence} if intent else {},
            "entities": [dict(e) for e in entities],
            "intent_ranking": [{"name": intent, "confidence": confidence}] if intent else [],
        },
        "latest_event_time": time.time(),
        "followup_action": None,
        "paused": False,
        "events": [dict(e) for e in events],
        "latest_input_channel": None,
        "active_loop": {},
        "latest_action": {"action_name": latest_action_name},
        "latest_action_name": latest_action_name,
    }


def domain_payload(slots: Sequence[str] = (), actions: Sequence[str] = ()) -> dict[str, Any]:
    """A minimal Rasa domain declaring ``slots`` (type ``any``, set by custom actions) and ``actions``."""
    return {
        "version": "3.1",
        "config": {"store_entities_as_slots": True},
        "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True},
        "intents": [],
        "entities": [],
        "slots": {
            name: {
                "type": "any",
                "initial_value": None,
                "influence_conversation": False,
                "mappings": [{"type": "custom"}],
            }
            for name in slots
        },
        "responses": {},
        "actions": list(actions),
        "forms": {},
        "e2e_actions": [],
    }


def action_call(
    next_action: str, tracker: Mapping[str, Any], domain: Mapping[str, Any] | None, version: str = RASA_VERSION
) -> dict[str, Any]:
    """The body of ``POST /webhook``: what Rasa sends to run ``next_action``."""
    call: dict[str, Any] = {
        "next_action": next_action,
        "sender_id": tracker.get("sender_id"),
        "tracker": dict(tracker),
        "version": version,
    }
    if domain is not None:
        call["domain"] = dict(domain)
    return call


class RasaActionClient:
    """A Rasa action server, called at ``url`` (its webhook, e.g. ``http://localhost:5055/webhook``).

    ``timeout`` bounds the connection and each wait for data, in seconds; ``retries`` and
    ``backoff`` (seconds before the first retry, doubled each time) apply to idempotent calls only.
    Proxies named in the environment (``http_proxy``) are not used, as by Rasa's own client.
    """

    def __init__(
        self, url: str, *, timeout: float = 5.0, retries: int = 2, backoff: float = 0.2, version: str = RASA_VERSION
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"the action server URL must start with http:// or https://, found {url!r}")
        if not timeout > 0:
            raise ConfigError(f"the action server timeout must be a positive number of seconds, found {timeout!r}")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ConfigError(f"retries must be a whole number >= 0, found {retries!r}")
        self.url = url
        self.base = url[: -len("/webhook")] if url.rstrip("/").endswith("/webhook") else url.rstrip("/")
        self.timeout = float(timeout)
        self.retries = retries
        self.backoff = backoff
        self.version = version
        # Like Rasa's own client (aiohttp without trust_env), ignore http_proxy & co.: action servers
        # are internal services, and a proxy in the environment must not reroute bookings.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def run(
        self,
        action: str,
        tracker: Mapping[str, Any],
        domain: Mapping[str, Any] | None = None,
        *,
        idempotent: bool,
    ) -> ActionResult:
        """Run ``action`` for ``tracker`` (see :func:`tracker_payload`) and return what it answered.

        ``idempotent``: whether running the action twice does no harm (a look-up; not a booking);
        only then is a failed call retried.
        """
        body = json.dumps(action_call(action, tracker, domain, self.version), ensure_ascii=False).encode("utf-8")
        attempts = 1 + (self.retries if idempotent else 0)
        for attempt in range(attempts):
            try:
                return _result(self._post(action, body), action)
            except (ActionTimeoutError, ActionServerUnreachableError, ActionFailedError) as error:
                retriable = error.status is None or error.status in RETRY_STATUSES
                if attempt + 1 >= attempts or not retriable:
                    raise
                delay = self.backoff * 2**attempt
                log.warning("action %s failed (%s); retrying in %.2f s", action, error, delay)
                time.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def list_actions(self) -> list[str]:
        """The names of the actions the server has (``GET /actions``)."""
        request = urllib.request.Request(f"{self.base}/actions", method="GET")
        status, payload = self._send(request, "")
        if status != 200 or not isinstance(payload, list):
            raise ActionFailedError(f"{self.base}/actions answered {status} with {payload!r:.80}", "", status)
        return [item["name"] for item in payload if isinstance(item, Mapping) and isinstance(item.get("name"), str)]

    def healthy(self) -> bool:
        """Whether the server answers ``GET /health`` with ``{"status": "ok"}``."""
        try:
            status, payload = self._send(urllib.request.Request(f"{self.base}/health", method="GET"), "")
        except ActionServerError:
            return False
        return status == 200 and isinstance(payload, Mapping) and payload.get("status") == "ok"

    # ------------------------------------------------------------------ HTTP
    def _post(self, action: str, body: bytes) -> Any:
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        status, payload = self._send(request, action)
        if status == 200:
            return payload
        message = payload.get("error") if isinstance(payload, Mapping) else None
        detail = f": {message}" if isinstance(message, str) and message else ""
        if status == 404:
            raise ActionNotFoundError(f"the action server at {self.url} has no action {action!r}{detail}", action, 404)
        if status == 400:
            raise ActionRejectedError(f"action {action!r} refused to run{detail}", action, 400)
        if status == 449:
            raise ActionDomainRequiredError(
                f"action {action!r}: the action server needs the assistant's domain in the call; pass domain={{...}}"
                f"{detail}",
                action,
                449,
            )
        raise ActionFailedError(
            f"action {action!r} failed on the action server (HTTP {status}){detail}", action, status
        )

    def _send(self, request: urllib.request.Request, action: str) -> tuple[int, Any]:
        what = f"action {action!r}" if action else request.full_url
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, _json(response.read(MAX_RESPONSE + 1), what, response.status)
        except urllib.error.HTTPError as error:
            with error:
                raw = error.read(MAX_RESPONSE + 1)
            try:
                return error.code, _json(raw, what, error.code)
            except ActionFailedError:
                return error.code, None
        except (TimeoutError, socket.timeout) as error:
            raise ActionTimeoutError(
                f"{what}: no answer from {request.full_url} within {self.timeout:g} s ({error})", action
            ) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (TimeoutError, socket.timeout)):
                raise ActionTimeoutError(
                    f"{what}: no answer from {request.full_url} within {self.timeout:g} s", action
                ) from None
            raise ActionServerUnreachableError(
                f"{what}: cannot reach the action server at {request.full_url}: {error.reason}", action
            ) from None
        except (ConnectionError, OSError) as error:
            raise ActionServerUnreachableError(
                f"{what}: the connection to {request.full_url} failed: {error}", action
            ) from None


def _json(raw: bytes, what: str, status: int) -> Any:
    if len(raw) > MAX_RESPONSE:
        raise ActionFailedError(f"{what}: the answer is larger than {MAX_RESPONSE} bytes", "", status)
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError) as error:
        raise ActionFailedError(f"{what}: the answer (HTTP {status}) is not JSON: {error}", "", status) from None


def _result(payload: Any, action: str) -> ActionResult:
    """The checked ``{"events": [...], "responses": [...]}`` of a 200 answer."""
    if payload is None:  # rasa-sdk answers null for a call without next_action
        return ActionResult()
    if not isinstance(payload, Mapping):
        raise ActionFailedError(
            f"action {action!r}: expected a JSON object with events and responses, found {payload!r:.80}", action, 200
        )
    out = {}
    for key in ("events", "responses"):
        items = payload.get(key) or []
        if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
            raise ActionFailedError(
                f"action {action!r}: {key!r} must be a list of JSON objects, found {items!r:.80}", action, 200
            )
        out[key] = tuple(FrozenMap(item) for item in items)
    return ActionResult(out["events"], out["responses"])
