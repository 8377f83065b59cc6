//! Builds the browser host's engine for wasm32 and writes the static site
//! into the folder given (what `cargo xtask web` runs; see
//! `wasm_sampler::cli::web_site`). The engine's build goes to
//! `target/web-host/`.

fn main() {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: web_site OUT_DIR");
        std::process::exit(2);
    };
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/web-host");
    let built = wasm_sampler::cli::web_site::build_host(&target);
    if let Err(e) = built.and_then(|host| wasm_sampler::cli::web_site::assemble(std::path::Path::new(&out), &host)) {
        eprintln!("web_site: {e}");
        std::process::exit(1);
    }
}
