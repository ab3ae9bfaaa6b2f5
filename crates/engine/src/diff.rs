//! Unified diffs as input: `git diff`, `git format-patch`, a pull request's `.diff`, or plain
//! `diff -u`. The reader never fails as a whole; a damaged hunk becomes a [`DiffProblem`] at its
//! line and the rest of the diff is still read.
//!
//! [`rebuild`] turns one file's hunks back into the new version of the file, with every line at its
//! new line number. Lines the diff does not show are blank; for Python, some of those blank lines
//! become synthetic block headers (the hunk's `@@ ... @@ class Order(...)` context line, or
//! `if True:`) so that a hunk from the middle of a method parses. Findings on synthetic lines refer to
//! code nobody wrote and are dropped by the analysis.

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
            let mut n = h.new_start;
            for l in h.new_side() {
                if n == new_line {
                    return Some((l.diff_line, l.origin == LineOrigin::Added));
                }
                n += 1;
            }
        }
        None
    }

    /// New-side line numbers the change added.
    pub fn added_lines(&self) -> Vec<u32> {
        let mut out = Vec::new();
        for h in &self.hunks {
            let mut n = h.new_start;
            for l in h.new_side() {
                if l.origin == LineOrigin::Added {
                    out.push(n);
                }
                n += 1;
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
        p.as_deref().and_then(|p| {
            let b = p.as_bytes();
            (b.len() > 2 && b[1] == b'/' && b[0].is_ascii_lowercase()).then_some(b[0])
        })
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
/// around hunks receive synthetic lines (see the module docs) so that each hunk parses in place.
pub fn rebuild(patch: &FilePatch, python: bool, skip: &[bool]) -> Rebuilt {
    let mut out = Writer { text: String::new(), lines: Vec::new(), layout: Layout::default() };
    let mut skipped = Vec::new();
    // Closing brackets owed by the last hunk, written into the next gap.
    let mut owed: Option<String> = None;
    for (index, hunk) in patch.hunks.iter().enumerate() {
        let start = hunk.new_start.max(1) as usize;
        let overlapping = start <= out.lines.len() && hunk.new_count() > 0;
        if skip.get(index).copied().unwrap_or(false) || overlapping {
            skipped.push(index);
            continue;
        }
        let gap = (start - 1).saturating_sub(out.lines.len());
        let mut synthetic: Vec<String> = Vec::new();
        if python {
            synthetic.extend(owed.take());
            let before = out.layout.clone();
            let mut probe = before.clone();
            for l in &synthetic {
                probe.track(l);
            }
            synthetic.extend(python_preamble(hunk, &probe));
        }
        // Synthetic lines sit right before the hunk; when the gap is too small they are left out and
        // the hunk may fail to parse (the caller then leaves it out).
        let fits = synthetic.len() <= gap;
        for g in 0..gap {
            let offset = g + synthetic.len();
            if fits && offset >= gap {
                let line = synthetic[offset - gap].clone();
                out.push(&line, NewLine::Synthetic, python);
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
        if python {
            owed = out.layout.closers();
        }
    }
    if python {
        // Close what the last hunk left open, and give a trailing block header (`def f():` as the
        // last context line) a body.
        if let Some(c) = owed.take() {
            out.push(&c, NewLine::Synthetic, true);
        }
        if out.layout.opens_block {
            let pass = pass_line(&out.layout.levels);
            out.push(&pass, NewLine::Synthetic, true);
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

/// Python's layout over the lines written so far: open brackets and triple-quoted strings, the
/// indentation levels of open blocks, whether the last statement opens a block, and the last
/// top-level `class`/`def` header.
#[derive(Clone, Debug)]
struct Layout {
    brackets: Vec<u8>,
    triple: Option<u8>,
    levels: Vec<usize>,
    opens_block: bool,
    top_header: Option<String>,
}

impl Default for Layout {
    fn default() -> Self {
        Layout { brackets: Vec::new(), triple: None, levels: vec![0], opens_block: false, top_header: None }
    }
}

/// What scanning one line found.
struct LineScan {
    /// The line starts a statement (it is not inside brackets or a string).
    starts_statement: bool,
    /// Closing brackets with no opening one before them (the hunk started inside brackets).
    unmatched: Vec<u8>,
}

impl Layout {
    fn is_open(&self) -> bool {
        !self.brackets.is_empty() || self.triple.is_some()
    }

    /// Scans a line for brackets and strings (comments and string contents ignored).
    fn scan(&mut self, line: &str) -> LineScan {
        let starts_statement = !self.is_open();
        let mut unmatched = Vec::new();
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
            i += 1;
        }
        LineScan { starts_statement, unmatched }
    }

    /// Follows one written line.
    fn track(&mut self, line: &str) {
        let scan = self.scan(line);
        if !is_code(line) {
            return;
        }
        if scan.starts_statement {
            let indent = indent_of(line);
            while self.levels.len() > 1 && self.levels.last().is_some_and(|&t| t > indent) {
                self.levels.pop();
            }
            if self.levels.last().is_some_and(|&t| t < indent) {
                self.levels.push(indent);
            }
            if indent == 0 && is_definition(line) {
                self.top_header = Some(code_part(line).to_string());
            }
        }
        if !self.is_open() {
            self.opens_block = code_part(line).ends_with(':');
        }
    }

    /// The line that closes what is open (brackets, a triple-quoted string), if anything is.
    fn closers(&self) -> Option<String> {
        let mut s = String::new();
        if let Some(q) = self.triple {
            s.push_str(&String::from_utf8_lossy(&[q, q, q]));
        }
        for &b in self.brackets.iter().rev() {
            s.push(closer_of(b) as char);
        }
        (!s.is_empty()).then_some(s)
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

/// The synthetic lines a Python hunk needs before it, in order: a body for a block header left open,
/// block headers for the levels the hunk returns to, and an opening line when the hunk starts inside
/// brackets. Empty when the hunk fits where it lands.
fn python_preamble(hunk: &Hunk, layout: &Layout) -> Vec<String> {
    let context = hunk.context.trim_end();
    let (unmatched, statements) = scan_hunk(hunk, None);
    // The opening line for a hunk that starts inside brackets: the hunk's context line when it opens
    // the same brackets (`INSTALLED_APPS = [`), else `_ = [`.
    let opener = if !unmatched.is_empty() {
        let opens: String = unmatched.iter().rev().map(|&c| opener_of(c) as char).collect();
        let indent = statements.first().map_or(0, |(_, t)| indent_of(t));
        Some(if code_part(context).ends_with(opens.as_str()) && indent_of(context) == indent {
            code_part(context).to_string()
        } else {
            format!("{}_ = {opens}", " ".repeat(indent))
        })
    } else {
        None
    };
    // A hunk inside a long literal may show neither end of it; its items (`"NAME": "shop",`) and a
    // context line that opens brackets (`DATABASES = {`) give it away.
    let first_code = hunk.new_side().map(|l| l.text.as_str()).find(|t| is_code(t));
    let inside_context = opener.is_none()
        && matches!(code_part(context).as_bytes().last(), Some(b'[' | b'{' | b'('))
        && first_code.is_some_and(|t| looks_like_item(t) && indent_of(t) > indent_of(context));
    let (opener, statements) = if inside_context {
        (Some(code_part(context).to_string()), scan_hunk(hunk, Some(context)).1)
    } else {
        (opener, statements)
    };
    let first_indent = match (&opener, statements.first()) {
        (Some(o), _) => indent_of(o),
        (None, Some((_, t))) => indent_of(t),
        (None, None) => return Vec::new(),
    };
    let k = first_indent;
    // Levels shallower than the first statement that the hunk returns to, plus the module level.
    let mut levels: Vec<usize> = statements.iter().map(|(_, t)| indent_of(t)).filter(|&i| i < k).collect();
    levels.push(0);
    levels.sort_unstable();
    levels.dedup();
    let context_is_new_definition = is_definition(context)
        && indent_of(context) == 0
        && layout.top_header.as_deref().is_none_or(|t| !context.starts_with(t.trim_end_matches(':')));
    let top_level = layout.levels.last().copied().unwrap_or(0);
    let shallower_open = levels.iter().all(|l| layout.levels.contains(l));
    // After a block header the hunk's first line is that block's body when it is deeper.
    let fits = !layout.is_open()
        && if layout.opens_block {
            k > top_level && shallower_open
        } else {
            layout.levels.contains(&k) && shallower_open
        };
    let mut lines = Vec::new();
    if !(fits && !context_is_new_definition) && k > 0 {
        if layout.opens_block {
            lines.push(pass_line(&layout.levels));
        }
        for &level in levels.iter().filter(|&&l| l < k) {
            let use_context = indent_of(context) == level && is_definition(context) && context.ends_with(':');
            lines.push(if use_context { context.to_string() } else { format!("{}if True:", " ".repeat(level)) });
        }
    } else if k == 0 && layout.opens_block {
        // A module-level hunk right after a block header needs a body for that header first.
        lines.push(pass_line(&layout.levels));
    }
    lines.extend(opener);
    lines
}

/// Scans a hunk's new side on its own (after `seed`, a line opening brackets): the closing brackets
/// it has no opening for, and the lines that start statements after the last of those.
fn scan_hunk<'h>(hunk: &'h Hunk, seed: Option<&str>) -> (Vec<u8>, Vec<(usize, &'h str)>) {
    let mut own = Layout::default();
    if let Some(seed) = seed {
        own.scan(seed);
    }
    let mut unmatched: Vec<u8> = Vec::new();
    let mut statements: Vec<(usize, &str)> = Vec::new();
    for (i, l) in hunk.new_side().enumerate() {
        let scan = own.scan(&l.text);
        if !scan.unmatched.is_empty() {
            unmatched.extend(scan.unmatched);
            statements.clear();
            continue;
        }
        if scan.starts_statement && is_code(&l.text) {
            statements.push((i, l.text.as_str()));
        }
    }
    (unmatched, statements)
}

/// An item of a literal rather than a statement: `"key": value,` or `value,`.
fn looks_like_item(line: &str) -> bool {
    let c = code_part(line).trim_start();
    c.ends_with(',') || ((c.starts_with('"') || c.starts_with('\'')) && (c.contains("\":") || c.contains("':")))
}

fn pass_line(levels: &[usize]) -> String {
    format!("{}pass", " ".repeat(levels.last().copied().unwrap_or(0) + 4))
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
}
