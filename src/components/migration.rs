use engine::{MigrationReport, OperationReport};
use yew::prelude::*;

use super::field::CommitField;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub migration: MigrationReport,
    /// Asks the app to put text on the clipboard (the app owns browser side effects).
    pub on_copy: Callback<String>,
    /// Asks the app to show a line of the migration in the editor.
    pub on_line: Callback<u32>,
    pub postgres: u32,
    pub hot_tables: Vec<String>,
    pub on_postgres: Callback<u32>,
    pub on_hot_tables: Callback<String>,
}

/// A migration's risk: the score gauge and verdict, what raised it, and per operation the lock,
/// what the database does, the SQL, what breaks for old code and the safe recipe.
#[function_component(MigrationView)]
pub fn migration_view(p: &Props) -> Html {
    let m = &p.migration;
    let gauge_style = format!("--score: {}", m.score);
    html! {
        <section class="migration" data-testid="migration-view" aria-label="Migration risk">
            <header class="migration-head">
                <div class={classes!("gauge", m.verdict.clone())} style={gauge_style} data-testid="migration-score"
                     title="Migration risk, 0 (safe) to 100 (dangerous)">
                    <span>{ m.score }</span>
                </div>
                <div class="migration-title">
                    <span class={classes!("verdict", m.verdict.clone())} data-testid="migration-verdict">{ &m.verdict }</span>
                    <span class="name">{ format!("{}.{}", m.app, m.name) }</span>
                    <p class="summary">{ &m.summary }</p>
                    if !m.atomic { <p class="note">{ "atomic = False: each operation commits on its own." }</p> }
                </div>
            </header>
            <div class="migration-options">
                <label>{ "PostgreSQL " }
                    <select data-testid="postgres-version" onchange={p.on_postgres.reform(|e: Event| {
                        e.target_unchecked_into::<web_sys::HtmlSelectElement>().value().parse().unwrap_or(16)
                    })}>
                        { for (10..=18u32).map(|v| html! { <option value={v.to_string()} selected={v == p.postgres}>{ v }</option> }) }
                    </select>
                </label>
                <label>{ "Hot tables " }
                    <CommitField testid="hot-tables" placeholder="shop_order, auth_user" label="Hot tables"
                        value={AttrValue::from(p.hot_tables.join(", "))} on_commit={p.on_hot_tables.clone()} />
                </label>
            </div>
            if !m.reasons.is_empty() {
                <ul class="migration-reasons">{ for m.reasons.iter().map(|r| html! { <li>{ r }</li> }) }</ul>
            }
            <ol class="operations">
                { for m.operations.iter().map(|op| operation(op, &p.on_copy, &p.on_line)) }
            </ol>
        </section>
    }
}

fn lock_class(lock: &str) -> &'static str {
    match lock {
        "ACCESS EXCLUSIVE" => "lock-ael",
        "SHARE" | "SHARE ROW EXCLUSIVE" => "lock-share",
        "SHARE UPDATE EXCLUSIVE" => "lock-sue",
        _ => "lock-none",
    }
}

fn operation(op: &OperationReport, on_copy: &Callback<String>, on_line: &Callback<u32>) -> Html {
    let target = match (&op.model, &op.field) {
        (Some(m), Some(f)) => format!("{m}.{f}"),
        (Some(m), None) => m.clone(),
        _ => String::new(),
    };
    let line = op.line;
    let goto = on_line.reform(move |_: MouseEvent| line);
    let copy_recipe = op.recipe.clone().map(|r| on_copy.reform(move |_: MouseEvent| r.clone()));
    let copy_sql = {
        let sql = op.sql.clone();
        on_copy.reform(move |_: MouseEvent| sql.clone())
    };
    let band = match op.score {
        0..=24 => "safe",
        25..=59 => "review",
        _ => "dangerous",
    };
    html! {
        <li class={classes!("operation", band)} data-testid="migration-op" data-op={op.op.clone()} data-score={op.score.to_string()}>
            <div class="op-head">
                <button class="link op-name" onclick={goto} title={format!("Show line {line}")}>
                    <span class="op">{ &op.op }</span>
                    if !target.is_empty() { <span class="target">{ target }</span> }
                </button>
                <span class={classes!("lock-badge", lock_class(&op.lock))} data-testid="lock-badge" title={format!("Blocks {}", op.blocks)}>
                    { if op.lock == "none" { "no lock".to_string() } else { op.lock.clone() } }
                </span>
                if op.rewrite != "none" && op.rewrite != "metadata" {
                    <span class="work-badge">{ match op.rewrite.as_str() { "index" => "index build", "scan" => "full scan", other => other } }</span>
                }
                <span class="op-score" title="Operation risk">{ op.score }</span>
            </div>
            if !op.tables.is_empty() && op.lock != "none" {
                <p class="blocks">{ format!("Blocks {} on {}", op.blocks, op.tables.join(", ")) }</p>
            }
            <ul class="op-reasons">{ for op.reasons.iter().map(|r| html! { <li>{ r }</li> }) }</ul>
            if let Some(old) = &op.old_code {
                <p class="old-code"><strong>{ "Old code: " }</strong>{ old }</p>
            }
            if let Some(unknown) = &op.unknown {
                <p class="unknown"><strong>{ "Unknown: " }</strong>{ unknown }</p>
            }
            if !op.sql.is_empty() {
                <details class="sql">
                    <summary>{ "SQL on PostgreSQL" }<button class="link copy" onclick={copy_sql} data-testid="copy-sql">{ "Copy" }</button></summary>
                    <pre><code>{ &op.sql }</code></pre>
                </details>
            }
            if let (Some(recipe), Some(copy)) = (&op.recipe, copy_recipe) {
                <div class="recipe">
                    <div class="recipe-head">
                        <span>{ "Safe recipe" }</span>
                        <button class="link copy" onclick={copy} data-testid="copy-recipe">{ "Copy" }</button>
                    </div>
                    <pre><code>{ recipe }</code></pre>
                </div>
            }
        </li>
    }
}
