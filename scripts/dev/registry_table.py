#!/usr/bin/env python3
"""Regenerates the RULES table in crates/engine/src/registry.rs from the rule files.

Each rule file under crates/engine/src/rules/<category>/ declares one `declare_rule!` static; this
lists them sorted by code. Rules produced by a front end (syntax) are marked `FrontEnd`. Run
`cargo fmt` afterwards. The registry tests check the result.
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parents[2] / "crates/engine/src"
rules = []
for path in sorted((root / "rules").glob("*/*.rs")):
    m = re.match(r"([a-z]{3})(\d{3})_", path.name)
    if not m:
        continue
    text = path.read_text()
    decl = re.search(r"pub (\w+) \{\s*code: \"(\w+)\"", text)
    if not decl:
        raise SystemExit(f"{path}: no declare_rule! static found")
    static, code = decl.groups()
    module = f"{path.parent.name}::{path.stem}"
    if "pub fn check(ctx: &PyContext" in text:
        kind = "Python"
    elif "pub fn check(ctx: &TemplateContext" in text:
        kind = "Template"
    elif "pub fn check(ctx: &ProjectContext" in text:
        kind = "Project"
    else:
        kind = None
    rules.append((code, module, static, kind))
rules.sort()
lines = ["pub static RULES: &[Rule] = &["]
for code, module, static, kind in rules:
    check = "Check::FrontEnd" if kind is None else f"Check::{kind}({module}::check)"
    lines.append(f"    Rule {{ meta: &{module}::{static}, check: {check} }},")
lines.append("];")
registry = root / "registry.rs"
src = registry.read_text()
start = src.index("pub static RULES: &[Rule] = &[")
end = src.index("];", start) + 2
src = src[:start] + "\n".join(lines) + src[end:]
categories = sorted({m.split("::")[0] for _, m, _, _ in rules})
src = re.sub(r"use crate::rules::\{[^}]*\};", "use crate::rules::{" + ", ".join(categories) + "};", src)
registry.write_text(src)
print(f"{len(rules)} rules")
