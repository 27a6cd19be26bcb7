"""Tokenising texts and cutting them into right-padded batches, the layout both collectors use.

Each text is tokenised on its own (special tokens included, as the model expects them), so every
sequence's real tokens do not depend on the batch it lands in; batches are then padded on the
right with an attention mask, which keeps the real tokens' positions 0..n-1 for encoders and
causal decoders alike and needs no padding token from the tokenizer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence

import numpy as np
import torch


@dataclass
class Batch:
    """One batch: ``input_ids`` and ``attention_mask`` [batch, T] on the model's device, the
    global indices of its sequences, and their real lengths."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    sequences: list
    lengths: list

    @property
    def mask_numpy(self) -> np.ndarray:
        return self.attention_mask.to("cpu").numpy().astype(np.int64)


def tokenize(tokenizer: Any, texts: Sequence[str], max_length: Optional[int] = None) -> list:
    """Token ids of every text (a list of int lists), truncated to max_length when given."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string")
    out = []
    for i, text in enumerate(texts):
        enc = tokenizer(text, truncation=max_length is not None, max_length=max_length)
        ids = list(enc["input_ids"])
        if not ids:
            raise ValueError(f"text {i} has no tokens")
        out.append(ids)
    return out


def batches(ids: Sequence[Sequence[int]], batch_size: int, device: torch.device, pad_id: int = 0) -> Iterator[Batch]:
    """Consecutive batches of `batch_size` sequences, right-padded with `pad_id` (masked out)."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        width = max(len(s) for s in chunk)
        input_ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for b, s in enumerate(chunk):
            input_ids[b, :len(s)] = torch.tensor(s, dtype=torch.long)
            mask[b, :len(s)] = 1
        yield Batch(input_ids.to(device), mask.to(device), list(range(start, start + len(chunk))),
                    [len(s) for s in chunk])


def pad_token_id(tokenizer: Any) -> int:
    """The tokenizer's padding id, else its end-of-text id, else 0 (padded positions are masked)."""
    for name in ("pad_token_id", "eos_token_id"):
        value = getattr(tokenizer, name, None)
        if isinstance(value, int):
            return value
    return 0
