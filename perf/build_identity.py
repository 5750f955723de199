"""Whether a rebuilt profile's results are those of the build before it: compares the results and item tables of two
builds (copies of `runs/<profile>/{results,items}.parquet`), keyed by run, checkpoint, split, ability (and item),
leaving out the columns that describe the execution rather than the result. Writes a JSON record.

    python perf/build_identity.py BEFORE_FOLDER AFTER_FOLDER --what "..." --out perf/reports/NAME.json
"""
import argparse, json
from pathlib import Path
import pandas as pd

EXECUTION = ["git_commit", "git_dirty", "seconds", "executed_at", "software", "run_seconds"]   # not results
KEYS = {"results.parquet": ["run", "checkpoint", "split", "ability"],
        "items.parquet": ["run", "checkpoint", "split", "ability", "idx"]}


def compare(before: Path, after: Path, name: str) -> dict:
    "Rows, compared columns and the columns whose values differ between the two builds' table `name`."
    a, b = pd.read_parquet(before / name), pd.read_parquet(after / name)
    cols = sorted((set(a.columns) & set(b.columns)) - set(EXECUTION))
    a = a[cols].sort_values(KEYS[name]).reset_index(drop=True)
    b = b[cols].sort_values(KEYS[name]).reset_index(drop=True)
    differ = [c for c in cols if len(a) != len(b) or not a[c].equals(b[c])]
    return dict(rows_before=len(a), rows_after=len(b), columns=len(cols), differing_columns=differ,
                columns_in_one_only=sorted(set(pd.read_parquet(before / name).columns) ^ set(pd.read_parquet(after / name).columns)))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before", type=Path)
    p.add_argument("after", type=Path)
    p.add_argument("--what", required=True, help="what was rebuilt, and why")
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args()
    tables = {name: compare(a.before, a.after, name) for name in KEYS}
    same = all(not t["differing_columns"] and t["rows_before"] == t["rows_after"] for t in tables.values())
    record = dict(what=a.what, left_out_columns=EXECUTION, tables=tables, identical=same)
    a.out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=1))
