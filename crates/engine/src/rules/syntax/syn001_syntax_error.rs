crate::declare_rule! {
    /// ## What it does
    /// Reports Python code that does not parse, at the line and column where parsing stopped. The file
    /// is left out of the analysis; every other file is still analysed.
    ///
    /// ## Why it matters at scale
    /// Code that does not parse cannot ship, and a review tool that silently skips a file gives a
    /// reviewer false comfort: findings for that file are missing, not absent.
    ///
    /// ## Example
    /// ```python
    /// def book_list(request:
    ///     return render(request, "books.html")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// def book_list(request):
    ///     return render(request, "books.html")
    /// ```
    ///
    /// ## Precision
    /// Exact: the parser rejected the text. A snippet pasted from the middle of a file (an indented
    /// method body) is dedented and completed with synthetic block headers before it is judged, so
    /// partial code is not reported as broken.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub SYNTAX_ERROR {
        code: "SYN001", name: "syntax-error", category: Syntax,
        severity: Medium, confidence: High, playbook: "review-checklist",
    }
}
