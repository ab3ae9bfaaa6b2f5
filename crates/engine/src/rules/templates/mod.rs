//! Template rules: queries hidden in custom tags and filters, and expensive fragments rendered on
//! every request.

pub mod tpl101_query_in_template_tag;
pub mod tpl102_uncached_expensive_fragment;

pub(crate) use crate::facts::template_tags::QueryingTag;
