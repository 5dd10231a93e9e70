//! `uniffi-bindgen`, pinned to the core's UniFFI version (scripts/bindings.sh runs it).
fn main() {
    uniffi::uniffi_bindgen_main()
}
