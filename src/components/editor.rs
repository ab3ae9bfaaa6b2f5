//! The code editor: a plain textarea (so typing, pasting, undo and IME behave natively) over a
//! backdrop that draws the finding spans, with a gutter of line numbers and severity markers.

use std::rc::Rc;

use engine::{Finding, Severity};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::state::Focus;

/// Must match `--line-height` in style.css.
const LINE_HEIGHT_PX: f64 = 20.0;

#[derive(Clone, PartialEq)]
pub struct Mark {
    pub index: usize,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub severity: Severity,
}

impl Mark {
    pub fn of(index: usize, f: &Finding) -> Mark {
        Mark {
            index,
            line: f.line,
            column: f.column,
            end_line: f.end_line,
            end_column: f.end_column,
            severity: f.severity,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub file_id: u32,
    pub text: AttrValue,
    pub marks: Rc<Vec<Mark>>,
    pub selected: Option<usize>,
    pub focus: Option<Focus>,
    pub on_input: Callback<String>,
    pub on_mark: Callback<usize>,
}

#[function_component(Editor)]
pub fn editor(p: &Props) -> Html {
    let textarea = use_node_ref();
    let backdrop = use_node_ref();
    let gutter = use_node_ref();

    let on_input = p.on_input.reform(|e: InputEvent| e.target_unchecked_into::<HtmlTextAreaElement>().value());
    let on_scroll = {
        let (backdrop, gutter) = (backdrop.clone(), gutter.clone());
        Callback::from(move |e: Event| {
            let ta = e.target_unchecked_into::<HtmlTextAreaElement>();
            if let Some(b) = backdrop.cast::<web_sys::Element>() {
                b.set_scroll_top(ta.scroll_top());
                b.set_scroll_left(ta.scroll_left());
            }
            if let Some(g) = gutter.cast::<web_sys::Element>() {
                g.set_scroll_top(ta.scroll_top());
            }
        })
    };

    // Jump to a finding: select its span and scroll it into the upper third.
    {
        let textarea = textarea.clone();
        let (backdrop, gutter) = (backdrop.clone(), gutter.clone());
        let text = p.text.clone();
        use_effect_with((p.focus, p.file_id), move |(focus, file_id)| {
            if let (Some(f), Some(ta)) =
                (focus.filter(|f| f.file_id == *file_id), textarea.cast::<HtmlTextAreaElement>())
            {
                let start = utf16_offset(&text, f.line, f.column);
                let end = utf16_offset(&text, f.end_line, f.end_column).max(start);
                let _ = ta.focus();
                let _ = ta.set_selection_range(start, end);
                let top = (f64::from(f.line.saturating_sub(1)) * LINE_HEIGHT_PX - f64::from(ta.client_height()) / 3.0)
                    .max(0.0);
                ta.set_scroll_top(top as i32);
                // Keep the highlights and line numbers in step now, not after the scroll event.
                if let Some(b) = backdrop.cast::<web_sys::Element>() {
                    b.set_scroll_top(ta.scroll_top());
                    b.set_scroll_left(ta.scroll_left());
                }
                if let Some(g) = gutter.cast::<web_sys::Element>() {
                    g.set_scroll_top(ta.scroll_top());
                }
            }
        });
    }

    let line_count = p.text.split('\n').count().max(1);
    let numbers = (1..=line_count).map(|n| n.to_string()).collect::<Vec<_>>().join("\n");
    let mut worst: std::collections::BTreeMap<u32, (Severity, usize)> = std::collections::BTreeMap::new();
    for m in p.marks.iter() {
        let e = worst.entry(m.line).or_insert((m.severity, m.index));
        if m.severity > e.0 {
            *e = (m.severity, m.index);
        }
    }

    html! {
        <div class="editor">
            <div class="gutter" ref={gutter} aria-hidden="true">
                <pre class="numbers">{ numbers }</pre>
                { for worst.iter().map(|(line, (sev, index))| {
                    let index = *index;
                    let style = format!("top: calc({} * var(--line-height) + var(--pad))", line - 1);
                    html! {
                        <span data-testid="gutter-marker" data-line={line.to_string()} class={classes!("marker", format!("sev-{}", sev.as_str()))}
                            style={style} title="show the finding" onclick={p.on_mark.reform(move |_: MouseEvent| index)} />
                    }
                }) }
            </div>
            <div class="code">
                <pre class="backdrop" ref={backdrop} aria-hidden="true">{ highlighted(&p.text, &p.marks, p.selected) }{"\n"}</pre>
                <textarea data-testid="editor" ref={textarea} spellcheck="false" autocapitalize="off" autocomplete="off"
                    wrap="off" aria-label="Source code" placeholder="Paste Python, a template, a migration, settings, a diff or EXPLAIN output…"
                    value={p.text.clone()} oninput={on_input} onscroll={on_scroll} />
            </div>
        </div>
    }
}

/// The text with each finding span wrapped in a `<mark>`. Only the text around marks is split, so a
/// 20,000-line file with a few findings stays a handful of nodes.
fn highlighted(text: &str, marks: &[Mark], selected: Option<usize>) -> Html {
    let line_starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset = |line: u32, col: u32| -> usize {
        let Some(&start) = line_starts.get(line.saturating_sub(1) as usize) else { return text.len() };
        let line_text = &text[start..];
        let end_of_line = line_text.find('\n').unwrap_or(line_text.len());
        let byte = line_text[..end_of_line]
            .char_indices()
            .nth(col.saturating_sub(1) as usize)
            .map(|(b, _)| b)
            .unwrap_or(end_of_line);
        start + byte
    };
    let mut ranges: Vec<(usize, usize, &Mark)> =
        marks.iter().map(|m| (offset(m.line, m.column), offset(m.end_line, m.end_column), m)).collect();
    engine::sort::sort_by_key(&mut ranges, |r| (r.0, r.1));
    let mut nodes = Vec::new();
    let mut pos = 0;
    for (start, end, m) in ranges {
        let start = start.max(pos);
        let end = end.max(start);
        if start >= text.len() || end <= start {
            continue;
        }
        nodes.push(html! { { &text[pos..start] } });
        let class =
            classes!("hl", format!("sev-{}", m.severity.as_str()), (selected == Some(m.index)).then_some("selected"));
        nodes.push(html! { <mark class={class}>{ &text[start..end] }</mark> });
        pos = end;
    }
    nodes.push(html! { { &text[pos.min(text.len())..] } });
    nodes.into_iter().collect()
}

/// A 1-based line/column (in characters) as a UTF-16 offset, which is what the DOM selection API uses.
pub fn utf16_offset(text: &str, line: u32, column: u32) -> u32 {
    let mut offset = 0u32;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line as usize {
            let cols: u32 = l.chars().take(column.saturating_sub(1) as usize).map(|c| c.len_utf16() as u32).sum();
            return offset + cols;
        }
        offset += l.chars().map(|c| c.len_utf16() as u32).sum::<u32>() + 1;
    }
    offset.saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets_count_surrogate_pairs() {
        let text = "ab\n😀x\n";
        assert_eq!(utf16_offset(text, 1, 1), 0);
        assert_eq!(utf16_offset(text, 2, 1), 3);
        assert_eq!(utf16_offset(text, 2, 2), 5);
        assert_eq!(utf16_offset(text, 9, 1), 7);
    }
}
