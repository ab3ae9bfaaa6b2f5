crate::declare_rule! {
    /// ## What it does
    /// Names a construct from a recent Python version that djreview's parser (rustpython-parser 0.4,
    /// Python 3.11 grammar) cannot read yet: PEP 701 f-strings that reuse their quotes or span lines
    /// (3.12), PEP 696 type-parameter defaults (3.13), PEP 758 unparenthesised `except A, B:` and
    /// PEP 750 t-strings (3.14). The file is skipped; the rest of the project is analysed.
    ///
    /// ## Why it matters at scale
    /// The code is valid, so this is djreview's limitation, not yours; it is reported so that a
    /// skipped file is never mistaken for a clean one.
    ///
    /// ## Example
    /// ```python
    /// def label(book):
    ///     return f"{book.meta["title"]} ({book.year})"
    /// ```
    ///
    /// ## Use instead
    /// Nothing is wrong with the code. To have the file analysed, use the older spelling:
    /// ```python
    /// def label(book):
    ///     return f"{book.meta['title']} ({book.year})"
    /// ```
    ///
    /// ## Precision
    /// Recognised from the failing line; a syntax error that matches none of the patterns is reported
    /// as `syntax-error` instead.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub UNSUPPORTED_SYNTAX {
        code: "SYN002", name: "unsupported-syntax", category: Syntax,
        severity: Info, confidence: High, playbook: "review-checklist",
    }
}
