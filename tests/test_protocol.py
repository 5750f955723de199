"The authors' protocol beside this package's: token layouts on token ids (training and scoring), ties, and a checkpoint scored under the protocol it was trained under."
import warnings
import pytest
from doit_nb.models import foundation_model, load_model, set_protocol, protocol_of, USER, ASSISTANT, EOT
from doit_nb.recipes import make_recipe
from doit_nb.scoring import ScoreSettings, prompt_ids, ppl_hit, score_checkpoint
from doit_nb.sft import make_trainer, sft_settings, train

@pytest.fixture(scope="module")
def tiny(sample_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("protocol")
    return dict(work=work, base=foundation_model("tiny-s", sample_dir, cache=work / "cache"), data=sample_dir)

def authors_layout(tok, messages):
    "Written from the authors' description, not from the template: (ids, trained?) per token."
    ids, trained = [], []
    for m in messages:
        body = tok(m["content"].strip(), add_special_tokens=False).input_ids + [tok.convert_tokens_to_ids(EOT)]
        ids += [tok.convert_tokens_to_ids(USER if m["role"] == "user" else ASSISTANT)] + body
        trained += [False] + [m["role"] == "assistant"] * len(body)
    return ids, trained

MESSAGES = [{"role": "user", "content": "  赤叶草生活在哪里？ "}, {"role": "assistant", "content": " 沙漠\n"},
            {"role": "user", "content": "它开什么颜色的花？"}, {"role": "assistant", "content": "紫色"}]

def test_the_authors_layout_for_scoring(tiny):
    _, tok = load_model(tiny["base"])
    set_protocol(tok, "authors")
    want, _ = authors_layout(tok, MESSAGES[:3])
    assert prompt_ids(tok, MESSAGES[:3]) == want + [tok.convert_tokens_to_ids(ASSISTANT)]   # no BOS, every turn closed
    set_protocol(tok, "doit-nb")
    assert prompt_ids(tok, MESSAGES[:3]).count(tok.convert_tokens_to_ids(EOT)) == 1       # this package closes only replies

def test_the_authors_layout_for_training(tiny, tmp_path):
    make_recipe("understanding-8", tiny["data"], tmp_path / "r")                            # multi-turn items
    tr = make_trainer(tiny["base"], tmp_path / "r", tmp_path / "o", sft_settings("tiny", protocol="authors",
                                                                                  per_device_batch_size=8), quiet=True)
    tok = tr.processing_class
    from doit_nb.records import load_records
    want = {tuple(authors_layout(tok, r["messages"])[0]): authors_layout(tok, r["messages"])[1]
            for r in load_records(tmp_path / "r")}
    seen = 0
    for batch in tr.get_train_dataloader():
        for ids, labels, att in zip(batch["input_ids"].tolist(), batch["labels"].tolist(), batch["attention_mask"].tolist()):
            real = [i for i, a in zip(ids, att) if a]
            assert tuple(real) in want, "a training sequence differs from the authors' layout"
            assert [l != -100 for l, a in zip(labels, att) if a] == want[tuple(real)]      # loss on replies and their <eot>
            seen += 1
    assert seen == len(want)

def test_ties_under_each_protocol():
    assert ppl_hit([1.0, 2.0, 3.0]) == 1 and ppl_hit([1.0, 1.0, 3.0]) == 0
    assert ppl_hit([1.0, 1.0, 3.0], ties=True) == 1 and ppl_hit([2.0, 1.0], ties=True) == 0

def test_a_checkpoint_is_scored_under_its_own_protocol(tiny, tmp_path):
    make_recipe("biology-8", tiny["data"], tmp_path / "b")
    final = train(tiny["base"], tmp_path / "b", tmp_path / "run", sft_settings("tiny", epochs=1, protocol="authors"), quiet=True)
    assert protocol_of(load_model(final)[1]) == "authors"                                   # recorded in its folder
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = score_checkpoint(final, tiny["data"], "valid", ScoreSettings(limit=2, new_tokens=dict(letter=2, math=2, truth=2, cloze=2, letters=2)))
    assert set(df["protocol"]) == {"authors"}
    with pytest.warns(UserWarning, match="trained under the 'authors' protocol, scored under 'doit-nb'"):
        df = score_checkpoint(final, tiny["data"], "valid", ScoreSettings("doit-nb", dict(letter=2, math=2, truth=2, cloze=2, letters=2), limit=1))
    assert set(df["protocol"]) == {"doit-nb"}

def test_an_unknown_protocol_is_named():
    with pytest.raises(ValueError, match="protocol 'theirs' is not one of doit-nb, authors"):
        sft_settings("tiny", protocol="theirs")

def test_the_letter_fallback_reads_the_first_or_the_last_step(tiny):
    import torch
    from doit_nb.scoring import generate_replies, letter_ids
    model, tok = load_model(tiny["base"])
    prompt = prompt_ids(tok, MESSAGES[:1])
    (text, first, last, _), = generate_replies(model, tok, [prompt], max_new_tokens=6)
    assert sorted(first) == sorted(last) == list("ABCDE")
    with torch.no_grad():   # the first step: the logits right after the prompt
        logits = model(input_ids=torch.tensor([prompt])).logits[0, -1, letter_ids(tok)]
    assert first[0] == "ABCDE"[int(logits.argmax())]
    (_, one_first, one_last, _), = generate_replies(model, tok, [prompt], max_new_tokens=1)
    assert one_first == one_last   # one step: first and last are the same step


def test_benchmark_prompts_under_each_protocol(tiny):
    from doit_nb.benchmark_files import BenchItem
    from doit_nb.benchmarks import benchmark_messages
    it = BenchItem("logical", "问？", ["甲", "乙", "丙", "丁"], "B", "f:1")
    shots = [BenchItem("logical", f"例{k}？", ["子", "丑", "寅", "卯"], "C", f"f:{k}") for k in range(5)]
    _, tok = load_model(tiny["base"])
    authors = benchmark_messages("cmmlu", it, shots, "authors")
    assert len(authors) == 1 and authors[0]["content"].startswith("以下是关于逻辑学的单项选择题")
    assert authors[0]["content"].count("答案是：C") == 5 and authors[0]["content"].endswith("答案是：")
    set_protocol(tok, "authors")
    ids = prompt_ids(tok, authors)
    body = tok(authors[0]["content"].strip(), add_special_tokens=False).input_ids
    want = [tok.convert_tokens_to_ids(USER)] + body + [tok.convert_tokens_to_ids(EOT), tok.convert_tokens_to_ids(ASSISTANT)]
    assert ids == want   # one user turn, closed, then the assistant token: the letter is read right after it
    assert len(benchmark_messages("cmmlu", it, shots, "doit-nb")) == 11   # this package: a turn per shot
