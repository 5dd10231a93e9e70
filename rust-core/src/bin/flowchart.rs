//! Writes `docs/flow.md`, the picture of the flow, from the flow itself.
fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/flow.md");
    std::fs::write(path, smarthems::flow::graph::flow_document()).expect("docs/flow.md is writable");
    println!("wrote {path}");
}
