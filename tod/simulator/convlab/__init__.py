"""ConvLab-2's MultiWOZ evaluator, agreeing with its per-dialogue verdicts (tod's ``convlab`` metric mode).

- :mod:`~tod.simulator.convlab.tables`: the evaluator's tables, read from the domain's ``convlab.yaml``;
- :mod:`~tod.simulator.convlab.query`: its database query for the final-goal check (fuzzy matching included);
- :mod:`~tod.simulator.convlab.records`: a dialogue as the evaluator receives it (goal, acts) and JSONL files of them;
- :mod:`~tod.simulator.convlab.evaluator`: the verdict of one dialogue (success, book rate, inform TP/FP/FN, ...);
- :mod:`~tod.simulator.convlab.adapter`: a tod dialogue and goal as such a record, and its verdict as tod metrics.
"""
