"""Exceptions raised by tod. Each says what was expected and what was found."""

from __future__ import annotations

from typing import Self


class TodError(Exception):
    """Base class of every error tod raises on purpose."""

    @classmethod
    def at(cls, message: str, path: str | None = None, line: int | None = None) -> Self:
        """The error ``message`` about the file ``path`` (and its 1-based ``line``), written
        ``path:line: message``; how :mod:`tod.files` raises each caller's own error class."""
        return cls(place(path, line) + message)


def place(path: str | None, line: int | None = None) -> str:
    """``path:line: ``, ``path: `` or nothing: how a message names the place it is about."""
    if path is None:
        return ""
    return f"{path}:{line}: " if line is not None else f"{path}: "


class SchemaError(TodError, ValueError):
    """A typed value was built from data of the wrong shape."""


class CorpusError(TodError, ValueError):
    """A corpus file is missing, unreadable or malformed.

    ``path`` and ``line`` (1-based, when known) point at the offending place; for dialogue corpora
    ``dialogue`` (its ID) and ``turn`` (0-based index in the dialogue) do.
    """

    def __init__(
        self,
        message: str,
        path: str | None = None,
        line: int | None = None,
        *,
        dialogue: str | None = None,
        turn: int | None = None,
    ) -> None:
        where = place(path, line)
        if dialogue is not None:
            where += f"dialogue {dialogue}" + (f", turn {turn}" if turn is not None else "") + ": "
        super().__init__(where + message)
        self.path = path
        self.line = line
        self.dialogue = dialogue
        self.turn = turn

    @classmethod
    def at(cls, message: str, path: str | None = None, line: int | None = None) -> Self:
        return cls(message, path, line)


class DomainError(TodError, ValueError):
    """A domain definition (ontology, database, templates) is missing or malformed."""


class QueryError(TodError, ValueError):
    """A database query names an unknown domain or slot, or gives a value the slot cannot take."""


class ModelDirError(TodError, ValueError):
    """A model directory is missing, incomplete, corrupt or of an unknown format."""


class RegistryError(TodError, KeyError):
    """An unknown component name was asked of a registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConfigError(TodError, ValueError):
    """A configuration value (CLI argument, YAML entry) is invalid."""


class ParadiseError(TodError, ValueError):
    """PARADISE evaluation got data it cannot use: no attributes for κ, too few rated dialogues,
    a malformed or mismatched satisfaction model."""


class EvaluationError(TodError, ValueError):
    """An evaluation got something it cannot score: no conversations, a goal naming a sub-domain the
    system's domain lacks."""


class NLGError(TodError, ValueError):
    """Templates that are malformed, or acts no template can express."""


class PipelineError(TodError, RuntimeError):
    """A pipeline stage returned something other than its contract promises."""


class SimulationError(TodError, ValueError):
    """Simulation got something it cannot use: impossible goal options, a malformed goal file,
    a goal whose sub-goals refer to each other in a cycle."""


class StoreError(TodError, RuntimeError):
    """The conversation state store cannot be opened or written, or holds a record it cannot read."""


class StoreConflictError(StoreError):
    """A conversation's record changed between the read a turn started from and the write of its
    result (another server or thread wrote or deleted it meanwhile); nothing was written."""


class RasaPayloadError(TodError, ValueError):
    """A Rasa action call (the JSON Rasa posts to an action server's ``/webhook``) is malformed.

    ``field`` names the offending entry, e.g. ``tracker.latest_message.entities[2].value``.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class ActionServerError(TodError, RuntimeError):
    """A call to a Rasa action server failed.

    ``action`` is the action asked for; ``status`` the HTTP status of the answer (``None`` when no
    answer came: timeout, connection refused). Subclasses say why.
    """

    def __init__(self, message: str, action: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.action = action
        self.status = status


class ActionNotFoundError(ActionServerError):
    """The action server has no action of that name (HTTP 404)."""


class ActionRejectedError(ActionServerError):
    """The action refused to run (``ActionExecutionRejection``, HTTP 400): nothing was done."""


class ActionDomainRequiredError(ActionServerError):
    """The action server needs the assistant's domain in the call and was not given it (HTTP 449)."""


class ActionFailedError(ActionServerError):
    """The action raised an error on the server (HTTP 500), or the server answered something unusable."""


class ActionTimeoutError(ActionServerError):
    """The action server did not answer within the timeout (the action may still have run)."""


class ActionServerUnreachableError(ActionServerError):
    """No connection to the action server could be made (nothing was sent to the action)."""
