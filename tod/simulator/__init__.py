"""Simulated users and end-to-end evaluation: goals, the agenda-based user, sessions and task metrics."""
