import pytest

from tod.errors import RegistryError
from tod.registry import Registry


def test_lazy_and_decorated_registration():
    registry = Registry("NLU")
    registry.register_lazy("vocab", "tod.nlu.labels:LabelVocab")

    @registry.register("mine")
    class Mine:
        pass

    assert registry.names() == ["mine", "vocab"]
    assert registry.get("mine") is Mine
    from tod.nlu.labels import LabelVocab

    assert registry.get("vocab") is LabelVocab


def test_unknown_name_lists_the_known_ones():
    registry = Registry("policy")
    registry.register_lazy("rule", "x:y")
    with pytest.raises(RegistryError, match="unknown policy component 'rl'; available: rule"):
        registry.get("rl")


def test_duplicate_names_are_refused():
    registry = Registry("NLU")
    registry.register("a")(int)
    with pytest.raises(RegistryError, match="already registered"):
        registry.register("a")(str)
    with pytest.raises(RegistryError, match="already registered"):
        registry.register_lazy("a", "m:x")
