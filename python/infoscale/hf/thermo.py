"""Next-token thermodynamics of a causal language model over texts (Yang, arXiv 2407.21092, §5).

For every position of every text the model's next-token logits define p = softmax(logits / T);
infoscale's thermo functions give log Z, the internal energy U = E_p[-logit], the free energy
F = -T log Z, the entropy S and the heat capacity C = Var_p(-logit) / T^2 (nats), and the surprisal
-log p(next token) of the token that actually follows. The logits are read where the model left
them: each text's rows are a strided view into the batch's logits tensor, handed to the compiled
module through DLPack without a copy (in any of float16, bfloat16, float32, float64; only logits
computed on a GPU are first copied to the host, since this module reads host memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np
import torch

from .. import _core
from .batches import batches, pad_token_id, tokenize
from .collector import _device, _evaluation, _forward_kwargs


@dataclass
class TextThermodynamics:
    """Thermodynamic functions of the next-token distribution at each position of one text.

    Arrays have one entry per token of the text (position i: the distribution of token i+1 given
    tokens 0..i). ``surprisal[i]`` is -log p(token i+1) at T = 1 (the model's own
    distribution), NaN at the last position.
    """

    text: str
    token_ids: np.ndarray
    temperature: float
    log_partition: np.ndarray
    internal_energy: np.ndarray
    free_energy: np.ndarray
    entropy: np.ndarray
    heat_capacity: np.ndarray
    surprisal: np.ndarray

    def to_dict(self) -> dict:
        """Plain lists (NaN as None), for JSON."""
        def listed(a: np.ndarray) -> list:
            return [None if not np.isfinite(v) else float(v) for v in a]

        return {"text": self.text, "token_ids": [int(i) for i in self.token_ids], "temperature": self.temperature,
                **{k: listed(getattr(self, k)) for k in ("log_partition", "internal_energy", "free_energy",
                                                         "entropy", "heat_capacity", "surprisal")}}


def _host(logits: torch.Tensor) -> torch.Tensor:
    """Logits the compiled module can read: detached, on the CPU (a no-op for CPU tensors)."""
    return logits.detach().to("cpu")


def next_token_thermodynamics(model: torch.nn.Module, tokenizer: Any, texts: Sequence[str], *,
                              temperature: float = 1.0, batch_size: int = 8, device: Any = None,
                              max_length: Optional[int] = None, policy: str = "par") -> list:
    """Entropy, free energy, heat capacity (and log Z, U, surprisal) per position of each text.

    Parameters
    ----------
    model : transformers causal LM (``AutoModelForCausalLM``)
        Its output must have ``logits`` [batch, T, vocabulary].
    tokenizer : transformers tokenizer
    texts : sequence of str
    temperature : float, default 1.0
        T > 0 (T = 1 is the model's own distribution).
    batch_size : int, default 8
    device : str or torch.device, optional
        Where the model runs (moved there if elsewhere); default its current device.
    max_length : int, optional
        Truncate longer texts.
    policy : {'par', 'seq'}, default 'par'
        Threads over positions in the compiled module.

    Returns
    -------
    list of TextThermodynamics
        One per text, in order.
    """
    ids = tokenize(tokenizer, texts, max_length)
    dev = _device(model, device)
    kwargs = _forward_kwargs(model)
    results: list = [None] * len(ids)
    with _evaluation(model):
        for batch in batches(ids, batch_size, dev, pad_token_id(tokenizer)):
            logits = _host(model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, **kwargs).logits)
            for b, (s, n) in enumerate(zip(batch.sequences, batch.lengths)):
                rows = logits[b, :n]  # a view: read in place by the compiled module
                t = _core.thermodynamics(rows, temperature, policy=policy)
                surprisal = np.full(n, np.nan)
                if n > 1:
                    targets = np.asarray(ids[s][1:], dtype=np.int64)
                    surprisal[:-1] = _core.cross_entropy_from_logits(logits[b, :n - 1], targets, policy=policy)
                results[s] = TextThermodynamics(texts[s], np.asarray(ids[s], dtype=np.int64), float(temperature),
                                                t.log_partition, t.internal_energy, t.free_energy, t.entropy,
                                                t.heat_capacity, surprisal)
            del logits
    return results
