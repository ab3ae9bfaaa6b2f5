//! djreview in the browser: a thin Yew front-end over the engine. All analysis happens here, in
//! WebAssembly; nothing the user pastes leaves the page.

mod app;
mod components;
mod outbound;
mod sample;
mod state;
mod storage;
mod timing;
mod upload;
mod worker;

fn main() {
    // The analysis worker loads this same module; there is no page to render there.
    if web_sys::window().is_none() {
        return;
    }
    yew::Renderer::<app::App>::new().render();
}
