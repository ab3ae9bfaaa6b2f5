//! The Django template front end: a lexer and a forgiving parser that turn a template into a tree of
//! nodes with positions. It never fails: unclosed or stray block tags are reported as problems and
//! the tree is still built, so the rest of the template is analysed.

use crate::text::{LineIndex, Span};

/// A variable expression: `post.author.name|default:"-"|safe`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterExpr {
    /// The variable path (`["post", "author", "name"]`), empty for a literal.
    pub path: Vec<String>,
    /// Filters with their argument text.
    pub filters: Vec<(String, Option<String>)>,
    /// Where the expression is, for findings.
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Var(FilterExpr),
    For {
        vars: Vec<String>,
        iter: FilterExpr,
        body: Vec<Node>,
        empty: Vec<Node>,
        span: Span,
    },
    If {
        conditions: Vec<FilterExpr>,
        branches: Vec<Vec<Node>>,
        span: Span,
    },
    With {
        bindings: Vec<(String, FilterExpr)>,
        body: Vec<Node>,
        span: Span,
    },
    Block {
        name: String,
        body: Vec<Node>,
        span: Span,
    },
    Extends {
        template: Option<String>,
        span: Span,
    },
    Include {
        template: Option<String>,
        bindings: Vec<(String, FilterExpr)>,
        only: bool,
        span: Span,
    },
    Autoescape {
        on: bool,
        body: Vec<Node>,
        span: Span,
    },
    Cache {
        body: Vec<Node>,
        span: Span,
    },
    /// Any other block tag with an end tag (`spaceless`, `blocktranslate`, custom ones).
    Wrapper {
        name: String,
        args: Vec<FilterExpr>,
        body: Vec<Node>,
        span: Span,
    },
    /// A tag without a body (`url`, `csrf_token`, custom simple tags): its name and variable
    /// arguments.
    Tag {
        name: String,
        args: Vec<FilterExpr>,
        span: Span,
    },
}

/// A problem found while reading a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateProblem {
    pub span: Span,
    pub message: String,
}

pub struct Template {
    pub nodes: Vec<Node>,
    pub problems: Vec<TemplateProblem>,
}

/// Parses a template. Never panics; problems are collected.
pub fn parse(text: &str) -> Template {
    let index = LineIndex::new(text);
    let tokens = lex(text);
    let ends = end_tags(&tokens);
    let mut p =
        Parser { text, index: &index, tokens: &tokens, pos: 0, problems: Vec::new(), ends: &ends, open: Vec::new() };
    let nodes = p.nodes(&[]).0;
    Template { nodes, problems: p.problems }
}

/// Walks every node, depth first, calling `f` with the node and the loop variables in scope.
pub fn visit<'t>(nodes: &'t [Node], f: &mut dyn FnMut(&'t Node)) {
    for n in nodes {
        f(n);
        match n {
            Node::For { body, empty, .. } => {
                visit(body, f);
                visit(empty, f);
            }
            Node::If { branches, .. } => branches.iter().for_each(|b| visit(b, f)),
            Node::With { body, .. }
            | Node::Block { body, .. }
            | Node::Autoescape { body, .. }
            | Node::Cache { body, .. }
            | Node::Wrapper { body, .. } => visit(body, f),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq, Eq)]
enum TokKind {
    Text,
    Var,
    Tag,
}

#[derive(Clone, Debug)]
struct Tok {
    kind: TokKind,
    /// The whole token, delimiters included.
    start: usize,
    end: usize,
    /// The inside, trimmed.
    inner: String,
    inner_start: usize,
}

fn lex(text: &str) -> Vec<Tok> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut text_start = 0;
    let mut verbatim: Option<String> = None;
    let mut comment_block = false;
    while i + 1 < bytes.len() {
        let open = &bytes[i..i + 2];
        let close = match open {
            b"{{" => "}}",
            b"{%" => "%}",
            b"{#" => "#}",
            _ => {
                i += 1;
                continue;
            }
        };
        let Some(rel) = text[i + 2..].find(close) else {
            i += 1;
            continue;
        };
        let end = i + 2 + rel + 2;
        let raw_inner = &text[i + 2..i + 2 + rel];
        // Jinja-style whitespace control (`{%- ... -%}`) is not part of the tag.
        let trimmed = raw_inner.trim().trim_start_matches(['-', '+']).trim_end_matches(['-', '+']).trim();
        let inner = trimmed.to_string();
        let inner_start = i + 2 + raw_inner.find(trimmed).unwrap_or(0);
        // Inside {% verbatim %} and {% comment %} everything is text until the end tag.
        if let Some(v) = &verbatim {
            if open == b"{%" && inner == *v {
                verbatim = None;
                text_start = end;
            }
            i = end;
            continue;
        }
        if comment_block {
            if open == b"{%" && inner == "endcomment" {
                comment_block = false;
                text_start = end;
            }
            i = end;
            continue;
        }
        if text_start < i {
            out.push(Tok {
                kind: TokKind::Text,
                start: text_start,
                end: i,
                inner: String::new(),
                inner_start: text_start,
            });
        }
        match open {
            b"{{" => out.push(Tok { kind: TokKind::Var, start: i, end, inner, inner_start }),
            b"{%" => {
                let name = inner.split_whitespace().next().unwrap_or("");
                if name == "verbatim" {
                    let rest = inner.split_whitespace().nth(1);
                    verbatim = Some(match rest {
                        Some(r) => format!("endverbatim {r}"),
                        None => "endverbatim".to_string(),
                    });
                } else if name == "comment" {
                    comment_block = true;
                } else {
                    out.push(Tok { kind: TokKind::Tag, start: i, end, inner, inner_start });
                }
            }
            _ => {}
        }
        i = end;
        text_start = end;
    }
    if text_start < text.len() {
        out.push(Tok {
            kind: TokKind::Text,
            start: text_start,
            end: text.len(),
            inner: String::new(),
            inner_start: text_start,
        });
    }
    out
}

/// Names of block tags: those whose `end<name>` appears somewhere.
fn end_tags(tokens: &[Tok]) -> Vec<String> {
    let mut ends: Vec<String> = tokens
        .iter()
        .filter(|t| t.kind == TokKind::Tag)
        .filter_map(|t| t.inner.split_whitespace().next().and_then(|n| n.strip_prefix("end")).map(str::to_string))
        .collect();
    for known in [
        "for",
        "if",
        "with",
        "block",
        "autoescape",
        "cache",
        "spaceless",
        "filter",
        "ifchanged",
        "blocktrans",
        "blocktranslate",
        "localize",
        "localtime",
        "timezone",
        "language",
    ] {
        ends.push(known.to_string());
    }
    crate::sort::sort(&mut ends);
    ends.dedup();
    ends
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser<'p> {
    text: &'p str,
    index: &'p LineIndex,
    tokens: &'p [Tok],
    pos: usize,
    problems: Vec<TemplateProblem>,
    ends: &'p [String],
    /// Stop tags of the enclosing blocks, innermost last.
    open: Vec<Vec<String>>,
}

impl Parser<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        self.index.span(self.text, start, end)
    }

    /// Nodes until one of `stops` (tag names) is met; returns the nodes and the stopping tag's inner
    /// text and token index (none at the end of input).
    fn nodes(&mut self, stops: &[&str]) -> (Vec<Node>, Option<(String, usize)>) {
        self.open.push(stops.iter().map(|s| s.to_string()).collect());
        let result = self.nodes_inner(stops);
        self.open.pop();
        result
    }

    fn nodes_inner(&mut self, stops: &[&str]) -> (Vec<Node>, Option<(String, usize)>) {
        let mut out = Vec::new();
        while self.pos < self.tokens.len() {
            let tok = &self.tokens[self.pos];
            match tok.kind {
                TokKind::Text => self.pos += 1,
                TokKind::Var => {
                    self.pos += 1;
                    out.push(Node::Var(self.filter_expr(&tok.inner, tok.inner_start)));
                }
                TokKind::Tag => {
                    let name = tok.inner.split_whitespace().next().unwrap_or("").to_string();
                    if stops.contains(&name.as_str()) {
                        let idx = self.pos;
                        self.pos += 1;
                        return (out, Some((tok.inner.clone(), idx)));
                    }
                    // The end tag of an enclosing block: this block was never closed; let the
                    // enclosing one take its end tag.
                    let depth = self.open.len();
                    if depth > 1
                        && self.open[..depth - 1].iter().any(|s| s.iter().any(|x| *x == name))
                        && name.starts_with("end")
                    {
                        return (out, None);
                    }
                    if name.starts_with("end") || matches!(name.as_str(), "else" | "elif" | "empty") {
                        self.problems.push(TemplateProblem {
                            span: self.span(tok.start, tok.end),
                            message: format!("`{{% {name} %}}` has no matching opening tag"),
                        });
                        self.pos += 1;
                        continue;
                    }
                    self.pos += 1;
                    out.push(self.tag(self.pos - 1, &name));
                }
            }
        }
        (out, None)
    }

    fn unclosed(&mut self, tok_index: usize, name: &str) {
        let tok = &self.tokens[tok_index];
        let span = self.span(tok.start, tok.end);
        self.problems.push(TemplateProblem {
            span,
            message: format!("`{{% {name} %}}` is never closed with `{{% end{name} %}}`"),
        });
    }

    fn tag(&mut self, idx: usize, name: &str) -> Node {
        let tok = &self.tokens[idx];
        let span = self.span(tok.start, tok.end);
        let inner = tok.inner.clone();
        let inner_start = tok.inner_start;
        let words: Vec<&str> = inner.split_whitespace().collect();
        let args_text = inner[name.len()..].trim_start();
        let args_start = inner_start + (inner.len() - args_text.len());
        match name {
            "for" => {
                // {% for a, b in items reversed %}
                let in_pos = words.iter().position(|w| *w == "in");
                let vars: Vec<String> = words[1..in_pos.unwrap_or(1).max(1)]
                    .join(" ")
                    .split(',')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect();
                let iter_text = in_pos
                    .map(|p| words[p + 1..].iter().filter(|w| **w != "reversed").copied().collect::<Vec<_>>().join(" "))
                    .unwrap_or_default();
                let iter_offset = inner.find(" in ").map(|p| inner_start + p + 4).unwrap_or(args_start);
                let iter = self.filter_expr(&iter_text, iter_offset);
                let (body, stop) = self.nodes(&["empty", "endfor"]);
                let (empty, closed) = match stop {
                    Some((s, _)) if s == "empty" => {
                        let (e, stop2) = self.nodes(&["endfor"]);
                        (e, stop2.is_some())
                    }
                    Some(_) => (Vec::new(), true),
                    None => (Vec::new(), false),
                };
                if !closed {
                    self.unclosed(idx, "for");
                }
                Node::For { vars, iter, body, empty, span }
            }
            "if" => {
                let mut conditions = vec![self.condition_exprs(args_text, args_start)];
                let mut branches = Vec::new();
                loop {
                    let (body, stop) = self.nodes(&["elif", "else", "endif"]);
                    branches.push(body);
                    match stop {
                        Some((s, ti)) if s.starts_with("elif") => {
                            let t = &self.tokens[ti];
                            let a = t.inner["elif".len()..].trim_start();
                            let a_start = t.inner_start + (t.inner.len() - a.len());
                            let a = a.to_string();
                            conditions.push(self.condition_exprs(&a, a_start));
                        }
                        Some((s, _)) if s == "else" => {}
                        Some(_) => break,
                        None => {
                            self.unclosed(idx, "if");
                            break;
                        }
                    }
                }
                Node::If { conditions: conditions.into_iter().flatten().collect(), branches, span }
            }
            "with" => {
                let bindings = self.bindings(args_text, args_start);
                let (body, stop) = self.nodes(&["endwith"]);
                if stop.is_none() {
                    self.unclosed(idx, "with");
                }
                Node::With { bindings, body, span }
            }
            "block" => {
                let block_name = words.get(1).copied().unwrap_or("").to_string();
                let (body, stop) = self.nodes(&["endblock"]);
                if stop.is_none() {
                    self.unclosed(idx, "block");
                }
                Node::Block { name: block_name, body, span }
            }
            "extends" => Node::Extends { template: words.get(1).and_then(|w| literal(w)), span },
            "include" => {
                let template = words.get(1).and_then(|w| literal(w));
                let only = words.last() == Some(&"only");
                let bindings = match args_text.find(" with ") {
                    Some(p) => {
                        let b = args_text[p + 6..].trim_end_matches(" only").to_string();
                        self.bindings(&b, args_start + p + 6)
                    }
                    None => Vec::new(),
                };
                Node::Include { template, bindings, only, span }
            }
            "autoescape" => {
                let on = words.get(1) != Some(&"off");
                let (body, stop) = self.nodes(&["endautoescape"]);
                if stop.is_none() {
                    self.unclosed(idx, "autoescape");
                }
                Node::Autoescape { on, body, span }
            }
            "cache" => {
                let (body, stop) = self.nodes(&["endcache"]);
                if stop.is_none() {
                    self.unclosed(idx, "cache");
                }
                Node::Cache { body, span }
            }
            other if self.ends.iter().any(|e| e == other) => {
                let args = self.arg_exprs(args_text, args_start);
                let end = format!("end{other}");
                let (body, stop) = self.nodes(&[end.as_str()]);
                if stop.is_none() {
                    self.unclosed(idx, other);
                }
                Node::Wrapper { name: other.to_string(), args, body, span }
            }
            other => Node::Tag { name: other.to_string(), args: self.arg_exprs(args_text, args_start), span },
        }
    }

    /// `a=b c=d` or the legacy `b as a`.
    fn bindings(&self, text: &str, start: usize) -> Vec<(String, FilterExpr)> {
        let mut out = Vec::new();
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.len() == 3 && words[1] == "as" {
            out.push((words[2].to_string(), self.filter_expr(words[0], start)));
            return out;
        }
        let mut offset = 0;
        for w in text.split_whitespace() {
            let at = text[offset..].find(w).map(|p| p + offset).unwrap_or(offset);
            offset = at + w.len();
            if let Some((name, value)) = w.split_once('=') {
                out.push((name.to_string(), self.filter_expr(value, start + at + name.len() + 1)));
            }
        }
        out
    }

    /// Variable arguments of a tag (`{% url "x" post.slug as link %}` → `post.slug`).
    fn arg_exprs(&self, text: &str, start: usize) -> Vec<FilterExpr> {
        let mut out = Vec::new();
        let mut offset = 0;
        for w in split_args(text) {
            let at = text[offset..].find(w.as_str()).map(|p| p + offset).unwrap_or(offset);
            offset = at + w.len();
            let value = w.split_once('=').map(|(_, v)| v).unwrap_or(&w);
            if value.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && !matches!(value, "as" | "and" | "or" | "not" | "in" | "is" | "only" | "with" | "silent")
            {
                out.push(self.filter_expr(value, start + at + (w.len() - value.len())));
            }
        }
        out
    }

    /// Variables in an `{% if %}` condition.
    fn condition_exprs(&self, text: &str, start: usize) -> Vec<FilterExpr> {
        self.arg_exprs(text, start).into_iter().filter(|e| !e.path.is_empty()).collect()
    }

    fn filter_expr(&self, text: &str, start: usize) -> FilterExpr {
        let mut parts = split_filters(text).into_iter();
        let var = parts.next().unwrap_or_default();
        let path = if var.starts_with(['"', '\'']) || var.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '-')
        {
            Vec::new()
        } else {
            var.split('.').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
        };
        let filters = parts
            .map(|f| match f.split_once(':') {
                Some((n, a)) => (n.trim().to_string(), Some(a.trim().to_string())),
                None => (f.trim().to_string(), None),
            })
            .collect();
        let end = start + text.len();
        FilterExpr { path, filters, span: self.span(start, end), text: text.to_string() }
    }
}

/// A quoted template name (`"blog/list.html"`).
fn literal(w: &str) -> Option<String> {
    let w = w.trim();
    let q = w.chars().next()?;
    (q == '"' || q == '\'').then(|| w.trim_matches(q).to_string())
}

/// Splits on whitespace outside quotes.
fn split_args(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Splits `a.b|f:"x|y"|g` on `|` outside quotes.
fn split_filters(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '|') => out.push(std::mem::take(&mut cur).trim().to_string()),
            (None, c) => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_loops_conditions_includes_and_filters() {
        let t = parse(
            "{% extends 'base.html' %}\n{% block content %}\n{% for p in posts %}\n  {{ p.author.name|default:\"-\" }}\n  {% if p.comments.count > 2 %}hot{% endif %}\n  {% include \"row.html\" with item=p only %}\n{% empty %}none{% endfor %}\n{% endblock %}\n",
        );
        assert!(t.problems.is_empty(), "{:?}", t.problems);
        let Node::Block { body, .. } = &t.nodes[1] else { panic!("{:?}", t.nodes) };
        let Node::For { vars, iter, body, empty, span } = &body[0] else { panic!() };
        assert_eq!(vars, &["p"]);
        assert_eq!(iter.path, ["posts"]);
        assert_eq!(span.line, 3);
        assert_eq!(empty.len(), 0);
        let Node::Var(v) = &body[0] else { panic!() };
        assert_eq!(v.path, ["p", "author", "name"]);
        assert_eq!(v.filters, [("default".to_string(), Some("\"-\"".to_string()))]);
        assert_eq!((v.span.line, v.span.column), (4, 6));
        let Node::If { conditions, .. } = &body[1] else { panic!() };
        assert_eq!(conditions[0].path, ["p", "comments", "count"]);
        let Node::Include { template, bindings, only, .. } = &body[2] else { panic!() };
        assert_eq!(template.as_deref(), Some("row.html"));
        assert_eq!(bindings[0].0, "item");
        assert!(*only);
    }

    #[test]
    fn comments_and_verbatim_hide_tags() {
        let t = parse(
            "{% comment %}{% for x in y %}{% endcomment %}{% verbatim %}{{ a.b }}{% endverbatim %}{# {{ c }} #}{{ d }}",
        );
        assert!(t.problems.is_empty());
        assert_eq!(t.nodes.len(), 1);
    }

    #[test]
    fn unclosed_and_stray_tags_are_problems_not_failures() {
        let t = parse("{% for x in y %}{{ x }}\n{% endif %}\n{% block a %}");
        assert_eq!(t.problems.len(), 3, "{:?}", t.problems);
        assert!(t.problems.iter().any(|p| p.message.contains("never closed")));
    }

    #[test]
    fn custom_block_tags_with_end_tags_wrap_their_body() {
        let t = parse("{% load cache_extras %}{% mytag a.b %}{{ c.d }}{% endmytag %}{% simple_tag x.y 'lit' %}");
        assert!(matches!(&t.nodes[1], Node::Wrapper { name, body, .. } if name == "mytag" && body.len() == 1));
        let Node::Tag { name, args, .. } = &t.nodes[2] else { panic!() };
        assert_eq!(name, "simple_tag");
        assert_eq!(args[0].path, ["x", "y"]);
    }
}
