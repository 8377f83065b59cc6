//! Interpolation kernels used to read a sample at a fractional position.
//!
//! Both kernels return `y0` exactly when `t == 0.0`, which is what makes a
//! voice at rate 1.0 reproduce its sample bit for bit (the voice also skips
//! interpolation at `t == 0`).

use crate::lanes::F4;

/// Which kernel a slot uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// 4-point, 3rd-order Hermite (Catmull-Rom): smooth, little aliasing for a
    /// cheap kernel. The default.
    Cubic,
    /// 2-point linear: cheapest, duller on pitched-down material.
    Linear,
    /// 16-point windowed sinc ([`SINC_TABLE`]): the cleanest, about 4
    /// times the work of the cubic.
    Sinc,
}

/// Catmull-Rom weights of the four taps `[y(-1), y(0), y(1), y(2)]` at
/// fraction `t` of the way from `y(0)` to `y(1)`: each lane is a cubic in
/// `t` evaluated in Horner form, `((a t + b) t + c) t + d`. The weighted sum
/// is the 4-point, 3rd-order Hermite (Catmull-Rom) interpolant; the weights
/// are shared by both channels of a frame and computed four at a time.
///
/// ```
/// use wasm_sampler_guest::interp::cubic_weights;
/// assert_eq!(cubic_weights(0.0).to_array(), [0.0, 1.0, 0.0, 0.0]);
/// assert_eq!(cubic_weights(0.5).to_array(), [-0.0625, 0.5625, 0.5625, -0.0625]);
/// ```
///
/// Thread: any, the audio thread included. No allocation (the guest has no allocator).
#[inline(always)]
pub fn cubic_weights(t: f32) -> F4 {
    let t4 = F4::splat(t);
    let (a, b, c, d) = (F4::new(-0.5, 1.5, -1.5, 0.5), F4::new(1.0, -2.5, 2.0, -0.5), F4::new(-0.5, 0.0, 0.5, 0.0), F4::new(0.0, 1.0, 0.0, 0.0));
    ((a * t4 + b) * t4 + c) * t4 + d
}

/// The cubic interpolant of one channel: `y` holds the taps
/// `[y(-1), y(0), y(1), y(2)]`, `w` their [`cubic_weights`]. The sum is
/// `(w0 y(-1) + w2 y(1)) + (w1 y(0) + w3 y(2))`, the order
/// [`cubic_pair`] uses for each of its channels.
///
/// ```
/// use wasm_sampler_guest::{interp::{cubic_mono, cubic_weights}, lanes::F4};
/// let line = F4::new(1.0, 2.0, 3.0, 4.0);
/// assert_eq!(cubic_mono(line, cubic_weights(0.5)), 2.5); // a line stays a line
/// ```
///
/// Thread: any, the audio thread included. No allocation (the guest has no allocator).
#[inline(always)]
pub fn cubic_mono(y: F4, w: F4) -> f32 {
    let p = y * w;
    let (a, b) = (p + p.swap_halves()).low_pair();
    a + b
}

/// The cubic interpolant of two interleaved channels: `a` holds
/// `[l(-1), r(-1), l(0), r(0)]` and `b` `[l(1), r(1), l(2), r(2)]`, as
/// stereo frames lie in memory. Lanes 0 and 1 of the result are left and
/// right, each equal bit for bit to [`cubic_mono`] of that channel.
///
/// Thread: any, the audio thread included. No allocation (the guest has no allocator).
#[inline(always)]
pub fn cubic_pair(a: F4, b: F4, w: F4) -> F4 {
    let p = a * w.dup_low() + b * w.dup_high();
    p + p.swap_halves()
}

/// Linear interpolation of two interleaved channels: `v` holds
/// `[l(0), r(0), l(1), r(1)]`; lanes 0 and 1 of the result are left and
/// right, each equal bit for bit to [`linear`] of that channel.
///
/// Thread: any, the audio thread included. No allocation (the guest has no allocator).
#[inline(always)]
pub fn linear_pair(v: F4, t: f32) -> F4 {
    v + (v.swap_halves() - v) * F4::splat(t)
}

/// [`cubic_weights`] for four fractions at once, transposed: result `j`
/// holds tap `j`'s weight for each lane of `t` (lane `k` of result `j` is
/// lane `j` of `cubic_weights(t[k])`, bit for bit: the same operations per
/// lane).
///
/// Thread: any, the audio thread included. No allocation (the guest has no allocator).
#[inline(always)]
pub fn cubic_weights4(t: F4) -> [F4; 4] {
    const A: [f32; 4] = [-0.5, 1.5, -1.5, 0.5];
    const B: [f32; 4] = [1.0, -2.5, 2.0, -0.5];
    const C: [f32; 4] = [-0.5, 0.0, 0.5, 0.0];
    const D: [f32; 4] = [0.0, 1.0, 0.0, 0.0];
    core::array::from_fn(|j| ((F4::splat(A[j]) * t + F4::splat(B[j])) * t + F4::splat(C[j])) * t + F4::splat(D[j]))
}

/// The cubic interpolant of four frames at once: `y` holds the taps
/// `[y(-1), y(0), y(1), y(2)]`, each across the four frames, and `w` their
/// [`cubic_weights4`]. Each lane equals [`cubic_mono`] of that frame bit for
/// bit (the same products, summed in the same order).
///
/// Thread: any, the audio thread included. No allocation (the guest has no allocator).
#[inline(always)]
pub fn cubic4(y: [F4; 4], w: [F4; 4]) -> F4 {
    (y[0] * w[0] + y[2] * w[2]) + (y[1] * w[1] + y[3] * w[3])
}

/// Linear interpolation between `y0` (t = 0) and `y1` (t = 1).
///
/// ```
/// use wasm_sampler_guest::interp::linear;
/// assert_eq!(linear(0.5, 1.0, 0.0), 0.5);
/// assert_eq!(linear(-0.125, 1.0, 0.0), -0.125);
/// ```
///
/// Thread: any, the audio thread included. No allocation (the guest has no allocator).
#[inline(always)]
pub fn linear(y0: f32, y1: f32, t: f32) -> f32 {
    y0 + (y1 - y0) * t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same polynomial in its textbook Horner form, as a reference.
    fn hermite(ym1: f32, y0: f32, y1: f32, y2: f32, t: f32) -> f32 {
        let c1 = 0.5 * (y1 - ym1);
        let c2 = ym1 - 2.5 * y0 + 2.0 * y1 - 0.5 * y2;
        let c3 = 0.5 * (y2 - ym1) + 1.5 * (y0 - y1);
        ((c3 * t + c2) * t + c1) * t + y0
    }

    #[test]
    fn cubic_at_zero_returns_the_sample_bit_exactly() {
        for &y0 in &[0.0f32, 1.0, -1.0, 1e-30, 0.123_456_79, f32::MIN_POSITIVE, -32768.0, 8_388_607.0] {
            assert_eq!(cubic_mono(F4::new(0.9, y0, -0.7, 0.2), cubic_weights(0.0)).to_bits(), y0.to_bits(), "{y0}");
        }
    }

    #[test]
    fn cubic_at_one_returns_the_next_sample() {
        assert_eq!(cubic_mono(F4::new(0.0, 0.25, 0.75, 0.5), cubic_weights(1.0)), 0.75);
    }

    #[test]
    fn cubic_weights_sum_to_one_and_match_the_textbook_hermite() {
        let taps = [(0.3f32, -0.25f32, 0.5f32, 0.75f32), (1.0, -1.0, 1.0, -1.0), (-20_000.0, 31_000.0, -32_768.0, 12.0)];
        for k in 0..=64 {
            let t = k as f32 / 64.0;
            let w = cubic_weights(t).to_array();
            assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-6, "t {t}: {w:?}");
            for &(a, b, c, d) in &taps {
                let (got, want) = (cubic_mono(F4::new(a, b, c, d), cubic_weights(t)), hermite(a, b, c, d, t));
                assert!((got - want).abs() <= 1e-5 * want.abs().max(1.0), "t {t}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn cubic_reproduces_a_quadratic_exactly_enough() {
        // Catmull-Rom is exact for polynomials up to degree 2.
        let f = |x: f32| 0.5 * x * x - x + 0.25;
        let got = cubic_mono(F4::new(f(-1.0), f(0.0), f(1.0), f(2.0)), cubic_weights(0.25));
        assert!((got - f(0.25)).abs() < 1e-6, "{got}");
    }

    #[test]
    fn pair_kernels_give_each_channel_the_mono_kernels_bits() {
        let (l, r) = ([0.1f32, -0.7, 0.33, 0.9], [-12.0f32, 7.5, 3.25, -1.0]);
        for k in 1..16 {
            let t = k as f32 / 16.0;
            let w = cubic_weights(t);
            let pair = cubic_pair(F4::new(l[0], r[0], l[1], r[1]), F4::new(l[2], r[2], l[3], r[3]), w).low_pair();
            assert_eq!(pair.0.to_bits(), cubic_mono(F4::new(l[0], l[1], l[2], l[3]), w).to_bits());
            assert_eq!(pair.1.to_bits(), cubic_mono(F4::new(r[0], r[1], r[2], r[3]), w).to_bits());
            let lin = linear_pair(F4::new(l[1], r[1], l[2], r[2]), t).low_pair();
            assert_eq!((lin.0.to_bits(), lin.1.to_bits()), (linear(l[1], l[2], t).to_bits(), linear(r[1], r[2], t).to_bits()));
        }
    }

    #[test]
    fn four_frame_cubic_gives_each_frame_the_one_frame_kernels_bits() {
        let taps = [[0.1f32, -0.7, 0.33, 0.9], [-12.0, 7.5, 3.25, -1.0], [30_000.0, -32_768.0, 1.0, 17.0], [1e-3, 2e-3, -5e-4, 0.5]];
        for k in 0..64 {
            let t = [k as f32 / 64.0 + 1.0 / 4096.0, 0.999_9, (k as f32 * 0.37) % 1.0, 1.0 / (k as f32 + 2.0)];
            let w = cubic_weights4(F4::new(t[0], t[1], t[2], t[3]));
            let col = |j: usize| F4::new(taps[0][j], taps[1][j], taps[2][j], taps[3][j]);
            let got = cubic4([col(0), col(1), col(2), col(3)], w).to_array();
            for f in 0..4 {
                let y = taps[f];
                let one = cubic_mono(F4::new(y[0], y[1], y[2], y[3]), cubic_weights(t[f]));
                assert_eq!(got[f].to_bits(), one.to_bits(), "frame {f} at t {}", t[f]);
                let wf: [f32; 4] = core::array::from_fn(|j| w[j].to_array()[f]);
                assert_eq!(wf.map(f32::to_bits), cubic_weights(t[f]).to_array().map(f32::to_bits));
            }
        }
    }

    #[test]
    fn linear_midpoint_is_the_mean() {
        assert_eq!(linear(0.25, 0.75, 0.5), 0.5);
    }
}

/// Taps of the windowed-sinc kernel: frames `i - 7 ..= i + 8` around a
/// position between frames `i` and `i + 1`.
pub const SINC_TAPS: usize = 16;
/// Phases the sinc table holds between two frames (weights in between are
/// interpolated linearly from the two nearest).
pub const SINC_PHASES: usize = 256;

/// The windowed-sinc weights at every tabulated phase: row `p` holds the
/// weights of the 16 taps at fraction `t = p / SINC_PHASES`; the last row
/// (`t = 1`) closes the interpolation. Each weight is `sinc(x) · w(x / 8)`
/// for the tap's distance `x` from the position, with `w` the 4-term
/// Blackman-Harris window (first sidelobe −92 dB), which is 0 at ±8. Row 0
/// is exactly `[0, …, 1, …, 0]` (`sinc` is 0 at every other integer).
/// Computed by the compiler (own series for sin and cos, so no maths
/// library is involved and wasm and native builds hold the same bits).
pub static SINC_TABLE: [[f32; SINC_TAPS]; SINC_PHASES + 1] = sinc_table();

const fn sinc_table() -> [[f32; SINC_TAPS]; SINC_PHASES + 1] {
    let mut table = [[0.0f32; SINC_TAPS]; SINC_PHASES + 1];
    let mut p = 0;
    while p <= SINC_PHASES {
        let t = p as f64 / SINC_PHASES as f64;
        let mut k = 0;
        while k < SINC_TAPS {
            let x = (k as f64 - 7.0) - t;
            table[p][k] = (sinc(x) * blackman_harris(x / 8.0)) as f32;
            k += 1;
        }
        p += 1;
    }
    table
}

const PI: f64 = core::f64::consts::PI;

/// sin(πx)/(πx), exactly 1 at 0 and 0 at the other integers.
const fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        return 1.0;
    }
    let whole = x as i64;
    if whole as f64 == x {
        return 0.0;
    }
    sin_pi(x) / (PI * x)
}

/// The 4-term Blackman-Harris window centred on 0, over `u` in -1..=1.
const fn blackman_harris(u: f64) -> f64 {
    if u <= -1.0 || u >= 1.0 {
        return 0.0;
    }
    0.35875 + 0.48829 * cos_pi(u) + 0.14128 * cos_pi(2.0 * u) + 0.01168 * cos_pi(3.0 * u)
}

/// sin(πx) by its Taylor series after reducing x to -½..=½ (exact
/// symmetries of sin; error below 1e-16).
const fn sin_pi(x: f64) -> f64 {
    // sin(π(x - 2n)) = sin(πx); then fold into -½..=½.
    let n = (x / 2.0) as i64;
    let mut r = x - 2.0 * n as f64; // -2 < r < 2
    if r > 1.0 {
        r -= 2.0;
    } else if r < -1.0 {
        r += 2.0;
    }
    // Now -1 <= r <= 1: sin(π r) = sin(π (1 - r)) for r > ½.
    if r > 0.5 {
        r = 1.0 - r;
    } else if r < -0.5 {
        r = -1.0 - r;
    }
    let z = PI * r;
    let z2 = z * z;
    let mut term = z;
    let mut sum = z;
    let mut k = 1;
    while k < 14 {
        term = -term * z2 / ((2 * k) as f64 * (2 * k + 1) as f64);
        sum += term;
        k += 1;
    }
    sum
}

/// cos(πx) = sin(π(x + ½)).
const fn cos_pi(x: f64) -> f64 {
    sin_pi(x + 0.5)
}

/// The weights of the 16 sinc taps at fraction `t` (0 <= t < 1): the two
/// nearest table rows interpolated.
///
/// Thread: any, the audio thread included. No allocation (the guest has no allocator).
#[inline(always)]
pub fn sinc_weights(t: f32) -> [f32; SINC_TAPS] {
    let p = t * SINC_PHASES as f32;
    let j = (p as usize).min(SINC_PHASES - 1);
    let f = p - j as f32;
    let (a, b) = (&SINC_TABLE[j], &SINC_TABLE[j + 1]);
    let mut w = [0.0f32; SINC_TAPS];
    for k in 0..SINC_TAPS {
        w[k] = a[k] + (b[k] - a[k]) * f;
    }
    w
}

#[cfg(test)]
mod sinc_tests {
    use super::*;

    #[test]
    fn the_sinc_table_is_a_unit_impulse_at_phase_0_and_sums_to_about_one_everywhere() {
        let mut impulse = [0.0f32; SINC_TAPS];
        impulse[7] = 1.0;
        assert_eq!(SINC_TABLE[0], impulse);
        let mut shifted = [0.0f32; SINC_TAPS];
        shifted[8] = 1.0;
        assert_eq!(SINC_TABLE[SINC_PHASES], shifted, "t = 1 is the next frame");
        for row in &SINC_TABLE {
            let sum: f32 = row.iter().sum();
            assert!((sum - 1.0).abs() < 2e-3, "{sum}");
        }
        // Half way: symmetric about the middle.
        let half = &SINC_TABLE[SINC_PHASES / 2];
        for k in 0..8 {
            assert!((half[7 - k] - half[8 + k]).abs() < 1e-7);
        }
        assert!((sin_pi(0.25) - core::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15);
        assert!((sin_pi(-3.75) - core::f64::consts::FRAC_1_SQRT_2).abs() < 1e-14);
    }
}
