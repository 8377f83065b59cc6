//! Interpolation kernels used to read a sample at a fractional position.
//!
//! Both kernels return `y0` exactly when `t == 0.0`, which is what makes a
//! voice at rate 1.0 reproduce its sample bit for bit.

/// Which kernel a slot uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// 4-point, 3rd-order Hermite (Catmull-Rom): smooth, little aliasing for a
    /// cheap kernel. The default.
    Cubic,
    /// 2-point linear: cheapest, duller on pitched-down material.
    Linear,
}

/// 4-point cubic Hermite between `y0` (t = 0) and `y1` (t = 1), with
/// neighbours `ym1` and `y2`.
///
/// ```
/// use wasm_sampler_guest::interp::hermite;
/// assert_eq!(hermite(0.3, -0.25, 0.5, 0.75, 0.0), -0.25);
/// assert_eq!(hermite(1.0, 2.0, 3.0, 4.0, 0.5), 2.5); // a line stays a line
/// ```
///
/// Thread: any, the audio thread included. No allocation (the guest has no allocator).
#[inline(always)]
pub fn hermite(ym1: f32, y0: f32, y1: f32, y2: f32, t: f32) -> f32 {
    let c1 = 0.5 * (y1 - ym1);
    let c2 = ym1 - 2.5 * y0 + 2.0 * y1 - 0.5 * y2;
    let c3 = 0.5 * (y2 - ym1) + 1.5 * (y0 - y1);
    ((c3 * t + c2) * t + c1) * t + y0
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

    #[test]
    fn hermite_at_zero_returns_the_sample_bit_exactly() {
        for &y0 in &[0.0f32, -0.0, 1.0, -1.0, 1e-30, 0.123_456_79, f32::MIN_POSITIVE] {
            // Bit for bit, except that a -0.0 sample may come back as +0.0.
            let got = hermite(0.9, y0, -0.7, 0.2, 0.0);
            assert!(got.to_bits() == y0.to_bits() || (got == 0.0 && y0 == 0.0), "{y0} -> {got}");
        }
    }

    #[test]
    fn hermite_at_one_returns_the_next_sample() {
        assert_eq!(hermite(0.0, 0.25, 0.75, 0.5, 1.0), 0.75);
    }

    #[test]
    fn hermite_reproduces_a_quadratic_exactly_enough() {
        // Catmull-Rom is exact for polynomials up to degree 2.
        let f = |x: f32| 0.5 * x * x - x + 0.25;
        let got = hermite(f(-1.0), f(0.0), f(1.0), f(2.0), 0.25);
        assert!((got - f(0.25)).abs() < 1e-6, "{got}");
    }

    #[test]
    fn linear_midpoint_is_the_mean() {
        assert_eq!(linear(0.25, 0.75, 0.5), 0.5);
    }
}
