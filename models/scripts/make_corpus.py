#!/usr/bin/env python3
"""The Austen corpus: the six novels of Debian's r-cran-janeaustenr (public domain), split by
chapter into train and held-out, written to models/austen/corpus/.

    (cd /tmp && apt-get download r-cran-janeaustenr)
    python models/scripts/make_corpus.py /tmp/r-cran-janeaustenr_*_all.deb

Only this script needs the .deb; everything downstream reads the committed corpus/ files.

Text: the package stores each novel as hard-wrapped lines; lines of one paragraph are joined with
single spaces (runs of spaces collapsed), paragraphs end in one newline. A chapter starts at a line
"CHAPTER n" / "Chapter n" (arabic or roman); the front matter before chapter 1 is chapter 0.
Every chapter ends in the end-of-text token, so documents never run into each other.

Split: chapter c of a novel (c >= 1, counted through the whole book, Emma's volumes included) is
held out when c % 10 == 5, i.e. chapters 5, 15, 25, ... of each novel, about 10% of the text, spread
over all six novels and their whole length. The split is written to corpus/split.tsv.
"""

import argparse
import gzip
import importlib.util
import os
import re
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "models", "austen", "corpus")
EOT = "<|endoftext|>"
# publication order
NOVELS = ("sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion")
CHAPTER = re.compile(r"^(CHAPTER|Chapter) ([0-9]+|[IVXLC]+)\.?$")


def _rdata_reader():
    # The R-serialization and .deb readers of tests/fixtures/make_char_lm.py, reused as they are.
    path = os.path.join(ROOT, "tests", "fixtures", "make_char_lm.py")
    spec = importlib.util.spec_from_file_location("make_char_lm", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def novel_lines(deb):
    m = _rdata_reader()
    rdx = m._deb_member(deb, "janeaustenr/data/Rdata.rdx")
    rdb = m._deb_member(deb, "janeaustenr/data/Rdata.rdb")
    index = m._RUnserializer(gzip.decompress(rdx)).value["variables"]
    for name in NOVELS:
        off, n = (int(x) for x in index[name])
        yield name, m._RUnserializer(zlib.decompress(rdb[off + 4:off + n])).value


def chapters(lines):
    """[(heading, text)]: the front matter, then one entry per chapter, paragraphs unwrapped."""
    out, heading, para, paras = [], "front matter", [], []

    def flush_para():
        if para:
            paras.append(re.sub(r"\s+", " ", " ".join(para)).strip())
            para.clear()

    for line in lines:
        s = line.strip()
        if CHAPTER.match(s):
            flush_para()
            out.append((heading, paras))
            heading, paras = s, [s]
        elif s:
            para.append(s)
        else:
            flush_para()
    flush_para()
    out.append((heading, paras))
    return [(h, "\n".join(p) + "\n") for h, p in out]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("deb", help="r-cran-janeaustenr_*_all.deb")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    parts = {"train": [], "heldout": []}
    rows = ["novel\tchapter\theading\tsplit\tcharacters"]
    for name, lines in novel_lines(args.deb):
        for c, (heading, text) in enumerate(chapters(lines)):
            split = "heldout" if c >= 1 and c % 10 == 5 else "train"
            parts[split].append(text + EOT)
            rows.append(f"{name}\t{c}\t{heading}\t{split}\t{len(text)}")
    for split, docs in parts.items():
        with open(os.path.join(OUT, f"{split}.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(docs))
        print(f"{split}: {len(docs)} chapters, {sum(map(len, docs))} characters")
    with open(os.path.join(OUT, "split.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
