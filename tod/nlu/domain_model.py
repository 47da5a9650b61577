"""The act NLU of a domain without a corpus: trained once on synthesised dialogues, then loaded from a cache.

``domain_nlu(context, recipe)`` looks for a model in ``context.cache_dir/nlu/<domain>-<key>``, where
the key is a hash of everything the model depends on (the domain's files and databases, the
templates, the recipe, tod's version and :data:`DATA_VERSION`: :class:`tod.cache.Recipe`); when there
is none, it synthesises dialogues (:mod:`tod.nlu.synth`), trains an :class:`~tod.nlu.acts.ActNLU` with
a progress bar and saves it atomically there (:func:`tod.cache.build_once`). A changed template or
database therefore retrains; an unchanged one starts in seconds.

A recipe may add human user turns (``human``: sources of the domain's ``corpora.yaml``, read from
``human_data``): annotated turns of real corpora carried onto the domain (:mod:`tod.data.relex`),
trained beside the synthesised ones, so that the NLU learns how people write and not only the
templates. The key then holds the corpus files' contents too (not where they are).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from tod.domain.sources import source_files
from tod.errors import ConfigError
from tod.nlu.config import GeneratedDataRecipe

if TYPE_CHECKING:
    from tod.domain.context import BuildContext
    from tod.nlu.acts import ActNLU


#: The version of how the synthetic training dialogues are made from a domain (:mod:`tod.nlu.synth`,
#: the template NLG) and trained on. Bump it when a change to tod's code changes the dialogues or the
#: model a recipe makes, so that cached models are trained again (``tests/nlu/test_recipe_keys.py``
#: fingerprints the dialogues); a change to the domain's own files needs no bump, they are in the key.
DATA_VERSION = 1
#: The version of how human turns are carried onto a domain (:mod:`tod.data.relex`), in the key of a
#: recipe with human corpora only: bump it when a change to that code changes the carried turns.
HUMAN_DATA_VERSION = 1


@dataclass(frozen=True)
class SynthRecipe(GeneratedDataRecipe):
    """How the synthetic NLU is made: how many dialogues, how many epochs, how much context.

    The context is given as the previous turns' acts (``context_acts``): a running system knows
    its own acts exactly, and a few act words cost far less encoder time than the sentence.
    """

    data_version: ClassVar[int] = DATA_VERSION

    dialogues: int = 3000
    epochs: int = 4
    context_turns: int = 1
    #: human corpora carried onto the domain (names of sources in its ``corpora.yaml``), trained beside
    #: the synthesised dialogues; empty: synthesised dialogues only
    human: tuple[str, ...] = ()
    #: at most this many carried human turns (a sample chosen by ID with the recipe's seed); 0: all
    human_turns: int = 0
    #: the folder the sources' files are under (not part of the key: their contents are)
    human_data: str = ""
    #: synthesise from the ``nlu`` half of the user templates only (:mod:`tod.nlg.halves`), so that a
    #: simulated user speaking the other half says what the NLU never trained on
    held_apart: bool = False

    def fields(self) -> dict[str, Any]:
        fields = asdict(self)
        del fields["human_data"]
        if not self.held_apart:  # recipes made before these fields existed keep their keys
            del fields["held_apart"]
        if not self.human:
            del fields["human"], fields["human_turns"]
        else:
            fields["human_data_version"] = HUMAN_DATA_VERSION
        return fields

    @classmethod
    def from_params(cls, *, human: object = None, human_turns: int = 0, human_data: str = "", **fields: Any) -> SynthRecipe:
        """The recipe of a pipeline's NLU parameters: ``human`` as a list or comma-separated source names;
        where the ``human_data`` folder is absent (a checkout without the corpora), the recipe without
        them, said on standard error, so that such a checkout still builds its NLU."""
        sources = human_sources(human)
        if isinstance(human_turns, bool) or not isinstance(human_turns, int) or human_turns < 0:
            raise ConfigError(f"human_turns must be a number of turns >= 0 (0: all), found {human_turns!r}")
        if sources and not Path(human_data).expanduser().is_dir():
            print(
                f"nlu: the human corpora folder {human_data!r} is absent: training on synthesised dialogues "
                f"only (human: {', '.join(sources)} left out)",
                file=sys.stderr,
                flush=True,
            )
            sources = ()
        if not sources:
            return cls(**fields)
        return cls(human=sources, human_turns=human_turns, human_data=str(Path(human_data).expanduser()), **fields)

    @property
    def dev_dialogues(self) -> int:
        """Held-out synthetic dialogues for choosing the epoch and the label threshold: a tenth, at most 300."""
        return min(300, max(10, self.dialogues // 10))


def human_sources(human: object) -> tuple[str, ...]:
    """The ``human`` parameter as source names: a list of names, a comma-separated string, or nothing."""
    if human is None or human == "":
        return ()
    names = human.split(",") if isinstance(human, str) else human
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ConfigError(
            f"human must be a list of corpus source names (or a comma-separated string), found {human!r:.80}"
        )
    return tuple(dict.fromkeys(n.strip() for n in names))


def cache_key(context: BuildContext, recipe: SynthRecipe) -> str:
    """A hash of the recipe, :data:`DATA_VERSION`, tod's version, the domain's files and the files of
    the recipe's human corpora."""
    return recipe.key([*source_files(context.domain), *human_files(context, recipe)])


def human_files(context: BuildContext, recipe: SynthRecipe) -> list[tuple[str, Path]]:
    """``(source name, file)`` of each human corpus of ``recipe``; ConfigError for an unknown source,
    a domain without ``corpora.yaml`` or a missing file."""
    if not recipe.human:
        return []
    from tod.data.relex import domain_mapping, mapping_path, source_file

    mapping = domain_mapping(context.domain)
    if mapping is None:
        raise ConfigError(
            f"nlu human: {recipe.human}: domain {context.domain.name} has no {mapping_path(context.domain)} "
            "saying how corpora carry onto it"
        )
    files = []
    for name in recipe.human:
        path = source_file(Path(recipe.human_data), mapping.source_named(name))
        if not path.is_file():
            raise ConfigError(f"nlu human source {name!r}: {path} not found (human_data: {recipe.human_data!r})")
        files.append((f"human:{name}", path))
    return files


def model_path(context: BuildContext, recipe: SynthRecipe) -> Path:
    return context.cache_dir / "nlu" / f"{context.domain.name}-{cache_key(context, recipe)}"


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def domain_nlu(
    context: BuildContext,
    recipe: SynthRecipe = SynthRecipe(),
    *,
    progress: bool = True,
    log: Callable[[str], None] = _to_stderr,
) -> ActNLU:
    """The cached synthetic NLU of ``context``'s domain, trained first when the cache lacks it.

    Messages go to ``log`` (standard error by default: standard output belongs to the chat)."""
    from tod.nlu.acts import ActNLU

    train = partial(train_domain_nlu, context, recipe, progress=progress, log=log)
    return ActNLU.cached(model_path(context, recipe), train, what="NLU", log=log)


def synthetic_dialogues(context: BuildContext, recipe: SynthRecipe) -> list:
    """Train and dev dialogues (``recipe.dialogues`` + ``recipe.dev_dialogues``) for the domain."""
    from tod.nlg.template import TemplateNLG
    from tod.nlu.synth import synthesise

    user = TemplateNLG.from_config(context, side="user")
    if recipe.held_apart:
        from tod.nlg.halves import HALVES_SEED, template_half

        user = TemplateNLG(template_half(user.templates, "nlu", HALVES_SEED), seed=user.seed)
    system = TemplateNLG.from_config(context, side="system")
    return synthesise(
        context.database,
        lambda acts, seed: user.generate_with_spans(acts, variant=seed),
        lambda acts, seed: system.generate(acts, variant=seed),
        dialogues=recipe.dialogues + recipe.dev_dialogues,
        seed=recipe.seed,
    )


def human_dialogues(
    context: BuildContext, recipe: SynthRecipe, spanned: set[str] | None = None, log: Callable[[str], None] = _to_stderr
) -> list:
    """The human user turns of ``recipe.human`` carried onto the domain (:func:`tod.data.relex.carry`),
    as the synthesised ones are trained: requests and booking details without their sub-domain
    (:func:`tod.nlu.synth.unscoped`), and, where ``spanned`` (the span labels the synthesised turns
    use) is given, a value the domain's own data never marks in the text kept as an act without a span
    ("free parking": ``parking=yes``), so that both teach one convention. At most ``human_turns``."""
    from tod.data.export import span_label
    from tod.data.relex import carry, domain_mapping
    from tod.data.split import sample_dialogues
    from tod.dialogue import ActSpan, Dialogue, Turn
    from tod.nlu.synth import unscoped

    human_files(context, recipe)  # the checks, with their errors
    mapping = domain_mapping(context.domain)
    assert mapping is not None
    out = []
    for name in recipe.human:
        carried = carry(mapping, name, context.database, recipe.human_data, seed=recipe.seed)
        log(f"human turns from {name}: {carried.summary()}")
        out.extend(carried.dialogues)
    if recipe.human_turns and len(out) > recipe.human_turns:
        out = list(sample_dialogues(out, recipe.human_turns, recipe.seed))

    def conformed(turn: Turn) -> Turn:
        acts, spans = unscoped(context.domain, turn.acts, turn.spans)
        if spanned is not None:
            spans = [s for s in spans if span_label(s.act) in spanned]
        return Turn(turn.speaker, turn.text, tuple(acts), tuple(ActSpan(s.act, s.start, s.end) for s in spans))

    return [
        Dialogue(d.id, tuple(conformed(t) if t.speaker == "user" else t for t in d.turns), corpus=d.corpus)
        for d in out
    ]


def train_domain_nlu(
    context: BuildContext, recipe: SynthRecipe, *, progress: bool = True, log: Callable[[str], None] = _to_stderr
) -> ActNLU:
    from tod.data.export import span_label
    from tod.nlu.act_training import train_act_nlu

    dialogues = synthetic_dialogues(context, recipe)
    train, dev = dialogues[: recipe.dialogues], dialogues[recipe.dialogues :]
    human = []
    if recipe.human:
        spanned = {span_label(s.act) for d in train for t in d.turns for s in t.spans}
        human = human_dialogues(context, recipe, spanned, log)
        train = train + human
    log(
        f"training the {context.domain.name} NLU on {len(train) - len(human)} synthesised dialogues"
        + (f" and {len(human)} human user turns ({', '.join(recipe.human)})" if human else "")
        + f" ({recipe.epochs} epochs; once, then cached)"
    )
    config = recipe.train_config(seed_offset=13, context_turns=recipe.context_turns, context_acts=True)
    nlu, _ = train_act_nlu(
        train, dev or None, config, corpus=f"{context.domain.name}-synthetic", progress=progress, log=log
    )
    nlu.meta["synthetic"] = recipe.record(cache_key(context, recipe))
    return nlu
