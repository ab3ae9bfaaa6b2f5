//! Share links with no server: the review state as JSON, deflate-compressed, base64url-encoded and
//! put in the URL fragment (which browsers never send anywhere) behind a version prefix. Decoding
//! is bounded at every step, so a crafted link can neither exhaust memory nor smuggle markup: what
//! comes out is plain data that the app renders as text.

use serde::{Deserialize, Serialize};

use crate::options::Options;
use crate::project::FileKind;
use crate::report::{FileInfo, Finding, MigrationReport, Scores};

/// Fragment prefixes: the whole review, or only its findings.
pub const FULL_PREFIX: &str = "s1.";
pub const FINDINGS_PREFIX: &str = "f1.";

/// Links longer than this are cut by chat tools and some browsers.
pub const COMFORTABLE_LENGTH: usize = 8 * 1024;

/// Refused above these sizes: the encoded link, and the JSON it inflates to.
const MAX_LINK: usize = 4 * 1024 * 1024;
const MAX_INFLATED: usize = 16 * 1024 * 1024;
const MAX_FILES: usize = 5_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedFile {
    pub name: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FileKind>,
}

/// The inputs and options that reproduce a review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedReview {
    pub files: Vec<SharedFile>,
    #[serde(default)]
    pub options: Options,
    /// Index of the file that was open.
    #[serde(default)]
    pub active: usize,
    /// How many secrets were hidden before sharing.
    #[serde(default)]
    pub redacted: usize,
    /// The finding that was open (index into the report the inputs produce).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected: Option<usize>,
    /// The side panel that was shown: `findings`, `playbook` or `playbook:<slug>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel: Option<String>,
}

/// Only the results: for reviews too large for a link, or sources that must not leave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedFindings {
    pub files: Vec<FileInfo>,
    pub findings: Vec<Finding>,
    pub scores: Scores,
    /// Migration risk scores travel with the findings (they hold SQL and recipes, not the sources).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub migrations: Vec<MigrationReport>,
    /// How many secrets were hidden before sharing.
    #[serde(default)]
    pub redacted: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Shared {
    Review(SharedReview),
    Findings(SharedFindings),
}

impl SharedReview {
    /// The review with secrets hidden in every file.
    pub fn redacted(mut self) -> SharedReview {
        let mut total = 0;
        for f in self.files.iter_mut() {
            let (text, n) = crate::redact::redact(&f.text);
            f.text = text;
            total += n;
        }
        self.redacted = total;
        self
    }
}

/// The fragment (without `#`) for a shared review or its findings.
pub fn encode(shared: &Shared) -> String {
    let (prefix, json) = match shared {
        Shared::Review(r) => (FULL_PREFIX, serde_json::to_vec(r)),
        Shared::Findings(f) => (FINDINGS_PREFIX, serde_json::to_vec(f)),
    };
    let json = json.unwrap_or_default();
    let compressed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!("{prefix}{}", base64url_encode(&compressed))
}

/// Why a link could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareError(pub String);

/// Reads a fragment (with or without `#`). Every failure is an error message, never a panic.
pub fn decode(fragment: &str) -> Result<Shared, ShareError> {
    let fragment = fragment.trim().trim_start_matches('#');
    if fragment.len() > MAX_LINK {
        return Err(ShareError(format!("the link is too long ({} KB)", fragment.len() / 1024)));
    }
    let (findings, payload) = if let Some(p) = fragment.strip_prefix(FULL_PREFIX) {
        (false, p)
    } else if let Some(p) = fragment.strip_prefix(FINDINGS_PREFIX) {
        (true, p)
    } else {
        return Err(ShareError("this is not a djreview link (unknown version)".into()));
    };
    let compressed =
        base64url_decode(payload).ok_or_else(|| ShareError("the link is damaged (not base64url)".into()))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_INFLATED)
        .map_err(|_| ShareError("the link is damaged or too large to open".into()))?;
    // Read as a string into a `serde_json::Value`, like every other JSON the app reads, then by the
    // engine's readers (`from_json`): one JSON parser in the wasm and no derived deserialisers.
    let json = std::str::from_utf8(&json).map_err(|_| ShareError("the link's content is not text".into()))?;
    if findings {
        let f: SharedFindings =
            crate::from_json::from_str(json).map_err(|e| ShareError(format!("the link's content is invalid: {e}")))?;
        if f.findings.len() > 100_000 || f.files.len() > MAX_FILES {
            return Err(ShareError("the link holds too many findings".into()));
        }
        Ok(Shared::Findings(f))
    } else {
        let r: SharedReview =
            crate::from_json::from_str(json).map_err(|e| ShareError(format!("the link's content is invalid: {e}")))?;
        if r.files.len() > MAX_FILES {
            return Err(ShareError("the link holds too many files".into()));
        }
        Ok(Shared::Review(r))
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| !matches!(b, b'=' | b'\n' | b'\r' | b' ')).collect();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let take = chunk.len() - 1;
        for i in 0..take {
            out.push(((n >> (16 - 8 * i)) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review() -> SharedReview {
        SharedReview {
            files: vec![
                SharedFile { name: "shop/views.py".into(), text: "def v(r):\n    return 1\n".into(), kind: None },
                SharedFile {
                    name: "plan".into(),
                    text: "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)".into(),
                    kind: Some(FileKind::Explain),
                },
            ],
            options: Options { postgres: 14, ..Options::default() },
            active: 1,
            redacted: 0,
            selected: Some(0),
            panel: Some("playbook:n-plus-one".into()),
        }
    }

    #[test]
    fn a_review_round_trips_through_a_link() {
        let shared = Shared::Review(review());
        let link = encode(&shared);
        assert!(link.starts_with(FULL_PREFIX));
        assert!(link.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')));
        assert_eq!(decode(&format!("#{link}")).expect("decodes"), shared);
    }

    #[test]
    fn redaction_keeps_secrets_out_of_the_link() {
        let mut r = review();
        r.files[0].text = "SECRET_KEY = 'super-secret-value-123'\n".into();
        let link = encode(&Shared::Review(r.redacted()));
        let Shared::Review(back) = decode(&link).expect("decodes") else { panic!() };
        assert!(!back.files[0].text.contains("super-secret-value-123"));
        assert_eq!(back.redacted, 1);
    }

    #[test]
    fn damaged_or_foreign_links_are_errors() {
        assert!(decode("#x1.abc").is_err());
        assert!(decode("#s1.!!!").is_err());
        assert!(decode("#s1.AAAA").is_err());
        let mut link = encode(&Shared::Review(review()));
        link.truncate(link.len() / 2);
        assert!(decode(&link).is_err());
    }

    #[test]
    fn a_zip_bomb_is_refused() {
        let huge = vec![b'a'; MAX_INFLATED + 10];
        let link = format!("{FULL_PREFIX}{}", base64url_encode(&miniz_oxide::deflate::compress_to_vec(&huge, 9)));
        assert!(link.len() < 100_000);
        let err = decode(&link).expect_err("refused");
        assert!(err.0.contains("too large"), "{err:?}");
    }
}
