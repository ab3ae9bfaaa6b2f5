//! `RunSQL`: the SQL is linted statement by statement for what it locks and how long.

use super::judge::{score_for, JudgeCtx, Judgement, Lock, Risk, RiskKind, Work};
use super::read::Operation;
use super::value::PyValue;
use crate::text::Case;

pub fn judge(ctx: &JudgeCtx<'_>, op: &Operation, j: &mut Judgement) {
    let statements: Vec<String> = sql_texts(op.call.arg("sql", 0)).iter().flat_map(|s| split_statements(s)).collect();
    let reverse = op.call.arg("reverse_sql", 1);
    j.sql = statements.clone();
    if statements.is_empty() {
        j.reasons.push("No SQL could be read (built at run time).".into());
        j.score = 20;
        return;
    }
    let mut writes = false;
    let mut ddl = false;
    for s in &statements {
        let c = classify(s, ctx.migration.atomic, ctx.options.postgres);
        if let Some(t) = &c.table {
            if !j.tables.contains(t) {
                j.tables.push(t.clone());
            }
        }
        j.lock = j.lock.max(c.lock);
        j.work = j.work.max(c.work);
        j.score = j.score.max(c.score);
        writes |= c.writes;
        ddl |= c.lock == Lock::AccessExclusive && !c.writes;
        if let Some(reason) = c.reason {
            j.reasons.push(reason.clone());
            if let Some(kind) = c.kind {
                j.risks.push(Risk {
                    recipe: None,
                    kind,
                    message: format!("{}: {}", first_line(s), lowercase_first(&reason)),
                });
            }
        }
        if let Some(old) = c.old_code {
            j.old_code = Some(old);
        }
        if let Some(recipe) = c.recipe {
            j.recipe.get_or_insert(recipe);
        }
    }
    if writes && ddl && ctx.migration.atomic {
        j.score = j.score.max(65);
        j.reasons.push("Data changes and DDL in one transaction: the DDL's ACCESS EXCLUSIVE lock is held while every row is updated. Split them into separate migrations.".into());
    }
    if reverse.is_none() {
        j.score = j.score.max(20);
        j.reasons.push("No `reverse_sql`: the migration cannot be unapplied.".into());
        j.risks.push(Risk {
            recipe: None,
            kind: RiskKind::RunSqlStatement,
            message: "`RunSQL` has no `reverse_sql`: `migrate` cannot go back past it (use `migrations.RunSQL.noop` if nothing needs undoing)".into(),
        });
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or(s).trim();
    let short: String = line.chars().take(80).collect();
    format!("`{short}{}`", if line.chars().count() > 80 { "…" } else { "" })
}

/// `The constraint ...` → `the constraint ...`; SQL keywords (`CREATE INDEX ...`) stay as they are.
fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), s.chars().nth(1)) {
        (Some(f), Some(second)) if !second.is_uppercase() => f.encode_utf8(&mut [0; 4]).lowercase() + c.as_str(),
        _ => s.to_string(),
    }
}

/// The SQL texts of `RunSQL(sql=...)`: a string, a list of strings, or `(sql, params)` pairs.
fn sql_texts(v: Option<&PyValue>) -> Vec<String> {
    match v {
        Some(PyValue::Str(s)) => vec![s.clone()],
        Some(PyValue::List(items)) => items
            .iter()
            .filter_map(|i| match i {
                PyValue::Str(s) => Some(s.clone()),
                PyValue::List(pair) => pair.first().and_then(PyValue::as_str).map(str::to_string),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Splits SQL on `;` outside quotes, dollar-quoted bodies and comments.
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    let mut dollar: Option<String> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(tag) = &dollar {
            if c == '$' && sql_starts_with(&chars, i, tag) {
                current.push_str(tag);
                i += tag.chars().count();
                dollar = None;
                continue;
            }
            current.push(c);
            i += 1;
            continue;
        }
        if let Some(q) = quote {
            current.push(c);
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                current.push(c);
            }
            '$' => {
                // `$tag$ ... $tag$`
                let end = chars[i + 1..].iter().position(|&x| x == '$').map(|p| p + i + 1);
                match end {
                    Some(e) if chars[i + 1..e].iter().all(|x| x.is_alphanumeric() || *x == '_') => {
                        let tag: String = chars[i..=e].iter().collect();
                        current.push_str(&tag);
                        i = e + 1;
                        dollar = Some(tag);
                        continue;
                    }
                    _ => current.push(c),
                }
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            ';' => {
                if !current.trim().is_empty() {
                    out.push(current.trim().to_string());
                }
                current.clear();
            }
            _ => current.push(c),
        }
        i += 1;
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

fn sql_starts_with(chars: &[char], at: usize, tag: &str) -> bool {
    let tag: Vec<char> = tag.chars().collect();
    chars.len() >= at + tag.len() && chars[at..at + tag.len()] == tag[..]
}

/// What one statement does to the table it names.
#[derive(Default)]
struct Class {
    lock: Lock,
    work: Work,
    score: u8,
    table: Option<String>,
    reason: Option<String>,
    kind: Option<RiskKind>,
    old_code: Option<String>,
    recipe: Option<String>,
    writes: bool,
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

/// The table after a keyword sequence: `ALTER TABLE [ONLY] [IF EXISTS] name`.
fn table_after(original: &str, upper_words: &[String], keyword: &str) -> Option<String> {
    let raw: Vec<&str> = original.split(|c: char| c.is_whitespace() || c == '(').filter(|w| !w.is_empty()).collect();
    let pos = upper_words.iter().position(|w| w == keyword)?;
    let mut k = pos + 1;
    while k < upper_words.len()
        && matches!(
            upper_words[k].as_str(),
            "TABLE" | "ONLY" | "IF" | "EXISTS" | "NOT" | "FROM" | "INTO" | "CONCURRENTLY"
        )
    {
        k += 1;
    }
    raw.get(k).map(|t| t.trim_matches('"').trim_end_matches(';').to_string())
}

fn classify(statement: &str, atomic: bool, postgres: u32) -> Class {
    let w = words(statement);
    let has = |x: &str| w.iter().any(|y| y == x);
    let has_seq = |a: &str, b: &str| w.windows(2).any(|p| p[0] == a && p[1] == b);
    let first = w.first().map(String::as_str).unwrap_or("");
    let mut c = Class::default();
    let not_valid = has_seq("NOT", "VALID");
    match first {
        "CREATE" if has("INDEX") => {
            c.table = table_after(statement, &w, "ON");
            if has("CONCURRENTLY") {
                if atomic {
                    c.lock = Lock::ShareUpdateExclusive;
                    c.score = 90;
                    c.kind = Some(RiskKind::ConcurrentInTransaction);
                    c.reason = Some("CREATE INDEX CONCURRENTLY cannot run inside a transaction: the migration fails unless it sets `atomic = False`.".into());
                } else {
                    c.lock = Lock::ShareUpdateExclusive;
                    c.work = Work::IndexBuild;
                    c.score = 15;
                    if !has("EXISTS") {
                        c.reason = Some("A failed CONCURRENTLY build leaves an INVALID index and the rerun fails: add IF NOT EXISTS (and drop invalid leftovers).".into());
                    }
                }
            } else {
                c.lock = Lock::Share;
                c.work = Work::IndexBuild;
                c.score = 50;
                c.kind = Some(RiskKind::IndexBuild);
                c.reason =
                    Some("CREATE INDEX without CONCURRENTLY blocks writes to the table for the whole build.".into());
                c.recipe = Some("# atomic = False, then:\nmigrations.RunSQL('CREATE INDEX CONCURRENTLY IF NOT EXISTS ...', reverse_sql='DROP INDEX CONCURRENTLY IF EXISTS ...')".into());
            }
        }
        "ALTER" if has("TABLE") => {
            c.table = table_after(statement, &w, "ALTER");
            c.lock = Lock::AccessExclusive;
            c.work = Work::Metadata;
            c.score = score_for(Lock::AccessExclusive, Work::Metadata);
            if has_seq("ADD", "COLUMN") || (has("ADD") && !has("CONSTRAINT") && !has("INDEX")) {
                let volatile = ["GEN_RANDOM_UUID", "RANDOM", "CLOCK_TIMESTAMP", "UUID_GENERATE_V4", "TIMEOFDAY"]
                    .iter()
                    .any(|f| w.iter().any(|x| x.starts_with(f)));
                if has("DEFAULT") && volatile {
                    c.work = Work::Rewrite;
                    c.score = 80;
                    c.kind = Some(RiskKind::Rewrite);
                    c.reason = Some("A volatile DEFAULT is computed for every existing row: the table and its indexes are rewritten under ACCESS EXCLUSIVE.".into());
                } else if has("DEFAULT") && postgres < 11 {
                    c.work = Work::Rewrite;
                    c.score = 80;
                    c.kind = Some(RiskKind::Rewrite);
                    c.reason = Some(format!("On PostgreSQL {postgres} a column with a DEFAULT rewrites the table."));
                } else if has_seq("NOT", "NULL") && !has("DEFAULT") {
                    c.score = 65;
                    c.kind = Some(RiskKind::NotNullWithoutDbDefault);
                    c.reason = Some("ADD COLUMN … NOT NULL without a DEFAULT fails on a table with rows.".into());
                }
                if has("REFERENCES") && !not_valid {
                    c.work = Work::Scan;
                    c.score = c.score.max(65);
                    c.kind = Some(RiskKind::ValidatedConstraint);
                    c.reason = Some("The inline foreign key is validated at once: the table is scanned under ACCESS EXCLUSIVE and the parent blocks writes.".into());
                }
            }
            if has("TYPE") && has("ALTER") && has("COLUMN") && !has_seq("ADD", "COLUMN") {
                c.work = Work::Rewrite;
                c.score = 80;
                c.kind = Some(RiskKind::Rewrite);
                c.reason = Some("ALTER COLUMN … TYPE rewrites the table and its indexes unless the types are binary-compatible (varchar growth, varchar → text).".into());
            }
            if has_seq("SET", "NOT") && has("NULL") && has("ALTER") {
                c.work = Work::Scan;
                c.score = 65;
                c.kind = Some(RiskKind::NotNullScan);
                c.reason = Some("SET NOT NULL scans the whole table under ACCESS EXCLUSIVE (PostgreSQL 12+ skips the scan when a validated CHECK (col IS NOT NULL) exists).".into());
            }
            if has("CONSTRAINT") && has("ADD") {
                if (has("CHECK") || has("FOREIGN") || has("REFERENCES")) && !not_valid {
                    c.work = Work::Scan;
                    c.score = 65;
                    c.kind = Some(RiskKind::ValidatedConstraint);
                    c.reason = Some("The constraint is validated at once, scanning the table while it is locked: add it NOT VALID and VALIDATE it in a later migration.".into());
                    if has("FOREIGN") || has("REFERENCES") {
                        c.lock = Lock::ShareRowExclusive;
                    }
                } else if (has("UNIQUE") || has_seq("PRIMARY", "KEY")) && !has_seq("USING", "INDEX") {
                    c.work = Work::IndexBuild;
                    c.score = 65;
                    c.kind = Some(RiskKind::IndexBuild);
                    c.reason = Some("ADD CONSTRAINT … UNIQUE builds its index under ACCESS EXCLUSIVE: build a unique index CONCURRENTLY first, then ADD CONSTRAINT … USING INDEX.".into());
                } else if not_valid {
                    c.reason =
                        Some("NOT VALID: brief lock, existing rows are checked later by VALIDATE CONSTRAINT.".into());
                }
            }
            if has_seq("VALIDATE", "CONSTRAINT") {
                c.lock = Lock::ShareUpdateExclusive;
                c.work = Work::Scan;
                c.score = 15;
            }
            if has_seq("DROP", "COLUMN") {
                if has_seq("IF", "EXISTS") {
                    c.score = 20;
                    c.reason = Some("DROP COLUMN IF EXISTS: the staged second step of a removal; safe once no running release reads the column.".into());
                } else {
                    c.score = 75;
                    c.kind = Some(RiskKind::DropWhileInUse);
                    c.reason = Some(
                        "DROP COLUMN breaks every query of the release still serving traffic that selects the column."
                            .into(),
                    );
                    c.old_code = Some("Old code selects the dropped column and fails.".into());
                }
            }
            if has("RENAME") {
                c.score = 70;
                c.kind = Some(RiskKind::RenameWhileInUse);
                c.reason = Some(
                    "RENAME breaks every query of the release still serving traffic that uses the old name.".into(),
                );
                c.old_code = Some("Old code uses the old name and fails.".into());
            }
        }
        "DROP" if has("TABLE") => {
            c.table = table_after(statement, &w, "DROP");
            c.lock = Lock::AccessExclusive;
            c.work = Work::Metadata;
            if has_seq("IF", "EXISTS") {
                c.score = 20;
                c.reason = Some("DROP TABLE IF EXISTS: the staged second step of a model removal; safe once no running release uses the table.".into());
            } else {
                c.score = 75;
                c.kind = Some(RiskKind::DropWhileInUse);
                c.reason = Some("DROP TABLE breaks the release still serving traffic and loses the data.".into());
            }
        }
        "DROP" if has("INDEX") => {
            if has("CONCURRENTLY") {
                c.lock = Lock::ShareUpdateExclusive;
                if atomic {
                    c.score = 90;
                    c.kind = Some(RiskKind::ConcurrentInTransaction);
                    c.reason =
                        Some("DROP INDEX CONCURRENTLY cannot run inside a transaction: set `atomic = False`.".into());
                }
            } else {
                c.lock = Lock::AccessExclusive;
                c.work = Work::Metadata;
                c.score = 10;
            }
        }
        "UPDATE" | "DELETE" => {
            c.table = table_after(statement, &w, first);
            c.lock = Lock::RowExclusive;
            c.writes = true;
            if has("WHERE") {
                c.score = 20;
            } else {
                c.score = 45;
                c.kind = Some(RiskKind::DataMigration);
                c.reason = Some(format!("{first} without WHERE writes every row in one transaction, holding all row locks until the migration commits."));
            }
        }
        "LOCK" => {
            c.table = table_after(statement, &w, "LOCK");
            c.lock = Lock::AccessExclusive;
            c.score = 50;
            c.reason = Some("LOCK TABLE holds its lock until the migration commits.".into());
        }
        "VACUUM" => {
            c.score = if atomic { 90 } else { 15 };
            if has("FULL") {
                c.lock = Lock::AccessExclusive;
                c.work = Work::Rewrite;
                c.score = c.score.max(80);
            }
            if atomic {
                c.kind = Some(RiskKind::ConcurrentInTransaction);
                c.reason =
                    Some("VACUUM cannot run inside a transaction: the migration fails unless `atomic = False`.".into());
            }
        }
        "CLUSTER" => {
            c.lock = Lock::AccessExclusive;
            c.work = Work::Rewrite;
            c.score = 80;
            c.kind = Some(RiskKind::Rewrite);
            c.reason = Some("CLUSTER rewrites the table under ACCESS EXCLUSIVE.".into());
        }
        "REINDEX" => {
            if has("CONCURRENTLY") {
                c.lock = Lock::ShareUpdateExclusive;
                c.score = if atomic { 90 } else { 15 };
                if atomic {
                    c.kind = Some(RiskKind::ConcurrentInTransaction);
                    c.reason =
                        Some("REINDEX CONCURRENTLY cannot run inside a transaction: set `atomic = False`.".into());
                }
            } else {
                c.lock = Lock::AccessExclusive;
                c.work = Work::IndexBuild;
                c.score = 65;
                c.kind = Some(RiskKind::IndexBuild);
                c.reason = Some("REINDEX without CONCURRENTLY locks out reads of the index and writes to the table (PostgreSQL 12+ has REINDEX CONCURRENTLY).".into());
            }
        }
        "ALTER" if has("TYPE") && has_seq("ADD", "VALUE") => {
            if atomic && postgres < 12 {
                c.score = 90;
                c.kind = Some(RiskKind::ConcurrentInTransaction);
                c.reason = Some(format!("ALTER TYPE … ADD VALUE cannot run in a transaction on PostgreSQL {postgres}: set `atomic = False`."));
            } else {
                c.score = 10;
                c.reason = Some("The new enum value is usable only after the migration commits.".into());
            }
        }
        "SET" | "SELECT" | "CREATE" | "INSERT" | "COMMENT" | "GRANT" | "REVOKE" => {
            c.score = if first == "INSERT" { 10 } else { 0 };
            c.writes = first == "INSERT";
        }
        _ => {
            c.score = 10;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::split_statements;

    #[test]
    fn statements_split_outside_quotes_and_function_bodies() {
        let sql = "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 1; RETURN NEW; END $$ LANGUAGE plpgsql;\n\
                   UPDATE t SET a = 'x;y'; -- trailing; comment\nSELECT 1";
        let parts = split_statements(sql);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts[0].contains("RETURN NEW; END $$"));
        assert_eq!(parts[1], "UPDATE t SET a = 'x;y'");
    }
}
