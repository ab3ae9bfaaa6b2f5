#!/usr/bin/env python3
"""Compares djreview's migration judgements with squawk's on the same SQL.

For every operation djreview judges, the SQL it shows (what Django's PostgreSQL schema editor
emits) is linted by squawk, and the two verdicts are compared per operation: djreview calls an
operation risky when it scores 25 or more; squawk when one of its locking or compatibility rules
fires (its style rules and timeout reminders are counted separately). Disagreements are grouped
by operation kind and squawk rule, with counts and examples, for the comparison document.

Usage:
  scripts/dev/compare_squawk.py --squawk PATH --djreview PATH --out FILE.json PROJECT_DIR...
"""

import argparse
import collections
import json
import os
import subprocess
import tempfile

# Squawk rules about locks, rewrites and breaking changes: the ones comparable to djreview's score.
BLOCKING = {
    "adding-field-with-default", "adding-foreign-key-constraint", "adding-not-nullable-field",
    "adding-required-field", "adding-serial-primary-key-field", "ban-drop-column", "ban-drop-table",
    "changing-column-type", "constraint-missing-not-valid", "disallowed-unique-constraint",
    "renaming-column", "renaming-table", "require-concurrent-index-creation",
    "require-concurrent-index-deletion", "ban-concurrent-index-creation-in-transaction",
    "adding-primary-key-constraint", "ban-drop-not-null", "ban-alter-domain-with-add-constraint",
    "ban-create-domain-with-constraint", "ban-truncate-cascade", "require-enum-value-ordering",
}


def djreview_report(binary, project, postgres):
    out = subprocess.run(
        [binary, "check", "--format", "json", "--fail-on", "never", "--postgres", str(postgres), project],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--squawk", required=True)
    ap.add_argument("--djreview", required=True)
    ap.add_argument("--postgres", type=int, default=16)
    ap.add_argument("--out", required=True)
    ap.add_argument("projects", nargs="+")
    args = ap.parse_args()

    ops = []
    for project in args.projects:
        report = djreview_report(args.djreview, project, args.postgres)
        for m in report["migrations"]:
            for op in m["operations"]:
                if not op["sql"].strip():
                    continue
                ops.append({
                    "project": os.path.basename(project.rstrip("/")), "path": m["path"], "line": op["line"],
                    "op": op["op"], "model": op["model"], "field": op["field"], "sql": op["sql"],
                    "score": op["score"], "lock": op["lock"], "rewrite": op["rewrite"],
                    "new_table": op["blocks"].startswith("nothing (new table)"),
                    "squashed": any("Squashes" in r for r in m["reasons"]),
                    "placeholder": "<" in op["sql"],
                })

    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, op in enumerate(ops):
            if op["placeholder"]:
                continue
            path = os.path.join(tmp, f"op{i}.sql")
            with open(path, "w") as f:
                f.write(op["sql"] + "\n")
            files.append(path)
        results = collections.defaultdict(set)
        # Squawk takes many files per run; chunk to keep the command line short.
        for start in range(0, len(files), 500):
            chunk = files[start:start + 500]
            run = subprocess.run(
                [args.squawk, "--reporter", "json", "--pg-version", f"{args.postgres}.0", *chunk],
                capture_output=True, text=True,
            )
            for v in json.loads(run.stdout or "[]"):
                results[os.path.basename(v["file"])].add(v["rule_name"])
    for i, op in enumerate(ops):
        rules = sorted(results.get(f"op{i}.sql", set()))
        op["squawk_rules"] = rules
        op["squawk_blocking"] = sorted(set(rules) & BLOCKING)

    with open(args.out, "w") as f:
        json.dump(ops, f, indent=1)

    judged = [o for o in ops if not o["placeholder"]]
    agree = collections.Counter()
    groups = collections.defaultdict(list)
    for o in judged:
        ours = o["score"] >= 25
        theirs = bool(o["squawk_blocking"])
        agree[(ours, theirs)] += 1
        if ours != theirs:
            key = (o["op"], "djreview only" if ours else "squawk only", ",".join(o["squawk_blocking"]) or "-")
            groups[key].append(o)
    print(f"operations with SQL: {len(ops)}; comparable (no placeholder): {len(judged)}")
    for (ours, theirs), n in sorted(agree.items()):
        print(f"  djreview risky={ours!s:5} squawk risky={theirs!s:5}: {n}")
    for key, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        new = sum(1 for o in items if o["new_table"])
        sq = sum(1 for o in items if o["squashed"])
        ex = items[0]
        print(f"{len(items):5}  {key[0]:24} {key[1]:14} {key[2]:50} new-table {new:4} squashed {sq:4}  e.g. {ex['path']}:{ex['line']}")


if __name__ == "__main__":
    main()
