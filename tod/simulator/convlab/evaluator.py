"""ConvLab-2's per-dialogue verdict (``MultiWozEvaluator`` at b014b81), from a dialogue's acts and goal.

What each number means (the tables are in the domain's ``convlab.yaml``; ``docs/simulation.md``
says it in words; ``../shared/data/convlab-eval/README.md`` has ConvLab's code behind each):

- **booked entities**: read from system acts (a reference is a database row number; a taxi is booked
  by informing its car), the first per domain kept. tod's references are not row numbers: a
  ``book`` / ``offerbooked`` act naming the entity books it instead (ConvLab's system never names
  one there, so its verdicts are unchanged);
- **book rate**: per domain whose goal books and constrains: the share of its ``info`` constraints
  the booked row meets (departure and destination left out, booking details never compared);
- **inform TP / FP / FN**: the goal slots of every ``inform`` / ``recommend`` / ``offerbook`` /
  ``offerbooked`` act that pass the format check are "informed"; each act that fails it is an FP;
  a requested slot informed is a TP, else an FN; an informed slot the goal neither requests nor
  constrains is one more FP when ConvLab's ``requestable`` list (written in abbreviations, compared
  with long names) has it. Precision, recall and F1 are ``None`` when nothing is requested;
- **final goal**: each goal domain is queried with its ``info`` (exact) and its ``reqt`` with the
  values the user was told (fuzzy); no row, or a booked row not among them, is a mismatch;
- **success**: final-goal score 1, and book rate 1 with recall 1 or ``None``, or book rate ``None``
  with recall 1 (a goal requesting and booking nothing never succeeds);
- **complete** (ConvLab's user simulator's, from the goal at scoring): every requested value filled
  and every booking domain booked.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from tod.domain.ontology import Domain
from tod.errors import EvaluationError
from tod.simulator.convlab.query import ConvLabDatabase, _minutes
from tod.simulator.convlab.records import ConvLabRecord
from tod.simulator.convlab.tables import ConvLabTables

#: Values that leave a requested slot unfilled for ConvLab's user simulator (``Goal.task_complete``).
UNFILLED = frozenset({"?", "dontcare", "none", "no"})
#: Values of the system's acts that do not fill a requested slot (the re-scoring adapter's rule).
NOT_TOLD = frozenset({"", "?", "none", "dontcare"})
FLAG = "booked"


@dataclass(frozen=True)
class ConvLabVerdict:
    """Every per-dialogue number ConvLab-2's evaluator gives (and its user simulator's ``complete``)."""

    task_success: bool
    complete: bool | None
    book_rate: float | None
    book_rate_per_domain: Mapping[str, float]
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    counts_per_domain: Mapping[str, tuple[int, int, int]]
    bad_format: tuple[tuple[str, str, str], ...]
    requested_not_informed: tuple[tuple[str, str, str], ...]
    informed_not_requested: tuple[tuple[str, str, str], ...]
    final_match: int
    final_mismatch: int
    final_score: float
    domain_success: Mapping[str, int]
    turns: int
    #: domain -> booked database row, or ``"booked"`` for a domain booked without a row (taxi).
    booked: Mapping[str, int | str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_success": int(self.task_success),
            "complete": None if self.complete is None else int(self.complete),
            "book_rate": self.book_rate,
            "book_rate_per_domain": dict(self.book_rate_per_domain),
            "inform": {
                "tp": self.tp,
                "fp": self.fp,
                "fn": self.fn,
                "precision": self.precision,
                "recall": self.recall,
                "f1": self.f1,
                "counts_per_domain": {d: list(c) for d, c in self.counts_per_domain.items()},
                "bad_format": [list(x) for x in self.bad_format],
                "requested_not_informed": [list(x) for x in self.requested_not_informed],
                "informed_not_requested": [list(x) for x in self.informed_not_requested],
            },
            "final_goal": {"match": self.final_match, "mismatch": self.final_mismatch, "score": self.final_score},
            "domain_success": dict(self.domain_success),
            "turns": self.turns,
            "booked": dict(self.booked),
        }


def _success(book_rate: float | None, recall: float | None) -> bool:
    return (book_rate == 1 and recall in (1, None)) or (book_rate is None and recall == 1)


def _reqt(part: Mapping[str, Any]) -> dict[str, str]:
    reqt = part.get("reqt", {})
    return {slot: "?" for slot in reqt} if isinstance(reqt, list) else dict(reqt)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


class ConvLabEvaluator:
    """Scores ConvLab-format dialogues (:class:`ConvLabRecord`) ConvLab-2's way, for one domain."""

    def __init__(self, tables: ConvLabTables, database: ConvLabDatabase) -> None:
        self.tables = tables
        self.database = database

    @classmethod
    def for_domain(cls, domain: Domain) -> ConvLabEvaluator:
        """The evaluator of ``domain`` (EvaluationError when it has no ``convlab.yaml`` or no database)."""
        tables = ConvLabTables.for_domain(domain)
        return cls(tables, ConvLabDatabase.for_domain(domain, tables))

    # ------------------------------------------------------------------ the acts
    def _history(self, record: ConvLabRecord, goal: Mapping[str, Any]) -> tuple[list[str], dict[str, int | str]]:
        """The system acts as ConvLab stores them (``domain-intent-slot-value``) and the booked entities."""
        t = self.tables
        history: list[str] = []
        booked: dict[str, int | str] = {}
        current = ""
        for turn in record.turns:
            for intent, domain, slot, value in turn.acts:
                dom_int = f"{domain}-{intent}"
                name = dom_int.split("-")[0].lower()
                if name in t.domains:
                    current = name
                if turn.speaker != "system":
                    continue
                act = f"{dom_int}-{slot}".lower()
                history.append(f"{act}-{value}")
                target = ""
                if act in t.current_domain_acts and current in t.current_domains:
                    target = current
                elif act in t.fixed_acts:
                    target = t.fixed_acts[act]
                elif act in t.flag_acts:
                    booked.setdefault(t.flag_acts[act], FLAG)
                    continue
                if target:
                    if (
                        target not in booked
                        and t.reference.match(value)
                        and int(value) < len(self.database.table(target))
                    ):
                        booked[target] = int(value)
                    continue
                self._named_booking(name, intent.lower(), slot.lower(), value, goal, booked)
        return history, booked

    def _named_booking(
        self, domain: str, intent: str, slot: str, value: str, goal: Mapping[str, Any], booked: dict[str, int | str]
    ) -> None:
        t = self.tables
        if intent not in t.named_intents or t.named_slots.get(domain) != slot or domain in booked:
            return
        field_name = t.informs[domain].get(slot, slot)
        rows = self.database.rows_with(domain, field_name, value)
        if not rows:
            return
        info = goal.get(domain, {}).get("info", {})
        tiebreak = t.named_tiebreak.get(domain, ())

        def fit(index: int) -> int:
            row = self.database.table(domain)[index]
            return sum(
                1 for s in tiebreak if s in info and str(row.get(s, "")).strip().lower() == str(info[s]).strip().lower()
            )

        booked[domain] = max(rows, key=lambda i: (fit(i), -i))

    # ------------------------------------------------------------------ the numbers
    def _inform(
        self, goal: Mapping[str, Any], history: Sequence[str], domains: Sequence[str]
    ) -> tuple[dict[str, list[int]], set[tuple[str, str, str]], set[tuple[str, str, str]], set[tuple[str, str, str]]]:
        t = self.tables
        informed: dict[str, set[str]] = {d: set() for d in domains}
        counts = {d: [0, 0, 0] for d in domains}
        bad: set[tuple[str, str, str]] = set()
        missed: set[tuple[str, str, str]] = set()
        extra: set[tuple[str, str, str]] = set()
        for entry in history:
            domain, intent, slot, value = entry.split("-", 3)
            if intent not in t.inform_intents or domain not in informed or slot not in t.informs[domain]:
                continue
            if value.strip() in t.null_values:
                continue
            key = t.informs[domain][slot]
            check = t.formats.get(key)
            if check is None or check.passes(domain, value):
                informed[domain].add(key)
            else:
                bad.add((intent, domain, key))
                counts[domain][1] += 1
        for domain in domains:
            part = goal.get(domain, {})
            reqt = _reqt(part)
            info = part.get("info", {})
            for slot in reqt:
                if slot in informed[domain]:
                    counts[domain][0] += 1
                else:
                    missed.add(("request", domain, slot))
                    counts[domain][2] += 1
            for slot in informed[domain]:
                if slot not in reqt and slot not in info and slot in t.requestable[domain]:
                    extra.add(("inform", domain, slot))
                    counts[domain][1] += 1
        return counts, bad, missed, extra

    def _book_rates(
        self, goal: Mapping[str, Any], booked: Mapping[str, int | str], domains: Sequence[str]
    ) -> dict[str, float]:
        t = self.tables
        scores: dict[str, float] = {}
        for domain in domains:
            part = goal.get(domain, {})
            if not part.get("book"):
                continue
            info = part.get("info", {})
            total = len(info)
            if total == 0:
                continue
            entity = booked.get(domain)
            if entity is None:
                scores[domain] = 0.0
                continue
            if isinstance(entity, str):
                scores[domain] = 1.0
                continue
            row = self.database.table(domain)[entity]
            match = 0
            for slot, value in info.items():
                if slot in t.book_rate_skipped:
                    total -= 1
                    continue
                op = t.book_rate_times.get(slot)
                if op is not None:
                    try:
                        wanted, found = _minutes(str(value)), _minutes(row[slot])
                    except (ValueError, IndexError, KeyError, AttributeError):
                        match += 1  # ConvLab counts a time it cannot read as met
                        continue
                    match += (wanted <= found) if op == "ge" else (wanted >= found)
                elif isinstance(row.get(slot), str) and str(value).strip() == row[slot].strip():
                    match += 1
            if total:
                scores[domain] = match / total
        return scores

    def _final_goal(self, goal: Mapping[str, Any], booked: Mapping[str, int | str]) -> tuple[int, int]:
        match = mismatch = 0
        for domain, part in goal.items():
            hard = [(s, str(v)) for s, v in part.get("info", {}).items()]
            soft = [(s, str(v)) for s, v in _reqt(part).items()]
            rows = self.database.query(domain, hard, soft)
            if not rows:
                mismatch += 1
                continue
            entity = booked.get(domain)
            if not part.get("book") or not isinstance(entity, int):
                match += 1
            elif entity in rows:
                match += 1
            else:
                mismatch += 1
        return match, mismatch

    def score(self, record: ConvLabRecord) -> ConvLabVerdict:
        """ConvLab-2's verdict on ``record``: against its ``goal_at_scoring`` where it has one, else
        against its goal with the requested values filled from the system's acts (:func:`filled_goal`)."""
        t = self.tables
        unknown = [d for d in record.goal if d not in t.domains]
        if unknown:
            raise EvaluationError(f"dialogue {record.id}: goal domains {unknown} are not ConvLab's {list(t.domains)}")
        goal = record.goal_at_scoring if record.goal_at_scoring is not None else filled_goal(record, t)
        history, booked = self._history(record, goal)
        counts, bad, missed, extra = self._inform(goal, history, t.domains)
        tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
        recall = tp / (tp + fn) if tp + fn else None
        precision = f1 = None
        if recall is not None:
            if tp + fp == 0 or tp == 0:
                precision, f1 = 0.0, 0.0
            else:
                precision = tp / (tp + fp)
                f1 = 2 * precision * recall / (precision + recall)
        rates = self._book_rates(goal, booked, t.domains)
        book_rate = _mean(list(rates.values()))
        match, mismatch = self._final_goal(goal, booked)
        final_score = 1.0 if match == mismatch == 0 else match / (match + mismatch)
        domain_success = {}
        for domain in goal:
            rate = _mean(list(self._book_rates(goal, booked, [domain]).values()))
            c = counts[domain]
            domain_success[domain] = int(_success(rate, c[0] / (c[0] + c[2]) if c[0] + c[2] else None))
        complete = user_complete(goal, booked)
        return ConvLabVerdict(
            task_success=final_score == 1 and _success(book_rate, recall),
            complete=complete,
            book_rate=book_rate,
            book_rate_per_domain=rates,
            tp=tp,
            fp=fp,
            fn=fn,
            precision=precision,
            recall=recall,
            f1=f1,
            counts_per_domain={d: (c[0], c[1], c[2]) for d, c in counts.items() if any(c)},
            bad_format=tuple(sorted(bad)),
            requested_not_informed=tuple(sorted(missed)),
            informed_not_requested=tuple(sorted(extra)),
            final_match=match,
            final_mismatch=mismatch,
            final_score=final_score,
            domain_success=domain_success,
            turns=len(record.turns),
            booked=booked,
        )


def filled_goal(record: ConvLabRecord, tables: ConvLabTables) -> dict[str, Any]:
    """``record``'s goal with each requested slot holding the last value the system gave for it
    (an informing act, value not empty, ``?``, ``none`` or ``dontcare``), as ConvLab's user simulator
    fills its live goal; slots never answered stay ``"?"``."""
    goal = copy.deepcopy(dict(record.goal))
    for domain, part in goal.items():
        part["reqt"] = _reqt(part)
    for turn in record.turns:
        if turn.speaker != "system":
            continue
        for intent, domain, slot, value in turn.acts:
            name, verb = domain.lower(), intent.lower()
            if name not in goal or verb not in tables.inform_intents:
                continue
            key = tables.informs.get(name, {}).get(slot.lower(), slot)
            if key in goal[name]["reqt"] and value.strip().lower() not in NOT_TOLD:
                goal[name]["reqt"][key] = value
    return goal


def user_complete(goal: Mapping[str, Any], booked: Mapping[str, int | str]) -> bool:
    """ConvLab's user simulator's ``task_complete`` on its goal at scoring: every requested value filled
    (quoted forms such as ``'"?"'`` count as filled) and every domain whose goal books booked: its
    ``booked`` flag ``yes`` where the goal carries one (ConvLab's simulator sets it), else a booked entity."""
    for domain, part in goal.items():
        if any(str(v) in UNFILLED for v in _reqt(part).values()):
            return False
        if "booked" in part:
            if str(part["booked"]) in UNFILLED:
                return False
        elif part.get("book") and domain not in booked:
            return False
    return True
