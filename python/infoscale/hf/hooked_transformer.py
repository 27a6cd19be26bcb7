"""A TransformerLens ``HookedTransformer`` as a model source for the collector.

The collector's consumers receive the same tensors as from a transformers model, read at the
HookedTransformer's own hook points: hidden state 0 is ``blocks.0.hook_resid_pre`` (token plus
position embedding), hidden state l the residual stream after block l-1 (``blocks.{l-1}.hook_resid_post``),
and the last one the output of ``ln_final`` (as transformers' ``hidden_states[-1]`` is after the
final norm; the last block's ``hook_resid_post`` when the model has no final norm). Attention l is
``blocks.{l}.attn.hook_pattern`` [batch, heads, query, key]. The hooks hand each tensor on as it is
made (``model.hooks``), so nothing is cached beyond what the consumer keeps: memory is that of the
Hugging Face path. Batches are the collector's (right-padded, with the attention mask passed to the
model), token ids are the given tokenizer's, so TransformerLens's ``prepend_bos`` does not apply.

Weight processing changes the residual stream: ``from_pretrained``'s defaults (``fold_ln``,
``center_writing_weights``, ``center_unembed``, ``fold_value_biases``) fold the LayerNorm scales
into the next weights and centre what blocks write, so ``hook_resid_*`` then differ from the
original model's hidden states (CKA and the probes see a transformed stream; ``ln_final`` becomes
a bare normalisation; on the shipped GPT-2, CKA moves by 4e-3 and E(l) by 5e-2, attention not at all). To analyse the model as trained, load it with
``HookedTransformer.from_pretrained_no_processing`` or ``load_and_process_state_dict(..., fold_ln=False,
center_writing_weights=False, center_unembed=False, fold_value_biases=False)``; the report then
equals the transformers model's (tested on the shipped GPT-2).
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import torch

from .. import _core
from .batches import Batch


def _raise(argument: str, problem: str) -> None:
    raise _core.Error(f"infoscale::hf (HookedTransformer): argument '{argument}' {problem}")


def is_hooked_transformer(model: Any) -> bool:
    """Whether `model` is a ``transformer_lens.HookedTransformer``; transformer_lens is not imported
    for this (a model of that class can only exist once it has been)."""
    module = sys.modules.get("transformer_lens.HookedTransformer")
    cls = getattr(module, "HookedTransformer", None)
    return isinstance(cls, type) and isinstance(model, cls)


class HookedForward:
    """One HookedTransformer forward pass per batch, its hook points feeding the consumer."""

    def __init__(self, model: torch.nn.Module, attentions: bool, blocks: Any, attention_modules: Any) -> None:
        for name, given in (("blocks", blocks), ("attention_modules", attention_modules)):
            if given is not None:
                _raise(name, "applies to Hugging Face models only: a HookedTransformer's layers are read at its "
                             "hook points")
        self.model = model
        self.layers = int(model.cfg.n_layers)
        self.attentions = attentions
        self.final_norm = model.ln_final if getattr(model.cfg, "normalization_type", None) is not None else None
        names = [f"blocks.{l}.attn.hook_pattern" for l in range(self.layers)] if attentions else []
        missing = [n for n in names if n not in model.hook_dict]
        if missing:
            _raise("attentions", f"is True but the model has no attention pattern hook {missing[0]!r}; pass "
                                 "attentions=False")

    @staticmethod
    def source(model: torch.nn.Module) -> str:
        return str(getattr(model.cfg, "model_name", "") or type(model).__name__)

    def _check(self, batch: Batch) -> None:
        """What would otherwise be an IndexError deep inside the embedding."""
        cfg = self.model.cfg
        top = int(batch.input_ids.max())
        if top >= cfg.d_vocab:
            _raise("tokenizer", f"gives token id {top}, but the model's vocabulary has {cfg.d_vocab} ids")
        if batch.input_ids.shape[1] > cfg.n_ctx:
            _raise("max_length", f"is needed: a text has {batch.input_ids.shape[1]} tokens, the model's context "
                                 f"is {cfg.n_ctx}")

    def __call__(self, batch: Batch, consumer: Any) -> None:
        self._check(batch)
        seen = {"hidden": set(), "attention": set()}

        def tap(kind: str, l: int, emit: Callable[[int, torch.Tensor], None]) -> Callable:
            def hook(t: torch.Tensor, hook: Any = None) -> None:
                seen[kind].add(l)
                emit(l, t)

            return hook

        last = self.layers
        fwd = [("blocks.0.hook_resid_pre", tap("hidden", 0, consumer.on_hidden))]
        fwd += [(f"blocks.{l}.hook_resid_post", tap("hidden", l + 1, consumer.on_hidden))
                for l in range(last if self.final_norm is None else last - 1)]
        if self.attentions:
            fwd += [(f"blocks.{l}.attn.hook_pattern", tap("attention", l, consumer.on_attention))
                    for l in range(last)]
        # ln_final's output carries its weight and bias, which no hook point sees (hook_normalized is before).
        handle = None
        if self.final_norm is not None:
            final = tap("hidden", last, consumer.on_hidden)
            handle = self.final_norm.register_forward_hook(lambda module, args, out: final(out))
        try:
            with self.model.hooks(fwd_hooks=fwd):
                self.model(batch.input_ids, return_type=None, attention_mask=batch.attention_mask)
        finally:
            if handle is not None:
                handle.remove()
        if len(seen["hidden"]) != last + 1 or len(seen["attention"]) != (last if self.attentions else 0):
            _raise("model", f"ran without calling every hook (hidden states {sorted(seen['hidden'])}, attention "
                            f"patterns {sorted(seen['attention'])} of {last} layers)")
