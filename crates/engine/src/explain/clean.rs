//! Strips what clients wrap around a plan (psql headers, footers, frames and `+` continuations,
//! pgAdmin quotes, GUI line numbers, typographic ellipses) while keeping each line's original number.

/// A line of the paste after cleaning, with its 1-based number in the original text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub no: u32,
    pub text: String,
}

/// The cleaned lines of a paste. Nothing is dropped except decoration.
pub fn clean(input: &str) -> Vec<Line> {
    let raw: Vec<(u32, String)> = input
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u32 + 1, l.replace('\t', "    ").replace('\u{21b5}', "")))
        .collect();
    // GUI line numbers (`1. `, `2. `) only when every non-empty line has one.
    let numbered = raw.iter().filter(|(_, l)| !l.trim().is_empty()).count() > 1
        && raw.iter().filter(|(_, l)| !l.trim().is_empty()).all(|(_, l)| strip_line_number(l).is_some());
    let raw: Vec<(u32, String)> = if numbered {
        raw.into_iter().map(|(n, l)| (n, strip_line_number(&l).map(str::to_string).unwrap_or(l))).collect()
    } else {
        raw
    };
    let content: Vec<&str> = raw.iter().map(|(_, l)| l.trim_end()).filter(|l| !l.trim().is_empty()).collect();
    // psql marks a multi-line cell's line breaks with a trailing `+`, right after the text when
    // the text fills the column: once some line ends with ` +`, every trailing `+` is one.
    let continuation_mode = content.iter().any(|l| l.ends_with(" +"));
    // Some exports close each line with a quote they never opened.
    let half_quoted = content.len() > 1
        && content
            .iter()
            .all(|l| l.ends_with('"') && l.matches('"').count() % 2 == 1 && !l.trim_start().starts_with('"'));
    // pgAdmin and CSV copies wrap every line in quotes (a JSON line that happens to start and end
    // with a quote is not one of them).
    let quoted = content.len() > 0
        && content.iter().all(|l| {
            let t = l.trim();
            t.len() >= 2 && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
        });
    let mut out = Vec::with_capacity(raw.len());
    for (no, mut text) in raw {
        if half_quoted {
            text = text.trim_end().strip_suffix('"').unwrap_or(&text).to_string();
        }
        let trimmed = text.trim();
        if trimmed.is_empty() || is_decoration(trimmed) {
            continue;
        }
        // Frames from psql `\pset border 2` and DBeaver: `| ... |`, `│ ... │`.
        let mut t = text.trim_end().to_string();
        for frame in ['|', '│', '║'] {
            let inner = t.trim_start();
            if let Some(rest) = inner.strip_prefix(frame) {
                let rest = rest.trim_end();
                t = rest.strip_suffix(frame).unwrap_or(rest).to_string();
            }
        }
        // psql aligned output marks an embedded newline with a trailing ` +`.
        if let Some(stripped) = t.trim_end().strip_suffix('+') {
            if continuation_mode || stripped.ends_with(' ') || stripped.is_empty() {
                t = stripped.trim_end().to_string();
            }
        }
        // Quoted lines: unwrap them and undouble the inner quotes.
        let s = t.trim();
        if quoted && s.len() >= 2 {
            let indent = t.len() - t.trim_start().len();
            let inner = &s[1..s.len() - 1];
            t = format!("{}{}", " ".repeat(indent), inner.replace("\"\"", "\""));
        }
        t = t.replace('…', "..");
        if t.trim().is_empty() {
            continue;
        }
        out.push(Line { no, text: t });
    }
    out
}

fn strip_line_number(l: &str) -> Option<&str> {
    let digits = l.len() - l.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    l[digits..].strip_prefix(". ")
}

/// Header, rules and footers that clients print around a plan.
fn is_decoration(t: &str) -> bool {
    if t.eq_ignore_ascii_case("QUERY PLAN") {
        return true;
    }
    // Rules: `-----`, `─────`, `+----+`, box drawing.
    if t.chars().all(|c| {
        matches!(
            c,
            '-' | '+'
                | '='
                | '─'
                | '═'
                | '━'
                | '├'
                | '┤'
                | '┼'
                | '╟'
                | '╢'
                | '╠'
                | '╣'
                | '╞'
                | '╡'
                | '└'
                | '┘'
                | '┌'
                | '┐'
                | '╚'
                | '╝'
                | '╔'
                | '╗'
                | '│'
                | '|'
                | ' '
        )
    }) {
        return true;
    }
    // `(12 rows)`, `(1 row)`, `(8 lignes)`: a count and one word in parentheses.
    if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        let mut words = inner.split_whitespace();
        if let (Some(n), Some(_), None) = (words.next(), words.next(), words.next()) {
            if n.chars().all(|c| c.is_ascii_digit()) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn decorations_go_and_line_numbers_stay() {
        let text = "                QUERY PLAN\n----------------\n Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)   +\n   Filter: (a = 1)\n(2 rows)\n";
        let lines = clean(text);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].no, 3);
        assert_eq!(lines[0].text, " Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)");
        assert_eq!(lines[1].text.trim(), "Filter: (a = 1)");
    }

    #[test]
    fn quotes_frames_and_numbers_are_removed() {
        let lines = clean("1. \"Limit  (cost=0.00..0.08 rows=2 width=190)\"\n2. \"  ->  Seq Scan on pg_class  (cost=0.00..13.61 rows=361 width=190)\"\n");
        assert_eq!(lines[0].text, "Limit  (cost=0.00..0.08 rows=2 width=190)");
        assert_eq!(lines[1].text, "  ->  Seq Scan on pg_class  (cost=0.00..13.61 rows=361 width=190)");
        let framed = clean("| Seq Scan on t  (cost=0.00…1.00 rows=1 width=4) |\n");
        assert_eq!(framed[0].text.trim(), "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)");
    }
}
