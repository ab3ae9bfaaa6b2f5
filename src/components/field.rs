use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The value in the state; shown when it changes, never forced over what the user is typing.
    pub value: AttrValue,
    /// Emitted on `change` (Enter or leaving the field).
    pub on_commit: Callback<String>,
    #[prop_or_default]
    pub testid: AttrValue,
    #[prop_or_default]
    pub class: AttrValue,
    #[prop_or_default]
    pub placeholder: AttrValue,
    #[prop_or_default]
    pub label: AttrValue,
}

/// A text field committed on change. Yew re-applies a `value` prop on every render, comparing it
/// with the element's live value, so a report arriving while the user types would wipe the typing;
/// this field writes the state's value into the element only when that value changes.
#[function_component(CommitField)]
pub fn commit_field(p: &Props) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with(p.value.clone(), move |value| {
            if let Some(input) = node.cast::<web_sys::HtmlInputElement>() {
                if input.value() != value.as_str() {
                    input.set_value(value);
                }
            }
        });
    }
    let on_change = p.on_commit.reform(|e: Event| e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
    html! {
        <input ref={node} type="text" data-testid={p.testid.clone()} class={p.class.clone()}
            placeholder={p.placeholder.clone()} aria-label={p.label.clone()} onchange={on_change} />
    }
}
