"""Helpers for testing dialogue systems built with tod."""
