"""Where one sweep run's time goes: kernel start, imports, model set-up, SFT steps, and scoring per split and epoch
(tokens and seconds each, split into the perplexity pass and generation, beside a plain forward pass over the same
tokens: the roofline scoring is measured against), and the fixed cost of a run on a fresh kernel against a warm one.

    python perf/run_profile.py [--profile default] [--run scaling-curated-40-tiny-m-seed0] [--out perf/reports]

It profiles one scaling run and one foundation run of the profile, on the profile's data and its pretrained foundation
models where a sweep has made them (else a freshly initialised model, which the report says). Times are wall seconds
on this machine, which is shared and noisy: read the ratios, not the absolute numbers."""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


def kernel_start() -> float:
    "Seconds papermill takes to start a kernel and run an empty notebook."
    import nbformat, papermill as pm
    with tempfile.TemporaryDirectory() as d:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
        nbformat.write(nb, f"{d}/e.ipynb")
        _, s = timed(pm.execute_notebook, f"{d}/e.ipynb", f"{d}/o.ipynb", kernel_name="python3", progress_bar=False,
                     log_output=False)
    return s


def warm_start() -> float:
    "Seconds a run's notebook costs on a worker's warm kernel (`sweeps.WarmKernel`) once the first one has run."
    import nbformat
    from doit_nb.sweeps import WarmKernel, execute_notebook
    with tempfile.TemporaryDirectory() as d:
        code = "import doit_nb.runs, doit_nb.sft, doit_nb.scoring"   # what a run imports, paid by the first notebook
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), f"{d}/e.ipynb")
        k = WarmKernel(d)
        try:
            execute_notebook(f"{d}/e.ipynb", f"{d}/o0.ipynb", {}, cwd=d, kernel=k)
            _, s = timed(execute_notebook, f"{d}/e.ipynb", f"{d}/o1.ipynb", {}, cwd=d, kernel=k)
        finally:
            k.close()
    return s


def imports() -> float:
    "Seconds a fresh interpreter takes to import what a run imports."
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import doit_nb.runs, doit_nb.sft, doit_nb.scoring"], check=True,
                   capture_output=True)
    return time.perf_counter() - t


def score_parts(ck, data, split, sc) -> dict:
    "One checkpoint on one split: perplexity and generation seconds and tokens, and a plain forward over those tokens."
    import torch
    from doit_nb.core import ALL_TYPES
    from doit_nb.layout import as_layout
    from doit_nb.records import parse_label, question_format
    from doit_nb.scoring import (load_for_scoring, prompt_ids, reply_ids, reply_nll, generate_replies, NEW_TOKENS,
                                 length_batches, pad_batch)
    (model, tok), setup = timed(load_for_scoring, ck)
    recs = as_layout(data).records(split)
    records = [r for t in ALL_TYPES for r in recs.get(t, [])[:sc.get("limit")]]
    pairs, by = [], {}
    for r in records:
        p = prompt_ids(tok, r["messages"][:-1])
        if question_format(r) == 1:
            pairs += [(p, reply_ids(tok, c)) for c in r["choices"]]
        else:
            pairs.append((p, reply_ids(tok, r["messages"][-1]["content"])))
            by.setdefault(parse_label(r)[0], []).append(p)
    _, nll_s = timed(reply_nll, model, pairs, batch_tokens=1024, pad_id=tok.pad_token_id)
    budgets = {**NEW_TOKENS, **(sc.get("max_new_tokens") or {})}
    gen_s = sum(timed(generate_replies, model, tok, ps, budgets[k], 16)[1] for k, ps in by.items())
    seqs = [a + b for a, b in pairs] + [p for ps in by.values() for p in ps]
    tokens = sum(map(len, seqs))

    def forward():   # the roofline: one no-grad forward over the same sequences, batched by length
        with torch.no_grad():
            for b in length_batches([len(s) for s in seqs], batch_tokens=1024):
                ids, att = pad_batch([seqs[k] for k in b], tok.pad_token_id)
                model.model(input_ids=ids, attention_mask=att)   # the body only: the scoring reads few logits
    _, roof = timed(forward)
    return dict(split=split, checkpoint=Path(ck).name, setup_s=round(setup, 2), tokens=tokens, nll_s=round(nll_s, 2),
                generate_s=round(gen_s, 2), forward_roofline_s=round(roof, 2),
                scoring_over_roofline=round((nll_s + gen_s) / roof, 2))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--run", default="scaling-curated-40-tiny-m-seed0", help="the scaling run to profile")
    ap.add_argument("--runs", default=str(ROOT / "runs"), help="where the profile's sweep keeps its foundations")
    ap.add_argument("--out", default=str(ROOT / "perf" / "reports"))
    a = ap.parse_args(argv)
    import torch
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    from doit_nb.runs import load_profile
    from doit_nb.sft import fine_tune
    from doit_nb.models import foundation_model
    from doit_nb.scoring import checkpoint_info
    prof = load_profile(a.profile)
    run = next(c for c in prof.runs if c.run_id == a.run)
    data = prof.ensure_data(Path(a.runs))
    found = sorted(Path(a.runs).glob(f"foundations/{run.model}-*/model"))
    base = found[-1] if found else foundation_model(run.model, data_dir=data)
    sc = prof.settings("score", run.model)
    rep = dict(profile=prof.name, run=run.run_id, foundation=str(base), pretrained=bool(found),
               kernel_start_s=round(kernel_start(), 2), imports_s=round(imports(), 2),
               warm_fixed_s=round(warm_start(), 2))
    with tempfile.TemporaryDirectory() as d:
        saved, rep["sft_s"] = timed(fine_tune, base, run.recipe, data, Path(d), prof.sft_settings(run.model, run.seed),
                                    seed=run.seed)
        rep["sft_s"] = round(rep["sft_s"], 2)
        at = [c for c in saved if checkpoint_info(c)["epoch"] in (sc.get("scored_epochs") or [])] or saved[-1:]
        rep["scoring"] = [score_parts(ck, data, "valid", sc) for ck in at] + [score_parts(at[-1], data, "test", sc)]
    rep["foundation_run"] = [score_parts(base, data, s, sc) for s in ("valid", "test")]
    parts = rep["scoring"]
    rep["scoring_s"] = round(sum(p["nll_s"] + p["generate_s"] + p["setup_s"] for p in parts), 2)
    rep["fixed_s"] = round(rep["kernel_start_s"] + rep["imports_s"], 2)
    total = rep["fixed_s"] + rep["sft_s"] + rep["scoring_s"]
    warm = rep["warm_fixed_s"] + rep["sft_s"] + rep["scoring_s"]
    rep["run_s"] = dict(fresh_kernel=round(total, 2), warm_kernel=round(warm, 2), speedup=round(total / warm, 2))
    rep["shares"] = {k: round(v / total, 3) for k, v in (("fixed", rep["fixed_s"]), ("sft", rep["sft_s"]),
                                                          ("scoring", rep["scoring_s"]))}
    out = Path(a.out) / f"run-profile-{run.model}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rep, indent=1))
    print(json.dumps(rep, indent=1))
    print("wrote", out)


if __name__ == "__main__":
    main()
