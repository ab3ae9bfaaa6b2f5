crate::declare_rule! {
    /// ## What it does
    /// Reports template tags that do not pair up: a block tag (`{% for %}`, `{% if %}`, `{% block %}`,
    /// `{% with %}`, ...) that is never closed, or a closing or `{% else %}`-like tag with no opening
    /// one. The rest of the template is still analysed.
    ///
    /// ## Why it matters at scale
    /// Django raises `TemplateSyntaxError` when the template is first rendered, which for a rarely
    /// visited page can be days after the deploy.
    ///
    /// ## Example
    /// ```django
    /// {% for post in posts %}
    ///   <h2>{{ post.title }}</h2>
    /// ```
    ///
    /// ## Use instead
    /// ```django
    /// {% for post in posts %}
    ///   <h2>{{ post.title }}</h2>
    /// {% endfor %}
    /// ```
    ///
    /// ## Precision
    /// Custom block tags are recognised by their `{% end<name> %}` tag anywhere in the template; a
    /// custom tag without one is read as a simple tag.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// no findings; precision rests on the fixtures' positives and near misses.
    pub TEMPLATE_SYNTAX {
        code: "SYN003", name: "template-syntax", category: Syntax,
        severity: Medium, confidence: High, playbook: "review-checklist",
    }
}
