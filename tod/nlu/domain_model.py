"""The act NLU of a domain without a corpus: trained once on synthesised dialogues, then loaded from a cache.

``domain_nlu(context, recipe)`` looks for a model in ``context.cache_dir/nlu/<domain>-<key>``, where
the key is a hash of everything the model depends on (the domain's files and databases, the
templates, the recipe, tod's version); when there is none, it synthesises dialogues
(:mod:`tod.nlu.synth`), trains an :class:`~tod.nlu.acts.ActNLU` with a progress bar and saves it
atomically there. A changed template or database therefore retrains; an unchanged one starts in
seconds.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from tod import __version__
from tod.errors import ModelDirError

if TYPE_CHECKING:
    from tod.domain.context import BuildContext
    from tod.nlu.acts import ActNLU


@dataclass(frozen=True)
class SynthRecipe:
    """How the synthetic NLU is made: how many dialogues, how many epochs, how much context.

    The context is given as the previous turns' acts (``context_acts``): a running system knows
    its own acts exactly, and a few act words cost far less encoder time than the sentence.
    """

    dialogues: int = 3000
    epochs: int = 4
    context_turns: int = 1
    encoder: str = "minilm"
    seed: int = 0
    #: encoder learning rate (the heads learn at TrainConfig's head_lr)
    lr: float = 2e-4
    #: add the synthetic texts' unknown CJK characters to the encoder's vocabulary (trains the word
    #: embeddings too): how the packaged MiniLM reads Chinese domains
    extend_vocabulary: bool = False

    @property
    def dev_dialogues(self) -> int:
        """Held-out synthetic dialogues for choosing the epoch and the label threshold: a tenth, at most 300."""
        return min(300, max(10, self.dialogues // 10))


def _domain_files(context: BuildContext) -> list[Path]:
    domain = context.domain
    files = sorted(p for p in domain.directory.rglob("*") if p.is_file())
    for name in domain.subdomains:
        path = domain.database_path(name)
        if path is not None and path.is_file() and path not in files:
            files.append(path)
    return files


def cache_key(context: BuildContext, recipe: SynthRecipe) -> str:
    """A hash of the domain's files, the recipe, the synthesis code and tod's version."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"recipe": asdict(recipe), "tod": __version__}, sort_keys=True).encode())
    for module in ("synth.py", "domain_model.py"):  # how the data is made is part of the model
        digest.update((Path(__file__).parent / module).read_bytes())
    for path in _domain_files(context):
        # where the repository or the corpus lives does not change the model: names relative to them
        inside = path.is_relative_to(context.domain.directory)
        digest.update(str(path.relative_to(context.domain.directory) if inside else path.name).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


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

    path = model_path(context, recipe)
    if path.exists():
        try:
            loaded = ActNLU.load(path)
            assert isinstance(loaded, ActNLU)
            return loaded
        except ModelDirError as error:  # an interrupted or damaged cache entry: train again
            log(f"cached NLU at {path} is unusable ({error}); training a new one")
    nlu = train_domain_nlu(context, recipe, progress=progress, log=log)
    path.parent.mkdir(parents=True, exist_ok=True)
    nlu.save(path)
    log(f"NLU saved to {path}")
    return nlu


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
    from tod.nlu.config import generated_data_config

    dialogues = synthetic_dialogues(context, recipe)
    train, dev = dialogues[: recipe.dialogues], dialogues[recipe.dialogues :]
    log(
        f"training the {context.domain.name} NLU on {len(train)} synthesised dialogues "
        f"({recipe.epochs} epochs; once, then cached)"
    )
    config = generated_data_config(
        encoder=recipe.encoder,
        epochs=recipe.epochs,
        lr=recipe.lr,
        seed=recipe.seed + 13,
        extend_vocabulary=recipe.extend_vocabulary,
        context_turns=recipe.context_turns,
        context_acts=True,
    )
    nlu, _ = train_act_nlu(
        train, dev or None, config, corpus=f"{context.domain.name}-synthetic", progress=progress, log=log
    )
    nlu.meta["synthetic"] = {**asdict(recipe), "cache_key": cache_key(context, recipe)}
    return nlu
