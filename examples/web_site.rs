//! Writes the browser host's static site into the folder given (what
//! `cargo xtask web` runs; see `wasm_sampler::cli::web_site`).

fn main() {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: web_site OUT_DIR");
        std::process::exit(2);
    };
    if let Err(e) = wasm_sampler::cli::web_site::assemble(std::path::Path::new(&out)) {
        eprintln!("web_site: {e}");
        std::process::exit(1);
    }
}
