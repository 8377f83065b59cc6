//! `cargo xtask bundle wasm-sampler --release` builds the CLAP and VST3
//! bundles (nice-plug-xtask); `cargo xtask install` copies them into the
//! per-user plugin folders, `~/.clap` and `~/.vst3`; `cargo xtask
//! screenshot` renders the README's picture of the editor (the editor
//! end-to-end test on Xvfb, with the demo kit loaded and a file dropped);
//! `cargo xtask bench-peer` times our render against FluidSynth's
//! (`peer.rs`); `cargo xtask web [--serve]` builds the browser host's site
//! into `target/web/` and serves it on 127.0.0.1 (`serve.rs`).

use std::path::{Path, PathBuf};

mod peer;
mod serve;

fn main() -> nice_plug_xtask::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("install") => return install(),
        Some("screenshot") => return screenshot(),
        Some("bench-peer") => return peer::bench_peer(),
        Some("web") => return web(),
        _ => {}
    }
    nice_plug_xtask::main()
}

/// The bundles' names come from bundler.toml.
const BUNDLES: [(&str, &str); 2] = [("Wasm Sampler.clap", ".clap"), ("Wasm Sampler.vst3", ".vst3")];

fn install() -> nice_plug_xtask::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace");
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let home = std::env::var_os("HOME").map(PathBuf::from).ok_or_else(|| anyhow::anyhow!("HOME is not set"))?;
    for (bundle, folder) in BUNDLES {
        let from = target.join("bundled").join(bundle);
        if !from.exists() {
            anyhow::bail!("{} does not exist; run `cargo xtask bundle wasm-sampler --release` first", from.display());
        }
        let to = home.join(folder).join(bundle);
        if to.is_dir() {
            std::fs::remove_dir_all(&to)?;
        }
        copy(&from, &to)?;
        println!("installed {}", to.display());
    }
    Ok(())
}

/// Where the README's screenshot lives.
const SCREENSHOT: &str = "tests/editor-screenshot.png";

/// Runs the editor end-to-end test with a screenshot requested. Needs Xvfb,
/// xdotool and ImageMagick's `import`.
fn screenshot() -> nice_plug_xtask::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace");
    let out = root.join(SCREENSHOT);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(root)
        .args(["test", "--test", "editor_e2e"])
        .env("WASM_SAMPLER_REQUIRE_GUI_TESTS", "1")
        .env("WASM_SAMPLER_SCREENSHOT", &out)
        .status()?;
    if !status.success() {
        anyhow::bail!("the editor test failed; no screenshot");
    }
    println!("wrote {}", out.display());
    Ok(())
}

/// Builds the site into `target/web/` (the `web_site` example writes it,
/// with the guest module the plugin embeds); with `--screenshot`, saves the
/// README's picture of the page playing the demo (`web/screenshot.png`, by
/// `web/tools/screenshot.py` in headless Chromium); with `--serve`, serves
/// it on 127.0.0.1:8917 (`--port N` for another) until stopped.
fn web() -> nice_plug_xtask::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace");
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let out = target.join("web");
    let args: Vec<String> = std::env::args().skip(2).collect();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo).current_dir(root).args(["run", "--quiet", "--example", "web_site", "--"]).arg(&out).status()?;
    if !status.success() {
        anyhow::bail!("building the site failed");
    }
    println!("built {}", out.display());
    if args.iter().any(|a| a == "--screenshot") {
        let (addr, _results) = serve::start(out.clone(), 0)?;
        let shot = root.join("web/screenshot.png");
        let status =
            std::process::Command::new("python3").arg(root.join("web/tools/screenshot.py")).arg(format!("http://{addr}/?play=demo")).arg(&shot).status()?;
        if !status.success() {
            anyhow::bail!("the screenshot failed (needs chromium)");
        }
    }
    if args.iter().any(|a| a == "--serve") {
        let port = match args.iter().position(|a| a == "--port") {
            Some(i) => args.get(i + 1).and_then(|p| p.parse().ok()).ok_or_else(|| anyhow::anyhow!("--port needs a number"))?,
            None => 8917,
        };
        let (addr, _results) = serve::start(out, port)?;
        println!("serving on http://{addr}/ (Ctrl-C stops)");
        loop {
            std::thread::park();
        }
    }
    Ok(())
}

/// Copies a file, or a directory tree (a .vst3 bundle), creating parents.
fn copy(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from, to).map(|_| ())
    }
}
