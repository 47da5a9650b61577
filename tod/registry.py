"""Component registries, one per stage type.

A component is registered under a name, either directly with a decorator
(``@register_nlu("mine")``) or lazily as ``"module:attribute"`` so that looking up a name does not
import torch until the component is built. An unknown name fails with the list of known names.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable, TypeVar

from tod.errors import RegistryError

T = TypeVar("T")


class Registry:
    def __init__(self, stage: str) -> None:
        self.stage = stage
        self._entries: dict[str, Any] = {}  # name -> object or "module:attribute"

    def names(self) -> list[str]:
        return sorted(self._entries)

    def register_lazy(self, name: str, target: str) -> None:
        if name in self._entries:
            raise RegistryError(f"{self.stage} component {name!r} is already registered")
        self._entries[name] = target

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            existing = self._entries.get(name)
            if existing is not None and existing is not obj:
                lazy_same = isinstance(existing, str) and existing == f"{obj.__module__}:{obj.__qualname__}"
                if not lazy_same:
                    raise RegistryError(f"{self.stage} component {name!r} is already registered")
            self._entries[name] = obj
            return obj

        return decorator

    def get(self, name: str) -> Any:
        if name not in self._entries:
            raise RegistryError(f"unknown {self.stage} component {name!r}; available: {', '.join(self.names())}")
        entry = self._entries[name]
        if isinstance(entry, str):
            module, _, attribute = entry.partition(":")
            entry = getattr(import_module(module), attribute)
            self._entries[name] = entry
        return entry


NLU_REGISTRY = Registry("NLU")
NLU_REGISTRY.register_lazy("jointbert", "tod.nlu.jointbert:JointBertNLU")
NLU_REGISTRY.register_lazy("jointbert-acts", "tod.nlu.acts:ActNLU")


def register_nlu(name: str) -> Callable[[T], T]:
    """Class decorator: make an NLU component available to pipelines under ``name``."""
    return NLU_REGISTRY.register(name)


DST_REGISTRY = Registry("DST")
DST_REGISTRY.register_lazy("rule", "tod.dst.rule:RuleDST")


def register_dst(name: str) -> Callable[[T], T]:
    """Class decorator: make a dialogue state tracker available to pipelines under ``name``."""
    return DST_REGISTRY.register(name)


POLICY_REGISTRY = Registry("policy")
POLICY_REGISTRY.register_lazy("rule", "tod.policy.rule:RulePolicy")
POLICY_REGISTRY.register_lazy("mle", "tod.policy.mle:MLEPolicy")
# Bookings made by an external Rasa action server (another policy decides everything else).
POLICY_REGISTRY.register_lazy("rasa-booking", "tod.integrations.rasa.booking:RasaBookingPolicy")


def register_policy(name: str) -> Callable[[T], T]:
    """Class decorator: make a dialogue policy available to pipelines under ``name``."""
    return POLICY_REGISTRY.register(name)


NLG_REGISTRY = Registry("NLG")
NLG_REGISTRY.register_lazy("template", "tod.nlg.template:TemplateNLG")


def register_nlg(name: str) -> Callable[[T], T]:
    """Class decorator: make an NLG component available to pipelines under ``name``."""
    return NLG_REGISTRY.register(name)


FALLBACK_REGISTRY = Registry("fallback")
FALLBACK_REGISTRY.register_lazy("retrieval", "tod.fallback.retrieval:RetrievalFallback")
FALLBACK_REGISTRY.register_lazy("openai", "tod.fallback.openai_compat:OpenAIFallback")
FALLBACK_REGISTRY.register_lazy("local-lm", "tod.fallback.local_lm:LocalLMFallback")


def register_fallback(name: str) -> Callable[[T], T]:
    """Class decorator: make an out-of-task fallback available to pipelines under ``name``."""
    return FALLBACK_REGISTRY.register(name)
