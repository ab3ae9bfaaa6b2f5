//! The one function rustpython-parser needs from `unicode_names2`: the character a `\N{NAME}`
//! escape stands for.
//!
//! djreview analyses code, it never runs it, so the exact character inside a string literal does
//! not change any finding. Carrying the whole Unicode name table into the browser would cost most
//! of a megabyte; instead a handful of names common in Django code map to their characters, and
//! any other well-formed name (capital letters, digits, spaces, hyphens) maps to U+FFFD so the
//! file still parses. Malformed names are rejected, as Python does.

/// Names seen in real Django projects' string literals.
const COMMON: &[(&str, char)] = &[
    ("BULLET", '\u{2022}'),
    ("EM DASH", '\u{2014}'),
    ("EN DASH", '\u{2013}'),
    ("HORIZONTAL ELLIPSIS", '\u{2026}'),
    ("NO-BREAK SPACE", '\u{00A0}'),
    ("NARROW NO-BREAK SPACE", '\u{202F}'),
    ("ZERO WIDTH SPACE", '\u{200B}'),
    ("ZERO WIDTH JOINER", '\u{200D}'),
    ("EURO SIGN", '\u{20AC}'),
    ("POUND SIGN", '\u{00A3}'),
    ("YEN SIGN", '\u{00A5}'),
    ("DEGREE SIGN", '\u{00B0}'),
    ("MULTIPLICATION SIGN", '\u{00D7}'),
    ("RIGHTWARDS ARROW", '\u{2192}'),
    ("LEFTWARDS ARROW", '\u{2190}'),
    ("CHECK MARK", '\u{2713}'),
    ("COPYRIGHT SIGN", '\u{00A9}'),
    ("REGISTERED SIGN", '\u{00AE}'),
    ("TRADE MARK SIGN", '\u{2122}'),
    ("LEFT-POINTING DOUBLE ANGLE QUOTATION MARK", '\u{00AB}'),
    ("RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK", '\u{00BB}'),
    ("LEFT DOUBLE QUOTATION MARK", '\u{201C}'),
    ("RIGHT DOUBLE QUOTATION MARK", '\u{201D}'),
    ("LEFT SINGLE QUOTATION MARK", '\u{2018}'),
    ("RIGHT SINGLE QUOTATION MARK", '\u{2019}'),
    ("SPACE", ' '),
    ("LINE FEED", '\n'),
    ("NULL", '\0'),
];

/// The character named `name`, or `None` when the text cannot be a Unicode character name.
pub fn character(name: &str) -> Option<char> {
    let upper = name.trim().to_ascii_uppercase();
    if let Some((_, c)) = COMMON.iter().find(|(n, _)| *n == upper) {
        return Some(*c);
    }
    let well_formed = !upper.is_empty()
        && upper.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ' || c == '-')
        && upper.starts_with(|c: char| c.is_ascii_uppercase());
    well_formed.then_some('\u{FFFD}')
}

#[cfg(test)]
mod tests {
    use super::character;

    #[test]
    fn common_names_resolve_and_others_parse() {
        assert_eq!(character("EM DASH"), Some('\u{2014}'));
        assert_eq!(character("em dash"), Some('\u{2014}'));
        assert_eq!(character("GREEK SMALL LETTER ALPHA"), Some('\u{FFFD}'));
        assert_eq!(character(""), None);
        assert_eq!(character("not a name!"), None);
    }
}
