"""How much pretraining a tiny foundation model needs before it names the letter of the right option (issue 12).

Pretrains `--spec` on the default corpus (`pretraining_corpus`) for each of `--epochs`, and reports, on fresh items:
practice single-choice questions (categories and sums, the corpus's own exam practice) and biology questions (the
knowledge base), the share answered right by the first generated letter, and the knowledge probe. Chance is 0.25.
Runs on a GPU when there is one (`--device`)."""
import argparse, json, random, time
from pathlib import Path
import torch
from doit_nb import pretraining as P, sample as S
from doit_nb.models import load_model, USER, ASSISTANT, foundation_model

def letter_accuracy(model, tok, items, device):
    "Share of (question, letter) items whose letter the model ranks first among A-D right after the assistant token."
    letters = [tok("ABCD"[i], add_special_tokens=False).input_ids[0] for i in range(4)]
    hits = 0
    for q, a in items:
        ids = torch.tensor([tok(f"{USER}{q}{ASSISTANT}", add_special_tokens=False).input_ids], device=device)
        with torch.no_grad():
            pick = "ABCD"[int(model(input_ids=ids).logits[0, -1, letters].argmax())]
        hits += pick == a
    return hits / len(items)

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True, help="the sample DoIT layout (runs/default/data)")
    ap.add_argument("--spec", default="tiny-m")
    ap.add_argument("--epochs", default="1,3,10")
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--skill-docs", type=int, default=4000)
    ap.add_argument("--passes", type=int, default=120)
    ap.add_argument("--practice", type=int, default=0, help="questions about the practice world (`practice_base`)")
    ap.add_argument("--out", default="runs/letter-skill")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rng = random.Random(123)
    practice = []
    while len(practice) < 200:
        q, a = P.exam_item(rng)
        if q.startswith("单项"):
            practice.append((q, a))
    w = S.sample_world(0)
    biology = [(r["messages"][0]["content"], r["messages"][1]["content"]) for r in (S.gen_biology(rng, w) for _ in range(200))]
    rows = []
    for ep in [float(e) for e in args.epochs.split(",")]:
        s = P.pretrain_settings(passes=args.passes, skill_docs=args.skill_docs, epochs=ep, learning_rate=args.lr, practice=args.practice,
                                min_learning_rate=args.lr / 10)
        out = Path(args.out) / f"{args.spec}-ep{ep:g}-lr{args.lr:g}-skill{args.skill_docs}-practice{args.practice}"
        t0 = time.time()
        folder = P.pretrain_foundation(args.spec, args.data, out, s)
        seconds = time.time() - t0
        model, tok = load_model(folder)
        model = model.to(device).eval()
        meta = json.loads((folder / "doit_model.json").read_text())["pretraining"]
        row = dict(spec=args.spec, epochs=ep, lr=args.lr, skill_docs=args.skill_docs, practice=args.practice, steps=meta["steps"],
                   seconds=round(seconds, 1), final_loss=meta["final_loss"],
                   knowledge=meta["knowledge"]["share"], practice_letter=letter_accuracy(model, tok, practice, device),
                   biology_letter=letter_accuracy(model, tok, biology, device), device=device)
        print(json.dumps(row), flush=True)
        rows.append(row)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / f"{args.spec}-practice{args.practice}.json").write_text(json.dumps(rows, indent=1))

if __name__ == "__main__":
    main()
