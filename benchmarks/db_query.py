"""Speed of the domain query engine: loading, and p50/p95 latency of realistic random queries.

The main case is the MultiWOZ train timetable (2,828 entries): departure + destination + day +
leaveAt or arriveBy, the belief states a train dialogue produces; the bar is p50 <= 1 ms. A few
queries on other MultiWOZ / CrossWOZ sub-domains and the built-in cityguide domain follow.
Results go to ``benchmarks/results/db_query.{json,md}`` with the command, date and machine.

    python benchmarks/db_query.py                 # defaults: ../shared/data, 5000 train queries
    python benchmarks/db_query.py --data DIR --queries 20000 --seed 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

from benchlib import machine

from tod.domain.database import Database, open_database

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BAR_MS = 1.0

Query = tuple[str, dict[str, str]]


def train_queries(db: Database, rng: random.Random, n: int) -> list[Query]:
    """Constraints a train dialogue ends with: a real route, a day (or dontcare), a time bound."""
    trains = db.entities("train")
    out: list[Query] = []
    for _ in range(n):
        t = rng.choice(trains)
        c = {"departure": t.get("departure"), "destination": t.get("destination")}
        c["day"] = t.get("day") if rng.random() < 0.9 else "dontcare"
        minutes = rng.randrange(5 * 60, 23 * 60, 15)
        clock = (
            f"{minutes // 60}:{minutes % 60:02d}" if rng.random() < 0.5 else f"{minutes // 60:02d}:{minutes % 60:02d}"
        )
        c["leaveAt" if rng.random() < 0.6 else "arriveBy"] = clock
        out.append(("train", c))
    return out


def sample(
    db: Database, rng: random.Random, n: int, sub: str, slots: list[str], extra: Callable[[], dict[str, str]]
) -> list[Query]:
    """Constraints built from values of real entries (so many queries have answers), plus ``extra()``."""
    entities = db.entities(sub)
    out: list[Query] = []
    for _ in range(n):
        e = rng.choice(entities)
        chosen = rng.sample(slots, rng.randint(1, len(slots)))
        out.append((sub, {**{s: str(e.get(s)) for s in chosen}, **extra()}))
    return out


def timed(db: Database, queries: list[Query], repeat: int = 1) -> dict[str, Any]:
    """Per-query latency in milliseconds (median over ``repeat`` runs of each query)."""
    times: list[float] = []
    hits = 0
    for sub, constraints in queries:
        runs = []
        for _ in range(repeat):
            start = time.perf_counter_ns()
            result = db.query(sub, constraints)
            runs.append((time.perf_counter_ns() - start) / 1e6)
        hits += bool(result)
        times.append(statistics.median(runs))
    times.sort()
    return {
        "queries": len(queries),
        "with_results": hits,
        "p50_ms": round(times[len(times) // 2], 4),
        "p95_ms": round(times[int(len(times) * 0.95)], 4),
        "max_ms": round(times[-1], 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data"), help="folder holding multiwoz/ and crosswoz/"
    )
    parser.add_argument("--queries", type=int, default=5000, help="random train-timetable queries")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    results: dict[str, Any] = {"load_s": {}, "cases": {}}

    start = time.perf_counter()
    multiwoz = open_database("multiwoz", data_dir=args.data / "multiwoz")
    results["load_s"]["multiwoz"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    crosswoz = open_database("crosswoz", data_dir=args.data / "crosswoz")
    results["load_s"]["crosswoz"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    cityguide = open_database("cityguide")
    results["load_s"]["cityguide"] = round(time.perf_counter() - start, 3)

    no_extra: Callable[[], dict[str, str]] = dict
    cases: list[tuple[str, Database, list[Query]]] = [
        (
            "multiwoz train {departure, destination, day, leaveAt or arriveBy}",
            multiwoz,
            train_queries(multiwoz, rng, args.queries),
        ),
        (
            "multiwoz restaurant {area, pricerange, food}",
            multiwoz,
            sample(multiwoz, rng, 1000, "restaurant", ["area", "pricerange", "food"], no_extra),
        ),
        (
            "multiwoz hotel {area, pricerange, type, stars, parking, internet}",
            multiwoz,
            sample(
                multiwoz, rng, 1000, "hotel", ["area", "pricerange", "type", "stars", "parking", "internet"], no_extra
            ),
        ),
        (
            "crosswoz 酒店 {酒店类型, 评分 4.5分以上, 价格 range, 酒店设施-X}",
            crosswoz,
            sample(
                crosswoz,
                rng,
                1000,
                "酒店",
                ["酒店类型"],
                lambda: {
                    "评分": rng.choice(["4分以上", "4.5分以上"]),
                    "价格": rng.choice(["200-300元", "300-400元", "500-600元", "1000元以上"]),
                    "酒店设施-" + rng.choice(["中式餐厅", "健身房", "SPA"]): "是",
                },
            ),
        ),
        (
            "crosswoz 景点 {周边酒店 (nearby), 门票 form}",
            crosswoz,
            [
                (
                    "景点",
                    {
                        "周边酒店": rng.choice(crosswoz.entities("酒店")).name,
                        "门票": rng.choice(["免费", "不免费", "50-100元"]),
                    },
                )
                for _ in range(1000)
            ],
        ),
        (
            "cityguide restaurant {area, pricerange, food}",
            cityguide,
            sample(cityguide, rng, 1000, "restaurant", ["area", "pricerange", "food"], no_extra),
        ),
    ]
    for label, db, queries in cases:
        timed(db, queries[:200])  # warm-up
        results["cases"][label] = timed(db, queries)
        print(f"{label}: {results['cases'][label]}")
    start = time.perf_counter()
    crosswoz.near("酒店", crosswoz.entities("酒店")[0].name, "景点")
    results["load_s"]["crosswoz nearby graph (first near())"] = round(time.perf_counter() - start, 3)

    train = next(iter(results["cases"].values()))
    report = {
        "benchmark": "db_query",
        "command": "python "
        + shlex.join([Path(sys.argv[0]).as_posix(), *(argv if argv is not None else sys.argv[1:])]),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(with_torch=False),
        "seed": args.seed,
        "bar": {"train p50 ms <=": BAR_MS, "met": train["p50_ms"] <= BAR_MS},
        **results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "db_query.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        "# Domain query engine speed",
        "",
        f"Command: `{report['command']}`  ",
        f"Date: {report['date']}  ",
        "Machine: {cpu}, {cores} cores, Python {python}".format(**report["machine"]),
        "",
        f"Bar: MultiWOZ train p50 <= {BAR_MS} ms: **{'met' if train['p50_ms'] <= BAR_MS else 'NOT met'}** "
        f"({train['p50_ms']} ms).",
        "",
        "| case | queries | with results | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|---|",
        *(
            f"| {k} | {v['queries']} | {v['with_results']} | {v['p50_ms']} | {v['p95_ms']} | {v['max_ms']} |"
            for k, v in results["cases"].items()
        ),
        "",
        "| loading | seconds |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in results["load_s"].items()),
        "",
    ]
    (args.out / "db_query.md").write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
