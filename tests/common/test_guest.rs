// A minimal test guest in WAT, shared by the guest tests and
// `examples/fault_recovery.rs` (which `include!`s this file).

/// A minimal guest in WAT that implements the ABI and outputs a constant
/// 0.5 on both channels. `PROCESS_PRELUDE` runs first in `process`.
const TEMPLATE: &str = r#"
(module
  (import "env" "memory" (memory 32))
  (global (export "__heap_base") i32 (i32.const HEAP_BASE))
  (func (export "abi_version") (result i32) (i32.const ABI))
  (func (export "init") (param f32 i32) (result i32) (i32.const 0))
  (func (export "reset"))
  (func (export "slot_load") (param i32 i32 i32 i32 i32 i32 f32) (result i32) (i32.const SLOT_LOAD_STATUS))
  (func (export "set_polyphony") (param i32) (result i32) (i32.const 0))
  (func (export "slot_retire") (param i32))
  (func (export "slot_voices") (param i32) (result i32) (i32.const 0))
  (func (export "pad_param") (param i32 i32 f32) (result i32) (i32.const 0))
  (func (export "slot_loop") (param i32 i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "PROCESS_NAME") (param $frames i32) (param $events i32) (result i32)
    (local $i i32)
    PROCESS_PRELUDE
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $frames)))
        (f32.store (i32.add (i32.const OUT_L) (i32.shl (local.get $i) (i32.const 2))) (f32.const 0.5))
        (f32.store (i32.add (i32.const OUT_R) (i32.shl (local.get $i) (i32.const 2))) (f32.const 0.5))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))
  EXTRA
)
"#;

struct Wat {
    abi: u32,
    heap_base: u32,
    process_name: &'static str,
    prelude: &'static str,
    extra: &'static str,
    /// What `slot_load` answers (0: OK).
    slot_load_status: i32,
}

impl Default for Wat {
    fn default() -> Self {
        Wat { abi: abi::ABI_VERSION, heap_base: 0x2_0000, process_name: "process", prelude: "", extra: "", slot_load_status: 0 }
    }
}

impl Wat {
    /// The module's bytes.
    fn to_wasm(&self) -> Vec<u8> {
        let text = TEMPLATE
            .replace("HEAP_BASE", &self.heap_base.to_string())
            .replace("ABI", &self.abi.to_string())
            .replace("PROCESS_NAME", self.process_name)
            .replace("PROCESS_PRELUDE", self.prelude)
            .replace("OUT_L", &abi::out_channel(0).to_string())
            .replace("OUT_R", &abi::out_channel(1).to_string())
            .replace("EXTRA", self.extra)
            .replace("SLOT_LOAD_STATUS", &self.slot_load_status.to_string());
        wat::parse_str(&text).expect("the template is valid WAT")
    }
}

