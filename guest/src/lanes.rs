//! Four `f32` lanes: the one vector type the voice loop computes with.
//!
//! Written by hand over `core::arch` because the guest is `no_std`, must give
//! the same bits in wasm and natively, and needs a dozen operations; a
//! portable-SIMD crate would add a dependency to the guest for less control
//! (and `core::simd` is not stable). Three backends, chosen at compile time:
//! - wasm32 with `simd128` (the guest module; `build.rs` enables it);
//! - x86_64 with SSE2 (every x86_64 CPU has it: the native engine, tests and
//!   benches);
//! - plain arrays elsewhere.
//!
//! Every operation is a lane-wise IEEE add, subtract or multiply, a lane
//! shuffle, or an exact integer-to-float conversion, so all three give the
//! same bits for the same inputs: the wasm and native engines stay identical.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32 as arch;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64 as arch;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
type Raw = arch::v128;
#[cfg(target_arch = "x86_64")]
type Raw = arch::__m128;
#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
type Raw = [f32; 4];

/// Four `f32` values, lanes 0 to 3.
#[derive(Clone, Copy, Debug)]
pub struct F4(Raw);

impl F4 {
    /// The four lanes `[a, b, c, d]`.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn new(a: f32, b: f32, c: f32, d: f32) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::f32x4(a, b, c, d));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_setr_ps(a, b, c, d)) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4([a, b, c, d]);
    }

    /// `x` in every lane.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn splat(x: f32) -> F4 {
        F4::new(x, x, x, x)
    }

    /// The four `f32` at `addr` (16 bytes, any alignment).
    ///
    /// # Safety
    /// `addr..addr + 16` must be readable.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub unsafe fn load_f32(addr: usize) -> F4 {
        let p = core::ptr::with_exposed_provenance::<f32>(addr);
        // SAFETY: the caller guarantees the 16 bytes; all three loads accept
        // any alignment (and SSE is on in every x86_64 build).
        unsafe {
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            return F4(arch::v128_load(p.cast()));
            #[cfg(target_arch = "x86_64")]
            return F4(arch::_mm_loadu_ps(p));
            #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
            return F4(p.cast::<[f32; 4]>().read_unaligned());
        }
    }

    /// The four little-endian `i16` at `addr` (8 bytes, any alignment), each
    /// as the float of its integer value (exact).
    ///
    /// # Safety
    /// `addr..addr + 8` must be readable.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub unsafe fn load_i16(addr: usize) -> F4 {
        let p = core::ptr::with_exposed_provenance::<i16>(addr);
        // SAFETY: the caller guarantees the 8 bytes; the loads accept any
        // alignment (and SSE2 is on in every x86_64 build).
        unsafe {
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            return F4(arch::f32x4_convert_i32x4(arch::i32x4_load_extend_i16x4(p)));
            #[cfg(target_arch = "x86_64")]
            return {
                // Sign-extend by putting each i16 in the top half of an i32
                // and shifting back down (SSE2 has no pmovsxwd).
                let x = arch::_mm_loadl_epi64(p.cast());
                F4(arch::_mm_cvtepi32_ps(arch::_mm_srai_epi32::<16>(arch::_mm_unpacklo_epi16(x, x))))
            };
            #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
            return F4(p.cast::<[i16; 4]>().read_unaligned().map(|x| i16::from_le(x) as f32));
        }
    }

    /// The eight little-endian `i16` at `addr` (16 bytes, any alignment)
    /// as two vectors of four, each value the float of its integer (exact):
    /// one load where the instruction set has no widening load.
    ///
    /// # Safety
    /// `addr..addr + 16` must be readable.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub unsafe fn load_i16x8(addr: usize) -> (F4, F4) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller guarantees the 16 bytes; the load accepts any
        // alignment (and SSE2 is on in every x86_64 build).
        return unsafe {
            let x = arch::_mm_loadu_si128(core::ptr::with_exposed_provenance(addr));
            let widen = |y| F4(arch::_mm_cvtepi32_ps(arch::_mm_srai_epi32::<16>(y)));
            (widen(arch::_mm_unpacklo_epi16(x, x)), widen(arch::_mm_unpackhi_epi16(x, x)))
        };
        #[cfg(not(target_arch = "x86_64"))]
        // SAFETY: the caller guarantees the 16 bytes.
        return unsafe { (F4::load_i16(addr), F4::load_i16(addr + 8)) };
    }

    /// `[c, d, a, b]` of `[a, b, c, d]`.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn swap_halves(self) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::i32x4_shuffle::<2, 3, 0, 1>(self.0, self.0));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_shuffle_ps::<0b01_00_11_10>(self.0, self.0)) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4([self.0[2], self.0[3], self.0[0], self.0[1]]);
    }

    /// `[d, c, b, a]` of `[a, b, c, d]`.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn reversed(self) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::i32x4_shuffle::<3, 2, 1, 0>(self.0, self.0));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_shuffle_ps::<0b00_01_10_11>(self.0, self.0)) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4([self.0[3], self.0[2], self.0[1], self.0[0]]);
    }

    /// `[a, a, b, b]` of `[a, b, c, d]`.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn dup_low(self) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::i32x4_shuffle::<0, 0, 1, 1>(self.0, self.0));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_unpacklo_ps(self.0, self.0)) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4([self.0[0], self.0[0], self.0[1], self.0[1]]);
    }

    /// `[c, c, d, d]` of `[a, b, c, d]`.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn dup_high(self) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::i32x4_shuffle::<2, 2, 3, 3>(self.0, self.0));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_unpackhi_ps(self.0, self.0)) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4([self.0[2], self.0[2], self.0[3], self.0[3]]);
    }

    /// Lanes 0 and 1.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn low_pair(self) -> (f32, f32) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return (arch::f32x4_extract_lane::<0>(self.0), arch::f32x4_extract_lane::<1>(self.0));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { (arch::_mm_cvtss_f32(self.0), arch::_mm_cvtss_f32(arch::_mm_shuffle_ps::<0b01>(self.0, self.0))) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return (self.0[0], self.0[1]);
    }

    /// The 4 × 4 transpose of the rows `a, b, c, d`: lane `j` of result
    /// `k` is lane `k` of row `j` (row `j` is frame `j` of a batch; result
    /// `k` its tap `k` across the batch).
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn transpose(a: F4, b: F4, c: F4, d: F4) -> (F4, F4, F4, F4) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return {
            let (ab_lo, cd_lo) = (arch::i32x4_shuffle::<0, 4, 1, 5>(a.0, b.0), arch::i32x4_shuffle::<0, 4, 1, 5>(c.0, d.0));
            let (ab_hi, cd_hi) = (arch::i32x4_shuffle::<2, 6, 3, 7>(a.0, b.0), arch::i32x4_shuffle::<2, 6, 3, 7>(c.0, d.0));
            (
                F4(arch::i32x4_shuffle::<0, 1, 4, 5>(ab_lo, cd_lo)),
                F4(arch::i32x4_shuffle::<2, 3, 6, 7>(ab_lo, cd_lo)),
                F4(arch::i32x4_shuffle::<0, 1, 4, 5>(ab_hi, cd_hi)),
                F4(arch::i32x4_shuffle::<2, 3, 6, 7>(ab_hi, cd_hi)),
            )
        };
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe {
            let (ab_lo, cd_lo) = (arch::_mm_unpacklo_ps(a.0, b.0), arch::_mm_unpacklo_ps(c.0, d.0));
            let (ab_hi, cd_hi) = (arch::_mm_unpackhi_ps(a.0, b.0), arch::_mm_unpackhi_ps(c.0, d.0));
            (
                F4(arch::_mm_movelh_ps(ab_lo, cd_lo)),
                F4(arch::_mm_movehl_ps(cd_lo, ab_lo)),
                F4(arch::_mm_movelh_ps(ab_hi, cd_hi)),
                F4(arch::_mm_movehl_ps(cd_hi, ab_hi)),
            )
        };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return {
            let rows = [a.0, b.0, c.0, d.0];
            let col = |k: usize| F4([rows[0][k], rows[1][k], rows[2][k], rows[3][k]]);
            (col(0), col(1), col(2), col(3))
        };
    }

    /// Adds the lanes to `out[0..4]`, lane `k` to `out[k]`: one load, add
    /// and store (`*out[k] += lane k`, the same bits as four scalar adds).
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn add_to(self, out: &mut [f32; 4]) {
        let addr = out.as_mut_ptr().expose_provenance();
        // SAFETY: `out` is 16 writable bytes; the stores accept any alignment.
        unsafe {
            let sum = F4::load_f32(addr) + self;
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            arch::v128_store(core::ptr::with_exposed_provenance_mut(addr), sum.0);
            #[cfg(target_arch = "x86_64")]
            arch::_mm_storeu_ps(core::ptr::with_exposed_provenance_mut(addr), sum.0);
            #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
            core::ptr::with_exposed_provenance_mut::<[f32; 4]>(addr).write_unaligned(sum.0);
        }
    }

    /// `[x, b, c, d]` of `[a, b, c, d]`.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn with_first(self, x: f32) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::f32x4_replace_lane::<0>(self.0, x));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_move_ss(self.0, arch::_mm_set_ss(x))) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4([x, self.0[1], self.0[2], self.0[3]]);
    }

    /// Whether any lane is zero (either sign); a NaN lane is not.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn any_zero(self) -> bool {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return arch::v128_any_true(arch::f32x4_eq(self.0, arch::f32x4_splat(0.0)));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { arch::_mm_movemask_ps(arch::_mm_cmpeq_ps(self.0, arch::_mm_setzero_ps())) != 0 };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return self.0.contains(&0.0);
    }

    /// `[n, n + 1, n + 2, n + 3]`, each converted exactly as `(n + k) as
    /// f32` converts (the nearest float, ties to even), for `0 <= n <=
    /// i32::MAX - 3`. A signed lane conversion: the unsigned one has no
    /// x86 instruction before AVX-512, and Cranelift spells it as eight.
    ///
    /// Thread: any, the audio thread included. No allocation.
    #[inline(always)]
    pub fn counting_from(n: i32) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::f32x4_convert_i32x4(arch::i32x4_add(arch::i32x4_splat(n), arch::i32x4(0, 1, 2, 3))));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_cvtepi32_ps(arch::_mm_add_epi32(arch::_mm_set1_epi32(n), arch::_mm_setr_epi32(0, 1, 2, 3)))) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4(core::array::from_fn(|k| (n + k as i32) as f32));
    }

    /// All four lanes.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn to_array(self) -> [f32; 4] {
        let (a, b) = self.low_pair();
        let (c, d) = self.swap_halves().low_pair();
        [a, b, c, d]
    }
}

/// Thread: any, the audio thread included. No allocation.
impl core::ops::Add for F4 {
    type Output = F4;
    /// Lane-wise `self + o`.
    #[inline(always)]
    fn add(self, o: F4) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::f32x4_add(self.0, o.0));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_add_ps(self.0, o.0)) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4(core::array::from_fn(|i| self.0[i] + o.0[i]));
    }
}

/// Thread: any, the audio thread included. No allocation.
impl core::ops::Sub for F4 {
    type Output = F4;
    /// Lane-wise `self - o`.
    #[inline(always)]
    fn sub(self, o: F4) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::f32x4_sub(self.0, o.0));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_sub_ps(self.0, o.0)) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4(core::array::from_fn(|i| self.0[i] - o.0[i]));
    }
}

/// Thread: any, the audio thread included. No allocation.
impl core::ops::Mul for F4 {
    type Output = F4;
    /// Lane-wise `self * o`.
    #[inline(always)]
    fn mul(self, o: F4) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::f32x4_mul(self.0, o.0));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_mul_ps(self.0, o.0)) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4(core::array::from_fn(|i| self.0[i] * o.0[i]));
    }
}

/// Thread: any, the audio thread included. No allocation.
impl core::ops::Div for F4 {
    type Output = F4;
    /// Lane-wise `self / o` (IEEE division, correctly rounded like the scalar one).
    #[inline(always)]
    fn div(self, o: F4) -> F4 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return F4(arch::f32x4_div(self.0, o.0));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE and SSE2 are part of the x86_64 baseline, on in every build.
        return unsafe { F4(arch::_mm_div_ps(self.0, o.0)) };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        return F4(core::array::from_fn(|i| self.0[i] / o.0[i]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_operations_match_their_scalar_definitions() {
        let x = F4::new(1.5, -2.0, 3.25, 1e-3);
        let y = F4::new(0.5, 4.0, -1.0, 3.0);
        assert_eq!((x + y).to_array(), [2.0, 2.0, 2.25, 1e-3 + 3.0]);
        assert_eq!((x - y).to_array(), [1.0, -6.0, 4.25, 1e-3 - 3.0]);
        assert_eq!((x * y).to_array(), [0.75, -8.0, -3.25, 1e-3 * 3.0]);
        assert_eq!((x / y).to_array(), [3.0, -0.5, -3.25, 1e-3 / 3.0]);
        assert_eq!(x.with_first(9.0).to_array(), [9.0, -2.0, 3.25, 1e-3]);
        assert_eq!(x.swap_halves().to_array(), [3.25, 1e-3, 1.5, -2.0]);
        assert_eq!(x.reversed().to_array(), [1e-3, 3.25, -2.0, 1.5]);
        assert_eq!(x.dup_low().to_array(), [1.5, 1.5, -2.0, -2.0]);
        assert_eq!(x.dup_high().to_array(), [3.25, 3.25, 1e-3, 1e-3]);
        assert_eq!(F4::splat(-0.25).to_array(), [-0.25; 4]);
        let rows = [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0]];
        let f = |r: [f32; 4]| F4::new(r[0], r[1], r[2], r[3]);
        let (c0, c1, c2, c3) = F4::transpose(f(rows[0]), f(rows[1]), f(rows[2]), f(rows[3]));
        assert_eq!(
            [c0.to_array(), c1.to_array(), c2.to_array(), c3.to_array()],
            [[1.0, 5.0, 9.0, 13.0], [2.0, 6.0, 10.0, 14.0], [3.0, 7.0, 11.0, 15.0], [4.0, 8.0, 12.0, 16.0]]
        );
        let mut out = [0.5f32, -1.0, 2.0, 1e-3];
        y.add_to(&mut out);
        assert_eq!(out, [1.0, 3.0, 1.0, 1e-3 + 3.0]);
    }

    #[test]
    fn any_zero_finds_a_zero_of_either_sign_in_any_lane_and_not_a_nan() {
        assert!(!x_without_zero().any_zero());
        for lane in 0..4 {
            for zero in [0.0f32, -0.0] {
                let mut v = x_without_zero().to_array();
                v[lane] = zero;
                assert!(F4::new(v[0], v[1], v[2], v[3]).any_zero(), "{zero} in lane {lane}");
            }
        }
        assert!(!F4::new(f32::NAN, 1e-45, -1e-45, f32::INFINITY).any_zero());
    }

    fn x_without_zero() -> F4 {
        F4::new(1.5, -2.0, 3.25, 1e-3)
    }

    #[test]
    fn counting_from_converts_each_lane_as_the_scalar_cast_does() {
        // 2^24 + 1 is the first integer a float cannot hold: it rounds to even.
        for n in [0i32, 1, 1000, (1 << 24) - 2, (1 << 24) - 1, 1 << 24, (1 << 25) + 1, i32::MAX - 3] {
            let want: [f32; 4] = core::array::from_fn(|k| (n as u32 + k as u32) as f32);
            let got = F4::counting_from(n).to_array();
            assert_eq!(got.map(f32::to_bits), want.map(f32::to_bits), "from {n}");
        }
    }

    #[test]
    fn loads_read_unaligned_floats_and_sign_extend_16_bit_integers() {
        let mut bytes = [0u8; 21];
        for (k, v) in [1.0f32, -0.5, 7.0, f32::MIN_POSITIVE].iter().enumerate() {
            bytes[1 + 4 * k..5 + 4 * k].copy_from_slice(&v.to_le_bytes());
        }
        let addr = bytes.as_ptr().expose_provenance();
        // SAFETY: bytes 1..17 lie in the array.
        assert_eq!(unsafe { F4::load_f32(addr + 1) }.to_array(), [1.0, -0.5, 7.0, f32::MIN_POSITIVE]);
        for (k, v) in [-32768i16, 32767, -1, 0].iter().enumerate() {
            bytes[3 + 2 * k..5 + 2 * k].copy_from_slice(&v.to_le_bytes());
        }
        // SAFETY: bytes 3..11 lie in the array.
        assert_eq!(unsafe { F4::load_i16(addr + 3) }.to_array(), [-32768.0, 32767.0, -1.0, 0.0]);
        for (k, v) in [5i16, -6, 7, -8].iter().enumerate() {
            bytes[11 + 2 * k..13 + 2 * k].copy_from_slice(&v.to_le_bytes());
        }
        // SAFETY: bytes 3..19 lie in the array.
        let (a, b) = unsafe { F4::load_i16x8(addr + 3) };
        assert_eq!((a.to_array(), b.to_array()), ([-32768.0, 32767.0, -1.0, 0.0], [5.0, -6.0, 7.0, -8.0]));
    }
}
