"""The benchmarks ``python -m benchmarks`` runs: their commands, headline numbers and expected durations.

Each full-profile command is the one its issue recorded in ``benchmarks/results/<name>.json``
(paths to scratch directories aside); the quick profile shrinks sizes for a smoke run. Estimates
come from the durations recorded in those files (2-core AMD EPYC). The order puts the minute-long
benchmarks first, so that a broken one shows early; the two act NLU trainings run side by side with
one thread each, as they were recorded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .runner import (
    EXACT_POINTS,
    EXACT_UNIT,
    TRAINED_POINTS,
    Bench,
    Context,
    Metric,
    count,
    info,
    is_cached,
    memory,
    quality,
    rate,
    read_json,
    seconds,
    shown,
)


def dig(value: Any, *path: Any) -> Any:
    """``value[p0][p1]...``, or None where a step is missing."""
    for step in path:
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return None
    return value


def pct(value: Any) -> float | None:
    return 100 * value if isinstance(value, (int, float)) else None


def per(a: Any, b: Any) -> float | None:
    return a / b if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else None


def total(*values: Any) -> float:
    return sum(v for v in values if isinstance(v, (int, float)))


def _default_cache() -> str:
    from tod.cache import default_cache_dir

    return str(default_cache_dir())


# --- ATIS ------------------------------------------------------------------------------------------


def atis_argv(ctx: Context) -> list[str]:
    return ["benchmarks/atis_nlu.py", *ctx.data_args("atis")]


def atis_quick(ctx: Context) -> list[str]:
    return [*atis_argv(ctx), "--", "--members", "1", "--epochs", "1", "--max-examples", "512"]


def training(j: dict) -> list[Metric]:
    """Training cost of an NLU benchmark (atis_nlu, act_nlu): wall time, per epoch, examples/s, memory."""
    wall = j.get("train_wall_s")
    return [
        seconds("train.wall_s", "training wall time", wall),
        seconds(
            "train.s_per_epoch",
            "training wall time per epoch (wall / epochs)",
            per(wall, dig(j, "train_config", "epochs")),
        ),
        rate(
            "train.examples_per_s",
            "training examples per second (of the training command's wall time)",
            j.get("train_examples_per_s"),
            "ex/s",
        ),
        memory("train.peak_rss_mib", "training peak RSS (training process tree)", j.get("train_peak_rss_mib")),
    ]


def atis_metrics(j: dict, ctx: Context) -> list[Metric]:
    return [
        quality("test.intent_accuracy", "ATIS test intent accuracy", dig(j, "test", "intent_accuracy")),
        quality("test.slot_f1", "ATIS test slot F1", dig(j, "test", "slot_f1")),
        quality("test.sentence_accuracy", "ATIS test sentence accuracy", dig(j, "test", "sentence_accuracy")),
        count("test.examples", "test utterances", dig(j, "test", "examples")),
        *training(j),
        seconds("parse.batch1_p50_ms", "parse latency p50 (batch 1, 1 thread)", j.get("batch1_p50_ms"), "ms"),
        seconds("parse.batch1_p95_ms", "parse latency p95 (batch 1, 1 thread)", j.get("batch1_p95_ms"), "ms"),
        rate(
            "parse.batch64_per_s",
            "parse throughput (batch 64, all threads)",
            j.get("batch64_utterances_per_s"),
            "utt/s",
        ),
    ]


def atis_estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
    if not j:
        return 750, "no record; ATIS training about 12 min"
    return (
        total(j.get("train_wall_s"), j.get("evaluate_wall_s")) + 30,
        "recorded training + evaluation + ~30 s of latency measurement",
    )


# --- dialogue-act NLU --------------------------------------------------------------------------------

ACT_TRAIN = {  # the recorded runs' training options (results/act_nlu_<corpus>.json), 1 thread each side by side
    "multiwoz": ["--context-turns", "2", "--threads", "1"],
    "crosswoz": ["--context-turns", "0", "--epochs", "10", "--lr", "3e-4", "--threads", "1"],
}
ACT_ENCODER = {"multiwoz": [], "crosswoz": ["--encoder", "e5-small"]}


def act_argv(corpus: str):
    def build(ctx: Context) -> list[str]:
        return [
            "benchmarks/act_nlu.py",
            "--corpus",
            corpus,
            *ctx.data_args(corpus),
            *ACT_ENCODER[corpus],
            "--",
            *ACT_TRAIN[corpus],
        ]

    return build


def act_quick(corpus: str):
    def build(ctx: Context) -> list[str]:
        # a 5% dev part (the evaluation dominates a short run), one epoch of 256 examples
        return [
            "benchmarks/act_nlu.py",
            "--corpus",
            corpus,
            *ctx.data_args(corpus),
            *ACT_ENCODER[corpus],
            "--dev-fraction",
            "0.05",
            "--",
            *ACT_TRAIN[corpus],
            "--epochs",
            "1",
            "--max-examples",
            "256",
        ]

    return build


def act_metrics(j: dict, ctx: Context) -> list[Metric]:
    return [
        quality("dev.act_f1", "dev-part act F1", j.get("dev_act_f1")),
        quality("dev.utterance_accuracy", "dev-part utterance accuracy", j.get("dev_utterance_accuracy")),
        quality(
            "dev.jga_cumulative",
            "NLU -> RuleDST joint goal accuracy (cumulative)",
            dig(j, "dev_dst", "cumulative", "joint_goal_accuracy"),
        ),
        count("dev.utterances", "dev-part user turns", j.get("dev_utterances")),
        *training(j),
        seconds("evaluate.wall_s", "evaluation wall time (NLU + DST commands)", j.get("evaluate_wall_s")),
    ]


def act_estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
    if not j:
        return 1400, "no record; about 23 min"
    return (
        total(j.get("train_wall_s"), j.get("evaluate_wall_s")) + 20,
        "recorded training (1 thread, beside the other corpus) + evaluation",
    )


# --- corpora and the query engine ---------------------------------------------------------------------

CORPUS_FILES = (
    "multiwoz/val.json.zip",
    "crosswoz/val.json.zip",
    "camrest/data.zip",
    "woz/data.zip",
    "multiwoz/mwz22_text_vonCount",
)


def corpus_metrics(j: dict, ctx: Context) -> list[Metric]:
    out: list[Metric] = []
    for name, entry in (j.get("results") or {}).items():
        counts = entry.get("counts") or {}
        out += [
            seconds(f"{name}.first_load_s", f"{name}: first load in a fresh process", entry.get("first_load_s")),
            count(f"{name}.dialogues", f"{name}: dialogues, all splits", sum(c[0] for c in counts.values())),
            count(
                f"{name}.count_problems",
                f"{name}: counts differing from the data README",
                len(entry.get("count_problems") or []),
            ),
        ]
    return out


def corpus_estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
    loads = [total(e.get("first_load_s"), e.get("warm_load_s")) for e in ((j or {}).get("results") or {}).values()]
    if not loads:
        return 60, "no record"
    return 3 * (sum(loads) + len(loads)), "3 fresh processes per corpus x recorded first + warm load"


def db_metrics(j: dict, ctx: Context) -> list[Metric]:
    cases = j.get("cases") or {}
    train = next((v for k, v in cases.items() if k.startswith("multiwoz train")), {})
    return [
        seconds("train.p50_ms", "MultiWOZ train-timetable query p50", train.get("p50_ms"), "ms"),
        seconds("train.p95_ms", "MultiWOZ train-timetable query p95", train.get("p95_ms"), "ms"),
        count("train.with_results", "train queries with results", train.get("with_results")),
        seconds("load.multiwoz_s", "MultiWOZ database load", dig(j, "load_s", "multiwoz")),
    ]


def dst_metrics(j: dict, ctx: Context) -> list[Metric]:
    out: list[Metric] = []
    for corpus in ("multiwoz", "crosswoz"):
        for part, protocol in (("all", "cumulative"), ("all", "single-turn"), ("dev", "cumulative")):
            out.append(
                quality(
                    f"{corpus}.{part}.{protocol}",
                    f"{corpus} {part} {protocol} JGA (gold acts)",
                    pct(dig(j, corpus, part, protocol, "joint_goal_accuracy")),
                    tolerance=EXACT_POINTS,
                )
            )
        out.append(
            seconds(f"{corpus}.seconds", f"{corpus}: both protocols, whole split", dig(j, corpus, "all", "seconds"))
        )
    return out


def dst_estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
    if not j:
        return 30, "no record"
    spent = sum(
        total(dig(j, c, "load_s"), dig(j, c, "fit_s"), dig(j, c, "all", "seconds"), dig(j, c, "dev", "seconds"))
        for c in ("multiwoz", "crosswoz")
    )
    return spent + 5, "recorded load + fit + evaluation, + imports"


def paradise_metrics(j: dict, ctx: Context) -> list[Metric]:
    out: list[Metric] = []
    for study in ("MWOZ", "SGD"):
        r = dig(j, "studies", study, "result")
        out += [
            quality(
                f"{study}.cv_spearman",
                f"USS {study}: CV Spearman of PARADISE",
                dig(r, "cross_validation", "paradise", "spearman", "value"),
                "",
                EXACT_UNIT,
            ),
            quality(f"{study}.r2", f"USS {study}: R² of the fit", dig(r, "r2"), "", EXACT_UNIT),
            seconds(f"{study}.wall_s", f"USS {study}: tod evaluate paradise", dig(j, "studies", study, "wall_s")),
            memory(f"{study}.peak_mib", f"USS {study}: peak RSS", dig(j, "studies", study, "peak_mib")),
        ]
    for corpus in ("multiwoz", "crosswoz"):
        out.append(
            quality(
                f"kappa.{corpus}",
                f"κ from goals, {corpus} val",
                dig(j, "goal_kappa", corpus, "kappa_set"),
                "",
                EXACT_UNIT,
            )
        )
    return out


def paradise_estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
    if not j:
        return 40, "no record"
    studies = total(*(dig(s, "wall_s") for s in (j.get("studies") or {}).values()))
    kappas = total(*(dig(k, "seconds") for k in (j.get("goal_kappa") or {}).values()))
    return studies + kappas + 10, "recorded studies + κ, + loading two corpora"


# --- the running system ------------------------------------------------------------------------------


def pipeline_quick(ctx: Context) -> list[str]:
    # the NLU from tod's cache (trained once by `make chat`/tests): the quick run does not train it
    return ["benchmarks/pipeline_latency.py", "--repeat", "1", "--cache-dir", _default_cache()]


def pipeline_metrics(j: dict, ctx: Context) -> list[Metric]:
    return [
        seconds("turn_ms.p50", "turn latency p50, all turns", dig(j, "turn_ms", "p50"), "ms"),
        seconds("turn_ms.p95", "turn latency p95, all turns", dig(j, "turn_ms", "p95"), "ms"),
        seconds("task_turn_ms.p50", "task turn latency p50", dig(j, "task_turn_ms", "p50"), "ms"),
        seconds("task_turn_ms.p95", "task turn latency p95", dig(j, "task_turn_ms", "p95"), "ms"),
        seconds("stage_ms_p50.nlu", "NLU stage p50 (one utterance)", dig(j, "stage_ms_p50", "nlu"), "ms"),
        seconds("first_start_s", "first start (NLU trained when not cached)", j.get("first_start_seconds")),
        seconds("later_start_s", "later start (cached NLU)", j.get("later_start_seconds")),
        count("hostile.crashes", "hostile inputs: crashes", dig(j, "hostile", "crashes")),
        count(
            "hostile.leaks",
            "hostile inputs: fallback turns that changed the task state",
            dig(j, "hostile", "fallback_state_changes"),
        ),
        info("hostile.fallback_turns", "hostile inputs routed to the fallback", dig(j, "hostile", "fallback_turns")),
    ]


def pipeline_estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
    if not j:
        return 180, "no record"
    turns = (total(j.get("timed_turns")) + 20) * total(dig(j, "turn_ms", "mean")) / 1000
    hostile = 1000 * total(dig(j, "fallback_turn_ms", "p50")) / 1000
    return (
        total(j.get("first_start_seconds"), j.get("later_start_seconds")) + turns + hostile + 10,
        "recorded first start (trains the NLU) + turns + ~1,000 hostile turns",
    )


def policy_metrics(j: dict, ctx: Context) -> list[Metric]:
    out: list[Metric] = []
    for c in j.get("corpora") or []:
        name, rows = c.get("corpus"), c.get("results") or {}
        for policy, tol in (
            ("mle-logreg", TRAINED_POINTS),
            ("mle-mlp", TRAINED_POINTS),
            ("rule", EXACT_POINTS),
            ("most-frequent", EXACT_POINTS),
        ):
            out.append(
                quality(
                    f"{name}.{policy}.act_f1",
                    f"{name} {policy}: dev-part act F1",
                    pct(dig(rows, policy, "act_f1")),
                    tolerance=tol,
                )
            )
        out += [
            seconds(
                f"{name}.mle-logreg.train_s", f"{name} mle-logreg: training", dig(rows, "mle-logreg", "train_seconds")
            ),
            seconds(
                f"{name}.mle-logreg.predict_p50_ms",
                f"{name} mle-logreg: predict p50",
                dig(rows, "mle-logreg", "latency_p50_ms"),
                "ms",
            ),
        ]
    return [
        *out,
        seconds("wall_s", "wall time (in-process)", j.get("wall_s")),
        memory("peak_rss_mib", "peak RSS (its own ru_maxrss)", j.get("peak_rss_mib")),
    ]


def rasa_metrics(j: dict, ctx: Context) -> list[Metric]:
    return [
        count("concurrent.errors", "concurrent senders: errors", dig(j, "concurrent", "errors")),
        count("concurrent.leaks", "concurrent senders: leaked state", dig(j, "concurrent", "leaks")),
        count("one_sender.errors", "one sender: errors", dig(j, "one_sender", "errors")),
        rate(
            "concurrent.throughput", "concurrent senders: requests/s", dig(j, "concurrent", "throughput_per_s"), "req/s"
        ),
        seconds(
            "concurrent.p50_ms", "concurrent senders: latency p50", dig(j, "concurrent", "latency_ms", "p50"), "ms"
        ),
        seconds(
            "concurrent.p95_ms", "concurrent senders: latency p95", dig(j, "concurrent", "latency_ms", "p95"), "ms"
        ),
        seconds("one_sender.p50_ms", "one sender: latency p50", dig(j, "one_sender", "latency_ms", "p50"), "ms"),
        count("open_loop.errors", "200 calls/s for 30 s, acts only: errors", dig(j, "rate", "open_loop", "errors")),
        count("open_loop.leaks", "200 calls/s for 30 s, acts only: leaked state", dig(j, "rate", "open_loop", "leaks")),
        rate(
            "open_loop.rate", "200 calls/s for 30 s: achieved calls/s", dig(j, "rate", "open_loop", "achieved_rate_per_s"),
            "req/s",
        ),
        seconds(
            "open_loop.p95_ms", "200 calls/s for 30 s: latency p95", dig(j, "rate", "open_loop", "latency_ms", "p95"), "ms"
        ),
        seconds("server_start_s", "action server healthy after", j.get("server_start_s")),
        memory("server_rss_mib", "action server RSS after the run", j.get("server_rss_mib")),
    ]


def rasa_estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
    if not j:
        return 40, "no record"
    return (
        total(j.get("server_start_s"), dig(j, "one_sender", "wall_s"), dig(j, "concurrent", "wall_s")) + 10,
        "recorded server start (city guide NLU cached in ~/.cache/tod; +2 min if not) + load",
    )


def rasa_shared_metrics(j: dict, ctx: Context) -> list[Metric]:
    return [
        count("closed_loop.errors", "2 servers, 20 x 50 alternating: errors", dig(j, "closed_loop", "errors")),
        count(
            "closed_loop.leaks", "2 servers, 20 x 50 alternating: leaks or lost turns", dig(j, "closed_loop", "leaks")
        ),
        count("open_loop.errors", "2 servers, 200 calls/s for 30 s: errors", dig(j, "open_loop", "errors")),
        count("open_loop.leaks", "2 servers, 200 calls/s for 30 s: leaks or lost turns", dig(j, "open_loop", "leaks")),
        rate(
            "open_loop.rate", "2 servers, 200 calls/s for 30 s: achieved calls/s",
            dig(j, "open_loop", "achieved_rate_per_s"), "req/s",
        ),
        seconds(
            "open_loop.p95_ms", "2 servers, 200 calls/s for 30 s: latency p95",
            dig(j, "open_loop", "latency_ms", "p95"), "ms",
        ),
        seconds(
            "baseline.p95_ms", "1 server on SQLite, same open loop: latency p95",
            dig(j, "baseline_open_loop", "latency_ms", "p95"), "ms",
        ),
        memory("server_rss_mib", "both action servers' RSS after the runs", j.get("server_rss_mib")),
    ]


def rasa_shared_estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
    if not j:
        return 100, "no record"
    runs = [dig(j, "open_loop", "elapsed_s"), dig(j, "baseline_open_loop", "elapsed_s")]
    return total(*runs, dig(j, "closed_loop", "wall_s")) + 15, "recorded runs + cluster and server starts"


# --- simulation ------------------------------------------------------------------------------------

SIM_RUNS = (
    "multiwoz-act",
    "multiwoz-act-val-goals",
    "crosswoz-act",
    "cityguide-act",
    "multiwoz-text",
    "crosswoz-text",
    "cityguide-text",
)
SIM_QUICK_RUNS = ("multiwoz-act", "crosswoz-act", "cityguide-act")
SIM_NLU = {"multiwoz-text": ("sim_nlu_multiwoz", "--mwz-nlu"), "crosswoz-text": ("sim_nlu_crosswoz", "--cw-nlu")}


def sim_argv(ctx: Context) -> list[str]:
    args = ["benchmarks/simulation.py", *ctx.data_args()]
    runs = list(SIM_RUNS)
    for run, (step, option) in SIM_NLU.items():
        model = ctx.model(step)
        if model is not None:
            args += [option, str(model)]
        else:
            runs.remove(run)
            ctx.note(
                f"simulation: {run} left out: no {run.split('-')[0]} NLU model ({step} was not run or failed; "
                f"give {option} DIR to use one)"
            )
    if len(runs) < len(SIM_RUNS):
        args += ["--only", *runs]
    ctx.state["simulation.runs"] = runs
    return args


def sim_quick(ctx: Context) -> list[str]:
    ctx.state["simulation.runs"] = list(SIM_QUICK_RUNS)
    return ["benchmarks/simulation.py", *ctx.data_args(), "--dialogues", "50", "--only", *SIM_QUICK_RUNS]


def sim_metrics(j: dict, ctx: Context) -> list[Metric]:
    out: list[Metric] = []
    for name in ctx.state.get("simulation.runs") or list(j.get("runs") or {}):
        run = dig(j, "runs", name)
        if run is None:
            continue
        s = run.get("summary") or {}
        # act level: no trained model in the loop; text level: the NLU models (trained with a seed)
        tol = EXACT_POINTS if name.endswith("-act") or "-act-" in name else TRAINED_POINTS
        command = run.get("command")
        for metric in (
            quality(f"{name}.success", f"{name}: success rate", pct(s.get("success_rate")), tolerance=tol),
            quality(f"{name}.inform_f1", f"{name}: inform F1", pct(s.get("inform_f1")), tolerance=tol),
            rate(
                f"{name}.dialogues_per_s",
                f"{name}: dialogues/s (simulation time)",
                s.get("dialogues_per_second"),
                "dlg/s",
            ),
            seconds(f"{name}.turn_p50_ms", f"{name}: system turn p50", s.get("system_turn_ms_p50"), "ms"),
        ):
            out.append(
                Metric(metric.key, metric.label, metric.value, metric.unit, metric.kind, metric.tolerance, command)
            )
    return out


def sim_estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
    runs = (j or {}).get("runs") or {}
    if not runs:
        return 900, "no record"
    return total(*(r.get("seconds") for r in runs.values())) + 10, "recorded wall time of each tod simulate run"


# The NLU models of the text-level runs, trained as docs/simulation.md and benchmarks/results/simulation.md
# say, once, then cached (the directory names change with the recipe or the synthesiser, so that a
# cached model of an older recipe is not reused). Estimates: wall seconds on the 2-core machine.
SIM_MODELS = {
    "multiwoz": ("mwz-acts-syn4", ["--context-turns", "2", "--synthetic", "6000"], 1500),
    "crosswoz": (
        "cw-acts-mini",
        [
            "--extend-vocabulary",
            "--no-freeze-embeddings",
            "--context-turns",
            "1",
            "--synthetic",
            "8000",
            "--epochs",
            "6",
        ],
        1800,
    ),
}


def sim_nlu_dir(corpus: str):
    return lambda ctx: ctx.models / SIM_MODELS[corpus][0]


def sim_nlu_argv(corpus: str):
    def build(ctx: Context) -> list[str]:
        return [
            "-m",
            "tod.cli.main",
            "train",
            "nlu",
            "--corpus",
            corpus,
            "--data",
            str(ctx.data / corpus),
            "--out",
            str(sim_nlu_dir(corpus)(ctx)),
            "--train-split",
            "val",
            "--dev-fraction",
            "0.2",
            "--split-seed",
            "13",
            *SIM_MODELS[corpus][1],
            "--overwrite",
            "--quiet",
        ]

    return build


def sim_nlu_metrics(j: dict, ctx: Context) -> list[Metric]:
    history = j.get("history") or []
    epochs = len(history) or None
    return [
        quality("dev.act_f1", "dev-part act F1 (selection)", pct(dig(j, "dev_metrics", "act_f1"))),
        seconds("train.wall_s", "training (its own clock)", j.get("train_seconds")),
        seconds(
            "train.s_per_epoch",
            "training time per epoch (dev evaluation included)",
            per(total(*(h.get("seconds") for h in history)), epochs),
        ),
        rate(
            "train.examples_per_s",
            "training examples per second",
            per(total(j.get("epoch_examples")) * (epochs or 0), j.get("train_seconds")),
            "ex/s",
        ),
    ]


def sim_nlu_recorded(corpus: str):
    """What simulation.json recorded of the model its text-level run used: the recipe's dev act F1."""

    def read(results: Path) -> dict | None:
        record = read_json(results / "simulation.json")
        recipe = dig(record, "models", corpus)
        found = re.search(r"dev act F1 ([0-9.]+)", recipe or "")
        if not found:
            return None
        return {
            "date": dig(record, "date"),
            "command": f"(the model simulation.json names: {recipe})",
            "machine": dig(record, "machine"),
            "dev_metrics": {"act_f1": float(found.group(1)) / 100},
        }

    return read


def sim_nlu_estimate(corpus: str):
    def estimate(j: dict | None, ctx: Context) -> tuple[float, str]:
        bench = next(b for b in BENCHMARKS if b.name == f"sim_nlu_{corpus}")
        if is_cached(bench, ctx):
            return 0, f"cached in {sim_nlu_dir(corpus)(ctx)}"
        return SIM_MODELS[corpus][2], "train_seconds in the meta.json of the model simulation.md used"

    return estimate


# --- Chinese encoders --------------------------------------------------------------------------------


def zh_argv(ctx: Context) -> list[str]:
    return ["benchmarks/zh_encoders.py", *(["--data", str(ctx.data / "crosswoz")] if ctx.data_given else [])]


def zh_metrics(j: dict, ctx: Context) -> list[Metric]:
    out = [
        quality(
            f"coverage.{name}",
            f"{name}: CJK characters unknown (val user turns)",
            pct(dig(j, "coverage", name, "val_user", "cjk_unk_rate")),
            tolerance=EXACT_POINTS,
        )
        for name in ("minilm", "e5-small")
    ]
    for name in ("minilm", "e5-small"):
        first = dig(j, "speed", name, 0)
        out += [
            seconds(
                f"speed.{name}.forward_ms",
                f"{name}: forward, batch 1, 1 thread (min)",
                dig(first, "forward_b1_ms_min"),
                "ms",
            ),
            seconds(
                f"speed.{name}.train_step_s",
                f"{name}: forward + backward, batch 32 (min)",
                dig(first, "train_b32_fwd_bwd_s_min"),
            ),
        ]
    return out


def _fixed(seconds_: float, basis: str):
    return lambda j, ctx: (seconds_, basis)


def human_argv(ctx: Context) -> list[str]:
    args = ["benchmarks/human_conversations.py", "--data", str(ctx.data)]
    model = ctx.model("sim_nlu_multiwoz")
    if model is not None:
        args += ["--multiwoz-model", str(model)]
    else:
        ctx.note(
            "human_conversations: MultiWOZ left out: no MultiWOZ act NLU (sim_nlu_multiwoz was not run or failed; "
            "give --mwz-nlu DIR to use one)"
        )
    return args


def human_metrics(j: dict, ctx: Context) -> list[Metric]:
    out: list[Metric] = []
    for run in j.get("runs") or []:
        key = run.get("pipeline", "?")
        report = run.get("report") or {}
        out += [
            quality(f"{key}.success", f"{key}: human-written conversations that succeed", report.get("success_rate")),
            count(f"{key}.succeeded", f"{key}: conversations that succeed", report.get("succeeded")),
            info(f"{key}.fallback_turns", f"{key}: user turns the fallback answered", report.get("fallback_turns")),
        ]
    return out


BENCHMARKS: tuple[Bench, ...] = (
    Bench(
        "db_query",
        "domain query engine: load times, p50/p95 of realistic queries (bar: train p50 <= 1 ms)",
        argv=lambda ctx: ["benchmarks/db_query.py", *ctx.data_args()],
        quick_argv=lambda ctx: ["benchmarks/db_query.py", *ctx.data_args(), "--queries", "500"],
        quick_estimate=5,
        results=("db_query.json", "db_query.md"),
        out_option="dir",
        data=("multiwoz/db", "crosswoz/database"),
        metrics=db_metrics,
        estimate=_fixed(15, "seconds of queries + imports"),
    ),
    Bench(
        "corpus_load",
        "first and warm load of each dialogue corpus, counts against the data README",
        argv=lambda ctx: ["benchmarks/corpus_load.py", *ctx.data_args()],
        quick_argv=lambda ctx: [
            "benchmarks/corpus_load.py",
            *ctx.data_args(),
            "--repeats",
            "1",
            "--corpus",
            "multiwoz",
            "--corpus",
            "crosswoz",
        ],
        quick_estimate=25,
        results=("corpus_load.json", "corpus_load.md"),
        data=CORPUS_FILES,
        metrics=corpus_metrics,
        estimate=corpus_estimate,
    ),
    Bench(
        "dst_gold",
        "rule tracker with gold acts, MultiWOZ and CrossWOZ val, both protocols",
        argv=lambda ctx: ["benchmarks/dst_gold.py", *ctx.data_args()],
        quick_argv=lambda ctx: ["benchmarks/dst_gold.py", *ctx.data_args()],
        quick_estimate=35,
        results=("dst_gold.json", "dst_gold.md"),
        out_option="dir",
        data=("multiwoz/val.json.zip", "crosswoz/val.json.zip"),
        metrics=dst_metrics,
        estimate=dst_estimate,
    ),
    Bench(
        "policy_mle",
        "supervised (MLE) and rule policies on the dev part of MultiWOZ / CrossWOZ val",
        argv=lambda ctx: ["benchmarks/policy_mle.py", *ctx.data_args()],
        quick_argv=lambda ctx: ["benchmarks/policy_mle.py", *ctx.data_args(), "--corpus", "crosswoz"],
        quick_estimate=40,
        results=("policy_mle.json", "policy_mle.md"),
        data=("multiwoz/val.json.zip", "crosswoz/val.json.zip"),
        metrics=policy_metrics,
        estimate=lambda j, ctx: (total((j or {}).get("wall_s")) + 5 if j else 45, "recorded wall time + start"),
    ),
    Bench(
        "paradise_uss",
        "PARADISE on the USS satisfaction ratings, κ from goals",
        argv=lambda ctx: ["benchmarks/paradise_uss.py", *ctx.data_args()],
        quick_argv=lambda ctx: ["benchmarks/paradise_uss.py", *ctx.data_args()],
        quick_estimate=40,
        results=("paradise_uss.json", "paradise_uss.md"),
        out_option="dir",
        data=("uss/MWOZ.txt", "uss/SGD.txt", "multiwoz/val.json.zip", "crosswoz/val.json.zip"),
        metrics=paradise_metrics,
        estimate=paradise_estimate,
    ),
    Bench(
        "pipeline_latency",
        "one full turn of the city guide pipeline (first start trains its NLU), hostile inputs",
        argv=lambda ctx: ["benchmarks/pipeline_latency.py"],
        quick_argv=pipeline_quick,
        quick_estimate=60,
        results=("pipeline_latency.json", "pipeline_latency.md"),
        out_option="dir",
        metrics=pipeline_metrics,
        estimate=pipeline_estimate,
    ),
    Bench(
        "rasa_load",
        "20 concurrent Rasa senders x 50 turns on tod serve-actions",
        argv=lambda ctx: ["benchmarks/rasa_load.py"],
        quick_argv=lambda ctx: ["benchmarks/rasa_load.py", "--senders", "4", "--requests", "10", "--only", "closed"],
        quick_estimate=10,
        results=("rasa_load.json", "rasa_load.md"),
        out_option="dir",
        metrics=rasa_metrics,
        estimate=rasa_estimate,
    ),
    Bench(
        "rasa_shared_store",
        "two acts-only action servers sharing one PostgreSQL store: 20 x 50 alternating, 200 calls/s for 30 s",
        argv=lambda ctx: ["benchmarks/rasa_shared_store.py"],
        quick_argv=lambda ctx: [
            "benchmarks/rasa_shared_store.py", "--senders", "4", "--requests", "10", "--duration", "5", "--no-baseline"
        ],
        quick_estimate=25,
        results=("rasa_shared_store.json", "rasa_shared_store.md"),
        out_option="dir",
        metrics=rasa_shared_metrics,
        estimate=rasa_shared_estimate,
    ),
    Bench(
        "zh_encoders",
        "Chinese coverage and 1-thread CPU cost of MiniLM and e5-small (CrossWOZ)",
        argv=zh_argv,
        quick_argv=lambda ctx: [*zh_argv(ctx), "--no-speed"],
        quick_estimate=20,
        results=("zh_encoders.json",),
        out_option="stem",
        data=("crosswoz/val.json.zip",),
        metrics=zh_metrics,
        estimate=_fixed(150, "no recorded duration (results/zh_encoders.md has no JSON): rough"),
    ),
    Bench(
        "atis_nlu",
        "JointBertNLU trained on ATIS train (soup of 2), tested on test; parse latency and throughput",
        argv=atis_argv,
        quick_argv=atis_quick,
        quick_estimate=70,
        results=("atis_nlu.json", "atis_nlu.md"),
        data=("atis/train/seq.in", "atis/test/seq.in"),
        metrics=atis_metrics,
        estimate=atis_estimate,
    ),
    Bench(
        "act_nlu_multiwoz",
        "act NLU (MiniLM, 2 context turns) on 80% of MultiWOZ val, NLU -> RuleDST on the rest",
        argv=act_argv("multiwoz"),
        quick_argv=act_quick("multiwoz"),
        quick_estimate=150,
        results=("act_nlu_multiwoz.json", "act_nlu_multiwoz.md"),
        data=("multiwoz/val.json.zip",),
        metrics=act_metrics,
        estimate=act_estimate,
        group="act_nlu",
    ),
    Bench(
        "act_nlu_crosswoz",
        "act NLU (e5-small, no context, 10 epochs) on 80% of CrossWOZ val, NLU -> RuleDST",
        argv=act_argv("crosswoz"),
        quick_argv=act_quick("crosswoz"),
        quick_estimate=150,
        results=("act_nlu_crosswoz.json", "act_nlu_crosswoz.md"),
        data=("crosswoz/val.json.zip",),
        metrics=act_metrics,
        estimate=act_estimate,
        group="act_nlu",
    ),
    Bench(
        "sim_nlu_multiwoz",
        "the MultiWOZ act NLU of simulation's text level (val + 6,000 synthetic dialogues)",
        argv=sim_nlu_argv("multiwoz"),
        model_dir=sim_nlu_dir("multiwoz"),
        data=("multiwoz/val.json.zip",),
        metrics=sim_nlu_metrics,
        recorded=sim_nlu_recorded("multiwoz"),
        estimate=sim_nlu_estimate("multiwoz"),
        group="sim_nlu",
    ),
    Bench(
        "sim_nlu_crosswoz",
        "the CrossWOZ act NLU of simulation's text level (MiniLM with Chinese characters added; val + 8,000 synthetic dialogues)",
        argv=sim_nlu_argv("crosswoz"),
        model_dir=sim_nlu_dir("crosswoz"),
        data=("crosswoz/val.json.zip",),
        metrics=sim_nlu_metrics,
        recorded=sim_nlu_recorded("crosswoz"),
        estimate=sim_nlu_estimate("crosswoz"),
        group="sim_nlu",
    ),
    Bench(
        "simulation",
        "task success against the simulated user: MultiWOZ, CrossWOZ, city guide; act and text level",
        argv=sim_argv,
        quick_argv=sim_quick,
        quick_estimate=20,
        results=("simulation.json", "simulation.md"),
        data=("multiwoz/val.json.zip", "multiwoz/db", "crosswoz/val.json.zip", "crosswoz/database"),
        requires=("sim_nlu_multiwoz", "sim_nlu_crosswoz"),
        metrics=sim_metrics,
        estimate=sim_estimate,
    ),
    Bench(
        "human_conversations",
        "task success on the human-written conversations of data/conversations (city guide; MultiWOZ with its act NLU)",
        argv=human_argv,
        quick_argv=lambda ctx: ["benchmarks/human_conversations.py", "--data", str(ctx.data)],
        quick_estimate=60,
        results=("human_conversations.json", "human_conversations.md"),
        out_option="dir",
        requires=("sim_nlu_multiwoz",),
        metrics=human_metrics,
        estimate=lambda j, ctx: (total((j or {}).get("wall_s")) + 30 if j else 240, "recorded wall time + start"),
    ),
)

# The summary items: (item, benchmark, metric key or key prefix).
SUMMARY: tuple[tuple[str, str, str], ...] = (
    ("turn latency p50 / p95", "pipeline_latency", "turn_ms"),
    ("turn latency p50 / p95", "pipeline_latency", "task_turn_ms"),
    *(("simulation throughput", "simulation", f"{run}.dialogues_per_s") for run in SIM_RUNS),
    ("NLU training throughput", "atis_nlu", "train.s_per_epoch"),
    ("NLU training throughput", "atis_nlu", "train.examples_per_s"),
    ("NLU training throughput", "act_nlu_multiwoz", "train.s_per_epoch"),
    ("NLU training throughput", "act_nlu_multiwoz", "train.examples_per_s"),
    ("NLU training throughput", "act_nlu_crosswoz", "train.s_per_epoch"),
    ("NLU training throughput", "act_nlu_crosswoz", "train.examples_per_s"),
    ("NLU training throughput", "sim_nlu_multiwoz", "train.examples_per_s"),
    ("NLU training throughput", "sim_nlu_crosswoz", "train.examples_per_s"),
    ("NLU inference throughput", "atis_nlu", "parse.batch64_per_s"),
    ("NLU inference throughput", "atis_nlu", "parse.batch1_p50_ms"),
    ("NLU inference throughput", "pipeline_latency", "stage_ms_p50.nlu"),
    ("peak memory", "atis_nlu", "train.peak_rss_mib"),
    ("peak memory", "act_nlu_multiwoz", "train.peak_rss_mib"),
    ("peak memory", "act_nlu_crosswoz", "train.peak_rss_mib"),
    ("peak memory", "rasa_load", "server_rss_mib"),
    *(("peak memory", b.name, "run.peak_rss_mib") for b in BENCHMARKS),
)


def _check() -> None:
    names = [b.name for b in BENCHMARKS]
    assert len(names) == len(set(names)), names
    assert {name for _, name, _ in SUMMARY} <= set(names)


_check()

__all__ = ["BENCHMARKS", "SUMMARY", "shown"]
