"""What every fallback back end shares: text cleaning and a hard time limit on producing a reply.

A fallback must answer within its time limit and must never raise (see :mod:`tod.fallback.base`).
:func:`guarded_reply` runs the back end's work in a daemon worker thread and waits at most
``timeout`` seconds for it: an exception, a hang, a non-string or an empty reply all give the
back end's polite answer instead, with a warning on the ``tod.fallback`` logger. A worker that is
still running when its time is up is abandoned (Python cannot stop a thread); back ends bound their
own work too (socket timeouts, a generation deadline) so an abandoned worker ends soon after.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from tod.text import clean_text

LOG = logging.getLogger("tod.fallback")

#: The longest user text handed to a back end (longer input is cut, not refused).
MAX_INPUT_CHARS = 1000
#: The longest reply a fallback gives (longer ones are cut at a word boundary).
MAX_REPLY_CHARS = 600


#: The reply of last resort, when even a back end's polite answer is empty.
LAST_RESORT = "Sorry, I can't help with that. Is there anything else I can help you with?"


def guarded_reply(
    work: Callable[[], str],
    *,
    timeout: float,
    polite: str | Callable[[], str],
    what: str,
    max_chars: int = MAX_REPLY_CHARS,
) -> str:
    """``work()``'s reply, cleaned and capped at ``max_chars``, if it is a non-empty string within
    ``timeout`` seconds; otherwise the ``polite`` answer (a string, or a function asked for it only
    then, e.g. to return what ``work`` retrieved before its back end failed), with a warning naming
    ``what`` went wrong.

    Never raises for anything ``work`` or ``polite`` does, and returns within ``timeout`` plus thread
    start-up and the ``polite`` call.
    """

    def safe() -> str:
        try:
            answer = polite() if callable(polite) else polite
        except Exception as exc:  # the polite answer must not fail either
            LOG.warning("%s: the polite answer failed too (%s)", what, type(exc).__name__)
            answer = ""
        return clean_text(answer, max_chars) or LAST_RESORT

    box: list[object] = []
    done = threading.Event()

    def run() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # a back end must never take the pipeline down
            box.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=run, name=f"tod-fallback-{what}", daemon=True)
    worker.start()
    if not done.wait(max(timeout, 0.0)):
        LOG.warning("%s gave no reply within %.2f s; answering politely instead", what, timeout)
        return safe()
    result = box[0]
    if isinstance(result, BaseException):
        message = clean_text(str(result), 300)
        LOG.warning("%s failed (%s: %s); answering politely instead", what, type(result).__name__, message)
        return safe()
    if not isinstance(result, str):
        LOG.warning("%s returned %s, not a string; answering politely instead", what, type(result).__name__)
        return safe()
    reply = clean_text(result, max_chars)
    if not reply:
        LOG.warning("%s returned an empty reply; answering politely instead", what)
        return safe()
    return reply
