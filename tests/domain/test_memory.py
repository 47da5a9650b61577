"""The conversation memory (tod.domain.memory): what was offered, what is in focus, what the user asked."""

from __future__ import annotations

import pytest

from tod._schema import FrozenMap
from tod.acts import CORPUS_OFFER_INTENTS, REQUESTED, DialogueAct
from tod.belief import BeliefState, DomainBelief
from tod.dialogue import SYSTEM, USER, Turn
from tod.domain.loader import load_domain
from tod.domain.memory import ConversationMemory, SubdomainMemory, given_name, remember
from tod.domain.ontology import Domain
from tod.state import DialogueState

A = DialogueAct
R, H, G = "restaurant", "hotel", "general"


@pytest.fixture(scope="module")
def city() -> Domain:
    return load_domain("cityguide")


def conversation(*turns: tuple[str, tuple[DialogueAct, ...]], belief: BeliefState | None = None) -> DialogueState:
    """The state after ``turns`` ((speaker, acts), oldest first), as a running pipeline holds it."""
    history = tuple(Turn(speaker, "", acts) for speaker, acts in turns)
    users = [t for t in history if t.speaker == USER]
    systems = [t for t in history if t.speaker == SYSTEM]
    return DialogueState(
        belief=belief or BeliefState(),
        history=history,
        user_acts=users[-1].acts if users else (),
        system_acts=systems[-1].acts if systems else (),
    )


def test_an_empty_conversation_remembers_nothing(city: Domain) -> None:
    memory = remember(DialogueState(), city)
    assert isinstance(memory, ConversationMemory)
    assert memory.focus is None and memory.recency == () and memory.user_subdomains == ()
    assert memory.affirmed == () and memory.booking_accepted == frozenset() and memory.discussed == frozenset()
    assert memory.just_offered == FrozenMap() and memory.subdomains == FrozenMap()
    assert memory.of(R) == SubdomainMemory() and memory.of("no such sub-domain") == SubdomainMemory()
    assert SubdomainMemory().named is None


def test_offers_over_the_conversation_and_the_latest_turn(city: Domain) -> None:
    state = conversation(
        (USER, (A("inform", R, "food", "italian"),)),
        (SYSTEM, (A("select", R, "name", "Trattoria Lucca"), A("select", R, "name", "Pizzeria Napoli"))),
        (USER, (A("reqalts", R),)),
        (SYSTEM, (A("recommend", R, "name", "Luigi's"), A("inform", R, "area", "north"), A("offerbook", R))),
        (USER, (A("request", R, "phone", REQUESTED),)),
    )
    memory = remember(state, city)
    known = memory.of(R)
    assert known.offered == ("Trattoria Lucca", "Pizzeria Napoli", "Luigi's")  # oldest first, as said
    assert known.last_offered == "Luigi's"  # the first name of the latest turn that offered one
    assert known.last_named == "Luigi's"
    assert memory.just_offered == FrozenMap({R: ("Luigi's",)})
    assert memory.discussed == frozenset({R})
    assert known.requested == ("phone",)
    assert memory.focus == R and memory.recency == (R,)


def test_the_last_offering_turn_counts_not_the_last_turn(city: Domain) -> None:
    state = conversation(
        (SYSTEM, (A("recommend", R, "name", "A"), A("recommend", R, "name", "B"))),
        (USER, (A("request", R, "phone", REQUESTED),)),
        (SYSTEM, (A("inform", R, "phone", "01223"),)),
        (USER, (A("thank", G),)),
    )
    known = remember(state, city).of(R)
    assert known.last_offered == "A" and known.offered == ("A", "B")
    assert remember(state, city).just_offered == FrozenMap()  # the latest turn offered nothing


def test_corpus_offer_intents_name_an_entity_when_asked_for(city: Domain) -> None:
    # MultiWOZ's wizards offer with offerbook(train, trainID, v) and offerbooked: the tracker counts them
    acts = (A("offerbooked", H, "name", "Acorn"), A("offerbook", R, "name", "Curry"), A("offerbook", "attraction"))
    history = (Turn(SYSTEM, "", acts),)
    corpus = remember(DialogueState(history=history, system_acts=acts), city, offer_intents=CORPUS_OFFER_INTENTS)
    assert corpus.just_offered == FrozenMap({H: ("Acorn",), R: ("Curry",)})
    assert corpus.discussed == frozenset({H, R, "attraction"})
    assert corpus.of(H).offered == ("Acorn",) and corpus.of(R).last_offered == "Curry"
    own = remember(DialogueState(history=history, system_acts=acts), city)  # the policies' reading
    assert own.just_offered == FrozenMap() and own.discussed == frozenset()
    assert own.of(H).offered == () and own.of(H).last_named == "Acorn"  # named, not offered


def test_last_named_reads_any_intent_but_offers_do_not(city: Domain) -> None:
    state = DialogueState(
        history=(
            Turn(SYSTEM, "", (A("recommend", R, "name", "A"),)),
            Turn(SYSTEM, "", (A("nooffer", R, "name", "Nowhere"), A("request", H, "name", REQUESTED))),
        )
    )
    memory = remember(state, city)
    assert memory.of(R).last_named == "Nowhere" and memory.of(R).offered == ("A",)
    assert memory.of(H).last_named == REQUESTED and memory.of(H).offered == ()  # the MLE policy's reading


def test_acts_on_other_slots_unknown_domains_and_empty_values_name_nothing(city: Domain) -> None:
    state = DialogueState(
        system_acts=(
            A("recommend", R, "area", "north"),  # not a name slot
            A("recommend", "spaceport", "name", "Dock 9"),  # not a sub-domain of the domain
            A("recommend", R, "name", ""),  # no value
            A("book", "booking", "name", "X"),  # MultiWOZ's pseudo-domain
        )
    )
    memory = remember(state, city)
    assert memory.just_offered == FrozenMap() and memory.of(R) == SubdomainMemory()
    assert memory.discussed == frozenset({R, "spaceport", "booking"})  # offers of anything, named or not


def test_the_history_is_not_read_twice_when_it_ends_with_the_system_acts(city: Domain) -> None:
    offer = (A("recommend", R, "name", "A"),)
    pipeline_state = conversation((SYSTEM, offer), (USER, (A("thank", G),)))
    by_hand = DialogueState(user_acts=(A("thank", G),), system_acts=offer)  # no history at all
    assert remember(pipeline_state, city).of(R) == remember(by_hand, city).of(R)
    # after a turn the fallback answered (no acts), the system acts still count as the latest turn
    fallback = DialogueState(history=(Turn(SYSTEM, "", (A("recommend", R, "name", "B"),)), Turn(SYSTEM, "", ())),
                             system_acts=offer)  # fmt: skip
    assert remember(fallback, city).of(R).last_offered == "A"


def test_focus_is_the_latest_subdomain_of_the_user_else_of_the_system(city: Domain) -> None:
    user = (A("inform", H, "area", "north"), A("thank", G))
    system = (A("inform", R, "phone", "1"),)
    assert remember(DialogueState(user_acts=user, system_acts=system), city).focus == H
    assert remember(DialogueState(user_acts=(A("thank", G),), system_acts=system), city).focus == R
    assert remember(DialogueState(user_acts=(A("inform", "spaceport", "dock", "9"),)), city).focus is None


def test_recency_runs_from_the_latest_act_back(city: Domain) -> None:
    state = conversation(
        (USER, (A("inform", "attraction", "area", "north"),)),
        (SYSTEM, (A("request", H, "area", REQUESTED), A("inform", R, "choice", "3"))),
        (USER, (A("inform", H, "stay", "2"), A("thank", G))),
    )
    assert remember(state, city).recency == (H, R, "attraction")


def test_the_user_names_an_entity_now_or_the_belief_holds_one(city: Domain) -> None:
    belief = BeliefState({R: DomainBelief({"name": "Trattoria Lucca"}), H: DomainBelief({"name": "dontcare"})})
    said = DialogueState(belief=belief, user_acts=(A("inform", R, "name", "Luigi's"), A("inform", H, "name", " ")))
    memory = remember(said, city)
    assert memory.of(R).said_name == "Luigi's" and memory.of(R).held_name == "Trattoria Lucca"
    assert memory.of(R).named == "Luigi's"
    assert memory.of(H).said_name is None and memory.of(H).held_name is None  # blank and dontcare name nothing
    assert remember(DialogueState(belief=belief), city).of(R).named == "Trattoria Lucca"


def test_booked_names_latest_first(city: Domain) -> None:
    belief = BeliefState(
        {H: DomainBelief(booked=(FrozenMap({"name": "Acorn", "ref": "1"}), FrozenMap({"ref": "2"}),
                                 FrozenMap({"name": "Bridge", "ref": "3"})))}  # fmt: skip
    )
    assert remember(DialogueState(belief=belief), city).of(H).booked_names == ("Bridge", "Acorn")


def test_a_confirmed_value_the_user_affirms_is_said_now(city: Domain) -> None:
    confirm = (A("confirm", R, "name", "Luigi's"), A("confirm", R, "area", "north"), A("offerbook", H))
    yes = remember(DialogueState(user_acts=(A("affirm", G),), system_acts=confirm), city)
    assert yes.affirmed == (A("inform", R, "name", "Luigi's"), A("inform", R, "area", "north"))
    assert yes.user_acts == (*yes.affirmed, A("affirm", G))
    assert yes.user_subdomains == (R,) and yes.of(R).said_name == "Luigi's"
    assert yes.booking_accepted == frozenset({H})
    yes_but_no = remember(DialogueState(user_acts=(A("affirm", G), A("negate", G)), system_acts=confirm), city)
    assert yes_but_no.affirmed == () and yes_but_no.booking_accepted == frozenset({H})
    scoped = remember(DialogueState(user_acts=(A("affirm", R),), system_acts=confirm), city)
    assert scoped.affirmed == () and scoped.booking_accepted == frozenset()  # a yes about a sub-domain is no answer
    assert remember(DialogueState(user_acts=(A("negate", G),), system_acts=confirm), city).affirmed == ()


def test_requests_of_now_and_of_the_belief(city: Domain) -> None:
    belief = BeliefState({R: DomainBelief({"food": "thai"}, requested=("address", "phone"))})
    state = DialogueState(belief=belief, user_acts=(A("request", R, "phone", REQUESTED), A("request", R, "", "")))
    assert remember(state, city).of(R).requested == ("phone", "address")


def test_mentions_count_user_turns_and_the_latest_acts(city: Domain) -> None:
    state = conversation(
        (USER, (A("inform", R, "food", "thai"), A("inform", R, "area", "north"))),
        (SYSTEM, (A("request", R, "pricerange", REQUESTED),)),
        (USER, (A("inform", R, "area", "south"),)),
    )
    # the latest user turn is in the history and is the state's user acts: index 2, not 1
    assert dict(remember(state, city).of(R).mentioned) == {"food": 0, "area": 2}


def test_subdomains_lists_what_is_known_and_nothing_else(city: Domain) -> None:
    state = DialogueState(
        belief=BeliefState({H: DomainBelief({"area": "north"})}),
        user_acts=(A("inform", R, "food", "thai"),),
        system_acts=(A("recommend", "attraction", "name", "Museum"),),
    )
    memory = remember(state, city)
    assert set(memory.subdomains) == {R, "attraction"}  # the hotel's belief holds no name, request or booking
    assert memory.of(H) == SubdomainMemory()


def test_hostile_values_do_not_break_it(city: Domain) -> None:
    odd = ["", " ", "\x00", "名称" * 500, "dontcare", "DONTCARE ", "?"]
    acts = tuple(A("inform", d, s, v) for d in (R, "", G, "名称") for s in ("name", "", "名称") for v in odd)
    state = DialogueState(user_acts=acts, system_acts=tuple(A("recommend", R, "name", v) for v in odd))
    memory = remember(state, city)
    assert memory.of(R).said_name == "?"  # the last given name (blank and dontcare are not names)
    assert memory.of(R).offered == tuple(v for v in odd if v)
    assert memory.focus == R


def test_given_name() -> None:
    assert given_name("Luigi's") and given_name("?")
    assert not given_name("") and not given_name("  ") and not given_name("DontCare") and not given_name(" dontcare ")
