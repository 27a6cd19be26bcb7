"""A Hugging Face causal LM as Yang's predicative language model (arXiv 2407.21092, §2).

The library's PLM computations (the entropy function S_L(s) by Monte Carlo over full
continuations, zero points, moduli distances; ``infoscale.lm``) ask a model for next-token
log-probabilities of many prefixes. :class:`DecoderPLM` answers them from a transformers decoder:

- batched: the Monte Carlo estimator advances a round of samples in lock step and asks for all of
  them at once (``infoscale.lm.BatchedCallbackLM``);
- with the KV cache reused along every continuation: when each requested prefix is the previous
  one of its sample plus one token, only that token is decoded (rows of finished samples are
  dropped from the cache), so a sample of length L costs L one-token steps after the prompt, not L
  forwards over the whole prefix. Any other request is answered by a fresh forward.

The end of a continuation, ∅ of the paper, is a named reading (``stop``):

- ``'end_token'`` (default, the paper's): the model's end-of-text token. The shipped Austen models
  were trained on chapters separated by it, so their continuations run to the end of a chapter
  and almost every sample is cut at ``max_length``; the estimate is then the entropy of the first
  ``max_length`` tokens' law, a lower bound on S_L(s).
- ``'sentence'``: a continuation also ends at its first sentence-final token (one whose text ends
  in ``.``, ``!`` or ``?``, optionally followed by quotes or brackets); p(∅) is the end token's
  probability plus theirs. This is the law of the rest of the current sentence with the identity
  of its final punctuation mark lumped into ∅ (a coarse-graining: its entropy is at most that of
  the law that keeps the mark).

Prompts are token ids of the text; ``prefix_tokens`` (default: the tokenizer's BOS, or the end
token, as the shipped models saw at the start of every chapter) are prepended to every model call
and are not part of the prompt.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import torch

from .. import _core

# A logit that is exactly zero probability after the library's log-softmax in double precision,
# yet finite (the callback adapters reject non-finite logits).
_IMPOSSIBLE = -1e300
_FINAL_PUNCTUATION = ".!?"
_CLOSERS = "\"')]»”’ \n"

STOP_READINGS = ("end_token", "sentence")


def _raise(argument: str, problem: str) -> None:
    raise _core.Error(f"infoscale.hf.DecoderPLM: {argument} {problem}")


def sentence_final_tokens(tokenizer: Any) -> np.ndarray:
    """Ids of the tokens whose text ends a sentence: a final '.', '!' or '?' (quotes or brackets
    may follow), e.g. '.', '?"', 'Mr.' counts too (the tokenizer cannot tell an abbreviation)."""
    ids = []
    for i in range(len(tokenizer)):
        text = tokenizer.decode([i]).rstrip(_CLOSERS)
        if text and text[-1] in _FINAL_PUNCTUATION:
            ids.append(i)
    return np.asarray(ids, dtype=np.int64)


class DecoderPLM:
    """Next-token log-probabilities of a causal LM over W ∪ {∅}, batched, with the KV cache reused.

    Parameters
    ----------
    model : transformers causal LM
        Its forward must accept ``past_key_values`` and return ``logits`` and ``past_key_values``.
    tokenizer : transformers tokenizer
        Gives the end token (``eos_token_id``) and, for ``stop='sentence'``, the sentence-final
        tokens.
    stop : {'end_token', 'sentence'}, default 'end_token'
        What ∅ is (module docstring).
    prefix_tokens : sequence of int, optional
        Prepended to every prefix; default ``[bos_token_id]`` (or the end token without a BOS).
    device : str or torch.device, optional
        Where the model runs; default its own device.
    """

    def __init__(self, model: torch.nn.Module, tokenizer: Any, *, stop: str = "end_token",
                 prefix_tokens: Optional[Sequence[int]] = None, device: Any = None) -> None:
        if stop not in STOP_READINGS:
            _raise("stop", f"is {stop!r}; one of {', '.join(STOP_READINGS)}")
        end = tokenizer.eos_token_id
        if end is None:
            _raise("tokenizer", "has no eos_token_id (the end of a continuation, ∅, needs one)")
        self.model = model.eval()
        self.device = torch.device(device) if device is not None else next(model.parameters()).device
        self.vocab_size = int(model.config.vocab_size)
        self.end_token = int(end)
        self.stop = stop
        if prefix_tokens is None:
            bos = tokenizer.bos_token_id
            prefix_tokens = [self.end_token if bos is None else int(bos)]
        self.prefix_tokens = np.asarray(list(prefix_tokens), dtype=np.int64)
        if self.prefix_tokens.ndim != 1 or len(self.prefix_tokens) == 0:
            _raise("prefix_tokens", "must hold at least one token (a decoder needs an input to predict from)")
        self.max_context = int(getattr(model.config, "max_position_embeddings", 0) or 0) or None
        finals = sentence_final_tokens(tokenizer) if stop == "sentence" else np.zeros(0, dtype=np.int64)
        self.lumped = torch.as_tensor(finals[finals != self.end_token], device=self.device)
        self._reset()
        self.forwards = 0  # full forwards (prompt or cache miss)
        self.steps = 0  # one-token steps on the cache

    # --- the logits callback of infoscale.lm.BatchedCallbackLM -------------------------------------------
    def _reset(self) -> None:
        self._cache: Any = None
        self._ids: Optional[np.ndarray] = None
        self._tokens: Optional[np.ndarray] = None

    def check_length(self, tokens: int, argument: str) -> None:
        """Raises if `tokens` prompt-plus-continuation tokens (prefix tokens added) exceed the context."""
        total = tokens + len(self.prefix_tokens)
        if self.max_context is not None and total > self.max_context:
            _raise(argument, f"asks for {total} positions (prefix tokens included), more than the model's "
                             f"context of {self.max_context}")

    def check_tokens(self, tokens: np.ndarray, argument: str) -> None:
        """Raises unless every token id lies in [0, vocab_size) (torch would raise an IndexError)."""
        if tokens.size and (tokens.min() < 0 or tokens.max() >= self.vocab_size):
            _raise(argument, f"has a token id outside [0, {self.vocab_size})")

    def transform(self, logits: torch.Tensor) -> torch.Tensor:
        """The model's logits (..., vocab) as logits over W ∪ {∅} in float64: under 'sentence', the
        sentence-final tokens' mass moves into the end token's slot."""
        z = logits.to(torch.float64)
        if len(self.lumped) == 0:
            return z
        end = torch.logsumexp(torch.cat([z[..., self.end_token:self.end_token + 1], z[..., self.lumped]], -1), -1)
        z = z.clone()
        z[..., self.lumped] = _IMPOSSIBLE
        z[..., self.end_token] = end
        return z

    @torch.inference_mode()
    def logits_batch(self, ids: Any, prefixes: Any) -> np.ndarray:
        """Logits over W ∪ {∅} (float64, rows x vocab) after each prefix (rows x length token ids);
        `ids` names the sample of each row, so that a row extending its sample's previous prefix
        by one token is decoded from the cache."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        prefixes = np.asarray(prefixes, dtype=np.int64)
        if prefixes.ndim == 1:
            prefixes = prefixes.reshape(1, -1)
        if prefixes.ndim != 2 or prefixes.shape[0] != len(ids):
            _raise("prefixes", f"must be (rows, length) with one row per id; got {prefixes.shape} for {len(ids)} ids")
        self.check_length(prefixes.shape[1], "prefixes")
        self.check_tokens(prefixes, "prefixes")
        rows = self._cached_rows(ids, prefixes)
        if rows is None:
            full = np.concatenate([np.broadcast_to(self.prefix_tokens, (len(ids), len(self.prefix_tokens))),
                                   prefixes], axis=1)
            out = self.model(input_ids=torch.as_tensor(full, device=self.device), use_cache=True)
            self.forwards += 1
        else:
            if len(rows) != len(self._ids) or np.any(rows != np.arange(len(rows))):
                self._cache.batch_select_indices(torch.as_tensor(rows, device=self.device))
            last = torch.as_tensor(prefixes[:, -1:], device=self.device)
            out = self.model(input_ids=last, past_key_values=self._cache, use_cache=True)
            self.steps += 1
        self._cache, self._ids, self._tokens = out.past_key_values, ids.copy(), prefixes.copy()
        return self.transform(out.logits[:, -1, :]).cpu().numpy()

    def _cached_rows(self, ids: np.ndarray, prefixes: np.ndarray) -> Optional[np.ndarray]:
        """Rows of the cache that each request extends by one token, or None (a fresh forward)."""
        if self._cache is None or prefixes.shape[1] != self._tokens.shape[1] + 1:
            return None
        where = {int(s): r for r, s in enumerate(self._ids)}
        rows = np.fromiter((where.get(int(s), -1) for s in ids), dtype=np.int64, count=len(ids))
        if np.any(rows < 0) or not np.array_equal(self._tokens[rows], prefixes[:, :-1]):
            return None
        return rows

    def lm(self, temperature: float = 1.0) -> Any:
        """This model as a library PLM (``infoscale.lm.BatchedCallbackLM``) at temperature T."""
        from .. import lm

        self._reset()
        return lm.BatchedCallbackLM(self.vocab_size, self.end_token, self.logits_batch, temperature)

    # --- teacher-forced probabilities of given continuations ---------------------------------------
    @torch.inference_mode()
    def log_probabilities(self, prompt: Sequence[int], continuations: Sequence[Sequence[int]], *,
                          ended: Optional[Sequence[bool]] = None, temperature: float = 1.0,
                          batch_size: int = 64) -> np.ndarray:
        """log P(y | s) under this PLM for each continuation y of `prompt`, in one teacher-forced
        forward per batch: the sum of log p(y_t | s y_<t) plus, where ``ended[i]`` (default: all),
        log p(∅ | s y). A continuation that was cut (not ended) gets the probability of the event
        "the continuation starts with y" instead."""
        if not temperature > 0 or not np.isfinite(temperature):
            _raise("temperature", f"must be > 0 and finite; got {temperature}")
        prompt = np.asarray(list(prompt), dtype=np.int64)
        self.check_tokens(prompt, "prompt")
        ended = np.ones(len(continuations), dtype=bool) if ended is None else np.asarray(ended, dtype=bool)
        if len(ended) != len(continuations):
            _raise("ended", f"has {len(ended)} entries for {len(continuations)} continuations")
        out = np.empty(len(continuations))
        head = np.concatenate([self.prefix_tokens, prompt])
        for start in range(0, len(continuations), batch_size):
            chunk = [np.asarray(list(y), dtype=np.int64) for y in continuations[start:start + batch_size]]
            for y in chunk:
                self.check_tokens(y, "continuations")
            width = max(len(y) for y in chunk)
            self.check_length(len(prompt) + width, "continuations")
            ids = np.full((len(chunk), len(head) + width), self.end_token, dtype=np.int64)
            mask = np.zeros_like(ids)
            for b, y in enumerate(chunk):
                ids[b, :len(head) + len(y)] = np.concatenate([head, y])
                mask[b, :len(head) + len(y)] = 1
            logits = self.model(input_ids=torch.as_tensor(ids, device=self.device),
                                attention_mask=torch.as_tensor(mask, device=self.device)).logits
            self.forwards += 1
            logp = torch.log_softmax(self.transform(logits[:, len(head) - 1:]) / temperature, -1).cpu().numpy()
            for b, y in enumerate(chunk):
                total = float(np.sum(logp[b, np.arange(len(y)), y])) if len(y) else 0.0
                if ended[start + b]:
                    total += float(logp[b, len(y), self.end_token])
                out[start + b] = total
        return out
