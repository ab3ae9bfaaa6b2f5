//! Queryset flow: which queries a function runs once per loop iteration.
//!
//! A small abstract interpreter walks each function body in order. It knows which expressions are
//! querysets of which model (`Book.objects…`, a name bound to one, a related manager, a helper
//! function that returns one, `apps.get_model(...)` in migrations, a class-based view's `queryset`),
//! what each queryset already fetches (`select_related`, `prefetch_related`, `Prefetch`,
//! `prefetch_related_objects`, `values()`), and which model instances are bound per iteration of a
//! loop or comprehension. Accessing a relation on such an instance that the originating queryset did
//! not fetch becomes a [`LoopQuery`] fact. Anything it cannot resolve is `Unknown`, which never
//! produces a fact: precision over recall.

use std::collections::{BTreeSet, HashMap};

use crate::fasthash::FastMap;
use std::rc::Rc;
use std::sync::Arc;

use rustpython_parser::ast::{self, Constant, Expr, ExprContext, Ranged, Stmt};
use rustpython_parser::text_size::TextRange;

use super::models::{Accessor, ModelId, RelationKind};
use super::view::ProjectView;
use crate::python::names::{keyword, last_segment, str_value};
use crate::python::ParsedPython;
use crate::report::Confidence;
use crate::text::Case;
use crate::text::Span;

/// Where a queryset was built: the place a fix (`.select_related(...)`) goes.
#[derive(Debug, PartialEq, Eq)]
pub struct Origin {
    pub path: String,
    pub span: Span,
    /// Source of the whole expression, e.g. `Book.objects.filter(x=1).get(pk=2)`.
    pub text: String,
    /// Byte offset in `text` where a queryset method can be inserted (before a terminal `.get()`).
    pub insert_at: usize,
}

impl Origin {
    /// The queryset is implied by a class attribute naming the model (`model = Book`).
    pub fn is_model_attribute(&self) -> bool {
        !self.text.is_empty() && self.text.chars().all(|c| c.is_alphanumeric() || c == '_')
    }

    /// The expression with `.method(args)` inserted at the queryset's end.
    pub fn with_call(&self, call: &str) -> String {
        // A generic view's `model = Book`: the queryset starts at the manager.
        if self.is_model_attribute() {
            return format!("{}.objects{call}", self.text);
        }
        let at = self.insert_at.min(self.text.len());
        let at = if self.text.is_char_boundary(at) { at } else { self.text.len() };
        format!("{}{}{}", &self.text[..at], call, &self.text[at..])
    }
}

/// A loop (or comprehension) whose body runs per row.
#[derive(Debug, PartialEq, Eq)]
pub struct LoopInfo {
    /// The `for x in xs` header.
    pub span: Span,
    /// Source of the iterable, e.g. `books` or `Book.objects.all()`.
    pub iter_text: String,
    pub kind: LoopKind,
    /// Names that change per iteration: the loop's targets and everything its body assigns.
    pub targets: Vec<String>,
    /// The iterable is a literal or a constant (`for c in ("EUR", "USD")`, `settings.LANGUAGES`): a
    /// handful of iterations by construction.
    pub bounded: bool,
    /// The iterable is known to hold rows: a queryset (or a list built from one) or request data.
    pub over_rows: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopKind {
    For,
    Comprehension,
    While,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessKind {
    /// `obj.fk`: one related object (forward FK/O2O, reverse O2O).
    Object,
    /// `obj.rel.<method>()` on a related manager. `cacheable` when the method would be served from a
    /// `prefetch_related` cache (`all`, `count`, `exists`); others always query.
    Manager { method: String, cacheable: bool },
    /// `obj.field` for a field left out by `.only()` or named in `.defer()`.
    Deferred { field: String },
}

/// A query that runs once per loop iteration because of a relation access.
#[derive(Clone, Debug)]
pub struct LoopQuery {
    pub kind: AccessKind,
    /// The access, e.g. `b.author` or `b.comments.all()`.
    pub span: Span,
    pub text: String,
    /// The instance variable the access starts from.
    pub var: String,
    pub owner_model: ModelId,
    pub relation: String,
    pub relation_kind: RelationKind,
    pub target: Option<ModelId>,
    /// The target model's name, or the reference as written for a model outside the project.
    pub target_label: String,
    /// Lookup path from the root queryset, e.g. `author` or `comments__author`.
    pub path: String,
    /// Whether the path crosses a to-many relation (so only `prefetch_related` can fetch it).
    pub path_has_many: bool,
    pub loop_info: Arc<LoopInfo>,
    pub origin: Arc<Origin>,
    pub root_model: ModelId,
    /// `obj.fk.id` / `obj.fk.pk`: the `_id` column already holds the answer.
    pub id_only: bool,
    /// How many accesses in the same loop this fact stands for.
    pub uses: usize,
    /// Whether the relation is already in `prefetch_related` (the manager call bypasses it).
    pub prefetched: bool,
    pub confidence: Confidence,
}

/// How a queryset's rows were pulled into memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Materialize {
    /// A `for` loop or a comprehension.
    Loop,
    /// `list()`, `tuple()`, `sorted()`.
    List,
    /// `len()`.
    Len,
}

/// A queryset evaluated in full at this point.
#[derive(Clone, Debug)]
pub struct Materialized {
    pub how: Materialize,
    pub range: TextRange,
    pub span: Span,
    pub text: String,
    pub model: ModelId,
    pub shape: Shape,
    pub values: bool,
    pub origin: Arc<Origin>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeKind {
    Len,
    Truthiness,
}

/// `len(qs)` or `if qs:` on a queryset bound to a name or written inline.
#[derive(Clone, Debug)]
pub struct SizeCheck {
    pub kind: SizeKind,
    pub range: TextRange,
    pub span: Span,
    pub text: String,
    /// The queryset's variable, when it is one.
    pub var: Option<String>,
    pub model: ModelId,
}

/// A single-row or aggregate query (`.get()`, `.first()`, `.count()`, ...) run on every iteration.
#[derive(Clone, Debug)]
pub struct LoopCall {
    pub range: TextRange,
    pub span: Span,
    pub text: String,
    pub method: String,
    pub model: ModelId,
    pub loop_info: Arc<LoopInfo>,
    /// Whether the query depends on the loop's variables (else it is the same query each time).
    pub uses_loop_var: bool,
    /// Some enclosing loop iterates rows (a queryset or request data), so its length grows with data.
    pub over_rows: bool,
    /// The query takes row locks (`select_for_update()`).
    pub locked: bool,
    /// Inside an `if` within the loop (a loop-invariant query there may run only once).
    pub conditional: bool,
}

/// A model instance passed to `.delay()`/`.apply_async()`.
#[derive(Clone, Debug)]
pub struct TaskArg {
    pub span: Span,
    pub text: String,
    pub model: ModelId,
    pub call_text: String,
}

/// `obj.save()` on each row of a queryset loop.
#[derive(Clone, Debug)]
pub struct SaveInLoop {
    pub range: TextRange,
    pub span: Span,
    pub text: String,
    pub var: String,
    pub model: ModelId,
    pub loop_info: Arc<LoopInfo>,
    pub shape: Shape,
    pub origin: Arc<Origin>,
}

/// `obj.field += n` (or `obj.field = obj.field + n`) on a model instance.
#[derive(Clone, Debug)]
pub struct ReadModifyWrite {
    pub range: TextRange,
    pub span: Span,
    pub text: String,
    pub var: String,
    pub field: String,
    pub model: ModelId,
    /// The row was read with `select_for_update()`.
    pub locked: bool,
}

/// `obj.save()` on a model instance read from the database in this function.
#[derive(Clone, Debug)]
pub struct InstanceSave {
    pub range: TextRange,
    pub span: Span,
    pub text: String,
    pub var: String,
    pub model: ModelId,
    /// `save(update_fields=[...])`: only those columns are written.
    pub update_fields: bool,
    /// The row was read with `select_for_update()`.
    pub locked: bool,
}

/// A write of chosen columns: `Model.objects.filter(...).update(status=...)` or
/// `obj.save(update_fields=["status"])`.
#[derive(Clone, Debug)]
pub struct TargetedWrite {
    pub kind: WriteKind,
    pub model: ModelId,
    pub columns: Vec<String>,
    pub span: Span,
    /// The enclosing function, when there is one.
    pub function: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    QuerysetUpdate,
    SaveUpdateFields,
}

/// Facts for one file.
#[derive(Debug, Default)]
pub struct QueryFacts {
    pub loop_queries: Vec<LoopQuery>,
    pub materialized: Vec<Materialized>,
    pub size_checks: Vec<SizeCheck>,
    pub loop_calls: Vec<LoopCall>,
    pub task_args: Vec<TaskArg>,
    pub saves_in_loops: Vec<SaveInLoop>,
    pub read_modify_writes: Vec<ReadModifyWrite>,
    pub instance_saves: Vec<InstanceSave>,
    pub targeted_writes: Vec<TargetedWrite>,
    pub cached_objects: Vec<CachedObject>,
    pub class_querysets: Vec<ClassQueryset>,
    pub template_renders: Vec<TemplateRender>,
    /// `loop_queries` indexes by the queryset they iterate, built on first use: a big file can hold
    /// thousands of loops, and each finding's fix asks for the accesses of its own queryset.
    by_origin: std::cell::OnceCell<HashMap<usize, Vec<usize>>>,
}

impl QueryFacts {
    /// The loop accesses over one queryset, in source order.
    pub fn loop_queries_over<'a>(&'a self, origin: &Arc<Origin>) -> impl Iterator<Item = &'a LoopQuery> + 'a {
        let index = self.by_origin.get_or_init(|| {
            let mut index: HashMap<usize, Vec<usize>> = HashMap::new();
            for (i, q) in self.loop_queries.iter().enumerate() {
                index.entry(Arc::as_ptr(&q.origin) as usize).or_default().push(i);
            }
            index
        });
        index.get(&(Arc::as_ptr(origin) as usize)).into_iter().flatten().map(move |&i| &self.loop_queries[i])
    }
}

/// A template rendered with a context whose values are querysets or model instances.
#[derive(Clone, Debug)]
pub struct TemplateRender {
    pub template: String,
    /// Where the rendering happens (the `render()` call, or the view class).
    pub span: Span,
    /// The view function or class, for messages.
    pub view: String,
    pub vars: Vec<(String, ContextValue)>,
}

/// A template context value the template flow can follow.
#[derive(Clone, Debug)]
pub enum ContextValue {
    /// A queryset the template iterates.
    Rows(QuerysetSnapshot),
    /// One model instance (a detail page's object).
    Object(QuerysetSnapshot),
}

/// What a queryset fetches, frozen at one point: enough to decide whether a relation path is loaded.
#[derive(Clone, Debug)]
pub struct QuerysetSnapshot {
    pub model: ModelId,
    pub select: Vec<String>,
    pub select_all: bool,
    pub prefetch: Vec<String>,
    pub origin: Arc<Origin>,
}

impl QuerysetSnapshot {
    pub fn covers(&self, path: &str, has_many: bool) -> bool {
        let hit = |set: &[String]| {
            set.iter().any(|p| {
                p == UNKNOWN_LOOKUPS || p == path || p.strip_prefix(path).is_some_and(|rest| rest.starts_with("__"))
            })
        };
        hit(&self.prefetch) || (!has_many && (self.select_all || hit(&self.select)))
    }

    fn of(root: &Root) -> QuerysetSnapshot {
        QuerysetSnapshot {
            model: root.model,
            select: root.select.iter().cloned().collect(),
            select_all: root.select_all,
            prefetch: root.prefetch.iter().cloned().collect(),
            origin: root.origin.clone(),
        }
    }
}

/// The queryset a class works on (`queryset = ...` or `get_queryset()`), for views and admins.
#[derive(Clone, Debug)]
pub struct ClassQueryset {
    pub class_name: String,
    pub class_range: TextRange,
    pub model: ModelId,
    pub select: Vec<String>,
    pub select_all: bool,
    pub prefetch: Vec<String>,
    pub origin: Arc<Origin>,
    /// Whether the class overrides `get_queryset` (the queryset came from it).
    pub from_get_queryset: bool,
    /// For rows of a reverse foreign key manager: the field Django fills with the owner.
    pub parent_field: Option<String>,
}

impl ClassQueryset {
    /// Whether the queryset already fetches a lookup path (`covers` with the interpreter's rules).
    pub fn covers(&self, path: &str, has_many: bool) -> bool {
        let hit = |set: &[String]| {
            set.iter().any(|p| {
                p == UNKNOWN_LOOKUPS || p == path || p.strip_prefix(path).is_some_and(|rest| rest.starts_with("__"))
            })
        };
        let parent = self.parent_field.as_deref().is_some_and(|f| path == f || path.starts_with(&format!("{f}__")));
        parent || hit(&self.prefetch) || (!has_many && (self.select_all || hit(&self.select)))
    }
}

/// Model instances or querysets stored in the cache (`cache.set(key, order)`).
#[derive(Clone, Debug)]
pub struct CachedObject {
    pub span: Span,
    pub call_text: String,
    pub key_text: String,
    pub model: ModelId,
    /// `instance` or `rows`.
    pub what: &'static str,
    /// The call passes `version=`.
    pub versioned: bool,
}

/// Runs the interpreter over every function, method and the module body of one file.
pub fn extract(view: &ProjectView<'_>, file: usize) -> QueryFacts {
    let mut sink = Sink::default();
    let shared = Shared { view, cache: Default::default() };
    let f = &view.files[file];
    let aliases = import_aliases(f.parsed.body());
    let mut interp = Interp::new(&shared, file, &aliases, &mut sink, 0);
    interp.module(f.parsed.body());
    let mut facts = sink.facts;
    facts.loop_queries = sink.out;
    facts
}

// ---------------------------------------------------------------------------------------------
// Abstract values

#[derive(Debug)]
struct Root {
    model: ModelId,
    select: BTreeSet<String>,
    select_all: bool,
    prefetch: BTreeSet<String>,
    origin: Arc<Origin>,
    confidence: Confidence,
    /// False when what the rows already carry is unknown: `self` in a model method and parameters
    /// typed as a model may come from a caller that prefetched. Such roots produce no facts.
    certain: bool,
    shape: Shape,
}

/// What narrows or changes the rows a queryset returns.
#[derive(Clone, Debug, Default)]
pub struct Shape {
    /// Lookups passed to `filter`/`exclude`/`get` (`author__name`, `pk`).
    pub filters: Vec<String>,
    /// Whether any `filter`/`exclude`/`none`/set operation narrowed the rows.
    pub filtered: bool,
    pub sliced: bool,
    pub iterator: bool,
    /// `select_for_update()` was applied.
    pub locked: bool,
    /// Already pulled into a Python list (`list(qs)`).
    pub evaluated: bool,
    /// Built from one object's related manager (`order.lines.all()`): bounded by its parent.
    pub via_related: bool,
    /// Fields named in `.only()`, if it was called.
    pub only: Option<Vec<String>>,
    pub defer: Vec<String>,
}

impl Root {
    fn covers(&self, path: &str, has_many: bool) -> bool {
        let hit = |set: &BTreeSet<String>| {
            set.iter().any(|p| {
                p == UNKNOWN_LOOKUPS || p == path || p.strip_prefix(path).is_some_and(|rest| rest.starts_with("__"))
            })
        };
        hit(&self.prefetch) || (!has_many && (self.select_all || hit(&self.select)))
    }

    fn derive(&self, origin: Option<Arc<Origin>>) -> Root {
        Root {
            model: self.model,
            select: self.select.clone(),
            select_all: self.select_all,
            prefetch: self.prefetch.clone(),
            origin: origin.unwrap_or_else(|| self.origin.clone()),
            confidence: self.confidence,
            certain: self.certain,
            shape: self.shape.clone(),
        }
    }
}

#[derive(Clone, Debug)]
struct Qs {
    model: ModelId,
    root: Rc<Root>,
    /// Path from the root ("" for the root queryset itself).
    path: String,
    has_many: bool,
    values: bool,
    per_iter: Option<Arc<LoopInfo>>,
    /// For rows of a reverse foreign key manager: the FK field and the owner Django caches on each row.
    parent: Option<Rc<(String, Inst)>>,
}

#[derive(Clone, Debug)]
struct Manager {
    owner: Inst,
    relation: String,
    kind: RelationKind,
    target: Option<ModelId>,
    path: String,
    text_start: TextRange,
    /// For a reverse foreign key: the field on the target that points back at the owner.
    reverse_field: Option<String>,
}

#[derive(Clone, Debug)]
struct Inst {
    model: ModelId,
    root: Rc<Root>,
    path: String,
    has_many: bool,
    per_iter: Option<Arc<LoopInfo>>,
    var: String,
    /// See [`Qs::parent`].
    parent: Option<Rc<(String, Inst)>>,
}

#[derive(Clone, Debug)]
struct PrefetchSpec {
    lookup: String,
    to_attr: Option<String>,
    inner: Vec<String>,
}

#[derive(Clone, Debug, Default)]
enum Value {
    #[default]
    Unknown,
    ModelClass(ModelId),
    QuerySet(Qs),
    Manager(Box<Manager>),
    Instance(Inst),
    Enumerate(Box<Value>),
    Prefetch(PrefetchSpec),
    /// A dict with string keys, such as a template context.
    Dict(Vec<(String, Value)>),
}

impl Value {
    fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Unknown, Value::Unknown) => true,
            (Value::ModelClass(a), Value::ModelClass(b)) => a == b,
            (Value::QuerySet(a), Value::QuerySet(b)) => {
                Rc::ptr_eq(&a.root, &b.root) && a.path == b.path && a.values == b.values
            }
            (Value::Instance(a), Value::Instance(b)) => Rc::ptr_eq(&a.root, &b.root) && a.path == b.path,
            _ => false,
        }
    }
}

/// Methods that return a queryset of the same model.
const CHAIN_METHODS: &[&str] = &[
    "all",
    "filter",
    "exclude",
    "order_by",
    "distinct",
    "annotate",
    "alias",
    "using",
    "reverse",
    "only",
    "defer",
    "select_for_update",
    "none",
    "iterator",
    "complex_filter",
    "union",
    "intersection",
    "difference",
    "extra",
];
/// Methods that return one instance.
const INSTANCE_METHODS: &[&str] = &["get", "first", "last", "earliest", "latest", "create", "aget", "afirst", "alast"];
/// Queryset methods that run one small query: reported when they run on every loop iteration.
const LOOP_CALL_METHODS: &[&str] = &[
    "get",
    "first",
    "last",
    "earliest",
    "latest",
    "count",
    "exists",
    "aggregate",
    "get_or_create",
    "update_or_create",
    "in_bulk",
    "contains",
];

/// Manager methods served from a `prefetch_related` cache.
const CACHEABLE_METHODS: &[&str] = &["all", "count", "exists"];
/// Manager methods that always run a new query.
const QUERYING_METHODS: &[&str] = &[
    "filter",
    "exclude",
    "order_by",
    "get",
    "first",
    "last",
    "earliest",
    "latest",
    "values",
    "values_list",
    "annotate",
    "aggregate",
    "select_related",
    "prefetch_related",
    "only",
    "defer",
    "distinct",
    "in_bulk",
    "iterator",
];

// ---------------------------------------------------------------------------------------------
// The interpreter

#[derive(Default)]
struct Sink {
    out: Vec<LoopQuery>,
    seen: FastMap<(usize, String, String), usize>,
    /// Everything but the loop queries (which are deduplicated through `seen`).
    facts: QueryFacts,
}

struct Shared<'v, 'a> {
    view: &'v ProjectView<'a>,
    /// Return values of helper functions, keyed by (file, function start offset).
    cache: std::cell::RefCell<FastMap<(usize, u32), Value>>,
}

#[derive(Clone, Default)]
struct ClassCtx {
    queryset: Option<Value>,
    get_queryset: Option<Value>,
    /// The class defines or inherits a `get_queryset` that could not be followed.
    queryset_unknown: bool,
    /// What `super().get_context_data()` returns for a generic view (`object_list`, ...).
    base_context: Vec<(String, Value)>,
    template_name: Option<String>,
    /// Set when the class is itself a model: `self` in its methods is an instance of it.
    model: Option<ModelId>,
}

struct Interp<'s, 'v, 'a> {
    shared: &'s Shared<'v, 'a>,
    file: usize,
    aliases: &'s FastMap<String, String>,
    sink: &'s mut Sink,
    env: FastMap<String, Value>,
    loops: Vec<Arc<LoopInfo>>,
    class: Option<ClassCtx>,
    returns: Vec<Value>,
    /// Depth of helper-function evaluation, bounded to keep analysis linear.
    call_depth: usize,
    /// Set while evaluating the receiver of `.update()`/`.delete()`.
    writing: bool,
    /// Inside `if key not in memo:` (a memoised lookup), an `except` handler, or any `if`.
    memo_depth: u32,
    except_depth: u32,
    cond_depth: u32,
    /// `cond_depth` when each entry of `loops` was entered.
    loop_conds: Vec<u32>,
    /// The function being analysed, for messages (`post_list`, `PostList.get_context_data`).
    function_name: Option<String>,
    /// A generator handed to `any()`/`all()`/`next()`, which stop at the first decisive row.
    short_circuit: Option<TextRange>,
}

const MAX_CALL_DEPTH: usize = 3;

impl<'s, 'v, 'a> Interp<'s, 'v, 'a> {
    fn new(
        shared: &'s Shared<'v, 'a>,
        file: usize,
        aliases: &'s FastMap<String, String>,
        sink: &'s mut Sink,
        call_depth: usize,
    ) -> Self {
        Interp {
            shared,
            file,
            aliases,
            sink,
            env: FastMap::default(),
            loops: Vec::new(),
            class: None,
            returns: Vec::new(),
            call_depth,
            writing: false,
            memo_depth: 0,
            except_depth: 0,
            cond_depth: 0,
            loop_conds: Vec::new(),
            function_name: None,
            short_circuit: None,
        }
    }

    fn parsed(&self) -> &'v ParsedPython {
        &self.shared.view.files[self.file].parsed
    }

    fn path(&self) -> &'v str {
        &self.shared.view.files[self.file].path
    }

    fn module(&mut self, body: &[Stmt]) {
        self.block(body);
    }

    fn function(&mut self, body: &[Stmt], args: &ast::Arguments) {
        let self_model = self.class.as_ref().and_then(|c| c.model);
        for (i, a) in args.posonlyargs.iter().chain(&args.args).chain(&args.kwonlyargs).enumerate() {
            let name = a.def.arg.as_str();
            // `self` in a model's method, or a parameter annotated with a model class: one instance,
            // not per row; its related managers are queries of their own.
            let model = if i == 0 && name == "self" {
                self_model
            } else {
                a.def.annotation.as_deref().and_then(|ann| self.annotated_model(ann))
            };
            let value = match model {
                Some(m) => self.detached_instance(m, a.def.range, name),
                None => Value::Unknown,
            };
            self.env.insert(name.to_string(), value);
        }
        self.block(body);
    }

    /// The model an annotation names: `Order`, `"Order"`, `models.Order`, `Optional[Order]`.
    fn annotated_model(&mut self, ann: &Expr) -> Option<ModelId> {
        let inner = match ann {
            Expr::Subscript(s) if matches!(last_segment(&s.value), Some("Optional")) => &*s.slice,
            other => other,
        };
        if let Some(name) = str_value(inner) {
            let name = name.rsplit('.').next().unwrap_or(name);
            return match self.name(name) {
                Value::ModelClass(m) => Some(m),
                _ => None,
            };
        }
        match inner {
            Expr::Name(_) | Expr::Attribute(_) => {
                let name = last_segment(inner)?;
                match self.name(name) {
                    Value::ModelClass(m) => Some(m),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn detached_instance(&self, model: ModelId, range: TextRange, var: &str) -> Value {
        let root = Rc::new(Root {
            model,
            select: BTreeSet::new(),
            select_all: false,
            prefetch: BTreeSet::new(),
            origin: self.origin(range, None),
            confidence: Confidence::High,
            // What the caller fetched is unknown.
            certain: false,
            shape: Shape::default(),
        });
        Value::Instance(Inst {
            model,
            root,
            path: String::new(),
            has_many: false,
            per_iter: None,
            var: var.to_string(),
            parent: None,
        })
    }

    /// Analyses a nested scope (function or method) with a fresh environment.
    fn nested_scope(&mut self, name: &str, body: &[Stmt], args: &ast::Arguments, class: Option<ClassCtx>) {
        let mut inner = Interp::new(self.shared, self.file, self.aliases, &mut *self.sink, self.call_depth);
        inner.function_name = Some(name.to_string());
        // Module-level names (models imported or aliased) stay visible; locals of the enclosing
        // function are visible to closures too.
        inner.env = self.env.clone();
        inner.class = class.or_else(|| self.class.clone());
        inner.function(body, args);
    }

    fn block(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::FunctionDef(d) => self.nested_scope(d.name.as_str(), &d.body, &d.args, None),
            Stmt::AsyncFunctionDef(d) => self.nested_scope(d.name.as_str(), &d.body, &d.args, None),
            Stmt::ClassDef(c) => self.class_def(c),
            Stmt::Return(r) => {
                let v = r.value.as_ref().map(|v| self.eval(v)).unwrap_or_default();
                self.returns.push(v);
            }
            Stmt::Assign(a) => {
                let v = self.eval(&a.value);
                // `obj.n = obj.n + 1` is a read-modify-write too.
                if let (Expr::BinOp(b), [target]) = (a.value.as_ref(), a.targets.as_slice()) {
                    let same = |e: &Expr| self.parsed().source_of(e) == self.parsed().source_of(target);
                    if matches!(b.op, ast::Operator::Add | ast::Operator::Sub) && (same(&b.left) || same(&b.right)) {
                        self.read_modify_write(target, stmt);
                    }
                }
                for t in &a.targets {
                    self.bind(t, v.clone(), &a.value);
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(value) = &a.value {
                    let v = self.eval(value);
                    self.bind(&a.target, v, value);
                }
            }
            Stmt::AugAssign(a) => {
                self.eval(&a.value);
                self.eval(&a.target);
                self.read_modify_write(&a.target, stmt);
            }
            Stmt::For(f) => self.for_loop(stmt, &f.target, &f.iter, &f.body, &f.orelse),
            Stmt::AsyncFor(f) => self.for_loop(stmt, &f.target, &f.iter, &f.body, &f.orelse),
            Stmt::While(w) => {
                self.eval(&w.test);
                let info = self.loop_info(
                    w.range.start(),
                    w.test.range().end(),
                    &w.test,
                    LoopKind::While,
                    None,
                    &w.body,
                    &Value::Unknown,
                );
                self.loops.push(info);
                self.loop_conds.push(self.cond_depth);
                self.block(&w.body);
                self.loops.pop();
                self.loop_conds.pop();
                self.block(&w.orelse);
            }
            Stmt::If(i) => {
                self.truthiness(&i.test);
                self.eval(&i.test);
                let before = self.env.clone();
                let memo = is_membership_test(&i.test);
                self.memo_depth += u32::from(memo);
                self.cond_depth += 1;
                self.block(&i.body);
                self.memo_depth -= u32::from(memo);
                let after_body = std::mem::replace(&mut self.env, before);
                self.block(&i.orelse);
                self.cond_depth -= 1;
                let after_else = std::mem::take(&mut self.env);
                self.env = merge_envs(after_body, after_else);
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.eval(&item.context_expr);
                    if let Some(v) = &item.optional_vars {
                        self.bind(v, Value::Unknown, &item.context_expr);
                    }
                }
                self.block(&w.body);
            }
            Stmt::AsyncWith(w) => {
                for item in &w.items {
                    self.eval(&item.context_expr);
                    if let Some(v) = &item.optional_vars {
                        self.bind(v, Value::Unknown, &item.context_expr);
                    }
                }
                self.block(&w.body);
            }
            Stmt::Try(t) => self.try_block(&t.body, &t.handlers, &t.orelse, &t.finalbody),
            Stmt::TryStar(t) => self.try_block(&t.body, &t.handlers, &t.orelse, &t.finalbody),
            Stmt::Match(m) => {
                self.eval(&m.subject);
                for case in &m.cases {
                    if let Some(g) = &case.guard {
                        self.eval(g);
                    }
                    self.block(&case.body);
                }
            }
            Stmt::Expr(e) => {
                self.eval(&e.value);
            }
            Stmt::Delete(d) => d.targets.iter().for_each(|t| {
                self.eval(t);
            }),
            Stmt::Raise(r) => {
                if let Some(e) = &r.exc {
                    self.eval(e);
                }
            }
            Stmt::Assert(a) => {
                self.eval(&a.test);
            }
            Stmt::Import(_)
            | Stmt::ImportFrom(_)
            | Stmt::Global(_)
            | Stmt::Nonlocal(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::TypeAlias(_) => {}
        }
    }

    fn try_block(&mut self, body: &[Stmt], handlers: &[ast::ExceptHandler], orelse: &[Stmt], finalbody: &[Stmt]) {
        self.block(body);
        self.except_depth += 1;
        for h in handlers {
            let ast::ExceptHandler::ExceptHandler(h) = h;
            self.block(&h.body);
        }
        self.except_depth -= 1;
        self.block(orelse);
        self.block(finalbody);
    }

    fn class_def(&mut self, c: &ast::StmtClassDef) {
        // Class attributes a view's methods rely on: `model = Book`, `queryset = Book.objects...`.
        let mut ctx = ClassCtx::default();
        let models = &self.shared.view.models;
        ctx.model = models
            .find(c.name.as_str(), None)
            .filter(|&m| models.get(m).path == self.path() && !models.is_ambiguous(c.name.as_str()))
            .or_else(|| models.models.iter().position(|m| m.name == c.name.as_str() && m.path == self.path()))
            .map(|m| if models.get(m).is_abstract { models.sole_concrete_subclass(m).unwrap_or(m) } else { m });
        for s in &c.body {
            if let Stmt::Assign(a) = s {
                if let [Expr::Name(n)] = a.targets.as_slice() {
                    if n.id.as_str() == "queryset" {
                        ctx.queryset = Some(self.eval(&a.value));
                    }
                }
            }
        }
        for s in &c.body {
            if let Stmt::FunctionDef(d) = s {
                if d.name.as_str() == "get_queryset" {
                    let mut sink = Sink::default();
                    let mut inner = Interp::new(self.shared, self.file, self.aliases, &mut sink, self.call_depth + 1);
                    inner.env = self.env.clone();
                    inner.class = Some(ctx.clone());
                    inner.function(&d.body, &d.args);
                    ctx.get_queryset = single_value(inner.returns);
                    // Defined but not understood: the class attributes say nothing about the rows.
                    ctx.queryset_unknown = ctx.get_queryset.is_none();
                }
            }
        }
        // A base class of the project that overrides `get_queryset` decides the rows.
        if !c.body.iter().any(|s| matches!(s, Stmt::FunctionDef(d) if d.name.as_str() == "get_queryset"))
            && c.bases.iter().filter_map(last_segment).any(|b| self.shared.view.get_queryset_classes.contains(b))
        {
            ctx.queryset_unknown = true;
        }
        // `queryset = X.objects.none()` is DRF's placeholder for a `get_queryset` elsewhere.
        let placeholder = matches!(&ctx.queryset, Some(Value::QuerySet(q)) if q.root.origin.text.contains(".none()"));
        if placeholder {
            ctx.queryset = None;
            ctx.queryset_unknown |= ctx.get_queryset.is_none();
        }
        if ctx.queryset_unknown {
            ctx.queryset = None;
            ctx.get_queryset = None;
        }
        self.generic_view_context(c, &mut ctx);
        if let Some(Value::QuerySet(q)) = ctx.get_queryset.clone().or_else(|| ctx.queryset.clone()) {
            if q.path.is_empty() && q.root.certain {
                self.sink.facts.class_querysets.push(ClassQueryset {
                    class_name: c.name.to_string(),
                    class_range: c.range,
                    model: q.model,
                    select: q.root.select.iter().cloned().collect(),
                    select_all: q.root.select_all,
                    prefetch: q.root.prefetch.iter().cloned().collect(),
                    origin: q.root.origin.clone(),
                    from_get_queryset: ctx.get_queryset.is_some(),
                    parent_field: q.parent.as_ref().map(|p| p.0.clone()),
                });
            }
        }
        for s in &c.body {
            match s {
                Stmt::FunctionDef(d) => {
                    self.nested_scope(&format!("{}.{}", c.name, d.name), &d.body, &d.args, Some(ctx.clone()))
                }
                Stmt::AsyncFunctionDef(d) => {
                    self.nested_scope(&format!("{}.{}", c.name, d.name), &d.body, &d.args, Some(ctx.clone()))
                }
                Stmt::ClassDef(inner) => self.class_def(inner),
                _ => {}
            }
        }
    }

    /// For generic views: the template they render and the context Django builds for them
    /// (`object_list`/`<model>_list` for list views, `object`/`<model>` for detail views), extended by
    /// `get_context_data`. Records the implicit rendering.
    fn generic_view_context(&mut self, c: &ast::StmtClassDef, ctx: &mut ClassCtx) {
        let bases: Vec<&str> = c.bases.iter().filter_map(last_segment).collect();
        let is_list = bases.iter().any(|b| b.contains("ListView") || *b == "MultipleObjectMixin");
        let is_detail =
            bases.iter().any(|b| matches!(*b, "DetailView" | "UpdateView" | "DeleteView" | "SingleObjectMixin"));
        let attr = |name: &str| {
            c.body.iter().find_map(|s| match s {
                Stmt::Assign(a) if matches!(a.targets.as_slice(), [Expr::Name(n)] if n.id.as_str() == name) => {
                    Some(&*a.value)
                }
                _ => None,
            })
        };
        ctx.template_name = attr("template_name").and_then(str_value).map(str::to_string);
        let model_attr = attr("model").map(|m| self.peek_model(m)).unwrap_or(None);
        if ctx.queryset_unknown {
            return;
        }
        let queryset = ctx.get_queryset.clone().or_else(|| ctx.queryset.clone()).or_else(|| {
            model_attr.and_then(|m| {
                match self.new_root(m, attr("model").map(|e| e.range()).unwrap_or(c.range), Confidence::High) {
                    v @ Value::QuerySet(_) => Some(v),
                    _ => None,
                }
            })
        });
        let model = match &queryset {
            Some(Value::QuerySet(q)) => Some(q.model),
            _ => model_attr,
        };
        let models = &self.shared.view.models;
        let object_name = attr("context_object_name").and_then(str_value).map(str::to_string);
        if let (Some(model), Some(q)) = (model, queryset.clone()) {
            let lower = models.get(model).name.lowercase();
            if is_list {
                ctx.base_context.push(("object_list".into(), q.clone()));
                ctx.base_context.push((object_name.clone().unwrap_or(format!("{lower}_list")), q));
            } else if is_detail {
                if let Value::QuerySet(qs) = &q {
                    let inst = Value::Instance(Inst {
                        model,
                        root: qs.root.clone(),
                        path: String::new(),
                        has_many: false,
                        per_iter: None,
                        var: lower.clone(),
                        parent: None,
                    });
                    ctx.base_context.push(("object".into(), inst.clone()));
                    ctx.base_context.push((object_name.clone().unwrap_or(lower.clone()), inst));
                }
            }
            if ctx.template_name.is_none() && (is_list || is_detail) {
                let app = &models.get(model).app_label;
                ctx.template_name = Some(format!("{app}/{lower}{}.html", if is_list { "_list" } else { "_detail" }));
            }
        }
        if !(is_list || is_detail || ctx.template_name.is_some()) {
            return;
        }
        // `get_context_data` may add more.
        let mut context = Value::Dict(ctx.base_context.clone());
        if let Some(def) = c.body.iter().find_map(|s| match s {
            Stmt::FunctionDef(d) if d.name.as_str() == "get_context_data" => Some(d),
            _ => None,
        }) {
            let mut sink = Sink::default();
            let mut inner = Interp::new(self.shared, self.file, self.aliases, &mut sink, self.call_depth + 1);
            inner.env = self.env.clone();
            inner.class = Some(ctx.clone());
            inner.function(&def.body, &def.args);
            if let Some(v @ Value::Dict(_)) = single_value(inner.returns) {
                context = v;
            }
        }
        let (Some(template), Value::Dict(items)) = (ctx.template_name.clone(), context) else { return };
        let vars = context_vars(&items);
        if !vars.is_empty() {
            let span = self.parsed().span(TextRange::new(c.range.start(), c.range.start()));
            self.sink.facts.template_renders.push(TemplateRender { template, span, view: c.name.to_string(), vars });
        }
    }

    /// The model a class attribute names (`model = Book`).
    fn peek_model(&self, e: &Expr) -> Option<ModelId> {
        match e {
            Expr::Name(n) => match self.name(n.id.as_str()) {
                Value::ModelClass(m) => Some(m),
                _ => None,
            },
            _ => None,
        }
    }

    fn loop_info(
        &self,
        start: ast::text_size::TextSize,
        end: ast::text_size::TextSize,
        iter: &Expr,
        kind: LoopKind,
        target: Option<&Expr>,
        body: &[Stmt],
        iterable: &Value,
    ) -> Arc<LoopInfo> {
        let parsed = self.parsed();
        let mut targets = Vec::new();
        if let Some(t) = target {
            crate::python::names::target_names(t, &mut targets);
        }
        assigned_names(body, &mut targets);
        Arc::new(LoopInfo {
            span: parsed.span(TextRange::new(start, end.max(start))),
            iter_text: parsed.source_of(iter).to_string(),
            kind,
            targets,
            bounded: bounded_iterable(iter),
            over_rows: holds_rows(iterable) || is_request_data(iter),
        })
    }

    fn for_loop(&mut self, stmt: &Stmt, target: &Expr, iter: &Expr, body: &[Stmt], orelse: &[Stmt]) {
        let iterable = self.eval(iter);
        let info = self.loop_info(
            stmt.range().start(),
            iter.range().end(),
            iter,
            LoopKind::For,
            Some(target),
            body,
            &iterable,
        );
        self.materialized(&iterable, iter.range(), Materialize::Loop);
        self.loops.push(info.clone());
        self.loop_conds.push(self.cond_depth);
        let element = element_of(&iterable, target, &info);
        self.bind_loop_target(target, element);
        self.block(body);
        self.loops.pop();
        self.loop_conds.pop();
        self.leave_loop(&info);
        self.block(orelse);
    }

    /// After a loop, its variables hold the last row: reading them is no longer per row.
    fn leave_loop(&mut self, info: &Arc<LoopInfo>) {
        for name in &info.targets {
            match self.env.get_mut(name) {
                Some(Value::Instance(i)) if i.per_iter.as_ref().is_some_and(|l| Arc::ptr_eq(l, info)) => {
                    i.per_iter = None;
                }
                Some(Value::QuerySet(q)) if q.per_iter.as_ref().is_some_and(|l| Arc::ptr_eq(l, info)) => {
                    q.per_iter = None;
                }
                _ => {}
            }
        }
    }

    fn bind_loop_target(&mut self, target: &Expr, element: Value) {
        match (target, element) {
            (Expr::Name(n), v) => {
                let v = match v {
                    Value::Instance(mut i) => {
                        i.var = n.id.to_string();
                        Value::Instance(i)
                    }
                    v => v,
                };
                self.env.insert(n.id.to_string(), v);
            }
            (Expr::Tuple(t), Value::Enumerate(inner)) if t.elts.len() == 2 => {
                self.bind_loop_target(&t.elts[0], Value::Unknown);
                self.bind_loop_target(&t.elts[1], *inner);
            }
            (other, _) => {
                let mut names = Vec::new();
                crate::python::names::target_names(other, &mut names);
                for n in names {
                    self.env.insert(n, Value::Unknown);
                }
            }
        }
    }

    fn bind(&mut self, target: &Expr, value: Value, value_expr: &Expr) {
        match target {
            Expr::Name(n) => {
                let value = match value {
                    Value::Instance(mut i) => {
                        i.var = n.id.to_string();
                        Value::Instance(i)
                    }
                    v => v,
                };
                self.env.insert(n.id.to_string(), value);
            }
            Expr::Tuple(_) | Expr::List(_) => {
                let _ = value_expr;
                let mut names = Vec::new();
                crate::python::names::target_names(target, &mut names);
                for n in names {
                    self.env.insert(n, Value::Unknown);
                }
            }
            // `obj.attr = v` stores; only the object expression is a load.
            Expr::Attribute(a) => {
                self.eval(&a.value);
            }
            Expr::Subscript(s) => {
                if let (Expr::Name(n), Some(key)) = (s.value.as_ref(), str_value(&s.slice)) {
                    if let Some(Value::Dict(mut items)) = self.env.get(n.id.as_str()).cloned() {
                        items.retain(|(k, _)| k != key);
                        items.push((key.to_string(), value));
                        self.env.insert(n.id.to_string(), Value::Dict(items));
                        return;
                    }
                }
                self.eval(&s.value);
                self.eval(&s.slice);
            }
            _ => {}
        }
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    fn eval(&mut self, expr: &Expr) -> Value {
        match expr {
            Expr::Name(n) => self.name(n.id.as_str()),
            Expr::Attribute(a) => {
                if matches!(a.ctx, ExprContext::Store | ExprContext::Del) {
                    self.eval(&a.value);
                    return Value::Unknown;
                }
                let id_only = matches!(a.attr.as_str(), "id" | "pk");
                let base = match (&*a.value, id_only) {
                    (Expr::Attribute(inner), true) => self.attribute(inner, true),
                    _ => self.eval(&a.value),
                };
                self.attribute_of(base, a, false)
            }
            Expr::Call(c) => self.call(c),
            Expr::Subscript(s) => {
                let base = self.eval(&s.value);
                self.eval(&s.slice);
                match base {
                    Value::QuerySet(q) if matches!(*s.slice, Expr::Slice(_)) => {
                        let mut root = q.root.derive(None);
                        root.shape.sliced = true;
                        Value::QuerySet(Qs { root: Rc::new(root), ..q })
                    }
                    Value::QuerySet(q) if !q.values && is_int(&s.slice) => self.instance_from(&q, None),
                    _ => Value::Unknown,
                }
            }
            Expr::ListComp(c) => self.comprehension(expr, &[&c.elt], &c.generators),
            Expr::SetComp(c) => self.comprehension(expr, &[&c.elt], &c.generators),
            Expr::GeneratorExp(c) => self.comprehension(expr, &[&c.elt], &c.generators),
            Expr::DictComp(c) => self.comprehension(expr, &[&c.key, &c.value], &c.generators),
            Expr::NamedExpr(n) => {
                let v = self.eval(&n.value);
                self.bind(&n.target, v.clone(), &n.value);
                v
            }
            Expr::IfExp(i) => {
                self.eval(&i.test);
                let a = self.eval(&i.body);
                let b = self.eval(&i.orelse);
                if a.same(&b) {
                    a
                } else {
                    Value::Unknown
                }
            }
            // A lambda's body runs later, usually not per row of an enclosing loop.
            Expr::Lambda(_) => Value::Unknown,
            Expr::Dict(d) => {
                let mut items = Vec::new();
                let mut all_str = true;
                for (k, v) in d.keys.iter().zip(&d.values) {
                    let value = self.eval(v);
                    match k.as_ref().and_then(str_value) {
                        Some(key) => items.push((key.to_string(), value)),
                        None => {
                            // `{**base, "x": qs}`: merge a known dict, else give up on the keys.
                            match (k, value) {
                                (None, Value::Dict(inner)) => items.extend(inner),
                                _ => all_str = false,
                            }
                        }
                    }
                    if let Some(k) = k {
                        self.eval(k);
                    }
                }
                if all_str {
                    Value::Dict(items)
                } else {
                    Value::Unknown
                }
            }
            Expr::Await(a) => {
                self.eval(&a.value);
                Value::Unknown
            }
            _ => {
                let mut children = Vec::new();
                crate::python::walk::for_each_child(crate::python::walk::Node::Expr(expr), &mut |n| {
                    if let crate::python::walk::Node::Expr(e) = n {
                        children.push(e);
                    }
                });
                for c in children {
                    self.eval(c);
                }
                Value::Unknown
            }
        }
    }

    fn name(&self, name: &str) -> Value {
        if let Some(v) = self.env.get(name) {
            return v.clone();
        }
        let resolved = self.aliases.get(name).map(String::as_str).unwrap_or(name);
        // Only a capitalised name is taken for a model class: the lookup is skipped for the others.
        if !resolved.chars().next().is_some_and(char::is_uppercase) {
            return Value::Unknown;
        }
        let models = &self.shared.view.models;
        let app = crate::facts::models::app_label_from_path(self.path());
        match models.find(resolved, Some(&app)) {
            Some(id) => Value::ModelClass(id),
            None => Value::Unknown,
        }
    }

    fn attribute(&mut self, a: &ast::ExprAttribute, id_only: bool) -> Value {
        let base = self.eval(&a.value);
        self.attribute_of(base, a, id_only)
    }

    fn attribute_of(&mut self, base: Value, a: &ast::ExprAttribute, id_only: bool) -> Value {
        let attr = a.attr.as_str();
        match base {
            Value::ModelClass(m) => {
                let model = self.shared.view.models.get(m);
                if model.managers.iter().any(|x| x == attr) || attr == "_default_manager" || attr == "_base_manager" {
                    let confidence = if self.shared.view.models.is_ambiguous(&model.name) {
                        Confidence::Medium
                    } else {
                        Confidence::High
                    };
                    self.new_root(m, a.range, confidence)
                } else {
                    Value::Unknown
                }
            }
            Value::Instance(inst) => self.relation_access(inst, a, id_only),
            _ => Value::Unknown,
        }
    }

    fn new_root(&self, model: ModelId, range: TextRange, confidence: Confidence) -> Value {
        let origin = self.origin(range, None);
        let root = Rc::new(Root {
            model,
            select: BTreeSet::new(),
            select_all: false,
            prefetch: BTreeSet::new(),
            origin,
            confidence,
            certain: true,
            shape: Shape::default(),
        });
        Value::QuerySet(Qs {
            model,
            root,
            parent: None,
            path: String::new(),
            has_many: false,
            values: false,
            per_iter: self.loops.last().cloned(),
        })
    }

    fn origin(&self, range: TextRange, queryset_end: Option<ast::text_size::TextSize>) -> Arc<Origin> {
        let parsed = self.parsed();
        let text = parsed.source_range(range).to_string();
        let insert_at =
            queryset_end.map(|end| end.to_usize().saturating_sub(range.start().to_usize())).unwrap_or(text.len());
        Arc::new(Origin { path: self.path().to_string(), span: parsed.span(range), text, insert_at })
    }

    /// `inst.attr` where `inst` is a model instance.
    fn relation_access(&mut self, inst: Inst, a: &ast::ExprAttribute, id_only: bool) -> Value {
        let models = &self.shared.view.models;
        let attr = a.attr.as_str();
        if let Some(parent) = inst.parent.as_ref().filter(|p| p.0 == attr) {
            return Value::Instance(parent.1.clone());
        }
        let Some(accessor) = models.accessor(inst.model, attr) else {
            self.deferred_access(&inst, a);
            return Value::Unknown;
        };
        let path = if inst.path.is_empty() { attr.to_string() } else { format!("{}__{}", inst.path, attr) };
        match accessor {
            Accessor::Single { target, kind, .. } => {
                if inst.per_iter.is_some() && !inst.root.covers(&path, inst.has_many) {
                    self.record(
                        &inst,
                        a.range,
                        AccessKind::Object,
                        attr,
                        kind,
                        target,
                        &path,
                        inst.has_many,
                        id_only,
                        false,
                    );
                }
                match target {
                    Some(t) => Value::Instance(Inst {
                        model: t,
                        root: inst.root.clone(),
                        path,
                        has_many: inst.has_many,
                        per_iter: inst.per_iter.clone(),
                        var: inst.var.clone(),
                        parent: None,
                    }),
                    None => Value::Unknown,
                }
            }
            Accessor::Many { target, kind, reverse } => Value::Manager(Box::new(Manager {
                reverse_field: (reverse && kind == RelationKind::ForeignKey)
                    .then(|| {
                        models.get(inst.model).reverse.iter().find(|r| r.accessor == attr).map(|r| r.field.clone())
                    })
                    .flatten(),
                owner: inst,
                relation: attr.to_string(),
                kind,
                target,
                path,
                text_start: a.range,
            })),
        }
    }

    /// `obj.field` on a per-row instance whose queryset left the field out (`.only()`/`.defer()`).
    fn deferred_access(&mut self, inst: &Inst, a: &ast::ExprAttribute) {
        if inst.per_iter.is_none() || !inst.path.is_empty() || !inst.root.certain || inst.has_many {
            return;
        }
        let shape = &inst.root.shape;
        if shape.only.is_none() && shape.defer.is_empty() {
            return;
        }
        let attr = a.attr.as_str();
        let model = self.shared.view.models.get(inst.model);
        // `author_id` is the column of `author`.
        let field = model
            .fields
            .iter()
            .find(|f| f.name == attr || (f.relation.is_some() && format!("{}_id", f.name) == attr))
            .filter(|f| !matches!(f.relation.as_ref().map(|r| r.kind), Some(RelationKind::ManyToMany)));
        let Some(field) = field else { return };
        if matches!(attr, "id" | "pk") {
            return;
        }
        let attname = format!("{}_id", field.name);
        let deferred = match &shape.only {
            Some(only) => !only.iter().any(|o| {
                let first = o.split("__").next().unwrap_or(o);
                first == field.name || first == attname
            }),
            None => shape.defer.iter().any(|d| d == &field.name),
        };
        if deferred {
            let kind = AccessKind::Deferred { field: field.name.clone() };
            self.record(
                inst,
                a.range,
                kind,
                &field.name,
                RelationKind::ForeignKey,
                None,
                &field.name,
                false,
                false,
                false,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        inst: &Inst,
        range: TextRange,
        kind: AccessKind,
        relation: &str,
        relation_kind: RelationKind,
        target: Option<ModelId>,
        path: &str,
        path_has_many: bool,
        id_only: bool,
        prefetched: bool,
    ) {
        let Some(loop_info) = inst.per_iter.clone() else { return };
        // Per row only counts when some enclosing loop runs once per row of data (a queryset or
        // request data), not over a handful of parameters or a short-circuiting `any()`.
        if !inst.root.certain || !self.loops.iter().any(|l| l.kind != LoopKind::While && l.over_rows) {
            return;
        }
        let key_kind = match &kind {
            AccessKind::Object => String::from("."),
            AccessKind::Manager { method, .. } => method.clone(),
            AccessKind::Deferred { field } => format!("deferred:{field}"),
        };
        let key = (Arc::as_ptr(&loop_info) as usize, path.to_string(), key_kind);
        if let Some(&i) = self.sink.seen.get(&key) {
            self.sink.out[i].uses += 1;
            return;
        }
        let parsed = self.parsed();
        let fact = LoopQuery {
            kind,
            span: parsed.span(range),
            text: parsed.source_range(range).to_string(),
            var: inst.var.clone(),
            owner_model: inst.model,
            relation: relation.to_string(),
            relation_kind,
            target,
            target_label: self.shared.view.models.target_label(inst.model, relation),
            path: path.to_string(),
            path_has_many,
            loop_info,
            origin: inst.root.origin.clone(),
            root_model: inst.root.model,
            id_only,
            uses: 1,
            prefetched,
            confidence: inst.root.confidence,
        };
        self.sink.seen.insert(key, self.sink.out.len());
        self.sink.out.push(fact);
    }

    /// Records what narrows the rows (filters, slices, `only`/`defer`, locks) on a root queryset.
    fn reshape(&self, q: Qs, method: &str, c: &ast::ExprCall) -> Qs {
        let mut shape = q.root.shape.clone();
        match method {
            "filter" | "exclude" | "get" | "complex_filter" => {
                shape.filtered |= method != "get" || !c.keywords.is_empty() || !c.args.is_empty();
                shape.filters.extend(c.keywords.iter().filter_map(|k| k.arg.as_ref().map(|a| a.to_string())));
                if !c.args.is_empty() {
                    shape.filters.push("<expression>".into());
                }
            }
            "none" | "intersection" | "difference" => shape.filtered = true,
            "only" => shape.only = Some(c.args.iter().filter_map(str_value).map(str::to_string).collect()),
            "defer" => shape.defer.extend(c.args.iter().filter_map(str_value).map(str::to_string)),
            "select_for_update" => shape.locked = true,
            "iterator" => shape.iterator = true,
            _ => return q,
        }
        let mut root = q.root.derive(None);
        root.shape = shape;
        Qs { root: Rc::new(root), ..q }
    }

    /// A value pulled into memory in full (loop, `list()`, `len()`).
    fn materialized(&mut self, v: &Value, range: TextRange, how: Materialize) {
        let q = match v {
            Value::QuerySet(q) => q,
            Value::Enumerate(inner) => return self.materialized(inner, range, how),
            _ => return,
        };
        if !q.path.is_empty() || !q.root.certain || q.root.shape.evaluated {
            return;
        }
        let parsed = self.parsed();
        self.sink.facts.materialized.push(Materialized {
            how,
            range,
            span: parsed.span(range),
            text: parsed.source_range(range).to_string(),
            model: q.model,
            shape: q.root.shape.clone(),
            values: q.values,
            origin: q.root.origin.clone(),
        });
    }

    fn size_check(&mut self, kind: SizeKind, q: &Qs, arg: &Expr, range: TextRange) {
        if !q.path.is_empty() || q.root.shape.evaluated {
            return;
        }
        let parsed = self.parsed();
        let var = match arg {
            Expr::Name(n) => Some(n.id.to_string()),
            _ => None,
        };
        self.sink.facts.size_checks.push(SizeCheck {
            kind,
            range,
            span: parsed.span(range),
            text: parsed.source_range(range).to_string(),
            var,
            model: q.model,
        });
    }

    /// `if qs:`, `if not qs:`, `if qs and ...:` on a queryset variable.
    fn truthiness(&mut self, test: &Expr) {
        match test {
            Expr::Name(n) => {
                if let Some(Value::QuerySet(q)) = self.env.get(n.id.as_str()).cloned() {
                    if !q.values || q.path.is_empty() {
                        self.size_check(SizeKind::Truthiness, &q, test, test.range());
                    }
                }
            }
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => self.truthiness(&u.operand),
            Expr::BoolOp(b) => b.values.iter().for_each(|v| self.truthiness(v)),
            _ => {}
        }
    }

    /// A single-row or aggregate query on a root queryset, inside a `for` loop or comprehension.
    fn loop_call(&mut self, q: &Qs, method: &str, c: &ast::ExprCall) {
        let Some(pos) = self.loops.iter().rposition(|l| l.kind != LoopKind::While) else { return };
        let info = self.loops[pos].clone();
        // Not per row: memoised lookups, exception paths, deliberate per-row locks, related-manager
        // queries (reported on their own), handfuls of iterations by construction.
        if !q.root.certain || self.memo_depth > 0 || self.except_depth > 0 || q.root.shape.via_related || info.bounded {
            return;
        }
        let conditional = self.cond_depth > self.loop_conds.get(pos).copied().unwrap_or(0);
        let parsed = self.parsed();
        let text = parsed.source_range(c.range).to_string();
        let targets: Vec<&String> =
            self.loops.iter().filter(|l| l.kind != LoopKind::While).flat_map(|l| l.targets.iter()).collect();
        let mentions = |t: &str| targets.iter().any(|name| contains_word(t, name));
        let uses_loop_var = mentions(&text) || mentions(&q.root.origin.text);
        self.sink.facts.loop_calls.push(LoopCall {
            range: c.range,
            span: parsed.span(c.range),
            text,
            method: method.to_string(),
            model: q.model,
            loop_info: info,
            uses_loop_var,
            conditional,
            over_rows: self.loops.iter().any(|l| l.kind != LoopKind::While && l.over_rows),
            locked: q.root.shape.locked,
        });
    }

    /// Model instances passed as task arguments (positional, or in `args=[...]`).
    fn task_args(&mut self, c: &ast::ExprCall) {
        let mut candidates: Vec<&Expr> = c.args.iter().collect();
        if let Some(list) = keyword(c, "args") {
            if let Expr::List(l) = list {
                candidates.extend(l.elts.iter());
            } else if let Expr::Tuple(t) = list {
                candidates.extend(t.elts.iter());
            }
        }
        candidates.extend(
            c.keywords
                .iter()
                .filter(|k| k.arg.as_deref() != Some("args") && k.arg.as_deref() != Some("kwargs"))
                .map(|k| &k.value),
        );
        if let Some(Expr::Dict(d)) = keyword(c, "kwargs") {
            candidates.extend(d.values.iter());
        }
        for arg in candidates {
            if let Some(model) = self.peek_instance(arg) {
                let parsed = self.parsed();
                self.sink.facts.task_args.push(TaskArg {
                    span: parsed.span_of(arg),
                    text: parsed.source_of(arg).to_string(),
                    model,
                    call_text: parsed.source_range(c.range).to_string(),
                });
            }
        }
    }

    /// The model of an instance expression, without recording anything (`order`, `order.customer`).
    fn peek_instance(&self, e: &Expr) -> Option<ModelId> {
        match e {
            Expr::Name(n) => match self.env.get(n.id.as_str()) {
                Some(Value::Instance(i)) => Some(i.model),
                _ => None,
            },
            Expr::Attribute(a) => {
                let owner = self.peek_instance(&a.value)?;
                match self.shared.view.models.accessor(owner, a.attr.as_str()) {
                    Some(Accessor::Single { target, .. }) => target,
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The value of a simple expression without recording anything: a name, `self.<attr>` is unknown.
    fn peek_value(&self, e: &Expr) -> Value {
        match e {
            Expr::Name(n) => self.env.get(n.id.as_str()).cloned().unwrap_or_default(),
            _ => Value::Unknown,
        }
    }

    /// `render(request, "t.html", context)`, `render_to_string("t.html", context)`,
    /// `TemplateResponse(request, "t.html", context)`, `self.render_to_response(context)`.
    fn template_render(&mut self, c: &ast::ExprCall, func: &str, args: &[Value]) {
        let (template_pos, context_pos) = match func {
            "render_to_string" => (0, 1),
            "render_to_response" => (usize::MAX, 0),
            _ => (1, 2),
        };
        let template = if template_pos == usize::MAX {
            self.class.as_ref().and_then(|k| k.template_name.clone())
        } else {
            c.args.get(template_pos).or_else(|| keyword(c, "template_name")).and_then(str_value).map(str::to_string)
        };
        let Some(template) = template else { return };
        let context = args.get(context_pos).cloned().or_else(|| keyword(c, "context").map(|e| self.peek_value(e)));
        let Some(Value::Dict(items)) = context else { return };
        let vars = context_vars(&items);
        if vars.is_empty() {
            return;
        }
        let parsed = self.parsed();
        let view = self.function_name.clone().unwrap_or_default();
        self.sink.facts.template_renders.push(TemplateRender { template, span: parsed.span(c.range), view, vars });
    }

    fn cached_object(&mut self, c: &ast::ExprCall, a: &ast::ExprAttribute, args: &[Value]) {
        let receiver = self.parsed().source_of(&*a.value);
        if !(receiver.ends_with("cache") || receiver.starts_with("caches[")) {
            return;
        }
        let (model, what) = match args.get(1) {
            Some(Value::Instance(i)) => (i.model, "instance"),
            Some(Value::QuerySet(q)) if !q.values && q.path.is_empty() => (q.model, "rows"),
            _ => return,
        };
        let Some(key) = c.args.first() else { return };
        let parsed = self.parsed();
        self.sink.facts.cached_objects.push(CachedObject {
            span: parsed.span(c.range),
            call_text: parsed.source_range(c.range).to_string(),
            key_text: parsed.source_of(key).to_string(),
            model,
            what,
            versioned: keyword(c, "version").is_some(),
        });
    }

    fn save_in_loop(&mut self, inst: &Inst, c: &ast::ExprCall) {
        let Some(loop_info) = inst.per_iter.clone() else { return };
        if !inst.root.certain || !inst.path.is_empty() || loop_info.kind == LoopKind::While {
            return;
        }
        let parsed = self.parsed();
        self.sink.facts.saves_in_loops.push(SaveInLoop {
            range: c.range,
            span: parsed.span(c.range),
            text: parsed.source_range(c.range).to_string(),
            var: inst.var.clone(),
            model: inst.model,
            loop_info,
            shape: inst.root.shape.clone(),
            origin: inst.root.origin.clone(),
        });
    }

    /// Every `obj.save()` of a row read from the database (not one just created), and the columns a
    /// `save(update_fields=...)` names.
    fn instance_save(&mut self, inst: &Inst, c: &ast::ExprCall) {
        if !inst.root.certain || !inst.path.is_empty() || inst.var.is_empty() {
            return;
        }
        let created = inst.root.origin.text.contains(".create(") || inst.root.origin.text.contains("get_or_create(");
        let update_fields = keyword(c, "update_fields");
        let parsed = self.parsed();
        if let Some(fields) = update_fields {
            let columns: Vec<String> = match fields {
                Expr::List(l) => l.elts.iter().filter_map(str_value).map(str::to_string).collect(),
                Expr::Tuple(t) => t.elts.iter().filter_map(str_value).map(str::to_string).collect(),
                _ => Vec::new(),
            };
            if !columns.is_empty() {
                self.sink.facts.targeted_writes.push(TargetedWrite {
                    kind: WriteKind::SaveUpdateFields,
                    model: inst.model,
                    columns,
                    span: parsed.span(c.range),
                    function: self.function_name.clone(),
                });
            }
        }
        if created {
            return;
        }
        self.sink.facts.instance_saves.push(InstanceSave {
            range: c.range,
            span: parsed.span(c.range),
            text: parsed.source_range(c.range).to_string(),
            var: inst.var.clone(),
            model: inst.model,
            // Explicit columns, or an insert (`force_insert=True`), overwrite nothing read earlier.
            update_fields: update_fields.is_some() || keyword(c, "force_insert").is_some() || !c.args.is_empty(),
            locked: inst.root.shape.locked,
        });
    }

    /// `obj.field += n` on a model instance's concrete field.
    fn read_modify_write(&mut self, target: &Expr, stmt: &Stmt) {
        let Expr::Attribute(a) = target else { return };
        let Expr::Name(n) = a.value.as_ref() else { return };
        let Some(Value::Instance(inst)) = self.env.get(n.id.as_str()).cloned() else { return };
        let model = self.shared.view.models.get(inst.model);
        let Some(field) = model.fields.iter().find(|f| f.name == a.attr.as_str() && f.relation.is_none()) else {
            return;
        };
        let parsed = self.parsed();
        self.sink.facts.read_modify_writes.push(ReadModifyWrite {
            range: stmt.range(),
            span: parsed.span_of(stmt),
            text: parsed.source_of(stmt).to_string(),
            var: n.id.to_string(),
            field: field.name.clone(),
            model: inst.model,
            locked: inst.root.shape.locked,
        });
    }

    fn instance_from(&self, q: &Qs, var: Option<&str>) -> Value {
        Value::Instance(Inst {
            model: q.model,
            root: q.root.clone(),
            path: q.path.clone(),
            has_many: q.has_many,
            per_iter: q.per_iter.clone().or_else(|| self.loops.last().cloned()),
            var: var.unwrap_or_default().to_string(),
            parent: q.parent.clone(),
        })
    }

    fn call(&mut self, c: &ast::ExprCall) -> Value {
        // Arguments are evaluated for the accesses inside them; their values matter only to a few calls.
        let writing = std::mem::replace(&mut self.writing, false);
        let callee = match c.func.as_ref() {
            Expr::Name(n) => Some(n.id.as_str()),
            _ => None,
        };
        if let (Some("any" | "all" | "next"), Some(g @ Expr::GeneratorExp(_))) = (callee, c.args.first()) {
            self.short_circuit = Some(g.range());
        }
        let args: Vec<Value> = c.args.iter().map(|a| self.eval(a)).collect();
        for k in &c.keywords {
            self.eval(&k.value);
        }
        self.writing = writing;
        match c.func.as_ref() {
            Expr::Attribute(a) => {
                let method = a.attr.as_str();
                if matches!(method, "delay" | "apply_async") {
                    self.task_args(c);
                }
                if matches!(method, "set" | "add" | "get_or_set") {
                    self.cached_object(c, a, &args);
                }
                if matches!(method, "render" | "render_to_string" | "TemplateResponse" | "render_to_response") {
                    self.template_render(c, method, &args);
                }
                if method == "get_model" {
                    if let Some(v) = self.get_model(c) {
                        return v;
                    }
                }
                let receiver = if let Expr::Name(n) = a.value.as_ref() {
                    if n.id.as_str() == "self" {
                        if let Some(v) = self.self_attribute(method) {
                            return v;
                        }
                    }
                    self.eval(&a.value)
                } else if let Expr::Call(inner) = a.value.as_ref() {
                    // `super().get_queryset()` in a view.
                    if last_segment(&inner.func) == Some("super") && method == "get_queryset" {
                        return self.class.as_ref().and_then(|c| c.queryset.clone()).unwrap_or_default();
                    }
                    if last_segment(&inner.func) == Some("super") && method == "get_context_data" {
                        let base = self.class.as_ref().map(|c| c.base_context.clone()).unwrap_or_default();
                        let mut items = base;
                        for k in &c.keywords {
                            if let Some(name) = &k.arg {
                                let v = self.peek_value(&k.value);
                                items.push((name.to_string(), v));
                            }
                        }
                        return Value::Dict(items);
                    }
                    let was = std::mem::replace(&mut self.writing, matches!(method, "update" | "delete"));
                    let v = self.eval(&a.value);
                    self.writing = was;
                    v
                } else {
                    self.eval(&a.value)
                };
                self.method_call(receiver, method, c, a, &args)
            }
            Expr::Name(n) => {
                if matches!(n.id.as_str(), "render" | "render_to_string" | "TemplateResponse") {
                    self.template_render(c, n.id.as_str(), &args);
                }
                self.function_call(n.id.as_str(), c, args)
            }
            other => {
                self.eval(other);
                Value::Unknown
            }
        }
    }

    /// `self.get_queryset()`, `self.queryset` inside a class-based view.
    fn self_attribute(&mut self, method: &str) -> Option<Value> {
        let class = self.class.as_ref()?;
        match method {
            "get_queryset" if class.queryset_unknown => Some(Value::Unknown),
            "get_queryset" => class.get_queryset.clone().or_else(|| class.queryset.clone()),
            _ => None,
        }
    }

    fn get_model(&self, c: &ast::ExprCall) -> Option<Value> {
        let models = &self.shared.view.models;
        let (app, name) = match c.args.as_slice() {
            [app, name] => (str_value(app), str_value(name)?),
            [label] => {
                let (a, n) = str_value(label)?.split_once('.')?;
                (Some(a), n)
            }
            _ => return None,
        };
        models.find(name, app).map(Value::ModelClass)
    }

    fn method_call(
        &mut self,
        receiver: Value,
        method: &str,
        c: &ast::ExprCall,
        a: &ast::ExprAttribute,
        args: &[Value],
    ) -> Value {
        match receiver {
            Value::QuerySet(q) => self.queryset_method(q, method, c, a, args),
            Value::Manager(m) => self.manager_method(*m, method, c, a, args),
            Value::Instance(inst) if method == "save" => {
                self.save_in_loop(&inst, c);
                self.instance_save(&inst, c);
                Value::Unknown
            }
            Value::Dict(mut items) if method == "update" => {
                // `context.update({...})` / `context.update(key=value)` on a named dict.
                if let Expr::Name(n) = a.value.as_ref() {
                    if let Some(Value::Dict(new)) = args.first() {
                        for (k, v) in new {
                            items.retain(|(x, _)| x != k);
                            items.push((k.clone(), v.clone()));
                        }
                    }
                    for kw in &c.keywords {
                        if let Some(name) = &kw.arg {
                            let v = self.peek_value(&kw.value);
                            items.retain(|(x, _)| x != name.as_str());
                            items.push((name.to_string(), v));
                        }
                    }
                    self.env.insert(n.id.to_string(), Value::Dict(items));
                }
                Value::Unknown
            }
            _ => Value::Unknown,
        }
    }

    fn queryset_method(
        &mut self,
        q: Qs,
        method: &str,
        c: &ast::ExprCall,
        a: &ast::ExprAttribute,
        args: &[Value],
    ) -> Value {
        if q.path.is_empty() && LOOP_CALL_METHODS.contains(&method) && !q.values {
            self.loop_call(&q, method, c);
        }
        let q = if q.path.is_empty() { self.reshape(q, method, c) } else { q };
        if method == "update" && !q.values && !c.keywords.is_empty() {
            let columns: Vec<String> =
                c.keywords.iter().filter_map(|k| k.arg.as_ref().map(|a| a.to_string())).collect();
            let span = self.parsed().span(c.range);
            self.sink.facts.targeted_writes.push(TargetedWrite {
                kind: WriteKind::QuerysetUpdate,
                model: q.model,
                columns,
                span,
                function: self.function_name.clone(),
            });
        }
        match method {
            "select_related" | "prefetch_related" if q.path.is_empty() => {
                let mut root = q.root.derive(Some(self.origin(c.range, None)));
                if method == "select_related" {
                    // No arguments follows every non-null FK; unreadable ones might name any.
                    if c.args.is_empty() || c.args.iter().any(|a| str_value(a).is_none()) {
                        root.select_all = true;
                    }
                    root.select.extend(c.args.iter().filter_map(str_value).map(str::to_string));
                } else {
                    add_prefetches(&mut root.prefetch, &c.args, args);
                }
                Value::QuerySet(Qs { root: Rc::new(root), ..q })
            }
            "values" | "values_list" => Value::QuerySet(Qs { values: true, ..q }),
            // Nothing can be chained after these; a fix belongs before them.
            "iterator" | "union" | "intersection" | "difference" => Value::QuerySet(q),
            m if CHAIN_METHODS.contains(&m) || m == "select_related" || m == "prefetch_related" => {
                if q.path.is_empty() {
                    // Keep the optimisations; move the fix location to the longer expression.
                    let root = q.root.derive(Some(self.origin(c.range, None)));
                    Value::QuerySet(Qs { root: Rc::new(root), ..q })
                } else {
                    Value::QuerySet(q)
                }
            }
            m if INSTANCE_METHODS.contains(&m) && !q.values => {
                if q.path.is_empty() {
                    let mut root = q.root.derive(Some(self.origin(c.range, Some(a.value.range().end()))));
                    // `create(project=project)` keeps the object it was given: no query to read it back.
                    if m == "create" {
                        root.select.extend(c.keywords.iter().filter_map(|k| k.arg.as_ref().map(|a| a.to_string())));
                    }
                    let q = Qs { root: Rc::new(root), ..q };
                    self.instance_from(&q, None)
                } else {
                    self.instance_from(&q, None)
                }
            }
            _ => Value::Unknown,
        }
    }

    fn manager_method(
        &mut self,
        m: Manager,
        method: &str,
        c: &ast::ExprCall,
        a: &ast::ExprAttribute,
        args: &[Value],
    ) -> Value {
        let inst = &m.owner;
        let full = TextRange::new(m.text_start.start(), c.range.end());
        let covered = inst.root.covers(&m.path, true);
        let cacheable = CACHEABLE_METHODS.contains(&method);
        let querying = QUERYING_METHODS.contains(&method);
        // `.all()` feeding `.update()`/`.delete()` writes; it reads no rows.
        let feeds_write = self.writing && method == "all";
        if ((cacheable && !covered) || querying) && !feeds_write {
            self.record(
                inst,
                full,
                AccessKind::Manager { method: method.to_string(), cacheable },
                &m.relation,
                m.kind,
                m.target,
                &m.path,
                true,
                false,
                covered,
            );
        }
        let Some(target) = m.target else { return Value::Unknown };
        // Django caches the owner on each row it loads through a reverse foreign key manager, also
        // after `.filter()` and `.select_related()`.
        let parent = m.reverse_field.clone().map(|field| Rc::new((field, inst.clone())));
        if cacheable && (covered || inst.per_iter.is_some()) {
            // Rows served from the owner's prefetch (or to be): paths stay relative to the owner's
            // queryset, where the fix for what they need belongs.
            let qs = Qs {
                model: target,
                root: inst.root.clone(),
                path: m.path.clone(),
                has_many: true,
                values: false,
                per_iter: inst.per_iter.clone(),
                parent,
            };
            return if method == "all" { Value::QuerySet(qs) } else { Value::Unknown };
        }
        // A query of its own (`order.lines.filter(...)`, or one object's `order.lines.all()`), which is
        // where a fix for what its rows need belongs. Rows of one object's plain `.all()` may come
        // from a prefetch the caller made, which only the owner's origin can tell.
        let root = Rc::new(Root {
            model: target,
            select: BTreeSet::new(),
            select_all: false,
            prefetch: BTreeSet::new(),
            origin: self.origin(full, None),
            confidence: inst.root.confidence,
            certain: inst.root.certain || !cacheable,
            shape: Shape { via_related: true, filtered: true, ..Shape::default() },
        });
        let qs = Qs {
            model: target,
            root,
            path: String::new(),
            has_many: false,
            values: false,
            per_iter: self.loops.last().cloned(),
            parent,
        };
        self.queryset_method(qs, method, c, a, args)
    }

    fn function_call(&mut self, name: &str, c: &ast::ExprCall, args: Vec<Value>) -> Value {
        if self.env.contains_key(name) {
            return Value::Unknown;
        }
        match name {
            "list" | "tuple" | "sorted" | "reversed" | "set" => match args.into_iter().next() {
                Some(v @ Value::QuerySet(_)) => {
                    self.materialized(&v, c.range, Materialize::List);
                    // The rows are in a Python list now: counting or testing it is free.
                    match v {
                        Value::QuerySet(q) => {
                            let mut root = q.root.derive(None);
                            root.shape.evaluated = true;
                            Value::QuerySet(Qs { root: Rc::new(root), ..q })
                        }
                        v => v,
                    }
                }
                _ => Value::Unknown,
            },
            "len" | "bool" => {
                if let (Some(Value::QuerySet(q)), Some(arg)) = (args.first(), c.args.first()) {
                    let kind = if name == "len" { SizeKind::Len } else { SizeKind::Truthiness };
                    self.size_check(kind, q, arg, c.range);
                    if name == "len" {
                        self.materialized(&Value::QuerySet(q.clone()), c.range, Materialize::Len);
                    }
                }
                Value::Unknown
            }
            "enumerate" => match args.into_iter().next() {
                Some(v @ Value::QuerySet(_)) => Value::Enumerate(Box::new(v)),
                _ => Value::Unknown,
            },
            "get_object_or_404" => match args.into_iter().next() {
                Some(Value::ModelClass(m)) => match self.new_root(m, c.range, Confidence::High) {
                    Value::QuerySet(q) => self.instance_from(&q, None),
                    _ => Value::Unknown,
                },
                Some(Value::QuerySet(q)) => self.instance_from(&q, None),
                _ => Value::Unknown,
            },
            "get_list_or_404" => match args.into_iter().next() {
                Some(Value::ModelClass(m)) => self.new_root(m, c.range, Confidence::High),
                Some(v @ Value::QuerySet(_)) => v,
                _ => Value::Unknown,
            },
            "Prefetch" => {
                let Some(lookup) =
                    c.args.first().and_then(str_value).or_else(|| keyword(c, "lookup").and_then(str_value))
                else {
                    return Value::Unknown;
                };
                let to_attr = keyword(c, "to_attr").and_then(str_value).map(str::to_string);
                let inner_qs = match c.args.get(1) {
                    Some(_) => args.get(1).cloned(),
                    None => keyword(c, "queryset").map(|e| self.eval(e)),
                };
                let inner = match inner_qs {
                    Some(Value::QuerySet(q)) => q.root.select.iter().chain(&q.root.prefetch).cloned().collect(),
                    _ => Vec::new(),
                };
                Value::Prefetch(PrefetchSpec { lookup: lookup.to_string(), to_attr, inner })
            }
            // `django.apps.apps.get_model` imported bare, and django-oscar's `get_model(app, name)` loader.
            "get_model" => self.get_model(c).unwrap_or_default(),
            "prefetch_related_objects" => {
                if let Some(Expr::Name(n)) = c.args.first() {
                    if let Some(Value::QuerySet(q)) = self.env.get(n.id.as_str()).cloned() {
                        let mut root = q.root.derive(None);
                        add_prefetches(&mut root.prefetch, &c.args[1..], &args[1..]);
                        self.env.insert(n.id.to_string(), Value::QuerySet(Qs { root: Rc::new(root), ..q }));
                    }
                }
                Value::Unknown
            }
            _ => self.helper_return(name),
        }
    }

    /// The queryset a project function returns, evaluated in its own scope (memoised).
    fn helper_return(&mut self, name: &str) -> Value {
        if self.call_depth >= MAX_CALL_DEPTH {
            return Value::Unknown;
        }
        let view = self.shared.view;
        let Some(candidates) = view.functions.get(name) else { return Value::Unknown };
        let chosen = candidates.iter().find(|(f, _)| *f == self.file).or(if candidates.len() == 1 {
            candidates.first()
        } else {
            None
        });
        let Some(&(file, def)) = chosen else { return Value::Unknown };
        let key = (file, def.range.start().to_u32());
        if let Some(v) = self.shared.cache.borrow().get(&key) {
            return self.localise(v.clone());
        }
        let aliases = import_aliases(view.files[file].parsed.body());
        let mut sink = Sink::default();
        let value = {
            let mut inner = Interp::new(self.shared, file, &aliases, &mut sink, self.call_depth + 1);
            inner.function(&def.body, &def.args);
            single_value(inner.returns).unwrap_or_default()
        };
        let value = match value {
            // A returned instance is only per-iteration where the caller calls it in a loop.
            Value::Instance(mut i) => {
                i.per_iter = None;
                Value::Instance(i)
            }
            Value::QuerySet(mut q) => {
                q.per_iter = None;
                Value::QuerySet(q)
            }
            _ => Value::Unknown,
        };
        self.shared.cache.borrow_mut().insert(key, value.clone());
        self.localise(value)
    }

    /// A value returned by a helper, as seen at the call site (inside the caller's loops).
    fn localise(&self, v: Value) -> Value {
        match v {
            Value::Instance(mut i) => {
                i.per_iter = self.loops.last().cloned();
                Value::Instance(i)
            }
            Value::QuerySet(mut q) => {
                q.per_iter = self.loops.last().cloned();
                Value::QuerySet(q)
            }
            v => v,
        }
    }

    fn comprehension(&mut self, whole: &Expr, elts: &[&Expr], generators: &[ast::Comprehension]) -> Value {
        let saved = self.env.clone();
        let mut pushed = 0;
        let short_circuit = self.short_circuit == Some(whole.range());
        for g in generators {
            let iterable = self.eval(&g.iter);
            // `any(... for row in rows)` usually stops early: do not count it as a loop over rows.
            let iterable = if short_circuit { Value::Unknown } else { iterable };
            let info = self.loop_info(
                whole.range().start(),
                g.iter.range().end(),
                &g.iter,
                LoopKind::Comprehension,
                Some(&g.target),
                &[],
                &iterable,
            );
            self.materialized(&iterable, g.iter.range(), Materialize::Loop);
            self.loops.push(info.clone());
            self.loop_conds.push(self.cond_depth);
            pushed += 1;
            let element = element_of(&iterable, &g.target, &info);
            self.bind_loop_target(&g.target, element);
            for cond in &g.ifs {
                self.eval(cond);
            }
        }
        for e in elts {
            self.eval(e);
        }
        for _ in 0..pushed {
            self.loops.pop();
            self.loop_conds.pop();
        }
        self.env = saved;
        Value::Unknown
    }
}

/// The value each iteration binds when looping over `iterable`.
fn element_of(iterable: &Value, target: &Expr, info: &Arc<LoopInfo>) -> Value {
    match iterable {
        Value::QuerySet(q) if !q.values => Value::Instance(Inst {
            model: q.model,
            root: q.root.clone(),
            path: q.path.clone(),
            has_many: q.has_many,
            per_iter: Some(info.clone()),
            var: match target {
                Expr::Name(n) => n.id.to_string(),
                _ => String::new(),
            },
            parent: q.parent.clone(),
        }),
        Value::Enumerate(inner) => match element_of(inner, target, info) {
            Value::Unknown => Value::Unknown,
            v => Value::Enumerate(Box::new(v)),
        },
        _ => Value::Unknown,
    }
}

/// Stands for lookups that could not be read (`prefetch_related(*lookups)`): they may cover any
/// relation, and a missed finding is better than a false one.
const UNKNOWN_LOOKUPS: &str = "*";

fn add_prefetches(set: &mut BTreeSet<String>, exprs: &[Expr], values: &[Value]) {
    for (e, v) in exprs.iter().zip(values) {
        if matches!(e, Expr::Starred(_)) || (str_value(e).is_none() && !matches!(v, Value::Prefetch(_))) {
            set.insert(UNKNOWN_LOOKUPS.to_string());
        } else if let Some(s) = str_value(e) {
            set.insert(s.to_string());
        } else if let Value::Prefetch(p) = v {
            if p.to_attr.is_none() {
                set.insert(p.lookup.clone());
                for inner in &p.inner {
                    set.insert(format!("{}__{}", p.lookup, inner));
                }
            }
        }
    }
}

fn is_int(e: &Expr) -> bool {
    matches!(e, Expr::Constant(ast::ExprConstant { value: Constant::Int(_), .. }))
        || matches!(e, Expr::UnaryOp(u) if matches!(*u.operand, Expr::Constant(ast::ExprConstant { value: Constant::Int(_), .. })))
}

fn single_value(values: Vec<Value>) -> Option<Value> {
    let mut it = values.into_iter().filter(|v| !matches!(v, Value::Unknown));
    let first = it.next()?;
    it.all(|v| v.same(&first)).then_some(first)
}

/// After an `if`, a name bound to querysets of one model in both branches keeps the union of their
/// optimisations (so either branch's `select_related` counts: we prefer a missed finding to a false one).
fn merge_envs(a: FastMap<String, Value>, mut b: FastMap<String, Value>) -> FastMap<String, Value> {
    let mut out = FastMap::with_capacity_and_hasher(a.len().max(b.len()), Default::default());
    for (k, va) in a {
        let merged = match b.remove(&k) {
            None => va,
            Some(vb) if va.same(&vb) => va,
            Some(Value::QuerySet(qb)) => match va {
                Value::QuerySet(qa) if qa.model == qb.model && qa.path == qb.path => {
                    let mut root = qa.root.derive(None);
                    root.select.extend(qb.root.select.iter().cloned());
                    root.prefetch.extend(qb.root.prefetch.iter().cloned());
                    root.select_all |= qb.root.select_all;
                    Value::QuerySet(Qs { root: Rc::new(root), values: qa.values || qb.values, ..qa })
                }
                _ => Value::Unknown,
            },
            Some(_) => Value::Unknown,
        };
        out.insert(k, merged);
    }
    out.extend(b);
    out
}

/// `from .models import Book as B` → `B` → `Book`.
fn import_aliases(body: &[Stmt]) -> FastMap<String, String> {
    let mut out = FastMap::default();
    for s in body {
        if let Stmt::ImportFrom(i) = s {
            for a in &i.names {
                if let Some(asname) = &a.asname {
                    out.insert(asname.to_string(), a.name.to_string());
                }
            }
        }
    }
    out
}

/// Whether `text` contains `word` as a whole identifier.
fn contains_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !before.is_some_and(|c| c == '.') && !after.is_some_and(is_ident)
    })
}

/// `if key not in memo:`, `if key in memo:`, `if not key in memo:`.
fn is_membership_test(test: &Expr) -> bool {
    match test {
        Expr::Compare(c) => c.ops.iter().any(|op| matches!(op, ast::CmpOp::In | ast::CmpOp::NotIn)),
        Expr::UnaryOp(u) => is_membership_test(&u.operand),
        Expr::BoolOp(b) => b.values.iter().any(is_membership_test),
        _ => false,
    }
}

/// Literals, ALL_CAPS constants, `settings.X`, `range(<literal>)` and their `.items()`/`.keys()`.
fn bounded_iterable(e: &Expr) -> bool {
    let constant = |n: &str| n.len() > 1 && n.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    match e {
        Expr::List(_) | Expr::Tuple(_) | Expr::Set(_) | Expr::Dict(_) | Expr::Constant(_) => true,
        Expr::Name(n) => constant(n.id.as_str()),
        Expr::Attribute(a) => constant(a.attr.as_str()),
        Expr::Call(c) => match c.func.as_ref() {
            Expr::Attribute(a) if matches!(a.attr.as_str(), "items" | "keys" | "values") => bounded_iterable(&a.value),
            Expr::Name(n) if matches!(n.id.as_str(), "range" | "enumerate" | "sorted" | "reversed") => {
                c.args.first().is_some_and(|a| matches!(a, Expr::Constant(_)) || bounded_iterable(a))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Names a block assigns (not inside nested functions), added to `out`.
fn assigned_names(body: &[Stmt], out: &mut Vec<String>) {
    use crate::python::names::target_names;
    let mut stack: Vec<&[Stmt]> = vec![body];
    while let Some(block) = stack.pop() {
        for s in block {
            match s {
                Stmt::Assign(a) => a.targets.iter().for_each(|t| target_names(t, out)),
                Stmt::AugAssign(a) => target_names(&a.target, out),
                Stmt::AnnAssign(a) => target_names(&a.target, out),
                Stmt::For(f) => {
                    target_names(&f.target, out);
                    stack.push(&f.body);
                }
                Stmt::If(i) => {
                    stack.push(&i.body);
                    stack.push(&i.orelse);
                }
                Stmt::While(w) => stack.push(&w.body),
                Stmt::With(w) => {
                    for item in &w.items {
                        if let Some(v) = &item.optional_vars {
                            target_names(v, out);
                        }
                    }
                    stack.push(&w.body);
                }
                Stmt::Try(t) => {
                    stack.push(&t.body);
                    stack.push(&t.orelse);
                    stack.push(&t.finalbody);
                }
                _ => {}
            }
        }
    }
}

/// The context entries the template flow can follow.
fn context_vars(items: &[(String, Value)]) -> Vec<(String, ContextValue)> {
    items
        .iter()
        .filter_map(|(k, v)| match v {
            Value::QuerySet(q) if q.path.is_empty() && !q.values && q.root.certain => {
                Some((k.clone(), ContextValue::Rows(QuerysetSnapshot::of(&q.root))))
            }
            Value::Instance(i) if i.path.is_empty() && i.root.certain && i.per_iter.is_none() => {
                Some((k.clone(), ContextValue::Object(QuerysetSnapshot::of(&i.root))))
            }
            _ => None,
        })
        .collect()
}

/// Whether a loop over this value runs once per database row.
fn holds_rows(v: &Value) -> bool {
    match v {
        Value::QuerySet(_) => true,
        Value::Enumerate(inner) => holds_rows(inner),
        _ => false,
    }
}

/// `request.POST.getlist("ids")`, `request.data["items"]`, `request.GET`: sized by the client.
fn is_request_data(e: &Expr) -> bool {
    let mut cur = e;
    loop {
        match cur {
            Expr::Call(c) => match c.func.as_ref() {
                Expr::Attribute(a) => cur = &a.value,
                _ => return false,
            },
            Expr::Subscript(s) => cur = &s.value,
            Expr::Attribute(a) => {
                if matches!(a.attr.as_str(), "POST" | "GET" | "data" | "FILES" | "query_params")
                    && crate::python::names::last_segment(&a.value) == Some("request")
                {
                    return true;
                }
                cur = &a.value;
            }
            _ => return false,
        }
    }
}
