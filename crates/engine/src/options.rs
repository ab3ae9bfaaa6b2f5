//! Engine settings. Plain data with defaults; the CLI and the web app fill them from flags and controls.

use serde::{Deserialize, Serialize};

/// What kind of environment the reviewed code is meant for.
///
/// Development settings are expected to be insecure (DEBUG on, no HTTPS); the production profile is
/// the default because review is about what ships.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    #[default]
    Production,
    Development,
}

/// Options for one analysis run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Major PostgreSQL version the migrations will run on.
    pub postgres: u32,
    pub profile: Profile,
    /// Tables known to be large or hot; operations on them score higher.
    pub hot_tables: Vec<String>,
    /// Rule codes or names that are switched off.
    pub disabled_rules: Vec<String>,
    /// With a diff in the input: report only findings on lines the change added.
    pub changed_only: bool,
    /// The Django version the settings are checked for (`"5.2"`, `"6.1"`): version-specific deploy
    /// checks follow it.
    pub django: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            postgres: 16,
            profile: Profile::Production,
            hot_tables: Vec::new(),
            disabled_rules: Vec::new(),
            changed_only: false,
            django: "5.2".into(),
        }
    }
}

impl Options {
    pub fn rule_enabled(&self, code: &str, name: &str) -> bool {
        !self.disabled_rules.iter().any(|r| r.eq_ignore_ascii_case(code) || r == name)
    }
}
