"""Dialogue state tracking: user acts -> belief state."""
