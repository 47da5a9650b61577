"""Pipeline configuration: a YAML file naming one component per stage, checked before anything is built.

Format (``pipelines/cityguide.yaml`` is a complete example)::

    name: cityguide                 # shown by `tod chat`
    description: ...                # optional
    domain: cityguide               # a domain under domains/ (or TOD_DOMAINS_PATH), or a path to one
    data_dir: null                  # corpus folder for third-party databases (MultiWOZ, CrossWOZ)
    seed: 0                         # NLG template choice, booking references
    nlu: {name: jointbert-acts, params: {...}}
    dst: {name: rule}
    policy: {name: rule, params: {confirm_below: 0.5}}
    nlg: {name: template}
    fallback: {name: retrieval}     # optional; without it out-of-task turns get a steer-back line
    routing: {min_confidence: 0.3}  # a turn whose best task act is less certain goes to the fallback

Checks, in order, each failing with a :class:`~tod.errors.ConfigError` that names the file and the
entry: unknown or missing keys; component names (the list of registered names is given); every
parameter against the keyword-only arguments of the component's ``from_config`` (unknown names
list the accepted ones with their types; values of the wrong type say what was expected).
Command-line overrides (``stage.param=value``) go through the same checks.
"""

from __future__ import annotations

import inspect
import os
import reprlib
import types
import typing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from tod._schema import FrozenMap
from tod.builtin import is_plain_name, pipelines_dir
from tod.errors import ConfigError, RegistryError
from tod.files import read_yaml
from tod.registry import DST_REGISTRY, FALLBACK_REGISTRY, NLG_REGISTRY, NLU_REGISTRY, POLICY_REGISTRY, Registry

STAGES: dict[str, Registry] = {
    "nlu": NLU_REGISTRY,
    "dst": DST_REGISTRY,
    "policy": POLICY_REGISTRY,
    "nlg": NLG_REGISTRY,
    "fallback": FALLBACK_REGISTRY,
}
REQUIRED_STAGES = ("nlu", "dst", "policy", "nlg")
TOP_KEYS = ("name", "description", "domain", "data_dir", "seed", "routing", *STAGES)
ROUTING_KEYS = ("min_confidence",)


@dataclass(frozen=True)
class ComponentConfig:
    """One stage's component: its registered name and the parameters of its ``from_config``."""

    name: str
    params: FrozenMap[str, Any] = field(default_factory=FrozenMap)


@dataclass(frozen=True)
class RoutingConfig:
    """When a user turn goes to the fallback instead of the task stages.

    ``min_confidence``: the NLU's confidence in its parse below which a turn without a clear task
    act is out of task. A ``chitchat`` act always routes to the fallback; a turn without any act too.
    """

    min_confidence: float = 0.3


@dataclass(frozen=True)
class PipelineConfig:
    name: str
    domain: str
    components: FrozenMap[str, ComponentConfig]
    description: str = ""
    data_dir: str | None = None
    seed: int = 0
    routing: RoutingConfig = RoutingConfig()
    source: str = "<config>"


#: Values shown in messages: at most 60 characters of a string, a few items, three levels deep (a YAML
#: file of aliases can make a value whose full ``repr`` is gigabytes long).
def _shown(value: Any) -> str:
    shown = reprlib.Repr()  # keyword arguments only from Python 3.12
    shown.maxlevel, shown.maxstring, shown.maxother, shown.maxlong = 3, 60, 60, 60
    return shown.repr(value)


def _keys(keys: Any) -> list[Any]:
    """Keys in a stable order for a message, whatever their types (YAML keys may be numbers or null)."""
    return sorted(keys, key=repr)


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def _accepts(annotation: Any, value: Any) -> tuple[bool, Any]:
    """Whether ``value`` fits ``annotation`` (str, int, float, bool, optional of these); the value converted."""
    if annotation is Any or annotation is inspect.Parameter.empty:
        return True, value
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for member in typing.get_args(annotation):
            ok, converted = _accepts(member, value)
            if ok:
                return True, converted
        return False, value
    if annotation is type(None):
        return value is None, value
    if annotation is bool:
        return isinstance(value, bool), value
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return True, float(value)
            except OverflowError:  # an integer too large for a float
                return False, value
        return False, value
    if annotation is str:
        return isinstance(value, str), value
    return isinstance(value, annotation) if isinstance(annotation, type) else True, value


def component_parameters(stage: str, name: str) -> dict[str, inspect.Parameter]:
    """The keyword parameters ``from_config`` of the component ``name`` of ``stage`` accepts, with resolved types."""
    component = STAGES[stage].get(name)
    factory = getattr(component, "from_config", None)
    if factory is None:
        raise ConfigError(f"{stage} component {name!r} cannot be built from a pipeline file (it has no from_config)")
    namespace = getattr(getattr(factory, "__func__", factory), "__globals__", {})
    params = {}
    for p in inspect.signature(factory).parameters.values():
        if p.kind is inspect.Parameter.KEYWORD_ONLY:
            params[p.name] = p.replace(annotation=_resolve(p.annotation, namespace))
    return params


def _resolve(annotation: Any, namespace: dict[str, Any]) -> Any:
    """A string annotation (``from __future__ import annotations``) evaluated; ``Any`` when it cannot be."""
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, dict(namespace))  # noqa: S307 - annotations of our own registered code
    except Exception:  # a name only imported for type checking
        return Any


def check_params(stage: str, name: str, params: Mapping[str, Any], where: str) -> FrozenMap[str, Any]:
    """``params`` checked against the component's ``from_config``; converted values (ints to floats)."""
    accepted = component_parameters(stage, name)
    checked = {}
    for key, value in params.items():
        if key not in accepted:
            listing = ", ".join(f"{k}: {_type_name(p.annotation)}" for k, p in accepted.items()) or "none"
            raise ConfigError(f"{where}: unknown parameter {key!r} of {stage} component {name!r}; accepted: {listing}")
        ok, converted = _accepts(accepted[key].annotation, value)
        if not ok:
            raise ConfigError(
                f"{where}: parameter {key!r} of {stage} component {name!r} must be "
                f"{_type_name(accepted[key].annotation)}, found {type(value).__name__} {_shown(value)}"
            )
        checked[key] = converted
    return FrozenMap(checked)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping, found {type(value).__name__} {_shown(value)}")
    return value


def _component(stage: str, raw: Any, where: str) -> ComponentConfig:
    if isinstance(raw, str):
        raw = {"name": raw}
    body = _mapping(raw, where)
    unknown = _keys(set(body) - {"name", "params"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; expected 'name' and optionally 'params'")
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: 'name' must name a {stage} component: one of {STAGES[stage].names()}")
    try:
        STAGES[stage].get(name)
    except RegistryError as error:
        raise ConfigError(f"{where}: {error}") from None
    params = body.get("params") or {}
    return ComponentConfig(name, check_params(stage, name, _mapping(params, f"{where}.params"), f"{where}.params"))


def parse_pipeline_config(raw: Any, source: str = "<config>") -> PipelineConfig:
    """A checked :class:`PipelineConfig` from parsed YAML."""
    body = _mapping(raw, source)
    unknown = _keys(set(body) - set(TOP_KEYS))
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {unknown}; expected some of {list(TOP_KEYS)}")
    missing = [k for k in ("domain", *REQUIRED_STAGES) if body.get(k) is None]  # `dst: null` names none either
    if missing:
        raise ConfigError(f"{source}: missing key(s) {missing}")
    domain = body["domain"]
    if not isinstance(domain, str) or not domain:
        raise ConfigError(f"{source}: 'domain' must be a domain name or path, found {_shown(domain)}")
    seed = body.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"{source}: 'seed' must be an integer, found {_shown(seed)}")
    data_dir = body.get("data_dir")
    if data_dir is not None and not isinstance(data_dir, str):
        raise ConfigError(f"{source}: 'data_dir' must be a path or null, found {_shown(data_dir)}")
    routing_raw = _mapping(body.get("routing") or {}, f"{source}: routing")
    bad = _keys(set(routing_raw) - set(ROUTING_KEYS))
    if bad:
        raise ConfigError(f"{source}: routing: unknown key(s) {bad}; expected some of {list(ROUTING_KEYS)}")
    threshold = routing_raw.get("min_confidence", RoutingConfig.min_confidence)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        raise ConfigError(f"{source}: routing.min_confidence must be a number in [0, 1], found {_shown(threshold)}")
    components = {
        stage: _component(stage, body[stage], f"{source}: {stage}")
        for stage in STAGES
        if stage in body and body[stage] is not None
    }
    for key in ("name", "description"):
        if key in body and not isinstance(body[key], str):
            raise ConfigError(f"{source}: {key!r} must be text, found {_shown(body[key])}")
    return PipelineConfig(
        name=body.get("name") or Path(source).stem,
        domain=domain,
        components=FrozenMap(components),
        description=body.get("description", ""),
        data_dir=data_dir,
        seed=seed,
        routing=RoutingConfig(float(threshold)),
        source=source,
    )


def find_pipeline(name_or_path: str | os.PathLike[str]) -> Path:
    """A pipeline file: a path, or the name of a ready-made one (``cityguide`` → ``pipelines/cityguide.yaml``)."""
    text = os.fspath(name_or_path)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if path.is_dir():
            raise ConfigError(f"expected a pipeline file, found the directory {path}")
        if not path.is_file():
            raise ConfigError(f"pipeline file {path} does not exist")
        return path
    candidate = pipelines_dir() / f"{text}.yaml"
    if is_plain_name(text) and candidate.is_file():
        return candidate
    known = sorted(p.stem for p in pipelines_dir().glob("*.yaml") if is_plain_name(p.stem))
    raise ConfigError(f"unknown pipeline {text!r}: expected a YAML file or one of {known}")


def load_pipeline_config(
    name_or_path: str | os.PathLike[str], overrides: Mapping[str, str] | None = None
) -> PipelineConfig:
    """Read and check a pipeline file; ``overrides`` (``"policy.confirm_below": "0.4"``) are applied first."""
    path = find_pipeline(name_or_path)
    raw = read_yaml(path, error=ConfigError, what="the pipeline file")
    raw = apply_overrides(_mapping(raw, str(path)), overrides or {}, str(path))
    return parse_pipeline_config(raw, str(path))


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, str], source: str) -> dict[str, Any]:
    """``stage.param=value`` (value read as YAML: numbers, booleans, null), ``stage.name=component`` (a
    different component, without the old one's parameters; applied in the order given) and
    ``key=value`` for top-level keys."""
    import yaml

    out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in raw.items()}
    for key, text in overrides.items():
        try:
            value = yaml.safe_load(text) if text != "" else ""
        except (yaml.YAMLError, ValueError, RecursionError):  # not YAML, a 5,000-digit number, [[[[...
            value = text
        stage, dot, param = key.partition(".")
        if not dot:
            out[stage] = value
            continue
        if stage == "routing":
            routing = _mapping(out.get("routing") or {}, f"override {key!r}: {source}: routing")
            out["routing"] = {**routing, param: value}
            continue
        if stage not in STAGES:
            raise ConfigError(f"override {key!r}: expected <stage>.<parameter> with a stage of {list(STAGES)}")
        if param == "name":  # another component: the old one's parameters do not apply to it
            out[stage] = {"name": value}
            continue
        entry = out.get(stage)
        if entry is None:
            raise ConfigError(f"override {key!r}: {source} configures no {stage} component")
        where = f"override {key!r}: {source}: {stage}"
        entry = {"name": entry} if isinstance(entry, str) else dict(_mapping(entry, where))
        params = _mapping(entry.get("params") or {}, f"{where}.params")
        entry["params"] = {**params, param: value}
        out[stage] = entry
    return out


def with_data_dir(config: PipelineConfig, data_dir: str | None) -> PipelineConfig:
    return config if data_dir is None else replace(config, data_dir=data_dir)


def parse_overrides(items: list[str]) -> dict[str, str]:
    """``["policy.confirm_below=0.4"]`` -> ``{"policy.confirm_below": "0.4"}``; a malformed item is a ConfigError.

    ``fallback.name=openai`` changes the component; other ``stage.key`` entries are its parameters
    (:func:`apply_overrides`).
    """
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ConfigError(f"--set expects STAGE.PARAM=VALUE or KEY=VALUE, found {item!r}")
        out[key.strip()] = value.strip()
    return out
