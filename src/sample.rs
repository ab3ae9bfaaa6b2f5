//! The sample project shown on a first visit: a small blog app with N+1 queries to find, and its
//! production settings for the settings audit.

pub fn files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("blog/models.py", include_str!("../static/sample/blog/models.py")),
        ("blog/views.py", include_str!("../static/sample/blog/views.py")),
        ("blog/templates/blog/front_page.html", include_str!("../static/sample/blog/templates/blog/front_page.html")),
        ("blog/templates/blog/archive.html", include_str!("../static/sample/blog/templates/blog/archive.html")),
        ("mysite/settings.py", include_str!("../static/sample/mysite/settings.py")),
    ]
}
