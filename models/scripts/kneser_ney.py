"""Interpolated Kneser-Ney n-gram baseline for the README's table, in numpy.

The recursion of include/infoscale/lm/ngram_lm.hpp (Chen & Goodman 1998, eq. 17): one absolute
discount per order, raw counts at the top order, continuation counts N1+(. g w) below it (the
chapter start counting as one left neighbour), the uniform law 1/V at the bottom, a context never
seen passing its lower order through. Documents (chapters, ending in the end-of-text token) are the
sentences: contexts never cross them. Unlike the C++ class (one D for all orders, 0.75 by
default) D_k = n1 / (n1 + 2 n2) per order from that order's count-of-counts (Ney et al. 1994),
a standard estimate. N-grams are coded as int64 with 12 bits per token
(V = 4096, orders <= 5).
"""

import numpy as np

BITS = 12


def _codes(doc_ids, k, positions_from):
    """Codes of the (k+1)-grams ending at each position i >= positions_from of each document
    (leftmost token most significant); returns codes and the per-document position masks."""
    out = []
    for x in doc_ids:
        n = len(x)
        if n <= positions_from:
            continue
        c = np.zeros(n - positions_from, np.int64)
        for j in range(k + 1):  # token at i - k + j
            c = (c << BITS) | x[positions_from - k + j:n - k + j]
        out.append(c)
    return np.concatenate(out) if out else np.zeros(0, np.int64)


class KneserNey:
    def __init__(self, docs, order, vocab):
        """docs: list of int arrays (each a document's token ids, end token included)."""
        assert 1 <= order <= 5 and vocab <= 1 << BITS
        self.order, self.V = order, vocab
        self.levels = []
        for k in range(order):  # level k: context of k tokens
            if k == order - 1:
                keys, counts = np.unique(_codes(docs, k, k), return_counts=True)
            else:
                # distinct left neighbours: distinct (k+2)-grams by suffix, plus one for a start
                longer = np.unique(_codes(docs, k + 1, k + 1)) & ((1 << (BITS * (k + 1))) - 1)
                starts = np.unique(np.concatenate([_codes([x[:k + 1]], k, k) for x in docs if len(x) > k]))
                keys, counts = np.unique(np.concatenate([longer, starts]), return_counts=True)
            ctx = keys >> BITS
            cu, inv = np.unique(ctx, return_inverse=True)
            total = np.bincount(inv, weights=counts)
            types = np.bincount(inv)
            n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
            d = n1 / (n1 + 2 * n2) if n1 + n2 > 0 else 0.5
            self.levels.append((keys, counts.astype(np.float64), cu, total, types.astype(np.float64), d))

    def logprobs(self, docs):
        """Natural-log probability of every token of every document (from its first token on)."""
        out = []
        for x in docs:
            n = len(x)
            p = np.full(n, 1.0 / self.V)
            for k, (keys, counts, cu, total, types, d) in enumerate(self.levels):
                if n <= k:
                    break
                i0 = k  # positions with at least k tokens of context
                gw = _codes([x], k, i0)
                g = gw >> BITS
                j = np.clip(np.searchsorted(cu, g), 0, len(cu) - 1)
                seen = cu[j] == g
                m = np.clip(np.searchsorted(keys, gw), 0, len(keys) - 1)
                c = np.where(keys[m] == gw, counts[m], 0.0)
                tot, typ = np.where(seen, total[j], 1.0), np.where(seen, types[j], 0.0)
                lower = p[i0:]
                p[i0:] = np.where(seen, np.maximum(c - d, 0.0) / tot + d * typ / tot * lower, lower)
            out.append(np.log(p))
        return np.concatenate(out)


def unigram_logprobs(train_docs, docs, vocab):
    """Add-one unigram of the training tokens."""
    counts = np.bincount(np.concatenate(train_docs), minlength=vocab) + 1.0
    lp = np.log(counts / counts.sum())
    return np.concatenate([lp[x] for x in docs])
