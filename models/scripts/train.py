#!/usr/bin/env python3
"""Train one Austen decoder (LlamaForCausalLM or GPT2LMHeadModel) on corpus/train.txt and save it
with save_pretrained as fp16 safetensors + config.json + generation_config.json, plus the training
curve (training_log.json beside the weights).

    python models/scripts/train.py --arch llama --width 128 --seed 1 --order-seed 11 --out models/austen/llama-a
    python models/scripts/train.py --arch llama --width 64 --teacher models/austen/llama-a --out .../llama-student
    python models/scripts/train.py --quick --out /tmp/q     # a few steps of a tiny model (the test)

One thread, deterministic algorithms, fixed seeds: the weights seed (--seed) and the data-order seed
(--order-seed) are separate, so "run a" and "run b" differ in both. Data: the training tokens as one
stream (chapters end in the end-of-text token); each epoch cuts it into windows of --seq + 1 tokens
at a random offset and visits them in a random order. AdamW, linear warm-up, cosine decay to 10%.
Every --eval-every steps the loss on a fixed held-out slice is logged for the training curve only;
nothing is selected on it (the last step is saved).
"""

import argparse
import json
import math
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
AUSTEN = os.path.join(os.path.dirname(HERE), "austen")
EOT = "<|endoftext|>"


def load_tokens(split, tokenizer_dir, chars=None):
    from transformers import PreTrainedTokenizerFast
    tok = PreTrainedTokenizerFast.from_pretrained(tokenizer_dir)
    text = open(os.path.join(AUSTEN, "corpus", f"{split}.txt"), encoding="utf-8").read(chars)
    return np.asarray(tok(text)["input_ids"], dtype=np.int64), tok


def make_config(arch, width, layers, heads, vocab, positions):
    if arch == "llama":
        from transformers import LlamaConfig
        # SwiGLU hidden size ~ 8/3 width (the LLaMA recipe), rounded up to a multiple of 16
        inter = int(math.ceil(8 * width / 3 / 16) * 16)
        return LlamaConfig(vocab_size=vocab, hidden_size=width, intermediate_size=inter,
                           num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=heads,
                           max_position_embeddings=positions, rms_norm_eps=1e-5, rope_theta=10000.0,
                           attention_bias=False, mlp_bias=False, tie_word_embeddings=True,
                           bos_token_id=0, eos_token_id=0, attn_implementation="eager")
    from transformers import GPT2Config
    return GPT2Config(vocab_size=vocab, n_embd=width, n_layer=layers, n_head=heads, n_positions=positions,
                      n_inner=4 * width, activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0,
                      attn_pdrop=0.0, tie_word_embeddings=True, bos_token_id=0, eos_token_id=0,
                      attn_implementation="eager")


def windows(stream, seq, rng):
    """One epoch of (n, seq + 1) windows: random offset, random order."""
    off = int(rng.integers(0, seq + 1))
    n = (len(stream) - off) // (seq + 1)
    w = stream[off:off + n * (seq + 1)].reshape(n, seq + 1)
    return w[rng.permutation(n)]


def kl_student_teacher(logits_s, logits_t):
    """KL(p_S || p_T) per token, as written in entropic-scaling-kowalczyk eq. (3) (student first)."""
    ls, lt = F.log_softmax(logits_s, -1), F.log_softmax(logits_t, -1)
    return (ls.exp() * (ls - lt)).sum(-1).mean()


@torch.no_grad()
def heldout_loss(model, batch):
    model.eval()
    out = model(input_ids=batch[:, :-1]).logits
    model.train()
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), batch[:, 1:].reshape(-1)).item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=("llama", "gpt2"), default="llama")
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--positions", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--order-seed", type=int, default=11)
    ap.add_argument("--teacher", help="distil from this model: loss = KL(p_S||p_T) + lambda * CE (eq. 3)")
    ap.add_argument("--lam", type=float, default=1.0, help="lambda of eq. (3)")
    ap.add_argument("--eval-every", type=int, default=25)
    ap.add_argument("--tokenizer", default=os.path.join(AUSTEN, "tokenizer"))
    ap.add_argument("--quick", action="store_true", help="a few steps of a 12-layer, 16-wide model (tests)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.quick:
        args.width, args.heads, args.seq, args.batch, args.steps, args.warmup, args.eval_every = 16, 2, 32, 4, 3, 1, 2

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    chars = 100_000 if args.quick else None  # --quick: the first 100,000 characters of each split
    train, tok = load_tokens("train", args.tokenizer, chars)
    held, _ = load_tokens("heldout", args.tokenizer, chars)
    # fixed held-out slice for the curve: 16 windows spread over the held-out stream
    starts = np.linspace(0, len(held) - args.seq - 2, 16).astype(np.int64)
    held_batch = torch.from_numpy(np.stack([held[s:s + args.seq + 1] for s in starts]))

    from transformers import AutoModelForCausalLM, GenerationConfig
    config = make_config(args.arch, args.width, args.layers, args.heads, len(tok), args.positions)
    # trained with PyTorch's fused attention (same function, faster on one thread); the saved config
    # says "eager" so output_attentions works for the analyses
    model = AutoModelForCausalLM.from_config(config, attn_implementation="sdpa")
    model.train()
    teacher = None
    if args.teacher:
        teacher = AutoModelForCausalLM.from_pretrained(args.teacher, dtype=torch.float32,
                                                       attn_implementation="sdpa").eval()
    nparams = sum(p.numel() for p in model.parameters())
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": other, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        t = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))

    rng = np.random.default_rng(args.order_seed)
    epoch, queue, log = 0, np.empty((0, args.seq + 1), np.int64), []
    t0 = time.time()
    for step in range(args.steps):
        if len(queue) < args.batch:
            queue = np.concatenate([queue, windows(train, args.seq, rng)])
            epoch += 1
        batch, queue = torch.from_numpy(queue[:args.batch]), queue[args.batch:]
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        logits = model(input_ids=batch[:, :-1]).logits
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        loss = ce
        if teacher is not None:
            with torch.no_grad():
                logits_t = teacher(input_ids=batch[:, :-1]).logits
            # entropic-scaling-kowalczyk eq. (3): L_distill = KL(p_S || p_T) + lambda * L_task
            loss = kl_student_teacher(logits, logits_t) + args.lam * ce
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        row = {"step": step + 1, "tokens": (step + 1) * args.batch * args.seq, "epoch": epoch,
               "train_ce": round(ce.item(), 5), "loss": round(loss.item(), 5), "seconds": round(time.time() - t0, 1)}
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            row["heldout_ce"] = round(heldout_loss(model, held_batch), 5)
            el = time.time() - t0
            print(f"step {step + 1}/{args.steps} ce {ce.item():.3f} held {row['heldout_ce']:.3f} "
                  f"{row['tokens'] / el:.0f} tok/s {el:.0f} s", flush=True)
        log.append(row)

    seconds = time.time() - t0
    os.makedirs(args.out, exist_ok=True)
    model.config._attn_implementation = "eager"
    model.config.dtype = "float16"
    model.half().save_pretrained(args.out, safe_serialization=True)
    GenerationConfig(bos_token_id=0, eos_token_id=0, pad_token_id=0, do_sample=True, top_k=50,
                     max_new_tokens=64).save_pretrained(args.out)
    meta = {k: v for k, v in vars(args).items() if k not in ("out", "tokenizer")}
    meta.update(parameters=nparams, train_tokens=int(len(train)), seconds=round(seconds, 1),
                threads=torch.get_num_threads(), torch=torch.__version__, log=log)
    with open(os.path.join(args.out, "training_log.json"), "w") as f:
        json.dump(meta, f, indent=0)
    print(f"saved {args.out}: {nparams} parameters, {args.steps} steps in {seconds:.0f} s")


if __name__ == "__main__":
    main()
