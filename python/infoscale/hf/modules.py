"""Which modules of a Hugging Face model produce the hidden states and the attention maps.

transformers (5.x) collects ``output_hidden_states`` and ``output_attentions`` with forward hooks
on the module classes each model declares in ``_can_record_outputs`` (for BERT
``{"hidden_states": BertLayer, "attentions": BertSelfAttention}``; for GPT-2 an ``OutputRecorder``
of ``GPT2Attention`` restricted to the submodules named ``attn``). The collector hooks the same
modules itself, so that it can reduce each layer as it is produced instead of receiving all of
them at the end. Models that declare nothing can be handled by passing the modules explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import torch


@dataclass
class Taps:
    """The modules to hook: ``blocks[l]`` outputs hidden state l+1 (the input of ``blocks[0]`` is
    hidden state 0), and ``attentions[l]`` returns layer l+1's attention probabilities at
    ``attention_index`` of its output tuple (``hidden_index`` likewise for the blocks)."""

    blocks: list
    attentions: list
    hidden_index: int = 0
    attention_index: int = 1


def _specs(spec: Any) -> list:
    return list(spec) if isinstance(spec, (list, tuple)) else [spec]


def _matches(s: Any, module: torch.nn.Module, name: str) -> bool:
    """transformers' own rule (utils/output_capturing.py): a class, a class-name suffix of the
    module's name, or an OutputRecorder (class or name, optionally restricted by layer name)."""
    if isinstance(s, type):
        return isinstance(module, s)
    if isinstance(s, str):
        return name.endswith(s)
    target, class_name, layer_name = s.target_class, s.class_name, s.layer_name
    hit = (target is not None and isinstance(module, target)) or (class_name is not None and name.endswith(class_name))
    if hit and layer_name is not None:
        hit = "." + layer_name.strip(".") + "." in "." + name + "."
    return hit


def _collect(model: torch.nn.Module, spec: Any, default_index: int) -> tuple:
    """The modules matching any of the specs, in registration order, and the recorded index."""
    modules, index = [], default_index
    for name, module in model.named_modules():
        for s in _specs(spec):
            if _matches(s, module, name):
                modules.append(module)
                if not isinstance(s, (type, str)):
                    index = int(s.index)
                break
    return modules, index


def layer_count(model: torch.nn.Module) -> Optional[int]:
    """The number of transformer layers in the model's (text) config, if it states one."""
    config = getattr(model, "config", None)
    if config is None:
        return None
    if hasattr(config, "get_text_config"):
        config = config.get_text_config()
    for key in ("num_hidden_layers", "n_layer", "num_layers"):
        if isinstance(getattr(config, key, None), int):
            return getattr(config, key)
    return None


def find_taps(model: torch.nn.Module, blocks: Optional[Sequence[torch.nn.Module]] = None,
              attentions: Optional[Sequence[torch.nn.Module]] = None) -> Taps:
    """The modules to hook in `model` (a transformers base model, e.g. ``BertModel``, ``GPT2Model``).

    Parameters
    ----------
    model : torch.nn.Module
    blocks, attentions : sequence of torch.nn.Module, optional
        Override the discovery: the transformer blocks in execution order, and the attention
        modules returning (output, probabilities, ...).

    Raises
    ------
    ValueError
        When the model declares no recordable hidden states and no blocks were given, or the
        number of blocks found differs from the config's layer count.
    """
    spec = getattr(type(model), "_can_record_outputs", None) or {}
    hidden_index, attention_index = 0, 1
    if blocks is None:
        if "hidden_states" not in spec:
            raise ValueError(f"{type(model).__name__} declares no hidden-state modules (_can_record_outputs); "
                             "pass blocks=[...], its transformer blocks in order")
        blocks, hidden_index = _collect(model, spec["hidden_states"], 0)
    if attentions is None:
        attentions = []
        if "attentions" in spec:
            attentions, attention_index = _collect(model, spec["attentions"], 1)
    expected = layer_count(model)
    if expected is not None and len(blocks) != expected:
        raise ValueError(f"found {len(blocks)} transformer blocks in {type(model).__name__} but its config has "
                         f"{expected} layers; pass blocks=[...]")
    if attentions and len(attentions) != len(blocks):
        raise ValueError(f"found {len(attentions)} attention modules for {len(blocks)} blocks; "
                         "pass attentions=[...]")
    return Taps(list(blocks), list(attentions), hidden_index, attention_index)
