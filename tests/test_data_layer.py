"Sources, determinism, nested recipes and order independence, through the CLI where users meet them."
import json, random, shutil
from pathlib import Path
import pytest
from conftest import run_cli, ROOT
from doit_nb.core import ABILITIES, OOD_TYPES
from doit_nb.records import load_records, validate, data_files
from doit_nb.layout import DoitData, data_hash, build_data
from doit_nb.sample import SampleSource
from doit_nb.sources import DoitSource
from doit_nb.recipes import item_key, plan_recipe

def test_build_then_validate(sample_dir):
    run_cli("data", "validate", sample_dir, check=0)
    c = DoitData(sample_dir).counts()
    assert set(ABILITIES) | set(OOD_TYPES) <= set(c.index)
    assert (c.loc[list(ABILITIES), "1000"] == 40).all() and (c.loc[list(ABILITIES), "test"] == 8).all()
    ood = load_records(sample_dir / "curated" / "test" / f"{OOD_TYPES[0]}_test.json")
    assert all(len(r["messages"]) == 12 for r in ood)
    und = load_records(sample_dir / "curated" / "test" / "understanding_test.json")
    assert all(len(r["messages"]) > 2 for r in und)  # multi-turn

def test_same_seed_same_files_other_seed_differs(tmp_path, sample_dir):
    a = build_data(SampleSource(size=40, eval_size=8, synthetic_size=300), tmp_path / "a")
    assert data_hash(a) == data_hash(sample_dir)
    b = build_data(SampleSource(size=40, eval_size=8, synthetic_size=300, seed=1), tmp_path / "b")
    assert data_hash(b) != data_hash(a)

def test_eval_items_never_in_training(sample_dir):
    d = DoitData(sample_dir)
    for t in ABILITIES:
        train = {item_key(r) for r in d.records("full")[t]}
        valid = {item_key(r) for r in d.records("valid")[t]}
        test = {item_key(r) for r in d.records("test")[t]}
        assert not (train & valid) and not (train & test) and not (valid & test), t

def test_format1_items_have_rule_made_distractors(sample_dir):
    for t in ("code", "creative_writing", "role_play"):
        for r in DoitData(sample_dir).records("test")[t]:
            gt, fine, coarse = r["choices"]
            assert gt == r["messages"][-1]["content"] and len({gt, fine, coarse}) == 3

def test_failed_build_leaves_nothing(tmp_path, sample_dir):
    broken = tmp_path / "broken"
    shutil.copytree(sample_dir, broken)
    f = broken / "curated" / "valid" / "biology_valid.json"
    f.write_text(f.read_text(encoding="utf-8") + '{"messages": 1}\n', encoding="utf-8")
    p = run_cli("data", "build", "--source", "doit", "--path", broken, "--out", tmp_path / "out")
    assert p.returncode == 1 and "biology_valid.json" in p.stderr and "messages" in p.stderr
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))

def test_existing_output_is_not_clobbered(sample_dir):
    p = run_cli("data", "build", "--source", "sample", "--out", sample_dir, "--size", 5)
    assert p.returncode == 2 and "already exists" in p.stderr

def _scrambled_copy(src: Path, dst: Path, seed=0):
    "Same records, different file names, file order, line order and idx; the layout's manifest (its declarations) kept."
    rng = random.Random(seed)
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "manifest.json").write_bytes((src / "manifest.json").read_bytes())
    for f in data_files(src):
        lines = f.read_text(encoding="utf-8").splitlines()
        rng.shuffle(lines)
        recs = [json.loads(l) | {"idx": f"z{rng.randrange(10**9)}"} for l in lines]
        out = dst / f.parent.relative_to(src) / f"{rng.randrange(10**6)}_{f.name}"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")

@pytest.mark.parametrize("recipe", ["curated-40", "reconstruct", "mix-64", "synthetic-100"])
def test_recipes_do_not_depend_on_file_or_record_order(tmp_path, sample_dir, recipe):
    _scrambled_copy(sample_dir, tmp_path / "scrambled")
    run_cli("data", "recipe", recipe, "--data", sample_dir, "--out", tmp_path / "r1", check=0)
    run_cli("data", "recipe", recipe, "--data", tmp_path / "scrambled", "--out", tmp_path / "r2", check=0)
    key = lambda d: sorted(item_key(r) for r in load_records(d))
    assert key(tmp_path / "r1") == key(tmp_path / "r2")

def test_curated_recipes_are_nested(tmp_path, sample_dir):
    keys = {}
    for n in (10, 40, 160, 400):
        run_cli("data", "recipe", f"curated-{n}", "--data", sample_dir, "--out", tmp_path / str(n), check=0)
        recs = load_records(tmp_path / str(n))
        assert len(recs) == n and all(sum(r["type"] == t for r in recs) == n // 10 for t in ABILITIES)
        keys[n] = {item_key(r) for r in recs}
    assert keys[10] <= keys[40] <= keys[160] <= keys[400]

def test_recipe_totals(sample_dir):
    d = DoitData(sample_dir)  # 1000 pool of 40 per ability: fixed sizes scale by 0.04
    full = {t: len(v) for t, v in d.records("full").items()}
    base = plan_recipe("baseline", d)
    assert base.total == 400 and base.scale == 0.04
    rc = plan_recipe("reconstruct", d)
    assert rc.total == 400 and rc.counts["ethics"] == rc.counts["role_play"] == 3 and rc.counts["creative_writing"] == 40
    mx = plan_recipe("maximum", d)
    assert mx.total == 3 + 3 + 40 + sum(full[t] for t in ABILITIES if t not in ("ethics", "role_play", "creative_writing"))
    assert plan_recipe("mix-256", d).total == mx.total + 256
    assert plan_recipe("synthetic-300", d).total == 300
    assert plan_recipe("ethics-16", d).counts == {"ethics": 16}
    for bad, words in [("synthetic-301", "has 300"), ("curated-15", "multiple of 10"), ("curated-410", "needs 41")]:
        with pytest.raises(ValueError, match=words): plan_recipe(bad, d)

def test_recipe_manifest_names_its_data(tmp_path, sample_dir):
    run_cli("data", "recipe", "baseline", "--data", sample_dir, "--out", tmp_path / "b", check=0)
    from doit_nb.recipes import recipe_manifest
    m = recipe_manifest(tmp_path / "b")
    assert m["data_hash"] == data_hash(sample_dir) and m["total"] == 400 and m["scale"] == 0.04

def test_a_recipe_folder_reads_as_records_in_the_authors_way(tmp_path, sample_dir):
    "A reader that takes every *.json of the folder (the authors' train_sft.py globs it) finds records only."
    run_cli("data", "recipe", "curated-40", "--data", sample_dir, "--out", tmp_path / "r", check=0)
    files = sorted((tmp_path / "r").glob("*.json"))
    assert files
    rows = [json.loads(l) for f in files for l in f.read_text(encoding="utf-8").splitlines() if l.strip()]
    assert len(rows) == 40 and all({"messages", "type"} <= set(r) for r in rows)
    assert all(m["role"] in ("user", "assistant") for r in rows for m in r["messages"])

def test_table1_cli(tmp_path, sample_dir):
    p = run_cli("data", "table1", "--data", sample_dir, "--out", tmp_path / "t1", check=0)
    assert "Dialogue Understanding" in p.stdout
    assert (tmp_path / "t1.csv").exists() and "| biology" in (tmp_path / "t1.md").read_text()
