"""The action server: rasa-sdk's own Sanic app (``rasa_sdk.endpoint.create_app``) with tod's checks in front.

rasa-sdk answers some bad requests with an HTTP 500 and a stack trace (a tracker without
``sender_id``, a body that is a JSON array, a non-string ``version``) and reads bodies of any size.
tod adds, without changing how good calls are handled:

* a request middleware on ``POST /webhook`` that decodes the body (``deflate`` as Rasa may send it,
  inflated to at most ``max_body`` bytes), parses the JSON and checks the action call
  (:func:`~tod.integrations.rasa.payloads.parse_action_call`): a bad body gets a 400, an unknown
  action a 404, an unsupported ``Content-Encoding`` a 415, each as Rasa's error object
  ``{"error": ..., "action_name": ...}``;
* ``REQUEST_MAX_SIZE`` = ``max_body``: a larger body gets a 413 before it is read;
* error handlers that answer Sanic's own HTTP errors (404, 405, 413, ...) and tod's errors as JSON: a
  turn whose conversation another server wrote meanwhile (:class:`~tod.errors.StoreConflictError`)
  gets a 409, any other failure of tod a 500.

The server runs in a single process (Sanic's ``single_process``): the pipeline is built once, in this
process, and a SIGTERM or SIGINT stops it gracefully. It binds ``127.0.0.1`` unless told otherwise.

Several Sanic worker processes would work (rasa-sdk's ``AppLoader`` factory, each worker building its
own pipeline; the state store is safe across processes) but are not used: an acts-only call costs
about 2 ms of CPU, so one process answers 200 calls/s with two fifths of a core, while each further
worker is a process that imports everything again (the acts-only server holds about 270 MB; the NLU
model would be loaded once more) and contends with the others for SQLite's write lock. Measured on 2
cores shared with the client: two workers answered 555 of 600 calls/s where one process kept up
(``docs/rasa.md``).
"""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass
from typing import Any

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from tod.errors import RasaPayloadError, StoreConflictError, TodError
from tod.integrations.rasa.payloads import parse_action_call
from tod.integrations.rasa.service import TOD_ACTIONS

log = logging.getLogger("tod.rasa")

#: The default port of Rasa action servers (``endpoints.yml``: ``http://localhost:5055/webhook``).
DEFAULT_PORT = 5055
#: The default body limit. Rasa 3.6 sends the whole domain (about 4 KB) and every event of the tracker on
#: every call, 3 to 5 KB more per turn: 64 MiB is a conversation of 13,000 to 20,000 turns (5,000 turns
#: measured: 16 to 25 MB), while a body that would take the server's memory is refused.
DEFAULT_MAX_BODY = 64 * 1024 * 1024
#: The tracker's fields handed to rasa-sdk for tod's own actions: what tod reads and what rasa-sdk's
#: ``Tracker`` needs. The events (the bulk of a long conversation's call) tod does not read.
TOD_TRACKER_FIELDS = ("sender_id", "slots", "latest_message", "latest_action_name", "latest_event_time")


@dataclass(frozen=True)
class ServerSettings:
    """Where and how the action server listens.

    ``cors``: origins allowed to call from a browser (``"*"`` for any; empty: none, the default);
    ``keep_alive``: seconds an idle connection from Rasa is kept (rasa-sdk's default);
    ``graceful_shutdown``: seconds a stop waits for requests in flight.
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    max_body: int = DEFAULT_MAX_BODY
    cors: str = ""
    keep_alive: int = 120
    graceful_shutdown: float = 5.0


def _error(status: int, message: str, action: Any = None, request: Request | None = None) -> HTTPResponse:
    """Rasa's error object; a refused call (4xx) is logged with its reason, where it came from and its size."""
    name = action if isinstance(action, str) and _is_text(action) else None
    if request is not None:
        log.warning(
            "refused %s %s (%s bytes from %s, action %s): %d %s",
            request.method,
            request.path,
            request.headers.get("content-length", "?"),
            request.ip or "?",
            name,
            status,
            message,
        )
    return response.json({"error": message, "action_name": name}, status=status)


def _is_text(value: str) -> bool:
    """Whether ``value`` can be written as UTF-8 (a lone surrogate from a JSON escape cannot)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _tod_call(body: dict[str, Any]) -> dict[str, Any]:
    """The action call handed to rasa-sdk for one of tod's actions: the tracker keeps only
    :data:`TOD_TRACKER_FIELDS` (a null latest message as an empty one) and of the events the latest,
    whose timestamp stands for ``latest_event_time`` (rasa-sdk's ``Tracker`` keeps no such field)."""
    tracker = body["tracker"]
    kept = {name: tracker[name] for name in TOD_TRACKER_FIELDS if tracker.get(name) is not None}
    kept.setdefault("latest_message", {})
    kept.setdefault("slots", {})
    time = kept.get("latest_event_time")
    latest = [] if time is None else [{"event": "tod_latest", "timestamp": time}]
    return {**{k: v for k, v in body.items() if k != "tracker"}, "tracker": {**kept, "events": latest}}


def _body_received(request: Request) -> bool:
    """Whether Sanic has read the body: on its error path (e.g. a 413 while reading) it has not."""
    stream = request.stream
    return stream is None or not getattr(stream, "request_body", None)


def _inflate(raw: bytes, limit: int) -> bytes | None:
    """The deflated ``raw`` inflated; ``None`` when it would exceed ``limit`` bytes."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(raw, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        return None
    return out + inflater.flush()


def check_webhook(request: Request, executor: ActionExecutor, max_body: int) -> HTTPResponse | None:
    """The error response for a bad ``POST /webhook``, or ``None`` to let rasa-sdk run the call.

    A call that passes is handed to rasa-sdk parsed (``request.parsed_json``; a deflated body inflated,
    so that it is read once); a call of one of tod's own actions with only the tracker fields tod reads
    (:func:`_tod_call`), so rasa-sdk neither holds a long conversation's events nor trips over a null
    latest message. Every refusal is logged with its reason.
    """
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", "deflate"):
        return _error(415, f"unsupported Content-Encoding {encoding!r}; expected none or deflate", request=request)
    raw = request.body
    if encoding == "deflate":
        try:
            inflated = _inflate(raw, max_body)
        except zlib.error as error:
            return _error(400, f"the body is not valid deflate data: {error}", request=request)
        if inflated is None:
            return _error(413, f"the inflated body exceeds the size limit of {max_body} bytes", request=request)
        raw = inflated
    if not raw:
        return _error(400, "the request has no body; expected an action call as a JSON object", request=request)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as error:
        return _error(400, f"the body is not valid JSON: {str(error)[:120]}", request=request)
    action = body.get("next_action") if isinstance(body, dict) else None
    try:
        call = parse_action_call(body)
    except RasaPayloadError as error:
        return _error(400, f"tod: {error}", action, request)
    if call.next_action not in executor.actions:
        known = ", ".join(sorted(executor.actions))
        message = f"No registered action found for name '{call.next_action}' (registered: {known})."
        return _error(404, message, action, request)
    if call.next_action in TOD_ACTIONS:
        body = _tod_call(body)
        try:  # what tod keeps must be writable text: a lone surrogate from a JSON escape is not
            json.dumps(body["tracker"], ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            where = f"a lone surrogate {error.object[error.start:error.end]!r}"
            return _error(400, f"tod: tracker: expected text, found {where} in a string", action, request)
    if encoding == "deflate":  # rasa-sdk would inflate and parse the body again
        request.body = raw
        del request.headers["content-encoding"]
    request.parsed_json = body  # rasa-sdk reads request.json: parsed once
    return None


def build_app(executor: ActionExecutor, settings: ServerSettings = ServerSettings()) -> Sanic:
    """rasa-sdk's app for ``executor`` with tod's checks and limits (see the module docstring)."""
    app = create_app(executor, cors_origins=settings.cors)
    app.config.REQUEST_MAX_SIZE = settings.max_body
    app.config.KEEP_ALIVE_TIMEOUT = settings.keep_alive
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = settings.graceful_shutdown

    @app.on_request
    async def tod_checks(request: Request) -> HTTPResponse | None:
        if request.method != "POST" or request.path.rstrip("/") != "/webhook" or not _body_received(request):
            return None
        return check_webhook(request, executor, settings.max_body)

    @app.exception(SanicException)
    async def http_errors(request: Request, error: SanicException) -> HTTPResponse:
        return _error(error.status_code, str(error), request=request)

    @app.exception(StoreConflictError)
    async def store_conflict(request: Request, error: StoreConflictError) -> HTTPResponse:
        # the same conversation's turn ran on two servers at once: the other's result stands
        log.warning("%s %s refused: %s", request.method, request.path, error)
        return _error(409, f"tod: {error}")

    @app.exception(TodError)
    async def tod_errors(request: Request, error: TodError) -> HTTPResponse:
        log.error("%s %s failed: %s", request.method, request.path, error)
        return _error(500, f"tod: {error}")

    return app


def serve(executor: ActionExecutor, settings: ServerSettings = ServerSettings(), on_stop: Any = None) -> None:
    """Run the action server until SIGINT/SIGTERM; ``on_stop()`` runs after it stopped serving."""
    app = build_app(executor, settings)
    url = f"http://{settings.host}:{settings.port}"

    @app.after_server_start
    async def ready(app: Sanic) -> None:
        log.info("tod action server listening on %s/webhook (actions: %s)", url, ", ".join(sorted(executor.actions)))

    if on_stop is not None:

        @app.after_server_stop
        async def stopped(app: Sanic) -> None:
            on_stop()

    app.run(
        host=settings.host,
        port=settings.port,
        single_process=True,
        access_log=False,
        motd=False,
    )
