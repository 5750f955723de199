"""experiments/family_likelihood.py: the candidates' pairs in both layouts and the view read from their NLLs."""
import sys
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import family_likelihood as F


class CharTok:
    "A tokenizer of one id per character, with the speaker tokens the chat layout needs."
    def __call__(self, text, add_special_tokens=False):
        return type("Enc", (), {"input_ids": [ord(c) for c in text]})()

    def apply_chat_template(self, messages, add_generation_prompt=True, tokenize=False):
        return "".join(f"<{m['role']}>{m['content']}" for m in messages) + "<assistant>"

    def convert_tokens_to_ids(self, token):
        return 0


def test_pairs_hold_one_per_candidate_and_differ_by_layout():
    rec = dict(messages=[dict(role="user", content="问"), dict(role="assistant", content="甲")], choices=["甲", "乙乙"])
    plain, chat = F.plain_pairs(CharTok(), [rec]), F.chat_pairs(CharTok(), [rec])
    assert [len(r) for _, r in plain] == [1, 2] and plain[0][0] == [ord("问"), ord("\n")]
    assert [len(r) for _, r in chat] == [2, 3]   # each chat reply is closed by <eot>
    assert len(chat[0][0]) > len(plain[0][0])


def test_candidate_view_reads_gold_share_and_wins():
    nll = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 2.0]])
    v = F.candidate_view(nll)
    assert v["wins"] == [0.5, 0.5, 0.0]
    first = np.exp(-np.array([0.0, 1.0, 2.0]))
    second = np.exp(-np.array([1.0, 0.0, 1.0]))
    assert abs(v["gold_share"] - round(100 * (first[0] / first.sum() + second[0] / second.sum()) / 2, 1)) < 1e-9
    assert v["mean_nll"] == [1.5, 1.5, 2.5]
