//! The SQL Django's PostgreSQL schema editor emits for an operation, written the way
//! `sqlmigrate` prints it (names included), so reviewers see what will run.

use super::md5;
use super::state::{FieldDef, ModelState, ProjectState};
use super::value::{Call, PyValue};
use crate::text::Case;

/// PostgreSQL's identifier limit, which Django's generated names respect.
const MAX_NAME: usize = 63;

pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Django's generated name for an index or constraint on `table` (`columns`), with `suffix`:
/// table, columns and the first eight hex digits of an MD5 over them, shortened to fit. Lengths are
/// counted in characters, as Django counts them (Python's `len`), so a name with non-ASCII letters
/// is cut where Django cuts it, never inside a character.
pub fn generated_name(table: &str, columns: &[&str], suffix: &str) -> String {
    let table = table.rsplit('.').next().unwrap_or(table).trim_matches('"');
    let mut digest_input = Vec::new();
    digest_input.extend_from_slice(table.as_bytes());
    for c in columns {
        digest_input.extend_from_slice(c.as_bytes());
    }
    let mut hash_suffix = format!("{}{suffix}", &md5::hex_digest(&digest_input)[..8]);
    let joined = columns.join("_");
    let name = format!("{table}_{joined}_{hash_suffix}");
    if name.chars().count() <= MAX_NAME {
        return name;
    }
    let first_chars = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    if hash_suffix.chars().count() > MAX_NAME / 3 {
        hash_suffix = first_chars(&hash_suffix, MAX_NAME / 3);
    }
    let other = (MAX_NAME - hash_suffix.chars().count()) / 2 - 1;
    let mut name = format!("{}_{}_{hash_suffix}", first_chars(table, other), first_chars(&joined, other));
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.pop();
        name.insert(0, 'D');
    }
    name
}

/// A Python default as SQL: literals as literals; anything Python computes is shown as such.
pub fn default_sql(v: &PyValue) -> String {
    match v {
        PyValue::Str(s) => format!("'{}'", s.replace('\'', "''")),
        PyValue::Int(i) => i.to_string(),
        PyValue::Float(f) => f.to_string(),
        PyValue::Bool(b) => b.to_string(),
        PyValue::None => "NULL".into(),
        PyValue::List(l) if l.is_empty() => "'[]'".into(),
        PyValue::Dict(d) if d.is_empty() => "'{}'".into(),
        other => format!("<value of {} computed once by Django>", other.to_python()),
    }
}

/// A `db_default` expression as SQL.
pub fn db_default_sql(v: &PyValue) -> String {
    match v.short_name() {
        Some("Now") => "(STATEMENT_TIMESTAMP())".into(),
        Some("RandomUUID") => "(GEN_RANDOM_UUID())".into(),
        Some("Random") => "(RANDOM())".into(),
        Some("Value") => v.as_call().and_then(|c| c.args.first()).map(default_sql).unwrap_or_else(|| "<value>".into()),
        _ => match v {
            PyValue::Call(c) => format!("({})", c.source),
            other => default_sql(other),
        },
    }
}

/// The column definition after the column name: type, nullability, inline checks.
pub fn column_type(field: &FieldDef, column: &str, target_pk: Option<&str>) -> String {
    let mut t = field.db_type(target_pk).unwrap_or_else(|| "<no column>".into());
    if field.class().starts_with("Positive") {
        t.push_str(&format!(" CHECK ({} >= 0)", quote(column)));
    }
    t
}

/// The columns a model field list names (`author` → `author_id`), for indexes and constraints.
pub fn columns_of(model: Option<&ModelState>, fields: &[PyValue]) -> Vec<String> {
    fields
        .iter()
        .filter_map(PyValue::as_str)
        .map(|f| {
            let (name, desc) = match f.strip_prefix('-') {
                Some(n) => (n, " DESC"),
                None => (f, ""),
            };
            let column = model.and_then(|m| m.field(name)).map(|d| d.column(name)).unwrap_or_else(|| name.to_string());
            format!("{column}{desc}")
        })
        .collect()
}

/// A `Q(...)` condition as SQL, for partial indexes and check constraints; approximate but
/// faithful for the lookups migrations use.
pub fn condition_sql(model: Option<&ModelState>, v: &PyValue) -> String {
    let Some(q) = v.as_call() else { return v.to_python() };
    if q.short_func() != "Q" {
        return format!("<{}>", q.source);
    }
    let connector = match q.kwarg("_connector").and_then(PyValue::as_str) {
        Some("OR") => " OR ",
        _ => " AND ",
    };
    let mut parts: Vec<String> = Vec::new();
    for a in &q.args {
        match a {
            PyValue::List(pair) if pair.len() == 2 => {
                if let Some(k) = pair[0].as_str() {
                    parts.push(lookup_sql(model, k, &pair[1]));
                }
            }
            nested @ PyValue::Call(_) => parts.push(format!("({})", condition_sql(model, nested))),
            _ => {}
        }
    }
    for (k, val) in &q.kwargs {
        if !k.starts_with('_') {
            parts.push(lookup_sql(model, k, val));
        }
    }
    let body = parts.join(connector);
    if q.kwarg("_negated").and_then(PyValue::as_bool) == Some(true) {
        format!("NOT ({body})")
    } else {
        body
    }
}

fn lookup_sql(model: Option<&ModelState>, key: &str, value: &PyValue) -> String {
    let mut parts: Vec<&str> = key.split("__").collect();
    let lookup = match parts.last() {
        Some(&l)
            if ["exact", "gt", "gte", "lt", "lte", "isnull", "in", "startswith", "contains", "iexact"].contains(&l) =>
        {
            parts.pop();
            l
        }
        _ => "exact",
    };
    let field = parts.first().copied().unwrap_or(key);
    let column =
        quote(&model.and_then(|m| m.field(field)).map(|d| d.column(field)).unwrap_or_else(|| field.to_string()));
    let v = match value {
        PyValue::Call(c) if c.short_func() == "F" => {
            c.args.first().and_then(PyValue::as_str).map(quote).unwrap_or_else(|| c.source.clone())
        }
        other => default_sql(other),
    };
    match lookup {
        "gt" => format!("{column} > {v}"),
        "gte" => format!("{column} >= {v}"),
        "lt" => format!("{column} < {v}"),
        "lte" => format!("{column} <= {v}"),
        "isnull" if value.as_bool() == Some(true) => format!("{column} IS NULL"),
        "isnull" => format!("{column} IS NOT NULL"),
        "in" => format!("{column} IN ({})", value.as_list().iter().map(default_sql).collect::<Vec<_>>().join(", ")),
        "startswith" | "contains" => format!("{column} LIKE {v}"),
        "iexact" => format!("UPPER({column}) = UPPER({v})"),
        _ if matches!(value, PyValue::None) => format!("{column} IS NULL"),
        _ => format!("{column} = {v}"),
    }
}

/// `ALTER TABLE ... ADD COLUMN ...` and what follows it for a new field.
pub fn add_field(state: &ProjectState, model: &ModelState, name: &str, field: &FieldDef, postgres: u32) -> Vec<String> {
    let table = model.table();
    let column = field.column(name);
    let target_pk = state.target_key_type(&model.app, field);
    let mut sql = Vec::new();
    if field.is_many_to_many() {
        let target = field.target().unwrap_or_else(|| "other".into());
        let target_model = state.resolve(&model.app, &target);
        let through = format!("{table}_{}", name.lowercase());
        let own_col = format!("{}_id", model.name.lowercase());
        let other_col = format!("{}_id", target.rsplit('.').next().unwrap_or(&target).lowercase());
        let own_pk = model.pk().and_then(|(_, f)| f.key_type()).unwrap_or_else(|| "bigint".into());
        let other_pk =
            target_model.and_then(|m| m.pk()).and_then(|(_, f)| f.key_type()).unwrap_or_else(|| "bigint".into());
        sql.push(format!(
            "CREATE TABLE {} (\"id\" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, {} {own_pk} NOT NULL, {} {other_pk} NOT NULL)",
            quote(&through),
            quote(&own_col),
            quote(&other_col)
        ));
        let uniq = generated_name(&through, &[&own_col, &other_col], "_uniq");
        sql.push(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({}, {})",
            quote(&through),
            quote(&uniq),
            quote(&own_col),
            quote(&other_col)
        ));
        for (col, parent) in [(&own_col, table.clone()), (&other_col, state.target_table(&model.app, &target))] {
            let fk = generated_name(&through, &[col], &format!("_fk_{parent}_id"));
            sql.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (\"id\") DEFERRABLE INITIALLY DEFERRED",
                quote(&through),
                quote(&fk),
                quote(col),
                quote(&parent)
            ));
            sql.push(format!(
                "CREATE INDEX {} ON {} ({})",
                quote(&generated_name(&through, &[col], "")),
                quote(&through),
                quote(col)
            ));
        }
        return sql;
    }
    let mut def = format!(
        "ALTER TABLE {} ADD COLUMN {} {}",
        quote(&table),
        quote(&column),
        column_type(field, &column, target_pk.as_deref())
    );
    let python_default = field.default().filter(|_| field.db_default().is_none());
    if let Some(d) = field.db_default() {
        def.push_str(&format!(" DEFAULT {}", db_default_sql(d)));
    } else if let Some(d) = python_default {
        // Django fills existing rows through a temporary default, then drops it.
        if !field.null() {
            def.push_str(&format!(" DEFAULT {}", default_sql(d)));
        }
    }
    def.push_str(if field.null() { " NULL" } else { " NOT NULL" });
    if field.unique() && !field.primary_key() {
        def.push_str(" UNIQUE");
    }
    let fk_name = field.is_foreign_key().then(|| {
        let parent = state.target_table(&model.app, &field.target().unwrap_or_default());
        (generated_name(&table, &[&column], &format!("_fk_{parent}_id")), parent)
    });
    if let (Some((fk, parent)), true) = (&fk_name, field.db_constraint()) {
        def.push_str(&format!(
            " CONSTRAINT {} REFERENCES {} (\"id\") DEFERRABLE INITIALLY DEFERRED",
            quote(fk),
            quote(parent)
        ));
    }
    sql.push(def);
    if let (Some((fk, _)), true) = (&fk_name, field.db_constraint()) {
        sql.push(format!("SET CONSTRAINTS {} IMMEDIATE", quote(fk)));
    }
    if python_default.is_some() && !field.null() {
        sql.push(format!("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT", quote(&table), quote(&column)));
    }
    let _ = postgres;
    sql.extend(field_indexes(&table, &column, field));
    sql
}

/// The indexes Django adds for a field: `db_index` (and a `_like` one for text columns, which
/// pattern queries need), and the `_like` index of a unique text column.
pub fn field_indexes(table: &str, column: &str, field: &FieldDef) -> Vec<String> {
    let mut sql = Vec::new();
    let text = matches!(field.db_type(None).as_deref(), Some(t) if t.starts_with("varchar") || t == "text");
    if field.db_index() && !field.unique() {
        sql.push(format!(
            "CREATE INDEX {} ON {} ({})",
            quote(&generated_name(table, &[column], "")),
            quote(table),
            quote(column)
        ));
    }
    if text && (field.db_index() || field.unique()) && !field.primary_key() {
        let ops = if field.class() == "TextField" { "text_pattern_ops" } else { "varchar_pattern_ops" };
        sql.push(format!(
            "CREATE INDEX {} ON {} ({} {ops})",
            quote(&generated_name(table, &[column], "_like")),
            quote(table),
            quote(column)
        ));
    }
    sql
}

/// `CREATE TABLE` for a new model, with its foreign keys and indexes.
pub fn create_model(state: &ProjectState, model: &ModelState) -> Vec<String> {
    let table = model.table();
    let mut columns = Vec::new();
    let mut after = Vec::new();
    for (name, f) in &model.fields {
        if f.is_many_to_many() {
            after.extend(
                add_field(state, model, name, f, 16)
                    .into_iter()
                    .filter(|s| s.starts_with("CREATE TABLE") || s.starts_with("ALTER TABLE \"") && s.contains("_fk_")),
            );
            continue;
        }
        let column = f.column(name);
        let target_pk = state.target_key_type(&model.app, f);
        let mut def = format!("{} {}", quote(&column), column_type(f, &column, target_pk.as_deref()));
        if matches!(f.class(), "AutoField" | "BigAutoField" | "SmallAutoField") {
            def.push_str(" NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY");
        } else {
            def.push_str(if f.null() { " NULL" } else { " NOT NULL" });
            if f.primary_key() {
                def.push_str(" PRIMARY KEY");
            } else if f.unique() {
                def.push_str(" UNIQUE");
            }
            if let Some(d) = f.db_default() {
                def.push_str(&format!(" DEFAULT {}", db_default_sql(d)));
            }
        }
        columns.push(def);
        if f.is_foreign_key() && f.db_constraint() {
            let parent = state.target_table(&model.app, &f.target().unwrap_or_default());
            let fk = generated_name(&table, &[&column], &format!("_fk_{parent}_id"));
            after.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (\"id\") DEFERRABLE INITIALLY DEFERRED",
                quote(&table),
                quote(&fk),
                quote(&column),
                quote(&parent)
            ));
        }
        after.extend(field_indexes(&table, &column, f));
    }
    for set in &model.unique_together {
        let cols: Vec<String> =
            set.iter().map(|n| model.field(n).map(|f| f.column(n)).unwrap_or_else(|| n.clone())).collect();
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        after.push(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
            quote(&table),
            quote(&generated_name(&table, &refs, "_uniq")),
            cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
        ));
    }
    let mut sql = vec![format!("CREATE TABLE {} ({})", quote(&table), columns.join(", "))];
    sql.extend(after);
    sql
}

/// `CREATE INDEX` for an `Index(...)` (partial and concurrent variants included).
pub fn create_index(model: Option<&ModelState>, table: &str, index: &Call, concurrently: bool, unique: bool) -> String {
    let name = index.kwarg("name").and_then(PyValue::as_str).unwrap_or("<index name>");
    let fields = index.kwarg("fields").map(|f| columns_of(model, f.as_list())).unwrap_or_default();
    let columns = if fields.is_empty() {
        index.args.iter().map(|e| format!("({})", e.to_python())).collect::<Vec<_>>().join(", ")
    } else {
        fields
            .iter()
            .map(|c| match c.strip_suffix(" DESC") {
                Some(col) => format!("{} DESC", quote(col)),
                None => quote(c),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let method = match index.short_func() {
        "GinIndex" => " USING gin",
        "GistIndex" => " USING gist",
        "BrinIndex" => " USING brin",
        "HashIndex" => " USING hash",
        "BTreeIndex" => " USING btree",
        "SpGistIndex" => " USING spgist",
        "BloomIndex" => " USING bloom",
        _ => "",
    };
    let mut sql = format!(
        "CREATE {}INDEX {}{} ON {}{method} ({columns})",
        if unique { "UNIQUE " } else { "" },
        if concurrently { "CONCURRENTLY " } else { "" },
        quote(name),
        quote(table)
    );
    if let Some(cond) = index.kwarg("condition") {
        sql.push_str(&format!(" WHERE {}", condition_sql(model, cond)));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::generated_name;

    // Expected names computed with Django's own algorithm (`BaseDatabaseSchemaEditor._create_index_name`).
    #[test]
    fn generated_names_match_django_and_count_characters() {
        assert_eq!(
            generated_name("shop_order", &["customer_id"], "_fk_shop_customer_id"),
            "shop_order_customer_id_f638df20_fk_shop_customer_id"
        );
        // Found by the `migrations` fuzz target: a referenced table with non-ASCII characters put a
        // multi-byte character across the 21st byte of the hash part, where the cut used to be.
        let suffix = format!("_fk_shop_cus{}tomer_id", "\u{FFFD}".repeat(40));
        assert_eq!(
            generated_name("shop_order", &["customer_id"], &suffix),
            "shop_order_customer_id_f638df20_fk_shop_cus\u{FFFD}"
        );
        // Django counts characters, not bytes: this name is 61 characters (71 bytes) and kept whole
        // in its shortened form.
        let table = format!("boutique_commande{}", "é".repeat(28));
        assert_eq!(
            generated_name(&table, &["clientèle_référence_id"], "_uniq"),
            "boutique_commandeééééééé_clientèle_référence_id_1d89c20b_uniq"
        );
    }
}
