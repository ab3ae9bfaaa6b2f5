//! Input that could not be read. These findings come from the front ends (the Python parser);
//! the rule files hold their documentation.

pub mod syn001_syntax_error;
pub mod syn002_unsupported_syntax;
pub mod syn003_template_syntax;
pub mod syn004_unreadable_diff;
