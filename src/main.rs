//! djreview in the browser: a thin Yew front-end over the engine. All analysis happens here, in
//! WebAssembly; nothing the user pastes leaves the page.

mod app;
mod components;
mod outbound;
mod sample;
mod state;
mod storage;
mod upload;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
