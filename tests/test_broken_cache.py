"""A damaged cache is named, then redone: any file a run folder or a foundation model's folder holds, cut short or
overwritten with other bytes, is found by the next sweep, named in one line, and what it belongs to is made again, so
that the results equal those of an uninterrupted build."""
import shutil
import pandas as pd
import pytest
from doit_nb.sweeps import run_sweep

PROFILE = """name: t
data: {source: sample, size: 8, eval_size: 2, synthetic_size: 8, seed: 0}
pretrain: {passes: 1, skill_docs: 40, block_size: 64, save_steps: 5}
sft: {settings: tiny, epochs: 2, batch_size: 4, per_device_batch_size: 4, max_length: 128}
score: {splits: [valid, test], limit: 2, min_epoch: 1, test: selected, max_new_tokens: {math: 8}}
sweeps: {scaling: {recipes: [curated-10], models: [tiny-s], seeds: [0]}}
"""
RUN = "t/runs/scaling-curated-10-tiny-s-seed0"
KINDS = {  # what is damaged → a file of that kind, by its place under the runs folder
    "recipe records": f"{RUN}/recipe/biology.json",
    "run keys": f"{RUN}/key.json",
    "done record": f"{RUN}/done.json",
    "score table": f"{RUN}/scores/*.parquet",
    "item table": f"{RUN}/scores/*.items.jsonl",
    "checkpoint weights": f"{RUN}/train/checkpoint-*/model.safetensors",
    "optimizer state": f"{RUN}/train/checkpoint-*/optimizer.pt",
    "results": f"{RUN}/results.parquet",
    "foundation weights": "foundations/tiny-s-*/model/model.safetensors",
    "foundation checkpoint": "foundations/tiny-s-*/train/checkpoint-*/trainer_state.json",
}
STAMPS = ["run_seconds", "git_commit", "git_dirty", "software", "notebook"]


def scores(runs):
    res = pd.read_parquet(runs / "t" / "results.parquet")
    return res.drop(columns=[c for c in STAMPS if c in res]).sort_values(["checkpoint", "split", "ability"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache")
    (root / "t.yml").write_text(PROFILE)
    rep = run_sweep(root / "t.yml", runs=root / "runs")
    assert not rep.failed, rep
    return root


@pytest.mark.parametrize("how", ["cut short", "other bytes"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_damaged_file_is_named_and_its_run_redone(kind, how, built, tmp_path, capsys):
    runs = tmp_path / "runs"
    shutil.copytree(built / "runs", runs)
    target = sorted(runs.glob(KINDS[kind]))[0]
    blob = target.read_bytes()
    target.write_bytes(blob[: len(blob) // 2] if how == "cut short" else b"\x00\xffnot what was written" * 8)
    rep = run_sweep(built / "t.yml", runs=runs)
    out = capsys.readouterr().out
    assert not rep.failed, rep
    named = [l for l in out.splitlines() if l.startswith(str(target))]
    assert len(named) == 1 and "made again" in named[0], out
    pd.testing.assert_frame_equal(scores(runs), scores(built / "runs"))
