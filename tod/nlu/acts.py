"""ActNLU: dialogue-act understanding (MultiWOZ, CrossWOZ, any corpus with act annotations).

The joint model of :mod:`tod.nlu.jointbert` with two changes: the intent head is multi-label (one
sigmoid per act that has no span in the text: ``request+hotel+phone+?``, ``thank+general++``), and
the BIO tags name acts (``B-inform+hotel+area``: the tagged words are the value). The previous
turns can be given to the encoder after the utterance (``context_turns``). Use it from Python::

    nlu = ActNLU.load("models/multiwoz-acts")
    nlu.parse("I need a cheap hotel in the north", context=["Hello, how can I help?"]).acts

Train it with :func:`tod.nlu.act_training.train_act_nlu` or ``tod train nlu --corpus multiwoz``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Sequence

import torch

from tod.cache import build_once
from tod.data.tokens import tokenize
from tod.dialogue import USER, Dialogue
from tod.errors import ConfigError, ModelDirError
from tod.files import read_json
from tod.nlu.act_data import ValueMap, acts_from_prediction, turn_context
from tod.nlu.jointbert import JointBertNLU
from tod.nlu.labels import OUTSIDE, tag_spans
from tod.registry import register_nlu
from tod.types import DialogueAct, IntentScore, NLUResult, SlotSpan

if TYPE_CHECKING:
    from tod.domain.context import BuildContext

KIND = "jointbert-acts"
ACTS_FILE = "acts.json"
#: A label (an act without a span) is predicted when its probability is above the model's threshold:
#: this one by default; training tunes it on dev (:func:`tod.nlu.act_training.tune_threshold`).
THRESHOLD = 0.5


class ActRow(NamedTuple):
    """The model's reading of one pre-split utterance."""

    tags: tuple[str, ...]  # one BIO tag per word
    tag_probs: tuple[float, ...]  # the probability of each word's tag
    labels: tuple[IntentScore, ...]  # the act labels above the threshold, most probable first
    certainty: float  # the least certain yes/no among all label decisions
    label_probs: torch.Tensor  # every label's probability (for tuning the threshold)


@register_nlu(KIND)
class ActNLU(JointBertNLU):
    """Dialogue acts from one utterance and, optionally, the turns before it."""

    KIND = KIND

    def __init__(
        self,
        *args: Any,
        values: ValueMap | None = None,
        corpus: str = "",
        threshold: float = THRESHOLD,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.values = values or ValueMap({}, False)
        self.corpus = corpus
        self.threshold = threshold
        #: At most this many previous turns of a state are read (``None``: as many as the model was trained with).
        self.read_turns: int | None = None

    # ------------------------------------------------------------------ inference
    @torch.inference_mode()
    def predict(
        self, sentences: Sequence[Sequence[str]], contexts: Sequence[Sequence[str]] | None = None, batch_size: int = 64
    ) -> list[ActRow]:
        """The model's reading of pre-split utterances, in input order."""
        if self.config.context_turns == 0:
            contexts = None
        elif contexts is None:
            contexts = [()] * len(sentences)
        was_training = self.model.training
        if was_training:
            self.model.eval()

        def length(i: int) -> int:
            return len(sentences[i]) + (sum(len(c) for c in contexts[i]) // 5 if contexts else 0)

        order = sorted(range(len(sentences)), key=length)
        out: list[Any] = [None] * len(sentences)
        try:
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                rows = self._predict_rows(
                    [sentences[i] for i in chunk],
                    [list(contexts[i])[-self.config.context_turns :] for i in chunk] if contexts else None,
                )
                for i, row in zip(chunk, rows):
                    out[i] = row
        finally:
            if was_training:
                self.model.train()
        return out

    def _predict_rows(
        self, sentences: Sequence[Sequence[str]], contexts: Sequence[Sequence[str]] | None
    ) -> list[ActRow]:
        batch = self.words.encode(sentences, contexts)
        output = self._forward(batch)
        label_probs = output.intent_logits.float().sigmoid().cpu()
        slot_scores = output.slot_scores.float()
        paths = self.model.decode(slot_scores, batch.word_mask.to(self.device))
        word_probs = slot_scores.softmax(-1).cpu()
        rows = []
        for b, words in enumerate(sentences):
            path = paths[b]
            tags = [self.tags.labels[t] for t in path] + [OUTSIDE] * (len(words) - len(path))
            probs = [float(word_probs[b, w, t]) for w, t in enumerate(path)] + [1.0] * (len(words) - len(path))
            chosen = (label_probs[b] > self.threshold).nonzero().flatten().tolist()
            labels = sorted(
                (IntentScore(self.intents.labels[i], float(label_probs[b, i])) for i in chosen), key=lambda x: -x.score
            )
            # how sure the model is of its label decisions: the least certain yes/no among all labels
            certainty = float(torch.maximum(label_probs[b], 1 - label_probs[b]).min()) if len(self.intents) else 1.0
            rows.append(ActRow(tuple(tags), tuple(probs), tuple(labels), certainty, label_probs[b]))
        return rows

    def parse(self, text: str, state: object | None = None, context: Sequence[str] = ()) -> NLUResult:
        """The acts of ``text``; ``context`` is the previous turns' texts, oldest first.

        Without ``context``, a :class:`~tod.state.DialogueState` given as ``state`` supplies it: the
        texts (or, for a model trained with ``context_acts``, the acts) of its latest ``context_turns``
        turns (what a running pipeline passes).
        """
        turns = self.config.context_turns if self.read_turns is None else min(self.read_turns, self.config.context_turns)
        if not context and turns and state is not None:
            history = getattr(state, "history", ())
            context = [turn_context(t, self.config.context_acts) for t in history[-turns:]]
        return self.parse_batch([text], [context])[0]

    @classmethod
    def from_config(
        cls,
        context: BuildContext,
        *,
        model: str | None = None,
        dialogues: int = 3000,
        epochs: int = 4,
        context_turns: int = 1,
        encoder: str = "minilm",
        lr: float = 2e-4,
        extend_vocabulary: bool = False,
        threads: int | None = 1,
        read_turns: int | None = None,
        human: list | str | None = None,
        human_turns: int = 0,
        human_data: str = "../shared/data",
        held_apart: bool = False,
    ) -> ActNLU:
        """The pipeline's act NLU: the model directory ``model``, or (without one) a model trained on
        ``dialogues`` dialogues synthesised from the domain's ontology, database and user templates
        (``epochs``, ``context_turns`` previous turns read, the Hugging Face ``encoder`` with learning rate
        ``lr``, ``extend_vocabulary`` to add unknown CJK characters to it), cached in
        ``context.cache_dir`` so that only the first start trains (see :mod:`tod.nlu.domain_model`).
        ``threads``: torch's CPU threads for the process (one utterance at a time runs fastest on one
        thread on a small machine: 8.9 ms against 14.3 ms with two on the 2-core machine, measured
        beside other work; ``None`` keeps torch's default). ``read_turns``: read at most this many
        previous turns of the conversation (a model trained with two reads only the system's last
        turn with 1, as its synthetic training dialogues have; ``None``: as trained). ``human``: human
        corpora (sources of the domain's ``corpora.yaml``, a list or comma-separated names) whose user
        turns are carried onto the domain and trained beside the synthesised ones, at most
        ``human_turns`` of them (0: all), read from the folder ``human_data``; where that folder is
        absent (a checkout without the corpora) the model is trained on synthesised dialogues only,
        and said so on standard error (:mod:`tod.nlu.domain_model`). ``held_apart``: synthesise from one
        half of the user templates only, the half a held-apart simulated user never speaks
        (:mod:`tod.nlg.halves`)."""
        if threads is not None and threads < 1:
            raise ConfigError(f"threads must be a positive number of CPU threads or null, found {threads}")
        if read_turns is not None and read_turns < 0:
            raise ConfigError(f"read_turns must be a number of previous turns >= 0 or null, found {read_turns}")
        if model is not None:
            nlu = cls.load(Path(model).expanduser())
        else:
            from tod.nlu.domain_model import SynthRecipe, domain_nlu

            recipe = SynthRecipe.from_params(
                dialogues=dialogues,
                epochs=epochs,
                context_turns=context_turns,
                encoder=encoder,
                lr=lr,
                extend_vocabulary=extend_vocabulary,
                human=human,
                human_turns=human_turns,
                human_data=human_data,
                held_apart=held_apart,
            )
            nlu = domain_nlu(context, recipe, progress=context.progress)  # training, if any, uses every core
        if threads is not None:
            torch.set_num_threads(threads)
        assert isinstance(nlu, ActNLU)
        nlu.read_turns = read_turns
        return nlu

    def parse_batch(  # type: ignore[override]
        self, texts: Sequence[str], contexts: Sequence[Sequence[str]] | None = None, batch_size: int = 64
    ) -> list[NLUResult]:
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("parse expects text strings")
        if contexts is not None and len(contexts) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(contexts)} contexts")
        tokens = [tokenize(t)[: self.words.max_length] for t in texts]
        nonempty = [i for i, words in enumerate(tokens) if words]
        rows = self.predict(
            [[w.text for w in tokens[i]] for i in nonempty],
            [list(contexts[i]) for i in nonempty] if contexts is not None else None,
            batch_size,
        )
        results = [NLUResult(text=t) for t in texts]
        for i, row in zip(nonempty, rows):
            results[i] = self._result(texts[i], tokens[i], row)
        return results

    def _result(self, text: str, words: list, row: ActRow) -> NLUResult:
        tags, probs, labels = row.tags, row.tag_probs, row.labels
        starts, ends = [w.start for w in words], [w.end for w in words]
        acts = acts_from_prediction(text, starts, ends, tags, [label.label for label in labels], self.values)
        slots = []
        for label, first, last in tag_spans(tags):
            start, end = words[first].start, words[last].end
            conf = sum(probs[first : last + 1]) / (last - first + 1)
            slots.append(SlotSpan(label, text[start:end], start, end, conf))
        return NLUResult(
            text=text,
            intents=tuple(labels),
            slots=tuple(slots),
            acts=tuple(acts),
            confidence=row.certainty * min(probs),
            tokens=tuple(w.text for w in words),
            tags=tuple(tags),
        )

    def parse_dialogue(self, dialogue: Dialogue, speaker: str = USER) -> list[tuple[DialogueAct, ...]]:
        """Predicted acts of every ``speaker`` turn of ``dialogue``, in order, each with its own context."""
        indices = [i for i, t in enumerate(dialogue.turns) if t.speaker == speaker]
        k = self.config.context_turns
        from_acts = self.config.context_acts
        contexts = [
            [turn_context(t, from_acts) for t in dialogue.turns[max(0, i - k) : i]] if k else [] for i in indices
        ]
        results = self.parse_batch([dialogue.turns[i].text for i in indices], contexts)
        return [r.acts for r in results]

    # ------------------------------------------------------------------ persistence
    @classmethod
    def cached(cls, path: Path, train: Callable[[], ActNLU], *, what: str, log: Callable[[str], None]) -> ActNLU:
        """The act model saved at ``path`` (in tod's cache), or, when there is none or a damaged one, the
        one ``train`` makes, saved there first (:func:`tod.cache.build_once`; ``what`` names it in messages)."""
        return build_once(path, load=cls.load, build=train, save=cls.save, what=what, log=log)

    def _save_extra(self, directory: Path) -> None:
        payload = {"values": self.values.to_dict(), "corpus": self.corpus, "threshold": self.threshold}
        (directory / ACTS_FILE).write_text(json.dumps(payload, ensure_ascii=False, indent=1))

    @classmethod
    def _load_extra(cls, directory: Path) -> dict[str, Any]:
        payload = read_json(directory / ACTS_FILE, error=ModelDirError, what="the act model's values", top=dict)
        try:
            threshold = float(payload.get("threshold", THRESHOLD))
            if not 0.0 < threshold < 1.0:
                raise ValueError(f"threshold must be in (0, 1), found {threshold}")
            return {
                "values": ValueMap.from_dict(payload["values"]),
                "corpus": str(payload.get("corpus", "")),
                "threshold": threshold,
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelDirError(f"{directory}: unreadable {ACTS_FILE} ({exc})") from exc
