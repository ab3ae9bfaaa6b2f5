//! The Python front end: parsing (whole files and snippets), positions, and AST helpers.
//!
//! Everything that touches rustpython-parser's types lives in this module and in `facts/`; rules see
//! the facts built here.

pub mod names;
pub mod syntax;
pub mod walk;

use std::mem::ManuallyDrop;

use rustpython_parser::ast::{self, Ranged, Stmt};
use rustpython_parser::text_size::TextRange;
use rustpython_parser::{parse, Mode};

use crate::text::{LineIndex, Span};

/// Trees deeper than this are not analysed: the recursive walkers would risk the stack (1 MiB in
/// WebAssembly), and no real module comes close (Django's deepest is under 40).
pub const MAX_AST_DEPTH: usize = 200;

/// A parsed Python module together with the mapping back to the text the user gave.
///
/// Snippets pasted from the middle of a file are made parseable first (dedented, and wrapped in
/// synthetic `if True:` headers when they start deeper than they end); `line_shift` and `col_shift`
/// undo that so every position refers to the original text.
pub struct ParsedPython {
    body: ManuallyDrop<Vec<Stmt>>,
    /// The text that was parsed (after snippet preparation).
    source: String,
    index: LineIndex,
    /// Synthetic header lines added before the first real line.
    line_shift: u32,
    /// Columns removed from every line by dedenting.
    col_shift: u32,
}

impl Drop for ParsedPython {
    fn drop(&mut self) {
        // Dropping a tree is recursive; trees within the depth limit are dropped normally. Deeper ones
        // never reach here (they are leaked in `parse_python` before a `ParsedPython` exists).
        // SAFETY: `body` is not used after this point.
        unsafe { ManuallyDrop::drop(&mut self.body) }
    }
}

/// Why a file could not be analysed as Python.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxProblem {
    pub span: Span,
    pub message: String,
    /// Set when the code is valid in a newer Python but not understood by our parser.
    pub unsupported: Option<&'static str>,
}

impl ParsedPython {
    pub fn body(&self) -> &[Stmt] {
        &self.body
    }

    /// The span of a node, in the coordinates of the original text.
    pub fn span(&self, range: TextRange) -> Span {
        let s = self.index.span(&self.source, range.start().to_usize(), range.end().to_usize());
        self.map_span(s)
    }

    pub fn span_of<N: Ranged>(&self, node: &N) -> Span {
        self.span(node.range())
    }

    /// The exact source text of a node, as parsed.
    pub fn source_of<N: Ranged>(&self, node: &N) -> &str {
        let r = node.range();
        self.source.get(r.start().to_usize()..r.end().to_usize()).unwrap_or("")
    }

    /// The parsed source text of a range.
    pub fn source_range(&self, range: TextRange) -> &str {
        self.source.get(range.start().to_usize()..range.end().to_usize()).unwrap_or("")
    }

    fn map_span(&self, s: Span) -> Span {
        let line = |l: u32| l.saturating_sub(self.line_shift).max(1);
        let col = |c: u32| if self.col_shift > 0 { c + self.col_shift } else { c };
        Span { line: line(s.line), column: col(s.column), end_line: line(s.end_line), end_column: col(s.end_column) }
    }
}

/// Parses a whole module or a snippet. Never panics; failure is a [`SyntaxProblem`] with a position in
/// the original text.
pub fn parse_python(path: &str, text: &str) -> Result<ParsedPython, SyntaxProblem> {
    let (dedented, col_shift) = dedent(text);
    let first = try_parse(path, &dedented, 0, col_shift as u32);
    let first_err = match first {
        Ok(p) => return Ok(p),
        Err(e) => e,
    };
    // A snippet that starts deeper than it ends (the tail of a method and then the next one) parses
    // once the missing block headers are supplied.
    if let Some((wrapped, headers)) = wrap_in_headers(&dedented) {
        if let Ok(p) = try_parse(path, &wrapped, headers, col_shift as u32) {
            return Ok(p);
        }
    }
    Err(first_err)
}

fn try_parse(path: &str, source: &str, line_shift: u32, col_shift: u32) -> Result<ParsedPython, SyntaxProblem> {
    let index = LineIndex::new(source);
    match parse(source, Mode::Module, path) {
        Ok(ast::Mod::Module(m)) => {
            let depth = walk::max_depth(&m.body);
            if depth > MAX_AST_DEPTH {
                // Leak rather than drop: dropping is recursive and would overflow on exactly this input.
                std::mem::forget(m);
                return Err(SyntaxProblem {
                    span: Span::point(1, 1),
                    message: format!(
                        "the code is nested {depth} levels deep; djreview analyses up to {MAX_AST_DEPTH} levels, so this file was skipped"
                    ),
                    unsupported: None,
                });
            }
            Ok(ParsedPython {
                body: ManuallyDrop::new(m.body),
                source: source.to_string(),
                index,
                line_shift,
                col_shift,
            })
        }
        Ok(_) => Err(SyntaxProblem { span: Span::point(1, 1), message: "not a module".into(), unsupported: None }),
        Err(e) => {
            let offset = e.offset.to_usize();
            let (line, column) = index.position(source, offset);
            let unsupported = syntax::unsupported_construct(source, line);
            let mut message = syntax::describe(&e.error, unsupported);
            if unsupported.is_none() {
                // The parser fails where it notices, often lines after the real mistake.
                if let Some((bracket, open_line)) = syntax::unclosed_bracket(source, offset).filter(|(_, l)| *l < line)
                {
                    let shown = open_line.saturating_sub(line_shift).max(1);
                    message = format!("`{bracket}` opened on line {shown} is never closed ({message})");
                }
            }
            let line = line.saturating_sub(line_shift).max(1);
            let column = if col_shift > 0 { column + col_shift } else { column };
            Err(SyntaxProblem { span: Span::point(line, column), message, unsupported })
        }
    }
}

/// Removes the whitespace prefix that every non-blank line shares. Returns the text and the number of
/// characters removed per line.
fn dedent(text: &str) -> (std::borrow::Cow<'_, str>, usize) {
    let mut common: Option<&str> = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let ws_len = line.len() - line.trim_start_matches([' ', '\t']).len();
        let ws = &line[..ws_len];
        common = Some(match common {
            None => ws,
            Some(c) => {
                let n = c.bytes().zip(ws.bytes()).take_while(|(a, b)| a == b).count();
                &c[..n]
            }
        });
        if common == Some("") {
            break;
        }
    }
    let k = common.map_or(0, str::len);
    if k == 0 {
        return (std::borrow::Cow::Borrowed(text), 0);
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            out.push_str(line.trim_start_matches([' ', '\t']));
        } else {
            // Every non-blank line starts with the same ASCII prefix, so `k` is a character boundary.
            out.push_str(&line[k..]);
        }
    }
    (std::borrow::Cow::Owned(out), k)
}

/// For a dedented snippet whose first code line is indented, adds one `if True:` header per
/// shallower indentation level that occurs later. Returns the text and the number of header lines.
fn wrap_in_headers(text: &str) -> Option<(String, u32)> {
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let code_lines = || text.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let first = indent(code_lines().next()?);
    if first == 0 {
        return None;
    }
    let mut levels: Vec<usize> = code_lines().map(indent).filter(|&i| i < first).collect();
    levels.push(0);
    crate::sort::sort(&mut levels);
    levels.dedup();
    let mut out = String::with_capacity(text.len() + levels.len() * 16);
    for &l in &levels {
        out.push_str(&" ".repeat(l));
        out.push_str("if True:\n");
    }
    out.push_str(text);
    Some((out, levels.len() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_method_body_pasted_from_the_middle_of_a_class() {
        let src = "    def get(self, request):\n        books = Book.objects.all()\n        return books\n";
        let p = parse_python("", src).expect("dedented snippet parses");
        let Stmt::FunctionDef(f) = &p.body()[0] else { panic!("expected a def") };
        // `books` on line 2 keeps its original column (9).
        let span = p.span_of(&f.body[0]);
        assert_eq!((span.line, span.column), (2, 9));
    }

    #[test]
    fn parses_a_snippet_that_starts_deeper_than_it_ends() {
        let src = "            x = 1\n        return x\n\n    def other(self):\n        pass\n";
        let p = parse_python("", src).expect("wrapped snippet parses");
        assert!(!p.body().is_empty());
        // Positions still refer to the original text.
        let Stmt::If(i) = &p.body()[0] else { panic!("expected the synthetic header") };
        let mut first = &i.body[0];
        while let Stmt::If(inner) = first {
            first = &inner.body[0];
        }
        assert_eq!(p.span_of(first).line, 1);
    }

    #[test]
    fn a_syntax_error_points_at_its_line() {
        let err = parse_python("x.py", "a = 1\nb = (2,\nc = 3\ndef\n").err().expect("invalid");
        assert!(err.span.line >= 3, "{err:?}");
        assert!(!err.message.is_empty());
    }

    #[test]
    fn absurd_nesting_is_rejected_without_overflowing() {
        let src = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        let _ = parse_python("deep.py", &src);
        let chain = format!("x = {}\n", vec!["1"; 20000].join(" + "));
        let err = parse_python("chain.py", &chain).err().expect("too deep");
        assert!(err.message.contains("nested"));
    }
}
