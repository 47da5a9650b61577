"""Scores of core values (dialogue acts, intents and slot tags), shared by training and evaluation.

They import nothing but the core, so a stage that selects its best epoch by them (the NLU) and the
evaluation layer that reports them use the same definitions.
"""
