"""Why is the size family not ordered on the before-SFT likelihood view? (issue 43, item 1)

Before SFT, tiny-l's mean gold likelihood on some choice abilities falls below tiny-m's while its token loss on every
kind of pretraining document is lower (the default's report). The likelihood view of a choice item is the gold
reply's share of the probability over its candidates, each read as the mean token NLL of the reply given the prompt
(`21_scoring`). This script reads, for each ability whose items carry candidates, on the tracked default's
foundation models: the gold share, how often each candidate wins, and the mean token NLL of the replies, in the
chat layout the scorer uses and as plain text (question, newline, reply), each also read per character (the reply's
whole NLL over its characters) instead of per token, beside the model's loss on its pretraining documents. A reply NLL far above the document losses says the foundation models never learnt the replies' form, so
the view compares which template the corpus made familiar, not what a larger model knows.

Usage: python experiments/family_likelihood.py [--out experiments/reports/family-likelihood.jsonl]"""
import argparse, json
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def plain_pairs(tok, records: list) -> list:
    "(prompt ids, reply ids) per candidate, as plain text: the question, a newline, the candidate; no speaker tokens."
    ask = lambda r: tok(r["messages"][-2]["content"] + "\n", add_special_tokens=False).input_ids
    return [(ask(r), tok(c, add_special_tokens=False).input_ids) for r in records for c in r["choices"]]


def chat_pairs(tok, records: list) -> list:
    "(prompt ids, reply ids) per candidate in the chat layout the scorer reads (`prompt_ids`, `reply_ids`)."
    from doit_nb.scoring import prompt_ids, reply_ids
    return [(prompt_ids(tok, r["messages"][:-1]), reply_ids(tok, c)) for r in records for c in r["choices"]]


def candidate_view(nll: np.ndarray) -> dict:
    "From (items, candidates) mean NLLs: the gold (first) share in %, each candidate's wins, the mean NLL per candidate."
    p = np.exp(-(nll - nll.min(1, keepdims=True)))
    return dict(gold_share=round(float(100 * (p[:, 0] / p.sum(1)).mean()), 1),
                wins=(np.bincount(nll.argmin(1), minlength=nll.shape[1]) / len(nll)).round(2).tolist(),
                mean_nll=nll.mean(0).round(2).tolist())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "experiments" / "reports" / "family-likelihood.jsonl")
    a = ap.parse_args()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from doit_nb.records import load_records
    from doit_nb.scoring import reply_nll
    torch.set_num_threads(1)
    manifest = json.loads((ROOT / "figures" / "default" / "manifest.json").read_text(encoding="utf-8"))
    data = ROOT / "runs" / "default" / "data" / "curated" / "test"
    with open(a.out, "w", encoding="utf-8") as out:
        for f in sorted(data.glob("*_test.json")):
            records = load_records(f)
            if not all("choices" in r for r in records):
                continue
            for size, found in manifest["foundations"].items():
                tok = AutoTokenizer.from_pretrained(ROOT / found["model"])
                model = AutoModelForCausalLM.from_pretrained(ROOT / found["model"]).eval()
                row = dict(ability=records[0]["type"], model=size, document_losses=found["document_losses"])
                chars = np.array([[len(c) for c in r["choices"]] for r in records], float)
                for layout, pairs in (("chat", chat_pairs), ("plain", plain_pairs)):
                    made = pairs(tok, records)
                    tokens = np.array([len(reply) for _, reply in made], float).reshape(chars.shape)
                    nll = np.array(reply_nll(model, made, pad_id=tok.pad_token_id)).reshape(chars.shape)
                    row[layout] = candidate_view(nll)
                    row[layout + "_per_char"] = candidate_view(nll * tokens / chars)   # the reply's whole NLL per character
                    row[layout + "_tokens"] = tokens.mean(0).round(1).tolist()
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                print(row["ability"], size, {k: v["gold_share"] for k, v in row.items() if isinstance(v, dict) and "gold_share" in v}, flush=True)


if __name__ == "__main__":
    main()
