"""Hugging Face models in, infoscale reports out (needs torch and transformers).

- :func:`layer_report` runs any transformers model over texts and returns the report of the
  command-line ``infoscale layers`` (CKA, attention drift, probes, fused evidence, boundaries with
  bootstrap CIs); ``stream=True`` reduces layers as they are produced instead of holding them.
- :func:`collect_layers` returns the hidden states and attentions themselves, laid out as the
  program's dump (:class:`LayerDump`, which can also be saved for the program).
- :func:`run_intervention` is the multi-scale paper's Experiment 2: seeded noise in one scale's
  blocks during ``generate``, behaviour (Self-BLEU, length variance, TTR, coherence), paired
  t-tests and brittleness (:class:`NoiseInjection` is the hook itself); :func:`noise_response` checks
  eq. (30) (loss rise per sigma^2 against 1/2 sum tr F, the model Fisher by Hutchinson) per scale.
- :func:`next_token_thermodynamics` gives a causal LM's per-position entropy, free energy and heat
  capacity through infoscale's thermo functions, reading the logits in place.

The collector also takes a TransformerLens ``HookedTransformer`` in place of a transformers model
(read at its hook points; see :mod:`infoscale.hf.hooked_transformer` on weight processing).

Nothing here downloads: load models and tokenizers yourself (``from_pretrained`` of a local folder
works offline with ``HF_HUB_OFFLINE=1``). Attention maps need ``attn_implementation="eager"``.
"""

from .collector import LayerDump, collect_layers, layer_analysis, layer_report
from .interventions import InterventionResult, NoiseInjection, run_intervention
from .modules import Taps, find_taps
from .noise_response import noise_response
from .thermo import TextThermodynamics, next_token_thermodynamics

__all__ = ["InterventionResult", "LayerDump", "NoiseInjection", "TextThermodynamics", "Taps", "collect_layers",
           "find_taps", "layer_analysis", "layer_report", "next_token_thermodynamics", "noise_response",
           "run_intervention"]
