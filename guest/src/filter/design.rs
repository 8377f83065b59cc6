//! Designing a filter section: the analog prototype, and the digital biquad
//! that follows it.
//!
//! Two designs, both with the analog poles mapped by `z = e^{sT}`:
//! - **matched** (M. Vicanek, "Matched Second Order Digital Filters", 2016):
//!   the numerator makes the digital magnitude equal the prototype's at DC,
//!   at the cutoff and (low-pass, band-pass) at one more frequency. Near DC
//!   it is exact to a few thousandths of a dB; towards Nyquist it drifts (up
//!   to 1.1 dB one octave either side of a 0.45·fs cutoff, 2.1 dB for a
//!   24 dB/oct band-pass).
//! - **fitted**, used above [`FIT_ABOVE`]: the same poles (low-pass,
//!   band-pass) or the same double zero at DC (high-pass), with the rest
//!   chosen by a weighted least-squares fit of |H|² to the prototype at
//!   [`FIT_POINTS`] frequencies spread over one octave either side of the
//!   cutoff (up to 0.45·fs), re-weighted [`FIT_ROUNDS`] times towards the
//!   largest errors (Lawson's iteration, which approaches the minimax fit).
//!   The low-pass and band-pass keep the exact magnitude at DC and at the
//!   cutoff. Measured (`tests/integration/filter.rs`) within 0.8 dB of every prototype
//!   up to 0.45·fs.
//!
//! Everything is f64 with `libm`, so wasm and native get the same bits.
//! Nothing allocates; any thread may call these.

use super::Response;
use core::f64::consts::PI;

/// Where the matched design's third frequency lies between the cutoff (0)
/// and Nyquist (1).
const THIRD_POINT: f64 = 0.1;
/// The fitted design is used above this cutoff (radians per sample: 0.04·fs,
/// 1.8 kHz at 44.1 kHz); below it the matched design is within 0.01 dB.
pub const FIT_ABOVE: f64 = 0.25;
/// Frequencies the fit samples, from half the cutoff to twice it (or
/// [`FIT_TOP`]), evenly in log frequency.
const FIT_POINTS: usize = 8;
/// Re-weightings of the fit towards its largest errors.
const FIT_ROUNDS: usize = 2;
/// The highest frequency the fit looks at: 0.45·fs.
const FIT_TOP: f64 = 0.9 * PI;
/// Above this Q a high-pass keeps the matched design: moving its poles no
/// longer follows a sharp resonance near Nyquist.
const HIGH_PASS_FIT_MAX_Q: f64 = 5.0;

/// How steep the filter is (`abi::param::FILTER_SLOPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slope {
    /// One pole: 6 dB/oct (low- and high-pass; a band-pass stays at 12).
    Db6,
    /// One second-order section.
    Db12,
    /// Two second-order sections.
    Db24,
}

impl Slope {
    /// The slope for a `FILTER_SLOPE` value; `None` for unknown ones.
    ///
    /// Thread: any. No allocation.
    pub fn from_code(value: f32) -> Option<Slope> {
        match value {
            0.0 => Some(Slope::Db12),
            1.0 => Some(Slope::Db24),
            2.0 => Some(Slope::Db6),
            _ => None,
        }
    }
}

/// The fourth-order Butterworth low-pass as two sections: their Q.
pub const BUTTERWORTH4: [f64; 2] = [0.541_196_100_146_197, 1.306_562_964_876_376_5];

/// |H(jx)|² of a second-order analog section with quality `q` at `x` =
/// frequency / cutoff.
fn prototype_sq(response: Response, x: f64, q: f64) -> f64 {
    let (re, im) = (1.0 - x * x, x / q);
    let den = re * re + im * im;
    match response {
        Response::Low => 1.0 / den,
        Response::High => x * x * x * x / den,
        Response::Band => x * x / (q * q) / den,
    }
}

/// `cos²(w/2)`, `sin²(w/2)` and `4 cos²(w/2) sin²(w/2)`: a biquad's |H|² is
/// linear in these (Vicanek's φ0, φ1, φ2).
fn phis(w: f64) -> [f64; 3] {
    let s = libm::sin(0.5 * w);
    let p1 = s * s;
    let p0 = 1.0 - p1;
    [p0, p1, 4.0 * p0 * p1]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// The poles of an analog section at `w0` with quality `q`, mapped by
/// `z = e^{sT}`: the denominator's `a1`, `a2`.
fn poles(w0: f64, q: f64) -> (f64, f64) {
    let zeta = 0.5 / q;
    let decay = libm::exp(-zeta * w0);
    let a1 =
        if zeta <= 1.0 { -2.0 * decay * libm::cos(libm::sqrt(1.0 - zeta * zeta) * w0) } else { -2.0 * decay * libm::cosh(libm::sqrt(zeta * zeta - 1.0) * w0) };
    (a1, decay * decay)
}

/// The denominator's |A|² in φ terms: `(1+a1+a2)²`, `(1-a1+a2)²`, `-4 a2`.
fn big(a1: f64, a2: f64) -> [f64; 3] {
    [(1.0 + a1 + a2) * (1.0 + a1 + a2), (1.0 - a1 + a2) * (1.0 - a1 + a2), -4.0 * a2]
}

/// The frequencies a fit samples for a cutoff at `w0`, with their φ terms:
/// shared by the sections of one design (they have the same cutoff).
#[derive(Clone, Copy, Debug)]
pub struct FitGrid {
    w0: f64,
    /// φ at the cutoff.
    at_cutoff: [f64; 3],
    /// Each frequency over the cutoff, and its φ.
    x: [f64; FIT_POINTS],
    phi: [[f64; 3]; FIT_POINTS],
}

impl FitGrid {
    /// The grid for a cutoff at `w0` radians per sample.
    ///
    /// Thread: any. No allocation.
    pub fn new(w0: f64) -> FitGrid {
        let (lo, top) = (0.5 * w0, f64::min(2.0 * w0, FIT_TOP));
        let ratio = libm::exp(libm::log(top / lo) / (FIT_POINTS - 1) as f64);
        let mut grid = FitGrid { w0, at_cutoff: fast_phis(w0), x: [0.0; FIT_POINTS], phi: [[0.0; 3]; FIT_POINTS] };
        let mut w = lo;
        for k in 0..FIT_POINTS {
            grid.x[k] = w / w0;
            grid.phi[k] = fast_phis(w);
            w *= ratio;
        }
        grid
    }
}

/// [`phis`] with `sin` as a polynomial (Taylor to x¹⁷, error
/// under 1e-11 for w ≤ π): the fit calls it 9 times per design, where
/// `libm::sin` would be most of the design's cost. Plain f64 arithmetic,
/// so wasm and native agree.
fn fast_phis(w: f64) -> [f64; 3] {
    let x = 0.5 * w;
    let x2 = x * x;
    // sin x = x (1 - x²/(2·3) (1 - x²/(4·5) (1 - ...))), innermost first.
    const INVERSE: [f64; 8] = {
        let mut out = [0.0; 8];
        let mut k = 0;
        while k < 8 {
            out[k] = 1.0 / ((2 * (8 - k)) * (2 * (8 - k) + 1)) as f64;
            k += 1;
        }
        out
    };
    let mut t = 1.0;
    for inverse in INVERSE {
        t = 1.0 - x2 * inverse * t;
    }
    let s = x * t;
    let p1 = s * s;
    let p0 = 1.0 - p1;
    [p0, p1, 4.0 * p0 * p1]
}

/// A second-order section as a digital biquad,
/// `(b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Biquad {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl Biquad {
    /// The section the filter runs for `response` at `w0` radians per
    /// sample (0 < w0 < π) with quality `q`: fitted above [`FIT_ABOVE`]
    /// (when the fit is realisable and stable), matched otherwise.
    ///
    /// Thread: any. No allocation.
    pub fn design(response: Response, w0: f64, q: f64) -> Biquad {
        Biquad::design_on(response, w0, q, &|| FitGrid::new(w0))
    }

    /// [`Biquad::design`] with the fit's grid from `grid` (made only if
    /// the fit is used).
    fn design_on(response: Response, w0: f64, q: f64, grid: &dyn Fn() -> FitGrid) -> Biquad {
        if w0 > FIT_ABOVE {
            let fitted = match response {
                Response::High if q <= HIGH_PASS_FIT_MAX_Q => Biquad::fitted_high_pass(&grid(), q),
                Response::High => None,
                _ => Biquad::fitted(response, &grid(), q),
            };
            if let Some(b) = fitted.filter(Biquad::stable) {
                return b;
            }
        }
        Biquad::matched(response, w0, q)
    }

    /// Whether the poles lie inside the unit circle (and every coefficient
    /// is finite).
    fn stable(&self) -> bool {
        let finite = [self.b0, self.b1, self.b2, self.a1, self.a2].iter().all(|c| c.is_finite());
        finite && self.a2.abs() < 1.0 && self.a1.abs() < 1.0 + self.a2
    }

    /// The magnitude-matched section for `response` at `w0` radians per
    /// sample (0 < w0 < π) with quality `q`.
    ///
    /// Thread: any. No allocation.
    pub fn matched(response: Response, w0: f64, q: f64) -> Biquad {
        let (a1, a2) = poles(w0, q);
        let big_a = big(a1, a2);
        let phi = phis(w0);
        let den = dot(big_a, phi);
        if response == Response::High {
            // A double zero at DC and |H| = q at the cutoff; a three-point
            // fit is not realisable for high-passes near Nyquist.
            let b0 = q * libm::sqrt(den) / (4.0 * phi[1]);
            return Biquad { b0, b1: -2.0 * b0, b2: b0, a1, a2 };
        }
        // The numerator's B0, B1, B2 make the digital |H|² equal to the
        // prototype's at DC, at the cutoff and at a third frequency a tenth
        // of the way from the cutoff to Nyquist.
        let dc = if response == Response::Low { 1.0 } else { 0.0 };
        let w1 = w0 + THIRD_POINT * (PI - w0);
        let psi = phis(w1);
        let big_b0 = big_a[0] * dc;
        // B1 phi1 + B2 phi2 = r at both frequencies (Cramer's rule).
        let r0 = prototype_sq(response, 1.0, q) * den - big_b0 * phi[0];
        let r1 = prototype_sq(response, w1 / w0, q) * dot(big_a, psi) - big_b0 * psi[0];
        let det = phi[1] * psi[2] - phi[2] * psi[1];
        let big_b1 = (r0 * psi[2] - phi[2] * r1) / det;
        let big_b2 = (phi[1] * r1 - psi[1] * r0) / det;
        Biquad::from_squared(big_b0, big_b1.max(0.0), big_b2, a1, a2)
    }

    /// The numerator with |B|² = `B0 φ0 + B1 φ1 + B2 φ2`:
    /// `(b0 + b1 + b2)² = B0`, `(b0 - b1 + b2)² = B1`, `-4 b0 b2 = B2`.
    fn from_squared(big_b0: f64, big_b1: f64, big_b2: f64, a1: f64, a2: f64) -> Biquad {
        let (r0, r1) = (libm::sqrt(big_b0), libm::sqrt(big_b1));
        let (sum, b1) = (0.5 * (r0 + r1), 0.5 * (r0 - r1));
        let root = libm::sqrt((sum * sum + big_b2).max(0.0));
        let b0 = 0.5 * (sum + root);
        Biquad { b0, b1, b2: sum - b0, a1, a2 }
    }

    /// The fitted low-pass or band-pass: the matched poles, |H|² exact at DC
    /// and at the cutoff, and the one numerator term left free fitted to the
    /// prototype in relative error. `None` when the fit is not realisable.
    fn fitted(response: Response, grid: &FitGrid, q: f64) -> Option<Biquad> {
        let (a1, a2) = poles(grid.w0, q);
        let big_a = big(a1, a2);
        let phi = grid.at_cutoff;
        let big_b0 = if response == Response::Low { big_a[0] } else { 0.0 };
        // B1 φ1 + B2 φ2 = r0 at the cutoff, so B1 = (r0 - B2 φ2) / φ1, and
        // the relative error at each frequency is c + B2 d.
        let r0 = prototype_sq(response, 1.0, q) * dot(big_a, phi) - big_b0 * phi[0];
        let (mut c, mut d) = ([0.0; FIT_POINTS], [0.0; FIT_POINTS]);
        for k in 0..FIT_POINTS {
            let psi = grid.phi[k];
            let target = prototype_sq(response, grid.x[k], q) * dot(big_a, psi);
            c[k] = (big_b0 * psi[0] + r0 / phi[1] * psi[1] - target) / target;
            d[k] = (psi[2] - phi[2] / phi[1] * psi[1]) / target;
        }
        let mut weight = [1.0; FIT_POINTS];
        let mut big_b2 = 0.0;
        for round in 0..=FIT_ROUNDS {
            let (mut cd, mut dd) = (0.0, 0.0);
            for k in 0..FIT_POINTS {
                cd += weight[k] * c[k] * d[k];
                dd += weight[k] * d[k] * d[k];
            }
            big_b2 = -cd / dd;
            if round < FIT_ROUNDS {
                reweight(&mut weight, |k| c[k] + big_b2 * d[k]);
            }
        }
        let big_b1 = (r0 - big_b2 * phi[2]) / phi[1];
        let sum = 0.5 * (libm::sqrt(big_b0) + libm::sqrt(big_b1.max(0.0)));
        let realisable = big_b1 >= 0.0 && sum * sum + big_b2 >= 0.0;
        realisable.then(|| Biquad::from_squared(big_b0, big_b1, big_b2, a1, a2))
    }

    /// The fitted high-pass: a double zero at DC, and the poles and gain
    /// fitted so that |H|² follows the prototype in relative error. `None`
    /// when the fitted denominator is not a biquad's.
    fn fitted_high_pass(grid: &FitGrid, q: f64) -> Option<Biquad> {
        // With b = (1, -2, 1), |H|² = 16 φ1² / (A0 φ0 + A1 φ1 + A2 φ2) up to
        // the gain; fit A·φ / (16 φ1² / prototype) = 1 for A (the gain
        // folded in), a 3×3 least-squares problem.
        let mut rows = [[0.0; 3]; FIT_POINTS];
        for ((row, phi), x) in rows.iter_mut().zip(grid.phi).zip(grid.x) {
            let scale = prototype_sq(Response::High, x, q) / (16.0 * phi[1] * phi[1]);
            *row = [phi[0] * scale, phi[1] * scale, phi[2] * scale];
        }
        let mut weight = [1.0; FIT_POINTS];
        let mut a = [0.0; 3];
        for round in 0..=FIT_ROUNDS {
            let mut m = [[0.0; 3]; 3];
            let mut v = [0.0; 3];
            for (row, w) in rows.iter().zip(weight) {
                for i in 0..3 {
                    v[i] += w * row[i];
                    for j in 0..3 {
                        m[i][j] += w * row[i] * row[j];
                    }
                }
            }
            a = solve3(m, v)?;
            if round < FIT_ROUNDS {
                reweight(&mut weight, |k| dot(rows[k], a) - 1.0);
            }
        }
        // A0 = (1+a1+a2)²/g², A1 = (1-a1+a2)²/g², A2 = -4 a2/g²: with
        // u = √A0, v = √A1, t = A2, g solves (t/2) g² + (u+v) g - 2 = 0.
        if a[0] <= 0.0 || a[1] <= 0.0 {
            return None;
        }
        let (u, v, t) = (libm::sqrt(a[0]), libm::sqrt(a[1]), a[2]);
        let g = if t.abs() < 1e-12 {
            2.0 / (u + v)
        } else {
            let disc = (u + v) * (u + v) + 4.0 * t;
            if disc < 0.0 {
                return None;
            }
            (libm::sqrt(disc) - (u + v)) / t
        };
        (g > 0.0).then(|| Biquad { b0: g, b1: -2.0 * g, b2: g, a1: 0.5 * (u - v) * g, a2: -0.25 * t * g * g })
    }

    /// The one-pole low- or high-pass at `w0` (a band-pass gets the
    /// second-order one): the analog pole mapped by `z = e^{sT}`, and the
    /// zero set so that the magnitude equals the prototype's (`1/(1+jx)`,
    /// `jx/(1+jx)`) at the cutoff (−3 dB) and, for the low-pass, at DC.
    /// Measured within 0.9 dB of the prototype one octave either side up
    /// to 0.45·fs (`tests/integration/filter.rs`). Written as a biquad with `b2 = a2 =
    /// 0`, which the state-variable form runs as well.
    ///
    /// Thread: any. No allocation.
    pub fn one_pole(response: Response, w0: f64) -> Biquad {
        let p = libm::exp(-w0);
        let c = libm::cos(w0);
        // |1 - p e^{-jw0}|² and |1 - e^{-jw0}|².
        let den = 1.0 + p * p - 2.0 * p * c;
        let zero = 2.0 * (1.0 - c);
        match response {
            Response::High => {
                let b0 = libm::sqrt(0.5 * den / zero);
                Biquad { b0, b1: -b0, b2: 0.0, a1: -p, a2: 0.0 }
            }
            Response::Low => {
                // b0 + b1 = 1 - p (unity at DC); |b0 + b1 e^{-jw0}|² =
                // (b0 + b1)² - b0 b1 · zero = den / 2 gives b0 b1.
                let sum = 1.0 - p;
                let product = (sum * sum - 0.5 * den) / zero;
                let root = libm::sqrt((sum * sum - 4.0 * product).max(0.0));
                Biquad { b0: 0.5 * (sum + root), b1: 0.5 * (sum - root), b2: 0.0, a1: -p, a2: 0.0 }
            }
            Response::Band => Biquad::design(response, w0, core::f64::consts::FRAC_1_SQRT_2),
        }
    }

    /// |H(e^{jw})| at `w` radians per sample, for drawing the response.
    ///
    /// Thread: any. No allocation.
    pub fn magnitude(&self, w: f64) -> f64 {
        let (c1, s1, c2, s2) = (libm::cos(w), libm::sin(w), libm::cos(2.0 * w), libm::sin(2.0 * w));
        let (nr, ni) = (self.b0 + self.b1 * c1 + self.b2 * c2, -(self.b1 * s1 + self.b2 * s2));
        let (dr, di) = (1.0 + self.a1 * c1 + self.a2 * c2, -(self.a1 * s1 + self.a2 * s2));
        libm::sqrt((nr * nr + ni * ni) / (dr * dr + di * di))
    }
}

/// One round of Lawson's iteration: each weight times its point's absolute
/// error, normalised to sum 1 (left alone when every error is zero).
fn reweight(weight: &mut [f64; FIT_POINTS], error: impl Fn(usize) -> f64) {
    let mut sum = 0.0;
    for (k, w) in weight.iter_mut().enumerate() {
        *w *= error(k).abs();
        sum += *w;
    }
    if sum > 0.0 && sum.is_finite() {
        weight.iter_mut().for_each(|w| *w /= sum);
    } else {
        *weight = [1.0; FIT_POINTS];
    }
}

/// `m x = v` by Cramer's rule; `None` when `m` is singular.
fn solve3(m: [[f64; 3]; 3], v: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(m);
    if d == 0.0 || !d.is_finite() {
        return None;
    }
    let mut x = [0.0; 3];
    for (i, xi) in x.iter_mut().enumerate() {
        let mut mi = m;
        for r in 0..3 {
            mi[r][i] = v[r];
        }
        *xi = det(mi) / d;
    }
    Some(x)
}

/// The sections a filter runs at `w0` radians per sample with resonance
/// `resonance_db` (a one-pole has none), and how many (2 at 24 dB/oct): the
/// design the voices use, for drawing it too.
///
/// Thread: any. No allocation.
pub fn sections(response: Response, slope: Slope, w0: f64, resonance_db: f32) -> ([Biquad; 2], usize) {
    if slope == Slope::Db6 && response != Response::Band {
        let b = Biquad::one_pole(response, w0);
        return ([b, b], 1);
    }
    let steep = slope == Slope::Db24;
    let boost = if resonance_db == 0.0 { 1.0 } else { libm::exp(resonance_db as f64 * (core::f64::consts::LN_10 / 20.0)) };
    let q = core::f64::consts::FRAC_1_SQRT_2 * boost;
    // The sections share the cutoff, so one grid serves both.
    let grid = core::cell::OnceCell::new();
    let grid = || *grid.get_or_init(|| FitGrid::new(w0));
    if !steep {
        let b = Biquad::design_on(response, w0, q, &grid);
        ([b, b], 1)
    } else if response == Response::Band {
        let b = Biquad::design_on(response, w0, q, &grid);
        ([b, b], 2)
    } else {
        ([Biquad::design_on(response, w0, BUTTERWORTH4[0], &grid), Biquad::design_on(response, w0, BUTTERWORTH4[1] * boost, &grid)], 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(x: f64) -> f64 {
        20.0 * libm::log10(x)
    }

    #[test]
    fn a_butterworth_section_is_3_db_down_at_its_cutoff_and_unity_at_dc() {
        for w0 in [0.01, 0.3, 1.0, 2.0, 0.45 * 2.0 * PI] {
            for b in [Biquad::matched(Response::Low, w0, core::f64::consts::FRAC_1_SQRT_2), Biquad::design(Response::Low, w0, core::f64::consts::FRAC_1_SQRT_2)]
            {
                assert!((db(b.magnitude(w0)) + 3.0103).abs() < 1e-6, "w0 {w0}: {}", db(b.magnitude(w0)));
                assert!((b.magnitude(1e-9) - 1.0).abs() < 1e-9);
            }
            let h = Biquad::matched(Response::High, w0, core::f64::consts::FRAC_1_SQRT_2);
            assert!((db(h.magnitude(w0)) + 3.0103).abs() < 1e-6);
            for bp in [Biquad::matched(Response::Band, w0, 2.0), Biquad::design(Response::Band, w0, 2.0)] {
                assert!(db(bp.magnitude(w0)).abs() < 1e-6, "band-pass peak {}", db(bp.magnitude(w0)));
            }
        }
    }

    /// The largest |dB| difference from the prototype one octave either
    /// side of `w0`, up to 0.45·fs.
    fn deviation(b: &Biquad, response: Response, w0: f64, q: f64) -> f64 {
        let (lo, hi) = (0.5 * w0, f64::min(2.0 * w0, FIT_TOP));
        (0..=48)
            .map(|k| lo * libm::pow(hi / lo, k as f64 / 48.0))
            .map(|w| (db(b.magnitude(w)) - 0.5 * db(prototype_sq(response, w / w0, q))).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn the_polynomial_sine_agrees_with_libm() {
        for k in 0..=1000 {
            let w = PI * k as f64 / 1000.0;
            let (fast, exact) = (fast_phis(w), phis(w));
            for i in 0..3 {
                assert!((fast[i] - exact[i]).abs() <= 1e-11, "w {w}: {fast:?} vs {exact:?}");
            }
        }
    }

    #[test]
    fn every_design_is_stable_and_the_fit_never_follows_the_prototype_worse_than_the_match() {
        for response in [Response::Low, Response::High, Response::Band] {
            for q in [BUTTERWORTH4[0], core::f64::consts::FRAC_1_SQRT_2, BUTTERWORTH4[1], 2.0, 5.0, 20.0, 70.7] {
                for k in 0..=60 {
                    let w0 = 0.001 * libm::pow(0.49 * 2.0 * PI / 0.001, k as f64 / 60.0);
                    let (design, matched) = (Biquad::design(response, w0, q), Biquad::matched(response, w0, q));
                    assert!(design.stable(), "{response:?} q {q} w0 {w0}: {design:?}");
                    let (d, m) = (deviation(&design, response, w0, q), deviation(&matched, response, w0, q));
                    assert!(d <= m + 0.01, "{response:?} q {q} w0 {w0}: fitted {d:.3} dB off, matched {m:.3}");
                }
            }
        }
    }
}
