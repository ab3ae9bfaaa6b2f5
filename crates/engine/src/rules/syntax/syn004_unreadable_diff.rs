crate::declare_rule! {
    /// ## What it does
    /// Reports the parts of a pasted unified diff that could not be read: a hunk header that is not
    /// `@@ -OLD,COUNT +NEW,COUNT @@`, a hunk with fewer lines than its header promises (a diff cut
    /// off by a chat tool or an editor), a hunk with no file header before it. Every other file and
    /// hunk of the diff is still analysed.
    ///
    /// ## Why it matters at scale
    /// A diff that silently loses a hunk hides exactly the change under review; saying where reading
    /// stopped lets the reviewer paste the rest.
    ///
    /// ## Example
    /// ```diff
    /// --- a/shop/settings.py
    /// +++ b/shop/settings.py
    /// @@ -1,2 +1,2 @@
    /// -TIMEOUT = 5
    /// +TIMEOUT = 30
    /// ```
    ///
    /// ## Use instead
    /// ```diff
    /// --- a/shop/settings.py
    /// +++ b/shop/settings.py
    /// @@ -1 +1 @@
    /// -TIMEOUT = 5
    /// +TIMEOUT = 30
    /// ```
    ///
    /// ## Precision
    /// Exact: the reader could not match the diff's text to its own line counts. Empty context lines
    /// whose leading space an editor stripped are accepted, not reported.
    pub UNREADABLE_DIFF {
        code: "SYN004", name: "unreadable-diff", category: Syntax,
        severity: Medium, confidence: High, playbook: "review-checklist",
    }
}
