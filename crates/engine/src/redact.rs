//! Hides secrets before text leaves the reviewer's hands (share links, exports): `SECRET_KEY` and
//! other secret-named settings, passwords in `DATABASES`/`CACHES`, credentials inside URLs, and
//! values shaped like well-known API keys. What is replaced keeps its quotes, so the code still
//! reads (and analyses) the same.

/// The redacted text and how many values were hidden.
pub fn redact(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    // Brackets still open in a secret-named value that goes on over several lines
    // (`SECRET_KEY_FALLBACKS = [` … `]`): every literal until they close is hidden.
    let mut open_secret = 0i32;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if open_secret > 0 {
            open_secret += bracket_balance(line);
            match replace_quoted(line) {
                Some(l) => {
                    count += 1;
                    out.push_str(&l);
                }
                None => out.push_str(line),
            }
            continue;
        }
        let (l, n) = redact_line(line);
        if let Some((head, value)) = split_assignment(line) {
            if secret_name(assigned_name(head)) && bracket_balance(value) > 0 {
                open_secret = bracket_balance(value);
            }
        }
        count += n;
        out.push_str(&l);
    }
    (out, count)
}

/// Opening minus closing brackets outside string literals.
fn bracket_balance(s: &str) -> i32 {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => break,
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            _ => {}
        }
    }
    depth
}

/// Every string literal's contents replaced, or `None` when the line has none.
fn replace_quoted(line: &str) -> Option<String> {
    if !line.contains(['"', '\'']) {
        return None;
    }
    replace_literals(line).filter(|l| l != line)
}

/// The setting or key name on the left of an assignment.
fn assigned_name(head: &str) -> &str {
    head.trim_end_matches(['=', ':'])
        .trim()
        .trim_matches(['"', '\''])
        .rsplit(['.', '[', ' '])
        .next()
        .unwrap_or("")
        .trim_matches(['"', '\'', ']'])
}

/// A quoted value that looks like a generated key: long, no spaces, paths or dots, and made of
/// mixed-case letters and digits (or a long hex digest).
fn key_shaped(s: &str) -> bool {
    let n = s.chars().count();
    if n < 32 || s.contains(|c: char| c.is_whitespace() || matches!(c, '/' | '.' | '%' | '{' | '<')) {
        return false;
    }
    let distinct: std::collections::BTreeSet<char> = s.chars().collect();
    let has = |f: fn(&char) -> bool| s.chars().any(|c| f(&c));
    let mixed = has(char::is_ascii_uppercase) && has(char::is_ascii_lowercase) && has(char::is_ascii_digit);
    let hex = n >= 40 && s.chars().all(|c| c.is_ascii_hexdigit());
    distinct.len() >= 12 && (mixed || hex)
}

pub const MARK: &str = "<redacted>";

/// Django's prefix for generated throwaway keys: public, and what `security.W009` looks for.
const INSECURE_PREFIX: &str = "django-insecure-";

/// What replaces a secret: `<redacted:N:D>` with its length in characters and its number of
/// distinct characters (counted up to 5), padded with `*` to the secret's own length. The checks
/// that judge a secret by its shape (Django's key-strength test, "a literal password") read the
/// same verdict from the marker ([`measure`]), and positions in the file do not move. A leading
/// `django-insecure-` is kept: it is not secret, and it is the finding.
pub fn marker(secret: &str) -> String {
    let n = secret.chars().count();
    let distinct = secret.chars().collect::<std::collections::BTreeSet<char>>().len().min(5);
    let prefix = if secret.starts_with(INSECURE_PREFIX) { INSECURE_PREFIX } else { "" };
    let flag = if looks_like_placeholder(secret) { ":p" } else { "" };
    let mut m = format!("{prefix}<redacted:{n}:{distinct}{flag}>");
    let short = n.saturating_sub(m.chars().count());
    m.extend(std::iter::repeat('*').take(short));
    m
}

/// The shape of a redacted secret, read back from its [`marker`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measure {
    pub chars: usize,
    /// Distinct characters, counted up to 5.
    pub distinct: usize,
    /// The hidden value looked like a stand-in (`changeme`, `{{ password }}`), not a real secret.
    pub placeholder: bool,
}

pub fn measure(s: &str) -> Option<Measure> {
    let rest = &s[s.find("<redacted:")? + "<redacted:".len()..];
    let (n, rest) = rest.split_once(':')?;
    let (d, _) = rest.split_once('>')?;
    let (d, placeholder) = match d.strip_suffix(":p") {
        Some(d) => (d, true),
        None => (d, false),
    };
    Some(Measure { chars: n.parse().ok()?, distinct: d.parse().ok()?, placeholder })
}

/// A string that only stands in for a real value: empty, a placeholder, a template variable.
pub fn looks_like_placeholder(s: &str) -> bool {
    let t = s.trim().to_ascii_lowercase();
    t.len() < 4
        || t.starts_with('<')
        || t.starts_with('$')
        || t.starts_with('{')
        || t.contains("{{")
        || t.contains("${")
        || t.contains("change")
        || t.contains("replace")
        || t.contains("your")
        || t.contains("example")
        || t.contains("placeholder")
        || t.contains("dummy")
        || t.contains("insecure")
        || t.contains("not-a-secret")
        || t.contains("notsecret")
        || t.contains("fake")
        || t.contains("xxx")
        || t.contains("***")
        || t.contains("...")
        || t.contains("todo")
        || t.contains("secret")
        || t.contains("password")
        || t.contains("test")
        || t.contains("dev")
        || t.contains("local")
        || matches!(
            t.as_str(),
            "postgres"
                | "root"
                | "admin"
                | "guest"
                | "none"
                | "null"
                | "default"
                | "django"
                | "mysql"
                | "redis"
                | "pass"
                | "user"
                | "demo"
        )
}

/// Whether a value was hidden by [`redact`].
pub fn is_redacted(s: &str) -> bool {
    s.contains("<redacted")
}

/// Names whose values are secrets.
pub fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "AUTH_KEY",
        "ACCESS_KEY",
        "DSN",
    ]
    .iter()
    .any(|k| n.contains(k))
        && !n.ends_with("_FILE")
        && !n.contains("VALIDATORS")
}

fn redact_line(line: &str) -> (String, usize) {
    let mut count = 0;
    let mut l = line.to_string();
    // `NAME = "value"`, `"NAME": "value"`, `NAME: value` (YAML/env style).
    if let Some((head, value)) = split_assignment(&l) {
        if secret_name(assigned_name(head)) {
            if let Some(replaced) = replace_literals(value) {
                l = format!("{head}{replaced}");
                count += 1;
            }
        }
    }
    // `"PASSWORD": "value"` entries inside a dict on the line.
    let (l2, n) = redact_dict_entries(&l);
    l = l2;
    count += n;
    // Credentials in URLs: `scheme://user:password@host`.
    let mut search = 0;
    while let Some(rel) = l[search..].find("://") {
        let start = search + rel + 3;
        let rest = &l[start..];
        let end =
            rest.find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '/' | ',' | ')')).unwrap_or(rest.len());
        let authority = &rest[..end];
        if let Some(at) = authority.rfind('@') {
            if let Some(colon) = authority[..at].find(':') {
                let pw_start = start + colon + 1;
                let pw_end = start + at;
                if pw_end > pw_start && !is_redacted(&l[pw_start..pw_end]) {
                    let m = marker(&l[pw_start..pw_end]);
                    l.replace_range(pw_start..pw_end, &m);
                    count += 1;
                }
            }
        }
        search = start.min(l.len());
    }
    // Generated-looking keys in any string literal on the line.
    let mut from = 0;
    while let Some(rel) = l[from..].find(['"', '\'']) {
        let start = from + rel;
        let q = l.as_bytes()[start] as char;
        let Some(len) = l[start + 1..].find(q) else { break };
        let inner = &l[start + 1..start + 1 + len];
        if !is_redacted(inner) && key_shaped(inner) {
            let m = marker(inner);
            l.replace_range(start + 1..start + 1 + len, &m);
            count += 1;
            from = start + m.len() + 2;
        } else {
            from = start + len + 2;
        }
    }
    // Values shaped like provider keys anywhere on the line.
    for prefix in [
        "AKIA",
        "ASIA",
        "sk_live_",
        "rk_live_",
        "ghp_",
        "gho_",
        "github_pat_",
        "xoxb-",
        "xoxp-",
        "xoxa-",
        "glpat-",
        "SG.",
    ] {
        let mut from = 0;
        while let Some(rel) = l[from..].find(prefix) {
            let start = from + rel;
            let len = l[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
                .unwrap_or(l.len() - start);
            let boundary = start == 0 || !l.as_bytes()[start - 1].is_ascii_alphanumeric();
            if len >= prefix.len() + 12 && boundary && !is_redacted(&l[start..start + len]) {
                let m = marker(&l[start..start + len]);
                l.replace_range(start..start + len, &m);
                count += 1;
                from = start + m.len();
            } else {
                from = start + prefix.len();
            }
        }
    }
    (l, count)
}

/// Quoted keys with secret names followed by `:` and a quoted value, anywhere in the line.
fn redact_dict_entries(line: &str) -> (String, usize) {
    let mut out = String::with_capacity(line.len());
    let mut count = 0;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < line.len() {
        let c = bytes[i];
        if c == b'"' || c == b'\'' {
            let Some(end) = line[i + 1..].find(c as char).map(|e| i + 1 + e) else {
                out.push_str(&line[i..]);
                break;
            };
            let key = &line[i + 1..end];
            out.push_str(&line[i..=end]);
            i = end + 1;
            // `: "value"` after a secret key.
            let rest = &line[i..];
            let after_colon = rest.trim_start().strip_prefix(':');
            if let (true, Some(after)) = (secret_name(key), after_colon) {
                let value = after.trim_start();
                if let Some(q) = value.chars().next().filter(|q| *q == '"' || *q == '\'') {
                    if let Some(vend) = value[1..].find(q) {
                        let skipped = rest.len() - value.len();
                        out.push_str(&rest[..skipped]);
                        out.push(q);
                        out.push_str(&marker(&value[1..1 + vend]));
                        out.push(q);
                        i += skipped + vend + 2;
                        count += 1;
                    }
                }
            }
            continue;
        }
        let ch = line[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    (out, count)
}

/// `head` up to and including `=` or `:`, and the value after it.
fn split_assignment(l: &str) -> Option<(&str, &str)> {
    let eq = l.find('=').filter(|&i| !l[i..].starts_with("==") && !l[..i].ends_with(['!', '<', '>', '=']));
    let colon = l.find(": ").or_else(|| l.find(':').filter(|&i| l[..i].ends_with(['"', '\''])));
    let at = match (eq, colon) {
        (Some(e), Some(c)) => e.min(c),
        (Some(e), None) => e,
        (None, Some(c)) => c,
        (None, None) => return None,
    };
    Some((&l[..=at], &l[at + 1..]))
}

/// Replaces the contents of every string literal in `value` (keeping the quotes); a bare YAML/env
/// value is replaced whole. `None` when there is nothing literal to hide (an `os.environ` read).
fn replace_literals(value: &str) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty()
        || trimmed.contains("environ")
        || trimmed.contains("getenv")
        || trimmed.contains("env(")
        || trimmed.contains("config(")
        || trimmed.starts_with("env.")
    {
        return None;
    }
    let mut out = String::new();
    let mut replaced = false;
    let mut chars = value.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '"' || c == '\'' {
            out.push(c);
            let mut closed = false;
            let mut secret = String::new();
            for (_, d) in chars.by_ref() {
                if d == c {
                    closed = true;
                    break;
                }
                secret.push(d);
            }
            if is_redacted(&secret) {
                out.push_str(&secret);
            } else {
                out.push_str(&marker(&secret));
                replaced = true;
            }
            if closed {
                out.push(c);
            }
        } else {
            out.push(c);
        }
    }
    if replaced {
        return Some(out);
    }
    if value.contains(['"', '\'']) {
        // Its literals were hidden already.
        return None;
    }
    // `KEY=value` in an env file, `password: value` in YAML: a bare word.
    let bare = trimmed.split_whitespace().next().unwrap_or("");
    let is_code =
        bare.chars().any(|c| matches!(c, '(' | '[' | '{')) || bare.contains('.') && !bare.contains(['@', '/']);
    if !bare.is_empty() && !is_code && !matches!(bare, "None" | "null" | "True" | "False" | "true" | "false") {
        let lead = &value[..value.find(bare).unwrap_or(0)];
        return Some(format!("{lead}{}{}", marker(bare), &value[value.find(bare).unwrap_or(0) + bare.len()..]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{marker, measure, redact, Measure};

    #[test]
    fn secrets_are_hidden_and_code_keeps_its_shape() {
        let settings = "SECRET_KEY = 'django-insecure-abc123'\nDEBUG = False\nDATABASES = {\"default\": {\"ENGINE\": \"x\", \"PASSWORD\": \"hunter2\", \"HOST\": \"db\"}}\nCELERY_BROKER_URL = \"redis://user:s3cret@redis:6379/0\"\nAWS = \"AKIAIOSFODNN7EXAMPLE\"\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\n";
        let (out, n) = redact(settings);
        assert!(!out.contains("django-insecure-abc123") && !out.contains("hunter2") && !out.contains("s3cret"));
        assert!(!out.contains("AKIAIOSFODNN7EXAMPLE"));
        assert!(out.contains("SECRET_KEY = 'django-insecure-<redacted:22:5:p>'"), "{out}");
        assert!(out.contains("redis://user:<redacted:6:5>@redis:6379/0"), "{out}");
        assert!(out.contains("os.environ[\"SECRET_KEY\"]"), "{out}");
        assert!(out.contains("DEBUG = False") && out.contains("\"HOST\": \"db\""));
        assert_eq!(n, 4);
    }

    #[test]
    fn multi_line_secrets_and_generated_keys_are_hidden() {
        let settings = "SECRET_KEY_FALLBACKS = [\n    \"old-key-one\",  # rotated in May\n    \"old-key-two\",\n]\nDEBUG = False\nSTRIPE = \"Zx8Qm2Lp9Rt4Vb7Nc1Kd6Hf3Jg5Ws0Ya\"\nNAME = \"django.contrib.sessions.middleware.SessionMiddleware\"\nID = \"123e4567-e89b-12d3-a456-426614174000\"\n";
        let (out, n) = redact(settings);
        assert!(!out.contains("old-key-one") && !out.contains("old-key-two") && !out.contains("Zx8Qm2Lp9"), "{out}");
        assert!(out.contains("# rotated in May") && out.contains("DEBUG = False"), "{out}");
        assert!(out.contains("SessionMiddleware") && out.contains("426614174000"), "{out}");
        assert_eq!(n, 3, "{out}");
    }

    #[test]
    fn markers_keep_the_shape_checks_need_and_the_positions() {
        let key = "k8#Qz2!vR9@mW4$tY7%pL1^nB6&xC3*sD5(fG0)hJ-=a+eUi~oPq";
        let m = marker(key);
        assert_eq!(m.chars().count(), key.chars().count(), "padded to the secret's length: {m}");
        assert_eq!(measure(&m), Some(Measure { chars: 52, distinct: 5, placeholder: false }));
        assert_eq!(measure(&marker("aaaa")), Some(Measure { chars: 4, distinct: 1, placeholder: false }));
        assert_eq!(measure(&marker("changeme")), Some(Measure { chars: 8, distinct: 5, placeholder: true }));
        assert!(marker("django-insecure-0123456789abcdefghijklmnopqrstuvwxyz0123456789")
            .starts_with("django-insecure-<redacted:"));
        assert_eq!(measure("<redacted:x:1>"), None);
        assert_eq!(measure("plain"), None);
        // Redacting twice changes nothing more.
        let (once, _) = redact("SECRET_KEY = 'abc'\n");
        let (twice, n) = redact(&once);
        assert_eq!((twice.as_str(), n), (once.as_str(), 0));
    }

    #[test]
    fn ordinary_code_is_left_alone() {
        let code = "token_count = len(tokens)\nif password == other:\n    pass\nAUTH_PASSWORD_VALIDATORS = [{\"NAME\": \"x\"}]\n";
        let (out, n) = redact(code);
        assert_eq!(n, 0, "{out}");
        assert_eq!(out, code);
    }
}
