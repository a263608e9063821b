// Row-wise temperature softmax over a row-major [rows, cols] f32 matrix.
// y = e^((x − m)/T) / Σ e^((x − m)/T), m = row max. −Inf entries are masks (y = 0 exactly); a row
// of only −Inf, or any NaN/+Inf, stops with a status naming the row. Σ runs in f64, so a row of
// 1e6 sums to 1 within 1e-6; entries ≥ 1e-30 are within 1e-6 relative of float64 (tested).
// With `fast` the exp argument is reduced in f32 (simd/exp.ts states that bound); logSoftmax still forms
// its log-space output in f64, only ln Σ comes from the fast exp.
import { OK, E_NONFINITE, E_MASKED, fail, failRange } from './status';
import { sumWide, rowMax, rowMin, finiteMin, expSumRow, expSumRowWide, useFast, needsMask } from './simd/exp';

const F32_MAX: f64 = 3.4028234663852886e38;

/**
 * After rowMax(x, n) = m: NaN/+Inf, a fully masked row, or (given invT) a row whose (m − min finite)·invT
 * exceeds FLT_MAX (E_RANGE: its log-probabilities (x − m)/T − ln Σ would round to −Inf in float32; below that
 * bound |(x − m)/T − ln Σ| < FLT_MAX + 2^103 rounds to a finite f32). Only logSoftmax passes invT: softmax's
 * probabilities, the gradients and every f64 loss or objective stay finite at any valid T (crossEntropy checks
 * its f32 per-row losses itself). One compare per row; a masked row (rowMin = −Inf) looks for its finite
 * minimum only when −FLT_MAX would fail.
 */
// @ts-ignore: decorator
@inline export function checkRowMax(m: f32, row: i32, x: usize = 0, n: i32 = 0, invT: f64 = 0): i32 {
  if (m != m || m == Infinity) return fail(E_NONFINITE, row);
  if (m == -Infinity) return fail(E_MASKED, row);
  return invT != 0 ? checkRange(m, row, x, n, invT) : OK;
}

// logSoftmax's range check, once per row (rowMin is the row pass's minimum, −Inf when the row is masked).
function checkRange(m: f32, row: i32, x: usize, n: i32, invT: f64): i32 {
  let lo = rowMin;
  if ((<f64>m - <f64>lo) * invT <= F32_MAX) return OK;
  if (lo == -Infinity) {
    if ((<f64>m + F32_MAX) * invT <= F32_MAX) return OK;
    lo = finiteMin(x, n);
  }
  const range = <f64>m - <f64>lo;
  return range * invT > F32_MAX ? failRange(range, row) : OK;
}

/** Writes e^((x − m)·invT) to y (y may be 0 to skip the store) and returns the f64 sum. */
// @ts-ignore: decorator
@inline export function expRow(x: usize, y: usize, n: i32, m: f32, invT: f64, fast: bool): f64 {
  return expSumRow(x, y, n, m, invT, needsMask(rowMin, m, invT), fast);
}

/** ln Σ e^((x − m)·invT), the sum added in f64 (y as in expRow). */
// @ts-ignore: decorator
@inline export function lseRow(x: usize, y: usize, n: i32, m: f32, invT: f64, fast: bool): f64 {
  return Math.log(expSumRowWide(x, y, n, m, invT, needsMask(rowMin, m, invT), fast));
}

export function scaleRow(y: usize, n: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = y + (<usize>i << 2);
    v128.store(p, f32x4.mul(v128.load(p), sv));
  }
  for (; i < n; i++) {
    const p = y + (<usize>i << 2);
    store<f32>(p, load<f32>(p) * s);
  }
}

/** `fast` (0/1) picks the f32-reduced exp; hosts that pass no sixth argument get the accurate one. */
export function softmax(xPtr: usize, yPtr: usize, rows: i32, cols: i32, invT: f64, fast: bool): i32 {
  fast = useFast(fast, invT, cols);
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const x = xPtr + <usize>r * rowBytes;
    const y = yPtr + <usize>r * rowBytes;
    const m = rowMax(x, cols);
    const status = checkRowMax(m, r);
    if (status != OK) return status;
    const sum = expRow(x, y, cols, m, invT, fast);
    scaleRow(y, cols, <f32>(1.0 / sum));
  }
  return OK;
}

// log y = (x − m)/T − ln Σ, formed in f64 so log-probabilities near 0 keep their relative accuracy.
export function logSoftmax(xPtr: usize, yPtr: usize, rows: i32, cols: i32, invT: f64, fast: bool): i32 {
  fast = useFast(fast, invT, cols);
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const x = xPtr + <usize>r * rowBytes;
    const y = yPtr + <usize>r * rowBytes;
    const m = rowMax(x, cols);
    const status = checkRowMax(m, r, x, cols, invT);
    if (status != OK) return status;
    const lse = lseRow(x, 0, cols, m, invT, fast);
    const mv = f64x2.splat(<f64>m);
    const kv = f64x2.splat(invT);
    const lv = f64x2.splat(lse);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const off = <usize>i << 2;
      const v = v128.load(x + off);
      const hi = v128.shuffle<f32>(v, v, 2, 3, 0, 1);
      const zLo = f64x2.sub(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), mv), kv), lv);
      const zHi = f64x2.sub(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(hi), mv), kv), lv);
      v128.store(y + off, v128.shuffle<f32>(f32x4.demote_f64x2_zero(zLo), f32x4.demote_f64x2_zero(zHi), 0, 1, 4, 5));
    }
    for (; i < cols; i++) {
      const off = <usize>i << 2;
      store<f32>(y + off, <f32>((<f64>load<f32>(x + off) - <f64>m) * invT - lse));
    }
  }
  return OK;
}

// dx = y ⊙ (dy − Σ dy⊙y) / T; Σ in f64. Non-finite y or dy surfaces as a non-finite Σ.
export function softmaxBackward(yPtr: usize, dyPtr: usize, dxPtr: usize, rows: i32, cols: i32, invT: f64): i32 {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * rowBytes;
    const y = yPtr + base, dy = dyPtr + base, dx = dxPtr + base;
    let acc = f64x2.splat(0);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const off = <usize>i << 2;
      const yv = v128.load(y + off), dv = v128.load(dy + off);
      const yHi = v128.shuffle<f32>(yv, yv, 2, 3, 0, 1), dHi = v128.shuffle<f32>(dv, dv, 2, 3, 0, 1);
      acc = f64x2.add(acc, f64x2.add(
        f64x2.mul(f64x2.promote_low_f32x4(yv), f64x2.promote_low_f32x4(dv)),
        f64x2.mul(f64x2.promote_low_f32x4(yHi), f64x2.promote_low_f32x4(dHi))));
    }
    let s = sumWide(acc);
    for (; i < cols; i++) s += <f64>load<f32>(y + (<usize>i << 2)) * <f64>load<f32>(dy + (<usize>i << 2));
    if (!isFinite(s)) return fail(E_NONFINITE, r);
    // dy − Σ cancels when dy ≈ Σ: keep it in f64 so dx stays within 1e-5 relative of float64.
    const sv = f64x2.splat(s), kv = f64x2.splat(<f64>invT);
    // Finite y and dy can still give a dx beyond float32 (huge dy, tiny T): track |dx| to refuse it, never store ±Inf silently.
    let big = f32x4.splat(0);
    i = 0;
    for (; i + 4 <= cols; i += 4) {
      const off = <usize>i << 2;
      const yv = v128.load(y + off), dv = v128.load(dy + off);
      const yHi = v128.shuffle<f32>(yv, yv, 2, 3, 0, 1), dHi = v128.shuffle<f32>(dv, dv, 2, 3, 0, 1);
      const lo = f64x2.mul(f64x2.mul(f64x2.promote_low_f32x4(yv), f64x2.sub(f64x2.promote_low_f32x4(dv), sv)), kv);
      const hi = f64x2.mul(f64x2.mul(f64x2.promote_low_f32x4(yHi), f64x2.sub(f64x2.promote_low_f32x4(dHi), sv)), kv);
      const d = v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
      v128.store(dx + off, d);
      big = f32x4.max(big, f32x4.abs(d));
    }
    let worst = max(max(f32x4.extract_lane(big, 0), f32x4.extract_lane(big, 1)), max(f32x4.extract_lane(big, 2), f32x4.extract_lane(big, 3)));
    for (; i < cols; i++) {
      const off = <usize>i << 2;
      const d = <f32>(<f64>load<f32>(y + off) * (<f64>load<f32>(dy + off) - s) * <f64>invT);
      store<f32>(dx + off, d);
      worst = max(worst, abs(d));
    }
    if (!(worst < Infinity)) return fail(E_NONFINITE, r);
  }
  return OK;
}
