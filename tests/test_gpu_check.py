"""`make gpu-check` (perf/gpu_check.py) on a CPU: what runs without a GPU runs, what needs one says so."""
import json, shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "perf"))
import gpu_check


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu-check")
    p = subprocess.run([sys.executable, str(ROOT / "perf" / "gpu_check.py"), "--cpu", "--steps", "3",
                        "--recipe", "curated-40", "--models", "tiny-l", "--score-limit", "2", "--out", str(out),
                        "--only", "env,full,padding_free,qlora,zero3,scoring"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    return json.loads((out / "report.json").read_text()), (out / "report.md").read_text()


def test_sections_run_or_say_why(report):
    rep, md = report
    st = {k: v["status"] for k, v in rep["sections"].items()}
    assert st == dict(env="ok", full="ok", padding_free="ok", qlora="skipped", zero3="ok", scoring="ok")
    assert "needs a CUDA GPU" in rep["sections"]["qlora"]["why"]
    assert "## full: ok" in md and "tokens_per_s=" in md


def test_training_numbers(report):
    full = report[0]["sections"]["full"]["result"]["tiny-l"]
    assert full["steps"] >= 3 and full["tokens_per_s"] > 0
    assert full["last_loss"] < full["first_loss"]


def test_padding_free_learns_the_same_tokens(report):
    res = report[0]["sections"]
    padded, joined = res["full"]["result"]["tiny-l"], res["padding_free"]["result"]["tiny-l"]
    assert joined["padding_free"] and not padded["padding_free"]
    assert joined["learned_tokens"] == padded["learned_tokens"]
    assert abs(joined["first_loss"] - padded["first_loss"]) < 1e-3


def test_zero3_for_two_processes(report):
    two = report[0]["sections"]["zero3"]["result"]["two_processes"]
    assert two["autos_left"] == 0
    assert two["train_batch_size"] == 2 * two["micro_batch_per_gpu"] * two["gradient_accumulation_steps"]
    assert two["disjoint"] and two["covers_all"] and sum(two["items_per_rank"]) == 40
    assert max(two["items_per_rank"]) - min(two["items_per_rank"]) <= two["micro_batch_per_gpu"]


def test_scoring_on_the_trained_checkpoint(report):
    row = report[0]["sections"]["scoring"]["result"]["tiny-l on cpu"]
    assert row["ppl_tokens_per_s"] > 0 and row["generated_tokens_per_s"] > 0 and 0 <= row["average_score"] <= 100


def test_resolve_zero3_fills_every_auto():
    ds = json.loads((ROOT / "configs" / "deepspeed_zero3.json").read_text())
    r = gpu_check.resolve_zero3(ds, per_device=8, accum=4, world_size=8, max_grad_norm=1.0, bf16=True, fp16=False, hidden=4096)
    assert "auto" not in json.dumps(r)
    assert r["train_batch_size"] == 256 and r["bf16"]["enabled"] and not r["fp16"]["enabled"]
    assert r["zero_optimization"]["reduce_bucket_size"] == 4096 * 4096
    with pytest.raises(ValueError, match="no rule fills scheduler.lr"):
        gpu_check.resolve_zero3(dict(ds, scheduler=dict(lr="auto")), 8, 4, 8, 1.0, True, False, 4096)


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU is here")
def test_make_gpu_check_without_a_gpu_says_so():
    p = subprocess.run(["make", "-s", "gpu-check"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 2 and "no NVIDIA GPU" in p.stdout + p.stderr
