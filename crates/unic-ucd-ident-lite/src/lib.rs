//! The two functions rustpython-parser's lexer needs from `unic-ucd-ident`: whether a character may
//! start an identifier (`XID_Start`) and whether it may continue one (`XID_Continue`).
//!
//! The lexer calls `is_xid_continue` on the character after every identifier (usually ASCII: a space,
//! `(`, `.`, `,`), and unic's answer is a binary search over hundreds of ranges each time. Here ASCII
//! is answered by a `match` (the same sets: letters and, for continuing, digits and `_`), and any other
//! character by the `unicode-ident` crate's tables, which follow a newer Unicode version than unic's
//! (10.0): identifiers using letters added to Unicode since then are read as Python 3.12 reads them.

/// Whether `c` has the Unicode property `XID_Start`.
#[inline]
pub fn is_xid_start(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        unicode_ident::is_xid_start(c)
    }
}

/// Whether `c` has the Unicode property `XID_Continue`.
#[inline]
pub fn is_xid_continue(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        unicode_ident::is_xid_continue(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_agrees_with_the_unicode_tables() {
        for b in 0u8..128 {
            let c = b as char;
            assert_eq!(is_xid_start(c), unicode_ident::is_xid_start(c), "{c:?}");
            assert_eq!(is_xid_continue(c), unicode_ident::is_xid_continue(c), "{c:?}");
        }
    }

    #[test]
    fn non_ascii_letters_and_marks() {
        assert!(is_xid_start('é') && is_xid_start('Ж') && is_xid_start('名'));
        assert!(is_xid_continue('\u{0301}')); // combining acute accent
        assert!(!is_xid_start('\u{0301}'));
        assert!(!is_xid_continue('€') && !is_xid_continue('\u{00A0}'));
    }
}
