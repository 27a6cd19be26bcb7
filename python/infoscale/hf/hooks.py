"""Forward hooks that hand each hidden state and attention map to a consumer as the model makes it.

Hidden state 0 is the input of the first block (a forward pre-hook), hidden state l the output of
block l; the last one is replaced, as transformers' ``output_hidden_states`` does, by the model's
``last_hidden_state`` when the model has one (that is, after a final norm such as GPT-2's ``ln_f``),
so the collector's hidden states are exactly those ``output_hidden_states=True`` would return.
Attention l is the probabilities returned by attention module l (``attn_implementation="eager"``:
SDPA and flash attention return none).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import torch

from .modules import Taps


class LayerHooks:
    """Context manager installing the hooks; ``finish(output)`` emits the deferred last layer.

    Parameters
    ----------
    taps : Taps
    on_hidden : callable(layer: int, tensor [batch, T, d])
    on_attention : callable(layer: int, tensor [batch, heads, T, T]), optional
        None: attention modules are not hooked.
    tie_last : bool, default True
        Take the last hidden state from the model output's ``last_hidden_state``.
    """

    def __init__(self, taps: Taps, on_hidden: Callable[[int, torch.Tensor], None],
                 on_attention: Optional[Callable[[int, torch.Tensor], None]] = None, tie_last: bool = True) -> None:
        self.taps = taps
        self.on_hidden = on_hidden
        self.on_attention = on_attention
        self.tie_last = tie_last
        self._handles: list = []
        self._pending: Optional[torch.Tensor] = None

    def __enter__(self) -> "LayerHooks":
        blocks = self.taps.blocks
        self._handles.append(blocks[0].register_forward_pre_hook(self._first_input, with_kwargs=True))
        for l, block in enumerate(blocks):
            self._handles.append(block.register_forward_hook(self._block_output(l)))
        if self.on_attention is not None:
            for l, module in enumerate(self.taps.attentions):
                self._handles.append(module.register_forward_hook(self._attention_output(l)))
        return self

    def __exit__(self, *exc: Any) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()
        self._pending = None

    def _first_input(self, module: torch.nn.Module, args: tuple, kwargs: dict) -> None:
        hidden = args[0] if args else kwargs.get("hidden_states")
        if not isinstance(hidden, torch.Tensor):
            raise ValueError(f"cannot find the hidden states entering {type(module).__name__}")
        self.on_hidden(0, hidden)

    def _block_output(self, l: int) -> Callable:
        last = l == len(self.taps.blocks) - 1

        def hook(module: torch.nn.Module, args: tuple, output: Any) -> None:
            hidden = output if isinstance(output, torch.Tensor) else output[self.taps.hidden_index]
            if last:
                self._pending = hidden
            else:
                self.on_hidden(l + 1, hidden)

        return hook

    def _attention_output(self, l: int) -> Callable:
        def hook(module: torch.nn.Module, args: tuple, output: Any) -> None:
            weights = None
            if isinstance(output, (tuple, list)) and len(output) > self.taps.attention_index:
                weights = output[self.taps.attention_index]
            if not isinstance(weights, torch.Tensor):
                raise ValueError(f"{type(module).__name__} returned no attention probabilities: load the model with "
                                 "attn_implementation='eager' (SDPA and flash attention do not compute them), or "
                                 "pass attentions=False")
            self.on_attention(l, weights)

        return hook

    def finish(self, output: Any) -> None:
        """Emits the last hidden state once the forward pass has returned its output."""
        last = getattr(output, "last_hidden_state", None) if self.tie_last else None
        if not isinstance(last, torch.Tensor):
            last = self._pending
        self._pending = None
        self.on_hidden(len(self.taps.blocks), last)
