"""Exceptions raised by tod. Each says what was expected and what was found."""

from __future__ import annotations


class TodError(Exception):
    """Base class of every error tod raises on purpose."""


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
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        if dialogue is not None:
            where += f"dialogue {dialogue}" + (f", turn {turn}" if turn is not None else "") + ": "
        super().__init__(where + message)
        self.path = path
        self.line = line
        self.dialogue = dialogue
        self.turn = turn


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


class NLGError(TodError, ValueError):
    """Templates that are malformed, or acts no template can express."""


class PipelineError(TodError, RuntimeError):
    """A pipeline stage returned something other than its contract promises."""
