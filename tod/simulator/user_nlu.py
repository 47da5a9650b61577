"""The simulated user's NLU: reads the system's utterances back into system acts.

A text-level simulation needs the user to understand what the system said. The reader is an
:class:`~tod.nlu.acts.ActNLU` (the same joint model as the system's NLU) trained on system
utterances: act-level simulations of the pipeline give the acts its policy really emits, and the
system-side template NLG writes each of them in several wordings, with the span of every value.
The model is cached under a hash of what it depends on (the domain's files and templates, the
recipe, the pipeline's components, tod's version and :data:`DATA_VERSION`), like the synthetic NLU
of a domain
(:mod:`tod.nlu.domain_model`), so only the first text-level run trains it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from tod.acts import DialogueAct
from tod.dialogue import USER, Dialogue, Turn
from tod.domain.sources import source_files
from tod.nlu.config import GeneratedDataRecipe

if TYPE_CHECKING:
    from tod.nlu.acts import ActNLU


#: The version of how the reader's training data is made (the simulated dialogues and the system's
#: acts in them). Bump it when a change to the simulator or the rule policy changes what the system
#: says, so that cached readers are trained again; code changes that do not, keep it.
#: 3: CrossWOZ taxis go between places, and the agenda's first turns name their sub-domain.
DATA_VERSION = 3
#: The torch threads a reader is trained with (see :func:`train_reader`).
READER_THREADS = 1


@dataclass(frozen=True)
class ReaderRecipe(GeneratedDataRecipe):
    """How the user-side NLU is made (the encoder, seed, learning rate and vocabulary extension as for
    every act model trained on generated dialogues)."""

    data_version: ClassVar[int] = DATA_VERSION

    #: act-level simulated dialogues whose system turns become training utterances
    dialogues: int = 1200
    #: wordings written per system turn (different templates)
    variants: int = 2
    epochs: int = 3


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def training_dialogues(pipeline: Any, recipe: ReaderRecipe) -> list[Dialogue]:
    """One-turn dialogues whose single turn is a system utterance, with its acts and value spans.

    The turns are written as the ``user`` speaker because that is the side an act model learns to
    read; the texts are the system's.
    """
    from tod.nlg.template import TemplateNLG
    from tod.simulator.goals import GoalGenerator, GoalOptions, goal_seed
    from tod.simulator.session import Session

    context = pipeline.context
    writer = TemplateNLG.for_domain(context.domain, side="system", seed=recipe.seed)
    generator = GoalGenerator(context.database, GoalOptions(fail_rate=0.3))
    session = Session(pipeline, level="act")
    out: list[Dialogue] = []
    for index in range(recipe.dialogues):
        seed = goal_seed(recipe.seed + 7, index)
        simulated = session.run(generator.goal(seed), seed=seed, dialogue_id=f"reader-{index}")
        turns = [t.acts for t in simulated.dialogue.system_turns]
        # at text level a system also confirms what it understood with low confidence: never at act
        # level, so such turns are made from the user's informs (what the rule policy confirms)
        turns += [confirmations(t.acts) for t in simulated.dialogue.user_turns if index % 3 == 0]
        for number, acts in enumerate(turns):
            if not acts:
                continue
            for variant in range(recipe.variants):
                text, spans = writer.generate_with_spans(acts, variant=seed + variant)
                if text:
                    ident = f"reader-{index}-{number}-{variant}"
                    out.append(Dialogue(ident, (Turn(USER, text, acts, spans),), corpus="system-turns"))
    return out


def confirmations(user_acts: tuple[DialogueAct, ...]) -> tuple[DialogueAct, ...]:
    """The system acts that check the user's informs ("a cheap place in the north, right?")."""
    return tuple(DialogueAct("confirm", a.domain, a.slot, a.value) for a in user_acts if a.intent == "inform" and a.slot and a.value)


def cache_key(pipeline: Any, recipe: ReaderRecipe) -> str:
    """A hash of the domain's files (templates included), the pipeline's components, the recipe, tod's
    version and :data:`DATA_VERSION`."""
    context = pipeline.context
    return recipe.key(
        source_files(context.domain),
        dst=type(pipeline.dst).__name__,
        policy=type(pipeline.policy).__name__,
        seed=context.seed,
    )


def train_reader(
    pipeline: Any, recipe: ReaderRecipe, *, progress: bool = True, log: Callable[[str], None] = _log
) -> ActNLU:
    from tod.nlu.act_training import train_act_nlu

    dialogues = training_dialogues(pipeline, recipe)
    held = min(600, max(20, len(dialogues) // 10))
    train, dev = dialogues[:-held], dialogues[-held:]
    log(
        f"training the simulated user's NLU for {pipeline.context.domain.name} on {len(train)} system "
        f"utterances ({recipe.epochs} epochs; once, then cached)"
    )
    config = recipe.train_config(seed_offset=29, context_turns=0, max_length=128)
    # one thread, whatever the machine: the sums of a CPU's matrix products depend on how many
    # threads share them, so every machine trains the same reader (and measures the same success)
    config = replace(config, threads=READER_THREADS)
    corpus = f"{pipeline.context.domain.name}-system-turns"
    import torch

    threads = torch.get_num_threads()
    try:
        nlu, _ = train_act_nlu(train, dev, config, corpus=corpus, progress=progress, log=log)
    finally:
        torch.set_num_threads(threads)  # the simulation that follows keeps the process's threads
    nlu.meta["user_reader"] = recipe.record(cache_key(pipeline, recipe))
    return nlu


class SystemActReader:
    """Reads system utterances into acts with an act model (see the module docstring)."""

    def __init__(self, nlu: ActNLU) -> None:
        self.nlu = nlu

    @classmethod
    def for_pipeline(
        cls,
        pipeline: Any,
        recipe: ReaderRecipe = ReaderRecipe(),
        *,
        model: str | None = None,
        progress: bool = True,
        log: Callable[[str], None] = _log,
    ) -> SystemActReader:
        """The reader for ``pipeline``: the model directory ``model``, else the cached one (trained first
        if missing). For a Chinese domain the recipe always extends the encoder's vocabulary."""
        from tod.nlu.acts import ActNLU

        if pipeline.context.domain.language == "zh" and not recipe.extend_vocabulary:
            recipe = replace(recipe, extend_vocabulary=True)  # how the packaged MiniLM reads Chinese
        if model is not None:
            return cls(ActNLU.load(Path(model).expanduser()))
        train = partial(train_reader, pipeline, recipe, progress=progress, log=log)
        return cls(ActNLU.cached(reader_path(pipeline, recipe), train, what="user-side NLU", log=log))

    def read(self, text: str, context: str = "") -> list[DialogueAct]:
        if not text.strip():
            return []
        return list(self.nlu.parse(text).acts)


def reader_path(pipeline: Any, recipe: ReaderRecipe) -> Path:
    context = pipeline.context
    return Path(context.cache_dir) / "nlu" / f"{context.domain.name}-user-reader-{cache_key(pipeline, recipe)}"
