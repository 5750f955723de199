"""Invariants of grading on every exact-match item of every source (issue 29): the gold label, verbatim and wrapped
as a grader accepts it for its kind, scores 1; every other valid label of its kind scores 0; the chance score is the
mean score of random labels. Sources: the sample set at the default's and the smoke's sizes, the public stand-in
(../shared/data/public) and DoIT-format fixture records; every split a scorer reads (valid, test)."""
import json, os
from pathlib import Path
import pytest, yaml
from hypothesis import given, settings, strategies as st, HealthCheck
from doit_nb.core import EVAL_SPLITS, public_data_dir
from doit_nb.layout import ensure_data
from doit_nb.records import LABEL_KINDS, load_records, question_format, write_records
from doit_nb.answers import (item_of, grade, gold_replies, invariant_failures, chance_by_sampling, full_width,
                             EXPLANATIONS)

ROOT = Path(__file__).resolve().parents[1]


def exact_match_records(root: Path) -> list[dict]:
    "The exact-match records of every split a scorer reads."
    out = []
    for split in [s for s in EVAL_SPLITS if (root / "curated" / s).is_dir()]:
        out += [r for r in load_records(root / "curated" / split) if question_format(r) == 0 and r["type"] in LABEL_KINDS]
    return out


def _ask(t, question, label, idx, **kw):
    return dict(messages=[dict(role="user", content=question), dict(role="assistant", content=label)], idx=idx, type=t,
                question_format=0, **kw)


def doit_fixture(root: Path) -> Path:
    "DoIT-format records in the real data set's layout, with labels as the paper's appendix shows them."
    opts4 = "\nA.沙漠\nB.近海\nC.高山草甸\nD.热带雨林"
    recs = {
        "biology": [_ask("biology", "单项选择题：赤叶草主要生活在哪种环境中？" + opts4, l, i) for i, l in enumerate("ABCD")],
        "history": [_ask("history", "判断正误：郑和下西洋发生在明朝。", l, i) for i, l in
                    enumerate(["正确", "错误", "对", "错", "√", "×", "T", "F", "V", "X"])]
                   + [_ask("history", "秦朝统一六国是在哪一年？\nA.公元前221年\nB.公元前206年\nC.公元前202年\nD.公元前256年", "A", 10)],
        "chinese": [_ask("chinese", "填空：画蛇添（ ），请填入一个字。", "足", 0), _ask("chinese", "补全成语：守株待___", "兔", 1),
                    _ask("chinese", "补全成语：___羊补牢", "亡", 2), _ask("chinese", "判断正误：“杯弓蛇对”写法正确。", "错误", 3),
                    _ask("chinese", "改写句子：他跑得很快。", "他跑得非常快", 5),   # a gold that restates the question
                    _ask("chinese", "下列成语书写正确的是？" + "\nA.杯弓蛇影\nB.一愁莫展\nC.再接再励\nD.迫不急待", "A", 4)],
        "understanding": [dict(messages=[dict(role="user", content="女：明天怎么去机场？"),
                                         dict(role="assistant", content="男：坐地铁吧。"),
                                         dict(role="user", content="根据上面的对话回答问题：他们准备怎么去机场？\nA.坐地铁\nB.骑车\nC.打车"),
                                         dict(role="assistant", content="A")], idx=0, type="understanding", question_format=0)],
        "reasoning": [_ask("reasoning", "逻辑推理题：谁年龄最小？\nA.丁\nB.戊\nC.甲\nD.乙\nE.丙", l, i) for i, l in enumerate("DE")],
        "ethics": [_ask("ethics", "多项选择题：以下哪些行为是恰当的？" + "\nA.排队候车\nB.节约粮食\nC.抢占座位\nD.礼让老人", l, i)
                   for i, l in enumerate(["ABD", "A、C", "BCD", "ABCD", "D", "A,B"])]
                  + [_ask("ethics", "多项选择题：以下哪些做法体现了诚信？\nA.考试不作弊\nB.借钱按时归还\nC.夸大功效\nD.如实填报\nE.坦诚认错",
                          l, 6 + i) for i, l in enumerate(["ABDE", "ABCDE"])],
        "math": [_ask("math", q, f"……所以答案是 {a}", i, answer=a) for i, (q, a) in enumerate([
            ("小丽有48个饼干……还有多少个？", "283"), ("一块蛋糕吃了几分之几？", "3/4"), ("温度是多少度？", "-2"),
            ("解方程：x²-5x+6=0。", "2或3"), ("解方程：2x=6。", "x=3"), ("绳长多少？", "3 cm"), ("两根是多少？", "2,3"),
            ("Solve the inverse matrix of (2 3; -1 7).", "\\frac{1}{17}\\begin{pmatrix}7&-3\\\\1&2\\end{pmatrix}")])],
    }
    for t, rs in recs.items():
        write_records(root / "curated" / "test" / f"{t}_test.json", rs)
    return root


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    "The layouts of every source, built once: name → folder."
    base = tmp_path_factory.mktemp("grading")
    out = {"doit-fixture": doit_fixture(base / "doit")}
    for name in ("default", "smoke"):
        spec = yaml.safe_load((ROOT / "profiles" / f"{name}.yml").read_text(encoding="utf-8"))["data"]
        out[f"sample-{name}"] = ensure_data(spec, base / name)
    if public_data_dir().is_dir() or os.environ.get("CI"):
        out["public"] = ensure_data(dict(source="public", eval_size=100, seed=0), base / "public")
    return out


SOURCES = ["doit-fixture", "sample-default", "sample-smoke", "public"]


def _records(layouts, name):
    if name not in layouts:
        pytest.skip("public data sets not present (set DOIT_PUBLIC_DATA)")
    return exact_match_records(layouts[name])


@pytest.mark.parametrize("name", SOURCES)
def test_gold_scores_one_and_other_labels_zero(layouts, name):
    recs = _records(layouts, name)
    counts, failures = invariant_failures(recs)
    print(f"\n{name}: {counts['items']} items, {counts['gold_replies']} gold replies and "
          f"{counts['other_labels']} other labels checked, {len(failures)} failures")
    assert counts["items"] >= 10
    assert failures == [], "\n".join(failures[:20])


@pytest.mark.parametrize("name", SOURCES)
def test_chance_is_the_mean_score_of_random_labels(layouts, name):
    recs = [r for r in _records(layouts, name) if item_of(r).kind in ("letter", "letters", "truth")]
    got = chance_by_sampling(recs, draws=10_000, seed=0)
    print(f"\n{name}: {got}")
    assert got["within_2se"], got


def test_every_kind_is_covered_by_the_fixture(layouts):
    kinds = {item_of(r).kind for r in exact_match_records(layouts["doit-fixture"])}
    assert kinds == {"letter", "letters", "truth", "cloze", "math"}


def test_a_free_sentence_is_not_a_doit_biology_label(tmp_path):
    write_records(tmp_path / "curated" / "test" / "biology_test.json", [_ask("biology", "赤叶草生活在哪里？", "它主要生活在高山草甸上", 0)])
    with pytest.raises(Exception, match=r"biology_test.json:1: messages\[1\].content: .*not a letter answer for type biology"):
        load_records(tmp_path)


WRAPS = [lambda s: f"答案：{s}", lambda s: f"答案是{s}。", lambda s: f"{s}。", lambda s: f"  \n{s}\n ", full_width,
         lambda s: s + EXPLANATIONS[0], lambda s: s + EXPLANATIONS[1]]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_gold_under_composed_wrappings(layouts, data):
    "Wrappings composed at random (a kind's wrapping, then shared ones in any order) keep the gold readable."
    name = data.draw(st.sampled_from([n for n in SOURCES if n in layouts]))
    recs = exact_match_records(layouts[name])
    r = data.draw(st.sampled_from(recs))
    item = item_of(r)
    reply = data.draw(st.sampled_from(gold_replies(item)))
    for wrap in data.draw(st.lists(st.sampled_from(WRAPS[3:5]), max_size=2)):
        reply = wrap(reply)
    assert grade(item, reply) == 1, (name, r["type"], r["idx"], reply)
