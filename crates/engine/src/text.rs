//! Byte offsets to line/column positions, source excerpts, and case conversion.

/// Unicode case conversion, as `str::to_lowercase`/`to_uppercase`. ASCII text (nearly everything:
/// identifiers, SQL, HTTP methods) is converted here; in the wasm build the rare non-ASCII text goes to
/// the browser's `toLowerCase`/`toUpperCase`, the same Unicode default case conversion, which keeps the
/// standard library's case-mapping tables (about 16 KB of the gzipped wasm) out of the bundle.
pub trait Case {
    fn lowercase(&self) -> String;
    fn uppercase(&self) -> String;
}

impl Case for str {
    fn lowercase(&self) -> String {
        if self.is_ascii() {
            return self.to_ascii_lowercase();
        }
        #[cfg(target_arch = "wasm32")]
        return String::from(js_sys::JsString::from(self).to_lower_case());
        #[cfg(not(target_arch = "wasm32"))]
        self.to_lowercase()
    }

    fn uppercase(&self) -> String {
        if self.is_ascii() {
            return self.to_ascii_uppercase();
        }
        #[cfg(target_arch = "wasm32")]
        return String::from(js_sys::JsString::from(self).to_upper_case());
        #[cfg(not(target_arch = "wasm32"))]
        self.to_uppercase()
    }
}

/// A position range in a source file: 1-based lines, 1-based character columns, end exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Span {
    pub fn point(line: u32, column: u32) -> Span {
        Span { line, column, end_line: line, end_column: column + 1 }
    }

    /// The whole of one line (used when only the line is known).
    pub fn line(line: u32, text: &str) -> Span {
        let len = nth_line(text, line).map(|l| l.chars().count() as u32).unwrap_or(0);
        Span { line, column: 1, end_line: line, end_column: len.max(1) + 1 }
    }
}

/// Start offsets of every line, for offset → (line, column) conversion.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Line `n` (1-based) of `text`, the text this index was built from, without its line ending.
    pub fn line<'t>(&self, text: &'t str, n: u32) -> Option<&'t str> {
        let start = *self.starts.get((n as usize).checked_sub(1)?)?;
        let end = self.starts.get(n as usize).map_or(text.len(), |&next| next - 1);
        let line = text.get(start..end)?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    /// 1-based line and 1-based character column of a byte offset. Offsets past the end clamp to it;
    /// offsets inside a multi-byte character count that character.
    pub fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let mut end = offset;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let col = text.get(start..end).map(|s| s.chars().count()).unwrap_or(0);
        (line as u32 + 1, col as u32 + 1)
    }

    pub fn span(&self, text: &str, start: usize, end: usize) -> Span {
        let (line, column) = self.position(text, start);
        let (end_line, end_column) = self.position(text, end.max(start));
        Span {
            line,
            column,
            end_line,
            end_column: if end_line == line { end_column.max(column + 1) } else { end_column },
        }
    }
}

/// The `n`th line (1-based) without its line ending.
pub fn nth_line(text: &str, n: u32) -> Option<&str> {
    if n == 0 {
        return None;
    }
    text.split('\n').nth(n as usize - 1).map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// The source text a span covers (clipped to the text).
pub fn span_text(text: &str, span: Span) -> String {
    let mut out = String::new();
    for n in span.line..=span.end_line {
        let Some(line) = nth_line(text, n) else { break };
        let from = if n == span.line { span.column.saturating_sub(1) as usize } else { 0 };
        let to = if n == span.end_line { span.end_column.saturating_sub(1) as usize } else { usize::MAX };
        let piece: String = line.chars().skip(from).take(to.saturating_sub(from)).collect();
        if n != span.line {
            out.push('\n');
        }
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversion_is_the_standard_librarys() {
        for s in
            ["", "Post", "blog.BlogPost", "SELECT * FROM t", "ÉCOLE", "Straße", "ΟΔΟΣ Σ", "İstanbul", "ǅ", "a_b-C9"]
        {
            assert_eq!(s.lowercase(), s.to_lowercase(), "{s}");
            assert_eq!(s.uppercase(), s.to_uppercase(), "{s}");
        }
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçé x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), (1, 1));
        assert_eq!(idx.position(text, 3), (2, 1));
        // "çé " is 5 bytes; the x is the 4th character.
        assert_eq!(idx.position(text, 8), (2, 4));
        assert_eq!(idx.position(text, 999), (3, 1));
    }

    #[test]
    fn offset_inside_a_character_does_not_panic() {
        let text = "é";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 1), (1, 1));
    }

    #[test]
    fn span_text_extracts_single_and_multi_line() {
        let text = "hello world\nsecond line\n";
        assert_eq!(span_text(text, Span { line: 1, column: 7, end_line: 1, end_column: 12 }), "world");
        assert_eq!(span_text(text, Span { line: 1, column: 7, end_line: 2, end_column: 7 }), "world\nsecond");
    }
}
