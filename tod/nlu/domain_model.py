"""The act NLU of a domain without a corpus: trained once on synthesised dialogues, then loaded from a cache.

``domain_nlu(context, recipe)`` looks for a model in ``context.cache_dir/nlu/<domain>-<key>``, where
the key is a hash of everything the model depends on (the domain's files and databases, the
templates, the recipe, tod's version and :data:`DATA_VERSION`: :class:`tod.cache.Recipe`); when there
is none, it synthesises dialogues (:mod:`tod.nlu.synth`), trains an :class:`~tod.nlu.acts.ActNLU` with
a progress bar and saves it atomically there (:func:`tod.cache.build_once`). A changed template or
database therefore retrains; an unchanged one starts in seconds.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, ClassVar

from tod.domain.sources import source_files
from tod.nlu.config import GeneratedDataRecipe

if TYPE_CHECKING:
    from tod.domain.context import BuildContext
    from tod.nlu.acts import ActNLU


#: The version of how the synthetic training dialogues are made from a domain (:mod:`tod.nlu.synth`,
#: the template NLG) and trained on. Bump it when a change to tod's code changes the dialogues or the
#: model a recipe makes, so that cached models are trained again (``tests/nlu/test_recipe_keys.py``
#: fingerprints the dialogues); a change to the domain's own files needs no bump, they are in the key.
DATA_VERSION = 1


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

    @property
    def dev_dialogues(self) -> int:
        """Held-out synthetic dialogues for choosing the epoch and the label threshold: a tenth, at most 300."""
        return min(300, max(10, self.dialogues // 10))


def cache_key(context: BuildContext, recipe: SynthRecipe) -> str:
    """A hash of the recipe, :data:`DATA_VERSION`, tod's version and the domain's files."""
    return recipe.key(source_files(context.domain))


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
    system = TemplateNLG.from_config(context, side="system")
    return synthesise(
        context.database,
        lambda acts, seed: user.generate_with_spans(acts, variant=seed),
        lambda acts, seed: system.generate(acts, variant=seed),
        dialogues=recipe.dialogues + recipe.dev_dialogues,
        seed=recipe.seed,
    )


def train_domain_nlu(
    context: BuildContext, recipe: SynthRecipe, *, progress: bool = True, log: Callable[[str], None] = _to_stderr
) -> ActNLU:
    from tod.nlu.act_training import train_act_nlu

    dialogues = synthetic_dialogues(context, recipe)
    train, dev = dialogues[: recipe.dialogues], dialogues[recipe.dialogues :]
    log(
        f"training the {context.domain.name} NLU on {len(train)} synthesised dialogues "
        f"({recipe.epochs} epochs; once, then cached)"
    )
    config = recipe.train_config(seed_offset=13, context_turns=recipe.context_turns, context_acts=True)
    nlu, _ = train_act_nlu(
        train, dev or None, config, corpus=f"{context.domain.name}-synthetic", progress=progress, log=log
    )
    nlu.meta["synthetic"] = recipe.record(cache_key(context, recipe))
    return nlu
