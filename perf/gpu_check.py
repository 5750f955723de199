"""The paper profile's GPU paths, run once on one NVIDIA GPU before a lab pays for the grid (`make gpu-check`).

    python perf/gpu_check.py [--out runs/gpu-check] [--steps 200] [--only full,lora,...] [--cpu]

Each section runs on its own; one that fails is recorded with its error and the rest go on. Sections:

- `env`:          the device and the versions of every package the paths use.
- `full`:         full fine-tuning in bf16 with the paper's optimiser (AdamW β=(0.9, 0.95), linear decay to a
                  floor) for `--steps` optimiser steps of a small recipe, on the largest tiny model and on Gemma 3
                  270M (its real weights where the `gemma` extra is installed, else its architecture and size with
                  random weights: tokens/s and memory depend on the shapes, not the values); tokens/s, peak memory.
- `padding_free`: the same runs with padding-free batches (`SFTSettings.padding_free`), against the padded ones.
- `lora`, `qlora`: LoRA adapters in bf16, and LoRA on a 4-bit NF4 base (bitsandbytes), on the same models.
- `agreement`:    the first optimiser steps of one run on the CPU (fp32) and on the GPU (fp32 and bf16), the same
                  weights and batches: the losses must agree within each precision's tolerance.
- `zero3`:        `accelerate launch` with the project's DeepSpeed ZeRO-3 config on one process (a real run), and the
                  same config resolved for two processes: every "auto" filled, each rank given its own share of
                  the data.
- `scoring`:      perplexity and generation on the checkpoints `full` trained, with tokens/s, on the GPU and (for the
                  tiny model) on the CPU, and the score of each.

It writes `report.json` and `report.md` into `--out`. `--cpu` runs what a CPU can (a quick check of this script
itself; the tests use it); on a GPU machine the script is run by `make gpu-check`.
"""
import argparse, json, os, subprocess, sys, tempfile, time, traceback
from pathlib import Path

for k, v in dict(DOIT_PROGRESS="0", HF_DATASETS_DISABLE_PROGRESS_BARS="1", TRANSFORMERS_VERBOSITY="error",
                 TOKENIZERS_PARALLELISM="false").items():
    os.environ.setdefault(k, v)   # the report is the output; progress bars would bury it
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch
from transformers import TrainerCallback

SECTIONS = {}   # name → function(ctx) → dict of results


def section(fn):
    "Register a check under its function's name."
    SECTIONS[fn.__name__.lstrip("_")] = fn
    return fn


def cuda() -> bool:
    return torch.cuda.is_available()


def versions() -> dict:
    from importlib.metadata import version, PackageNotFoundError
    out = {"python": sys.version.split()[0]}
    for p in ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "bitsandbytes", "deepspeed", "pyarrow"):
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = None
    return out


@section
def env(ctx):
    d = dict(versions(), cuda=torch.version.cuda, device=torch.cuda.get_device_name(0) if cuda() else "cpu",
             cpu_threads=torch.get_num_threads())
    if cuda():
        d["gpu_memory_gib"] = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
        d["bf16"] = torch.cuda.is_bf16_supported()
    return d


def gemma_shape(tok_dir: Path, out: Path) -> Path:
    "Gemma 3 270M's architecture and size, random weights, with the sample set's tokenizer (ids are a subset)."
    from transformers import AutoTokenizer, Gemma3ForCausalLM, Gemma3TextConfig
    from doit_nb.models import add_speaker_tokens, n_params
    if (out / "doit_model.json").exists():
        return out
    tok = AutoTokenizer.from_pretrained(tok_dir)
    cfg = Gemma3TextConfig(vocab_size=262144, hidden_size=640, intermediate_size=2048, num_hidden_layers=18,
                           num_attention_heads=4, num_key_value_heads=1, head_dim=256, sliding_window=512,
                           query_pre_attn_scalar=256, max_position_embeddings=32768, pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    model, tok = add_speaker_tokens(Gemma3ForCausalLM(cfg), tok)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    (out / "doit_model.json").write_text(json.dumps(dict(spec="gemma3-270m-shape", n_params=n_params(model),
                                                         origin="random weights in Gemma 3 270M's architecture")))
    return out


def setup(work: Path, models: list[str], recipe: str = "curated-640") -> dict:
    "A small sample set, a recipe of it, and the foundation models (`tiny-l`, `gemma3-270m`)."
    from doit_nb.layout import build_data
    from doit_nb.sample import SampleSource
    from doit_nb.recipes import make_recipe
    from doit_nb.models import foundation_model, model_info
    data = build_data(SampleSource(size=64, eval_size=20, synthetic_size=10), work / "data")
    make_recipe(recipe, data, work / "recipe")
    found = {}
    for m in models:
        if m == "gemma3-270m":
            try:
                found[m] = foundation_model(m, cache=work / "cache")
            except RuntimeError:   # the gemma extra (its weights) is not installed
                tiny = foundation_model("tiny-l", data, cache=work / "cache")
                found["gemma3-270m-shape"] = gemma_shape(tiny, work / "cache" / "gemma3-270m-shape")
        else:
            found[m] = foundation_model(m, data, cache=work / "cache")
    return dict(work=work, data=data, recipe=work / "recipe", models=found,
                n_params={k: model_info(v).get("n_params") for k, v in found.items()})


class Clock(TrainerCallback):
    "Wall time of training (first step to end), the logged losses and the peak GPU memory."
    def __init__(self):
        self.losses, self.peak = [], None

    def on_train_begin(self, *a, **k):
        if cuda():
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        self.t0 = time.perf_counter()

    def on_log(self, args, state, control, logs=None, **k):
        if logs and "loss" in logs:
            self.losses.append(float(logs["loss"]))

    def on_train_end(self, *a, **k):
        if cuda():
            torch.cuda.synchronize()
            self.peak = torch.cuda.max_memory_allocated() / 2**30
        self.t1 = time.perf_counter()


def settings_for(model: str, steps: int, **kw):
    "The paper's optimiser at a learning rate that suits the model, long enough for `steps` optimiser steps."
    from doit_nb.sft import sft_settings
    lr = 1e-3 if model.startswith("tiny") else 1e-4
    base = dict(epochs=1, min_steps=steps, batch_size=16, per_device_batch_size=16, max_length=512,
                learning_rate=lr, min_learning_rate=lr / 10, precision="bf16" if cuda() else "fp32")
    return sft_settings("tiny", **{**base, **kw})


def train_run(ctx, model: str, tag: str, **kw) -> dict:
    "Train `model` on the recipe with settings `kw`; tokens/s over non-padding tokens, peak memory, losses."
    from doit_nb.sft import make_trainer, schedule
    s = settings_for(model, ctx["steps"], **kw)
    out = ctx["work"] / "runs" / f"{model}-{tag}"
    clock = Clock()
    tr = make_trainer(ctx["models"][model], ctx["recipe"], out, s, quiet=True, callbacks=[clock])
    tr.args.logging_strategy, tr.args.logging_steps = "steps", max(1, ctx["steps"] // 10)
    tr.args.save_strategy = "no"
    batches = list(tr.get_train_dataloader())
    learned = sum(int((b["labels"] != -100).sum()) for b in batches)
    seen = sum(int(b["attention_mask"].sum()) if "attention_mask" in b else int(b["input_ids"].numel()) for b in batches)
    passes = schedule(s, len(tr.train_dataset))["passes"]
    tr.train()
    secs = clock.t1 - clock.t0
    tr.save_model(str(out / "final"))
    tr.processing_class.save_pretrained(out / "final")
    res = dict(model=model, steps=tr.state.global_step, seconds=round(secs, 2),
               tokens_per_s=round(seen * passes / secs), learned_tokens=learned * passes,
               peak_gib=None if clock.peak is None else round(clock.peak, 2),
               first_loss=clock.losses[0] if clock.losses else None, last_loss=clock.losses[-1] if clock.losses else None,
               precision=s.precision, lora=s.lora, qlora=s.qlora, padding_free=s.padding_free)
    ctx.setdefault("trained", {})[f"{model}-{tag}"] = out / "final"
    del tr
    if cuda():
        torch.cuda.empty_cache()
    return res


def per_model(ctx, tag: str, **kw) -> dict:
    out = {}
    for m in ctx["models"]:
        try:
            out[m] = train_run(ctx, m, tag, **kw)
        except Exception as e:
            out[m] = dict(status="failed", error=f"{type(e).__name__}: {e}"[:500])
    if all(v.get("status") == "failed" for v in out.values()):
        raise RuntimeError("; ".join(f"{k}: {v['error']}" for k, v in out.items()))
    return out


@section
def full(ctx):
    return per_model(ctx, "full")


@section
def padding_free(ctx):
    res = per_model(ctx, "padfree", padding_free=True)
    for m, r in res.items():
        ref = ctx["results"].get("full", {}).get("result", {}).get(m)
        if ref and "tokens_per_s" in r and "tokens_per_s" in ref:
            r["speedup_vs_padded"] = round(r["tokens_per_s"] / ref["tokens_per_s"], 3)
    return res


@section
def lora(ctx):
    return per_model(ctx, "lora", lora=True)


@section
def qlora(ctx):
    if not cuda():
        return dict(status="skipped", why="QLoRA (bitsandbytes 4-bit) needs a CUDA GPU")
    return per_model(ctx, "qlora", qlora=True)


def first_losses(ctx, model: str, steps: int, device: str, precision: str) -> list[float]:
    "Per-step losses of the first `steps` optimiser steps on `device`, fixed batches, no length grouping."
    from doit_nb.sft import make_trainer
    s = settings_for(model, steps, precision=precision, group_by_length=False)
    clock = Clock()
    tr = make_trainer(ctx["models"][model], ctx["recipe"], ctx["work"] / f"agree-{device}-{precision}", s, quiet=True,
                      callbacks=[clock])
    tr.args.logging_strategy, tr.args.logging_steps, tr.args.save_strategy = "steps", 1, "no"
    tr.args.max_steps = steps
    tr.train()
    return clock.losses[:steps]


@section
def agreement(ctx):
    "CPU fp32 against GPU fp32 and GPU bf16 on the same first steps (the CPU run is a subprocess with no GPU)."
    if not cuda():
        return dict(status="skipped", why="needs a GPU to compare with")
    model, k = "tiny-l", ctx["agree_steps"]
    cmd = [sys.executable, __file__, "--cpu-losses", str(ctx["models"][model]), str(ctx["recipe"]), str(k), str(ctx["work"])]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300, env=dict(os.environ, CUDA_VISIBLE_DEVICES=""))
    line = [l for l in p.stdout.splitlines() if l.startswith("LOSSES ")]
    if not line:
        raise RuntimeError(f"the CPU run failed: {p.stderr[-800:]}")
    cpu = json.loads(line[0].split(" ", 1)[1])
    g32 = first_losses(ctx, model, k, "cuda", "fp32")
    g16 = first_losses(ctx, model, k, "cuda", "bf16")
    rel = lambda a, b: max(abs(x - y) / abs(y) for x, y in zip(a, b))
    r32, r16 = rel(g32, cpu), rel(g16, cpu)
    return dict(model=model, steps=k, cpu_fp32=cpu, gpu_fp32=g32, gpu_bf16=g16,
                max_rel_diff_fp32=round(r32, 6), max_rel_diff_bf16=round(r16, 6),
                tolerance_fp32=1e-3, tolerance_bf16=3e-2, agree=bool(r32 <= 1e-3 and r16 <= 3e-2))


def resolve_zero3(ds: dict, per_device: int, accum: int, world_size: int, max_grad_norm: float, bf16: bool,
                  fp16: bool, hidden: int) -> dict:
    "A DeepSpeed config with every 'auto' filled as the HF Trainer fills it (checked against transformers' own on a GPU)."
    fill = {"train_micro_batch_size_per_gpu": per_device, "gradient_accumulation_steps": accum,
            "train_batch_size": per_device * accum * world_size, "gradient_clipping": max_grad_norm,
            "reduce_bucket_size": hidden * hidden, "stage3_prefetch_bucket_size": int(0.9 * hidden * hidden),
            "stage3_param_persistence_threshold": 10 * hidden}
    def walk(d, path=()):
        out = {}
        for k, v in d.items():
            if isinstance(v, dict):
                out[k] = walk(v, path + (k,))
            elif v == "auto" and k == "enabled":
                out[k] = {"bf16": bf16, "fp16": fp16}[path[-1]]
            elif v == "auto":
                if k not in fill:
                    raise ValueError(f"DeepSpeed config: no rule fills {'.'.join(path + (k,))} = auto")
                out[k] = fill[k]
            else:
                out[k] = v
        return out
    return walk(ds)


def zero3_resolution(ctx, world_size: int) -> dict:
    "The project's ZeRO-3 config resolved for `world_size` processes, and the share of the data each rank sees."
    import yaml
    from transformers import AutoConfig
    from doit_nb.sft import schedule
    from doit_nb.records import load_records
    acc = yaml.safe_load((ROOT / "configs" / "accelerate_zero3.yaml").read_text())
    ds = json.loads((ROOT / acc["deepspeed_config"]["deepspeed_config_file"]).read_text())
    s = settings_for("tiny-l", ctx["steps"], precision="bf16")
    n = len(load_records(ctx["recipe"]))
    sc = schedule(s, n)
    hidden = AutoConfig.from_pretrained(ctx["models"]["tiny-l"]).hidden_size
    resolved = resolve_zero3(ds, sc["per_device"], sc["accum"], world_size, 1.0, True, False, hidden)
    out = dict(world_size=world_size, autos_left=json.dumps(resolved).count('"auto"'),
               train_batch_size=resolved["train_batch_size"], micro_batch_per_gpu=resolved["train_micro_batch_size_per_gpu"],
               gradient_accumulation_steps=resolved["gradient_accumulation_steps"],
               accelerate_processes_in_file=acc["num_processes"])
    if world_size > 1:   # transformers resolves for the processes actually running; one here
        out["same_as_transformers"] = "checked for one process only"
        return dict(out, **shares_of(n, sc["per_device"], world_size))
    try:   # where DeepSpeed is installed, the Trainer's own resolution must give the same config
        from transformers.integrations.deepspeed import HfTrainerDeepSpeedConfig
        from transformers import TrainingArguments
        from doit_nb.models import load_model
        hf = HfTrainerDeepSpeedConfig(ds)
        class Args(TrainingArguments):
            world_size = property(lambda self: world_size)
        args = Args(output_dir=str(ctx["work"] / "z3plan"), per_device_train_batch_size=sc["per_device"],
                    gradient_accumulation_steps=sc["accum"], bf16=True, max_grad_norm=1.0, report_to=[])
        hf.trainer_config_process(args)
        hf.trainer_config_finalize(args, load_model(ctx["models"]["tiny-l"])[0], num_training_steps=100)
        out["same_as_transformers"] = all(hf.config[k] == resolved[k] for k in resolved if k != "zero_optimization") and \
            all(hf.config["zero_optimization"][k] == v for k, v in resolved["zero_optimization"].items())
    except Exception as e:
        out["same_as_transformers"] = f"not checked: {type(e).__name__}: {e}"[:300]
    return dict(out, **shares_of(n, sc["per_device"], world_size))


def shares_of(n: int, per_device: int, world_size: int) -> dict:
    "The items each of `world_size` ranks sees of `n`, through accelerate's data-loader sharding."
    from accelerate.data_loader import prepare_data_loader
    data = torch.utils.data.DataLoader(list(range(n)), batch_size=per_device, shuffle=False)
    shares = []
    for rank in range(world_size):
        dl = prepare_data_loader(data, num_processes=world_size, process_index=rank, put_on_device=False, even_batches=False)
        shares.append(sorted(int(i) for b in dl for i in b))
    seen = [i for sh in shares for i in sh]
    return dict(items_per_rank=[len(x) for x in shares], disjoint=len(seen) == len(set(seen)),
                covers_all=sorted(set(seen)) == list(range(n)))


@section
def zero3(ctx):
    out = dict(two_processes=zero3_resolution(ctx, 2), one_process_config=zero3_resolution(ctx, 1))
    if not cuda():
        out["one_process"] = dict(status="skipped", why="a DeepSpeed launch needs a CUDA GPU")
        return out
    run = ctx["work"] / "z3run"
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(ROOT / "configs" / "accelerate_zero3.yaml"),
           "--num_processes", "1", "-m", "doit_nb.cli", "train", "--model", str(ctx["models"]["tiny-l"]),
           "--recipe", str(ctx["recipe"]), "--out", str(run), "--settings", "tiny", "--precision", "bf16",
           "--deepspeed", str(ROOT / "configs" / "deepspeed_zero3.json"), "--epochs", "1", "--batch-size", "16",
           "--per-device-batch-size", "16"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=400,
                       env=dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))))
    secs = time.perf_counter() - t0
    final = run / "final"
    log = [json.loads(l) for l in (run / "epochs.jsonl").read_text().splitlines()] if (run / "epochs.jsonl").exists() else []
    out["one_process"] = dict(rc=p.returncode, seconds=round(secs, 1), final_model=(final / "doit_complete.json").exists(),
                              epochs=log, tail=(p.stdout + p.stderr)[-1500:] if p.returncode else "")
    if p.returncode:
        raise RuntimeError(f"accelerate launch exited {p.returncode}: {(p.stderr or p.stdout)[-600:]}")
    return out


def scoring_speed(ckpt: Path, data, device: str, limit: int) -> dict:
    "Perplexity and generation throughput of one checkpoint on `device`, and its scores on the test split."
    from doit_nb.scoring import ScoreSettings, load_for_scoring, prompt_ids, reply_ids, reply_nll, generate_replies, score_checkpoint
    from doit_nb.layout import as_layout
    from doit_nb.core import ALL_TYPES
    model, tok = load_for_scoring(ckpt, device)
    recs = as_layout(data).records("test")
    records = [r for t in ALL_TYPES for r in recs.get(t, [])[:limit]]
    pairs = [(prompt_ids(tok, r["messages"][:-1]), reply_ids(tok, r["messages"][-1]["content"])) for r in records]
    prompts = [p for p, _ in pairs]
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    sync()
    t0 = time.perf_counter()
    reply_nll(model, pairs, pad_id=tok.pad_token_id, batch_tokens=8192 if device.startswith("cuda") else 1024)
    sync()
    t_ppl = time.perf_counter() - t0
    t0 = time.perf_counter()
    gen = generate_replies(model, tok, prompts, max_new_tokens=32, batch_size=64 if device.startswith("cuda") else 16)
    sync()
    t_gen = time.perf_counter() - t0
    new = sum(len(tok(t, add_special_tokens=False).input_ids) for t, *_ in gen)
    t0 = time.perf_counter()
    rows = score_checkpoint(ckpt, data, "test", ScoreSettings(limit=limit), device=device)
    t_all = time.perf_counter() - t0
    avg = rows[rows["ability"] == "average"].iloc[0]
    return dict(device=device, items=len(records), ppl_tokens_per_s=round(sum(len(p) + len(r) for p, r in pairs) / t_ppl),
                generated_tokens_per_s=round(new / t_gen), score_seconds=round(t_all, 1),
                average_score=round(float(avg["score"]), 2), average_loss=round(float(avg["loss"]), 4))


@section
def scoring(ctx):
    trained = ctx.get("trained", {})
    if not trained:
        raise RuntimeError("no checkpoint: the `full` section did not train one")
    out = {}
    dev = "cuda" if cuda() else "cpu"
    for name, ck in trained.items():
        if not name.endswith("-full"):
            continue
        model = name[: -len("-full")]
        limit = ctx["score_limit"] if model.startswith("tiny") else max(4, ctx["score_limit"] // 4)
        out[f"{model} on {dev}"] = scoring_speed(ck, ctx["data"], dev, limit)
        if dev == "cuda" and model.startswith("tiny"):
            out[f"{model} on cpu"] = scoring_speed(ck, ctx["data"], "cpu", limit)
    return out


def markdown(report: dict) -> str:
    "The report as a short markdown page."
    lines = [f"# GPU check", "", f"{report['started']} · {report['seconds']} s · device: {report['device']}", ""]
    for name, r in report["sections"].items():
        lines.append(f"## {name}: {r['status']} ({r['seconds']} s)")
        if r["status"] != "ok":
            lines += ["", f"    {r.get('error') or r.get('why')}", ""]
            continue
        res = r["result"]
        rows = res.items() if all(isinstance(v, dict) for v in res.values()) else [("", res)]
        for k, v in rows:
            lines.append(f"- {k}: " + ", ".join(f"{a}={b}" for a, b in v.items() if not isinstance(b, (list, dict)) and a != "tail"))
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "runs" / "gpu-check"))
    ap.add_argument("--steps", type=int, default=200, help="optimiser steps of each training run")
    ap.add_argument("--agree-steps", type=int, default=8, help="first steps compared between CPU and GPU")
    ap.add_argument("--score-limit", type=int, default=20, help="test items per ability scored")
    ap.add_argument("--models", default="tiny-l,gemma3-270m")
    ap.add_argument("--recipe", default="curated-640", help="the recipe every run trains on")
    ap.add_argument("--only", help="comma-separated sections (default: all)")
    ap.add_argument("--cpu", action="store_true", help="run on a machine with no GPU (a check of this script)")
    ap.add_argument("--cpu-losses", nargs=4, metavar=("MODEL", "RECIPE", "STEPS", "WORK"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.cpu_losses:   # the CPU half of `agreement`, in a process that sees no GPU
        m, r, k, w = a.cpu_losses
        ctx = dict(models={"tiny-l": Path(m)}, recipe=Path(r), work=Path(w))
        print("LOSSES", json.dumps(first_losses(ctx, "tiny-l", int(k), "cpu", "fp32")))
        return 0
    if not cuda() and not a.cpu:
        sys.exit("gpu-check: no CUDA GPU is visible (torch.cuda.is_available() is False); pass --cpu to check the script")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    t_start = time.time()
    ctx = dict(steps=a.steps, agree_steps=a.agree_steps, score_limit=a.score_limit, results={})
    ctx.update(setup(work, a.models.split(","), a.recipe))
    report = dict(started=time.strftime("%Y-%m-%d %H:%M:%S"), device=env(ctx)["device"], n_params=ctx["n_params"],
                  settings=dict(steps=a.steps, agree_steps=a.agree_steps, score_limit=a.score_limit), sections=ctx["results"])
    wanted = a.only.split(",") if a.only else list(SECTIONS)
    for name in wanted:
        t0 = time.time()
        print(f"gpu-check: {name} …", flush=True)
        try:
            res = SECTIONS[name](ctx)
            st = "skipped" if isinstance(res, dict) and res.get("status") == "skipped" else "ok"
            ctx["results"][name] = dict(status=st, seconds=round(time.time() - t0, 1),
                                        **({"why": res["why"]} if st == "skipped" else {"result": res}))
        except Exception as e:
            ctx["results"][name] = dict(status="failed", seconds=round(time.time() - t0, 1),
                                        error=f"{type(e).__name__}: {e}"[:1500], traceback=traceback.format_exc()[-3000:])
        print(f"gpu-check: {name} {ctx['results'][name]['status']} in {ctx['results'][name]['seconds']} s", flush=True)
        report["seconds"] = round(time.time() - t_start, 1)
        (out / "report.json").write_text(json.dumps(report, indent=1, default=str))   # kept current: a killed check leaves what ran
        (out / "report.md").write_text(markdown(report))
    print((out / "report.md").read_text())
    return 0 if all(r["status"] != "failed" for r in ctx["results"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
