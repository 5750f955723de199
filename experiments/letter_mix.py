"""Is an option letter learnable by SFT, alone or in the ten-ability mix? (issue 12: why Understanding misses its group)

Fine-tunes one foundation model on the sample's Understanding items (a letter answer after a dialogue), in four
conditions, and reports the share of test items whose reply is the right letter, and the letters it replied:

- content: the items as the sample makes them, the right letter drawn per item; naming it needs matching an
  option with a detail of the dialogue;
- convention: the same items with their options rearranged so that the right one sits at a letter fixed per
  question (4 questions), a convention the items show and the dialogue does not matter for;

each trained `alone` (`understanding-N`, `--alone-epochs` epochs) and `mixed` with N items of each other ability
(`curated-10N`), with the default profile's SFT settings. Chance is 1/3 or 1/4 per item.
Usage: python experiments/letter_mix.py --data runs/default/data --model runs/foundations/tiny-l-…/model
[--out experiments/reports/letter-mix-tiny-l.jsonl]"""
import argparse, collections, json, random, re, tempfile
from pathlib import Path
import torch
from doit_nb.core import atomic_write, stable_int
from doit_nb.layout import as_layout
from doit_nb.recipes import make_recipe
from doit_nb.sample import _mc
from doit_nb.scoring import load_for_scoring, score_items
from doit_nb.sft import sft_settings, train

_OPTION = re.compile(r"\n([A-D])\.(.*)")


def by_convention(record: dict, seed: int = 0) -> dict:
    "A copy of `record` whose right option is moved to the letter its question is given (fixed by `seed`)."
    ask = record["messages"][-2]["content"]
    stem = _OPTION.split(ask, maxsplit=1)[0]
    opts = _OPTION.findall(ask)
    right = dict(opts)[record["messages"][-1]["content"]]
    question = stem.split("：")[-1]
    at = random.Random(stable_int("letter convention", question, seed)).randrange(3)  # every item has 3 or 4 options
    rest = [o for _, o in opts if o != right]
    msgs = [dict(m) for m in record["messages"]]
    msgs[-2]["content"] = _mc(stem, rest[:at] + [right] + rest[at:])
    msgs[-1]["content"] = "ABC"[at]
    return {**record, "messages": msgs}


def relabel(recipe: Path):
    "Rewrite the Understanding file of a recipe folder by `by_convention`."
    f = recipe / "understanding.json"
    lines = [json.dumps(by_convention(json.loads(l)), ensure_ascii=False) for l in f.read_text("utf-8").splitlines()]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True, help="the sample DoIT layout (runs/default/data)")
    ap.add_argument("--model", required=True, help="a pretrained foundation model's folder")
    ap.add_argument("--n", type=int, default=64, help="Understanding items (and items of every other ability, mixed)")
    ap.add_argument("--alone-epochs", type=int, default=20, help="epochs when Understanding is trained alone")
    ap.add_argument("--out", help="also write the rows to this JSON-lines file")
    args = ap.parse_args()
    torch.manual_seed(0)
    test = as_layout(args.data).records("test")["understanding"]
    rows = []
    for items in ("content", "convention"):
        for mix in ("alone", "mixed"):
            epochs = args.alone_epochs if mix == "alone" else 4
            s = sft_settings("tiny-pretrained", epochs=epochs, batch_size=16, per_device_batch_size=16, max_length=256,
                             min_steps=48)
            name = f"understanding-{args.n}" if mix == "alone" else f"curated-{10 * args.n}"
            with tempfile.TemporaryDirectory() as d:
                recipe = Path(d) / "recipe"
                make_recipe(name, args.data, recipe)
                if items == "convention": relabel(recipe)
                final = train(args.model, recipe, Path(d) / "run", s, quiet=True)
                model, tok = load_for_scoring(final, "cpu")
                recs = [by_convention(r) for r in test] if items == "convention" else test
                scored = score_items(model, tok, recs)
            rows.append(dict(items=items, mix=mix, epochs=epochs, accuracy=round(float(scored.hit.mean()), 2),
                             chance=round(float(scored.expected.mean()), 2),
                             replies=dict(sorted(collections.Counter(scored.reply).items()))))
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    if args.out:
        with atomic_write(args.out) as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


if __name__ == "__main__":
    main()
