#!/usr/bin/env python3
"""f16 GGUF copies of the two LLaMA runs, written by llama.cpp's own converter
(convert_hf_to_gguf.py of the llama.cpp vendored in the pinned llama-cpp-python 0.3.36 sdist,
ggml-org/llama.cpp@0c1e570, with its gguf-py), into models/austen/gguf/.

    pip download --no-deps --no-binary :all: --no-build-isolation llama-cpp-python==0.3.36 -d /tmp/l
    tar -xzf /tmp/l/llama_cpp_python-0.3.36.tar.gz -C /tmp/l llama_cpp_python-0.3.36/vendor/llama.cpp
    /work/main/.venv/bin/python models/scripts/make_gguf.py /tmp/l/llama_cpp_python-0.3.36/vendor/llama.cpp

(the converter imports torch and transformers: run it with the venv that has them.)

Pre-tokenizer: the converter names a BPE tokenizer's pre-tokenizer by hashing the ids it gives a
fixed test string and refuses hashes it does not list, as this project's own tokenizer's is. The
wrapper below lets it through only when the tokenizer really is the Austen one (tokenizer.json's
pre-tokenizer is byte-level with GPT-2's regex and no prefix space, vocabulary 4096) and then writes
"gpt-2", the llama.cpp pre-tokenizer with that regex; any other unknown tokenizer still fails.
The converter itself is not modified.

Fixture for tests/llama_cpp/test_austen_gguf.cpp (models/austen/gguf/fixture/): a fixed held-out
slice (the end-of-text token, then the first 23 tokens of labels/ segment 0), its text, and per
model transformers' float32 forward pass on the fp16 weights: logits (24 x 4096) and the hidden
states llama.cpp's adapter captures (embd = the token embeddings, l_out-N = the output of decoder
layer N, before the final norm), (13, 24, width). `--fixture-only` skips the conversion.

Greedy fixture (Experiment 2's baseline must be the same generations in both back ends):
greedy-prompts.npy, 4 prompts (the end-of-text token, then the first 8 tokens of labels/ segments
0-3), and per model <name>-greedy.npy (4, 32): transformers' greedy continuation (float32 on the
fp16 weights, KV cache on, argmax of the raw logits), and <name>-greedy-margin.npy (4, 32): the top-1 minus top-2 logit at
each step, so a test can tell a real disagreement from a near-tie. `--greedy-only` writes only these.
"""

import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
AUSTEN = os.path.join(os.path.dirname(HERE), "austen")
MODELS = ("llama-a", "llama-b")


def is_austen_tokenizer(tokenizer):
    pre = json.loads(tokenizer.backend_tokenizer.to_str())["pre_tokenizer"]
    return (len(tokenizer) == 4096 and pre.get("type") == "ByteLevel" and pre.get("use_regex") is True
            and pre.get("add_prefix_space") is False)


def write_fixture():
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast
    torch.set_num_threads(1)
    out = os.path.join(AUSTEN, "gguf", "fixture")
    os.makedirs(out, exist_ok=True)
    tok = PreTrainedTokenizerFast.from_pretrained(os.path.join(AUSTEN, "tokenizer"))
    seg = np.load(os.path.join(AUSTEN, "labels", "tokens.npy"))[:23]
    ids = np.concatenate([[tok.eos_token_id], seg]).astype(np.int32)
    text = tok.decode(seg.tolist())
    assert tok(text)["input_ids"] == seg.tolist()
    with open(os.path.join(out, "slice.txt"), "w", encoding="utf-8", newline="") as f:
        f.write(text)
    np.save(os.path.join(out, "tokens.npy"), ids)
    for name in MODELS:
        model = AutoModelForCausalLM.from_pretrained(os.path.join(AUSTEN, name), dtype=torch.float32,
                                                     attn_implementation="eager").eval()
        states = []
        hooks = [model.model.embed_tokens.register_forward_hook(lambda m, i, o: states.append(o))]
        hooks += [layer.register_forward_hook(lambda m, i, o: states.append(o[0] if isinstance(o, tuple) else o))
                  for layer in model.model.layers]
        with torch.no_grad():
            logits = model(input_ids=torch.from_numpy(ids.astype(np.int64))[None]).logits[0]
        for h in hooks:
            h.remove()
        hidden = torch.stack([s.reshape(len(ids), -1) for s in states]).numpy().astype(np.float32)
        np.save(os.path.join(out, f"{name}-logits.npy"), logits.numpy().astype(np.float32))
        np.save(os.path.join(out, f"{name}-hidden.npy"), hidden)
        print(f"fixture {name}: logits {tuple(logits.shape)}, hidden {hidden.shape}")


GREEDY_PROMPTS, GREEDY_PROMPT_TOKENS, GREEDY_STEPS = 4, 8, 32


def write_greedy_fixture():
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast
    torch.set_num_threads(1)
    out = os.path.join(AUSTEN, "gguf", "fixture")
    tok = PreTrainedTokenizerFast.from_pretrained(os.path.join(AUSTEN, "tokenizer"))
    labels = os.path.join(AUSTEN, "labels")
    tokens, offsets = np.load(os.path.join(labels, "tokens.npy")), np.load(os.path.join(labels, "offsets.npy"))
    prompts = np.array([[tok.eos_token_id] + tokens[offsets[i]:offsets[i] + GREEDY_PROMPT_TOKENS].tolist()
                        for i in range(GREEDY_PROMPTS)], dtype=np.int32)
    np.save(os.path.join(out, "greedy-prompts.npy"), prompts)
    for name in MODELS:
        model = AutoModelForCausalLM.from_pretrained(os.path.join(AUSTEN, name), dtype=torch.float32).eval()
        generated, margins = [], []
        for p in prompts:  # argmax of the raw logits, end-of-text allowed, as the llama.cpp test decodes
            ids, past, steps, margin = torch.from_numpy(p.astype(np.int64))[None], None, [], []
            with torch.no_grad():
                for _ in range(GREEDY_STEPS):
                    r = model(input_ids=ids, past_key_values=past, use_cache=True)
                    past, row = r.past_key_values, r.logits[0, -1]
                    top = torch.topk(row, 2).values
                    margin.append(float(top[0] - top[1]))
                    steps.append(int(torch.argmax(row)))
                    ids = torch.tensor([[steps[-1]]])
            generated.append(steps)
            margins.append(margin)
        np.save(os.path.join(out, f"{name}-greedy.npy"), np.array(generated, dtype=np.int32))
        np.save(os.path.join(out, f"{name}-greedy-margin.npy"), np.array(margins, dtype=np.float32))
        print(f"greedy fixture {name}: smallest top-2 margin {np.min(margins):.4f}")


def main():
    if sys.argv[1:] == ["--fixture-only"]:
        return write_fixture()
    if sys.argv[1:] == ["--greedy-only"]:
        return write_greedy_fixture()
    llama_cpp = os.path.abspath(sys.argv[1])
    sys.path.insert(0, llama_cpp)
    sys.path.insert(1, os.path.join(llama_cpp, "gguf-py"))
    import convert_hf_to_gguf
    from conversion.base import TextModel

    original = TextModel.get_vocab_base_pre

    def get_vocab_base_pre(self, tokenizer):
        try:
            return original(self, tokenizer)
        except NotImplementedError:
            if is_austen_tokenizer(tokenizer):
                print("make_gguf.py: the unlisted hash above is the Austen tokenizer's: pre-tokenizer 'gpt-2'")
                return "gpt-2"
            raise

    TextModel.get_vocab_base_pre = get_vocab_base_pre

    # The LLaMA converter first tries a SentencePiece tokenizer.model and imports sentencepiece to
    # look for it; the Austen folders have none, so say so as the converter would with the module
    # installed (FileNotFoundError), and it falls through to the tokenizer.json (GPT-2 BPE) path.
    original_sp = TextModel._create_vocab_sentencepiece

    def create_vocab_sentencepiece(self):
        if not (self.dir_model / "tokenizer.model").is_file():
            raise FileNotFoundError(self.dir_model / "tokenizer.model")
        return original_sp(self)

    TextModel._create_vocab_sentencepiece = create_vocab_sentencepiece
    out = os.path.join(AUSTEN, "gguf")
    os.makedirs(out, exist_ok=True)
    for name in MODELS:
        with tempfile.TemporaryDirectory() as stage:  # the converter reads weights and tokenizer from one folder
            for d in (os.path.join(AUSTEN, name), os.path.join(AUSTEN, "tokenizer")):
                for f in os.listdir(d):
                    if f.endswith((".json", ".safetensors")) and f != "training_log.json":
                        shutil.copy(os.path.join(d, f), stage)
            target = os.path.join(out, f"austen-{name}-f16.gguf")
            sys.argv = ["convert_hf_to_gguf.py", stage, "--outtype", "f16", "--outfile", target,
                        "--model-name", f"austen-{name}"]
            convert_hf_to_gguf.main()
            print(f"wrote {target}: {os.path.getsize(target)} bytes")
    write_fixture()
    write_greedy_fixture()


if __name__ == "__main__":
    main()
