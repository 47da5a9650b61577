"""Chinese coverage and CPU cost of the encoders for CrossWOZ: MiniLM, MiniLM + added characters, e5-small.

Coverage is measured on the CrossWOZ val user utterances, split into words as the joint NLU splits
them (:func:`tod.data.tokens.tokenize`: every CJK character a word) and each word tokenised on its
own as :class:`tod.nlu.features.WordEncoder` does:

- unknown rate per character: the share of CJK characters (and of all non-space characters) that
  lie in a word whose sub-tokens include the unknown token;
- tokens per utterance: the encoder input length the NLU builds (sub-tokens of every word plus the
  two special tokens), and the length of the utterance tokenised whole, for reference;
- for MiniLM + added characters, the val dialogues are cut 80/20 by dialogue (seed 13); the CJK
  characters of the 80% part (user and system turns) are added with
  :func:`tod.nlu.vocab.extend_vocabulary` and coverage is counted on the 20% part's user turns.

Speed, on one thread (``torch.set_num_threads(1)``): the batch-1 forward latency (median of
``--repeats``) and a training step at batch 32 (forward + backward, then an AdamW step over all
trainable parameters, timed apart), at each encoder's median NLU input length (for e5-small with and
without the lone word markers before CJK characters, and with its 96M-parameter word embedding matrix
frozen). Medians and minima are both kept: on a shared machine the minimum is the better estimate.

    OMP_NUM_THREADS=1 python benchmarks/zh_encoders.py            # writes results/zh_encoders.{json,md}
    python benchmarks/zh_encoders.py --data /path/to/crosswoz --repeats 30
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Sequence

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
from benchlib import machine  # noqa: E402

from tod.data.corpus import load_corpus  # noqa: E402
from tod.data.split import split_dialogues  # noqa: E402
from tod.data.tokens import CJK_CHARACTER as _CJK  # noqa: E402
from tod.data.tokens import tokenize
from tod.nlu.encoders import resolve_encoder  # noqa: E402
from tod.nlu.vocab import extend_vocabulary  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "crosswoz"


def coverage(tokenizer: Any, utterances: Sequence[str], drop_bare_marker: bool = False) -> dict[str, float]:
    """Unknown rates and token counts of ``utterances`` as the joint NLU would feed them.

    With ``drop_bare_marker``, a CJK word whose SentencePiece pieces start with a lone word marker
    ("\u2581") followed by more pieces loses that marker (the character's own piece comes first).
    """
    unk = tokenizer.unk_token_id
    words = sorted({token.text for text in utterances for token in tokenize(text)})
    pieces = dict(zip(words, tokenizer(words, add_special_tokens=False)["input_ids"]))
    bare = {i for t, i in tokenizer.get_vocab().items() if t == "\u2581"}  # SentencePiece's lone word marker
    if drop_bare_marker:
        pieces = {w: ids[1:] if _CJK.match(w) and len(ids) > 1 and ids[0] in bare else ids for w, ids in pieces.items()}
    cjk = cjk_unk = chars = chars_unk = bare_first = 0
    nlu_lengths, whole_lengths = [], []
    for text in utterances:
        length = 2
        for token in tokenize(text):
            ids = pieces[token.text] or [unk]
            length += len(ids)
            unknown = unk in ids
            n_cjk = len(_CJK.findall(token.text))
            cjk += n_cjk
            cjk_unk += n_cjk if unknown else 0
            chars += len(token.text)
            chars_unk += len(token.text) if unknown else 0
            bare_first += n_cjk if n_cjk and ids[0] in bare and len(ids) > 1 else 0
        nlu_lengths.append(length)
        whole_lengths.append(len(tokenizer(text)["input_ids"]))
    return {
        "utterances": len(utterances),
        "cjk_chars": cjk,
        "cjk_unk_rate": cjk_unk / max(cjk, 1),
        "char_unk_rate": chars_unk / max(chars, 1),
        "cjk_first_piece_bare_marker": bare_first / max(cjk, 1),
        "nlu_tokens_mean": statistics.fmean(nlu_lengths),
        "nlu_tokens_median": statistics.median(nlu_lengths),
        "nlu_tokens_p95": sorted(nlu_lengths)[int(0.95 * (len(nlu_lengths) - 1))],
        "whole_tokens_mean": statistics.fmean(whole_lengths),
    }


def timings(
    model: Any, vocab: int, length: int, repeats: int, steps: int, freeze_words: bool = False
) -> dict[str, Any]:
    """Batch-1 forward latency and batch-32 training-step times at ``length`` tokens (median and minimum).

    With ``freeze_words`` the word embedding matrix gets no gradient and no AdamW update.
    """
    generator = torch.Generator().manual_seed(0)
    words = model.get_input_embeddings().weight
    words.requires_grad_(not freeze_words)
    model.eval()
    one = torch.randint(5, vocab, (1, length), generator=generator)
    mask1 = torch.ones_like(one)
    latencies = []
    with torch.inference_mode():
        model(input_ids=one, attention_mask=mask1)
        for _ in range(repeats):
            start = time.perf_counter()
            model(input_ids=one, attention_mask=mask1)
            latencies.append(time.perf_counter() - start)
    model.train()
    batch = torch.randint(5, vocab, (32, length), generator=generator)
    mask = torch.ones_like(batch)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    forward_backward, optimizer_steps = [], []
    for step in range(steps + 1):  # the first is a warm-up
        start = time.perf_counter()
        hidden = model(input_ids=batch, attention_mask=mask).last_hidden_state
        hidden.pow(2).mean().backward()
        middle = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        end = time.perf_counter()
        if step:
            forward_backward.append(middle - start)
            optimizer_steps.append(end - middle)
    model.eval()
    words.requires_grad_(True)
    del optimizer
    return {
        "length": length,
        "frozen_word_embeddings": freeze_words,
        "forward_b1_ms_p50": 1000 * statistics.median(latencies),
        "forward_b1_ms_min": 1000 * min(latencies),
        "train_b32_fwd_bwd_s_p50": statistics.median(forward_backward),
        "train_b32_fwd_bwd_s_min": min(forward_backward),
        "train_b32_adamw_s_p50": statistics.median(optimizer_steps),
        "train_b32_adamw_s_min": min(optimizer_steps),
        "params_m": sum(p.numel() for p in model.parameters()) / 1e6,
        "trained_params_m": sum(p.numel() for p in model.parameters() if p.requires_grad and p is not words) / 1e6
        + (0 if freeze_words else words.numel() / 1e6),
    }


def load(name: str) -> tuple[Any, Any]:
    from transformers import AutoModel, AutoTokenizer

    from tod.nlu.encoders import quiet_transformers

    path = resolve_encoder(name)
    with quiet_transformers():
        return AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path, add_pooling_layer=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=20, help="batch-1 forward passes timed per setting")
    parser.add_argument("--steps", type=int, default=3, help="training steps timed per setting (after a warm-up)")
    parser.add_argument("--no-speed", action="store_true", help="coverage only")
    parser.add_argument("--out", type=Path, default=RESULTS / "zh_encoders")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    corpus = load_corpus("crosswoz", str(args.data))
    val = corpus["val"]
    parts = split_dialogues(val, {"train": 0.8, "dev": 0.2}, seed=13)
    users = [t.text for d in val for t in d.user_turns]
    dev_users = [t.text for d in parts["dev"] for t in d.user_turns]
    train_texts = [t.text for d in parts["train"] for t in d.turns]

    encoders: dict[str, tuple[Any, Any]] = {"minilm": load("minilm"), "e5-small": load("e5-small")}
    tokenizer, model = encoders["minilm"]
    extended_tokenizer, extended_model = copy.deepcopy(tokenizer), copy.deepcopy(model)
    added = extend_vocabulary(extended_tokenizer, extended_model, train_texts)
    encoders["minilm+chars"] = (extended_tokenizer, extended_model)

    results: dict[str, Any] = {"added_characters": added, "coverage": {}, "speed": {}}
    encoders["e5-small/no-bare-marker"] = encoders["e5-small"]
    for name in ("minilm", "minilm+chars", "e5-small", "e5-small/no-bare-marker"):
        tok, drop = encoders[name][0], name.endswith("no-bare-marker")
        results["coverage"][name] = {
            "val_user": coverage(tok, users, drop),
            "dev_user": coverage(tok, dev_users, drop),
        }
        print(name, json.dumps(results["coverage"][name]), flush=True)
    if not args.no_speed:
        median = {name: int(results["coverage"][name]["val_user"]["nlu_tokens_median"]) for name in results["coverage"]}
        settings = [
            ("minilm", median["minilm"], False),
            ("e5-small", median["e5-small/no-bare-marker"], False),
            ("e5-small", median["e5-small"], False),
            ("e5-small", median["e5-small/no-bare-marker"], True),
        ]
        for name, length, frozen in settings:
            tok, net = encoders[name]
            row = timings(net, len(tok), length, args.repeats, args.steps, frozen)
            results["speed"].setdefault(name, []).append(row)
            print(name, json.dumps(row), flush=True)

    results["command"] = "python " + " ".join(shlex.quote(a) for a in [str(Path(sys.argv[0])), *sys.argv[1:]])
    results["date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    results["machine"] = machine()
    results["threads"] = torch.get_num_threads()
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
