#!/usr/bin/env bash
# Windows as a tested target, from a Linux machine (called by .ci/run, which
# installs mingw-w64 and wine first; runs on its own too):
#   1. the Windows bundles cross-built (x86_64-pc-windows-gnu, mingw-w64);
#   2. the test suite built for Windows and run under Wine;
#   3. the demo and a kit with non-neutral gain, pan and tune rendered by
#      the Linux and the Windows CLI in this run, compared byte for byte;
#   4. the Windows editor opened under Wine on Xvfb by a Windows CLAP host,
#      clicked and dropped onto from the X side (tests/integration/editor_wine.rs).
# Wine is not Windows: this proves the code builds, loads and computes the
# same bits there, not that every Windows DAW is happy.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=x86_64-pc-windows-gnu
OUT=target/windows-check
export CARGO_TERM_COLOR=never
# Cross-building, the build script's wasmtime and Cranelift (which precompile
# the guest for Windows) are built for this machine, apart from the
# plugin's: unoptimised, they build in a third of the time and precompile the
# small guest in about a second, to the same bytes (Cranelift's output does
# not depend on how Cranelift itself was compiled).
export CARGO_PROFILE_RELEASE_BUILD_OVERRIDE_OPT_LEVEL=0

echo "== windows: toolchain"
rustup target add "$TARGET"
x86_64-w64-mingw32-gcc --version | head -n1
wine --version

echo "== windows: wine prefix"
# A prefix of our own under target/. Without these DLL overrides the first
# start offers to download Mono and Gecko, which CI cannot reach.
export WINEPREFIX="$PWD/target/wine-prefix"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
wineboot --init >/dev/null 2>&1 || true
wineserver --wait || true
system32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -e "$system32/bcryptprimitives.dll" ]; then
    # Wine before 8.13 lacks the DLL Rust's std takes its random seed from:
    # every Rust .exe would exit with code 53. See bcryptprimitives.c.
    x86_64-w64-mingw32-gcc -shared -O2 -o "$system32/bcryptprimitives.dll" \
        .ci/windows/bcryptprimitives.c .ci/windows/bcryptprimitives.def -ladvapi32
    echo "bcryptprimitives.dll: Wine has none; installed the ProcessPrng stand-in"
fi

echo "== windows: bundles (cargo xtask bundle wasm-sampler --release --target $TARGET)"
cargo xtask bundle wasm-sampler --release --target "$TARGET"
ls -l "target/bundled/Wasm Sampler.clap" "target/bundled/Wasm Sampler.vst3/Contents/x86_64-win/Wasm Sampler.vst3"

echo "== windows: tests under Wine (same profile as the bundles)"
# Tests that need Linux programs (sox, ffmpeg, Xvfb) cannot start them from
# Windows: without WASM_SAMPLER_REQUIRE_* they say SKIPPED; the Linux run
# above requires them.
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine \
    env -u WASM_SAMPLER_REQUIRE_GUI_TESTS -u WASM_SAMPLER_REQUIRE_AUDIO_TOOLS \
    cargo test --release --target "$TARGET"

echo "== windows: the same bytes on Linux and under Wine"
# The Linux CLI as the README's demo command builds it (debug profile; the
# same bits as release), the Windows one as the tests above built it.
linux_cli="target/debug/wasm-sampler-render"
windows_cli="target/$TARGET/release/wasm-sampler-render.exe"
cargo build --bin wasm-sampler-render
rm -rf "$OUT" && mkdir -p "$OUT"
python3 .ci/windows/fixture.py "$OUT/kit"
"$linux_cli" --demo --out "$OUT/demo-linux.wav"
wine "$windows_cli" --demo --out "$OUT/demo-windows.wav"
# Relative paths: Wine maps the working directory, so both CLIs read the
# same files by the same names.
(cd "$OUT/kit" && "../../../$linux_cli" --kit kit.sfz --midi notes.mid --out ../kit-linux.wav)
(cd "$OUT/kit" && wine "../../../$windows_cli" --kit kit.sfz --midi notes.mid --out ../kit-windows.wav)
for render in demo kit; do
    cmp "$OUT/$render-linux.wav" "$OUT/$render-windows.wav"
    echo "$render: Linux and Windows renders identical, $(stat -c %s "$OUT/$render-linux.wav") bytes, sha256 $(sha256sum < "$OUT/$render-linux.wav" | cut -c1-16)…"
done

echo "== windows: the editor under Wine (tests/integration/editor_wine.rs)"
WASM_SAMPLER_WINE_HOST="$PWD/target/$TARGET/release/examples/editor_host.exe" WASM_SAMPLER_REQUIRE_WINE_TESTS=1 \
    cargo test --test integration editor_wine::
