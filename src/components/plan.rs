use std::collections::HashSet;

use engine::{PlanNodeReport, PlanReport};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub plan: PlanReport,
    pub on_copy: Callback<String>,
    /// Asks the app to show a line of the pasted plan in the editor.
    pub on_line: Callback<u32>,
}

/// Tree rows drawn before "Show every node".
const NODES_SHOWN: usize = 400;

/// One plan: summary, tips best first, and the tree with a bar per node for its own time. Which
/// nodes are folded and which one is open in the detail panel is view state, local to this panel.
#[function_component(PlanView)]
pub fn plan_view(p: &Props) -> Html {
    let plan = &p.plan;
    let folded = use_state(HashSet::<usize>::new);
    let selected = use_state(|| None::<usize>);
    let show_all_tips = use_state(|| false);
    let show_all_nodes = use_state(|| false);
    let total = plan.summary.total_ms.unwrap_or(0.0);
    let mut flat: Vec<(usize, usize, &PlanNodeReport)> = Vec::new();
    flatten(&plan.root, 0, &mut flat);
    let visible = visible_rows(&flat, &folded);
    // Thousands of tree rows take seconds to lay out: draw the top of the tree (the tips already
    // name the slow nodes) and the rest on request.
    let hidden_nodes = if *show_all_nodes { 0 } else { visible.len().saturating_sub(NODES_SHOWN) };
    let visible = &visible[..visible.len() - hidden_nodes];
    let tips_shown = if *show_all_tips { plan.tips.len() } else { plan.tips.len().min(3) };
    let selected_node = selected.and_then(|i| flat.get(i).map(|(_, _, n)| *n));
    html! {
        <section class="plan" data-testid="plan-view" aria-label="Query plan">
            <header class="plan-head">
                <div class="plan-total" data-testid="plan-total">
                    <span class="big">{ plan.summary.total_ms.map(ms).unwrap_or_else(|| "no timing".into()) }</span>
                    <span class="muted">{ if plan.analyzed { "execution" } else { "estimates only" } }</span>
                </div>
                <ul class="plan-facts">
                    if let Some(pl) = plan.planning_ms { <li>{ format!("planning {}", ms(pl)) }</li> }
                    <li>{ format!("{} nodes · {}", plan.summary.nodes, plan.format) }</li>
                    if let (Some(hit), Some(read)) = (plan.summary.shared_hit, plan.summary.shared_read) {
                        <li>{ format!("buffers: {hit:.0} hit, {read:.0} read ({:.0} % from cache)", 100.0 * hit / (hit + read).max(1.0)) }</li>
                    }
                </ul>
            </header>
            if !plan.summary.by_table.is_empty() && total > 0.0 {
                <div class="plan-summary">
                    <span class="muted">{ "Time by table: " }</span>
                    { for plan.summary.by_table.iter().take(4).map(|(t, m, _)| html! {
                        <span class="chip">{ format!("{t} {:.0} %", 100.0 * m / total) }</span>
                    }) }
                </div>
            }
            if !plan.summary.by_node_type.is_empty() && total > 0.0 {
                <div class="plan-summary">
                    <span class="muted">{ "By node type: " }</span>
                    { for plan.summary.by_node_type.iter().take(4).map(|(t, m, c)| html! {
                        <span class="chip">{ format!("{t} ×{c} {:.0} %", 100.0 * m / total) }</span>
                    }) }
                </div>
            }
            <ol class="tips" data-testid="plan-tips">
                { for plan.tips.iter().take(tips_shown).enumerate().map(|(i, t)| {
                    let copy = t.fix.clone().map(|f| p.on_copy.reform(move |_: MouseEvent| f.clone()));
                    let line = t.line;
                    let goto = p.on_line.reform(move |_: MouseEvent| line);
                    html! {
                        <li class="tip" data-testid="plan-tip" data-kind={t.kind.clone()} data-score={t.score.to_string()}>
                            <div class="tip-head">
                                <span class={classes!("tip-score", score_band(t.score))} title="How much of the runtime the fix could save, 0 to 5">{ format!("{:.1}", t.score) }</span>
                                <button class="link tip-title" onclick={goto}>{ &t.title }</button>
                            </div>
                            <p>{ &t.detail }</p>
                            if let (Some(fix), Some(copy)) = (&t.fix, copy) {
                                <div class="recipe">
                                    <div class="recipe-head"><span>{ if i == 0 { "Do this first" } else { "Fix" } }</span>
                                        <button class="link copy" onclick={copy}>{ "Copy" }</button></div>
                                    <pre><code>{ fix }</code></pre>
                                </div>
                            }
                        </li>
                    }
                }) }
            </ol>
            if plan.tips.len() > 3 && !*show_all_tips {
                <button class="link" onclick={{ let s = show_all_tips.clone(); move |_| s.set(true) }}>
                    { format!("{} more tips", plan.tips.len() - 3) }
                </button>
            }
            <div class="plan-tree" role="tree" data-testid="plan-tree">
                if hidden_nodes > 0 {
                    <p class="note" data-testid="plan-nodes-hidden">
                        { format!("Showing the first {NODES_SHOWN} of {} rows. ", visible.len() + hidden_nodes) }
                        <button class="link" onclick={{ let s = show_all_nodes.clone(); move |_| s.set(true) }}>{ "Show every node" }</button>
                    </p>
                }
                { for visible.iter().map(|&i| {
                    let (depth, children, n) = flat[i];
                    let own = n.exclusive_ms.unwrap_or(0.0);
                    let width = if total > 0.0 { (100.0 * own / total).clamp(0.0, 100.0) } else { 0.0 };
                    let toggle = {
                        let folded = folded.clone();
                        Callback::from(move |e: MouseEvent| {
                            e.stop_propagation();
                            let mut f = (*folded).clone();
                            if !f.remove(&i) {
                                f.insert(i);
                            }
                            folded.set(f);
                        })
                    };
                    let select = {
                        let selected = selected.clone();
                        let on_line = p.on_line.clone();
                        let line = n.line;
                        Callback::from(move |_: MouseEvent| {
                            selected.set(Some(i));
                            on_line.emit(line);
                        })
                    };
                    let target = n.relation.clone().map(|r| format!(" on {r}")).unwrap_or_default();
                    html! {
                        <div class={classes!("plan-node", (*selected == Some(i)).then_some("selected"))} role="treeitem"
                             aria-level={(depth + 1).to_string()} data-testid="plan-node" data-type={n.node_type.clone()}
                             style={format!("--depth: {depth}")} onclick={select}>
                            if children > 0 {
                                <button class="fold" onclick={toggle} aria-label="Fold">{ if folded.contains(&i) { "▸" } else { "▾" } }</button>
                            } else { <span class="fold"></span> }
                            <span class="node-name">
                                if n.relationship != "child" { <span class="rel">{ &n.relationship }</span> }
                                { format!("{}{target}", n.node_type) }
                            </span>
                            <span class="bar" title={format!("own time {}", ms(own))}><span style={format!("width: {width:.1}%")}></span></span>
                            <span class="node-ms">{ n.exclusive_ms.map(ms).unwrap_or_default() }</span>
                            if let (Some(f), Some(under)) = (n.estimate_factor, n.underestimated) {
                                if f >= 10.0 { <span class="est" title="Row estimate error">{ format!("{}{f:.0}×", if under { "↑" } else { "↓" }) }</span> }
                            }
                            if !n.tips.is_empty() { <span class="badge">{ n.tips.len() }</span> }
                        </div>
                    }
                }) }
            </div>
            if let Some(n) = selected_node {
                <dl class="node-detail" data-testid="node-detail">
                    <dt>{ "Node" }</dt><dd>{ &n.node_type }</dd>
                    if let Some(r) = &n.relation { <dt>{ "Relation" }</dt><dd>{ r }</dd> }
                    if let Some(i) = &n.index { <dt>{ "Index" }</dt><dd>{ i }</dd> }
                    <dt>{ "Rows" }</dt><dd>{ format!("{} actual × {} loops (estimated {})", num(n.actual_rows), num(n.loops), num(n.plan_rows)) }</dd>
                    <dt>{ "Time" }</dt><dd>{ format!("{} with children, {} own", n.inclusive_ms.map(ms).unwrap_or_default(), n.exclusive_ms.map(ms).unwrap_or_default()) }</dd>
                    <dt>{ "Cost" }</dt><dd>{ format!("{}..{}", num(n.startup_cost), num(n.total_cost)) }</dd>
                    if let Some(share) = n.removed_share { <dt>{ "Discarded" }</dt><dd>{ format!("{:.0} % of the rows read", share * 100.0) }</dd> }
                    if n.shared_hit.is_some() || n.shared_read.is_some() {
                        <dt>{ "Buffers" }</dt>
                        <dd>{ buffers_text(n) }</dd>
                    }
                    { for n.extra.iter().map(|e| match e.split_once(':') {
                        Some((k, v)) => html! { <><dt>{ k.trim() }</dt><dd>{ v.trim() }</dd></> },
                        None => html! { <><dt></dt><dd>{ e }</dd></> },
                    }) }
                </dl>
            }
            if !plan.unparsed.is_empty() {
                <details class="unparsed">
                    <summary>{ format!("{} lines not understood (kept)", plan.unparsed.len()) }</summary>
                    <ul>{ for plan.unparsed.iter().map(|(l, t)| html! { <li><code>{ format!("{l}: {t}") }</code></li> }) }</ul>
                </details>
            }
        </section>
    }
}

fn flatten<'a>(n: &'a PlanNodeReport, depth: usize, out: &mut Vec<(usize, usize, &'a PlanNodeReport)>) {
    out.push((depth, n.children.len(), n));
    for c in &n.children {
        flatten(c, depth + 1, out);
    }
}

/// Rows not hidden under a folded node.
fn visible_rows(flat: &[(usize, usize, &PlanNodeReport)], folded: &HashSet<usize>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut hide_below: Option<usize> = None;
    for (i, (depth, _, _)) in flat.iter().enumerate() {
        if let Some(d) = hide_below {
            if *depth > d {
                continue;
            }
            hide_below = None;
        }
        out.push(i);
        if folded.contains(&i) {
            hide_below = Some(*depth);
        }
    }
    out
}

fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.2} ms")
    }
}

fn num(v: Option<f64>) -> String {
    v.map(|x| if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x}") }).unwrap_or_else(|| "–".into())
}

fn score_band(s: f64) -> &'static str {
    if s >= 4.0 {
        "dangerous"
    } else if s >= 2.5 {
        "review"
    } else {
        "safe"
    }
}

fn buffers_text(n: &PlanNodeReport) -> String {
    let (h, r) = (n.shared_hit.unwrap_or(0.0), n.shared_read.unwrap_or(0.0));
    let io = n.io_read_ms.map(|io| format!(", {} reading", ms(io))).unwrap_or_default();
    format!("{h:.0} hit, {r:.0} read ({:.0} % from cache){io}", 100.0 * h / (h + r).max(1.0))
}
