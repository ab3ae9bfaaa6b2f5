use std::rc::Rc;

use engine::Report;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Rc<Report>,
}

/// The overall score and one chip per checklist category ("not assessed" when nothing was judged).
#[function_component(Scorecard)]
pub fn scorecard(p: &Props) -> Html {
    let s = &p.report.scores;
    let band = |v: u8| {
        if v >= 85 {
            "good"
        } else if v >= 60 {
            "fair"
        } else {
            "poor"
        }
    };
    html! {
        <div class="scorecard">
            <div class={classes!("overall", s.overall.map(band))} data-testid="score" title="Overall score (0 to 100)">
                { s.overall.map(|v| v.to_string()).unwrap_or_else(|| "–".into()) }
            </div>
            <ul class="cats">
                { for s.categories.iter().map(|(cat, v)| html! {
                    <li class={classes!("cat", v.map(band).unwrap_or("na"))} data-category={cat.as_str()}
                        title={ match v { Some(v) => format!("{}: {v}/100", cat.title()), None => format!("{}: not assessed", cat.title()) } }>
                        <span class="t">{ cat.title() }</span>
                        <span class="v">{ v.map(|v| v.to_string()).unwrap_or_else(|| "n/a".into()) }</span>
                    </li>
                }) }
            </ul>
        </div>
    }
}
