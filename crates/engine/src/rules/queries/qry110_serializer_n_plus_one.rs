use std::collections::BTreeMap;

use rustpython_parser::ast::{self, Expr, Stmt};

use crate::analysis::{Emitter, PyContext};
use crate::facts::models::{Accessor, ModelId};
use crate::python::names::{bool_value, keyword, last_segment, str_value};
use crate::report::Fix;

crate::declare_rule! {
    /// ## What it does
    /// Finds Django REST framework list endpoints whose serializer reads relations of every row that
    /// the view's queryset does not fetch: nested serializers, `source="author.name"`, string/slug
    /// related fields, `SerializerMethodField` methods that follow relations, and to-many relations
    /// listed in `Meta.fields`.
    ///
    /// ## Why it matters at scale
    /// A page of 100 objects with two nested relations is 201 queries. API clients page through
    /// everything, so list endpoints are often the busiest and the slowest path of the service, and
    /// the cost grows with the page size a client asks for.
    ///
    /// ## Example
    /// ```python
    /// from django.db import models
    /// from rest_framework import serializers, viewsets
    ///
    /// class Author(models.Model):
    ///     name = models.CharField(max_length=100)
    ///
    /// class Book(models.Model):
    ///     title = models.CharField(max_length=200)
    ///     author = models.ForeignKey(Author, on_delete=models.CASCADE)
    ///
    /// class BookSerializer(serializers.ModelSerializer):
    ///     author_name = serializers.CharField(source="author.name")
    ///
    ///     class Meta:
    ///         model = Book
    ///         fields = ["id", "title", "author_name"]
    ///
    /// class BookViewSet(viewsets.ReadOnlyModelViewSet):
    ///     queryset = Book.objects.all()
    ///     serializer_class = BookSerializer
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from django.db import models
    /// from rest_framework import serializers, viewsets
    ///
    /// class Author(models.Model):
    ///     name = models.CharField(max_length=100)
    ///
    /// class Book(models.Model):
    ///     title = models.CharField(max_length=200)
    ///     author = models.ForeignKey(Author, on_delete=models.CASCADE)
    ///
    /// class BookSerializer(serializers.ModelSerializer):
    ///     author_name = serializers.CharField(source="author.name")
    ///
    ///     class Meta:
    ///         model = Book
    ///         fields = ["id", "title", "author_name"]
    ///
    /// class BookViewSet(viewsets.ReadOnlyModelViewSet):
    ///     queryset = Book.objects.select_related("author")
    ///     serializer_class = BookSerializer
    /// ```
    ///
    /// ## Precision
    /// The view must list objects (a viewset or a `List*APIView`) and name its `serializer_class`
    /// directly; the serializer and the models must be in the reviewed files. Forward foreign keys
    /// rendered as primary keys need no query and are not reported; to-many relations always are,
    /// unless prefetched.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines):
    /// 12 findings, all judged, 0 false positives (0 %), 4 of the true ones borderline.
    pub SERIALIZER_N_PLUS_ONE {
        code: "QRY110", name: "serializer-n-plus-one", category: Queries,
        severity: High, confidence: High, playbook: "n-plus-one",
    }
}

/// A relation a serializer reads per object: (path, through a to-many relation) → why.
type Needs = BTreeMap<String, (bool, String)>;

/// QRY110
pub fn check(ctx: &PyContext<'_, '_>, out: &mut Emitter) {
    for cq in &ctx.queries.class_querysets {
        let Some(class) = class_named(ctx, ctx.file, &cq.class_name) else { continue };
        let lists = class.bases.iter().filter_map(last_segment).any(|b| b.contains("List") || b.ends_with("ViewSet"));
        if !lists || has_method(class, "get_serializer_class") {
            continue;
        }
        let Some(serializer) = class_attr(class, "serializer_class").and_then(last_segment) else { continue };
        let mut needs = Needs::new();
        collect(ctx, ctx.file, serializer, cq.model, "", &mut needs, 0);
        let missing: Vec<(&String, &(bool, String))> =
            needs.iter().filter(|(path, (many, _))| !cq.covers(path, *many)).collect();
        if missing.is_empty() {
            continue;
        }
        let select: Vec<&str> = missing.iter().filter(|(_, (many, _))| !many).map(|(p, _)| p.as_str()).collect();
        let prefetch: Vec<&str> = missing.iter().filter(|(_, (many, _))| *many).map(|(p, _)| p.as_str()).collect();
        let mut call = String::new();
        if !select.is_empty() {
            call.push_str(&format!(
                ".select_related({})",
                select.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
            ));
        }
        if !prefetch.is_empty() {
            call.push_str(&format!(
                ".prefetch_related({})",
                prefetch.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
            ));
        }
        let reasons: Vec<String> = missing.iter().take(3).map(|(_, (_, why))| why.clone()).collect();
        let model = &ctx.view.models.get(cq.model).name;
        let message = format!(
            "`{}` serializes each `{model}` with `{serializer}`, which {}: the queryset does not fetch {}, so every row runs more queries",
            cq.class_name,
            reasons.join("; "),
            missing.iter().map(|(p, _)| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        );
        out.emit(&SERIALIZER_N_PLUS_ONE, ctx.path(), cq.origin.span, message).fix = Some(Fix {
            summary: "Fetch what the serializer reads with the view's queryset.".into(),
            before: cq.origin.text.clone(),
            after: cq.origin.with_call(&call),
        });
    }
}

/// The relations serializer `name` reads from each `model` instance, prefixed by `prefix`.
fn collect(
    ctx: &PyContext<'_, '_>,
    from: usize,
    name: &str,
    model: ModelId,
    prefix: &str,
    needs: &mut Needs,
    depth: u32,
) {
    if depth > 3 {
        return;
    }
    let Some((file, class)) = serializer_class(ctx, from, name) else { return };
    let models = &ctx.view.models;
    let join = |p: &str| if prefix.is_empty() { p.to_string() } else { format!("{prefix}__{p}") };
    let meta = class.body.iter().find_map(|s| match s {
        Stmt::ClassDef(m) if m.name.as_str() == "Meta" => Some(m),
        _ => None,
    });
    let meta_depth = meta
        .and_then(|m| class_attr(m, "depth"))
        .and_then(|d| match d {
            Expr::Constant(c) => c.value.clone().int().and_then(|i| i.try_into().ok()),
            _ => None,
        })
        .unwrap_or(0u32);
    let mut declared: Vec<&str> = Vec::new();
    for s in &class.body {
        let Stmt::Assign(a) = s else { continue };
        let [Expr::Name(field)] = a.targets.as_slice() else { continue };
        let Expr::Call(call) = a.value.as_ref() else { continue };
        let field_name = field.id.as_str();
        declared.push(field_name);
        let kind = last_segment(&call.func).unwrap_or("");
        let source = keyword(call, "source").and_then(str_value).unwrap_or(field_name);
        if source == "*" {
            continue;
        }
        let many_kw = keyword(call, "many").and_then(bool_value) == Some(true);
        if kind == "SerializerMethodField" {
            let method_name = keyword(call, "method_name")
                .and_then(str_value)
                .map(str::to_string)
                .unwrap_or_else(|| format!("get_{field_name}"));
            if let Some(def) = method(class, &method_name) {
                let parsed_ctx = ctx;
                for (path, many, access) in super::relation_reads(parsed_ctx, def, model, 1) {
                    let src = ctx.view.files[file].parsed.source_of(access).to_string();
                    needs.entry(join(&path)).or_insert((many, format!("`{method_name}` reads `{src}`")));
                }
            }
            continue;
        }
        let Some((path, many, target)) = relation_path(ctx, model, source) else { continue };
        if kind.ends_with("Serializer") {
            needs.entry(join(&path)).or_insert((many || many_kw, format!("nests `{kind}` for `{field_name}`")));
            if let Some(t) = target {
                collect(ctx, file, kind, t, &join(&path), needs, depth + 1);
            }
        } else if kind.ends_with("PrimaryKeyRelatedField") || pk_field_subclass(ctx, kind) {
            // Forward keys are read from the row's own column; lists of keys need the rows.
            if many || many_kw {
                needs.entry(join(&path)).or_insert((true, format!("lists `{field_name}` keys")));
            }
        } else if !DRF_FIELDS.contains(&kind) {
            // A field class we do not know may read anything, or nothing.
        } else {
            let how = if source.contains('.') {
                format!("reads `{source}`")
            } else {
                format!("renders `{field_name}` with `{kind}`")
            };
            needs.entry(join(&path)).or_insert((many || many_kw, how));
        }
    }
    // `Meta.fields`: undeclared relations become related fields built by DRF.
    let Some(meta) = meta else { return };
    let names: Vec<String> = match class_attr(meta, "fields") {
        Some(Expr::List(l)) => l.elts.iter().filter_map(str_value).map(str::to_string).collect(),
        Some(Expr::Tuple(t)) => t.elts.iter().filter_map(str_value).map(str::to_string).collect(),
        Some(e) if str_value(e) == Some("__all__") => models.get(model).fields.iter().map(|f| f.name.clone()).collect(),
        _ => Vec::new(),
    };
    for n in names.iter().filter(|n| !declared.contains(&n.as_str())) {
        match models.accessor(model, n) {
            Some(Accessor::Many { .. }) => {
                needs.entry(join(n)).or_insert((true, format!("lists the `{n}` relation")));
            }
            Some(Accessor::Single { reverse, target, .. }) if reverse || meta_depth > 0 => {
                needs.entry(join(n)).or_insert((false, format!("renders the `{n}` relation")));
                if meta_depth > 1 {
                    let _ = target;
                }
            }
            _ => {}
        }
    }
}

/// DRF field classes whose reading behaviour is known: related fields that load the related
/// object, and scalar fields that follow `source`.
const DRF_FIELDS: &[&str] = &[
    "StringRelatedField",
    "SlugRelatedField",
    "HyperlinkedRelatedField",
    "RelatedField",
    "CharField",
    "IntegerField",
    "DecimalField",
    "FloatField",
    "BooleanField",
    "DateTimeField",
    "DateField",
    "TimeField",
    "EmailField",
    "URLField",
    "UUIDField",
    "ReadOnlyField",
    "SlugField",
    "JSONField",
    "ListField",
    "DictField",
];

/// A serializer field class of the project derived from `PrimaryKeyRelatedField`.
fn pk_field_subclass(ctx: &PyContext<'_, '_>, kind: &str) -> bool {
    (0..ctx.view.files.len()).any(|i| {
        class_named(ctx, i, kind)
            .is_some_and(|c| c.bases.iter().filter_map(last_segment).any(|b| b.ends_with("PrimaryKeyRelatedField")))
    })
}

/// `a.b.c` → ("a__b", many, target of the last relation) following declared relations; `None` when
/// the first segment is not a relation.
fn relation_path(ctx: &PyContext<'_, '_>, model: ModelId, source: &str) -> Option<(String, bool, Option<ModelId>)> {
    let models = &ctx.view.models;
    let mut current = Some(model);
    let mut path = Vec::new();
    let mut many = false;
    for seg in source.split('.') {
        let Some(m) = current else { break };
        match models.accessor(m, seg) {
            Some(Accessor::Single { target, .. }) => {
                path.push(seg);
                current = target;
            }
            Some(Accessor::Many { target, .. }) => {
                path.push(seg);
                many = true;
                current = target;
            }
            None => break,
        }
    }
    (!path.is_empty()).then(|| (path.join("__"), many, current))
}

/// The serializer class `name` as seen from file `from`: defined there, or imported. When several
/// files define a class of that name and the import does not say which, the answer is unknown.
fn serializer_class<'a>(ctx: &PyContext<'_, 'a>, from: usize, name: &str) -> Option<(usize, &'a ast::StmtClassDef)> {
    if let Some(c) = class_named(ctx, from, name) {
        return Some((from, c));
    }
    let candidates: Vec<usize> = (0..ctx.view.files.len()).filter(|&i| class_named(ctx, i, name).is_some()).collect();
    let chosen = match candidates.as_slice() {
        [only] => Some(*only),
        [] => None,
        many => {
            // `from tasks.serializers import X` or `from .serializers import X`: the module's path.
            let qualified = ctx.view.code[from].imports.resolve(name);
            let module = qualified.rsplit_once('.').map(|(m, _)| m.trim_start_matches('.')).unwrap_or("");
            let wanted = module.replace('.', "/");
            let matching: Vec<usize> = many
                .iter()
                .copied()
                .filter(|&i| {
                    let path = ctx.view.files[i].path.trim_end_matches(".py").trim_end_matches("/__init__");
                    !wanted.is_empty() && (path == wanted || path.ends_with(&format!("/{wanted}")))
                })
                .collect();
            match matching.as_slice() {
                [only] => Some(*only),
                _ => None,
            }
        }
    };
    chosen.and_then(|i| class_named(ctx, i, name).map(|c| (i, c)))
}

fn class_named<'a>(ctx: &PyContext<'_, 'a>, file: usize, name: &str) -> Option<&'a ast::StmtClassDef> {
    ctx.view.files[file].parsed.body().iter().find_map(|s| match s {
        Stmt::ClassDef(c) if c.name.as_str() == name => Some(c),
        _ => None,
    })
}

fn class_attr<'a>(c: &'a ast::StmtClassDef, name: &str) -> Option<&'a Expr> {
    c.body.iter().find_map(|s| match s {
        Stmt::Assign(a) if matches!(a.targets.as_slice(), [Expr::Name(n)] if n.id.as_str() == name) => Some(&*a.value),
        _ => None,
    })
}

fn has_method(c: &ast::StmtClassDef, name: &str) -> bool {
    method(c, name).is_some()
}

fn method<'a>(c: &'a ast::StmtClassDef, name: &str) -> Option<&'a ast::StmtFunctionDef> {
    c.body.iter().find_map(|s| match s {
        Stmt::FunctionDef(d) if d.name.as_str() == name => Some(d),
        _ => None,
    })
}
