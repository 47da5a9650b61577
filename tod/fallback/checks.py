"""Checks of fallback parameters: each returns the value or raises a ConfigError saying what was
expected and what was found."""

from __future__ import annotations

from tod.errors import ConfigError


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def positive(name: str, value: float) -> float:
    """``value`` as a float if it is a positive number (a time limit, say)."""
    if not _number(value) or not value > 0:  # type: ignore[operator]
        raise ConfigError(f"{name} must be a positive number, found {value!r}")
    return float(value)


def similarity(name: str, value: float) -> float:
    """``value`` as a float if it is a cosine-similarity threshold in [-1, 1]."""
    if not _number(value) or not -1.0 <= value <= 1.0:  # type: ignore[operator]
        raise ConfigError(f"{name} must be a similarity between -1 and 1, found {value!r}")
    return float(value)


def whole(name: str, value: int, low: int = 0) -> int:
    """``value`` if it is a whole number of at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{name} must be a whole number of at least {low}, found {value!r}")
    return value


def sampling_temperature(value: float) -> float:
    """``value`` as a float if it is a sampling temperature from 0 (greedy) to 2."""
    if not _number(value) or not 0 <= value <= 2:  # type: ignore[operator]
        raise ConfigError(f"temperature must be a number from 0 (greedy) to 2, found {value!r}")
    return float(value)
