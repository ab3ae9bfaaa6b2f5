use std::rc::Rc;

use engine::Report;
use yew::prelude::*;

/// How many findings are listed under "what cost the most".
const TOP_COSTS: usize = 5;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Rc<Report>,
    pub on_select: Callback<usize>,
    /// Opens a migration's file by report path.
    pub on_open_path: Callback<String>,
    pub on_explain: Callback<()>,
}

fn band(v: u8) -> &'static str {
    if v >= 85 {
        "good"
    } else if v >= 60 {
        "fair"
    } else {
        "poor"
    }
}

/// The overall score, one chip per checklist category ("not assessed" when nothing was judged),
/// the findings that cost the most points, and each migration's risk.
#[function_component(Scorecard)]
pub fn scorecard(p: &Props) -> Html {
    let r = &p.report;
    let s = &r.scores;
    let mut costly: Vec<(usize, u8)> =
        r.findings.iter().enumerate().map(|(i, f)| (i, engine::score::points(f))).filter(|(_, pts)| *pts > 0).collect();
    // Most points first; the report's own order breaks ties, so the list is stable.
    engine::sort::sort_by(&mut costly, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    costly.truncate(TOP_COSTS);
    html! {
        <div class="scorecard" data-testid="scorecard">
            <div class="score-row">
                <div class={classes!("overall", s.overall.map(band))} data-testid="score" title="Overall score (0 to 100)">
                    { s.overall.map(|v| v.to_string()).unwrap_or_else(|| "–".into()) }
                </div>
                <ul class="cats">
                    { for s.categories.iter().map(|(cat, v)| html! {
                        <li class={classes!("cat", v.map(band).unwrap_or("na"))} data-category={cat.as_str()} data-score={v.map(|v| v.to_string()).unwrap_or_else(|| "na".into())}
                            title={ match v { Some(v) => format!("{}: {v}/100", cat.title()), None => format!("{}: not assessed (nothing in the input for its rules)", cat.title()) } }>
                            <span class="t">{ cat.title() }</span>
                            <span class="v">{ v.map(|v| v.to_string()).unwrap_or_else(|| "n/a".into()) }</span>
                        </li>
                    }) }
                </ul>
            </div>
            if !costly.is_empty() || !r.migrations.is_empty() {
                <details class="score-why" open=true>
                    <summary>{"What the score is made of"}</summary>
                    if !costly.is_empty() {
                        <h4>{"Cost the most points"}</h4>
                        <ol class="costs">
                            { for costly.iter().map(|&(i, pts)| {
                                let f = &r.findings[i];
                                html! {
                                    <li>
                                        <button class="link" data-testid="top-cost" data-code={f.code.clone()} data-points={pts.to_string()}
                                            onclick={p.on_select.reform(move |_| i)}>
                                            <span class="pts">{ format!("−{pts}") }</span>
                                            <span class="code">{ &f.code }</span>
                                            <span class="muted">{ format!("{} · {}:{}", f.category.title(), f.path.rsplit('/').next().unwrap_or(&f.path), f.line) }</span>
                                        </button>
                                    </li>
                                }
                            }) }
                        </ol>
                    }
                    if !r.migrations.is_empty() {
                        <h4>{"Migration risk"}</h4>
                        <ul class="mig-risks">
                            { for r.migrations.iter().map(|m| {
                                let path = m.path.clone();
                                html! {
                                    <li data-testid="scorecard-migration" data-verdict={m.verdict.clone()}>
                                        <button class="link" onclick={p.on_open_path.reform(move |_| path.clone())}>
                                            <span class={classes!("risk", format!("verdict-{}", m.verdict))}>{ format!("{}/100", m.score) }</span>
                                            <span>{ format!(" {}.{} · {}", m.app, m.name, m.verdict) }</span>
                                        </button>
                                    </li>
                                }
                            }) }
                        </ul>
                    }
                    <p class="muted">
                        {"Each finding removes a share of what is left of its category: severity weight × confidence. "}
                        <button class="link" data-testid="score-model" onclick={p.on_explain.reform(|_| ())}>{"How scores work"}</button>
                    </p>
                </details>
            }
        </div>
    }
}
