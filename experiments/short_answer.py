"""Knowledge asked as a short answer instead of a letter (issue 12): does SFT elicit what pretraining stored?

Fine-tunes each given foundation model on `n` biology facts of the sample's knowledge base asked as questions whose
answer is the value itself ("…主要生活在哪种环境中？" → "沙漠"), with the default profile's SFT settings, and reports
exact-match accuracy on 100 facts no SFT item asks about. A guess within the right attribute's values scores about
0.14. Usage: python experiments/short_answer.py --model tiny-l=runs/foundations/tiny-l-…/model --n 16,64,188"""
import argparse, json, random, tempfile
from pathlib import Path
import torch
from doit_nb import sample as S
from doit_nb.sft import sft_settings, train
from doit_nb.models import load_model, USER, ASSISTANT, EOT

def record(kb, organism, attr, idx):
    "A DoIT record asking one fact, answered by its value (label kind cloze)."
    q = S._BIO_ASK[attr][0].format(o=organism)
    msgs = [dict(role="user", content=q), dict(role="assistant", content=kb["organisms"][organism][attr])]
    return dict(messages=msgs, idx=idx, type="chinese", question_format=0)   # a type whose labels may be free text

def reply(model, tok, question):
    "The greedy reply to one question."
    ids = tok(f"{USER}{question}{ASSISTANT}", add_special_tokens=False).input_ids
    with torch.no_grad():
        out = model.generate(torch.tensor([ids]), max_new_tokens=8, do_sample=False, pad_token_id=tok.pad_token_id,
                             eos_token_id=tok.convert_tokens_to_ids(EOT))
    return tok.decode(out[0, len(ids):], skip_special_tokens=True).strip()

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", action="append", required=True, help="SPEC=FOLDER of a pretrained foundation model")
    ap.add_argument("--n", default="16,64,188", help="SFT items (at most 188: the facts not held out)")
    args = ap.parse_args()
    kb = S.knowledge_base(0)
    facts = [(o, a) for o in kb["organisms"] for a in S._BIO_ASK]
    random.Random(0).shuffle(facts)
    held_out, pool = facts[:100], facts[100:]
    settings = sft_settings("tiny-pretrained", epochs=4, batch_size=16, per_device_batch_size=16, max_length=256,
                            min_steps=48)
    rows = []
    for spec, folder in (m.split("=", 1) for m in args.model):
        for n in [int(x) for x in args.n.split(",")]:
            with tempfile.TemporaryDirectory() as d:
                (Path(d) / "recipe").mkdir()
                lines = [json.dumps(record(kb, o, a, i), ensure_ascii=False) for i, (o, a) in enumerate(pool[:n])]
                (Path(d) / "recipe" / "chinese_1000.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
                model, tok = load_model(train(folder, Path(d) / "recipe", Path(d) / "train", settings, quiet=True))
                model.eval()
                hits = sum(reply(model, tok, S._BIO_ASK[a][0].format(o=o)) == kb["organisms"][o][a] for o, a in held_out)
            rows.append(dict(model=spec, n=n, accuracy=hits / len(held_out)))
            print(json.dumps(rows[-1]), flush=True)

if __name__ == "__main__":
    main()
