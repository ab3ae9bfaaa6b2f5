use super::{fix, judged, value, Reporter};
use crate::analysis::{Emitter, ProjectContext};
use crate::facts::deploy::{over, Tri};
use crate::facts::settings::SValue;
use rustpython_parser::ast::Stmt;

crate::declare_rule! {
    /// ## What it does
    /// Reports static files collected for production (`STATIC_ROOT` set) with a storage that does
    /// not hash file names: `STORAGES["staticfiles"]` or `STATICFILES_STORAGE` naming a storage
    /// without a manifest (such as `StaticFilesStorage`), or neither set, which leaves Django's
    /// `StaticFilesStorage`.
    ///
    /// ## Why it matters at scale
    /// Without content hashes in file names (`app.3f2a9c.css`) a deploy cannot let browsers and the
    /// CDN cache static files for long: either every page load revalidates every asset, or users run
    /// the new HTML against last week's cached JavaScript after each release. A manifest storage
    /// also fails the deploy when a template references a file that does not exist, instead of
    /// serving a broken page.
    ///
    /// ## Example
    /// ```python settings
    /// STATIC_URL = "/static/"
    /// STATIC_ROOT = "/srv/app/static"
    /// ```
    ///
    /// ## Use instead
    /// ```python settings
    /// STATIC_URL = "/static/"
    /// STATIC_ROOT = "/srv/app/static"
    /// STORAGES = {
    ///     "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    ///     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    /// }
    /// ```
    /// WhiteNoise's `CompressedManifestStaticFilesStorage` and django-storages'
    /// `S3ManifestStaticStorage` hash names too.
    ///
    /// ## Precision
    /// A storage class defined in the project counts as hashing when it, or a class it derives from
    /// in the input, names a manifest or hashed-files class; a class from a package not in the input
    /// is judged by its name (one containing `Manifest` or `Hashed`), and a storage whose hashing
    /// cannot be told is not reported.
    /// On the corpus of `docs/rule-precision.md` (eight open-source projects, 1.1 M lines): 1
    /// finding (Weblate, whose example nginx configuration caches `/static/` for 30 days), true.
    pub STATIC_WITHOUT_MANIFEST {
        code: "CFG109", name: "static-without-manifest", category: Storage,
        severity: Low, confidence: Medium, playbook: "static-and-media",
    }
}

/// Whether a storage path hashes file names: `Some(true)`, `Some(false)`, or `None` (unknown).
fn hashes(ctx: &ProjectContext<'_, '_>, backend: &str) -> Option<bool> {
    let hashing = |name: &str| name.contains("Manifest") || name.contains("Hashed") || name.contains("Cached");
    let class = backend.rsplit('.').next().unwrap_or(backend);
    if hashing(class) {
        return Some(true);
    }
    // Django's and well-known packages' storages that keep file names as they are.
    if backend.starts_with("django.")
        || matches!(
            class,
            "CompressedStaticFilesStorage"
                | "S3Boto3Storage"
                | "S3Storage"
                | "S3StaticStorage"
                | "GoogleCloudStorage"
                | "AzureStorage"
        )
    {
        return Some(false);
    }
    // A project class: look at its bases, through other project classes.
    let mut wanted = vec![class.to_string()];
    let mut seen = Vec::new();
    while let Some(name) = wanted.pop() {
        if seen.contains(&name) || seen.len() > 16 {
            continue;
        }
        seen.push(name.clone());
        for f in ctx.view.files {
            for s in f.parsed.body() {
                let Stmt::ClassDef(c) = s else { continue };
                if c.name.as_str() != name {
                    continue;
                }
                for b in &c.bases {
                    let base = crate::python::names::last_segment(b).unwrap_or("").to_string();
                    if hashing(&base) {
                        return Some(true);
                    }
                    wanted.push(base);
                }
            }
        }
    }
    if seen.len() > 1 || ctx.view.files.iter().any(|f| f.text.contains(&format!("class {class}("))) {
        // Found in the project, with no hashing class anywhere in its bases.
        let stock = seen.iter().any(|s| s == "StaticFilesStorage" || s == "FileSystemStorage");
        return if stock { Some(false) } else { None };
    }
    None
}

/// CFG109
pub fn check(ctx: &ProjectContext<'_, '_>, out: &mut Emitter) {
    let mut reporter = Reporter::default();
    for m in judged(ctx) {
        let root = value(m, "STATIC_ROOT");
        if root.truthy() == Some(false) || m.get("STATIC_ROOT").is_none() {
            continue;
        }
        let storages = m.get("STORAGES").map(|s| &s.value);
        let (setting, backend): (&str, SValue) = match storages.and_then(|s| s.get("staticfiles")) {
            Some(sf) => ("STORAGES", sf.get("BACKEND").cloned().unwrap_or(SValue::Unknown("no BACKEND".into()))),
            None if storages.is_some_and(|s| !s.is_literal()) => continue,
            None => match m.get("STATICFILES_STORAGE") {
                Some(s) => ("STATICFILES_STORAGE", s.value.clone()),
                None if m.overridable_by("STATICFILES_STORAGE").is_some() || m.overridable_by("STORAGES").is_some() => {
                    continue
                }
                None => ("STATIC_ROOT", SValue::Str("django.contrib.staticfiles.storage.StaticFilesStorage".into())),
            },
        };
        let t = over(&backend, &|b| match b.as_str().map(|s| hashes(ctx, s)) {
            Some(Some(h)) => Tri::from(!h),
            _ => Tri::Maybe,
        });
        let shown = if setting == "STATIC_ROOT" {
            "Django's default `StaticFilesStorage` (neither `STORAGES[\"staticfiles\"]` nor `STATICFILES_STORAGE` is set)".to_string()
        } else {
            format!("{} (`{setting}`)", backend.display())
        };
        reporter.report(
            out,
            &STATIC_WITHOUT_MANIFEST,
            m,
            setting,
            t,
            format!("static files are collected to `STATIC_ROOT` with {shown}, which does not hash file names: browsers and CDNs cannot cache them for long without serving stale assets after a deploy"),
            fix(
                "Collect static files with a manifest storage.",
                "",
                "STORAGES = {\n    \"default\": {\"BACKEND\": \"django.core.files.storage.FileSystemStorage\"},\n    \"staticfiles\": {\"BACKEND\": \"django.contrib.staticfiles.storage.ManifestStaticFilesStorage\"},\n}",
            ),
        );
    }
}
