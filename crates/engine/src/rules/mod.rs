//! The rules, one file per rule, grouped by checklist category. Each file declares its metadata and
//! documentation with [`declare_rule!`](crate::declare_rule) and exports a `check` function; the
//! registry lists them all.

pub mod queries;
pub mod syntax;
