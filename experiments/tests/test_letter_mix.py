"""experiments/letter_mix.py: the convention it trains on moves each item's right option to its question's letter."""
import random, sys
from collections import defaultdict
from pathlib import Path
from doit_nb import sample as S
from doit_nb.records import check_record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import letter_mix


def _options(record):
    return letter_mix._OPTION.findall(record["messages"][-2]["content"])


def test_convention_keeps_the_item_and_fixes_the_letter():
    rng, w = random.Random(7), S.sample_world(0)
    letters = defaultdict(set)
    for i in range(200):
        r = {**S.gen_understanding(rng, w), "idx": i, "type": "understanding"}
        c = letter_mix.by_convention(r)
        before, after = dict(_options(r)), dict(_options(c))
        assert sorted(before.values()) == sorted(after.values())  # the same options, rearranged
        assert after[c["messages"][-1]["content"]] == before[r["messages"][-1]["content"]]  # the label follows
        assert c["messages"][:-2] == r["messages"][:-2]  # the dialogue is untouched
        assert not check_record(c, "test")
        letters[c["messages"][-2]["content"].split("\n")[0]].add(c["messages"][-1]["content"])
    assert all(len(v) == 1 for v in letters.values())  # one letter per question
    assert len(set.union(*letters.values())) > 1  # and not the same letter for every question
