//! The one table of rules. Codes, names and docs live in each rule's file; this table only lists them
//! with their checks, and the tests below keep the table and the files honest.

use crate::analysis::{Emitter, ProjectContext, PyContext, TemplateContext};
use crate::rule::RuleMeta;
use crate::rules::{
    asyncio, caching, celery, deploy, envelope, explain, migrations, queries, runtime, security, side_effects, storage,
    syntax, templates, time, transactions,
};

/// How a rule is run.
#[derive(Clone, Copy)]
pub enum Check {
    /// Once per parsed Python file (python, migration and settings kinds).
    Python(fn(&PyContext<'_, '_>, &mut Emitter)),
    /// Once per template file.
    Template(fn(&TemplateContext<'_, '_>, &mut Emitter)),
    /// Once per project, for flows between files.
    Project(fn(&ProjectContext<'_, '_>, &mut Emitter)),
    /// Produced by a front end while reading input (syntax errors); listed for its docs.
    FrontEnd,
}

pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: Check,
}

/// Every rule, sorted by code.
pub static RULES: &[Rule] = &[
    Rule {
        meta: &asyncio::asy101_sync_orm_in_async::SYNC_ORM_IN_ASYNC,
        check: Check::Python(asyncio::asy101_sync_orm_in_async::check),
    },
    Rule {
        meta: &asyncio::asy102_blocking_call_in_async::BLOCKING_CALL_IN_ASYNC,
        check: Check::Python(asyncio::asy102_blocking_call_in_async::check),
    },
    Rule {
        meta: &caching::cac101_cache_stampede::CACHE_STAMPEDE,
        check: Check::Python(caching::cac101_cache_stampede::check),
    },
    Rule {
        meta: &caching::cac102_synchronized_expiry::SYNCHRONIZED_EXPIRY,
        check: Check::Python(caching::cac102_synchronized_expiry::check),
    },
    Rule {
        meta: &caching::cac103_cache_page_unsafe_method::CACHE_PAGE_UNSAFE_METHOD,
        check: Check::Python(caching::cac103_cache_page_unsafe_method::check),
    },
    Rule {
        meta: &caching::cac104_unversioned_cache_key::UNVERSIONED_CACHE_KEY,
        check: Check::Python(caching::cac104_unversioned_cache_key::check),
    },
    Rule {
        meta: &caching::cac105_unbounded_process_cache::UNBOUNDED_PROCESS_CACHE,
        check: Check::Python(caching::cac105_unbounded_process_cache::check),
    },
    Rule {
        meta: &celery::cel101_task_dispatch_in_transaction::TASK_DISPATCH_IN_TRANSACTION,
        check: Check::Python(celery::cel101_task_dispatch_in_transaction::check),
    },
    Rule {
        meta: &celery::cel102_unbounded_retry::UNBOUNDED_RETRY,
        check: Check::Python(celery::cel102_unbounded_retry::check),
    },
    Rule {
        meta: &celery::cel103_model_instance_task_argument::MODEL_INSTANCE_TASK_ARGUMENT,
        check: Check::Python(celery::cel103_model_instance_task_argument::check),
    },
    Rule {
        meta: &celery::cel104_non_idempotent_task::NON_IDEMPOTENT_TASK,
        check: Check::Python(celery::cel104_non_idempotent_task::check),
    },
    Rule {
        meta: &celery::cel105_acks_late_non_idempotent::ACKS_LATE_NON_IDEMPOTENT,
        check: Check::Python(celery::cel105_acks_late_non_idempotent::check),
    },
    Rule {
        meta: &envelope::cfg101_allowed_hosts_too_broad::ALLOWED_HOSTS_TOO_BROAD,
        check: Check::Project(envelope::cfg101_allowed_hosts_too_broad::check),
    },
    Rule {
        meta: &envelope::cfg102_cross_origin_too_broad::CROSS_ORIGIN_TOO_BROAD,
        check: Check::Project(envelope::cfg102_cross_origin_too_broad::check),
    },
    Rule {
        meta: &envelope::cfg103_proxy_headers_inconsistent::PROXY_HEADERS_INCONSISTENT,
        check: Check::Project(envelope::cfg103_proxy_headers_inconsistent::check),
    },
    Rule {
        meta: &envelope::cfg104_db_connection_lifetime::DB_CONNECTION_LIFETIME,
        check: Check::Project(envelope::cfg104_db_connection_lifetime::check),
    },
    Rule {
        meta: &envelope::cfg105_db_timeouts_missing::DB_TIMEOUTS_MISSING,
        check: Check::Project(envelope::cfg105_db_timeouts_missing::check),
    },
    Rule {
        meta: &envelope::cfg106_process_local_cache::PROCESS_LOCAL_CACHE,
        check: Check::Project(envelope::cfg106_process_local_cache::check),
    },
    Rule {
        meta: &envelope::cfg107_time_zone_default::TIME_ZONE_DEFAULT,
        check: Check::Project(envelope::cfg107_time_zone_default::check),
    },
    Rule {
        meta: &envelope::cfg108_logging_unconfigured::LOGGING_UNCONFIGURED,
        check: Check::Project(envelope::cfg108_logging_unconfigured::check),
    },
    Rule {
        meta: &envelope::cfg109_static_without_manifest::STATIC_WITHOUT_MANIFEST,
        check: Check::Project(envelope::cfg109_static_without_manifest::check),
    },
    Rule {
        meta: &envelope::cfg110_replica_without_read_after_write::REPLICA_WITHOUT_READ_AFTER_WRITE,
        check: Check::Project(envelope::cfg110_replica_without_read_after_write::check),
    },
    Rule {
        meta: &envelope::cfg111_celery_task_limits::CELERY_TASK_LIMITS,
        check: Check::Project(envelope::cfg111_celery_task_limits::check),
    },
    Rule {
        meta: &envelope::cfg112_email_backend_local::EMAIL_BACKEND_LOCAL,
        check: Check::Project(envelope::cfg112_email_backend_local::check),
    },
    Rule {
        meta: &envelope::cfg113_hardcoded_secret::HARDCODED_SECRET,
        check: Check::Project(envelope::cfg113_hardcoded_secret::check),
    },
    Rule {
        meta: &deploy::dep101_security_middleware_missing::SECURITY_MIDDLEWARE_MISSING,
        check: Check::Project(deploy::dep101_security_middleware_missing::check),
    },
    Rule {
        meta: &deploy::dep102_hsts_incomplete::HSTS_INCOMPLETE,
        check: Check::Project(deploy::dep102_hsts_incomplete::check),
    },
    Rule {
        meta: &deploy::dep103_ssl_redirect_off::SSL_REDIRECT_OFF,
        check: Check::Project(deploy::dep103_ssl_redirect_off::check),
    },
    Rule {
        meta: &deploy::dep104_weak_secret_key::WEAK_SECRET_KEY,
        check: Check::Project(deploy::dep104_weak_secret_key::check),
    },
    Rule {
        meta: &deploy::dep105_insecure_cookie::INSECURE_COOKIE,
        check: Check::Project(deploy::dep105_insecure_cookie::check),
    },
    Rule {
        meta: &deploy::dep106_debug_enabled::DEBUG_ENABLED,
        check: Check::Project(deploy::dep106_debug_enabled::check),
    },
    Rule {
        meta: &deploy::dep107_security_header_settings::SECURITY_HEADER_SETTINGS,
        check: Check::Project(deploy::dep107_security_header_settings::check),
    },
    Rule {
        meta: &deploy::dep108_allowed_hosts_empty::ALLOWED_HOSTS_EMPTY,
        check: Check::Project(deploy::dep108_allowed_hosts_empty::check),
    },
    Rule {
        meta: &deploy::dep109_csrf_failure_view::CSRF_FAILURE_VIEW,
        check: Check::Project(deploy::dep109_csrf_failure_view::check),
    },
    Rule {
        meta: &deploy::dep110_cache_in_served_directory::CACHE_IN_SERVED_DIRECTORY,
        check: Check::Project(deploy::dep110_cache_in_served_directory::check),
    },
    Rule {
        meta: &deploy::dep111_csrf_origin_without_scheme::CSRF_ORIGIN_WITHOUT_SCHEME,
        check: Check::Project(deploy::dep111_csrf_origin_without_scheme::check),
    },
    Rule { meta: &explain::exp100_unreadable_plan::UNREADABLE_PLAN, check: Check::FrontEnd },
    Rule {
        meta: &explain::exp101_seq_scan_filter::SEQ_SCAN_FILTER,
        check: Check::Project(explain::exp101_seq_scan_filter::check),
    },
    Rule {
        meta: &explain::exp102_index_filter::INDEX_FILTER,
        check: Check::Project(explain::exp102_index_filter::check),
    },
    Rule {
        meta: &explain::exp103_spill_to_disk::SPILL_TO_DISK,
        check: Check::Project(explain::exp103_spill_to_disk::check),
    },
    Rule {
        meta: &explain::exp104_row_misestimate::ROW_MISESTIMATE,
        check: Check::Project(explain::exp104_row_misestimate::check),
    },
    Rule {
        meta: &explain::exp105_loop_amplification::LOOP_AMPLIFICATION,
        check: Check::Project(explain::exp105_loop_amplification::check),
    },
    Rule {
        meta: &explain::exp106_large_offset::LARGE_OFFSET,
        check: Check::Project(explain::exp106_large_offset::check),
    },
    Rule {
        meta: &explain::exp107_plan_overhead::PLAN_OVERHEAD,
        check: Check::Project(explain::exp107_plan_overhead::check),
    },
    Rule {
        meta: &explain::exp108_estimates_only::ESTIMATES_ONLY,
        check: Check::Project(explain::exp108_estimates_only::check),
    },
    Rule {
        meta: &migrations::mig101_blocking_index_build::BLOCKING_INDEX_BUILD,
        check: Check::Project(migrations::mig101_blocking_index_build::check),
    },
    Rule {
        meta: &migrations::mig102_not_null_without_db_default::NOT_NULL_WITHOUT_DB_DEFAULT,
        check: Check::Project(migrations::mig102_not_null_without_db_default::check),
    },
    Rule {
        meta: &migrations::mig103_table_rewrite::TABLE_REWRITE,
        check: Check::Project(migrations::mig103_table_rewrite::check),
    },
    Rule {
        meta: &migrations::mig104_not_null_scan::NOT_NULL_SCAN,
        check: Check::Project(migrations::mig104_not_null_scan::check),
    },
    Rule {
        meta: &migrations::mig105_validated_constraint::VALIDATED_CONSTRAINT,
        check: Check::Project(migrations::mig105_validated_constraint::check),
    },
    Rule {
        meta: &migrations::mig106_drop_while_in_use::DROP_WHILE_IN_USE,
        check: Check::Project(migrations::mig106_drop_while_in_use::check),
    },
    Rule {
        meta: &migrations::mig107_rename_while_in_use::RENAME_WHILE_IN_USE,
        check: Check::Project(migrations::mig107_rename_while_in_use::check),
    },
    Rule {
        meta: &migrations::mig108_primary_key_widening::PRIMARY_KEY_WIDENING,
        check: Check::Project(migrations::mig108_primary_key_widening::check),
    },
    Rule {
        meta: &migrations::mig109_irreversible_run_python::IRREVERSIBLE_RUN_PYTHON,
        check: Check::Project(migrations::mig109_irreversible_run_python::check),
    },
    Rule {
        meta: &migrations::mig110_risky_data_migration::RISKY_DATA_MIGRATION,
        check: Check::Project(migrations::mig110_risky_data_migration::check),
    },
    Rule {
        meta: &migrations::mig111_run_sql_without_reverse::RUN_SQL_WITHOUT_REVERSE,
        check: Check::Project(migrations::mig111_run_sql_without_reverse::check),
    },
    Rule {
        meta: &migrations::mig112_concurrent_in_transaction::CONCURRENT_IN_TRANSACTION,
        check: Check::Project(migrations::mig112_concurrent_in_transaction::check),
    },
    Rule {
        meta: &migrations::mig113_missing_lock_timeout::MISSING_LOCK_TIMEOUT,
        check: Check::Project(migrations::mig113_missing_lock_timeout::check),
    },
    Rule {
        meta: &queries::qry101_fk_access_in_loop::FK_ACCESS_IN_LOOP,
        check: Check::Python(queries::qry101_fk_access_in_loop::check),
    },
    Rule {
        meta: &queries::qry102_related_manager_in_loop::RELATED_MANAGER_IN_LOOP,
        check: Check::Python(queries::qry102_related_manager_in_loop::check),
    },
    Rule {
        meta: &queries::qry103_related_query_in_loop::RELATED_QUERY_IN_LOOP,
        check: Check::Python(queries::qry103_related_query_in_loop::check),
    },
    Rule {
        meta: &queries::qry104_query_in_loop::QUERY_IN_LOOP,
        check: Check::Python(queries::qry104_query_in_loop::check),
    },
    Rule {
        meta: &queries::qry105_unbounded_queryset::UNBOUNDED_QUERYSET,
        check: Check::Python(queries::qry105_unbounded_queryset::check),
    },
    Rule {
        meta: &queries::qry106_len_queryset::LEN_QUERYSET,
        check: Check::Python(queries::qry106_len_queryset::check),
    },
    Rule {
        meta: &queries::qry107_queryset_truthiness::QUERYSET_TRUTHINESS,
        check: Check::Python(queries::qry107_queryset_truthiness::check),
    },
    Rule {
        meta: &queries::qry108_iteration_without_iterator::ITERATION_WITHOUT_ITERATOR,
        check: Check::Python(queries::qry108_iteration_without_iterator::check),
    },
    Rule {
        meta: &queries::qry109_admin_list_display::ADMIN_LIST_DISPLAY_N_PLUS_ONE,
        check: Check::Python(queries::qry109_admin_list_display::check),
    },
    Rule {
        meta: &queries::qry110_serializer_n_plus_one::SERIALIZER_N_PLUS_ONE,
        check: Check::Python(queries::qry110_serializer_n_plus_one::check),
    },
    Rule {
        meta: &queries::qry111_deferred_field_in_loop::DEFERRED_FIELD_IN_LOOP,
        check: Check::Python(queries::qry111_deferred_field_in_loop::check),
    },
    Rule {
        meta: &queries::qry112_template_n_plus_one::TEMPLATE_N_PLUS_ONE,
        check: Check::Project(queries::qry112_template_n_plus_one::check),
    },
    Rule {
        meta: &runtime::run101_gunicorn_worker_recycling::GUNICORN_WORKER_RECYCLING,
        check: Check::Project(runtime::run101_gunicorn_worker_recycling::check),
    },
    Rule {
        meta: &runtime::run102_gunicorn_timeout::GUNICORN_TIMEOUT,
        check: Check::Project(runtime::run102_gunicorn_timeout::check),
    },
    Rule {
        meta: &runtime::run103_server_interface_mismatch::SERVER_INTERFACE_MISMATCH,
        check: Check::Project(runtime::run103_server_interface_mismatch::check),
    },
    Rule {
        meta: &runtime::run104_gunicorn_worker_count::GUNICORN_WORKER_COUNT,
        check: Check::Project(runtime::run104_gunicorn_worker_count::check),
    },
    Rule {
        meta: &runtime::run105_celery_worker_recycling::CELERY_WORKER_RECYCLING,
        check: Check::Project(runtime::run105_celery_worker_recycling::check),
    },
    Rule {
        meta: &runtime::run106_celery_prefetch_acks_late::CELERY_PREFETCH_ACKS_LATE,
        check: Check::Project(runtime::run106_celery_prefetch_acks_late::check),
    },
    Rule {
        meta: &security::sec101_sql_injection::SQL_INJECTION,
        check: Check::Python(security::sec101_sql_injection::check),
    },
    Rule {
        meta: &security::sec102_unsafe_html::UNSAFE_HTML,
        check: Check::Python(security::sec102_unsafe_html::check),
    },
    Rule {
        meta: &security::sec103_template_unsafe_output::TEMPLATE_UNSAFE_OUTPUT,
        check: Check::Project(security::sec103_template_unsafe_output::check),
    },
    Rule {
        meta: &security::sec104_csrf_exempt::CSRF_EXEMPT,
        check: Check::Python(security::sec104_csrf_exempt::check),
    },
    Rule {
        meta: &side_effects::sfx101_signal_side_effects::SIGNAL_SIDE_EFFECTS,
        check: Check::Python(side_effects::sfx101_signal_side_effects::check),
    },
    Rule {
        meta: &side_effects::sfx102_save_override_side_effects::SAVE_OVERRIDE_SIDE_EFFECTS,
        check: Check::Python(side_effects::sfx102_save_override_side_effects::check),
    },
    Rule {
        meta: &storage::sto101_local_media_storage::LOCAL_MEDIA_STORAGE,
        check: Check::Python(storage::sto101_local_media_storage::check),
    },
    Rule {
        meta: &storage::sto102_file_served_by_django::FILE_SERVED_BY_DJANGO,
        check: Check::Python(storage::sto102_file_served_by_django::check),
    },
    Rule {
        meta: &storage::sto103_file_read_into_memory::FILE_READ_INTO_MEMORY,
        check: Check::Python(storage::sto103_file_read_into_memory::check),
    },
    Rule { meta: &syntax::syn001_syntax_error::SYNTAX_ERROR, check: Check::FrontEnd },
    Rule { meta: &syntax::syn002_unsupported_syntax::UNSUPPORTED_SYNTAX, check: Check::FrontEnd },
    Rule { meta: &syntax::syn003_template_syntax::TEMPLATE_SYNTAX, check: Check::FrontEnd },
    Rule { meta: &syntax::syn004_unreadable_diff::UNREADABLE_DIFF, check: Check::FrontEnd },
    Rule {
        meta: &time::tim101_naive_datetime::NAIVE_DATETIME,
        check: Check::Python(time::tim101_naive_datetime::check),
    },
    Rule {
        meta: &time::tim102_naive_datetime_literal::NAIVE_DATETIME_LITERAL,
        check: Check::Python(time::tim102_naive_datetime_literal::check),
    },
    Rule {
        meta: &time::tim103_use_tz_disabled::USE_TZ_DISABLED,
        check: Check::Python(time::tim103_use_tz_disabled::check),
    },
    Rule {
        meta: &templates::tpl101_query_in_template_tag::QUERY_IN_TEMPLATE_TAG,
        check: Check::Template(templates::tpl101_query_in_template_tag::check),
    },
    Rule {
        meta: &templates::tpl102_uncached_expensive_fragment::UNCACHED_EXPENSIVE_FRAGMENT,
        check: Check::Template(templates::tpl102_uncached_expensive_fragment::check),
    },
    Rule {
        meta: &transactions::txn101_select_for_update_outside_atomic::SELECT_FOR_UPDATE_OUTSIDE_ATOMIC,
        check: Check::Python(transactions::txn101_select_for_update_outside_atomic::check),
    },
    Rule {
        meta: &transactions::txn102_network_call_in_atomic::NETWORK_CALL_IN_ATOMIC,
        check: Check::Python(transactions::txn102_network_call_in_atomic::check),
    },
    Rule {
        meta: &transactions::txn103_save_loop_in_transaction::SAVE_LOOP_IN_TRANSACTION,
        check: Check::Python(transactions::txn103_save_loop_in_transaction::check),
    },
    Rule {
        meta: &transactions::txn104_lost_update::LOST_UPDATE,
        check: Check::Python(transactions::txn104_lost_update::check),
    },
    Rule {
        meta: &transactions::txn105_full_save_over_concurrent_writes::FULL_SAVE_OVER_CONCURRENT_WRITES,
        check: Check::Project(transactions::txn105_full_save_over_concurrent_writes::check),
    },
];

/// Finds a rule by code (any case) or kebab name.
pub fn find_rule(code_or_name: &str) -> Option<&'static RuleMeta> {
    RULES.iter().map(|r| r.meta).find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{FileKind, Project, SourceFile};
    use crate::{analyze, Options};
    use std::collections::HashSet;

    const REQUIRED_SECTIONS: &[&str] =
        &["What it does", "Why it matters at scale", "Example", "Use instead", "Precision"];

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let mut seen = HashSet::new();
        for pair in RULES.windows(2) {
            assert!(
                pair[0].meta.code < pair[1].meta.code,
                "{} must come before {}",
                pair[0].meta.code,
                pair[1].meta.code
            );
        }
        for r in RULES {
            let code = r.meta.code;
            assert!(seen.insert(code), "duplicate code {code}");
            assert!(
                code.len() == 6
                    && code[..3].bytes().all(|b| b.is_ascii_uppercase())
                    && code[3..].bytes().all(|b| b.is_ascii_digit()),
                "bad code {code}"
            );
        }
    }

    #[test]
    fn names_are_unique_kebab_case() {
        let mut seen = HashSet::new();
        for r in RULES {
            let name = r.meta.name;
            assert!(seen.insert(name), "duplicate name {name}");
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "bad name {name}"
            );
            assert!(!name.starts_with('-') && !name.ends_with('-') && !name.contains("--"), "bad name {name}");
        }
    }

    #[test]
    fn docs_have_every_section() {
        for r in RULES {
            for section in REQUIRED_SECTIONS {
                let body = r.meta.section(section).unwrap_or_default();
                assert!(!body.trim().is_empty(), "{} lacks a non-empty '## {section}' section", r.meta.code);
            }
            assert!(!r.meta.summary().is_empty(), "{} has no summary", r.meta.code);
            assert!(!r.meta.playbook.is_empty(), "{} names no playbook section", r.meta.code);
        }
    }

    /// The code blocks of a docs section, with their info strings.
    fn code_blocks(markdown: &str) -> Vec<(String, String)> {
        use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
        let mut out = Vec::new();
        let mut current: Option<(String, String)> = None;
        for ev in Parser::new(markdown) {
            match ev {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    current = Some((info.to_string(), String::new()))
                }
                Event::Text(t) => {
                    if let Some((_, body)) = &mut current {
                        body.push_str(&t);
                    }
                }
                Event::End(TagEnd::CodeBlock) => out.extend(current.take()),
                _ => {}
            }
        }
        out
    }

    /// The kind and path a docs code block stands for. The fence's info string picks it: `python` (a
    /// module), `python settings`, `python migration`, `django`/`html` (a template).
    /// `python migration 0001_initial` names the migration (for examples that need history);
    /// `text` is an EXPLAIN plan; `procfile`, `dockerfile`, `yaml compose` and `sh` are runtime
    /// files, and `python gunicorn` is a `gunicorn.conf.py`.
    fn block_file(info: &str) -> (FileKind, String) {
        let words: Vec<&str> = info.split([' ', ',']).collect();
        match (words.first().copied().unwrap_or(""), words.get(1).copied()) {
            ("django" | "html" | "htmldjango", _) => (FileKind::Template, "example/templates/example.html".into()),
            ("text" | "explain", _) => (FileKind::Explain, "example/plan.txt".into()),
            ("diff" | "patch", _) => (FileKind::Diff, "example/change.diff".into()),
            ("procfile", _) => (FileKind::Runtime, "example/Procfile".into()),
            ("dockerfile", _) => (FileKind::Runtime, "example/Dockerfile".into()),
            ("yaml", Some("compose")) => (FileKind::Runtime, "example/docker-compose.yml".into()),
            ("sh" | "bash", _) => (FileKind::Runtime, "example/start.sh".into()),
            (_, Some("gunicorn")) => (FileKind::Python, "example/gunicorn.conf.py".into()),
            (_, Some("settings")) => (FileKind::Settings, "example/settings.py".into()),
            (_, Some("migration")) => {
                let name = words.get(2).copied().unwrap_or("0002_example");
                (FileKind::Migration, format!("example/migrations/{name}.py"))
            }
            _ => (FileKind::Python, "example/views.py".into()),
        }
    }

    /// Runs the code blocks of a docs section as one project; blocks of `carry` for files the
    /// section lacks are added (the template or the earlier migration an Example shows also backs
    /// its Use-instead code).
    fn run_blocks(blocks: &[(String, String)], carry: &[(String, String)]) -> crate::Report {
        let mut files: Vec<SourceFile> = Vec::new();
        let mut paths = Vec::new();
        for (info, code) in blocks {
            let (kind, path) = block_file(info);
            paths.push(path.clone());
            files.push(SourceFile::new(path, code.clone()).with_kind(kind));
        }
        for (info, code) in carry {
            let (kind, path) = block_file(info);
            if !paths.contains(&path) {
                files.push(SourceFile::new(path, code.clone()).with_kind(kind));
            }
        }
        analyze(&Project::new(files), &Options::default())
    }

    #[test]
    fn each_rules_example_triggers_it_and_its_fix_does_not() {
        for r in RULES {
            let meta = r.meta;
            let example = code_blocks(&meta.section("Example").unwrap_or_default());
            assert!(!example.is_empty(), "{}: Example has no code block", meta.code);
            let report = run_blocks(&example, &[]);
            assert!(
                report.findings.iter().any(|f| f.code == meta.code),
                "{}: its Example does not trigger it; findings: {:?}",
                meta.code,
                report.findings.iter().map(|f| (&f.code, &f.message)).collect::<Vec<_>>()
            );
            let instead = code_blocks(&meta.section("Use instead").unwrap_or_default());
            assert!(!instead.is_empty(), "{}: Use instead has no code block", meta.code);
            let report = run_blocks(&instead, &example);
            assert!(
                !report.findings.iter().any(|f| f.code == meta.code),
                "{}: its Use-instead code still triggers it: {:?}",
                meta.code,
                report.findings.iter().filter(|f| f.code == meta.code).map(|f| &f.message).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn every_rule_file_is_registered() {
        fn count(dir: &std::path::Path) -> usize {
            let mut n = 0;
            for entry in std::fs::read_dir(dir).expect("rules dir is readable") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    n += count(&path);
                } else if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                    let b = name.as_bytes();
                    if name.ends_with(".rs")
                        && b.len() > 7
                        && b[..3].iter().all(u8::is_ascii_lowercase)
                        && b[3..6].iter().all(u8::is_ascii_digit)
                        && b[6] == b'_'
                    {
                        n += 1;
                    }
                }
            }
            n
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        assert_eq!(count(&dir), RULES.len(), "a rule file is missing from RULES (or RULES lists a rule with no file)");
    }

    /// The README's rule table and the precision summary are for users: they must list every rule.
    #[test]
    fn user_docs_list_every_rule() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for doc in ["README.md", "docs/rule-precision.md"] {
            let text = std::fs::read_to_string(root.join(doc)).expect("doc is readable");
            for rule in RULES {
                assert!(
                    text.contains(&format!("| {} |", rule.meta.code)),
                    "{doc} has no table row for {}",
                    rule.meta.code
                );
            }
        }
    }

    #[test]
    fn find_rule_by_code_or_name() {
        assert_eq!(find_rule("qry101").map(|m| m.name), Some("fk-access-in-loop"));
        assert_eq!(find_rule("fk-access-in-loop").map(|m| m.code), Some("QRY101"));
        assert!(find_rule("nope").is_none());
    }
}
