"""The supervised (MLE) dialogue policy: state features -> multi-label system acts, learnt from a corpus.

``MLEPolicy.predict`` builds the features of the state and the database results
(:func:`tod.policy.features.state_features`), scores every ``(intent, domain, slot)`` label the model
knows, keeps those at or above the threshold chosen in training, fills in their values
(:func:`tod.policy.mle_lexicalise.lexicalise`) and returns the acts, never an empty list: with nothing
left it says ``reqmore(general)``. It keeps no state between calls.

Train one with ``tod train policy`` (or :func:`tod.policy.mle_training.train_mle`); in a pipeline::

    policy: {name: mle, params: {model: models/policy-multiwoz}}

A model directory holds only JSON and a numpy ``.npz`` read with ``allow_pickle=False``: loading one runs
no pickle.
"""

from __future__ import annotations

import os
from pathlib import Path

from tod.acts import GENERAL, DialogueAct
from tod.domain.context import BuildContext
from tod.domain.database import Database
from tod.domain.ontology import Domain
from tod.errors import ConfigError, SchemaError
from tod.policy.features import ActSpace, Triple, state_features
from tod.policy.mle_lexicalise import lexicalise
from tod.policy.mle_model import MLEModel
from tod.registry import register_policy
from tod.state import DBResults, DialogueState

#: What the policy says when no predicted act can be filled in.
FALLBACK_ACT = DialogueAct("reqmore", GENERAL, "", "")


@register_policy("mle")
class MLEPolicy:
    """A trained :class:`MLEModel` for one domain, with the database it reads entity values from."""

    def __init__(
        self,
        model: MLEModel,
        domain: Domain,
        database: Database | None = None,
        *,
        seed: int = 0,
        threshold: float | None = None,
    ) -> None:
        if model.domain != domain.name:
            raise ConfigError(
                f"the MLE policy model was trained for domain {model.domain!r}, but the pipeline's domain is "
                f"{domain.name!r}"
            )
        if threshold is not None and not 0.0 < threshold < 1.0:
            raise ConfigError(f"MLE policy threshold: expected a probability in (0, 1), found {threshold!r}")
        self.model = model
        self.domain = domain
        self.database = database
        self.seed = seed
        self.threshold = model.threshold if threshold is None else threshold
        self.space = ActSpace(domain)
        # labels the domain's act inventory no longer has (an edited ontology) are never emitted
        self._allowed = [t in self.space for t in model.labels]

    @classmethod
    def from_config(cls, context: BuildContext, *, model: str = "", threshold: float = 0.0) -> MLEPolicy:
        """The policy saved in directory ``model`` by ``tod train policy``; ``threshold`` 0 keeps the one
        chosen in training, otherwise labels at or above it are predicted."""
        if not model:
            raise ConfigError("the mle policy needs model: expected a directory saved by 'tod train policy', found ''")
        if not 0.0 <= threshold < 1.0:
            raise ConfigError(f"mle policy threshold: expected 0 or a probability in (0, 1), found {threshold!r}")
        return cls.load(
            Path(os.path.expanduser(model)), context.domain, context.database,
            seed=context.seed, threshold=threshold or None,
        )

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike[str],
        domain: Domain,
        database: Database | None = None,
        *,
        seed: int = 0,
        threshold: float | None = None,
    ) -> MLEPolicy:
        """Load a model directory (a :class:`~tod.errors.ModelDirError` when it is missing or corrupt)."""
        return cls(MLEModel.load(directory), domain, database, seed=seed, threshold=threshold)

    def scores(self, state: DialogueState, db_results: DBResults) -> list[tuple[Triple, float]]:
        """Every label of the inventory with its probability, most probable first."""
        probabilities = self.model.probabilities(
            self.model.vector(state_features(state, db_results, self.space))
        )[0]
        pairs = [(t, float(p)) for t, p, ok in zip(self.model.labels, probabilities, self._allowed) if ok]
        return sorted(pairs, key=lambda pair: -pair[1])

    def predict(self, state: DialogueState, db_results: DBResults) -> list[DialogueAct]:
        """The system acts for the next turn; never empty."""
        if not isinstance(state, DialogueState):
            raise SchemaError(f"MLEPolicy.predict: expected a DialogueState, found {type(state).__name__}")
        chosen = [(t, p) for t, p in self.scores(state, db_results) if p >= self.threshold]
        acts = lexicalise(chosen, state, db_results, self.domain, self.database, self.seed)
        return acts or [FALLBACK_ACT]
