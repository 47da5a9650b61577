"""The joint intent + slot network: a transformer encoder with two heads.

The intent head reads a pooled sentence vector; the slot head reads the first sub-token of each
word. Slot decoding is a Viterbi search over BIO tags in which illegal transitions (``I-x`` not
after ``B-x``/``I-x``) are forbidden; with ``crf=True`` the transition scores are learned as a
linear-chain CRF, otherwise they are zero where allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tod.nlu.labels import LabelVocab, allowed_transition

NEG_INF = -1e4  # finite, so that masked sums never produce NaN


def transition_mask(tags: LabelVocab) -> tuple[torch.Tensor, torch.Tensor]:
    """``(start, transitions)`` masks: 0 where BIO allows the tag, ``NEG_INF`` where it does not."""
    n = len(tags)
    start = torch.tensor([0.0 if allowed_transition(None, t) else NEG_INF for t in tags.labels])
    trans = torch.zeros(n, n)
    for i, prev in enumerate(tags.labels):
        for j, tag in enumerate(tags.labels):
            if not allowed_transition(prev, tag):
                trans[i, j] = NEG_INF
    return start, trans


@dataclass
class JointOutput:
    intent_logits: torch.Tensor  # (batch, intents)
    slot_scores: torch.Tensor  # (batch, words, tags): log-probabilities (softmax) or emissions (CRF)
    loss: torch.Tensor | None = None


class JointModel(nn.Module):
    def __init__(
        self,
        encoder: nn.Module,
        intents: LabelVocab,
        tags: LabelVocab,
        *,
        dropout: float = 0.1,
        pooling: str = "mean",
        crf: bool = True,
        slot_loss_weight: float = 1.0,
        slot_context: bool = False,
        slot_lstm: bool = False,
        multi_label: bool = False,
    ) -> None:
        super().__init__()
        if pooling not in ("cls", "mean"):
            raise ValueError(f"pooling must be 'cls' or 'mean', found {pooling!r}")
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.pooling = pooling
        self.use_crf = crf
        self.slot_loss_weight = slot_loss_weight
        self.multi_label = multi_label
        # Per-label weight of positive examples in the multi-label loss (training only; see
        # tod.nlu.act_training): rare acts would otherwise be learned as "never".
        self.label_pos_weight: torch.Tensor | None = None
        self.dropout = nn.Dropout(dropout)
        self.intent_head = nn.Linear(hidden, len(intents))
        self.slot_context = slot_context
        width = 2 * hidden if slot_context else hidden
        # An optional BiLSTM over the words, between the encoder and the slot head.
        self.slot_lstm = nn.LSTM(width, width // 2, batch_first=True, bidirectional=True) if slot_lstm else None
        self.slot_head = nn.Linear(2 * (width // 2) if slot_lstm else width, len(tags))
        start_mask, trans_mask = transition_mask(tags)
        self.register_buffer("start_mask", start_mask, persistent=False)
        self.register_buffer("trans_mask", trans_mask, persistent=False)
        # Learned CRF scores; kept (at zero) without a CRF so that every model has one layout.
        self.start_scores = nn.Parameter(torch.zeros(len(tags)), requires_grad=crf)
        self.end_scores = nn.Parameter(torch.zeros(len(tags)), requires_grad=crf)
        self.transitions = nn.Parameter(torch.zeros(len(tags), len(tags)), requires_grad=crf)

    # ------------------------------------------------------------------ forward
    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        word_index: torch.Tensor,
        word_mask: torch.Tensor,
        intent_labels: torch.Tensor | None = None,
        tag_labels: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> JointOutput:
        """``intent_labels``: class indices (batch,), or multi-hot floats (batch, intents) when
        ``multi_label``; ``token_type_ids`` mark a context segment (1) after the utterance (0)."""
        inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            inputs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**inputs).last_hidden_state
        if not torch.is_autocast_enabled(hidden.device.type):
            hidden = hidden.to(self.intent_head.weight.dtype)  # a bf16 encoder under fp32 heads
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        intent_logits = self.intent_head(self.dropout(pooled))
        gather = word_index.unsqueeze(-1).expand(-1, -1, hidden.size(-1))
        words = torch.gather(hidden, 1, gather)
        if self.slot_context:
            words = torch.cat([words, pooled.unsqueeze(1).expand_as(words)], dim=-1)
        if self.slot_lstm is not None:
            lengths = word_mask.long().sum(1).clamp(min=1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(words, lengths, batch_first=True, enforce_sorted=False)
            words, _ = nn.utils.rnn.pad_packed_sequence(
                self.slot_lstm(packed)[0], batch_first=True, total_length=words.size(1)
            )
        # CRF and softmax arithmetic stay in fp32 even under bf16 autocast: sums over many steps.
        emissions = self.slot_head(self.dropout(words)).float()
        intent_logits = intent_logits.float()
        slot_scores = emissions if self.use_crf else emissions.log_softmax(-1)
        loss = None
        if intent_labels is not None and tag_labels is not None:
            if self.multi_label:
                # Summed over labels, averaged over the batch: a mean over hundreds of mostly-absent
                # labels would make each act's signal hundreds of times weaker than the tags'.
                weight = self.label_pos_weight
                intent_loss = nn.functional.binary_cross_entropy_with_logits(
                    intent_logits,
                    intent_labels.float(),
                    reduction="sum",
                    pos_weight=None if weight is None else weight.to(intent_logits.device),
                ) / intent_logits.size(0)
            else:
                intent_loss = nn.functional.cross_entropy(intent_logits, intent_labels)
            with torch.autocast(emissions.device.type, enabled=False):
                if self.use_crf:
                    slot_loss = self.crf_nll(emissions, tag_labels, word_mask)
                else:
                    slot_loss = nn.functional.nll_loss(slot_scores[word_mask], tag_labels[word_mask])
            loss = intent_loss + self.slot_loss_weight * slot_loss
        return JointOutput(intent_logits, slot_scores, loss)

    # ------------------------------------------------------------------ CRF
    def _scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.start_scores + self.start_mask, self.transitions + self.trans_mask, self.end_scores

    def crf_nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of the gold tag paths (every sequence has >= 1 word)."""
        start, trans, end = self._scores()
        batch, length, _ = emissions.shape
        maskf = mask.to(emissions.dtype)
        rows = torch.arange(batch, device=emissions.device)
        # score of the gold path
        first = tags[:, 0]
        gold = start[first] + emissions[rows, 0, first]
        if length > 1:
            emitted = emissions[:, 1:].gather(2, tags[:, 1:].unsqueeze(2)).squeeze(2)
            moved = trans[tags[:, :-1], tags[:, 1:]]
            gold = gold + ((emitted + moved) * maskf[:, 1:]).sum(1)
        last = mask.long().sum(1) - 1
        gold = gold + end[tags[rows, last]]
        # Log partition function by the forward algorithm, in exp space with per-row rescaling:
        # logsumexp_i(alpha_i + T_ij) = m + log(sum_i exp(alpha_i - m) exp(T_ij)), a matrix product.
        exp_trans = trans.exp()
        alpha = start.unsqueeze(0) + emissions[:, 0]
        for t in range(1, length):
            top = alpha.max(1, keepdim=True).values
            nxt = top + torch.log((alpha - top).exp() @ exp_trans + 1e-30) + emissions[:, t]
            alpha = torch.where(mask[:, t].unsqueeze(1), nxt, alpha)
        log_z = torch.logsumexp(alpha + end.unsqueeze(0), dim=1)
        return (log_z - gold).mean()

    @torch.no_grad()
    def decode(self, slot_scores: torch.Tensor, word_mask: torch.Tensor) -> list[list[int]]:
        """Best BIO-legal tag path for each sequence (Viterbi, in numpy: the steps are tiny)."""
        if self.use_crf:
            start, trans, end = (x.detach().float().cpu().numpy() for x in self._scores())
        else:
            start, trans = self.start_mask.cpu().numpy(), self.trans_mask.cpu().numpy()
            end = np.zeros_like(start)
        scores = slot_scores.detach().float().cpu().numpy()
        paths = []
        for b, n in enumerate(word_mask.long().sum(1).tolist()):
            if n == 0:
                paths.append([])
                continue
            score = start + scores[b, 0]
            back = []
            for t in range(1, n):
                total = score[:, None] + trans
                best = total.argmax(0)
                score = total[best, np.arange(len(best))] + scores[b, t]
                back.append(best)
            tag = int((score + end).argmax())
            path = [tag]
            for best in reversed(back):
                tag = int(best[tag])
                path.append(tag)
            paths.append(path[::-1])
        return paths
