#!/usr/bin/env python3
"""Measures djreview on real diffs: how much of a diff is analysed, whether any real diff is reported
as unreadable, and how findings from the diff alone compare with findings on the full new tree.

usage: diff_eval.py DJREVIEW CHANGE.diff NEW_TREE_ROOT
       diff_eval.py --dump DJREVIEW CHANGE.diff

--dump lists the Python hunks djreview leaves out (it sets DJREVIEW_DEBUG_DIFF, a development aid
of the engine that prints each hunk left out with its parse error) and classifies why, from the hunk
itself: it starts inside a triple-quoted string or inside brackets, starts with (or returns to) a
continuation clause (`elif`, `else`, `except`, `finally`), ends inside brackets, or ends with a
decorator.

A finding from the diff alone that the full tree does not have at the same place is "diff-only": the
partial view lacked context that would have silenced it (a candidate false positive). A full-tree
finding on a changed line that the diff alone misses is "missed": its evidence lies outside the hunks.
"""
import collections
import json
import os
import re
import subprocess
import sys


def run(djreview, *paths):
    out = subprocess.run([djreview, "check", "--format", "json", "--fail-on", "never", *paths],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


CLAUSE = re.compile(r"\s*(elif\b|else\s*:|except\b|finally\s*:)")


def scan(lines):
    """Reads hunk lines as code from the top: closing brackets without an opening one, what is open at
    the end, and the number of triple-quote delimiters."""
    stack, unmatched, triple, delimiters = [], 0, None, 0
    for line in lines:
        i = 0
        while i < len(line):
            c = line[i]
            if triple:
                if line.startswith(triple, i):
                    triple, i, delimiters = None, i + 3, delimiters + 1
                    continue
                i += 2 if c == "\\" else 1
                continue
            if c == "#":
                break
            if line.startswith('"""', i) or line.startswith("'''", i):
                triple, i, delimiters = line[i:i + 3], i + 3, delimiters + 1
                continue
            if c in "\"'":
                j = i + 1
                while j < len(line) and line[j] != c:
                    j += 2 if line[j] == "\\" else 1
                i = j + 1
                continue
            if c in "([{":
                stack.append(c)
            elif c in ")]}":
                if stack:
                    stack.pop()
                else:
                    unmatched += 1
            i += 1
    # An odd number of delimiters leaves a string open at the end when read from the top; whether the
    # hunk starts or ends inside it is the same ambiguity, counted once.
    return unmatched, bool(stack), delimiters


def causes(lines):
    code = [l for l in lines if l.strip() and not l.strip().startswith("#")]
    if not code:
        return ["comments only"]
    unmatched, open_at_end, delimiters = scan(lines)
    out = []
    if delimiters % 2 == 1:
        out.append("unbalanced triple quotes (starts or ends inside a string)")
    if unmatched:
        out.append("starts inside brackets")
    first = len(code[0]) - len(code[0].lstrip())
    if CLAUSE.match(code[0]):
        out.append("starts with elif/else/except/finally")
    elif any(CLAUSE.match(l) and len(l) - len(l.lstrip()) < first for l in code):
        out.append("returns to elif/else/except/finally below its first line")
    if open_at_end:
        out.append("ends inside brackets")
    if code[-1].lstrip().startswith("@"):
        out.append("ends with a decorator")
    return out or ["other"]


def dump(djreview, diff):
    env = dict(os.environ, DJREVIEW_DEBUG_DIFF="1")
    err = subprocess.run([djreview, "check", "--format", "json", "--fail-on", "never", diff],
                         capture_output=True, text=True, env=env).stderr
    with open(diff, encoding="utf-8", errors="replace") as f:
        diff_lines = f.read().split("\n")
    left_out = re.findall(r"^=== (DROPPED|UNREADABLE) (\S+) hunk (\d+) \(diff line (\d+)\).*\n--- (.*)", err, re.M)
    tally = collections.Counter()
    for how, path, _, line, error in left_out:
        i, hunk = int(line), []
        while i < len(diff_lines) and diff_lines[i][:1] in (" ", "+", "-", "\\", ""):
            if diff_lines[i].startswith(("--- ", "+++ ")) or (diff_lines[i] == "" and i + 1 == len(diff_lines)):
                break
            if diff_lines[i][:1] != "-" and diff_lines[i][:1] != "\\":
                hunk.append(diff_lines[i][1:])
            i += 1
        found = causes(hunk) if path.endswith(".py") else ["not a .py file (read as Python by its content)"]
        tally.update(found)
        print(f"{path} (diff line {line}, {how.lower()}): {'; '.join(found)}\n    {error[:150]}")
    print(f"hunks left out: {len(left_out)}")
    for cause, n in tally.most_common():
        print(f"  {n:4} {cause}")


def main():
    if sys.argv[1] == "--dump":
        dump(*sys.argv[2:4])
        return
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
    # Hunks left out of rebuilt Python files (counted like `python_hunks`: files named `.py`).
    skipped = sum(1 for f in report["files"] if f["path"].endswith(".py")
                  for n in f.get("notes", []) if "were not analysed" in n)
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
