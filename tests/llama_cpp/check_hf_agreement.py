"""S_L(s) of the shipped austen-llama-a through llama.cpp (`infoscale entropy-function --json`, the
GGUF) against the same library Monte Carlo through Hugging Face (infoscale.hf.plm.DecoderPLM, the
safetensors): same seed, streams, samples and max_length, so the draws share their uniforms and
differ only where f16 noise flips a near-tie. Fails unless every prompt agrees within 4 combined
standard errors (issue 20: HF and llama.cpp give the same S_L within Monte Carlo error).

    python tests/llama_cpp/check_hf_agreement.py build/llama-cpp/thermo_llama_a.json
"""
import json
import sys

import numpy as np

from infoscale import lm
from infoscale.hf.plm import DecoderPLM
from infoscale.models import load_shipped


def main(path: str) -> int:
    run = json.load(open(path, encoding="utf-8"))
    model, tok = load_shipped("llama-a")
    plm = DecoderPLM(model, tok)  # prepends BOS = 0 itself, as the program's preamble does
    worst = 0.0
    for i, p in enumerate(run["prompts"]):
        tokens = p["tokens"]
        if not tokens or tokens[0] != tok.bos_token_id:
            raise SystemExit(f"{path}: prompt {i} does not start with BOS {tok.bos_token_id}")
        r = lm.entropy_function_monte_carlo(plm.lm(run["temperature"]), tokens[1:], samples=run["samples"],
                                            max_length=run["max_length"], seed=run["seed"], stream=i)
        z = (r.chain_rule.entropy - p["entropy"]) / np.hypot(r.chain_rule.standard_error, p["standard_error"])
        worst = max(worst, abs(z))
        print(f"prompt {i}: HF {r.chain_rule.entropy:.3f} +- {r.chain_rule.standard_error:.3f}, llama.cpp "
              f"{p['entropy']:.3f} +- {p['standard_error']:.3f} nats, z = {z:+.2f}")
    print(f"largest |z| = {worst:.2f} (must be < 4)")
    return 0 if worst < 4.0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
