"""Writes a PARADISE study: ``report.md`` with tables, PNG plots, ``paradise.json``, the fitted
model (``paradise_model.json``) and the per-dialogue features (``features.csv``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from tod.evaluation.paradise.study import ParadiseStudy
from tod.files import atomic_file, write_atomically

REPORT = "report.md"
JSON = "paradise.json"
MODEL = "paradise_model.json"
FEATURES = "features.csv"
SCATTER = "predicted_vs_rated.png"
WEIGHTS = "weights.png"


def write_report(study: ParadiseStudy, out: Path, *, command: str = "", extra: dict[str, Any] | None = None) -> Path:
    """Write everything under ``out`` (created) and return the Markdown report's path."""
    out.mkdir(parents=True, exist_ok=True)
    study.model.save(out / MODEL)
    data = {**study.to_dict(), **({"command": command} if command else {}), **(extra or {})}
    write_atomically(out / JSON, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    _write_features(study, out / FEATURES)
    plot_predicted_vs_rated(study, out / SCATTER)
    plot_weights(study, out / WEIGHTS)
    write_atomically(out / REPORT, markdown(study, command=command, extra=extra))
    return out / REPORT


def _write_features(study: ParadiseStudy, path: Path) -> None:
    table = study.ratings.table
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow(["id", *table.features, "satisfaction", "predicted_cv"])
    for did, row, rated, predicted in zip(table.ids, table.values, study.ratings.satisfaction, study.full.predictions):
        writer.writerow([did, *(f"{v:.6g}" for v in row), f"{rated:.6g}", f"{predicted:.6g}"])
    write_atomically(path, handle.getvalue())


def _interval(i: Any, digits: int = 3) -> str:
    return f"{i.value:.{digits}f} [{i.low:.{digits}f}, {i.high:.{digits}f}]"


def markdown(study: ParadiseStudy, *, command: str = "", extra: dict[str, Any] | None = None) -> str:
    table = study.ratings.table
    opts = study.options
    pct = f"{opts.confidence:.0%}"
    lines = [
        f"# PARADISE: user satisfaction on {study.ratings.name}",
        "",
        f"Performance = Σ w·N(x) over task success κ and the dialogue costs, N the Z-score; the weights are a "
        f"least-squares regression of the dialogue-level satisfaction (mean rating) on N(κ) and N(costs), "
        f"{len(table.ids)} dialogues. κ from the `{table.kappa_source}` attribute-value matrix "
        f"(set κ {table.matrix.kappa:.3f}; {len(table.imputed)} dialogues without attributes given the set's mean κ).",
        "",
    ]
    if command:
        lines += [f"Command: `{command}`", ""]
    for key, value in (extra or {}).items():
        lines.append(f"- {key}: {value}")
    if extra:
        lines.append("")
    lines += [
        "## Prediction quality",
        "",
        f"Spearman correlation of predicted with rated satisfaction, {opts.folds}-fold cross-validation "
        f"(seed {opts.seed}; Z-score statistics from each training part), {pct} percentile bootstrap interval "
        f"over dialogues ({opts.resamples} resamples):",
        "",
        "| model | features | CV Spearman | CV R² |",
        "|---|---|---|---|",
        f"| PARADISE | {len(study.full.features)} | {_interval(study.full.spearman)} | {study.full.r2:.3f} |",
        f"| turns only | 1 | {_interval(study.baseline.spearman)} | {study.baseline.r2:.3f} |",
        "",
        f"Gain over turns only (paired bootstrap): {_interval(study.gain)}. Fit on all dialogues: "
        f"R² {study.model.r2:.3f} (adjusted {study.model.adjusted_r2:.3f}).",
        "",
        f"![predicted against rated satisfaction]({SCATTER})",
        "",
        "## Weights",
        "",
        f"Coefficients on Z-scored features ({pct} intervals from the OLS covariance); a negative weight "
        "lowers satisfaction. Intercept "
        f"{study.model.intercept:.3f}.",
        "",
        "| feature | weight | interval | p | mean | std |",
        "|---|---|---|---|---|---|",
    ]
    for w, mean, std in zip(study.model.weights, study.model.means, study.model.stds):
        interval = f"[{w.low:+.3f}, {w.high:+.3f}]"
        lines.append(f"| {w.feature} | {w.coefficient:+.3f} | {interval} | {w.p_value:.3g} | {mean:.3f} | {std:.3f} |")
    if study.model.dropped:
        lines += ["", f"Constant in these dialogues, left out: {', '.join(study.model.dropped)}."]
    if study.model.collinear:
        lines += [
            "",
            f"A linear combination of the features before them, left out: {', '.join(study.model.collinear)}.",
        ]
    lines += ["", f"![weights with intervals]({WEIGHTS})", ""]
    if study.transfer is not None:
        t = study.transfer
        lines += [
            f"## Transfer: fitted on {t.source}, predicting {t.target}",
            "",
            "| normalisation | Spearman |",
            "|---|---|",
            f"| N() over {t.target} itself | {_interval(t.own_statistics)} |",
            f"| N() with {t.source}'s statistics | {_interval(t.source_statistics)} |",
            f"| turns only, N() over {t.target} | {_interval(t.baseline_own_statistics)} |",
            "",
        ]
    if study.applied:
        lines += [
            "## Predicted performance of other dialogues",
            "",
            "Predicted with the fitted model and its own Z-score statistics, so the sets compare on one scale.",
            "",
            "| dialogues | n | predicted satisfaction | set κ | " + " | ".join(study.model.features) + " |",
            "|---|---|---|---|" + "---|" * len(study.model.features),
        ]
        for a in study.applied:
            means = " | ".join(f"{a.feature_means.get(f, float('nan')):.3f}" for f in study.model.features)
            kappa = "undefined" if a.kappa_set is None else f"{a.kappa_set:.3f}"
            lines.append(f"| {a.name} | {a.n} | {_interval(a.performance)} | {kappa} | {means} |")
        lines.append("")
    lines += [
        "## Definitions",
        "",
        "See `docs/paradise.md`: the attribute-value matrix and its κ, each cost, and how the rating files are read.",
        "",
    ]
    return "\n".join(lines)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_predicted_vs_rated(study: ParadiseStudy, path: Path) -> None:
    plt = _pyplot()
    rated = study.ratings.satisfaction
    rng = np.random.default_rng(study.options.seed)
    jitter = rng.uniform(-0.04, 0.04, size=len(rated))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), sharey=True)
    for ax, cv, title in ((axes[0], study.full, "PARADISE"), (axes[1], study.baseline, "turns only")):
        ax.scatter(rated + jitter, cv.predictions, s=8, alpha=0.4)
        ax.set_title(f"{title}: CV Spearman {cv.spearman.value:.3f}")
        ax.set_xlabel("rated satisfaction (mean of raters)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("predicted (out of fold)")
    fig.suptitle(f"{study.ratings.name}: predicted against rated satisfaction")
    fig.tight_layout()
    _save(fig, path)


def plot_weights(study: ParadiseStudy, path: Path) -> None:
    plt = _pyplot()
    weights = study.model.weights
    names = [w.feature for w in weights]
    values = np.array([w.coefficient for w in weights])
    errors = np.array([[w.coefficient - w.low for w in weights], [w.high - w.coefficient for w in weights]])
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.5))
    positions = np.arange(len(names))[::-1]
    ax.barh(positions, values, xerr=errors, capsize=3, color=["tab:green" if v >= 0 else "tab:red" for v in values])
    ax.set_yticks(positions, names)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"weight on the Z-scored feature ({study.options.confidence:.0%} interval)")
    ax.set_title(f"{study.ratings.name}: PARADISE weights")
    fig.tight_layout()
    _save(fig, path)


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    try:
        with atomic_file(path, binary=True) as handle:
            fig.savefig(handle, dpi=110, format="png")
    finally:
        plt.close(fig)
