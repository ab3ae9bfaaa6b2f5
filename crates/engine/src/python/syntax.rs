//! Turning parser errors into messages a reviewer can act on, and naming constructs that are valid
//! in newer Python versions but unknown to rustpython-parser 0.4.

use rustpython_parser::ParseErrorType;

use crate::text::nth_line;

/// Names the newer-Python construct on `line` (1-based) that our parser cannot read, if any.
pub fn unsupported_construct(source: &str, line: u32) -> Option<&'static str> {
    let text = nth_line(source, line)?;
    let t = text.trim_start();
    if t.starts_with("except") && !t.starts_with("except*") && t.ends_with(':') {
        let inner = t.trim_start_matches("except").trim_end_matches(':').trim();
        if !inner.starts_with('(') && inner.contains(',') && !inner.contains(" as ") {
            return Some("an `except A, B:` clause without parentheses (PEP 758, Python 3.14)");
        }
    }
    if has_string_prefix(text, 't') {
        return Some("a template string `t\"...\"` (PEP 750, Python 3.14)");
    }
    if (t.starts_with("def ") || t.starts_with("class ") || t.starts_with("type ")) && type_param_default(t) {
        return Some("a default in a type parameter list (PEP 696, Python 3.13)");
    }
    if fstring_needs_pep701(text) || (line > 1 && fstring_needs_pep701(nth_line(source, line - 1).unwrap_or(""))) {
        return Some("an f-string that reuses its own quotes or spans lines inside `{}` (PEP 701, Python 3.12)");
    }
    None
}

/// The innermost bracket still open at byte `offset`, as (bracket, 1-based line), found with the
/// tokenizer so brackets inside strings and comments do not count.
pub fn unclosed_bracket(source: &str, offset: usize) -> Option<(char, u32)> {
    use rustpython_parser::lexer::lex;
    use rustpython_parser::{Mode, Tok};
    let mut stack: Vec<(char, usize)> = Vec::new();
    for item in lex(source, Mode::Module) {
        let Ok((tok, range)) = item else { break };
        if range.start().to_usize() >= offset {
            break;
        }
        match tok {
            Tok::Lpar => stack.push(('(', range.start().to_usize())),
            Tok::Lsqb => stack.push(('[', range.start().to_usize())),
            Tok::Lbrace => stack.push(('{', range.start().to_usize())),
            Tok::Rpar | Tok::Rsqb | Tok::Rbrace => {
                stack.pop();
            }
            _ => {}
        }
    }
    let (c, at) = stack.pop()?;
    let line = source[..at.min(source.len())].bytes().filter(|&b| b == b'\n').count() as u32 + 1;
    Some((c, line))
}

/// A human message for a parse error, naming the unsupported construct when there is one.
pub fn describe(error: &ParseErrorType, unsupported: Option<&'static str>) -> String {
    if let Some(what) = unsupported {
        return format!(
            "this line uses {what}, which djreview's Python parser does not read yet; the file was not analysed, the other files were"
        );
    }
    match error {
        ParseErrorType::Eof => "unexpected end of the input: a bracket, string or block is not closed".into(),
        ParseErrorType::UnrecognizedToken(tok, expected) => match expected {
            Some(exp) => format!("invalid syntax: found {tok}, expected {exp}"),
            None => format!("invalid syntax at {tok}"),
        },
        ParseErrorType::ExtraToken(tok) => format!("invalid syntax: unexpected {tok}"),
        ParseErrorType::InvalidToken => "invalid token".into(),
        ParseErrorType::Lexical(e) => format!("invalid syntax: {e}"),
    }
}

fn has_string_prefix(line: &str, prefix: char) -> bool {
    let b: Vec<char> = line.chars().collect();
    b.windows(2).enumerate().any(|(i, w)| {
        (w[0] == prefix || w[0] == prefix.to_ascii_uppercase())
            && (w[1] == '"' || w[1] == '\'')
            && (i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_'))
    })
}

fn type_param_default(t: &str) -> bool {
    let Some(open) = t.find('[') else { return false };
    let Some(close) = t[open..].find(']') else { return false };
    let name_part = &t[..open];
    !name_part.contains('(') && !name_part.contains('=') && t[open..open + close].contains('=')
}

/// True when an f-string on this line nests its own quote character inside a replacement field, or
/// leaves a replacement field open at the end of a single-quoted string line.
fn fstring_needs_pep701(line: &str) -> bool {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let is_f = (c == 'f' || c == 'F') && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
            || ((c == 'r' || c == 'R') && matches!(chars.get(i + 1), Some('f' | 'F')));
        if is_f {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_ascii_alphabetic() {
                j += 1;
            }
            if j < chars.len() && (chars[j] == '"' || chars[j] == '\'') {
                let q = chars[j];
                let triple = chars.get(j + 1) == Some(&q) && chars.get(j + 2) == Some(&q);
                if triple {
                    return false;
                }
                let mut depth = 0;
                let mut k = j + 1;
                while k < chars.len() {
                    match chars[k] {
                        '{' if chars.get(k + 1) == Some(&'{') && depth == 0 => k += 1,
                        '{' => depth += 1,
                        '}' if depth > 0 => depth -= 1,
                        ch if ch == q && depth > 0 => return true,
                        ch if ch == q => break,
                        _ => {}
                    }
                    k += 1;
                }
                if k >= chars.len() && depth > 0 {
                    return true;
                }
                i = k;
            }
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_newer_constructs() {
        assert!(unsupported_construct("x = f\"{d[\"k\"]}\"\n", 1).unwrap().contains("PEP 701"));
        assert!(unsupported_construct("try:\n    pass\nexcept A, B:\n    pass\n", 3).unwrap().contains("PEP 758"));
        assert!(unsupported_construct("def f[T = int](x): pass\n", 1).unwrap().contains("PEP 696"));
        assert!(unsupported_construct("x = t\"hi {name}\"\n", 1).unwrap().contains("PEP 750"));
    }

    #[test]
    fn ordinary_lines_are_not_called_unsupported() {
        assert_eq!(unsupported_construct("x = f\"{d['k']}\"\n", 1), None);
        assert_eq!(unsupported_construct("except (A, B):\n", 1), None);
        assert_eq!(unsupported_construct("def f(x=[1]): pass\n", 1), None);
        assert_eq!(unsupported_construct("print(that)\n", 1), None);
    }
}
