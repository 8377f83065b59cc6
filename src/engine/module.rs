//! The guest module: the one embedded in the binary (precompiled by
//! `build.rs`, deserialized once per process, or compiled from the embedded
//! wasm if wasmtime refuses the artifact), or a user's `.wasm` file, checked
//! against the ABI before anything runs it.
//!
//! Thread: non-real-time (loading and compiling allocate).

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use wasm_sampler_guest::abi;
use wasmtime::{Engine, Module};

use super::backend::{first_line, wasmtime_engine, Guest, GuestError};

/// The guest module built from `guest/` by `build.rs`.
pub static EMBEDDED_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest.wasm"));
/// `EMBEDDED_WASM` precompiled by wasmtime for this target (empty if the
/// build could not precompile it).
static EMBEDDED_CWASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest.cwasm"));

/// Set this environment variable (to anything but `0`) to ignore the
/// precompiled artifact and compile the embedded wasm, as when wasmtime
/// refuses the artifact (for troubleshooting and for testing that path).
pub const NO_PRECOMPILED_ENV: &str = "WASM_SAMPLER_NO_PRECOMPILED";

/// Where a guest module's machine code came from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModuleSource {
    /// The embedded artifact, deserialized.
    Precompiled,
    /// The embedded wasm, compiled at load (the artifact was refused).
    Compiled,
    /// A module file given by the user (`--guest`).
    File(String),
}

/// A compiled, checked guest module.
pub struct GuestModule {
    module: Module,
    source: ModuleSource,
    load_seconds: f64,
}

impl GuestModule {
    /// The embedded guest, compiled once per process and shared.
    ///
    /// Thread: any non-real-time thread (the first call deserializes or
    /// compiles). Allocates on first call.
    pub fn embedded() -> Result<Arc<GuestModule>, GuestError> {
        static EMBEDDED: OnceLock<Result<Arc<GuestModule>, GuestError>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                let start = Instant::now();
                let engine = wasmtime_engine();
                let (module, source) = match Self::deserialize_embedded(engine) {
                    Ok(m) => (m, ModuleSource::Precompiled),
                    Err(reason) => {
                        eprintln!("wasm-sampler: precompiled guest not usable ({reason}); compiling the embedded wasm");
                        let m = Module::new(engine, EMBEDDED_WASM).map_err(|e| GuestError(format!("embedded guest: {e}")))?;
                        (m, ModuleSource::Compiled)
                    }
                };
                check_module(&module, EMBEDDED_WASM).map_err(|e| GuestError(format!("embedded guest: {e}")))?;
                Ok(Arc::new(GuestModule { module, source, load_seconds: start.elapsed().as_secs_f64() }))
            })
            .clone()
    }

    /// The embedded wasm compiled now, bypassing the precompiled artifact and
    /// the process-wide cache (for the fallback path's tests and benchmark).
    ///
    /// Thread: any non-real-time thread. Allocates.
    pub fn compile_embedded() -> Result<GuestModule, GuestError> {
        let start = Instant::now();
        let module = Module::new(wasmtime_engine(), EMBEDDED_WASM).map_err(|e| GuestError(format!("embedded guest: {e}")))?;
        check_module(&module, EMBEDDED_WASM).map_err(|e| GuestError(format!("embedded guest: {e}")))?;
        Ok(GuestModule { module, source: ModuleSource::Compiled, load_seconds: start.elapsed().as_secs_f64() })
    }

    /// The embedded precompiled artifact deserialized now, bypassing the
    /// process-wide cache (for the benchmark against [`GuestModule::compile_embedded`]).
    ///
    /// Thread: any non-real-time thread. Allocates.
    pub fn deserialize_precompiled() -> Result<GuestModule, GuestError> {
        let start = Instant::now();
        let module = Self::deserialize_embedded(wasmtime_engine()).map_err(|e| GuestError(format!("embedded guest: {e}")))?;
        Ok(GuestModule { module, source: ModuleSource::Precompiled, load_seconds: start.elapsed().as_secs_f64() })
    }

    fn deserialize_embedded(engine: &Engine) -> Result<Module, String> {
        if std::env::var_os(NO_PRECOMPILED_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
            return Err(format!("{NO_PRECOMPILED_ENV} is set"));
        }
        if EMBEDDED_CWASM.is_empty() {
            return Err("not built for this target".into());
        }
        // SAFETY: these bytes are the output of `Engine::precompile_module`
        // run by our own build script with the same configuration; wasmtime
        // still checks the version and settings and refuses a mismatch.
        unsafe { Module::deserialize(engine, EMBEDDED_CWASM) }.map_err(|e| format!("{e:#}"))
    }

    /// A guest module from a `.wasm` (or `.wat`-free binary) file, checked
    /// against the ABI. Errors name the file and the reason in one line.
    ///
    /// Thread: any non-real-time thread. Allocates, compiles.
    pub fn from_file(path: &Path) -> Result<GuestModule, GuestError> {
        let err = |reason: String| GuestError(format!("{}: {reason}", path.display()));
        let start = Instant::now();
        crate::decode::regular_file(path).map_err(err)?;
        let bytes = std::fs::read(path).map_err(|e| err(crate::decode::io_reason(&e, path)))?;
        let mut module = GuestModule::from_bytes(&path.display().to_string(), &bytes)?;
        module.load_seconds = start.elapsed().as_secs_f64();
        Ok(module)
    }

    /// A guest module from its bytes, checked as [`from_file`](Self::from_file)
    /// checks a file's; errors begin with `name`.
    ///
    /// Thread: any non-real-time thread. Allocates, compiles.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<GuestModule, GuestError> {
        let err = |reason: String| GuestError(format!("{name}: {reason}"));
        let start = Instant::now();
        if !bytes.starts_with(b"\0asm") {
            return Err(err("not a WebAssembly module (no \\0asm header)".into()));
        }
        let module = Module::new(wasmtime_engine(), bytes).map_err(|e| err(format!("invalid WebAssembly module: {}", first_line(&e))))?;
        check_module(&module, bytes).map_err(err)?;
        // Instantiate once on a scratch memory to check the parts only an
        // instance shows (`abi_version`, `__heap_base`).
        Guest::new_wasm_with(&module, 48_000.0).map_err(|e| err(e.0))?;
        Ok(GuestModule { module, source: ModuleSource::File(name.to_string()), load_seconds: start.elapsed().as_secs_f64() })
    }

    /// Where the machine code came from.
    ///
    /// Thread: any. No allocation.
    pub fn source(&self) -> &ModuleSource {
        &self.source
    }

    /// Seconds it took to deserialize or compile the module.
    ///
    /// Thread: any. No allocation.
    pub fn load_seconds(&self) -> f64 {
        self.load_seconds
    }

    /// The compiled module.
    ///
    /// Thread: any. No allocation.
    pub(crate) fn module(&self) -> &Module {
        &self.module
    }
}

/// Static checks on a module: exactly one import, the memory `env.memory`;
/// every data segment at a constant offset below the I/O region.
pub(crate) fn check_module(module: &Module, bytes: &[u8]) -> Result<(), String> {
    let imports: Vec<_> = module.imports().collect();
    match imports.as_slice() {
        [i] if i.module() == "env" && i.name() == "memory" && i.ty().memory().is_some() => {
            let ty = i.ty().memory().cloned().expect("checked above");
            if ty.is_64() || ty.is_shared() {
                return Err("the imported memory must be a plain 32-bit memory".into());
            }
            if ty.minimum() > abi::INITIAL_PAGES as u64 {
                return Err(format!("the module needs {} initial pages; the ABI gives {}", ty.minimum(), abi::INITIAL_PAGES));
            }
        }
        [] => return Err("the module does not import its memory (link with --import-memory)".into()),
        _ => {
            let names: Vec<_> = imports.iter().map(|i| format!("{}.{}", i.module(), i.name())).collect();
            return Err(format!("the module must import only env.memory, it imports {}", names.join(", ")));
        }
    }
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| format!("invalid WebAssembly module: {e}"))?;
        if let wasmparser::Payload::DataSection(reader) = payload {
            for data in reader {
                let data = data.map_err(|e| format!("invalid data segment: {e}"))?;
                if let wasmparser::DataKind::Active { offset_expr, .. } = data.kind {
                    let mut ops = offset_expr.get_operators_reader();
                    let offset = match ops.read() {
                        Ok(wasmparser::Operator::I32Const { value }) => value as u32 as u64,
                        _ => return Err("a data segment has a non-constant offset".into()),
                    };
                    let end = offset + data.data.len() as u64;
                    if end > abi::IO_BASE as u64 {
                        return Err(format!("guest data reaches {end:#x}, past the I/O region at {:#x}", abi::IO_BASE));
                    }
                }
            }
        }
    }
    Ok(())
}
