"""The CRF loss and the Viterbi decoder against brute force over every tag path."""

import itertools

import pytest
import torch

from tod.nlu.labels import LabelVocab, allowed_transition
from tod.nlu.model import JointModel

TAGS = LabelVocab(("O", "B-a", "I-a", "B-b"))


class StubEncoder(torch.nn.Module):
    config = type("Config", (), {"hidden_size": 4})()


def make(crf: bool) -> JointModel:
    model = JointModel(StubEncoder(), LabelVocab(("x",)), TAGS, crf=crf)
    torch.manual_seed(0)
    with torch.no_grad():
        for p in (model.transitions, model.start_scores, model.end_scores):
            p.normal_()
    return model


def path_score(model, emissions, path):
    start, trans, end = model._scores()
    value = start[path[0]] + emissions[0, path[0]]
    for t in range(1, len(path)):
        value = value + trans[path[t - 1], path[t]] + emissions[t, path[t]]
    return value + end[path[-1]]


def test_crf_nll_equals_brute_force():
    model = make(crf=True)
    emissions = torch.randn(2, 4, 4)
    gold = torch.tensor([[1, 2, 0, 3], [0, 1, 2, 0]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]).bool()
    expected = 0.0
    for b, n in ((0, 4), (1, 3)):
        scores = [path_score(model, emissions[b, :n], p) for p in itertools.product(range(4), repeat=n)]
        log_z = torch.logsumexp(torch.stack(scores), 0)
        expected += float((log_z - path_score(model, emissions[b, :n], gold[b, :n].tolist())).detach())
    assert float(model.crf_nll(emissions, gold, mask).detach()) == pytest.approx(expected / 2, rel=1e-5)


@pytest.mark.parametrize("crf", [True, False])
def test_viterbi_finds_the_best_legal_path(crf):
    model = make(crf=crf)
    torch.manual_seed(1)
    emissions = torch.randn(3, 5, 4)
    mask = torch.tensor([[1] * 5, [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]]).bool()
    scores = emissions if crf else emissions.log_softmax(-1)
    paths = model.decode(scores, mask)
    for b, n in enumerate((5, 3, 1)):
        if crf:
            best = max(
                itertools.product(range(4), repeat=n), key=lambda p: float(path_score(model, scores[b, :n], p).detach())
            )
            assert paths[b] == list(best)
        labels = [TAGS.labels[t] for t in paths[b]]
        assert all(allowed_transition(p, t) for p, t in zip([None] + labels, labels))


def test_decode_handles_an_example_without_words():
    model = make(crf=True)
    assert model.decode(torch.zeros(1, 1, 4), torch.zeros(1, 1, dtype=torch.bool)) == [[]]
