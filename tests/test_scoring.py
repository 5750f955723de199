"Scoring: batched = unbatched, ties, selection, and `doit-nb score` end to end."
import json
import pandas as pd
import pytest, torch
from conftest import run_cli
from doit_nb.core import ALL_TYPES
from doit_nb.models import foundation_model, load_model
from doit_nb.layout import DoitData
from doit_nb.scoring import (reply_nll, reply_nll_reference, prompt_ids, reply_ids, ppl_hit, score_items,
                             select_checkpoints, summarise)

@pytest.fixture(scope="module")
def tiny(sample_dir, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return load_model(foundation_model("tiny-m", sample_dir, cache=cache)), cache

def test_batched_and_unbatched_losses_agree(tiny, sample_dir):
    (model, tok), _ = tiny
    d = DoitData(sample_dir).records("valid")
    recs = [r for t in ("code", "role_play", "understanding", "math", "ceval_physician_fshot") for r in d[t][:4]]
    pairs = [(prompt_ids(tok, r["messages"][:-1]), reply_ids(tok, c)) for r in recs
             for c in (r.get("choices") or [r["messages"][-1]["content"]])]
    assert len({len(p) + len(c) for p, c in pairs}) > 5          # mixed lengths: padding is exercised
    for bt in (64, 700, 100000):                                  # one pair per batch … everything in one batch
        fast = reply_nll(model, pairs, batch_tokens=bt, pad_id=tok.pad_token_id)
        ref = reply_nll_reference(model, pairs)
        assert max(abs(a - b) for a, b in zip(fast, ref)) < 1e-5

def test_ties_are_misses():
    assert ppl_hit([2.0, 2.0, 3.0]) == 0 and ppl_hit([2.0, 3.0, 2.0]) == 0 and ppl_hit([1.9, 2.0, 3.0]) == 1

def test_average_is_plain_mean_over_abilities():
    items = pd.DataFrame([dict(ability="biology", hit=1, expected=.25, loss=1.0), dict(ability="biology", hit=1, expected=.25, loss=1.0),
                          dict(ability="ethics", hit=0, expected=.5, loss=2.0)])
    s = summarise(items, run="r", epoch=1, split="test").set_index("ability")
    assert s.loc["average", "score"] == 50 and s.loc["average", "expected"] == 37.5   # not divided by expected keys
    assert s.loc["biology", "n_items"] == 2 and list(s.columns[:3]) == ["run", "epoch", "split"]

def test_selection_picks_the_best_valid_epoch_after_5_per_run():
    rows = []
    for run, scores in {"a": {4: 99, 5: 10, 6: 30, 9: 20}, "b": {5: 40, 6: 40, 7: 10}}.items():
        for ep, v in scores.items():
            rows += [dict(run=run, epoch=ep, split="valid", ability="average", score=v),
                     dict(run=run, epoch=ep, split="test", ability="average", score=ep * 10)]
    sel = select_checkpoints(pd.DataFrame(rows)).set_index("run")
    assert sel.loc["a", "selected_epoch"] == 6 and sel.loc["a", "score"] == 60
    assert sel.loc["b", "selected_epoch"] == 5 and sel.loc["b", "score"] == 50

def test_selection_by_ability():
    rows = [dict(run="r", epoch=ep, split=sp, ability=ab, score=s) for ep, ab, s in
            [(5, "code", 1), (6, "code", 9), (5, "math", 9), (6, "math", 1)] for sp in ("valid", "test")]
    sel = select_checkpoints(pd.DataFrame(rows), by="ability").set_index("ability")
    assert sel.loc["code", "selected_epoch"] == 6 and sel.loc["math", "selected_epoch"] == 5

def test_score_cli_end_to_end(tiny, sample_dir, tmp_path):
    _, cache = tiny
    folder = foundation_model("tiny-m", sample_dir, cache=cache)
    run_cli("score", "--model", folder, "--data", sample_dir, "--split", "test", "--out", tmp_path / "r.parquet",
            "--limit", 3, "--items", check=0)
    df = pd.read_parquet(tmp_path / "r.parquet")
    abilities = [t for t in ALL_TYPES if t != "synthetic"]
    assert df["ability"].tolist() == abilities + ["average"]
    assert (df["n_items"][:-1] == 3).all() and df["split"].eq("test").all() and df["epoch"].eq(0).all()
    assert df["loss"].notna().all() and df["score"].between(0, 100).all()
    items = [json.loads(l) for l in (tmp_path / "r.items.jsonl").read_text().splitlines()]
    assert len(items) == 3 * len(abilities)
    bad = run_cli("score", "--model", folder, "--data", sample_dir, "--out", tmp_path / "r.txt")
    assert bad.returncode == 2 and "r.txt" in bad.stderr and not (tmp_path / "r.txt").exists()

def test_prefix_trees_respect_a_sliding_window():
    "Gemma 3's local layers see only the last `sliding_window` positions: the tree mask must drop the same keys."
    import random, torch
    from transformers import Gemma3TextConfig, Gemma3ForCausalLM
    torch.manual_seed(0)
    cfg = Gemma3TextConfig(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                           num_key_value_heads=1, head_dim=16, sliding_window=6, layer_types=["sliding_attention", "full_attention"],
                           final_logit_softcapping=30.0, attn_implementation="sdpa")
    model = Gemma3ForCausalLM(cfg).eval()
    rng = random.Random(0)
    pairs = []
    for _ in range(5):                      # three candidates per prompt, sharing prefixes longer than the window
        p = [rng.randrange(1, 97) for _ in range(rng.randint(3, 9))]
        gt = [rng.randrange(1, 97) for _ in range(12)]
        pairs += [(p, gt), (p, gt[:8] + [rng.randrange(1, 97) for _ in range(5)]), (p, [rng.randrange(1, 97) for _ in range(4)])]
    ref = reply_nll_reference(model, pairs)
    for bt in (1, 64, 10_000):
        assert max(abs(a - b) for a, b in zip(reply_nll(model, pairs, batch_tokens=bt), ref)) < 1e-5
