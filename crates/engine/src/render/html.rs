//! Markdown to HTML for rule docs and the playbook. Raw HTML in the Markdown is never passed through:
//! it is shown as text, so nothing a document or a user writes can inject markup.

use pulldown_cmark::{html, CowStr, Event, Options, Parser};

pub fn markdown_to_html(markdown: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(markdown, opts).map(|event| match event {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        Event::Start(pulldown_cmark::Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(pulldown_cmark::Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
        }
        Event::Start(pulldown_cmark::Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(pulldown_cmark::Tag::Image { link_type, dest_url: safe_url(dest_url), title, id })
        }
        e => e,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}

/// Links may point inside the app (`#…`) or to http(s); anything else (`javascript:`) is dropped.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with('#') || lower.starts_with("https://") || lower.starts_with("http://") || !lower.contains(':') {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_shown_as_text() {
        let out = markdown_to_html("Hello <script>alert(1)</script>\n\n<div onclick=\"x\">hi</div>\n");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<div"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn javascript_links_are_neutralised() {
        let out = markdown_to_html("[x](javascript:alert(1)) [y](#n-plus-one) [z](https://docs.djangoproject.com/)");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(out.contains("href=\"#n-plus-one\""));
        assert!(out.contains("https://docs.djangoproject.com/"));
    }

    #[test]
    fn code_blocks_are_escaped() {
        let out = markdown_to_html("```python\nx = '<b>'\n```\n");
        assert!(out.contains("&lt;b&gt;"), "{out}");
    }
}
