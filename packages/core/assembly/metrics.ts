// Per-row parts of calibration metrics (Guo et al. 2017) over a row-major [rows, cols] f32 matrix with
// integer labels y (i32, already range-checked). Each row writes its confidence max_j p_j (f64) and whether
// the first argmax equals y (i32 0/1), and adds to sums[0] = Σ −ln p_y and sums[1] = Σ Brier, where
// Brier = (1 − p_y)² + Σ_{j≠y} p_j², written so rows with p_y ≈ 1 do not cancel against 1 (1e-6 relative
// even at p_y = 1 − 1e-11, tested).
// Logits: p = softmax(x/T) with e = e^((x − m)/T) (≤ 2 ulp, e = 1 at the max), Σe and Σe² in f64, so
// confidence = 1/Σe and −ln p_y = ln Σe − (x_y − m)/T; −Inf logits are masks, a masked label is E_LABEL.
// Against float64 (test/metrics.test.ts): NLL and Brier within 1e-6 relative, ECE/MCE within 1e-6.
import { OK, E_LABEL, E_NONFINITE, fail } from './status';
import { LOG2E, expShifted, addWide, sumWide, rowMax, loadTail, maxLane } from './simd/exp';
import { checkRowMax } from './softmax';

const LANES: v128 = i32x4(0, 1, 2, 3);

// Σ_{j≠y} p_j² must not be formed as Σ p_j² − p_y²: with p_y ≈ 1 that difference is all rounding. So the
// squares skip the label's lane (lane indices `at` against splat(y)).
// @ts-ignore: decorator
@inline function squaresBesides(acc: v128, v: v128, at: v128, y: v128): v128 {
  return squares(acc, v128.andnot(v, i32x4.eq(at, y)));
}

// @ts-ignore: decorator
@inline function squares(acc: v128, v: v128): v128 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
}

/** First index holding the value m (the row max), scanning four lanes at a time. */
function firstIndexOf(x: usize, n: i32, m: f32): i32 {
  const mv = f32x4.splat(m);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const mask = i32x4.bitmask(f32x4.eq(v128.load(x + (<usize>i << 2)), mv));
    if (mask != 0) return i + <i32>ctz(mask);
  }
  for (; i < n; i++) if (load<f32>(x + (<usize>i << 2)) == m) return i;
  return n - 1;
}

export function metricsLogits(xPtr: usize, labelsPtr: usize, rows: i32, cols: i32, invT: f64, confPtr: usize, correctPtr: usize, sumsPtr: usize): i32 {
  const rowBytes = <usize>cols << 2;
  const k = f64x2.splat(invT * LOG2E);
  let nll: f64 = 0, brier: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const x = xPtr + <usize>r * rowBytes;
    const m = rowMax(x, cols);
    const status = checkRowMax(m, r);
    if (status != OK) return status;
    const y = load<i32>(labelsPtr + (<usize>r << 2));
    const xy = load<f32>(x + (<usize>y << 2));
    if (xy == -Infinity) return fail(E_LABEL, r);
    const mv = f64x2.splat(<f64>m);
    const yv = i32x4.splat(y);
    let at = LANES;
    let s1 = f64x2.splat(0), s2 = f64x2.splat(0);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const e = expShifted(v128.load(x + (<usize>i << 2)), mv, k);
      const skip = i32x4.eq(at, yv);
      s1 = addWide(s1, v128.andnot(e, skip));
      s2 = squares(s2, v128.andnot(e, skip));
      at = i32x4.add(at, i32x4.splat(4));
    }
    if (i < cols) {
      const e = expShifted(loadTail(x + (<usize>i << 2), cols - i, -Infinity), mv, k);
      const skip = i32x4.eq(at, yv);
      s1 = addWide(s1, v128.andnot(e, skip));
      s2 = squares(s2, v128.andnot(e, skip));
    }
    // The other classes' mass is summed apart from e_y, so 1 − p_y and −ln p_y keep their digits at p_y ≈ 1.
    const ey = <f64>f32x4.extract_lane(expShifted(f32x4.splat(xy), mv, k), 0);
    const others = sumWide(s1);
    const sum = others + ey;
    const inv = 1.0 / sum;
    const miss = others * inv;
    store<f64>(confPtr + (<usize>r << 3), inv);
    store<i32>(correctPtr + (<usize>r << 2), <i32>(firstIndexOf(x, cols, m) == y));
    nll += (ey == 1.0 ? Math.log1p(others) : Math.log(sum)) - (<f64>xy - <f64>m) * invT;
    brier += miss * miss + sumWide(s2) * inv * inv;
  }
  store<f64>(sumsPtr, nll);
  store<f64>(sumsPtr, brier, 8);
  return OK;
}

/**
 * Probabilities p: every entry must be finite (else E_NONFINITE), in [0, 1 + tol], and each row must sum to
 * 1 within tol. A row breaking the range or sum rule is reported, not failed: sums[2] = its index (−1 when
 * all rows pass) and sums[3] = 1 (an entry outside [0, 1 + tol]) or 2 (the sum); the kernel stops there.
 * −ln p_y is +Inf when p_y = 0.
 */
export function metricsProbabilities(pPtr: usize, labelsPtr: usize, rows: i32, cols: i32, tol: f64, confPtr: usize, correctPtr: usize, sumsPtr: usize): i32 {
  const rowBytes = <usize>cols << 2;
  const hi = f32x4.splat(<f32>(1.0 + tol));
  const zero = f32x4.splat(0);
  let nll: f64 = 0, brier: f64 = 0;
  store<f64>(sumsPtr, -1, 16);
  store<f64>(sumsPtr, 0, 24);
  for (let r = 0; r < rows; r++) {
    const p = pPtr + <usize>r * rowBytes;
    const y = load<i32>(labelsPtr + (<usize>r << 2));
    const yv = i32x4.splat(y);
    let at = LANES;
    let s1 = f64x2.splat(0), s2 = f64x2.splat(0);
    let top = f32x4.splat(-Infinity);
    // Lanes outside [0, 1 + tol] — NaN fails both comparisons, so it lands here too and is sorted out below.
    let outside = i32x4.splat(0);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      outside = v128.or(outside, v128.not(v128.and(f32x4.ge(v, zero), f32x4.le(v, hi))));
      top = f32x4.pmax(top, v);
      s1 = addWide(s1, v);
      s2 = squaresBesides(s2, v, at, yv);
      at = i32x4.add(at, i32x4.splat(4));
    }
    if (i < cols) {
      const v = loadTail(p + (<usize>i << 2), cols - i, 0);
      outside = v128.or(outside, v128.not(v128.and(f32x4.ge(v, zero), f32x4.le(v, hi))));
      top = f32x4.pmax(top, v);
      s1 = addWide(s1, v);
      s2 = squaresBesides(s2, v, at, yv);
    }
    const sum = sumWide(s1);
    if (v128.any_true(outside) || !isFinite(sum)) {
      for (let j = 0; j < cols; j++) {
        const v = load<f32>(p + (<usize>j << 2));
        if (!isFinite(v)) return fail(E_NONFINITE, r);
      }
      store<f64>(sumsPtr, <f64>r, 16);
      store<f64>(sumsPtr, 1, 24);
      return OK;
    }
    if (Math.abs(sum - 1) > tol) {
      store<f64>(sumsPtr, <f64>r, 16);
      store<f64>(sumsPtr, 2, 24);
      return OK;
    }
    const m = maxLane(top);
    const py = <f64>load<f32>(p + (<usize>y << 2));
    store<f64>(confPtr + (<usize>r << 3), <f64>m);
    store<i32>(correctPtr + (<usize>r << 2), <i32>(firstIndexOf(p, cols, m) == y));
    nll -= Math.log(py);
    brier += (1 - py) * (1 - py) + sumWide(s2);
  }
  store<f64>(sumsPtr, nll);
  store<f64>(sumsPtr, brier, 8);
  return OK;
}
