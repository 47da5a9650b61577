"""Fixtures of the fallback tests: the cityguide domain, domain knowledge embedded with the tiny
random BERT (fast) or the packaged MiniLM (slow), a dialogue state with history, a tiny GPT-2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tod.belief import BeliefState
from tod.dialogue import SYSTEM, USER, Turn
from tod.domain.context import BuildContext
from tod.fallback.knowledge import Knowledge
from tod.state import DialogueState


@pytest.fixture(scope="session")
def cityguide(tmp_path_factory: pytest.TempPathFactory) -> BuildContext:
    return BuildContext.open("cityguide", cache_dir=tmp_path_factory.mktemp("tod-cache"))


@pytest.fixture(scope="session")
def tiny_knowledge(cityguide: BuildContext, tiny_encoder_dir: Path) -> Knowledge:
    """Cityguide's FAQ and facts embedded with a random 2-layer BERT: only exact texts are reliably similar."""
    return Knowledge.for_domain(
        cityguide.domain, cityguide.database, encoder=str(tiny_encoder_dir), cache_dir=cityguide.cache_dir
    )


@pytest.fixture(scope="session")
def strict_knowledge(cityguide: BuildContext, tiny_encoder_dir: Path) -> Knowledge:
    """As ``tiny_knowledge``, but only an exact FAQ question or fact text is similar enough."""
    return Knowledge.for_domain(
        cityguide.domain,
        cityguide.database,
        encoder=str(tiny_encoder_dir),
        cache_dir=cityguide.cache_dir,
        faq_threshold=0.999,
        fact_threshold=0.999,
    )


@pytest.fixture(scope="session")
def minilm_knowledge(cityguide: BuildContext) -> Knowledge:
    return Knowledge.for_domain(cityguide.domain, cityguide.database, cache_dir=cityguide.cache_dir)


@pytest.fixture()
def state() -> DialogueState:
    """A conversation in progress: the user wants an Italian restaurant in the north."""
    belief = (
        BeliefState().with_constraint("restaurant", "food", "italian").with_constraint("restaurant", "area", "north")
    )
    history = (
        Turn(USER, "I want an italian restaurant in the north"),
        Turn(SYSTEM, "Casa ferro is a moderate italian restaurant in the north."),
    )
    return DialogueState(belief=belief, history=history, nlu_confidence=0.9)


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer, 32-wide GPT-2 with random weights and a word-level tokenizer built offline."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    sentences = [
        "the beach in harbourton is sandy and the weather is mild",
        "user assistant system facts you are the assistant of a dialogue system",
        "sorry i can help you find restaurants hotels and attractions",
        "the visitor centre is open from nine to five on quayside",
    ]
    words = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    words.train_from_iterator(sentences, trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]"]))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=words, unk_token="[UNK]", pad_token="[PAD]")
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=4096,
        n_embd=32,
        n_layer=1,
        n_head=2,
        bos_token_id=None,
        eos_token_id=None,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    directory = tmp_path_factory.mktemp("tiny-gpt2")
    GPT2LMHeadModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
