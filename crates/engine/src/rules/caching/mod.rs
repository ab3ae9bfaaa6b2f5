//! Caching rules: stampedes, synchronized expiry, caching what must not be cached, unbounded
//! process-local caches.

pub mod cac103_cache_page_unsafe_method;
