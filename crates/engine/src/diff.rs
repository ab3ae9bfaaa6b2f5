//! Unified diffs as input: `git diff`, `git format-patch`, a pull request's `.diff`, or plain
//! `diff -u`. The reader never fails as a whole; a damaged hunk becomes a [`DiffProblem`] at its
//! line and the rest of the diff is still read.
//!
//! [`rebuild`] turns one file's hunks back into the new version of the file, with every line at its
//! new line number. Lines the diff does not show are blank; for Python, some of those blank lines
//! become synthetic lines so that a hunk from the middle of a file parses: block headers (the hunk's
//! `@@ ... @@ class Order(...)` context line, `if True:`, `try:` before an `except` shown without
//! its `try`), a `pass` body, a line opening the brackets or the docstring a hunk starts inside
//! (`_ = f(`, `"""`), and closers for what a hunk ends inside. [`PythonPlan`] works out, per hunk
//! and by parsing it on its own, which opening it needs; [`rebuild_python`] then places each hunk
//! either inside what the hunks before it left open (the next method of the same class, the rest
//! of the same call) or on its own from the module level. Findings on synthetic lines refer to code
//! nobody wrote and are dropped by the analysis.

use serde::{Deserialize, Serialize};

/// The largest new-side line number accepted; a hunk claiming more is refused (it would make the
/// rebuilt file absurdly large).
pub const MAX_LINE: u32 = 2_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchStatus {
    Added,
    Modified,
    Deleted,
    Renamed,
    Binary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineOrigin {
    Context,
    Added,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HunkLine {
    pub origin: LineOrigin,
    pub text: String,
    /// 1-based line in the diff text.
    pub diff_line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunk {
    pub old_start: u32,
    pub new_start: u32,
    /// What git prints after the second `@@`: the nearest enclosing `def`/`class` line, often.
    pub context: String,
    pub header_line: u32,
    pub lines: Vec<HunkLine>,
}

impl Hunk {
    /// The new-side lines (context and added), in order.
    pub fn new_side(&self) -> impl Iterator<Item = &HunkLine> {
        self.lines.iter().filter(|l| l.origin != LineOrigin::Removed)
    }

    pub fn new_count(&self) -> u32 {
        self.new_side().count() as u32
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePatch {
    /// `None` for a file the diff creates.
    pub old_path: Option<String>,
    /// `None` for a file the diff deletes.
    pub new_path: Option<String>,
    pub status: PatchStatus,
    pub hunks: Vec<Hunk>,
    /// Line of the diff where this file's section starts.
    pub diff_line: u32,
}

impl FilePatch {
    /// The path the file has after the change (before it, for a deletion).
    pub fn path(&self) -> &str {
        self.new_path.as_deref().or(self.old_path.as_deref()).unwrap_or("")
    }

    pub fn added(&self) -> u32 {
        self.hunks.iter().flat_map(|h| &h.lines).filter(|l| l.origin == LineOrigin::Added).count() as u32
    }

    pub fn removed(&self) -> u32 {
        self.hunks.iter().flat_map(|h| &h.lines).filter(|l| l.origin == LineOrigin::Removed).count() as u32
    }

    /// Whether the diff holds the whole new file (it creates the file).
    pub fn is_complete(&self) -> bool {
        self.status == PatchStatus::Added || (self.old_path.is_none() && self.status != PatchStatus::Deleted)
    }

    /// The diff line showing a new-side line, and whether the change added it.
    pub fn locate(&self, new_line: u32) -> Option<(u32, bool)> {
        for h in &self.hunks {
            if new_line < h.new_start {
                break;
            }
            for (n, l) in (h.new_start..).zip(h.new_side()) {
                if n == new_line {
                    return Some((l.diff_line, l.origin == LineOrigin::Added));
                }
            }
        }
        None
    }

    /// New-side line numbers the change added.
    pub fn added_lines(&self) -> Vec<u32> {
        let mut out = Vec::new();
        for h in &self.hunks {
            for (n, l) in (h.new_start..).zip(h.new_side()) {
                if l.origin == LineOrigin::Added {
                    out.push(n);
                }
            }
        }
        out
    }
}

/// A part of the diff that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffProblem {
    pub line: u32,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedDiff {
    pub files: Vec<FilePatch>,
    pub problems: Vec<DiffProblem>,
}

/// Reads a unified diff. Never panics; unreadable parts are reported and skipped.
pub fn parse(text: &str) -> ParsedDiff {
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut out = ParsedDiff::default();
    let mut current: Option<FilePatch> = None;
    // Whether `current` came from a `diff --git` line and has seen no `---`/`+++` or hunk yet.
    let mut git_header_open = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let number = i as u32 + 1;
        if let Some(rest) = line.strip_prefix("diff --git ") {
            out.files.extend(current.take());
            let (old, new) = git_header_paths(rest);
            current = Some(FilePatch {
                old_path: old,
                new_path: new,
                status: PatchStatus::Modified,
                hunks: Vec::new(),
                diff_line: number,
            });
            git_header_open = true;
            i += 1;
            continue;
        }
        if line.starts_with("--- ") && lines.get(i + 1).is_some_and(|l| l.starts_with("+++ ")) {
            let old = header_path(&line[4..]);
            let new = header_path(&lines[i + 1][4..]);
            let (old, new) = strip_prefixes(old, new);
            let continuing = git_header_open && current.as_ref().is_some_and(|c| c.hunks.is_empty());
            if !continuing {
                out.files.extend(current.take());
                current = Some(FilePatch {
                    old_path: None,
                    new_path: None,
                    status: PatchStatus::Modified,
                    hunks: Vec::new(),
                    diff_line: number,
                });
            }
            if let Some(c) = current.as_mut() {
                c.old_path = old;
                c.new_path = new;
                if c.old_path.is_none() {
                    c.status = PatchStatus::Added;
                } else if c.new_path.is_none() {
                    c.status = PatchStatus::Deleted;
                } else if c.status == PatchStatus::Modified && c.old_path != c.new_path {
                    c.status = PatchStatus::Renamed;
                }
            }
            git_header_open = false;
            i += 2;
            continue;
        }
        if line.starts_with("@@") {
            let Some(patch) = current.as_mut() else {
                out.problems.push(DiffProblem {
                    line: number,
                    message: "a hunk (`@@ ... @@`) before any file header (`--- a/...`, `+++ b/...`); it was skipped"
                        .into(),
                });
                i = skip_hunk_body(&lines, i + 1);
                continue;
            };
            git_header_open = false;
            match hunk_header(line) {
                Some((old_start, old_count, new_start, new_count, context)) => {
                    let (hunk, next, problem) =
                        read_hunk(&lines, i, old_start, old_count, new_start, new_count, context);
                    out.problems.extend(problem);
                    let overlaps = patch.hunks.last().is_some_and(|prev| prev.new_start + prev.new_count() > new_start);
                    if new_start.saturating_add(new_count) > MAX_LINE {
                        out.problems.push(DiffProblem {
                            line: number,
                            message: format!(
                                "the hunk claims line {new_start}, beyond the {MAX_LINE} lines djreview rebuilds; it was skipped"
                            ),
                        });
                    } else if overlaps {
                        out.problems.push(DiffProblem {
                            line: number,
                            message: "this hunk overlaps the one before it (the line numbers in `@@ ... @@` go backwards); it was skipped".into(),
                        });
                    } else {
                        patch.hunks.push(hunk);
                    }
                    i = next;
                }
                None => {
                    out.problems.push(DiffProblem {
                        line: number,
                        message: format!(
                            "unreadable hunk header `{}`: expected `@@ -OLD,COUNT +NEW,COUNT @@`; the hunk was skipped",
                            truncate(line, 60)
                        ),
                    });
                    i = skip_hunk_body(&lines, i + 1);
                }
            }
            continue;
        }
        if let Some(c) = current.as_mut() {
            if git_header_open {
                if line.starts_with("new file mode") {
                    c.status = PatchStatus::Added;
                    c.old_path = None;
                } else if line.starts_with("deleted file mode") {
                    c.status = PatchStatus::Deleted;
                    c.new_path = None;
                } else if let Some(p) = line.strip_prefix("rename from ") {
                    c.old_path = Some(unquote(p));
                    c.status = PatchStatus::Renamed;
                } else if let Some(p) = line.strip_prefix("rename to ") {
                    c.new_path = Some(unquote(p));
                    c.status = PatchStatus::Renamed;
                } else if line.starts_with("Binary files ") || line == "GIT binary patch" {
                    c.status = PatchStatus::Binary;
                }
            } else if line.starts_with("Binary files ") && line.ends_with(" differ") {
                out.files.extend(current.take());
            }
        }
        i += 1;
    }
    out.files.extend(current.take());
    for f in out.files.iter_mut() {
        // `diff -N` shows a created file as an empty old file rather than /dev/null.
        let created = matches!(f.hunks.as_slice(), [h] if h.old_start == 0 && h.lines.iter().all(|l| l.origin == LineOrigin::Added));
        if created && f.status == PatchStatus::Modified {
            f.status = PatchStatus::Added;
        }
    }
    out
}

/// The end of a hunk body that cannot be read: the next line that is not a hunk line.
fn skip_hunk_body(lines: &[&str], mut i: usize) -> usize {
    while i < lines.len() && matches!(lines[i].as_bytes().first(), Some(b' ' | b'+' | b'-' | b'\\')) {
        if lines[i].starts_with("--- ") || lines[i].starts_with("+++ ") {
            break;
        }
        i += 1;
    }
    i
}

/// Reads the hunk whose header is at `at`. Returns it, the index after it, and a problem when it
/// ended before its header's counts were met.
fn read_hunk(
    lines: &[&str],
    at: usize,
    old_start: u32,
    mut old_left: u32,
    new_start: u32,
    mut new_left: u32,
    context: String,
) -> (Hunk, usize, Option<DiffProblem>) {
    let mut hunk = Hunk { old_start, new_start, context, header_line: at as u32 + 1, lines: Vec::new() };
    let mut i = at + 1;
    let mut problem = None;
    while old_left > 0 || new_left > 0 {
        let Some(&line) = lines.get(i) else {
            // A diff that ends right after its last line ("...\n" split leaves an empty tail).
            problem = Some(early_end(i, old_left, new_left));
            break;
        };
        let (origin, text) = match line.as_bytes().first() {
            Some(b' ') => (LineOrigin::Context, &line[1..]),
            Some(b'+') => (LineOrigin::Added, &line[1..]),
            Some(b'-') => (LineOrigin::Removed, &line[1..]),
            Some(b'\\') => {
                i += 1;
                continue;
            }
            // Editors and chat tools strip the single space of an empty context line.
            None if i + 1 < lines.len() => (LineOrigin::Context, ""),
            _ => {
                problem = Some(early_end(i, old_left, new_left));
                break;
            }
        };
        match origin {
            LineOrigin::Context if old_left > 0 && new_left > 0 => {
                old_left -= 1;
                new_left -= 1;
            }
            LineOrigin::Added if new_left > 0 => new_left -= 1,
            LineOrigin::Removed if old_left > 0 => old_left -= 1,
            _ => {
                problem = Some(DiffProblem {
                    line: i as u32 + 1,
                    message: format!(
                        "this line does not fit the hunk's counts ({} old and {} new lines were left); the hunk was cut here",
                        old_left, new_left
                    ),
                });
                break;
            }
        }
        hunk.lines.push(HunkLine { origin, text: text.to_string(), diff_line: i as u32 + 1 });
        i += 1;
    }
    // "\ No newline at end of file" follows the last line.
    while lines.get(i).is_some_and(|l| l.starts_with('\\')) {
        i += 1;
    }
    (hunk, i, problem)
}

fn early_end(i: usize, old_left: u32, new_left: u32) -> DiffProblem {
    DiffProblem {
        line: i as u32 + 1,
        message: format!(
            "the hunk ends early: its header promised {old_left} more old and {new_left} more new lines (was the diff cut off?); what was there is analysed"
        ),
    }
}

/// `@@ -a,b +c,d @@ context` → (a, b, c, d, context). A missing count means 1.
fn hunk_header(line: &str) -> Option<(u32, u32, u32, u32, String)> {
    let rest = line.strip_prefix("@@ ")?;
    let end = rest.find(" @@")?;
    let ranges = &rest[..end];
    let context = rest[end + 3..].trim_start_matches('@').trim_start().to_string();
    let mut parts = ranges.split_whitespace();
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    if parts.next().is_some() {
        return None;
    }
    let range = |r: &str| -> Option<(u32, u32)> {
        match r.split_once(',') {
            Some((s, c)) => Some((s.parse().ok()?, c.parse().ok()?)),
            None => Some((r.parse().ok()?, 1)),
        }
    };
    let (a, b) = range(old)?;
    let (c, d) = range(new)?;
    Some((a, b, c, d, context))
}

/// The path on a `---`/`+++` line: unquoted, without a trailing timestamp; `None` for `/dev/null`.
fn header_path(raw: &str) -> Option<String> {
    let raw = raw.trim_end();
    let path = if raw.starts_with('"') {
        unquote(raw)
    } else {
        // `diff -u` puts a tab and a timestamp after the name.
        raw.split('\t').next().unwrap_or(raw).to_string()
    };
    (path != "/dev/null" && !path.is_empty()).then_some(path)
}

/// Removes git's `a/` and `b/` prefixes (or the mnemonic `i/`, `w/`, `c/`, `o/` ones) when both sides
/// carry one.
fn strip_prefixes(old: Option<String>, new: Option<String>) -> (Option<String>, Option<String>) {
    let prefix = |p: &Option<String>| {
        // A pattern, not `cond.then_some(b[0])`: that evaluates `b[0]` even for an empty name.
        match p.as_deref().map(str::as_bytes) {
            Some(&[letter, b'/', _, ..]) if letter.is_ascii_lowercase() => Some(letter),
            _ => None,
        }
    };
    let strip = |p: Option<String>| p.map(|p| p[2..].to_string());
    match (prefix(&old), prefix(&new)) {
        (Some(_), Some(_)) => (strip(old), strip(new)),
        (Some(_), None) if new.is_none() => (strip(old), None),
        (None, Some(_)) if old.is_none() => (None, strip(new)),
        _ => (old, new),
    }
}

/// The two paths of a `diff --git a/x b/y` line.
fn git_header_paths(rest: &str) -> (Option<String>, Option<String>) {
    let rest = rest.trim_end();
    if let Some(stripped) = rest.strip_prefix('"') {
        // Quoted old path: find its closing quote.
        let mut escaped = false;
        for (i, c) in stripped.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let old = unquote(&rest[..i + 2]);
                    let new = unquote(stripped[i + 1..].trim_start());
                    return strip_prefixes(Some(old), Some(new));
                }
                _ => escaped = false,
            }
        }
        return (None, None);
    }
    // Unquoted names may hold spaces: split where both halves name the same file, else at the last
    // ` b/`.
    let candidates: Vec<usize> = rest.match_indices(" b/").map(|(i, _)| i).collect();
    let split = candidates
        .iter()
        .copied()
        .find(|&i| rest[..i].strip_prefix("a/") == Some(&rest[i + 3..]))
        .or_else(|| candidates.last().copied());
    match split {
        Some(i) => strip_prefixes(Some(rest[..i].to_string()), Some(rest[i + 1..].to_string())),
        None => match rest.split_once(' ') {
            Some((a, b)) => strip_prefixes(Some(a.to_string()), Some(b.to_string())),
            None => (None, None),
        },
    }
}

/// Git's C-style quoting of unusual file names (`"a/caf\303\251.py"`).
fn unquote(raw: &str) -> String {
    let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return raw.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&n @ b'0'..=b'7') = it.peek() {
                        v = v * 8 + u32::from(n - b'0');
                        it.next();
                    }
                }
                bytes.push((v & 0xff) as u8);
            }
            Some(other) => bytes.push(other),
            None => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// Where a line of a rebuilt file came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewLine {
    /// Not shown by the diff (blank in the rebuilt file).
    Gap,
    /// A block header djreview wrote so the hunk after it parses.
    Synthetic,
    /// Shown by the diff, unchanged.
    Context { diff_line: u32 },
    /// Added by the change.
    Added { diff_line: u32 },
}

/// The new version of a file, as far as the diff shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebuilt {
    pub text: String,
    /// One entry per line of `text`.
    pub lines: Vec<NewLine>,
    /// Hunks left out (by index).
    pub skipped: Vec<usize>,
}

/// Rebuilds the new side of `patch`, leaving out the hunks marked in `skip`. With `python`, gaps
/// around hunks receive synthetic lines (see the module docs) so that each hunk parses in place;
/// [`rebuild_python`] lets the caller choose how each hunk is placed.
pub fn rebuild(patch: &FilePatch, python: bool, skip: &[bool]) -> Rebuilt {
    let placements: Vec<Placement> = (0..patch.hunks.len())
        .map(|i| if skip.get(i).copied().unwrap_or(false) { Placement::Skip } else { Placement::Auto })
        .collect();
    if python {
        rebuild_python(patch, &PythonPlan::new(patch), &placements)
    } else {
        write(patch, None, &placements)
    }
}

/// How a hunk of a Python file is placed in the rebuilt file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Inside the blocks the hunks before it left open when it fits there (the next method of the
    /// same class), else under synthetic headers from the module level.
    Auto,
    /// Under synthetic headers from the module level, whatever the hunks before it left open.
    Standalone,
    /// Left out.
    Skip,
}

/// What each hunk of a Python file needs around it to parse: whether it starts inside a
/// triple-quoted string or inside brackets (and the line that opens them), and the block headers
/// for the levels it returns to (`try:` before an `except` it shows without its `try`). Worked out
/// once per file by trying a few candidate openings per hunk, on the hunk alone, until one parses.
#[derive(Clone, Debug)]
pub struct PythonPlan {
    shapes: Vec<Shape>,
}

impl PythonPlan {
    pub fn new(patch: &FilePatch) -> Self {
        PythonPlan { shapes: patch.hunks.iter().map(shape_of).collect() }
    }

    /// Whether hunk `h` parses on its own, with its synthetic lines.
    pub fn readable(&self, h: usize) -> bool {
        self.shapes.get(h).is_some_and(|s| s.readable)
    }

    /// How hunk `h` was read, for debugging: `code`, `inside brackets`, `inside a string`.
    pub fn reading(&self, h: usize) -> &'static str {
        match self.shapes.get(h).and_then(|s| s.opener.as_deref()) {
            _ if !self.readable(h) => "unreadable",
            None => "code",
            Some(o) if o.ends_with("\"\"\"") || o.ends_with("'''") => "inside a string",
            Some(_) => "inside brackets",
        }
    }

    /// The synthetic line opening what hunk `h` starts inside, for debugging.
    pub fn opener(&self, h: usize) -> Option<&str> {
        self.shapes.get(h).and_then(|s| s.opener.as_deref())
    }

    /// Hunk `h` with its synthetic lines, as it was parsed on its own (for debugging).
    pub fn standalone_text(&self, patch: &FilePatch, h: usize) -> String {
        match (self.shapes.get(h), patch.hunks.get(h)) {
            (Some(s), Some(hunk)) => standalone_text(s, hunk),
            _ => String::new(),
        }
    }
}

/// Rebuilds a Python file's new side with each hunk placed as `placements` says (a missing entry
/// means [`Placement::Auto`]).
pub fn rebuild_python(patch: &FilePatch, plan: &PythonPlan, placements: &[Placement]) -> Rebuilt {
    write(patch, Some(plan), placements)
}

fn write(patch: &FilePatch, plan: Option<&PythonPlan>, placements: &[Placement]) -> Rebuilt {
    let python = plan.is_some();
    let mut out = Writer { text: String::new(), lines: Vec::new(), layout: Layout::default() };
    let mut skipped = Vec::new();
    // What completes the expression the last hunk written was cut off in.
    let mut tail: &str = "";
    for (index, hunk) in patch.hunks.iter().enumerate() {
        let start = hunk.new_start.max(1) as usize;
        let overlapping = start <= out.lines.len() && hunk.new_count() > 0;
        let placement = placements.get(index).copied().unwrap_or(Placement::Auto);
        if placement == Placement::Skip || overlapping {
            skipped.push(index);
            continue;
        }
        let gap = (start - 1).saturating_sub(out.lines.len());
        let mut synthetic: Vec<String> = Vec::new();
        if let Some(plan) = plan {
            let mut probe = out.layout.clone();
            let shape = plan.shapes.get(index);
            let continuation =
                shape.filter(|_| placement == Placement::Auto).and_then(|s| probe.continuation(s, &hunk.context));
            match continuation {
                // The hunk starts inside the brackets (or the string) the hunk before ended in: close
                // only the brackets it does not start inside.
                Some(m) => synthetic.extend(probe.close_innermost(m)),
                None => {
                    // Close what the hunk before left open (brackets, a string, a decorator without
                    // its function), then open what this hunk needs: with a header at every level
                    // down to it when there is room (so that later hunks find the levels they return
                    // to), else with as few lines as possible.
                    synthetic = probe.close_statement(tail);
                    let closes_expression = synthetic.len() == 1 && !synthetic[0].ends_with(':');
                    if let Some(shape) = shape {
                        let standalone = placement == Placement::Standalone;
                        let filled = preamble(shape, hunk, &probe, standalone, true);
                        if synthetic.len() + filled.len() <= gap {
                            synthetic.extend(filled);
                        } else {
                            synthetic.extend(preamble(shape, hunk, &probe, standalone, false));
                        }
                        // No room for both: the closing brackets of one expression statement and the
                        // opening line of the next share a line (`]); _ = [f(`), when the next is at
                        // the same level or no statement follows its closing brackets.
                        let opener = shape.opener.as_deref().map(str::trim_start).unwrap_or("");
                        let simple = opener.starts_with("_ = ") || opener.starts_with("raise ");
                        let same_level = synthetic.len() == 2
                            && out.layout.stmt.map(|(i, _)| i) == synthetic.last().map(|l| indent_of(l));
                        if synthetic.len() > gap
                            && gap == 1
                            && closes_expression
                            && simple
                            && (same_level || !shape.statements_after)
                        {
                            synthetic = vec![format!("{}; {opener}", synthetic[0])];
                        }
                    }
                }
            }
        }
        // Synthetic lines sit right before the hunk, in the gap (the hunk's own lines, blank ones
        // too, stay as they are); when the gap is too small they are left out and the hunk may fail
        // to parse (the caller then places it otherwise or leaves it out).
        let fits = synthetic.len() <= gap;
        for g in 0..gap {
            let offset = g + synthetic.len();
            if fits && offset >= gap {
                out.push(&synthetic[offset - gap], NewLine::Synthetic, python);
            } else {
                out.push("", NewLine::Gap, python);
            }
        }
        for l in hunk.new_side() {
            let origin = match l.origin {
                LineOrigin::Added => NewLine::Added { diff_line: l.diff_line },
                _ => NewLine::Context { diff_line: l.diff_line },
            };
            out.push(&l.text, origin, python);
        }
        tail = plan.and_then(|p| p.shapes.get(index)).map_or("", |s| s.tail);
    }
    if python {
        // Close what the last hunk left open, and give a trailing block header (`def f():` as the
        // last context line) a body.
        for line in out.layout.clone().close_all(tail) {
            out.push(&line, NewLine::Synthetic, true);
        }
    }
    Rebuilt { text: out.text, lines: out.lines, skipped }
}

struct Writer {
    text: String,
    lines: Vec<NewLine>,
    layout: Layout,
}

impl Writer {
    fn push(&mut self, line: &str, origin: NewLine, python: bool) {
        if python {
            self.layout.track(line);
        }
        self.text.push_str(line);
        self.text.push('\n');
        self.lines.push(origin);
    }
}

/// The keyword a statement starts with, as far as block structure cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kw {
    If,
    Elif,
    Else,
    Try,
    Except,
    Finally,
    For,
    While,
    With,
    Def,
    Class,
    Decorator,
    Match,
    Case,
    From,
    Other,
}

impl Kw {
    fn of(line: &str) -> Kw {
        let t = line.trim_start();
        let t = t.strip_prefix("async ").map_or(t, str::trim_start);
        if t.starts_with('@') {
            return Kw::Decorator;
        }
        let word = t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
        match word {
            "if" => Kw::If,
            "elif" => Kw::Elif,
            "else" => Kw::Else,
            "try" => Kw::Try,
            "except" => Kw::Except,
            "finally" => Kw::Finally,
            "for" => Kw::For,
            "while" => Kw::While,
            "with" => Kw::With,
            "def" => Kw::Def,
            "class" => Kw::Class,
            "from" => Kw::From,
            // Soft keywords: `match = re.match(...)` is an assignment.
            "match" if code_part(t).ends_with(':') => Kw::Match,
            "case" if code_part(t).ends_with(':') => Kw::Case,
            _ => Kw::Other,
        }
    }

    /// A clause that continues the statement before it at the same level.
    fn is_clause(self) -> bool {
        matches!(self, Kw::Elif | Kw::Else | Kw::Except | Kw::Finally)
    }

    /// Whether this clause may follow a statement that started with `last` at the same level.
    fn follows(self, last: Option<Kw>) -> bool {
        let Some(last) = last else { return false };
        match self {
            Kw::Elif => matches!(last, Kw::If | Kw::Elif),
            Kw::Else => matches!(last, Kw::If | Kw::Elif | Kw::For | Kw::While | Kw::Try | Kw::Except),
            Kw::Except => matches!(last, Kw::Try | Kw::Except),
            Kw::Finally => matches!(last, Kw::Try | Kw::Except | Kw::Else),
            _ => true,
        }
    }

    /// A block header whose expression may run over several lines (`if (`, `def f(`), so that the
    /// line closing its brackets must end with `:`.
    fn has_header_expression(self) -> bool {
        matches!(
            self,
            Kw::If
                | Kw::Elif
                | Kw::While
                | Kw::For
                | Kw::With
                | Kw::Def
                | Kw::Class
                | Kw::Except
                | Kw::Match
                | Kw::Case
        )
    }
}

/// An open block's indentation and the keyword of the last statement read at that indentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Level {
    indent: usize,
    last: Option<Kw>,
}

/// Python's layout over the lines written so far: open brackets and triple-quoted strings, the
/// indentation levels of open blocks, whether the last statement opens a block, and the last
/// top-level `class`/`def` header.
#[derive(Clone, Debug)]
struct Layout {
    brackets: Vec<u8>,
    triple: Option<u8>,
    levels: Vec<Level>,
    opens_block: bool,
    top_header: Option<String>,
    /// The statement read last (or being read): its indentation and keyword.
    stmt: Option<(usize, Kw)>,
    /// The last character of code read outside comments (a quote for a string).
    last_char: Option<u8>,
    /// The last line ended with a backslash: the next one continues its statement.
    backslash: bool,
    /// The first line of the last statement at the module level.
    top_statement: Option<String>,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            brackets: Vec::new(),
            triple: None,
            levels: vec![Level { indent: 0, last: None }],
            opens_block: false,
            top_header: None,
            stmt: None,
            last_char: None,
            backslash: false,
            top_statement: None,
        }
    }
}

/// What scanning one line found.
struct LineScan {
    /// The line starts a statement (it is not inside brackets or a string).
    starts_statement: bool,
    /// Closing brackets with no opening one before them (the hunk started inside brackets).
    unmatched: Vec<u8>,
    /// A triple-quoted string open before the line was closed on it.
    closed_triple: bool,
}

impl Layout {
    fn is_open(&self) -> bool {
        !self.brackets.is_empty() || self.triple.is_some()
    }

    fn has_level(&self, indent: usize) -> bool {
        self.levels.iter().any(|l| l.indent == indent)
    }

    /// Scans a line for brackets and strings (comments and string contents ignored).
    fn scan(&mut self, line: &str) -> LineScan {
        let starts_statement = !self.is_open() && !self.backslash;
        let mut unmatched = Vec::new();
        let mut closed_triple = false;
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if let Some(q) = self.triple {
                if b[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if b[i..].starts_with(&[q, q, q]) {
                    self.triple = None;
                    self.last_char = Some(q);
                    closed_triple = true;
                    i += 3;
                } else {
                    i += 1;
                }
                continue;
            }
            match b[i] {
                b'#' => break,
                q @ (b'"' | b'\'') => {
                    if b[i..].starts_with(&[q, q, q]) {
                        self.triple = Some(q);
                        self.last_char = Some(q);
                        i += 3;
                        continue;
                    }
                    i += 1;
                    while i < b.len() && b[i] != q {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                }
                open @ (b'(' | b'[' | b'{') => self.brackets.push(open),
                close @ (b')' | b']' | b'}') => {
                    if self.brackets.last() == Some(&opener_of(close)) {
                        self.brackets.pop();
                    } else if self.brackets.is_empty() {
                        unmatched.push(close);
                    }
                }
                _ => {}
            }
            if let Some(&c) = b.get(i) {
                if !c.is_ascii_whitespace() {
                    self.last_char = Some(c);
                }
            }
            i += 1;
        }
        if self.triple.is_none() {
            self.backslash = code_part(line).ends_with('\\');
        }
        LineScan { starts_statement, unmatched, closed_triple }
    }

    /// Follows one written line.
    fn track(&mut self, line: &str) {
        let scan = self.scan(line);
        if !is_code(line) {
            return;
        }
        if scan.starts_statement {
            let indent = indent_of(line);
            while self.levels.len() > 1 && self.levels.last().is_some_and(|l| l.indent > indent) {
                self.levels.pop();
            }
            if self.levels.last().is_some_and(|l| l.indent < indent) {
                self.levels.push(Level { indent, last: None });
            }
            let kw = Kw::of(line);
            if let Some(level) = self.levels.last_mut() {
                level.last = Some(kw);
            }
            self.stmt = Some((indent, kw));
            if indent == 0 {
                self.top_statement = Some(code_part(line).to_string());
                if is_definition(line) {
                    self.top_header = Some(code_part(line).to_string());
                }
            }
        }
        if !self.is_open() {
            self.opens_block = code_part(line).ends_with(':');
        }
    }

    /// The line that closes what is open (a triple-quoted string, brackets), if anything is. It ends
    /// with `:` when the brackets belong to a block header (`def f(`), and names something for an
    /// `import (` that shows no name yet. `tail` completes an expression cut off inside the brackets
    /// (`_` after `or`, ` else _` after `x if y`).
    fn closers(&self, tail: &str) -> Option<String> {
        if !self.is_open() {
            return None;
        }
        let mut s = String::new();
        if let Some(q) = self.triple {
            s.push_str(&String::from_utf8_lossy(&[q, q, q]));
        }
        let kw = self.stmt.map(|(_, kw)| kw);
        if self.triple.is_none() && kw == Some(Kw::From) && self.last_char == Some(b'(') {
            s.push('_');
        } else if self.triple.is_none() && !self.brackets.is_empty() {
            s.push_str(tail);
        }
        for &b in self.brackets.iter().rev() {
            s.push(closer_of(b) as char);
        }
        if !self.brackets.is_empty() && kw.is_some_and(Kw::has_header_expression) {
            s.push(':');
        }
        Some(s)
    }

    /// The synthetic lines that end the statement being read: closers for what is open, and a
    /// function for a decorator left without one. Follows them.
    fn close_statement(&mut self, tail: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(c) = self.closers(tail) {
            self.track(&c);
            out.push(c);
        }
        if let Some((indent, Kw::Decorator)) = self.stmt {
            if !self.is_open() {
                let def = format!("{}def _(): pass", " ".repeat(indent));
                self.track(&def);
                out.push(def);
            }
        }
        out
    }

    /// Whether a hunk of this shape can start where the layout is: inside the same string, or inside
    /// brackets the layout has open once its innermost `m` are closed (outer ones stay open around
    /// the hunk). Returns `m`. The hunk's context line must not name another top-level statement or
    /// definition than the one open (`MIDDLEWARE = [` does not continue `INSTALLED_APPS = [`).
    fn continuation(&self, shape: &Shape, context: &str) -> Option<usize> {
        let (needed, triple) = shape.inside.as_ref()?;
        let context = code_part(context);
        let agrees = if context.is_empty() {
            true
        } else if is_definition(context) {
            self.top_header.as_deref().and_then(definition_name) == definition_name(context)
        } else {
            self.top_statement.as_deref() == Some(context)
        };
        if !agrees {
            return None;
        }
        match triple {
            Some(_) => (self.triple == *triple && self.brackets.ends_with(needed)).then_some(0),
            None if self.triple.is_some() || needed.is_empty() => None,
            None => {
                let open = self.brackets.len();
                (0..=open.checked_sub(needed.len())?).find(|&m| self.brackets[..open - m].ends_with(needed))
            }
        }
    }

    /// Closes the `m` innermost brackets (see [`Layout::continuation`]), with a comma when the hunk
    /// goes on inside the ones that stay open (`],` before the call's next keyword argument). Follows
    /// the line.
    fn close_innermost(&mut self, m: usize) -> Option<String> {
        let open = self.brackets.len();
        let m = m.min(open);
        let mut line: String = self.brackets[open - m..].iter().rev().map(|&b| closer_of(b) as char).collect();
        if m > 0 && m < open {
            line.push(',');
        }
        (!line.is_empty()).then(|| {
            self.track(&line);
            line
        })
    }

    /// The synthetic lines that end a file here: [`Layout::close_statement`], a body for a block
    /// header left open, and handlers for `try` blocks left without one.
    fn close_all(mut self, tail: &str) -> Vec<String> {
        let mut out = self.close_statement(tail);
        if self.opens_block {
            let pass = pass_line(&self.levels);
            self.track(&pass);
            out.push(pass);
        }
        out.extend(self.close_tries(0, None));
        out
    }

    /// A `try` whose body the hunk before ended in needs a handler before a line at `indent` (or
    /// shallower) closes it, unless that line is the handler (`next`): `finally:` and `pass`, for
    /// each such `try`, innermost first. Follows them.
    fn close_tries(&mut self, indent: usize, next: Option<Kw>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(level) =
            self.levels.iter().rev().take_while(|l| l.indent >= indent).find(|l| l.last == Some(Kw::Try)).copied()
        {
            let handled = level.indent == indent && next.is_some_and(|kw| matches!(kw, Kw::Except | Kw::Finally));
            if handled {
                break;
            }
            let pad = " ".repeat(level.indent);
            for line in [format!("{pad}finally:"), format!("{pad}    pass")] {
                self.track(&line);
                out.push(line);
            }
        }
        out
    }
}

fn opener_of(close: u8) -> u8 {
    match close {
        b')' => b'(',
        b']' => b'[',
        _ => b'{',
    }
}

fn closer_of(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

fn is_code(line: &str) -> bool {
    let t = line.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

/// A line without its trailing comment and whitespace (roughly: a `#` inside a string cuts early,
/// which only matters for lines ending in `:`).
fn code_part(line: &str) -> &str {
    line.split(" #").next().unwrap_or(line).trim_end()
}

fn is_definition(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("class ") || t.starts_with("def ") || t.starts_with("async def ")
}

/// The synthetic block header a level needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Header {
    If,
    Try,
}

impl Header {
    /// The header for a level whose first statement in the hunk starts with `kw`: `try:` before an
    /// `except` or `finally`, `if True:` otherwise (it also takes an `elif` or `else`).
    fn for_first(kw: Option<Kw>) -> Header {
        match kw {
            Some(Kw::Except | Kw::Finally) => Header::Try,
            _ => Header::If,
        }
    }

    fn line(self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        match self {
            Header::If => format!("{pad}if True:"),
            Header::Try => format!("{pad}try:"),
        }
    }
}

/// How one hunk sits in its file, as far as parsing it needs: see [`PythonPlan`].
#[derive(Clone, Debug, Default)]
struct Shape {
    /// The synthetic line opening the brackets or the string the hunk starts inside.
    opener: Option<String>,
    /// The indentation of the opener, or else of the hunk's first statement.
    first_indent: usize,
    /// The levels shallower than `first_indent` that the hunk returns to, and the module level, with
    /// the header each needs.
    headers: Vec<(usize, Header)>,
    /// Continuation clauses (`elif`, `else`, `except`, `finally`) that come first at their level,
    /// for levels up to `first_indent`.
    clauses: Vec<(usize, Kw)>,
    /// Whether the hunk has anything to place (a statement or an opener): not only comments.
    code: bool,
    /// What the opener leaves open: brackets (outermost first) and a triple-quoted string.
    inside: Option<(Vec<u8>, Option<u8>)>,
    /// Whether statements follow the opener (or start the hunk).
    statements_after: bool,
    /// What completes an expression the hunk is cut off in, before the closing brackets.
    tail: &'static str,
    /// Whether the hunk parses with its synthetic lines, on its own.
    readable: bool,
}

impl Shape {
    fn new(opener: Option<String>, statements: &[(usize, &str)]) -> Shape {
        let first_indent = match (&opener, statements.first()) {
            (Some(o), _) => indent_of(o),
            (None, Some((_, t))) => indent_of(t),
            (None, None) => return Shape::default(),
        };
        let k = first_indent;
        // The keyword of the first statement at each level up to `k`.
        let mut first_at: Vec<(usize, Kw)> = Vec::new();
        if opener.is_some() {
            first_at.push((k, Kw::Other));
        }
        for (_, t) in statements {
            let d = indent_of(t);
            if d <= k && !first_at.iter().any(|&(l, _)| l == d) {
                first_at.push((d, Kw::of(t)));
            }
        }
        let kw_at = |d: usize| first_at.iter().find(|&&(l, _)| l == d).map(|&(_, kw)| kw);
        let mut levels: Vec<usize> = statements.iter().map(|(_, t)| indent_of(t)).filter(|&i| i < k).collect();
        if k > 0 {
            levels.push(0);
        }
        crate::sort::sort(&mut levels);
        levels.dedup();
        let inside = opener.as_deref().map(|o| {
            let mut l = Layout::default();
            l.scan(o);
            (l.brackets, l.triple)
        });
        Shape {
            inside,
            tail: "",
            statements_after: !statements.is_empty(),
            opener,
            first_indent,
            headers: levels.iter().map(|&d| (d, Header::for_first(kw_at(d)))).collect(),
            clauses: first_at.iter().copied().filter(|&(_, kw)| kw.is_clause()).collect(),
            code: true,
            readable: false,
        }
    }
}

/// The synthetic lines a Python hunk needs right before it (after what closes the hunk before it):
/// a body for a block header left open, block headers for the levels the hunk returns to that the
/// hunks before it did not leave open, and an opening line when the hunk starts inside brackets or a
/// string. Empty when the hunk fits where it lands. With `standalone` (or when the hunk's context
/// names another top-level definition) nothing the hunks before left open is used.
fn preamble(shape: &Shape, hunk: &Hunk, layout: &Layout, standalone: bool, fill: bool) -> Vec<String> {
    if !shape.code {
        return Vec::new();
    }
    let context = hunk.context.trim_end();
    let k = shape.first_indent;
    // Git shows the old version of the context line: compare names (a changed base class is the
    // same class).
    let context_is_new_definition = is_definition(context)
        && indent_of(context) == 0
        && layout.top_header.as_deref().and_then(definition_name) != definition_name(context);
    let top = layout.levels.last().map_or(0, |l| l.indent);
    let clause_at = |d: usize| shape.clauses.iter().find(|&&(l, _)| l == d).map(|&(_, kw)| kw);
    // A level the layout has open and the hunk may continue (`else:` only after an `if`...).
    let reusable =
        |d: usize| layout.levels.iter().any(|l| l.indent == d && clause_at(d).is_none_or(|kw| kw.follows(l.last)));
    // Where the next line may start: in the body of an open block header, or at an open level.
    let can_start = |d: usize| if layout.opens_block { d > top } else { layout.has_level(d) };
    let n = shape.headers.len();
    // Reuse the shallowest `j` levels the hunk needs from the layout and write headers for the rest
    // (as many levels reused as possible); `bridge` is a header at the layout's deepest level when
    // the hunk continues one level deeper than anything open.
    let mut chosen = (0, false);
    if !standalone && !context_is_new_definition {
        for j in (0..=n).rev() {
            if !(0..j).all(|i| reusable(shape.headers[i].0)) {
                continue;
            }
            let first = if j < n { shape.headers[j].0 } else { k };
            // After a block header, a `pass` first makes room for a line at an open level.
            if can_start(first) || (layout.opens_block && layout.has_level(first)) {
                chosen = (j, false);
                break;
            }
            let below = j == 0 || shape.headers[j - 1].0 < top;
            if j == n && !layout.opens_block && top < k && below {
                chosen = (j, true);
                break;
            }
        }
    }
    let (j, bridge) = chosen;
    let first = if bridge {
        top
    } else if j < n {
        shape.headers[j].0
    } else {
        k
    };
    let mut lines = Vec::new();
    let mut probe = layout.clone();
    if layout.opens_block && first <= top {
        let pass = pass_line(&layout.levels);
        probe.track(&pass);
        lines.push(pass);
    }
    // The first line after the synthetic ones: a header, or the hunk's own first statement.
    let writes_header = bridge
        || j < n
        || shape.opener.is_some()
        || clause_at(k).is_some_and(|_| !(j == n && layout.has_level(k) && reusable(k)));
    lines.extend(probe.close_tries(first, if writes_header { None } else { clause_at(k) }));
    if bridge {
        lines.push(Header::If.line(top));
    }
    let written: Vec<(usize, Header)> = shape.headers[j..].to_vec();
    for (i, &(level, header)) in written.iter().enumerate() {
        let use_context = header == Header::If
            && clause_at(level).is_none()
            && indent_of(context) == level
            && is_definition(context)
            && context.ends_with(':');
        lines.push(if use_context { context.to_string() } else { header.line(level) });
        // With `fill`, a header every four columns down to the next level (a class's method level
        // between the class and a method's body).
        let next = written.get(i + 1).map_or(k, |&(l, _)| l);
        if fill && level.is_multiple_of(4) && next.is_multiple_of(4) {
            for between in (level + 4..next).step_by(4) {
                lines.push(Header::If.line(between));
            }
        }
    }
    // A hunk that starts with `else:` (or `except ...:`) gets the statement it continues, unless it
    // continues one the layout has.
    if let Some(kw) = clause_at(k) {
        let continues = j == n && !bridge && layout.has_level(k) && reusable(k);
        if !continues {
            lines.push(Header::for_first(Some(kw)).line(k));
            lines.push(format!("{}pass", " ".repeat(k + 4)));
        }
    }
    lines.extend(shape.opener.clone());
    lines
}

/// The name a `class` or `def` line defines.
fn definition_name(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let t = t.strip_prefix("async ").map_or(t, str::trim_start);
    let rest = t.strip_prefix("class ").or_else(|| t.strip_prefix("def "))?.trim_start();
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// A hunk with its synthetic lines, from the module level, as [`PythonPlan`] parses it.
fn standalone_text(shape: &Shape, hunk: &Hunk) -> String {
    let mut layout = Layout::default();
    let mut text = String::new();
    let pre = preamble(shape, hunk, &Layout::default(), true, false);
    for line in pre.iter().map(String::as_str).chain(hunk.new_side().map(|l| l.text.as_str())) {
        layout.track(line);
        text.push_str(line);
        text.push('\n');
    }
    for line in layout.close_all(shape.tail) {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// Works out how a hunk must be opened: the first candidate (read as code; inside brackets with one
/// of a few opening lines; inside a triple-quoted string; as items of a literal) that parses on its
/// own. A hunk none of them reads keeps the first candidate and is not readable.
fn shape_of(hunk: &Hunk) -> Shape {
    let mut first: Option<Shape> = None;
    let mut attempt = |shape: Shape| -> Option<Shape> {
        let text = standalone_text(&shape, hunk);
        if crate::python::parse_python("hunk.py", &text).is_ok() {
            return Some(Shape { readable: true, ..shape });
        }
        first.get_or_insert(shape);
        None
    };
    if let Some(found) = candidates(hunk, &mut attempt) {
        return found;
    }
    // A hunk cut off in the middle of an expression inside brackets (`... or`, `(x if y`): the same
    // candidates with an operand before the closing brackets.
    let mut end = Layout::default();
    for l in hunk.new_side() {
        end.scan(&l.text);
    }
    if !end.brackets.is_empty() {
        for tail in ["_", " else _"] {
            let mut with_tail = |shape: Shape| attempt(Shape { tail, ..shape });
            if let Some(found) = candidates(hunk, &mut with_tail) {
                return found;
            }
        }
    }
    first.unwrap_or_default()
}

/// Offers candidate shapes for a hunk to `attempt`, most likely first, until it accepts one.
fn candidates(hunk: &Hunk, attempt: &mut dyn FnMut(Shape) -> Option<Shape>) -> Option<Shape> {
    let context = hunk.context.trim_end();
    let scan = scan_hunk(hunk, None, None);
    if scan.unmatched.is_empty() {
        // A hunk inside a long literal may show neither end of it; its items (`"NAME": "shop",`) and
        // a context line that opens brackets (`DATABASES = {`) give it away.
        let first_code = hunk.new_side().map(|l| l.text.as_str()).find(|t| is_code(t));
        let inside_context = matches!(code_part(context).as_bytes().last(), Some(b'[' | b'{' | b'('))
            && first_code.is_some_and(|t| looks_like_item(t) && indent_of(t) > indent_of(context));
        if inside_context {
            let seeded = scan_hunk(hunk, Some(context), None);
            if let Some(s) = attempt(Shape::new(Some(code_part(context).to_string()), &seeded.statements)) {
                return Some(s);
            }
        }
        // `name="EarlyPage",` reads as an assignment of a tuple, but it is a call's keyword argument.
        if let Some(first) = first_code.filter(|t| looks_like_argument(t)) {
            let opener = format!("{}_ = f(", " ".repeat(indent_of(first)));
            if let Some(s) = attempt(Shape::new(Some(opener), &[])) {
                return Some(s);
            }
        }
        if let Some(s) = attempt(Shape::new(None, &scan.statements)) {
            return Some(s);
        }
    } else if let Some(s) = opened(hunk, &scan, None, attempt) {
        return Some(s);
    }
    // Inside a docstring or another triple-quoted string: the hunk closes it (or never does).
    let quotes: Vec<u8> = [b'"', b'\'']
        .into_iter()
        .filter(|&q| hunk.new_side().any(|l| l.text.as_bytes().windows(3).any(|w| w == [q, q, q])))
        .collect();
    // A hunk that shows no triple quote at all is read as the inside of a string only when it reads
    // as prose: broken code is not hidden in a string.
    let quotes = if quotes.is_empty() && looks_like_prose(hunk) { vec![b'"'] } else { quotes };
    for q in quotes {
        let scan = scan_hunk(hunk, None, Some(q));
        if let Some(s) = opened(hunk, &scan, Some(q), attempt) {
            return Some(s);
        }
    }
    // Items of a literal, or arguments of a call, whose ends the hunk does not show.
    if scan.unmatched.is_empty() {
        if let Some(first) = hunk.new_side().map(|l| l.text.as_str()).find(|t| is_code(t)) {
            let pad = " ".repeat(indent_of(first));
            for opens in ["[", "{", "f("] {
                if let Some(s) = attempt(Shape::new(Some(format!("{pad}_ = {opens}")), &[])) {
                    return Some(s);
                }
            }
        }
    }
    None
}

/// Candidates for a hunk that starts inside brackets (`scan.unmatched`) or inside a triple-quoted
/// string (`string`): the opening line at a few indentations, as an expression (`_ = (`, a call for
/// keyword arguments, the hunk's context line when it opens the same brackets) or, when the line
/// closing the brackets ends with `:`, as a block header (`if (`, `def _(`).
fn opened(
    hunk: &Hunk,
    scan: &HunkScan<'_>,
    string: Option<u8>,
    attempt: &mut dyn FnMut(Shape) -> Option<Shape>,
) -> Option<Shape> {
    let context = code_part(hunk.context.trim_end());
    let opens: String = scan.unmatched.iter().rev().map(|&c| opener_of(c) as char).collect();
    let quote = string.map(|q| String::from_utf8_lossy(&[q, q, q]).into_owned()).unwrap_or_default();
    let resume = scan.resume.and_then(|i| hunk.new_side().nth(i)).map(|l| l.text.as_str());
    let bare = resume
        .filter(|t| {
            let t = t.trim_start();
            t.starts_with([')', ']', '}']) || t.starts_with("\"\"\"") || t.starts_with("'''")
        })
        .map(indent_of);
    let s0 = scan.statements.first().map(|(_, t)| indent_of(t));
    let block = !opens.is_empty() && resume.is_some_and(|t| code_part(t).ends_with(':'));
    // The statement holding the brackets or string ends where the hunk resumes: at the indentation
    // of a bare closing line, of the next statement, or one level deeper when the next statement
    // continues a block (`else:`) the opener was the body of.
    let deeper = s0.map(|s| s + 4);
    let mut indents: Vec<Option<usize>> = if opens.is_empty() {
        vec![s0, bare, resume.map(indent_of), Some(0), deeper]
    } else if block {
        vec![bare, s0.and_then(|s| s.checked_sub(4)), resume.map(indent_of)]
    } else {
        vec![bare, s0, resume.map(indent_of), Some(0), deeper]
    };
    let mut seen = Vec::new();
    indents.retain(|i| {
        i.is_some_and(|i| {
            !seen.contains(&i) && {
                seen.push(i);
                true
            }
        })
    });
    // A dict's value that is itself a literal: `{_: {` rather than a set inside a dict.
    let nested: String = opens
        .char_indices()
        .flat_map(|(i, c)| {
            let inner = i > 0 && opens.as_bytes()[i - 1] == b'{';
            (if inner { "_: " } else { "" }).chars().chain(std::iter::once(c))
        })
        .collect();
    let mut forms: Vec<String> = Vec::new();
    if opens.is_empty() {
        forms.push(String::new());
    } else if block {
        forms.push(format!("if {opens}"));
        if opens.starts_with('(') {
            forms.push(format!("def _{opens}"));
            forms.push(format!("with {opens}"));
        }
    } else {
        // Calls take keyword arguments and `*args` where tuples do not.
        let calls = |o: &str| o.replace('(', "f(");
        let mut seen: Vec<String> = Vec::new();
        for o in [opens.clone(), calls(&opens), nested.clone(), calls(&nested)] {
            if !seen.contains(&o) {
                forms.push(format!("_ = {o}"));
                seen.push(o);
            }
        }
        // The hunk starts in the middle of an expression: after an operand (`.filter(...)`, `and x`,
        // `for x in y]`, `else None,`), or in a comprehension's condition (`if x]`).
        for tail in ["_", "_ for _ in _", "_ if _"] {
            forms.push(format!("_ = {}{tail}", calls(&opens)));
        }
        // Inside one more bracket that the hunk does not close either: a dict whose items follow
        // (`],` then `"key": value,`), or parentheses a method chain continues in (`)` then
        // `.order_by(...)`).
        forms.push(format!("_ = {{_: {}", calls(&opens)));
        forms.push(format!("_ = f({}", calls(&opens)));
        // `raise Error(...) from e`.
        forms.push(format!("raise {}", calls(&opens)));
    }
    for k in indents.into_iter().flatten() {
        let pad = " ".repeat(k);
        let mut lines: Vec<String> = Vec::new();
        if !opens.is_empty() && string.is_none() && context.ends_with(opens.as_str()) && indent_of(context) == k {
            lines.push(context.to_string());
        }
        lines.extend(forms.iter().map(|f| format!("{pad}{f}{quote}")));
        for opener in lines {
            if let Some(s) = attempt(Shape::new(Some(opener), &scan.statements)) {
                return Some(s);
            }
        }
    }
    None
}

/// What a hunk shows, read on its own from a given start.
struct HunkScan<'h> {
    /// Closing brackets with no opening one in the hunk.
    unmatched: Vec<u8>,
    /// The line (of the new side) where what the hunk starts inside ends: the last one with an
    /// unmatched closing bracket, or the one closing the string it starts in.
    resume: Option<usize>,
    /// The lines that start statements after `resume`.
    statements: Vec<(usize, &'h str)>,
}

/// Scans a hunk's new side on its own, after `seed` (a line opening brackets) or from inside a
/// triple-quoted string delimited by `string`.
fn scan_hunk<'h>(hunk: &'h Hunk, seed: Option<&str>, string: Option<u8>) -> HunkScan<'h> {
    let mut own = Layout::default();
    if let Some(seed) = seed {
        own.scan(seed);
    }
    own.triple = string;
    let mut in_string = string.is_some();
    let mut out = HunkScan { unmatched: Vec::new(), resume: None, statements: Vec::new() };
    for (i, l) in hunk.new_side().enumerate() {
        let scan = own.scan(&l.text);
        if in_string && scan.closed_triple {
            in_string = false;
            out.resume = Some(i);
            out.statements.clear();
        }
        if !scan.unmatched.is_empty() {
            out.unmatched.extend(scan.unmatched);
            out.resume = Some(i);
            out.statements.clear();
            continue;
        }
        if scan.starts_statement && is_code(&l.text) {
            out.statements.push((i, l.text.as_str()));
        }
    }
    out
}

/// Whether a hunk has a line of prose: three words in a row, outside quotes and comments, none of
/// them a Python keyword (`Inspired by GeoPy`; code has operators or keywords between its names).
fn looks_like_prose(hunk: &Hunk) -> bool {
    const KEYWORDS: &[&str] = &[
        "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except",
        "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass",
        "raise", "return", "try", "while", "with", "yield", "match", "case", "print",
    ];
    hunk.new_side().any(|l| {
        let mut run = 0;
        for word in outside_quotes(&l.text).split(' ') {
            let w = word.trim_end_matches([',', '.', ';', ':']);
            let is_word = w.len() > 1
                && w.chars().next().is_some_and(|c| c.is_alphabetic())
                && w.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '\'')
                && !KEYWORDS.contains(&w);
            run = if is_word { run + 1 } else { 0 };
            if run >= 3 {
                return true;
            }
        }
        false
    })
}

/// A line with its quoted parts and comment replaced by a `_` each.
fn outside_quotes(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '#' => break,
            '"' | '\'' => {
                out.push('_');
                while let Some(d) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == c {
                        break;
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// A keyword argument on a line of its own (`name="EarlyPage",`, `fields=[`): no spaces around the
/// `=`, and a comma or an opening bracket at the end.
fn looks_like_argument(line: &str) -> bool {
    let c = code_part(line).trim_start();
    let name_len = c.find(|ch: char| !(ch.is_alphanumeric() || ch == '_')).unwrap_or(c.len());
    let rest = &c[name_len..];
    name_len > 0
        && !c.starts_with(|ch: char| ch.is_ascii_digit())
        && rest.starts_with('=')
        && !rest.starts_with("==")
        && c.ends_with([',', '(', '[', '{'])
}

/// An item of a literal rather than a statement: `"key": value,` or `value,`.
fn looks_like_item(line: &str) -> bool {
    let c = code_part(line).trim_start();
    c.ends_with(',') || ((c.starts_with('"') || c.starts_with('\'')) && (c.contains("\":") || c.contains("':")))
}

fn pass_line(levels: &[Level]) -> String {
    format!("{}pass", " ".repeat(levels.last().map_or(0, |l| l.indent) + 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIT: &str = "\
diff --git a/shop/views.py b/shop/views.py
index 3b18e51..a9c2d3f 100644
--- a/shop/views.py
+++ b/shop/views.py
@@ -10,5 +10,7 @@ class OrderList(ListView):
     def get_queryset(self):
         qs = Order.objects.all()
-        return qs
+        for o in qs:
+            print(o.customer.name)
+        return qs
 
     def get_context_data(self, **kwargs):
diff --git a/shop/migrations/0002_order_note.py b/shop/migrations/0002_order_note.py
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/shop/migrations/0002_order_note.py
@@ -0,0 +1,3 @@
+from django.db import migrations
+
+class Migration(migrations.Migration):
diff --git a/logo.png b/logo.png
index 1..2 100644
Binary files a/logo.png and b/logo.png differ
diff --git a/old.py b/old.py
deleted file mode 100644
--- a/old.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
";

    #[test]
    fn a_git_diff_is_read_file_by_file() {
        let d = parse(GIT);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let summary: Vec<(&str, PatchStatus, u32, u32)> =
            d.files.iter().map(|f| (f.path(), f.status, f.added(), f.removed())).collect();
        assert_eq!(
            summary,
            vec![
                ("shop/views.py", PatchStatus::Modified, 3, 1),
                ("shop/migrations/0002_order_note.py", PatchStatus::Added, 3, 0),
                ("logo.png", PatchStatus::Binary, 0, 0),
                ("old.py", PatchStatus::Deleted, 0, 1),
            ]
        );
        let views = &d.files[0];
        assert_eq!(views.hunks[0].context, "class OrderList(ListView):");
        assert_eq!(views.added_lines(), vec![12, 13, 14]);
        assert_eq!(views.locate(12), Some((9, true)));
        assert_eq!(views.locate(10), Some((6, false)));
        assert_eq!(views.locate(9), None);
        assert!(d.files[1].is_complete() && !views.is_complete());
    }

    #[test]
    fn a_hunk_from_a_method_is_rebuilt_at_its_line_numbers_and_parses() {
        let d = parse(GIT);
        let r = rebuild(&d.files[0], true, &[]);
        let lines: Vec<&str> = r.text.lines().collect();
        assert_eq!(lines.len(), 17, "16 lines and a synthetic body for the trailing `def`");
        assert_eq!(lines[9], "    def get_queryset(self):");
        assert_eq!(lines[12], "            print(o.customer.name)");
        assert_eq!(lines[8], "class OrderList(ListView):", "the hunk's context is its header");
        assert_eq!(r.lines[8], NewLine::Synthetic);
        assert_eq!(r.lines[0], NewLine::Gap);
        assert!(crate::python::parse_python("v.py", &r.text).is_ok(), "{}", r.text);
    }

    #[test]
    fn hunks_at_different_depths_get_headers_that_parse() {
        let diff = "\
--- a/m.py
+++ b/m.py
@@ -20,3 +20,4 @@
             x = 1
+            y = 2
         return x
     def other(self):
@@ -40,2 +41,3 @@ def helper():
     a = 1
+    b = 2
 c = 3
";
        let d = parse(diff);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let r = rebuild(&d.files[0], true, &[]);
        crate::python::parse_python("m.py", &r.text).unwrap_or_else(|e| panic!("{e:?}\n{}", r.text));
        assert_eq!(r.text.lines().nth(20), Some("            y = 2"));
        assert_eq!(r.text.lines().nth(41), Some("    b = 2"));
    }

    #[test]
    fn hunks_inside_brackets_are_opened_and_closed() {
        let diff = "\
diff --git a/proj/settings.py b/proj/settings.py
--- a/proj/settings.py
+++ b/proj/settings.py
@@ -30,6 +30,7 @@ INSTALLED_APPS = [
     \"django.contrib.sessions\",
     \"django.contrib.messages\",
     \"shop\",
+    \"debug_toolbar\",
 ]
 
 MIDDLEWARE = [
@@ -60,3 +61,4 @@ DATABASES = {
         \"NAME\": \"shop\",
-        \"CONN_MAX_AGE\": 0,
+        \"CONN_MAX_AGE\": 60,
+        \"OPTIONS\": {\"connect_timeout\": 5,
         \"HOST\": \"db\",
";
        let d = parse(diff);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let r = rebuild(&d.files[0], true, &[]);
        crate::python::parse_python("settings.py", &r.text).unwrap_or_else(|e| panic!("{e:?}\n{}", r.text));
        let lines: Vec<&str> = r.text.lines().collect();
        assert_eq!(lines[28], "INSTALLED_APPS = [", "the hunk's context opens the list");
        assert_eq!(lines[32], "    \"debug_toolbar\",");
        assert_eq!(lines[58], "]", "MIDDLEWARE's list is closed before the next hunk");
        assert_eq!(lines[59], "DATABASES = {");
        assert!(lines.last().is_some_and(|l| l.ends_with('}')), "{lines:?}");
        assert_eq!((r.lines[36], r.lines[58]), (NewLine::Gap, NewLine::Synthetic));
    }

    #[test]
    fn plain_diff_u_with_timestamps_and_quoted_names() {
        let diff = "--- views.py\t2024-01-01 10:00:00.000000000 +0100\n+++ views.py\t2024-01-02 10:00:00.000000000 +0100\n@@ -1 +1 @@\n-a = 1\n+a = 2\n";
        let d = parse(diff);
        assert_eq!(d.files[0].path(), "views.py");
        assert_eq!(d.files[0].status, PatchStatus::Modified);
        let quoted = "diff --git \"a/caf\\303\\251 x.py\" \"b/caf\\303\\251 x.py\"\nnew file mode 100644\n--- /dev/null\n+++ \"b/caf\\303\\251 x.py\"\n@@ -0,0 +1 @@\n+x = 1\n";
        let d = parse(quoted);
        assert_eq!(d.files[0].path(), "café x.py");
        assert_eq!(d.files[0].status, PatchStatus::Added);
    }

    #[test]
    fn renames_and_spaces_in_names() {
        let diff = "diff --git a/my app/a.py b/my app/b.py\nsimilarity index 90%\nrename from my app/a.py\nrename to my app/b.py\n";
        let d = parse(diff);
        assert_eq!(d.files[0].old_path.as_deref(), Some("my app/a.py"));
        assert_eq!(d.files[0].new_path.as_deref(), Some("my app/b.py"));
        assert_eq!(d.files[0].status, PatchStatus::Renamed);
    }

    #[test]
    fn damaged_hunks_are_reported_at_their_line_and_the_rest_is_read() {
        let diff = "\
--- a/a.py
+++ b/a.py
@@ -1,3 +1,3 @@
 x = 1
-y = 2
+y = 3
@@ nonsense @@
+z
--- a/b.py
+++ b/b.py
@@ -1 +1 @@
-b = 1
+b = 2
";
        let d = parse(diff);
        assert_eq!(d.files.len(), 2);
        assert_eq!(d.files[1].added_lines(), vec![1]);
        let lines: Vec<u32> = d.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![7, 7], "{:?}", d.problems);
        assert!(d.problems[0].message.contains("ends early"));
        assert!(d.problems[1].message.contains("unreadable hunk header"));
    }

    #[test]
    fn empty_context_lines_stripped_by_editors_still_count() {
        let diff = "--- a/a.py\n+++ b/a.py\n@@ -1,3 +1,4 @@\n def f():\n\n-    pass\n+    return 1\n+    # done\n";
        let d = parse(diff);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.files[0].added_lines(), vec![3, 4]);
    }

    #[test]
    fn absurd_line_numbers_are_refused() {
        let d = parse("--- a/a.py\n+++ b/a.py\n@@ -1 +4000000000,1 @@\n-a\n+b\n");
        assert!(d.files[0].hunks.is_empty());
        assert!(d.problems.iter().any(|p| p.message.contains("beyond")));
    }

    /// Rebuilds the one Python file of `diff` with [`PythonPlan`]: every hunk must read on its own and
    /// the whole file must parse. Returns the rebuilt lines and the parsed module.
    fn rebuilt_python(diff: &str) -> (Vec<String>, crate::python::ParsedPython) {
        let d = parse(diff);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let patch = &d.files[0];
        let plan = PythonPlan::new(patch);
        for h in 0..patch.hunks.len() {
            assert!(plan.readable(h), "hunk {h} does not read on its own:\n{}", plan.standalone_text(patch, h));
        }
        let r = rebuild_python(patch, &plan, &[]);
        let parsed = crate::python::parse_python("t.py", &r.text).unwrap_or_else(|e| panic!("{e:?}\n{}", r.text));
        (r.text.lines().map(String::from).collect(), parsed)
    }

    /// The names a module defines at its top level (`class`, `def`).
    fn top_level_names(parsed: &crate::python::ParsedPython) -> Vec<String> {
        use rustpython_parser::ast::Stmt;
        parsed
            .body()
            .iter()
            .filter_map(|s| match s {
                Stmt::ClassDef(c) => Some(c.name.to_string()),
                Stmt::FunctionDef(f) => Some(f.name.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_hunk_starting_with_elif_gets_the_if_it_continues() {
        let diff = "\
--- a/django/contrib/admin/utils.py
+++ b/django/contrib/admin/utils.py
@@ -450,6 +450,11 @@ def display_for_field(value, field, empty_value_display, avoid_link=False):
     elif isinstance(field, models.FileField) and value and not avoid_link:
         return format_html('<a href=\"{}\">{}</a>', value.url, value)
     elif isinstance(field, models.URLField) and value and not avoid_link:
+        # Only render a clickable link for URLs with a safe scheme.
+        try:
+            URLValidator()(value)
+        except ValidationError:
+            return display_for_value(value, empty_value_display)
         return format_html('<a href=\"{}\">{}</a>', value, value)
     elif isinstance(field, models.JSONField) and value:
         try:
";
        let (lines, _) = rebuilt_python(diff);
        assert_eq!(
            lines[446..450],
            [
                "def display_for_field(value, field, empty_value_display, avoid_link=False):",
                "    if True:",
                "        pass",
                "    elif isinstance(field, models.FileField) and value and not avoid_link:",
            ]
        );
        assert_eq!(
            lines[lines.len() - 3..],
            ["            pass", "        finally:", "            pass"],
            "the trailing `try:` gets a body and a handler"
        );
    }

    #[test]
    fn a_hunk_returning_to_finally_or_except_gets_a_try_at_that_level() {
        let diff = "\
--- a/django/utils/inspect.py
+++ b/django/utils/inspect.py
@@ -100,3 +100,7 @@ def lazy_annotations():
             yield
         finally:
             inspect._signature_from_callable = original_helper
+
+
+def signature(obj):
+    return inspect.signature(obj)
@@ -300,3 +304,4 @@ class MultiPartParser:
                             current = current()
+                            handled = True
                         except TypeError:
                             current = context.template.engine.string_if_invalid
";
        let (lines, _) = rebuilt_python(diff);
        assert_eq!(lines[96..99], ["def lazy_annotations():", "    if True:", "        try:"]);
        assert_eq!(lines[99], "            yield");
        let at = lines.iter().position(|l| l == "                            current = current()").unwrap();
        assert_eq!(at, 303);
        assert_eq!(lines[at - 1], "                        try:");
    }

    #[test]
    fn a_hunk_starting_inside_a_docstring_opens_it() {
        let diff = "\
--- a/django/contrib/gis/forms/fields.py
+++ b/django/contrib/gis/forms/fields.py
@@ -10,10 +10,14 @@ class GeometryField(forms.Field):
     This is the basic form field for a Geometry.  Any textual input that is
     accepted by GEOSGeometry is accepted by this form.  By default,
     this includes WKT, HEXEWKB, WKB (in a buffer), and GeoJSON.
+
+    The widget's deserialize() method will raise SuspiciousOperation if it
+    detects a URL-based coordinate reference system (CRS) in a GeoJSON value.
     \"\"\"
 
     widget = OpenLayersWidget
     geom_type = \"GEOMETRY\"
+    max_geom_collections = MAX_GEOM_COLLECTIONS
 
     default_error_messages = {
         \"required\": _(\"No geometry value provided.\"),
";
        let (lines, parsed) = rebuilt_python(diff);
        assert_eq!(lines[7..9], ["class GeometryField(forms.Field):", "    \"\"\""]);
        assert_eq!(lines[19], "    max_geom_collections = MAX_GEOM_COLLECTIONS");
        assert_eq!(top_level_names(&parsed), ["GeometryField"]);
        let Some(rustpython_parser::ast::Stmt::ClassDef(c)) = parsed.body().first() else { panic!() };
        assert_eq!(c.body.len(), 5, "docstring, three assignments and the dict: the code after the docstring is code");
    }

    #[test]
    fn a_hunk_starting_inside_a_string_inside_a_call_opens_both() {
        let diff = "\
--- a/django/db/backends/postgresql/introspection.py
+++ b/django/db/backends/postgresql/introspection.py
@@ -70,8 +70,7 @@ class DatabaseIntrospection(BaseDatabaseIntrospection):
             WHERE c.relkind IN ('f', 'm', 'p', 'r', 'v')
                 AND n.nspname NOT IN ('pg_catalog', 'pg_toast')
                 AND pg_catalog.pg_table_is_visible(c.oid)
-        \"\"\"
-        )
+        \"\"\")
         return [
             TableInfo(*row)
             for row in cursor.fetchall()
";
        let (lines, _) = rebuilt_python(diff);
        assert_eq!(
            lines[66..69],
            ["class DatabaseIntrospection(BaseDatabaseIntrospection):", "    if True:", "        _ = (\"\"\""],
            "the method level between the class and the body is filled in when the gap has room"
        );
        assert_eq!(lines.last().map(String::as_str), Some("]"));
    }

    #[test]
    fn keyword_arguments_and_parameters_get_an_opener_that_takes_them() {
        // Keyword arguments of a call the hunk does not show the start of, then `else:` one level up.
        let call = "\
--- a/django/contrib/sessions/middleware.py
+++ b/django/contrib/sessions/middleware.py
@@ -40,7 +40,10 @@ class SessionMiddleware(MiddlewareMixin):
                 domain=settings.SESSION_COOKIE_DOMAIN,
                 samesite=settings.SESSION_COOKIE_SAMESITE,
             )
+            need_vary_cookie = True
         else:
+            # If the session was accessed, it must be varied on.
+            need_vary_cookie = accessed
             if (modified or settings.SESSION_SAVE_EVERY_REQUEST) and not empty:
                 if request.session.get_expire_at_browser_close():
                     max_age = None
";
        let (lines, _) = rebuilt_python(call);
        assert_eq!(
            lines[35..39],
            ["class SessionMiddleware(MiddlewareMixin):", "    if True:", "        if True:", "            _ = f("]
        );
        // The parameters of a `def` whose name line is not shown: `):` closes a block header.
        let params = "\
--- a/django/contrib/gis/db/models/fields.py
+++ b/django/contrib/gis/db/models/fields.py
@@ -260,6 +260,7 @@ class GeometryField(BaseSpatialField):
         *,
         extent=(-180.0, -90.0, 180.0, 90.0),
         tolerance=0.05,
+        max_geom_collections=MAX_GEOM_COLLECTIONS,
         **kwargs,
     ):
         \"\"\"
";
        let (lines, _) = rebuilt_python(params);
        assert_eq!(lines[257..259], ["class GeometryField(BaseSpatialField):", "    def _("]);
        assert_eq!(lines.last().map(String::as_str), Some("\"\"\""), "the docstring it ends in is closed");
    }

    #[test]
    fn a_hunk_inside_brackets_that_returns_to_elif_gets_the_bracket_one_level_deeper() {
        let diff = "\
--- a/django/contrib/gis/gdal/envelope.py
+++ b/django/contrib/gis/gdal/envelope.py
@@ -120,5 +120,6 @@ class Envelope:
                         (args[0][0], args[0][1], args[0][0], args[0][1])
                     )
                 elif len(args[0]) == 4:
+                    minx, miny, maxx, maxy = args[0]
                     if minx < self._envelope.MinX:
                         self._envelope.MinX = minx
";
        let (lines, _) = rebuilt_python(diff);
        assert_eq!(lines[117..119], ["                if True:", "                    _ = ("]);
    }

    #[test]
    fn a_value_that_is_a_literal_inside_a_dict_is_opened_as_one() {
        let diff = "\
--- a/django/contrib/gis/db/backends/oracle/features.py
+++ b/django/contrib/gis/db/backends/oracle/features.py
@@ -20,6 +20,10 @@ class DatabaseFeatures(BaseSpatialFeatures, OracleDatabaseFeatures):
                     \"gis_tests.gis_migrations.test_operations.OperationTests.\"
                     \"test_add_check_constraint\",
                 },
+                \"Oracle doesn't support nested geometry collections.\": {
+                    \"gis_tests.geoapp.tests.SaveLoadTests.\"
+                    \"test_geometrycollectionfield_default_max_ignored_on_read\",
+                },
             }
         )
         return skips
";
        let (lines, _) = rebuilt_python(diff);
        assert_eq!(lines[18], "        _ = ({_: {");
    }

    #[test]
    fn what_a_hunk_leaves_open_is_closed_before_the_next() {
        let diff = "\
--- a/django/contrib/gis/gdal/geometries.py
+++ b/django/contrib/gis/gdal/geometries.py
@@ -1,2 +1,3 @@
 from django.db import models
+from django.core.exceptions import SuspiciousOperation
 from django.contrib.gis.gdal.raster.const import (
@@ -20,4 +21,5 @@ class OGRGeometry(GDALBase):
     def from_json(geom_input):
+        ExternalCRSBlocker.check(geom_input)
         return OGRGeometry(OGRGeometry._from_json(force_bytes(geom_input)))
 
     @classmethod
@@ -40,2 +42,3 @@ class OGRGeometry(GDALBase):
         kwargs = {\"srid\": self.srid}
+        kwargs[\"dim\"] = self.dim
         if self.dim > 2 and not getattr(
";
        let (lines, _) = rebuilt_python(diff);
        let synthetic = |text: &str| lines.iter().position(|l| l == text);
        assert!(synthetic("_)").is_some_and(|i| i > 2 && i < 20), "an import list without a name gets one");
        assert!(synthetic("    def _(): pass").is_some_and(|i| i > 25 && i < 41), "a decorator gets a function");
        assert_eq!(lines[lines.len() - 2..], ["):", "            pass"], "a header's brackets close with `:`");
    }

    #[test]
    fn a_hunk_of_a_class_whose_header_the_change_edits_continues_that_class() {
        // Git prints the old class line as the second hunk's context; it is the same class.
        let diff = "\
--- a/wagtail/admin/tests/api/test_pages.py
+++ b/wagtail/admin/tests/api/test_pages.py
@@ -10,4 +10,4 @@
-class TestDeletePageAction(AdminAPITestCase, TestCase):
+class TestDeletePageAction(PageFixturesMixin, AdminAPITestCase, TestCase):
     fixtures = [\"test.json\"]
 
     def get_response(self, page_id):
@@ -15,4 +15,5 @@ class TestDeletePageAction(AdminAPITestCase, TestCase):
             reverse(\"wagtailadmin_api:pages:action\", args=[page_id, \"delete\"])
         )
 
+    @unittest.skip(\"Breaks because inline models with related_query_name does not work\")
     def test_delete_page(self):
";
        let (lines, parsed) = rebuilt_python(diff);
        assert_eq!(lines[13], "        _ = (", "the one-line gap holds the opener");
        assert_eq!(top_level_names(&parsed), ["TestDeletePageAction"]);
    }

    #[test]
    fn hunks_inside_a_docstring_or_a_literal_without_its_ends_are_read_as_such() {
        let prose = "\
--- a/django/contrib/gis/measure.py
+++ b/django/contrib/gis/measure.py
@@ -5,3 +5,4 @@ Authors: Robert Coup, Justin Bronn, Riccardo Di Virgilio
 Inspired by GeoPy (https://github.com/geopy/geopy)
+and Geoff Biggs' PhD work on dimensioned units for robotics.
 Distance and Area objects allow for sensible and convenient calculation
 and conversions.
";
        let (lines, parsed) = rebuilt_python(prose);
        assert_eq!(lines[3], "\"\"\"");
        assert_eq!(parsed.body().len(), 1, "one string");
        let items = "\
--- a/shop/settings.py
+++ b/shop/settings.py
@@ -60,2 +60,3 @@ def databases(env):
         \"NAME\": \"shop\",
+        \"CONN_MAX_AGE\": 60,
         \"HOST\": \"db\",
";
        let (lines, _) = rebuilt_python(items);
        assert!(lines[57..59].iter().any(|l| l.trim_start().starts_with("_ = ")), "{:?}", &lines[55..60]);
    }

    #[test]
    fn a_hunk_that_reads_as_nothing_is_left_unreadable() {
        // A merge conflict left in the change: not code, not prose inside a string, not items.
        let diff = "--- a/a.py\n+++ b/a.py\n@@ -3,2 +3,5 @@\n x = 1\n+<<<<<<< HEAD\n+y = 2\n+=======\n z = 3\n";
        let d = parse(diff);
        let plan = PythonPlan::new(&d.files[0]);
        assert!(!plan.readable(0), "{}", plan.standalone_text(&d.files[0], 0));
        let skipped = rebuild_python(&d.files[0], &plan, &[Placement::Skip]);
        assert_eq!(skipped.skipped, vec![0]);
        assert!(skipped.text.trim().is_empty());
    }

    #[test]
    fn a_hunk_inside_the_call_the_hunk_before_ended_in_continues_it() {
        // The gap (line 26) closes `fields=[`; the second hunk goes on inside `CreateModel(`.
        let diff = "\
--- a/wagtail/test/testapp/migrations/0001_squashed.py
+++ b/wagtail/test/testapp/migrations/0001_squashed.py
@@ -20,6 +20,6 @@ class Migration(migrations.Migration):
     operations = [
         migrations.CreateModel(
             name=\"EventIndex\",
             fields=[
-                (\"page_ptr\", models.OneToOneField(to=\"wagtailcore.page\")),
+                (parent_rel_name, models.OneToOneField(to=swapper.get_model_name(\"wagtailcore\", \"Page\"))),
                 (\"intro\", wagtail.fields.RichTextField(blank=True)),
@@ -27,5 +27,5 @@ class Migration(migrations.Migration):
             options={
                 \"abstract\": False,
             },
-            bases=(\"wagtailcore.page\",),
+            bases=(swapper.get_model_name(\"wagtailcore\", \"Page\"),),
         ),
";
        let (lines, parsed) = rebuilt_python(diff);
        assert_eq!(lines[25], "],", "only the fields list is closed, and the call goes on");
        assert_eq!(top_level_names(&parsed), ["Migration"]);
    }

    #[test]
    fn a_closer_and_an_opener_share_a_one_line_gap() {
        // The first hunk is a call's keyword arguments (`name=\"EarlyPage\",` is not an assignment);
        // the second starts inside `operations = [CreateModel(`, one line later.
        let diff = "\
--- a/wagtail/test/earlypage/migrations/0001_initial.py
+++ b/wagtail/test/earlypage/migrations/0001_initial.py
@@ -17,7 +17,7 @@ class Migration(migrations.Migration):
             name=\"EarlyPage\",
             fields=[
                 (
-                    \"page_ptr\",
+                    parent_rel_name,
                     models.OneToOneField(to=\"wagtailcore.page\"),
                 ),
                 (\"intro\", models.TextField(blank=True)),
@@ -25,6 +25,6 @@ class Migration(migrations.Migration):
             options={
                 \"abstract\": False,
             },
-            bases=(\"wagtailcore.page\",),
+            bases=(swapper.get_model_name(\"wagtailcore\", \"Page\"),),
         ),
     ]
";
        let (lines, _) = rebuilt_python(diff);
        assert!(lines[15].ends_with("_ = f("), "{:?}", &lines[12..17]);
        assert_eq!(lines[23], "]); _ = [f(");
    }

    #[test]
    fn a_hunk_cut_off_inside_an_expression_gets_an_operand_before_its_closers() {
        let diff = "\
--- a/pretix/base/views/mixins.py
+++ b/pretix/base/views/mixins.py
@@ -120,3 +120,4 @@ class BaseQuestionsViewMixin:
             form.pos = cartpos or orderpos
+            form.all_optional = self.all_optional
             form.show_copy_answers_to_addon_button = form.pos.addon_to and (
                 set(form.pos.addon_to.item.questions.all()) & set(form.pos.item.questions.all()) or
@@ -200,2 +201,3 @@ class CloneEventViewSet(viewsets.ModelViewSet):
     def perform_create(self, serializer):
+        # Requires settings permission on the event and on the organizer.
         perm_holder = (self.request.auth if isinstance(self.request.auth, (Device, TeamAPIToken))
";
        let (lines, _) = rebuilt_python(diff);
        assert!(lines.iter().any(|l| l == "_)"), "`or` gets an operand: {lines:?}");
        assert!(lines.iter().any(|l| l == " else _)"), "`x if y` gets its `else`: {lines:?}");
    }
}
