//! Facts extracted once per project or file, which rules then read: the model index (schema), the
//! queryset flow through Python code (queries executed per loop iteration), and more as rules need.

pub mod code;
pub mod deploy;
pub mod models;
pub mod queries;
pub mod runtime;
pub mod settings;
pub mod settings_report;
pub mod template_flow;
pub mod template_tags;
pub mod view;

pub use models::{ModelId, ModelIndex};
pub use view::{ProjectView, PyFile, TemplateFile};
