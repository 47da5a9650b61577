"""The MLE policy: training on hand-made cityguide dialogues, prediction, lexicalisation, save/load, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tod.acts import REQUESTED, DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.dialogue import SYSTEM, USER, Dialogue, Turn
from tod.domain.act_space import system_act_space
from tod.domain.booking import stable_reference
from tod.domain.context import BuildContext
from tod.errors import ConfigError, ModelDirError, SchemaError
from tod.evaluation.policy import delexicalised, evaluate_policy
from tod.files import MANIFEST, file_sha256
from tod.policy.features import ActSpace, triple
from tod.policy.mle import FALLBACK_ACT, MLEPolicy
from tod.policy.mle_data import policy_examples
from tod.policy.mle_model import MLEModel
from tod.policy.mle_training import MLETrainConfig, train_mle
from tod.state import DialogueState

R, H, G = "restaurant", "hotel", "general"

# (food, area with several/none matching, area that then matches one) per restaurant dialogue
SEARCHES = [("italian", "centre"), ("british", "north"), ("japanese", "west"), ("french", "east"),
            ("indian", "south"), ("chinese", "centre")]
NO_OFFERS = [("thai", "centre", "north"), ("korean", "north", "east"), ("japanese", "south", "centre"),
             ("french", "north", "west")]
HOTELS = [("north", "moderate"), ("centre", "expensive"), ("east", "cheap")]
BOOKING = {"people": "2", "day": "friday", "time": "19:30"}
STAY = {"people": "3", "day": "monday", "stay": "2"}


@pytest.fixture(scope="module")
def context() -> BuildContext:
    return BuildContext.open("cityguide")


def _ref(subdomain: str, name: str, details: dict[str, str], user_turns: int) -> str:
    """The reference both policies give a booking made in the conversation's user turn ``user_turns``."""
    return stable_reference(0, subdomain, name, *(f"{k}={v}" for k, v in sorted(details.items())), str(user_turns))


class _Builder:
    """Appends user/system turn pairs; the state of a pair is the belief after the user turn."""

    def __init__(self, ident: str) -> None:
        self.ident, self.turns = ident, []

    def pair(self, user: list[DialogueAct], system: list[DialogueAct], belief: BeliefState) -> None:
        self.turns.append(Turn(USER, f"user {len(self.turns)}", tuple(user), state=belief))
        self.turns.append(Turn(SYSTEM, f"system {len(self.turns)}", tuple(system), state=belief))

    def done(self) -> Dialogue:
        return Dialogue(self.ident, tuple(self.turns))


def _belief(subdomain: str, constraints: dict, booking: dict | None = None, booked: tuple = ()) -> BeliefState:
    return BeliefState({subdomain: DomainBelief(constraints, (), booking or {}, booked)})


def _closing(b: _Builder, belief: BeliefState) -> None:
    b.pair([DialogueAct("thank", G)], [DialogueAct("reqmore", G)], belief)
    b.pair([DialogueAct("bye", G)], [DialogueAct("bye", G)], belief)


def cityguide_dialogues(database) -> list[Dialogue]:
    """13 short dialogues whose system acts follow one consistent policy, values from the database."""
    dialogues = []
    for i, (food, area) in enumerate(SEARCHES):
        b = _Builder(f"search-{i}")
        count = database.count(R, {"food": food})
        b.pair([DialogueAct("inform", R, "food", food)],
               [DialogueAct("inform", R, "choice", str(count)), DialogueAct("request", R, "area", REQUESTED)],
               _belief(R, {"food": food}))
        top = database.query(R, {"food": food, "area": area})[0]
        b.pair([DialogueAct("inform", R, "area", area)],
               [DialogueAct("recommend", R, "name", top.name),
                DialogueAct("inform", R, "pricerange", top.fields["pricerange"])],
               _belief(R, {"food": food, "area": area}))
        b.pair([DialogueAct("request", R, "phone", REQUESTED)],
               [DialogueAct("inform", R, "phone", top.fields["phone"])],
               _belief(R, {"food": food, "area": area}))
        booked = ({"name": top.name, "reference": _ref(R, top.name, BOOKING, 4)},)
        b.pair([DialogueAct("inform", R, k, v) for k, v in BOOKING.items()],
               [DialogueAct("book", R, "ref", _ref(R, top.name, BOOKING, 4))],
               _belief(R, {"food": food, "area": area}, BOOKING, booked))
        _closing(b, _belief(R, {"food": food, "area": area}, BOOKING, booked))
        dialogues.append(b.done())
    for i, (food, area, other) in enumerate(NO_OFFERS):
        b = _Builder(f"nooffer-{i}")
        b.pair([DialogueAct("inform", R, "food", food), DialogueAct("inform", R, "area", area)],
               [DialogueAct("nooffer", R, "food", food), DialogueAct("nooffer", R, "area", area)],
               _belief(R, {"food": food, "area": area}))
        top = database.query(R, {"food": food, "area": other})[0]
        b.pair([DialogueAct("inform", R, "area", other)],
               [DialogueAct("recommend", R, "name", top.name),
                DialogueAct("inform", R, "pricerange", top.fields["pricerange"])],
               _belief(R, {"food": food, "area": other}))
        _closing(b, _belief(R, {"food": food, "area": other}))
        dialogues.append(b.done())
    for i, (area, price) in enumerate(HOTELS):
        b = _Builder(f"hotel-{i}")
        b.pair([DialogueAct("inform", H, "area", area)],
               [DialogueAct("inform", H, "choice", str(database.count(H, {"area": area}))),
                DialogueAct("request", H, "pricerange", REQUESTED)],
               _belief(H, {"area": area}))
        top = database.query(H, {"area": area, "pricerange": price})[0]
        b.pair([DialogueAct("inform", H, "pricerange", price)],
               [DialogueAct("recommend", H, "name", top.name), DialogueAct("inform", H, "type", top.fields["type"])],
               _belief(H, {"area": area, "pricerange": price}))
        booked = ({"name": top.name, "reference": _ref(H, top.name, STAY, 3)},)
        b.pair([DialogueAct("inform", H, k, v) for k, v in STAY.items()],
               [DialogueAct("book", H, "ref", _ref(H, top.name, STAY, 3))],
               _belief(H, {"area": area, "pricerange": price}, STAY, booked))
        _closing(b, _belief(H, {"area": area, "pricerange": price}, STAY, booked))
        dialogues.append(b.done())
    return dialogues


FIT = MLETrainConfig(c=20.0)


@pytest.fixture(scope="module")
def dialogues(context) -> list[Dialogue]:
    return cityguide_dialogues(context.database)


@pytest.fixture(scope="module")
def trained(context, dialogues) -> MLEModel:
    return train_mle(dialogues, context.domain, context.database, FIT)


@pytest.fixture(scope="module")
def policy(context, trained) -> MLEPolicy:
    return MLEPolicy(trained, context.domain, context.database)


def test_the_hand_made_dialogues_are_real_shaped(context, dialogues):
    assert 10 <= len(dialogues) <= 20
    space = ActSpace(context.domain)
    examples = policy_examples(dialogues, space, context.database)
    assert len(examples) == sum(len(d.turns) // 2 for d in dialogues)
    assert all(e.gold and not e.dropped for e in examples)  # every act is in the inventory


def test_training_reproduces_the_training_dialogues_values_included(context, dialogues, policy):
    for example in policy_examples(dialogues, ActSpace(context.domain), context.database):
        predicted = policy.predict(example.state, example.db_results)
        assert set(predicted) == set(example.gold), (example.dialogue_id, example.turn)


def test_training_records_what_it_did(trained):
    meta = trained.meta
    assert meta["train_dialogues"] == 13 and meta["domain"] == "cityguide"
    assert meta["tune_dialogues"] >= 1 and 0 < meta["threshold"] < 1
    assert set(meta["versions"]) >= {"scikit-learn", "numpy", "python"}
    assert meta["train_config"]["c"] == 20.0


def test_the_mlp_learns_them_too(context, dialogues):
    model = train_mle(dialogues, context.domain, context.database, MLETrainConfig(architecture="mlp", max_iter=500))
    policy = MLEPolicy(model, context.domain, context.database)
    result = evaluate_policy(policy, policy_examples(dialogues, ActSpace(context.domain), context.database))
    assert model.architecture == "mlp" and len(model.layers) == 2
    assert result.scores.f1 > 0.9


def test_every_prediction_is_in_the_system_act_inventory(context, dialogues, policy):
    space = set(system_act_space(context.domain))
    for example in policy_examples(dialogues, ActSpace(context.domain), context.database):
        for act in policy.predict(example.state, example.db_results):
            assert triple(act) in space


def test_an_empty_or_hostile_state_still_gets_an_answer(context, policy):
    assert policy.predict(DialogueState(), {}) != []
    hostile = DialogueState(
        belief=BeliefState({"spaceport": DomainBelief({"gate": "7"}), R: DomainBelief({"colour": "red"})}),
        user_acts=(DialogueAct("inform", "spaceport", "gate", "7"), DialogueAct("inform", R, "colour", "red")),
    )
    acts = policy.predict(hostile, {})
    assert acts and all(triple(a) in set(system_act_space(context.domain)) for a in acts)
    with pytest.raises(SchemaError, match="DialogueState"):
        policy.predict({"belief": {}}, {})  # type: ignore[arg-type]


def test_nothing_fillable_falls_back_to_reqmore(context, trained):
    # a threshold so high nothing passes: the policy still says something
    policy = MLEPolicy(trained, context.domain, context.database, threshold=0.999999)
    assert policy.predict(DialogueState(), {}) == [FALLBACK_ACT]


def test_save_load_round_trip_predicts_identically(tmp_path, context, dialogues, trained, policy):
    trained.save(tmp_path / "model")
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == sorted(
        [MANIFEST, "meta.json", "policy_config.json", "weights.npz"]
    )
    loaded = MLEPolicy.load(tmp_path / "model", context.domain, context.database)
    assert loaded.model.threshold == trained.threshold and loaded.model.labels == trained.labels
    assert loaded.model.meta == json.loads(json.dumps(trained.meta))
    for example in policy_examples(dialogues, ActSpace(context.domain), context.database):
        assert loaded.predict(example.state, example.db_results) == policy.predict(example.state, example.db_results)
        np.testing.assert_allclose(
            [p for _, p in loaded.scores(example.state, example.db_results)],
            [p for _, p in policy.scores(example.state, example.db_results)], rtol=1e-6,
        )


def _rewrite_manifest(directory: Path) -> None:
    """Make the manifest match the (tampered) files, as an attacker or a buggy writer could."""
    manifest = json.loads((directory / MANIFEST).read_text())
    for name in manifest["files"]:
        path = directory / name
        manifest["files"][name] = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
    (directory / MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / MANIFEST).unlink(), "manifest.json is missing"),
        (lambda d: (d / "weights.npz").write_bytes(b"broken"), "weights.npz"),
        (lambda d: (d / "policy_config.json").unlink(), "policy_config.json is missing"),
    ],
)
def test_an_incomplete_or_corrupt_directory_is_a_clear_error(tmp_path, trained, damage, message):
    trained.save(tmp_path / "m")
    damage(tmp_path / "m")
    with pytest.raises(ModelDirError, match=message):
        MLEModel.load(tmp_path / "m")


def test_malformed_contents_are_refused_even_with_a_matching_manifest(tmp_path, trained):
    trained.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "policy_config.json").read_text())
    config["labels"] = config["labels"][:-1]
    (tmp_path / "m" / "policy_config.json").write_text(json.dumps(config))
    _rewrite_manifest(tmp_path / "m")
    with pytest.raises(ModelDirError, match="outputs for"):
        MLEModel.load(tmp_path / "m")
    config["labels"] = [["inform"]]
    (tmp_path / "m" / "policy_config.json").write_text(json.dumps(config))
    _rewrite_manifest(tmp_path / "m")
    with pytest.raises(ModelDirError, match="malformed"):
        MLEModel.load(tmp_path / "m")


def test_loading_never_unpickles(tmp_path, trained):
    trained.save(tmp_path / "m")
    with (tmp_path / "m" / "weights.npz").open("wb") as fh:
        np.savez(fh, W0=np.array([{"evil": 1}], dtype=object), b0=np.zeros(1))
    _rewrite_manifest(tmp_path / "m")
    with pytest.raises(ModelDirError, match="weights.npz is malformed"):
        MLEModel.load(tmp_path / "m")


def test_another_kind_of_model_is_refused(tmp_path, trained):
    trained.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / MANIFEST).read_text())
    manifest["kind"] = "jointbert"
    (tmp_path / "m" / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelDirError, match="expected 'mle-policy'"):
        MLEModel.load(tmp_path / "m")


def test_from_config_builds_through_the_registry_and_checks_its_parameters(tmp_path, context, trained):
    from tod.registry import POLICY_REGISTRY

    trained.save(tmp_path / "m")
    cls = POLICY_REGISTRY.get("mle")
    assert cls is MLEPolicy
    built = cls.from_config(context, model=str(tmp_path / "m"))
    assert isinstance(built, MLEPolicy) and built.threshold == trained.threshold
    assert cls.from_config(context, model=str(tmp_path / "m"), threshold=0.7).threshold == 0.7
    with pytest.raises(ConfigError, match="needs model"):
        cls.from_config(context)
    with pytest.raises(ConfigError, match="threshold"):
        cls.from_config(context, model=str(tmp_path / "m"), threshold=1.5)
    with pytest.raises(ModelDirError, match="not found"):
        cls.from_config(context, model=str(tmp_path / "absent"))


def test_a_model_of_another_domain_is_refused(context, trained):
    other = type(context.domain)(**{**context.domain.__dict__, "name": "elsewhere"})
    with pytest.raises(ConfigError, match="trained for domain 'cityguide'"):
        MLEPolicy(trained, other, context.database)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"architecture": "forest"}, "architecture"),
        ({"c": 0}, "positive"),
        ({"hidden": 0}, "hidden"),
        ({"tune_fraction": 1.0}, "tune_fraction"),
        ({"threshold": 1.0}, "threshold"),
    ],
)
def test_bad_training_configurations_say_what_was_expected(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        MLETrainConfig(**kwargs)


def test_training_on_nothing_is_an_error(context):
    with pytest.raises(ConfigError, match="expected training dialogues"):
        train_mle([], context.domain, context.database)
    silent = Dialogue("x", (Turn(USER, "hi"), Turn(SYSTEM, "...")))
    with pytest.raises(ConfigError, match="no system turn"):
        train_mle([silent], context.domain, context.database)


class _Constant:
    def __init__(self, acts):
        self.acts = acts

    def predict(self, state, db_results):
        return list(self.acts)


def test_evaluation_counts_triples_per_turn(context, dialogues):
    examples = policy_examples(dialogues[:1], ActSpace(context.domain), context.database)
    result = evaluate_policy(_Constant([DialogueAct("reqmore", G), DialogueAct("reqmore", G, "", "x")]), examples)
    # one search dialogue: 6 turns with 2+2+1+1+1+1 = 8 gold triples; reqmore is right once
    assert (result.turns, result.scores.tp, result.scores.fp, result.scores.fn) == (6, 1, 5, 7)
    assert result.to_dict()["act_precision"] == pytest.approx(1 / 6)
    assert set(result.to_dict()) >= {"act_precision", "act_recall", "act_f1", "turns"}
    assert delexicalised([DialogueAct("inform", R, "food", "thai")]) == (DialogueAct("inform", R, "food", ""),)


def test_a_perfect_policy_scores_one(context, dialogues):
    examples = policy_examples(dialogues, ActSpace(context.domain), context.database)
    gold = {(e.dialogue_id, e.turn): e.gold for e in examples}

    class Oracle:
        def predict(self, state, db_results):
            return list(gold[next(k for k, e in zip(gold, examples) if e.state is state)])

    result = evaluate_policy(Oracle(), examples)
    assert result.scores.f1 == 1.0 and result.scores.utterance_accuracy == 1.0
