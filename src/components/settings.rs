use engine::report::{SettingRow, SettingStatus, SettingsReport};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub module: SettingsReport,
    /// The file open in the editor: rows assigned there can jump to their line.
    pub active_path: String,
    pub on_line: Callback<u32>,
    /// Opens another input (a row assigned in the base module).
    pub on_open_path: Callback<String>,
    pub production: bool,
    pub django: String,
    pub on_profile: Callback<bool>,
    pub on_django: Callback<String>,
}

/// Django versions whose deploy checks differ (6.0 adds CSP, 6.1 the CSP nonce and mailers).
const DJANGO_VERSIONS: &[&str] = &["4.2", "5.0", "5.1", "5.2", "6.0", "6.1"];

/// The settings audit of one module: every setting a check read or the module assigned, its
/// effective value, where it was set (through the import chain) and the verdict.
#[function_component(SettingsView)]
pub fn settings_view(p: &Props) -> Html {
    let m = &p.module;
    let count = |s: SettingStatus| m.settings.iter().filter(|r| r.status == s).count();
    html! {
        <section class="settings-audit" data-testid="settings-view" aria-label="Settings audit">
            <header>
                <h3>{ "Settings: " }<code>{ &m.path }</code></h3>
                if !m.imports.is_empty() {
                    <p class="note">{ "Loads " }{ for m.imports.iter().enumerate().map(|(i, path)| html! {
                        <>{ if i > 0 { ", " } else { "" } }<code>{ path }</code></>
                    }) }{ " first (from … import *)." }</p>
                }
                <p class="settings-counts" data-testid="settings-counts">
                    { format!("{} failing · {} unverified · {} passing · {} other", count(SettingStatus::Fails), count(SettingStatus::Unverified), count(SettingStatus::Passes), count(SettingStatus::Set)) }
                </p>
                { for m.unknowns.iter().map(|u| html! { <p class="note unknown">{ format!("Not known here: {u}. Settings it could set are shown as unverified.") }</p> }) }
            </header>
            <div class="migration-options">
                <label>{ "Profile " }
                    <select data-testid="settings-profile" onchange={p.on_profile.reform(|e: Event| {
                        e.target_unchecked_into::<web_sys::HtmlSelectElement>().value() == "production"
                    })}>
                        <option value="production" selected={p.production}>{ "production" }</option>
                        <option value="development" selected={!p.production}>{ "development" }</option>
                    </select>
                </label>
                <label>{ "Django " }
                    <select data-testid="settings-django" onchange={p.on_django.reform(|e: Event| {
                        e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()
                    })}>
                        { for DJANGO_VERSIONS.iter().map(|v| html! { <option value={*v} selected={*v == p.django}>{ v }</option> }) }
                    </select>
                </label>
            </div>
            <table class="settings-table">
                <thead><tr><th>{ "Setting" }</th><th>{ "Effective value" }</th><th>{ "Set at" }</th><th>{ "Verdict" }</th></tr></thead>
                <tbody>{ for m.settings.iter().map(|r| row(r, p)) }</tbody>
            </table>
        </section>
    }
}

fn row(r: &SettingRow, p: &Props) -> Html {
    let place = match (&r.path, r.line) {
        (Some(path), Some(line)) => {
            let here = *path == p.active_path;
            let (path_c, on_line, on_open) = (path.clone(), p.on_line.clone(), p.on_open_path.clone());
            let onclick = Callback::from(
                move |_: MouseEvent| if here { on_line.emit(line) } else { on_open.emit(path_c.clone()) },
            );
            let short = path.rsplit('/').next().unwrap_or(path).to_string();
            html! {
                <>
                    <button class="link" title={format!("{path}:{line}")} {onclick}>{ format!("{short}:{line}") }</button>
                    if !r.via.is_empty() { <span class="via">{ format!(" via {}", r.via.join(" → ")) }</span> }
                </>
            }
        }
        _ => html! { <span class="muted">{ "default" }</span> },
    };
    html! {
        <tr class={classes!("setting", r.status.as_str())} data-testid="setting-row" data-setting={r.name.clone()} data-status={r.status.as_str()}>
            <td><code>{ &r.name }</code></td>
            <td class="value"><code>{ &r.value }</code>
                if !r.note.is_empty() { <div class="note">{ &r.note }</div> }
            </td>
            <td>{ place }</td>
            <td><span class={classes!("status", r.status.as_str())}>{ r.status.as_str() }</span>
                { for r.findings.iter().map(|f| html! { <div class="finding-code">{ f }</div> }) }
            </td>
        </tr>
    }
}
