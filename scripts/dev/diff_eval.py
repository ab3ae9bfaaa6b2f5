#!/usr/bin/env python3
"""Measures djreview on real diffs: how much of a diff is analysed, whether any real diff is reported
as unreadable, and how findings from the diff alone compare with findings on the full new tree.

usage: diff_eval.py DJREVIEW CHANGE.diff NEW_TREE_ROOT

A finding from the diff alone that the full tree does not have at the same place is "diff-only": the
partial view lacked context that would have silenced it (a candidate false positive). A full-tree
finding on a changed line that the diff alone misses is "missed": its evidence lies outside the hunks.
"""
import json
import subprocess
import sys


def run(djreview, *paths):
    out = subprocess.run([djreview, "check", "--format", "json", "--fail-on", "never", *paths],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main():
    djreview, diff, tree = sys.argv[1:4]
    from_diff = run(djreview, diff)
    full = run(djreview, tree)
    root = tree.rstrip("/") + "/"

    def rel(p):
        return p[len(root):] if p.startswith(root) else p

    python_hunks = 0
    with open(diff, encoding="utf-8", errors="replace") as f:
        current = ""
        for line in f:
            if line.startswith("+++ "):
                current = line[4:].strip()
            elif line.startswith("@@") and current.endswith(".py"):
                python_hunks += 1
    report = from_diff["diffs"][0] if from_diff.get("diffs") else {"files": []}
    skipped = sum(1 for f in report["files"] for n in f.get("notes", []) if "were not analysed" in n)
    kinds = {}
    for f in report["files"]:
        kinds[f.get("kind") or "-"] = kinds.get(f.get("kind") or "-", 0) + 1
    unreadable = [f for f in from_diff["findings"] if f["code"] == "SYN004"]
    syntax = [f for f in from_diff["findings"] if f["code"] in ("SYN001", "SYN002", "SYN003")]

    full_at = {(rel(f["path"]), f["line"], f["code"]) for f in full["findings"]}
    diff_findings = [f for f in from_diff["findings"] if f.get("diff")]
    diff_only = [f for f in diff_findings if (f["path"], f["line"], f["code"]) not in full_at]
    changed_paths = {}
    for f in report["files"]:
        changed_paths[f["path"]] = f
    # Full-tree findings on lines the change added, for files the diff changes.
    added = {}
    for f in diff_findings:
        pass
    diff_at = {(f["path"], f["line"], f["code"]) for f in diff_findings}
    print(f"files in diff: {len(report['files'])} {kinds}")
    print(f"python hunks: {python_hunks}, not analysed: {skipped} ({100 * skipped / max(python_hunks, 1):.1f} %)")
    print(f"unreadable-diff findings: {len(unreadable)}; syntax findings on rebuilt files: {len(syntax)}")
    for f in (unreadable + syntax)[:10]:
        print(f"  {f['code']} {f['path']}:{f['line']} {f['message'][:120]}")
    changed = [f for f in diff_findings if f["diff"]["changed"]]
    print(f"findings from the diff alone: {len(diff_findings)} ({len(changed)} on changed lines)")
    print(f"diff-only (not found on the full tree at the same place): {len(diff_only)}")
    for f in diff_only[:40]:
        print(f"  {f['code']} {f['path']}:{f['line']} {'changed' if f['diff']['changed'] else 'context'}: {f['message'][:140]}")
    missed = [f for f in full["findings"] if (rel(f["path"]), f["line"], f["code"]) not in diff_at
              and rel(f["path"]) in changed_paths]
    print(f"full-tree findings in changed files not found from the diff: {len(missed)} (evidence outside the hunks, or lines not shown)")


main()
