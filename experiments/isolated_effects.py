"""Each planted effect measured alone, on the three development worlds (issue 43, item 3).

For one ability and one way of asking it (a *variant*), fine-tunes every development world's pretrained foundation
models (tiny-s, tiny-m, tiny-l) on n items of that ability alone, with the default profile's SFT settings, and scores
100 test items at the final epoch. The data effect α is the mean over sizes of the score's least-squares slope against
ln n; the parameter effect α the mean over volumes of the slope against ln(parameters): points per e-fold, as in
§4.3.1. The interval is a 95% bootstrap over test items (the same items in every condition), so it holds item noise
only, not the SFT seed's. The verdict compares each α with what the default's design needs (`power.csv`).

It reuses the worlds' cached foundation models, so it measures a change of SFT data or format only; a change of
pretraining needs the foundations rebuilt. Variants not yet in the sample set are defined here.

With `--background k`, every other ability adds k items of the sample set to each SFT set, so the tested ability
is learnt inside a mix and small sets do not collapse under the 48-step minimum; `--background same` gives every
other ability the tested ability's n, as the default's scaling recipes do (the closest stand-in for its runs).

Usage: python experiments/isolated_effects.py --ability chinese --variant cloze --worlds 0,1,2 --n 4,16,64
       [--background 16] [--out experiments/reports/isolated-effects.jsonl]"""
import argparse, json, math, random, tempfile
from pathlib import Path
import numpy as np
from doit_nb import records as R, sample as S
from doit_nb.core import stable_int
from doit_nb.models import load_model
from doit_nb.scoring import score_items
from doit_nb.sft import sft_settings, train

ROOT = Path(__file__).resolve().parents[1]


def chinese_cloze(rng, w):
    "Which character ends the idiom? Test items ask only idioms no SFT item holds, which pretraining told."
    pool = S.HELD_OUT_IDIOMS if w.held_out else [i for i in S._IDIOMS if i not in S.HELD_OUT_IDIOMS]
    idiom = rng.choice(pool)
    q = f"填空题：成语“{idiom[:3]}＿”的最后一个字是什么？"
    return dict(messages=S._qa(q, idiom[3]), question_format=0)


def understanding_short(rng, w):
    "The dialogue's question, its options listed, answered by the value itself (copied) instead of its letter."
    q, pool, lines = rng.choice(S._DIALOGUE)
    v = rng.choice(pool)
    lines = [l.format(v=v) for l in lines]
    if len(lines) % 2 == 1: lines = lines + ["男：那我们回头再联系。"]
    opts, _ = S._choice(rng, v, pool, k=rng.choice([3, 4]))
    return dict(messages=S._qa(*lines, S._mc(f"根据上面的对话回答问题（写出答案本身）：{q}", opts), v), question_format=0)


def reasoning_short(rng, w):
    "The ordering question answered by the person's name, not an option's letter."
    people = rng.sample(["甲", "乙", "丙", "丁", "戊"], rng.choice([3, 4]))
    premises, order, (most, least) = S._ordering(rng, people)
    ask_most = rng.random() < 0.5
    q = f"简答题：已知：{'；'.join(premises)}。请问谁{most if ask_most else least}？"
    return dict(messages=S._qa(q, order[0] if ask_most else order[-1]), question_format=0)


TAUGHT = dict(organisms=24, events=12)  # how many organisms and events only SFT items tell (`--taught`)


def taught_base(seed: int, organisms: int | None = None, events: int | None = None) -> dict:
    "Organisms and events that neither the knowledge base nor the practice world holds: facts only SFT items tell."
    from doit_nb.pretraining import practice_base
    organisms, events = organisms or TAUGHT["organisms"], events or TAUGHT["events"]
    kb, pb = S.knowledge_base(seed), practice_base(seed)
    rng = random.Random(stable_int("taught", seed))
    names = [c + p + k for c in S._COLORS for p in S._PARTS for k in S._KINDS]
    names = [n for n in names if n not in kb["organisms"] and n not in pb["organisms"]]
    places = [p + e for p in S._PLACES for e in S._EVENTS if p + e not in kb["events"] and p + e not in pb["events"]]
    leaders = [s + g for s in S._SURNAMES for g in S._GIVEN]
    return dict(organisms={n: dict(habitat=rng.choice(S._HABITATS), repro=rng.choice(S._REPRO), diet=rng.choice(S._DIET))
                           for n in rng.sample(names, organisms)},
                events={e: dict(dynasty=rng.choice(S._DYNASTIES), leader=rng.choice(leaders))
                        for e in rng.sample(places, events)})


def taught(gen):
    "`gen` asking, at even odds, a fact pretraining told or one only the SFT items tell (coverage: organism round 2)."
    def g(rng, w):
        return gen(rng, w) if rng.random() < 0.5 else gen(rng, S.World(**taught_base(w.seed), seed=w.seed, held_out=w.held_out))
    return g


VARIANTS = {
    ("biology", "taught"): taught(S.gen_biology), ("history", "taught"): taught(S.gen_history),  # (ability, variant) → generator(rng, world)
    ("chinese", "truth"): S.gen_chinese, ("chinese", "cloze"): chinese_cloze,
    ("understanding", "letter"): S.gen_understanding, ("understanding", "short"): understanding_short,
    ("reasoning", "letter"): S.gen_reasoning, ("reasoning", "short"): reasoning_short,
    **{(a, "sample"): g for a, g in S.GENERATORS.items()},
}


def items(ability, variant, world, n, eval_):
    "`n` records of `ability` asked as `variant` in world `world` (the test split when `eval_`)."
    w = S.sample_world(world, held_out=eval_)
    rng = random.Random(stable_int("isolated", ability, variant, world, eval_))
    gen, out, seen = VARIANTS[(ability, variant)], [], set()
    while len(out) < n:   # distinct items, as the sample set's own streams give
        r = gen(rng, w)
        if (key := json.dumps(r["messages"], ensure_ascii=False)) not in seen:
            seen.add(key)
            out.append(dict(r, type=ability, idx=len(out)))
    return out


def foundations(world, root=ROOT / "runs" / "foundations"):
    "size → pretrained model folder of world `world` at the default's pretraining (the largest by tokens)."
    found = {}
    for meta in root.glob("tiny-*/model/doit_model.json"):
        m = json.loads(meta.read_text())
        pre = m["pretraining"]
        if pre["settings"]["seed"] == world and pre["tokens"] > found.get(m["spec"], (0,))[0]:
            found[m["spec"]] = (pre["tokens"], meta.parent, m["n_params"])
    if len(found) < 3: raise SystemExit(f"world {world}: pretrained tiny-s/m/l not all under {root}")
    return {s: (p, n) for s, (_, p, n) in sorted(found.items())}


def background(ability, world, k):
    "k sample items of every ability but `ability`, by file name (the mix the tested ability is learnt in)."
    w = S.sample_world(world)
    out = {}
    for other, gen in S.GENERATORS.items():
        rng = random.Random(stable_int("background", other, world))
        out[other] = [dict(gen(rng, w), type=other, idx=i) for i in range(k)] if other != ability and k else []
    return {a: rs for a, rs in out.items() if rs}


def hits(folder, ability, variant, world, n, test, k=0):
    "Test hits (0/1 per item) after fine-tuning `folder` on n items (and `background`'s k per other ability)."
    settings = sft_settings("tiny-pretrained", learning_rate=5e-4, epochs=4, batch_size=16, per_device_batch_size=16,
                            max_length=256, min_steps=48)
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "recipe" / ".doit").mkdir(parents=True)
        sets = {**background(ability, world, k), ability: items(ability, variant, world, n, False)}
        (Path(d) / "recipe" / ".doit" / "manifest.json").write_text(json.dumps(dict(short_answers=sorted(sets))))
        for name, rs in sets.items():
            lines = [json.dumps(r, ensure_ascii=False) for r in rs]
            (Path(d) / "recipe" / f"{name}_1000.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
        model, tok = load_model(train(folder, Path(d) / "recipe", Path(d) / "train", settings, quiet=True))
        return score_items(model.eval(), tok, test)["hit"].to_numpy(float)


def slopes(h, log_n, log_p):
    "(data α, parameter α) of a (size, volume, item) array of hits, in points per e-fold."
    s = 100 * h.mean(-1)
    data = np.mean([np.polyfit(log_n, row, 1)[0] for row in s])
    param = np.mean([np.polyfit(log_p, col, 1)[0] for col in s.T])
    return data, param


def alphas(h, log_n, log_p, reps=500, seed=0):
    "α on both axes with a 95% item-bootstrap interval."
    rng = np.random.default_rng(seed)
    point = slopes(h, log_n, log_p)
    boot = np.array([slopes(h[..., rng.integers(0, h.shape[-1], h.shape[-1])], log_n, log_p) for _ in range(reps)])
    lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
    return {ax: (round(point[i], 2), round(lo[i], 2), round(hi[i], 2)) for i, ax in enumerate(("data", "param"))}


def needed(path=ROOT / "figures" / "default" / "power.csv"):
    "axis → the α the default's design finds with 90% power."
    import pandas as pd
    return dict(pd.read_csv(path).set_index("axis")["smallest_alpha_90"].rename({"param": "param"}).round(2))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ability", required=True)
    ap.add_argument("--variant", default="sample", help=f"one of {sorted({v for _, v in VARIANTS})}")
    ap.add_argument("--worlds", default="0,1,2")
    ap.add_argument("--n", default="4,16,64", help="SFT items per condition")
    ap.add_argument("--test", type=int, default=100)
    ap.add_argument("--taught", default="24,12", help="organisms,events that only SFT items tell (variant taught)")
    ap.add_argument("--background", default="0", help="sample items of every other ability in each SFT set, or 'same' (n)")
    ap.add_argument("--out", default=str(ROOT / "experiments" / "reports" / "isolated-effects.jsonl"))
    a = ap.parse_args()
    TAUGHT.update(zip(("organisms", "events"), map(int, a.taught.split(","))))
    if (a.ability, a.variant) not in VARIANTS: raise SystemExit(f"no variant {a.variant!r} for {a.ability!r}")
    R.SHORT_ANSWER_TYPES = tuple({*R.SHORT_ANSWER_TYPES, a.ability})  # variants may answer in free text
    ns, need = [int(x) for x in a.n.split(",")], needed()
    for w in map(int, a.worlds.split(",")):
        found = foundations(w)
        test = items(a.ability, a.variant, w, a.test, True)
        h = np.array([[hits(p, a.ability, a.variant, w, n, test, n if a.background == "same" else int(a.background))
                       for n in ns] for p, _ in found.values()])
        log_p = [math.log(n) for _, n in found.values()]
        row = dict(ability=a.ability, variant=a.variant, world=w, n=ns, background=a.background,
                   **(dict(taught=dict(TAUGHT)) if a.variant == "taught" else {}), sizes=list(found),
                   scores=(100 * h.mean(-1)).round(1).tolist(), **alphas(h, np.log(ns), log_p), needed=need)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        with open(a.out, "a", encoding="utf-8") as f: f.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
