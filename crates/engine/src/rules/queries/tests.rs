//! Inline cases for the N+1 family: each positive names what must fire, each near miss must stay
//! silent. `assert_fires` and `assert_silent` point at each other so a silent pass is impossible.

use crate::{analyze, Options, Project, SourceFile};

const MODELS: &str = r#"
from django.db import models

class Publisher(models.Model):
    name = models.CharField(max_length=100)

class Author(models.Model):
    name = models.CharField(max_length=100)
    publisher = models.ForeignKey(Publisher, null=True, on_delete=models.SET_NULL)

class Profile(models.Model):
    author = models.OneToOneField(Author, on_delete=models.CASCADE)
    bio = models.TextField()

class Tag(models.Model):
    label = models.SlugField()

class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    tags = models.ManyToManyField(Tag)
    published = models.BooleanField(default=False)

class Review(models.Model):
    book = models.ForeignKey("library.Book", on_delete=models.CASCADE)
    reviewer = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="reviews")
    stars = models.IntegerField()
"#;

fn run(views: &str) -> Vec<(String, u32, String)> {
    let project =
        Project::new(vec![SourceFile::new("library/models.py", MODELS), SourceFile::new("library/views.py", views)]);
    let report = analyze(&project, &Options::default());
    report
        .findings
        .into_iter()
        .filter(|f| f.path == "library/views.py" && matches!(f.code.as_str(), "QRY101" | "QRY102" | "QRY103"))
        .map(|f| (f.code, f.line, f.message))
        .collect()
}

/// Asserts exactly these (code, line) findings. For "no findings" use [`assert_silent`].
#[track_caller]
fn assert_fires(views: &str, expected: &[(&str, u32)]) {
    assert!(!expected.is_empty(), "use assert_silent for code that must not fire");
    let got = run(views);
    let pairs: Vec<(&str, u32)> = got.iter().map(|(c, l, _)| (c.as_str(), *l)).collect();
    assert_eq!(pairs, expected, "findings: {got:#?}");
}

/// Asserts no N+1 finding. For code that must fire use [`assert_fires`].
#[track_caller]
fn assert_silent(views: &str) {
    let got = run(views);
    assert!(got.is_empty(), "expected no findings, got {got:#?}");
}

#[test]
fn fk_in_for_loop() {
    assert_fires(
        r#"
def view(request):
    for book in Book.objects.all():
        print(book.author.name)
"#,
        &[("QRY101", 4)],
    );
}

#[test]
fn fk_through_variable_and_comprehension() {
    assert_fires(
        r#"
def view(request):
    books = Book.objects.filter(published=True).order_by("title")
    names = [b.author.name for b in books]
    return {b.title: b.author.publisher for b in books}
"#,
        &[("QRY101", 4), ("QRY101", 5), ("QRY101", 5)],
    );
}

#[test]
fn select_related_earlier_in_the_function_counts() {
    assert_silent(
        r#"
def view(request):
    books = Book.objects.filter(published=True)
    books = books.select_related("author__publisher")
    for b in books:
        print(b.author.name, b.author.publisher.name)
"#,
    );
}

#[test]
fn select_related_in_one_branch_counts() {
    assert_silent(
        r#"
def view(request, detailed):
    books = Book.objects.all()
    if detailed:
        books = books.select_related("author")
    for b in books:
        print(b.author)
"#,
    );
}

#[test]
fn partial_select_related_reports_the_missing_level() {
    let got = run(r#"
def view(request):
    for b in Book.objects.select_related("author"):
        print(b.author.name, b.author.publisher.name)
"#);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].2.contains("author__publisher"), "{}", got[0].2);
}

#[test]
fn prefetch_related_and_prefetch_objects_count() {
    assert_silent(
        r#"
from django.db.models import Prefetch, prefetch_related_objects

def view(request):
    for a in Author.objects.prefetch_related("books", Prefetch("reviews", queryset=Review.objects.select_related("book"))):
        print(a.books.count(), [r.book.title for r in a.reviews.all()])
    books = list(Book.objects.all())
    prefetch_related_objects(books, "author")
    for b in books:
        print(b.author)
"#,
    );
}

#[test]
fn reverse_fk_and_m2m_managers() {
    assert_fires(
        r#"
def view(request):
    for author in Author.objects.all():
        n = author.books.count()
        reviews = author.reviews.all()
    for book in Book.objects.filter(published=True):
        labels = [t.label for t in book.tags.all()]
        has = book.review_set.exists()
"#,
        &[("QRY102", 4), ("QRY102", 5), ("QRY102", 7), ("QRY102", 8)],
    );
}

#[test]
fn reverse_one_to_one_is_a_single_object() {
    assert_fires(
        r#"
def view(request):
    return [a.profile.bio for a in Author.objects.all()]
"#,
        &[("QRY101", 3)],
    );
}

#[test]
fn nested_loop_needs_the_nested_prefetch_path() {
    let got = run(r#"
def view(request):
    for author in Author.objects.prefetch_related("books"):
        for book in author.books.all():
            print(book.tags.all())
"#);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].0, "QRY102");
    let project = Project::new(vec![
        SourceFile::new("library/models.py", MODELS),
        SourceFile::new("library/views.py", "def view(request):\n    for author in Author.objects.prefetch_related(\"books\"):\n        for book in author.books.all():\n            print(book.tags.all())\n"),
    ]);
    let report = analyze(&project, &Options::default());
    let fix = report.findings.iter().find(|f| f.code == "QRY102").and_then(|f| f.fix.as_ref()).expect("fix");
    assert_eq!(fix.after, "Author.objects.prefetch_related(\"books\").prefetch_related(\"books__tags\")");
}

#[test]
fn filter_on_a_related_manager_always_queries() {
    assert_fires(
        r#"
def view(request):
    for author in Author.objects.prefetch_related("books"):
        recent = author.books.filter(published=True)
        first = author.books.first()
        total = author.books.count()
"#,
        &[("QRY103", 4), ("QRY103", 5)],
    );
}

#[test]
fn loops_over_non_querysets_are_ignored() {
    assert_silent(
        r#"
from django.apps import apps

def view(request, books):
    for i in range(10):
        print(i.author)
    for model in apps.get_models():
        print(model._meta.label)
    for b in books:
        print(b.author.name)
    for b in [1, 2, 3]:
        print(b.author)
    for row in Book.objects.values("title", "author__name"):
        print(row["author__name"])
    for title, author_name in Book.objects.values_list("title", "author__name"):
        print(author_name)
"#,
    );
}

#[test]
fn scalar_fields_ids_and_unknown_attributes_are_ignored() {
    assert_silent(
        r#"
def view(request):
    for b in Book.objects.all():
        print(b.title, b.author_id, b.pk, b.get_absolute_url(), b.published)
        b.author = None
"#,
    );
}

#[test]
fn fk_id_suggests_the_column() {
    let project = Project::new(vec![
        SourceFile::new("library/models.py", MODELS),
        SourceFile::new(
            "library/views.py",
            "def view(request):\n    return [b.author.id for b in Book.objects.all()]\n",
        ),
    ]);
    let report = analyze(&project, &Options::default());
    let f = report.findings.iter().find(|f| f.code == "QRY101").expect("QRY101");
    assert_eq!(f.fix.as_ref().expect("fix").after, "b.author_id");
}

#[test]
fn one_finding_per_relation_per_loop() {
    assert_fires(
        r#"
def view(request):
    for b in Book.objects.all():
        print(b.author.name)
        print(b.author.publisher_id)
"#,
        &[("QRY101", 4)],
    );
}

#[test]
fn single_objects_outside_loops_are_fine() {
    assert_silent(
        r#"
from django.shortcuts import get_object_or_404

def detail(request, pk):
    book = get_object_or_404(Book, pk=pk)
    author = book.author
    reviews = book.review_set.all()
    first = Book.objects.get(pk=pk)
    return first.author.name
"#,
    );
}

#[test]
fn object_fetched_per_iteration_is_reported_with_its_own_fix() {
    let project = Project::new(vec![
        SourceFile::new("library/models.py", MODELS),
        SourceFile::new("library/views.py", "def view(request):\n    for pk in request.POST.getlist(\"id\"):\n        book = Book.objects.filter(published=True).get(pk=pk)\n        print(book.author.name)\n"),
    ]);
    let report = analyze(&project, &Options::default());
    let f = report.findings.iter().find(|f| f.code == "QRY101").expect("QRY101");
    assert_eq!(f.line, 4);
    let fix = f.fix.as_ref().expect("fix");
    assert_eq!(fix.after, "Book.objects.filter(published=True).select_related(\"author\").get(pk=pk)");
}

#[test]
fn objects_fetched_in_loops_over_parameters_or_created_with_the_relation_are_silent() {
    assert_silent(
        r#"
def view(request, ids):
    for pk in ids:
        book = Book.objects.filter(published=True).get(pk=pk)
        print(book.author.name)

def import_rows(request, author):
    for row in Book.objects.filter(published=True):
        copy = Book.objects.create(title=row.title, author=author)
        print(copy.author.name)

def any_banned(request):
    return any(b.author.banned for b in Book.objects.all())

def last_one(request):
    newest = None
    for book in Book.objects.filter(published=True):
        newest = book
    return newest.author.name
"#,
    );
}

#[test]
fn helper_functions_and_class_based_views_are_followed() {
    assert_fires(
        r#"
from django.views.generic import ListView

def published_books():
    return Book.objects.filter(published=True)

def report(request):
    for b in published_books():
        print(b.author)

class BookList(ListView):
    queryset = Book.objects.all()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["names"] = [b.author.name for b in self.get_queryset()]
        return ctx
"#,
        &[("QRY101", 9), ("QRY101", 16)],
    );
}

#[test]
fn migrations_resolve_models_through_apps_get_model() {
    let migration = r#"
from django.db import migrations

def forwards(apps, schema_editor):
    Book = apps.get_model("library", "Book")
    for book in Book.objects.all():
        book.title = book.author.name
        book.save()

class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
"#;
    let project = Project::new(vec![
        SourceFile::new("library/models.py", MODELS),
        SourceFile::new("library/migrations/0002_titles.py", migration),
    ]);
    let report = analyze(&project, &Options::default());
    let codes: Vec<(&str, u32)> =
        report.findings.iter().filter(|f| f.code == "QRY101").map(|f| (f.code.as_str(), f.line)).collect();
    assert_eq!(codes, [("QRY101", 7)]);
}

#[test]
fn import_aliases_resolve_models() {
    assert_fires(
        r#"
from library.models import Book as B

def view(request):
    for b in B.objects.all():
        print(b.author)
"#,
        &[("QRY101", 6)],
    );
}

#[test]
fn enumerate_and_slices_keep_the_queryset() {
    assert_fires(
        r#"
def view(request):
    for i, b in enumerate(Book.objects.all()[:20]):
        print(i, b.author)
"#,
        &[("QRY101", 4)],
    );
}

#[test]
fn indented_snippet_pasted_from_a_class_is_analysed() {
    let snippet =
        "    def get(self, request):\n        for b in Book.objects.all():\n            print(b.author.name)\n";
    let project = Project::new(vec![SourceFile::new("library/models.py", MODELS), SourceFile::new("", snippet)]);
    let report = analyze(&project, &Options::default());
    let f = report.findings.iter().find(|f| f.code == "QRY101").expect("finding in the snippet");
    assert_eq!((f.path.as_str(), f.line, f.column), ("<input 2>", 3, 19));
}

#[test]
fn suppression_comment_moves_the_finding_to_suppressed() {
    let project = Project::new(vec![
        SourceFile::new("library/models.py", MODELS),
        SourceFile::new(
            "library/views.py",
            "def v(r):\n    for b in Book.objects.all():\n        print(b.author)  # djreview: ignore[QRY101]\n",
        ),
    ]);
    let report = analyze(&project, &Options::default());
    assert!(report.findings.is_empty());
    assert_eq!(report.suppressed.len(), 1);
}

#[test]
fn unknown_models_never_fire() {
    let project = Project::new(vec![SourceFile::new(
        "views.py",
        "def v(r):\n    for b in Book.objects.all():\n        print(b.author.name)\n",
    )]);
    let report = analyze(&project, &Options::default());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn loops_over_one_objects_related_manager_get_their_own_fix() {
    let project = Project::new(vec![
        SourceFile::new("library/models.py", MODELS),
        SourceFile::new(
            "library/views.py",
            "def view(request, pk):\n    author = Author.objects.get(pk=pk)\n    return [r.book.title for r in author.reviews.filter(stars=5)]\n",
        ),
    ]);
    let report = analyze(&project, &Options::default());
    let f = report.findings.iter().find(|f| f.code == "QRY101").expect("QRY101");
    assert_eq!(f.line, 3);
    assert_eq!(f.fix.as_ref().expect("fix").after, "author.reviews.filter(stars=5).select_related(\"book\")");
}

#[test]
fn a_prefetch_on_the_owner_covers_its_related_rows() {
    assert_silent(
        r#"
def view(request, pk):
    author = Author.objects.prefetch_related("books__tags").get(pk=pk)
    for book in author.books.all():
        print([t.label for t in book.tags.all()])
"#,
    );
}

#[test]
fn rows_of_a_reverse_fk_manager_have_their_owner_cached() {
    assert_silent(
        r#"
def view(request):
    for author in Author.objects.prefetch_related("books"):
        for book in author.books.all():
            print(book.author.name)
    a = Author.objects.get(pk=1)
    return [b.author.publisher_id for b in a.books.all()]
"#,
    );
}

#[test]
fn select_related_on_a_related_manager_counts() {
    assert_silent(
        r#"
def view(request, pk):
    author = Author.objects.get(pk=pk)
    for r in author.reviews.select_related("book").all():
        print(r.book.title)
"#,
    );
}

#[test]
fn a_filtered_reverse_fk_queryset_still_knows_its_parent() {
    assert_silent(
        r#"
def view(request, pk):
    author = Author.objects.get(pk=pk)
    books = author.books.filter(published=True).select_related("author")
    return [b.author.name for b in books]
"#,
    );
}

#[test]
fn per_row_query_results_are_their_own_root() {
    // `.filter()` per author is reported once (QRY103); what its rows need is fixed on that query.
    let project = Project::new(vec![
        SourceFile::new("library/models.py", MODELS),
        SourceFile::new(
            "library/views.py",
            "def view(request):\n    for a in Author.objects.all():\n        reviews = a.reviews.filter(stars=5)\n        for r in reviews:\n            print(r.book.title)\n",
        ),
    ]);
    let report = analyze(&project, &Options::default());
    let n1: Vec<&crate::Finding> =
        report.findings.iter().filter(|f| f.code == "QRY101" || f.code == "QRY103").collect();
    let got: Vec<(&str, u32)> = n1.iter().map(|f| (f.code.as_str(), f.line)).collect();
    assert_eq!(got, [("QRY103", 3), ("QRY101", 5)]);
    let fix = n1[1].fix.as_ref().expect("fix");
    assert_eq!(fix.after, "a.reviews.filter(stars=5).select_related(\"book\")");
}

#[test]
fn all_feeding_update_or_delete_is_not_a_read() {
    assert_silent(
        r#"
def forwards(apps, schema_editor):
    for a in Author.objects.all():
        a.books.all().update(published=True)
        a.reviews.all().delete()
"#,
    );
}

#[test]
fn model_methods_are_silent_when_the_caller_may_have_prefetched() {
    let models = format!(
        "{MODELS}\nclass Shelf(models.Model):\n    books = models.ManyToManyField(Book)\n\n    def labels(self):\n        return [b.author.name for b in self.books.all()]\n\n    def published_labels(self):\n        return [b.author.name for b in self.books.filter(published=True)]\n"
    );
    let project = Project::new(vec![SourceFile::new("library/models.py", models)]);
    let report = analyze(&project, &Options::default());
    let got: Vec<(&str, u32)> = report.findings.iter().map(|f| (f.code.as_str(), f.line)).collect();
    // `.all()` may be served from the caller's prefetch; `.filter()` never is.
    assert_eq!(got, [("QRY101", 36)]);
}

#[test]
fn fixes_never_chain_after_iterator() {
    let project = Project::new(vec![
        SourceFile::new("library/models.py", MODELS),
        SourceFile::new("library/views.py", "def job():\n    for b in Book.objects.filter(published=True).iterator(chunk_size=500):\n        print(b.author.name)\n"),
    ]);
    let report = analyze(&project, &Options::default());
    assert_eq!(
        report.findings[0].fix.as_ref().expect("fix").after,
        "Book.objects.filter(published=True).select_related(\"author\")"
    );
}
