//! The documentation the web app loads on demand instead of carrying in its wasm: every rule's docs
//! and every playbook section, as one JSON object. `static/docs.json` holds it; the test below
//! keeps that file equal to what the engine would embed (`DJREVIEW_WRITE_DOCS=1 cargo test -p
//! djreview-engine docs` rewrites it).

/// `{"rules": {CODE: markdown}, "playbook": {slug: markdown}}`, keys sorted.
#[cfg(feature = "embedded-docs")]
pub fn bundle_json() -> String {
    let rules: serde_json::Map<String, serde_json::Value> = crate::registry::RULES
        .iter()
        .map(|r| (r.meta.code.to_string(), serde_json::Value::String(r.meta.docs_markdown())))
        .collect();
    let playbook: serde_json::Map<String, serde_json::Value> = crate::playbook::SECTIONS
        .iter()
        .map(|s| (s.slug.to_string(), serde_json::Value::String(s.markdown.to_string())))
        .collect();
    let mut out = serde_json::json!({ "rules": rules, "playbook": playbook }).to_string();
    out.push('\n');
    out
}

/// The docs loaded from `docs.json`: a rule's Markdown by code, a section's by slug.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DocsBundle {
    pub rules: std::collections::BTreeMap<String, String>,
    pub playbook: std::collections::BTreeMap<String, String>,
}

impl DocsBundle {
    /// Reads the bundle; anything malformed is an error, never a panic.
    pub fn from_json(text: &str) -> Result<DocsBundle, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("docs.json: {e}"))?;
        let table = |key: &str| -> Result<std::collections::BTreeMap<String, String>, String> {
            let map =
                value.get(key).and_then(|v| v.as_object()).ok_or_else(|| format!("docs.json has no `{key}` table"))?;
            Ok(map.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        };
        Ok(DocsBundle { rules: table("rules")?, playbook: table("playbook")? })
    }

    pub fn rule(&self, code: &str) -> Option<&str> {
        self.rules.get(code).map(String::as_str)
    }

    pub fn section(&self, slug: &str) -> Option<&str> {
        self.playbook.get(slug).map(String::as_str)
    }
}

#[cfg(all(test, feature = "embedded-docs"))]
mod tests {
    use super::*;

    #[test]
    fn static_docs_json_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static/docs.json");
        let fresh = bundle_json();
        if std::env::var_os("DJREVIEW_WRITE_DOCS").is_some() {
            std::fs::write(&path, &fresh).expect("static/docs.json is writable");
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            stored == fresh,
            "static/docs.json is stale: run `DJREVIEW_WRITE_DOCS=1 cargo test -p djreview-engine docs` and commit it"
        );
        let bundle = DocsBundle::from_json(&stored).expect("reads back");
        assert_eq!(bundle.rules.len(), crate::registry::RULES.len());
        assert!(bundle.rule("QRY101").is_some_and(|d| d.contains("## What it does")));
        assert!(DocsBundle::from_json("{\"rules\": 3}").is_err());
        assert!(DocsBundle::from_json("not json").is_err());
    }
}
