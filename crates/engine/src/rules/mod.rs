//! The rules, one file per rule, grouped by checklist category. Each file declares its metadata and
//! documentation with [`declare_rule!`](crate::declare_rule) and exports a `check` function; the
//! registry lists them all.

pub mod asyncio;
pub mod caching;
pub mod celery;
pub mod deploy;
pub mod envelope;
pub mod explain;
pub mod migrations;
pub mod queries;
pub mod runtime;
pub mod security;
pub mod side_effects;
pub mod storage;
pub mod support;
pub mod syntax;
pub mod templates;
pub mod time;
pub mod transactions;
