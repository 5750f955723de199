"""Scoring speed against the authors' approach, same model and same items in one run.

    python perf/scoring_speed.py [--model tiny-l|gemma3-270m] [--items 100] [--questions 60]

1. Perplexity against distractors (format 1): `doit_nb.scoring.reply_nll` (each item's prompt and candidates as one
   prefix tree under a tree attention mask, trees packed into rows, output layer only on reply nodes) against one
   unbatched forward with full logits per candidate (the authors' pred.py).
   Decisions (ground truth strictly below both distractors) must be identical; target speed-up >= 3x.
2. Public benchmarks: `doit_nb.benchmarks.letter_predictions` (one batched forward per question, letter logits)
   against per-option log-likelihood (one forward per option). Argmax must be identical; target >= 3x.
3. The roofline of scoring: one checkpoint scored on a whole split (every ability, `score_items`) against the model's
   plain forward throughput on the same number of tokens (full blocks, no padding, no generation loop), and the
   fixed cost of a sweep run: starting a papermill kernel, importing the modules a run uses, loading a model.
"""
import argparse, os, subprocess, sys, tempfile, time
from pathlib import Path

os.environ.setdefault("DOIT_PROGRESS", "0")
import torch
from doit_nb.core import public_data_dir
from doit_nb.layout import build_data, DoitData
from doit_nb.sample import SampleSource
from doit_nb.models import foundation_model, load_model, params_label, n_params
from doit_nb.core import ALL_TYPES
from doit_nb.scoring import ScoreSettings, prompt_ids, reply_ids, reply_nll, reply_nll_reference, ppl_hit, prefix_tree, score_items
from doit_nb.benchmarks import load_benchmark, bench_messages, letter_predictions, option_loglik_reference


def timed(fn):
    t = time.perf_counter(); out = fn(); return out, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="tiny-l"); ap.add_argument("--items", type=int, default=100)
    ap.add_argument("--questions", type=int, default=60)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="perf-score-"))
    data = build_data(SampleSource(size=64, eval_size=a.items, synthetic_size=10), work / "data")
    model, tok = load_model(foundation_model(a.model, data, cache=None if a.model == "gemma3-270m" else work / "cache"))
    print(f"model {a.model} ({params_label(n_params(model))} parameters, vocabulary {len(tok)}), torch threads {torch.get_num_threads()}")

    recs = [r for t in ("code", "creative_writing", "role_play") for r in DoitData(data).records("test")[t]]
    pairs = [(prompt_ids(tok, r["messages"][:-1]), reply_ids(tok, c)) for r in recs for c in r["choices"]]
    reply_nll(model, pairs[:30], pad_id=tok.pad_token_id); reply_nll_reference(model, pairs[:30])  # warm both up
    fast, t_fast = timed(lambda: reply_nll(model, pairs, pad_id=tok.pad_token_id))
    ref, t_ref = timed(lambda: reply_nll_reference(model, pairs))
    dec = lambda v: [ppl_hit(v[i:i + 3]) for i in range(0, len(v), 3)]
    same = dec(fast) == dec(ref)
    packed = sum(len(prefix_tree(p, [reply_ids(tok, c) for c in r["choices"]])["tokens"])
                 for r, p in zip(recs, (pairs[i][0] for i in range(0, len(pairs), 3))))
    print(f"\nformat 1: {len(recs)} items x 3 candidates; tokens through the model: authors "
          f"{sum(len(p) + len(r) for p, r in pairs)}, prefix trees {packed}")
    print(f"  authors' way (unbatched, full logits): {t_ref:7.2f}s")
    print(f"  doit-nb (prefix trees, packed rows) : {t_fast:7.2f}s")
    print(f"  speed-up {t_ref / t_fast:.1f}x (target >= 3x); identical decisions: {same}; max |diff| {max(abs(x - y) for x, y in zip(fast, ref)):.2e}")

    if public_data_dir().is_dir():
        subs = ["agronomy", "anatomy", "ancient_chinese"]
        per = max(1, a.questions // len(subs))
        items = [it for s in subs for it in load_benchmark("cmmlu", only=[s])[:per]]
        dev = {s: load_benchmark("cmmlu", "dev", only=[s]) for s in subs}
        ps = [prompt_ids(tok, bench_messages(it, dev[it.subject])) for it in items]
        fast, t_fast = timed(lambda: letter_predictions(model, tok, ps, [4] * len(ps)))
        ref, t_ref = timed(lambda: option_loglik_reference(model, tok, ps, [4] * len(ps)))
        print(f"\nCMMLU 5-shot: {len(items)} questions")
        print(f"  per-option log-likelihood          : {t_ref:7.2f}s")
        print(f"  letter logits, one batched forward : {t_fast:7.2f}s")
        print(f"  speed-up {t_ref / t_fast:.1f}x (target >= 3x); identical argmax: {fast == ref}")

    roofline(model, tok, data)
    fixed_cost(work)


def roofline(model, tok, data):
    "Seconds to score a split against seconds of plain forwards over the same number of tokens."
    recs = DoitData(data).records("valid")
    records = [r for t in ALL_TYPES for r in recs.get(t, [])]
    items, t_score = timed(lambda: score_items(model, tok, records, ScoreSettings(new_tokens={"math": 96})))
    prompts = sum(len(prompt_ids(tok, r["messages"][:-1])) for r in records)
    replies = sum(len(reply_ids(tok, c)) for r in records for c in (r.get("choices") or [r["messages"][-1]["content"]]))
    n = prompts + replies
    blocks = torch.randint(0, len(tok), (max(1, n // 256), 256))
    model.eval()
    def forward():
        with torch.no_grad():
            for b in range(0, len(blocks), 16): model(input_ids=blocks[b:b + 16])
    _, t_fwd = timed(forward)
    print(f"\nroofline: {len(records)} valid items, {n} prompt and reply tokens (generated tokens not counted)")
    print(f"  score_items (generation + perplexity): {t_score:7.2f}s")
    print(f"  plain forward over {blocks.numel()} tokens : {t_fwd:7.2f}s")
    print(f"  scoring takes {t_score / t_fwd:.1f}x the plain forward time")


def fixed_cost(work):
    "What a sweep run pays before it trains or scores anything."
    import nbformat
    from doit_nb.sweeps import execute_notebook
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, work / "empty.ipynb")
    _, t_kernel = timed(lambda: execute_notebook(work / "empty.ipynb", work / "empty-out.ipynb", {}, work))
    code = "import doit_nb.sweeps, doit_nb.recipes, doit_nb.sft, doit_nb.scoring, doit_nb.benchmarks"
    _, t_import = timed(lambda: subprocess.run([sys.executable, "-c", code], check=True, capture_output=True))
    _, t_python = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    print(f"\nfixed cost of a run: papermill kernel start and an empty notebook {t_kernel:.1f}s; "
          f"importing the run's modules {t_import - t_python:.1f}s (beyond a bare interpreter's {t_python:.2f}s)")


if __name__ == "__main__":
    main()
