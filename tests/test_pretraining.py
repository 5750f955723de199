"The foundation stage: no evaluation item in the corpus, same seed same weights, resume after a kill, reuse by a second sweep."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from conftest import ROOT
from test_sweeps import fake_notebook
from doit_nb.sweeps import load_profile, run_sweep
from doit_nb.sample import generate_sample
from doit_nb.pretraining import pretraining_corpus, leaked_sentences, pretrain_foundation, pretrain_settings, checkpoints

SMALL = dict(passes=1, skill_docs=200, block_size=64, batch_size=8, save_steps=5)

@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from doit_nb.layout import build_data
    from doit_nb.sample import SampleSource
    return build_data(SampleSource(size=16, eval_size=4, synthetic_size=16), tmp_path_factory.mktemp("d") / "data")

def test_the_default_corpus_holds_no_evaluation_item():
    "The default profile's corpus (practice questions included) against every valid and test item of its data set (sentences of 8+ characters)."
    prof = load_profile("default")
    s = prof.pretraining
    d = prof["data"]
    evals = [r for (t, sp), recs in generate_sample(d["size"], d["seed"], d["eval_size"]).items() if sp in ("valid", "test") for r in recs]
    assert len(evals) > 2000
    assert s.practice > 0  # the default's corpus asks questions about a second world: they are checked too
    assert leaked_sentences(pretraining_corpus(s.seed, s.passes, s.skill_docs, s.practice), evals) == []

def test_same_seed_same_weights(tmp_path, data, monkeypatch):
    monkeypatch.setenv("DOIT_CACHE", str(tmp_path / "cache"))
    s = pretrain_settings(**SMALL)
    a = pretrain_foundation("tiny-s", data, tmp_path / "a", s)
    b = pretrain_foundation("tiny-s", data, tmp_path / "b", s)
    from safetensors.torch import load_file
    wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)

KILL = '''
import os, sys, json
from pathlib import Path
from transformers import TrainerCallback
from doit_nb import pretraining as P
class Kill(TrainerCallback):
    def on_step_end(self, args, state, control, **kw):
        if state.global_step == 12: os._exit(9)      # killed after the step-10 checkpoint, before the next
out, data = Path(sys.argv[1]), sys.argv[2]
s = P.pretrain_settings(**json.loads(sys.argv[3]))
from doit_nb.models import foundation_model
base = foundation_model("tiny-s", data_dir=data, seed=0)
P.pretrain(base, P.pretraining_corpus(0, s.passes, s.skill_docs), out, s, callbacks=[Kill()])
'''

def test_pretraining_resumes_after_a_kill(tmp_path, data, monkeypatch):
    monkeypatch.setenv("DOIT_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "killed"
    r = subprocess.run([sys.executable, "-c", KILL, str(out), str(data), json.dumps(SMALL)], env={**os.environ, "DOIT_PROGRESS": "0"})
    assert r.returncode == 9 and not (out / "model").exists()
    assert [c.name for c in checkpoints(out / "train")] == ["checkpoint-5", "checkpoint-10"]
    s = pretrain_settings(**SMALL)
    done = pretrain_foundation("tiny-s", data, out, s)
    meta = json.loads((done / "doit_model.json").read_text())["pretraining"]
    assert meta["resumed_from"] == "checkpoint-10" and meta["steps"] > 12
    whole = pretrain_foundation("tiny-s", data, tmp_path / "whole", s)   # uninterrupted, same settings
    assert json.loads((whole / "doit_model.json").read_text())["pretraining"]["steps"] == meta["steps"]

def test_a_second_sweep_reuses_the_pretrained_models(tmp_path, monkeypatch):
    monkeypatch.setenv("DOIT_CACHE", str(tmp_path / "cache"))
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    p = tmp_path / "pre.yml"
    p.write_text(json.dumps(dict(name="pre", data=dict(source="sample", size=8, eval_size=2, synthetic_size=8), pretrain=SMALL,
                                 sweeps=dict(scaling=dict(recipes=["curated-10", "curated-20"], models=["tiny-s"], seeds=[0])))))
    first = run_sweep(p, notebook=nb, runs=runs)
    f = first.foundations["tiny-s"]
    assert f.status == "done" and (f.model / "config.json").exists() and f.notebook.exists() and len(first.ran) == 2
    weights = (f.model / "model.safetensors").stat().st_mtime_ns
    second = run_sweep(p, notebook=nb, runs=runs)
    g = second.foundations["tiny-s"]
    assert g.status == "reused" and g.folder == f.folder and second.ran == [] and len(second.skipped) == 2
    assert (g.model / "model.safetensors").stat().st_mtime_ns == weights        # not retrained
    import shutil
    shutil.rmtree(g.model)                                                      # a foundation whose model is gone is made again
    assert run_sweep(p, notebook=nb, runs=runs).foundations["tiny-s"].status == "done" and (g.model / "config.json").exists()
    # other pretraining settings: a new foundation model, and the runs that fine-tune it rerun
    p.write_text(p.read_text().replace('"passes": 1', '"passes": 2'))
    third = run_sweep(p, notebook=nb, runs=runs)
    assert third.foundations["tiny-s"].folder != f.folder and len(third.ran) == 2

def test_a_bad_pretrain_section_names_the_file(tmp_path):
    p = tmp_path / "bad.yml"
    p.write_text("name: b\ndata: {source: sample}\nsweeps: {}\npretrain: {pases: 2}\n")
    with pytest.raises(ValueError, match=r"bad.yml: pretrain: .*pases"): load_profile(p)
