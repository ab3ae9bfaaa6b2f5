//! The share-link decoder. Three ways in, chosen by the first byte:
//! - the input as a fragment, as a crafted link would arrive;
//! - the input as the link's JSON, deflated and base64url-encoded here, which reaches the
//!   deserialisation and the bounds behind the codec (random text almost never inflates);
//! - a structured review built with `arbitrary`, which must survive encode → decode unchanged.
//!
//! A decoded review is then analysed, as the web app does when it opens the link.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use djreview_engine::share::{self, Shared, SharedFile, SharedReview};
use djreview_engine::{FileKind, Options, Profile, Project, SourceFile};
use djreview_fuzz::{analyze_and_render, text};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Review {
    files: Vec<(String, String, Option<u8>)>,
    postgres: u32,
    development: bool,
    changed_only: bool,
    hot_tables: Vec<String>,
    disabled_rules: Vec<String>,
    active: usize,
    redacted: usize,
    selected: Option<usize>,
    panel: Option<String>,
    redact: bool,
}

impl Review {
    fn shared(self) -> SharedReview {
        let files = self
            .files
            .into_iter()
            .map(|(name, text, kind)| SharedFile {
                name,
                text,
                kind: kind.map(|k| FileKind::ALL[usize::from(k) % FileKind::ALL.len()]),
            })
            .collect();
        let options = Options {
            postgres: self.postgres,
            profile: if self.development { Profile::Development } else { Profile::Production },
            hot_tables: self.hot_tables,
            disabled_rules: self.disabled_rules,
            changed_only: self.changed_only,
            django: if self.development { "6.1".into() } else { "5.2".into() },
        };
        let review = SharedReview {
            files,
            options,
            active: self.active,
            redacted: self.redacted,
            selected: self.selected,
            panel: self.panel,
        };
        if self.redact {
            review.redacted()
        } else {
            review
        }
    }
}

/// base64url without padding: written here so the target does not lean on the codec it tests.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn open(shared: Shared) {
    if let Shared::Review(review) = shared {
        let size: usize = review.files.iter().map(|f| f.text.len() + f.name.len()).sum();
        if size > 16 * 1024 {
            return;
        }
        let files = review.files.into_iter().map(|f| SourceFile { path: f.name, text: f.text, kind: f.kind }).collect();
        analyze_and_render(&Project::new(files), &review.options);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(shared) = share::decode(&text(rest)) {
                open(shared);
            }
        }
        1 => {
            let prefix = if mode & 0x80 != 0 { share::FINDINGS_PREFIX } else { share::FULL_PREFIX };
            let link = format!("{prefix}{}", base64url(&miniz_oxide::deflate::compress_to_vec(rest, 1)));
            if let Ok(shared) = share::decode(&link) {
                open(shared);
            }
        }
        _ => {
            let Ok(review) = Review::arbitrary_take_rest(Unstructured::new(rest)) else {
                return;
            };
            let review = review.shared();
            // The decoder refuses more than 5,000 files by design.
            let too_many = review.files.len() > 5_000;
            let original = Shared::Review(review);
            let link = share::encode(&original);
            match share::decode(&link) {
                Ok(decoded) => assert_eq!(decoded, original, "the round trip changed the review"),
                Err(_) if too_many => {}
                Err(e) => panic!("a link the encoder wrote does not decode: {e:?}"),
            }
        }
    }
});
