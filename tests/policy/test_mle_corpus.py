"""The MLE policy on real MultiWOZ val dialogues: quick to train, well above a trivial baseline."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.conftest import require_shared
from tod.acts import DialogueAct
from tod.data.corpus import load_corpus
from tod.data.split import sample_dialogues, train_dev_parts
from tod.domain.act_space import system_act_space
from tod.domain.context import BuildContext
from tod.evaluation.policy import evaluate_policy
from tod.policy.features import ActSpace, triple
from tod.policy.mle import MLEPolicy
from tod.policy.mle_data import policy_examples
from tod.policy.mle_training import train_mle

pytestmark = pytest.mark.corpus


class MostFrequent:
    """The trivial baseline: always the same acts, the k most frequent training triples."""

    def __init__(self, triples):
        self.acts = [DialogueAct(i, d, s, "") for i, d, s in triples]

    def predict(self, state, db_results):
        return list(self.acts)


@pytest.fixture(scope="module")
def setup():
    data = require_shared("multiwoz", "val.json.zip")
    corpus = load_corpus("multiwoz", data.parent, splits=["val"])
    context = BuildContext.open("multiwoz", data_dir=data.parent)
    train, dev = train_dev_parts(corpus["val"], 0.2, 13)
    return context, sample_dialogues(train, 100, 13), dev


def test_training_on_100_dialogues_beats_the_most_frequent_acts(setup):
    context, train, dev = setup
    space = ActSpace(context.domain)
    started = time.perf_counter()
    model = train_mle(train, context.domain, context.database)
    seconds = time.perf_counter() - started
    dev_examples = policy_examples(dev, space, context.database)
    result = evaluate_policy(MLEPolicy(model, context.domain, context.database), dev_examples)

    counts = Counter(triple(a) for e in policy_examples(train, space, context.database) for a in e.gold)
    train_examples = [e for e in policy_examples(train, space, context.database) if e.gold]
    best = max(
        (evaluate_policy(MostFrequent([t for t, _ in counts.most_common(k)]), train_examples).scores.f1, k)
        for k in range(1, 6)
    )
    baseline = evaluate_policy(MostFrequent([t for t, _ in counts.most_common(best[1])]), dev_examples).scores.f1

    assert seconds < 60  # about 2 s on 2 idle cores
    assert result.turns > 1000 and result.dropped_gold_acts < 0.03 * sum(len(e.gold) for e in dev_examples)
    assert baseline < 0.2
    assert result.scores.f1 > 0.4 and result.scores.f1 > baseline + 0.2, (result.scores.f1, baseline)
    space_triples = set(system_act_space(context.domain))
    for example in dev_examples[:200]:
        assert all(triple(a) in space_triples for a in MLEPolicy(model, context.domain, context.database).predict(
            example.state, example.db_results
        ))
