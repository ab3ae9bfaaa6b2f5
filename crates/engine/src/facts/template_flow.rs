//! Template flow: follows querysets from a view's context into the template it renders (through
//! `{% with %}`, `{% include %}` and `{% extends %}`), and records every relation a template reads
//! on each row of a `{% for %}` loop that the view's queryset did not fetch.

use std::collections::HashMap;
use std::rc::Rc;

use super::models::{Accessor, ModelId};
use super::queries::{ContextValue, QuerysetSnapshot, TemplateRender};
use super::view::{ProjectView, TemplateFile};
use crate::template::{FilterExpr, Node};
use crate::text::Span;

/// A `{% for %}` loop in a template.
#[derive(Debug, PartialEq, Eq)]
pub struct TemplateLoop {
    pub template: String,
    pub span: Span,
    /// `post in posts`
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateAccessKind {
    /// `{{ post.author }}`: a related object.
    Object,
    /// `{{ post.comments.count }}`, `{% for c in post.comments.all %}`.
    Manager { method: String },
}

/// A relation read per row of a template loop that the view's queryset does not fetch.
#[derive(Clone, Debug)]
pub struct TemplateAccess {
    pub template: String,
    pub span: Span,
    pub text: String,
    pub kind: TemplateAccessKind,
    pub relation: String,
    pub owner_model: ModelId,
    /// Lookup path from the view's queryset.
    pub path: String,
    pub has_many: bool,
    pub loop_info: Rc<TemplateLoop>,
    pub queryset: Rc<QuerysetSnapshot>,
    /// The context variable the rows came from.
    pub context_var: String,
}

/// The relation read an expression is reported for.
struct Pending {
    kind: TemplateAccessKind,
    relation: String,
    owner: ModelId,
    path: String,
    has_many: bool,
    loop_info: Rc<TemplateLoop>,
    qs: Rc<QuerysetSnapshot>,
    var: String,
}

#[derive(Clone)]
enum TValue {
    Rows {
        qs: Rc<QuerysetSnapshot>,
        var: Rc<str>,
        model: ModelId,
        path: String,
        has_many: bool,
    },
    Obj {
        qs: Rc<QuerysetSnapshot>,
        var: Rc<str>,
        model: ModelId,
        path: String,
        has_many: bool,
        per_row: Option<Rc<TemplateLoop>>,
    },
    Manager {
        qs: Rc<QuerysetSnapshot>,
        var: Rc<str>,
        owner: ModelId,
        relation: String,
        target: Option<ModelId>,
        path: String,
        per_row: Option<Rc<TemplateLoop>>,
    },
}

/// A model's text field printed with escaping switched off (`|safe`, `{% autoescape off %}`).
#[derive(Clone, Debug)]
pub struct UnsafeOutput {
    pub template: String,
    pub span: Span,
    pub text: String,
    pub model: ModelId,
    pub field: String,
    /// `|safe` (true) or `{% autoescape off %}` (false).
    pub filter: bool,
}

/// What following one rendering found.
#[derive(Default)]
pub struct Flow {
    pub accesses: Vec<TemplateAccess>,
    pub unsafe_outputs: Vec<UnsafeOutput>,
}

/// Follows one rendering. Finds nothing when the template is not in the project.
pub fn follow(view: &ProjectView<'_>, render: &TemplateRender) -> Flow {
    let Some(template) = view.templates.iter().find(|t| t.answers_to(&render.template)) else { return Flow::default() };
    let mut env: HashMap<String, TValue> = HashMap::new();
    for (name, value) in &render.vars {
        let (qs, obj) = match value {
            ContextValue::Rows(q) => (Rc::new(q.clone()), false),
            ContextValue::Object(q) => (Rc::new(q.clone()), true),
        };
        let var: Rc<str> = Rc::from(name.as_str());
        let model = qs.model;
        let v = if obj {
            TValue::Obj { qs, var, model, path: String::new(), has_many: false, per_row: None }
        } else {
            TValue::Rows { qs, var, model, path: String::new(), has_many: false }
        };
        env.insert(name.clone(), v);
    }
    let mut walker = Walker { view, out: Flow::default(), seen: Vec::new(), autoescape_off: false };
    walker.template(template, &env, 0);
    walker.out
}

struct Walker<'v, 'a> {
    view: &'v ProjectView<'a>,
    out: Flow,
    seen: Vec<(usize, String, String)>,
    autoescape_off: bool,
}

const MAX_DEPTH: u32 = 6;

impl Walker<'_, '_> {
    fn template(&mut self, t: &TemplateFile, env: &HashMap<String, TValue>, depth: u32) {
        if depth > MAX_DEPTH {
            return;
        }
        // `{% extends %}`: the parent's content, with the child's blocks in place of the parent's.
        let parent = t.template.nodes.iter().find_map(|n| match n {
            Node::Extends { template: Some(name), .. } => Some(name.clone()),
            _ => None,
        });
        let mut child_blocks: HashMap<String, &[Node]> = HashMap::new();
        crate::template::visit(&t.template.nodes, &mut |n| {
            if let Node::Block { name, body, .. } = n {
                child_blocks.entry(name.clone()).or_insert(body.as_slice());
            }
        });
        if let Some(parent) = parent.and_then(|p| self.view.templates.iter().find(|x| x.answers_to(&p))) {
            let mut env = env.clone();
            self.nodes(parent, &parent.template.nodes, &mut env, depth + 1, Some((t, &child_blocks)));
        } else {
            let mut env = env.clone();
            self.nodes(t, &t.template.nodes, &mut env, depth, None);
        }
    }

    fn nodes(
        &mut self,
        t: &TemplateFile,
        nodes: &[Node],
        env: &mut HashMap<String, TValue>,
        depth: u32,
        child: Option<(&TemplateFile, &HashMap<String, &[Node]>)>,
    ) {
        for n in nodes {
            match n {
                Node::Var(e) => {
                    self.resolve(t, e, env);
                    self.unsafe_output(t, e, env);
                }
                Node::Tag { args, .. } => args.iter().for_each(|a| {
                    self.resolve(t, a, env);
                }),
                Node::If { conditions, branches, .. } => {
                    conditions.iter().for_each(|c| {
                        self.resolve(t, c, env);
                    });
                    for b in branches {
                        self.nodes(t, b, env, depth, child);
                    }
                }
                Node::For { vars, iter, body, empty, span } => {
                    let iterable = self.resolve(t, iter, env);
                    let info = Rc::new(TemplateLoop {
                        template: t.path.clone(),
                        span: *span,
                        text: format!("{} in {}", vars.join(", "), iter.text),
                    });
                    let mut inner = env.clone();
                    let element = match iterable {
                        Some(TValue::Rows { qs, var, model, path, has_many }) => {
                            Some(TValue::Obj { qs, var, model, path, has_many, per_row: Some(info.clone()) })
                        }
                        _ => None,
                    };
                    for v in vars {
                        inner.remove(v);
                    }
                    if let (Some(el), [v]) = (element, vars.as_slice()) {
                        inner.insert(v.clone(), el);
                    }
                    self.nodes(t, body, &mut inner, depth, child);
                    self.nodes(t, empty, env, depth, child);
                }
                Node::With { bindings, body, .. } => {
                    let mut inner = env.clone();
                    for (name, e) in bindings {
                        match self.resolve(t, e, env) {
                            Some(v) => inner.insert(name.clone(), v),
                            None => inner.remove(name),
                        };
                    }
                    self.nodes(t, body, &mut inner, depth, child);
                }
                Node::Block { name, body, .. } => {
                    // In a parent template, the child's block replaces this one.
                    match child.and_then(|(ct, blocks)| blocks.get(name).map(|b| (ct, *b))) {
                        Some((ct, b)) => self.nodes(ct, b, env, depth, child),
                        None => self.nodes(t, body, env, depth, child),
                    }
                }
                Node::Autoescape { on, body, .. } => {
                    let saved = std::mem::replace(&mut self.autoescape_off, !on);
                    self.nodes(t, body, env, depth, child);
                    self.autoescape_off = saved;
                }
                Node::Cache { body, .. } | Node::Wrapper { body, .. } => self.nodes(t, body, env, depth, child),
                Node::Include { template: Some(name), bindings, only, .. } => {
                    let Some(inc) = self.view.templates.iter().find(|x| x.answers_to(name)) else { continue };
                    let mut inner = if *only { HashMap::new() } else { env.clone() };
                    for (bname, e) in bindings {
                        match self.resolve(t, e, env) {
                            Some(v) => inner.insert(bname.clone(), v),
                            None => inner.remove(bname),
                        };
                    }
                    if depth < MAX_DEPTH {
                        let mut inner = inner;
                        self.nodes(inc, &inc.template.nodes, &mut inner, depth + 1, None);
                    }
                }
                Node::Include { .. } | Node::Extends { .. } => {}
            }
        }
    }

    /// `{{ obj.field|safe }}` (or inside `{% autoescape off %}`) on a model's text field.
    fn unsafe_output(&mut self, t: &TemplateFile, e: &FilterExpr, env: &HashMap<String, TValue>) {
        let marked = e.filters.iter().any(|(f, _)| f == "safe" || f == "safeseq");
        let escaped = e.filters.iter().any(|(f, _)| {
            matches!(f.as_str(), "escape" | "force_escape" | "striptags" | "urlencode" | "length" | "date")
        });
        if !(marked || self.autoescape_off) || escaped {
            return;
        }
        let Some((first, rest)) = e.path.split_first() else { return };
        let Some((field, relations)) = rest.split_last() else { return };
        let mut model = match env.get(first) {
            Some(TValue::Obj { model, .. }) => *model,
            _ => return,
        };
        for seg in relations {
            match self.view.models.accessor(model, seg) {
                Some(Accessor::Single { target: Some(t), .. }) => model = t,
                _ => return,
            }
        }
        let m = self.view.models.get(model);
        if m.fields
            .iter()
            .any(|f| f.name == *field && matches!(f.class_name.as_str(), "CharField" | "TextField" | "EmailField"))
        {
            self.out.unsafe_outputs.push(UnsafeOutput {
                template: t.path.clone(),
                span: e.span,
                text: e.text.clone(),
                model,
                field: field.clone(),
                filter: marked,
            });
        }
    }

    /// Follows `a.b.c` from the environment, recording the deepest relation it reads per row that the
    /// view did not fetch (one finding per expression: `p.order.event.name` needs one
    /// `select_related("order__event")`, not two findings).
    fn resolve(&mut self, t: &TemplateFile, e: &FilterExpr, env: &HashMap<String, TValue>) -> Option<TValue> {
        let mut pending: Option<Pending> = None;
        let value = self.walk_path(e, env, &mut pending);
        if let Some(p) = pending {
            self.record(t, e, p.kind, &p.relation, p.owner, &p.path, p.has_many, &p.loop_info, &p.qs, &p.var);
        }
        value
    }

    fn walk_path(
        &self,
        e: &FilterExpr,
        env: &HashMap<String, TValue>,
        pending: &mut Option<Pending>,
    ) -> Option<TValue> {
        let (first, rest) = e.path.split_first()?;
        let mut cur = env.get(first)?.clone();
        let models = &self.view.models;
        for seg in rest {
            cur = match cur {
                TValue::Obj { qs, var, model, path, has_many, per_row } => {
                    let next_path = if path.is_empty() { seg.clone() } else { format!("{path}__{seg}") };
                    match models.accessor(model, seg)? {
                        Accessor::Single { target, .. } => {
                            if let Some(l) = &per_row {
                                if !qs.covers(&next_path, has_many) {
                                    *pending = Some(Pending {
                                        kind: TemplateAccessKind::Object,
                                        relation: seg.clone(),
                                        owner: model,
                                        path: next_path.clone(),
                                        has_many,
                                        loop_info: l.clone(),
                                        qs: qs.clone(),
                                        var: var.to_string(),
                                    });
                                }
                            }
                            TValue::Obj { qs, var, model: target?, path: next_path, has_many, per_row }
                        }
                        Accessor::Many { target, .. } => TValue::Manager {
                            qs,
                            var,
                            owner: model,
                            relation: seg.clone(),
                            target,
                            path: next_path,
                            per_row,
                        },
                    }
                }
                TValue::Manager { qs, var, owner, relation, target, path, per_row } => {
                    let covered = qs.covers(&path, true);
                    match seg.as_str() {
                        "all" | "count" | "exists" | "first" | "last" => {
                            if let Some(l) = &per_row {
                                if !covered || matches!(seg.as_str(), "first" | "last") {
                                    *pending = Some(Pending {
                                        kind: TemplateAccessKind::Manager { method: seg.clone() },
                                        relation: relation.clone(),
                                        owner,
                                        path: path.clone(),
                                        has_many: true,
                                        loop_info: l.clone(),
                                        qs: qs.clone(),
                                        var: var.to_string(),
                                    });
                                }
                            }
                            if seg == "all" {
                                TValue::Rows { qs, var, model: target?, path, has_many: true }
                            } else {
                                return None;
                            }
                        }
                        _ => return None,
                    }
                }
                TValue::Rows { .. } => return None,
            };
        }
        Some(cur)
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        t: &TemplateFile,
        e: &FilterExpr,
        kind: TemplateAccessKind,
        relation: &str,
        owner_model: ModelId,
        path: &str,
        has_many: bool,
        loop_info: &Rc<TemplateLoop>,
        qs: &Rc<QuerysetSnapshot>,
        var: &str,
    ) {
        let kind_key = match &kind {
            TemplateAccessKind::Object => ".".to_string(),
            TemplateAccessKind::Manager { method } => method.clone(),
        };
        let key = (Rc::as_ptr(loop_info) as usize, path.to_string(), kind_key);
        if self.seen.contains(&key) {
            return;
        }
        self.seen.push(key);
        self.out.accesses.push(TemplateAccess {
            template: t.path.clone(),
            span: e.span,
            text: e.text.clone(),
            kind,
            relation: relation.to_string(),
            owner_model,
            path: path.to_string(),
            has_many,
            loop_info: loop_info.clone(),
            queryset: qs.clone(),
            context_var: var.to_string(),
        });
    }
}
