"""The user templates split in two disjoint halves (tod.nlg.halves): the NLU's and the simulated user's."""

from __future__ import annotations

import pytest

from tod.domain.context import BuildContext
from tod.errors import ConfigError
from tod.nlg.halves import HALVES_SEED, shared_patterns, template_half
from tod.nlg.template import TemplateNLG
from tod.nlg.templates import TemplateSet


@pytest.fixture(scope="module")
def templates() -> TemplateSet:
    return TemplateNLG.from_config(BuildContext.open("cityguide"), side="user").templates


def test_every_pattern_is_split_into_disjoint_halves_that_make_the_whole(templates: TemplateSet) -> None:
    nlu, user = template_half(templates, "nlu"), template_half(templates, "user")
    assert [e.pattern.key for e in nlu.entries] == [e.pattern.key for e in templates.entries]
    for whole, a, b in zip(templates.entries, nlu.entries, user.entries):
        texts_a, texts_b = {t.text for t in a.templates}, {t.text for t in b.templates}
        if len(whole.templates) >= 2:
            assert texts_a and texts_b and not texts_a & texts_b, whole.pattern.key
            assert texts_a | texts_b == {t.text for t in whole.templates}
        else:
            assert a == b == whole
    # the city guide's sentence patterns all have several wordings: only the phrases are shared
    assert shared_patterns(templates) == tuple(p.key for p in templates.phrases)


def test_the_split_is_seeded(templates: TemplateSet) -> None:
    assert template_half(templates, "user", HALVES_SEED) == template_half(templates, "user", HALVES_SEED)
    others = [template_half(templates, "user", seed) for seed in (1, 2, 3)]
    assert any(o != template_half(templates, "user", HALVES_SEED) for o in others)


def test_a_half_still_writes_every_act_the_whole_writes(templates: TemplateSet) -> None:
    from tod.acts import DialogueAct

    acts = [
        [DialogueAct("inform", "hotel", "area", "north"), DialogueAct("inform", "hotel", "pricerange", "cheap")],
        [DialogueAct("request", "restaurant", "phone", "?")],
        [DialogueAct("thank", "general"), DialogueAct("bye", "general")],
    ]
    whole, user = TemplateNLG(templates), TemplateNLG(template_half(templates, "user"))
    nlu = TemplateNLG(template_half(templates, "nlu"))
    for act_list in acts:
        said = {user.generate(act_list, variant=v) for v in range(30)}
        assert said and all(said) and not said & {nlu.generate(act_list, variant=v) for v in range(30)}
        assert len({whole.generate(act_list, variant=v) for v in range(30)}) > 1


@pytest.mark.parametrize(("half", "seed"), [("system", 0), ("", 0), ("nlu", "0"), ("user", True)])
def test_bad_halves_and_seeds_are_refused(templates: TemplateSet, half: str, seed: object) -> None:
    with pytest.raises(ConfigError, match="template half"):
        template_half(templates, half, seed)  # type: ignore[arg-type]
