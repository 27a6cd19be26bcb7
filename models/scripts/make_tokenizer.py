#!/usr/bin/env python3
"""Byte-level BPE tokenizer of the Austen models: vocabulary 4096 = 256 byte symbols + the
end-of-text token + 3839 merges, learnt on corpus/train.txt only. GPT-2's pre-tokenization
(its regex split, no prefix space), so llama.cpp's "gpt-2" pre-tokenizer splits text the same way
(see make_gguf.py). Writes models/austen/tokenizer/ (tokenizer.json, tokenizer_config.json), which
AutoTokenizer / PreTrainedTokenizerFast load offline.

    /work/main/.venv/bin/python models/scripts/make_tokenizer.py
"""

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # deterministic merge order, and the machine is shared

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
AUSTEN = os.path.join(os.path.dirname(HERE), "austen")
VOCAB = 4096
EOT = "<|endoftext|>"


def main():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=[EOT], min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    train = open(os.path.join(AUSTEN, "corpus", "train.txt"), encoding="utf-8").read()
    # one chapter per training "file": the end-of-text token itself never enters the merges
    tok.train_from_iterator(train.split(EOT), trainer=trainer)
    assert tok.get_vocab_size() == VOCAB and tok.token_to_id(EOT) == 0

    from transformers import PreTrainedTokenizerFast
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=EOT, eos_token=EOT, unk_token=EOT,
                                   model_max_length=256, clean_up_tokenization_spaces=False)
    out = os.path.join(AUSTEN, "tokenizer")
    fast.save_pretrained(out)
    held = open(os.path.join(AUSTEN, "corpus", "heldout.txt"), encoding="utf-8").read()
    ids = fast(held)["input_ids"]
    assert fast.decode(ids) == held
    print(f"wrote {out}: vocabulary {VOCAB}, train {len(tok.encode(train).ids)} tokens, "
          f"held-out {len(ids)} tokens ({len(held) / len(ids):.2f} characters per token)")


if __name__ == "__main__":
    main()
