"""Which act intents count as offers, failures, requests, confirmations and repairs.

The table is data (``act_classes.yaml`` beside this module, or a user's file of the same shape),
so the task-success proxy and the dialogue costs work for any act scheme: MultiWOZ, CrossWOZ,
the Schema-Guided Dataset's acts in the USS files, and tod's own system acts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tod.data.tokens import CJK_CHARACTER
from tod.errors import ParadiseError
from tod.files import read_yaml

DEFAULT_ACT_CLASSES = "act_classes.yaml"
_SYSTEM_KEYS = ("offer", "failure", "request", "confirmation")
_USER_KEYS = ("find", "ask", "repair")
_TOP_KEYS = ("system", "user", "shared_domains", "repair_markers")


@dataclass(frozen=True)
class ActClasses:
    """Sets of lower-cased intents per class, the shared pseudo-domains and the repair markers."""

    offer: frozenset[str]
    failure: frozenset[str]
    request: frozenset[str]
    confirmation: frozenset[str]
    find: frozenset[str]
    ask: frozenset[str]
    repair: frozenset[str]
    shared_domains: frozenset[str]
    repair_markers: tuple[str, ...]
    source: str = DEFAULT_ACT_CLASSES

    def marks_repair(self, text: str) -> bool:
        """Whether ``text`` contains a correction marker (whole words; markers with CJK characters, which
        are written without spaces, anywhere)."""
        return _marker_pattern(self.repair_markers).search(text.lower()) is not None


_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _marker_pattern(markers: tuple[str, ...]) -> re.Pattern[str]:
    if markers not in _PATTERNS:
        parts = [re.escape(m) if CJK_CHARACTER.search(m) else rf"(?<!\w){re.escape(m)}(?!\w)" for m in markers]
        _PATTERNS[markers] = re.compile("|".join(parts) if parts else r"(?!)")
    return _PATTERNS[markers]


def load_act_classes(path: str | Path | None = None) -> ActClasses:
    """The act classes from ``path``, or the shipped table when ``path`` is ``None``."""
    if path is None:
        with resources.as_file(resources.files(__package__) / DEFAULT_ACT_CLASSES) as shipped:
            return _parse(read_yaml(shipped, error=ParadiseError, what="the act classes"), DEFAULT_ACT_CLASSES)
    return _parse(read_yaml(path, error=ParadiseError, what="the act classes"), str(path))


def _parse(data: Any, source: str) -> ActClasses:
    if not isinstance(data, dict):
        raise ParadiseError(f"{source}: expected a mapping with 'system', 'user', 'shared_domains', 'repair_markers'")
    unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        raise ParadiseError(f"{source}: unknown keys {unknown}; expected only {list(_TOP_KEYS)}")

    def section(name: str, keys: tuple[str, ...]) -> dict[str, frozenset[str]]:
        block = data.get(name)
        if not isinstance(block, dict) or set(block) != set(keys):
            found = sorted(block) if isinstance(block, dict) else type(block).__name__
            raise ParadiseError(f"{source}: '{name}' must map exactly {list(keys)} to lists of intents, found {found}")
        return {key: _strings(block[key], f"{name}.{key}", source) for key in keys}

    system = section("system", _SYSTEM_KEYS)
    user = section("user", _USER_KEYS)
    shared = _strings(data.get("shared_domains", []), "shared_domains", source, allow_empty_item=True)
    markers = data.get("repair_markers", {})
    if not isinstance(markers, dict):
        raise ParadiseError(f"{source}: 'repair_markers' must map a language to a list of words")
    words = tuple(
        sorted({w for lang, items in markers.items() for w in _strings(items, f"repair_markers.{lang}", source)})
    )
    return ActClasses(**system, **user, shared_domains=shared, repair_markers=words, source=source)


def _strings(items: Any, where: str, source: str, *, allow_empty_item: bool = False) -> frozenset[str]:
    if not isinstance(items, list) or not all(isinstance(i, str) and (i or allow_empty_item) for i in items):
        raise ParadiseError(f"{source}: '{where}' must be a list of non-empty strings, found {items!r}")
    return frozenset(i.lower() for i in items)
