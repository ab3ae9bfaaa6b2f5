//! Celery rules: dispatch timing, retries, arguments, idempotency.

pub mod cel101_task_dispatch_in_transaction;
pub mod cel102_unbounded_retry;
pub mod cel103_model_instance_task_argument;
