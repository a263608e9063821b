// BatchNorm over a row-major [n, m] matrix: column j is one feature (PyTorch's BatchNorm1d).
// Inference: y = (x − μ)·s + β with s = γ/√(σ² + ε) precomputed per column; subtracting μ before
// scaling keeps y accurate when |μ| ≫ σ. Training statistics and all backward sums run in f64.
import { OK, E_NONFINITE, fail } from './status';
import { madd } from './simd/exp';

// @ts-ignore: decorator
@inline function badLanes(acc: v128, y: v128): v128 {
  const d = f32x4.sub(y, y); // NaN exactly where y is NaN or ±Inf
  return v128.or(acc, f32x4.ne(d, d));
}

/** Whether all m floats at p are finite. */
// @ts-ignore: decorator
@inline function rowFinite(p: usize, m: i32): bool {
  let bad = i32x4.splat(0);
  let j = 0;
  for (; j + 4 <= m; j += 4) bad = badLanes(bad, v128.load(p + (<usize>j << 2)));
  let badTail = false;
  for (; j < m; j++) badTail |= !isFinite(load<f32>(p + (<usize>j << 2)));
  return !(badTail || v128.any_true(bad));
}

/** y = (x − mean)·scale + shift, column-wise; a non-finite output stops with its row. */
export function batchNormApply(xPtr: usize, yPtr: usize, n: i32, m: i32, meanPtr: usize, scalePtr: usize, shiftPtr: usize): i32 {
  const rowBytes = <usize>m << 2;
  for (let r = 0; r < n; r++) {
    const x = xPtr + <usize>r * rowBytes, y = yPtr + <usize>r * rowBytes;
    let bad = i32x4.splat(0);
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      const off = <usize>j << 2;
      const v = madd(f32x4.sub(v128.load(x + off), v128.load(meanPtr + off)), v128.load(scalePtr + off), v128.load(shiftPtr + off));
      bad = badLanes(bad, v);
      v128.store(y + off, v);
    }
    let badTail = false;
    for (; j < m; j++) {
      const off = <usize>j << 2;
      const v = (load<f32>(x + off) - load<f32>(meanPtr + off)) * load<f32>(scalePtr + off) + load<f32>(shiftPtr + off);
      badTail |= !isFinite(v);
      store<f32>(y + off, v);
    }
    if (badTail || v128.any_true(bad)) return fail(E_NONFINITE, r);
  }
  return OK;
}

// acc[j] += x[j] (f64) for one row.
// @ts-ignore: decorator
@inline function addRow(acc: usize, x: usize, m: i32): void {
  let j = 0;
  for (; j + 4 <= m; j += 4) {
    const v = v128.load(x + (<usize>j << 2));
    const a = acc + (<usize>j << 3);
    v128.store(a, f64x2.add(v128.load(a), f64x2.promote_low_f32x4(v)));
    v128.store(a, f64x2.add(v128.load(a, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))), 16);
  }
  for (; j < m; j++) {
    const a = acc + (<usize>j << 3);
    store<f64>(a, load<f64>(a) + <f64>load<f32>(x + (<usize>j << 2)));
  }
}

/**
 * Training statistics: meanPtr (f64[m]) gets the batch mean, varPtr (f64[m]) the biased batch variance,
 * both two-pass in f64. A NaN/±Inf input stops with its row.
 */
export function batchNormStats(xPtr: usize, n: i32, m: i32, meanPtr: usize, varPtr: usize): i32 {
  const rowBytes = <usize>m << 2;
  memory.fill(meanPtr, 0, <usize>m << 3);
  memory.fill(varPtr, 0, <usize>m << 3);
  for (let r = 0; r < n; r++) {
    const x = xPtr + <usize>r * rowBytes;
    if (!rowFinite(x, m)) return fail(E_NONFINITE, r);
    addRow(meanPtr, x, m);
  }
  const invN = 1.0 / <f64>n;
  for (let j = 0; j < m; j++) store<f64>(meanPtr + (<usize>j << 3), load<f64>(meanPtr + (<usize>j << 3)) * invN);
  for (let r = 0; r < n; r++) {
    const x = xPtr + <usize>r * rowBytes;
    let j = 0;
    for (; j + 2 <= m; j += 2) {
      const d = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>j << 2))), v128.load(meanPtr + (<usize>j << 3)));
      const a = varPtr + (<usize>j << 3);
      v128.store(a, f64x2.add(v128.load(a), f64x2.mul(d, d)));
    }
    for (; j < m; j++) {
      const d = <f64>load<f32>(x + (<usize>j << 2)) - load<f64>(meanPtr + (<usize>j << 3));
      const a = varPtr + (<usize>j << 3);
      store<f64>(a, load<f64>(a) + d * d);
    }
  }
  for (let j = 0; j < m; j++) store<f64>(varPtr + (<usize>j << 3), load<f64>(varPtr + (<usize>j << 3)) * invN);
  return OK;
}

/**
 * Backward of training-mode BN. x̂ = (x − μ)·invStd; dβ = Σ dy, dγ = Σ dy·x̂ (f64);
 * dx = γ·invStd/n · (n·dy − dβ − x̂·dγ), formed in f64 because its three terms cancel.
 * meanPtr/invStdPtr/gammaPtr are f64[m]; dgammaPtr/dbetaPtr receive f64[m]; dxPtr receives f32.
 */
export function batchNormBackward(
  dyPtr: usize, xPtr: usize, dxPtr: usize, n: i32, m: i32,
  meanPtr: usize, invStdPtr: usize, gammaPtr: usize, dgammaPtr: usize, dbetaPtr: usize,
): i32 {
  const rowBytes = <usize>m << 2;
  memory.fill(dgammaPtr, 0, <usize>m << 3);
  memory.fill(dbetaPtr, 0, <usize>m << 3);
  for (let r = 0; r < n; r++) {
    const x = xPtr + <usize>r * rowBytes, dy = dyPtr + <usize>r * rowBytes;
    if (!rowFinite(dy, m)) return fail(E_NONFINITE, r);
    let j = 0;
    for (; j + 2 <= m; j += 2) {
      const o4 = <usize>j << 2, o8 = <usize>j << 3;
      const g = f64x2.promote_low_f32x4(v128.load64_zero(dy + o4));
      const xh = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(x + o4)), v128.load(meanPtr + o8)), v128.load(invStdPtr + o8));
      v128.store(dbetaPtr + o8, f64x2.add(v128.load(dbetaPtr + o8), g));
      v128.store(dgammaPtr + o8, f64x2.add(v128.load(dgammaPtr + o8), f64x2.mul(g, xh)));
    }
    for (; j < m; j++) {
      const o4 = <usize>j << 2, o8 = <usize>j << 3;
      const g = <f64>load<f32>(dy + o4);
      const xh = (<f64>load<f32>(x + o4) - load<f64>(meanPtr + o8)) * load<f64>(invStdPtr + o8);
      store<f64>(dbetaPtr + o8, load<f64>(dbetaPtr + o8) + g);
      store<f64>(dgammaPtr + o8, load<f64>(dgammaPtr + o8) + g * xh);
    }
  }
  const nf = <f64>n;
  for (let r = 0; r < n; r++) {
    const x = xPtr + <usize>r * rowBytes, dy = dyPtr + <usize>r * rowBytes, dx = dxPtr + <usize>r * rowBytes;
    let j = 0;
    for (; j + 2 <= m; j += 2) {
      const o4 = <usize>j << 2, o8 = <usize>j << 3;
      const inv = v128.load(invStdPtr + o8);
      const xh = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(x + o4)), v128.load(meanPtr + o8)), inv);
      const g = f64x2.promote_low_f32x4(v128.load64_zero(dy + o4));
      const inner = f64x2.sub(f64x2.sub(f64x2.mul(g, f64x2.splat(nf)), v128.load(dbetaPtr + o8)), f64x2.mul(xh, v128.load(dgammaPtr + o8)));
      const v = f64x2.div(f64x2.mul(f64x2.mul(v128.load(gammaPtr + o8), inv), inner), f64x2.splat(nf));
      v128.store64_lane(dx + o4, f32x4.demote_f64x2_zero(v), 0);
    }
    for (; j < m; j++) {
      const o4 = <usize>j << 2, o8 = <usize>j << 3;
      const inv = load<f64>(invStdPtr + o8);
      const xh = (<f64>load<f32>(x + o4) - load<f64>(meanPtr + o8)) * inv;
      const inner = <f64>load<f32>(dy + o4) * nf - load<f64>(dbetaPtr + o8) - xh * load<f64>(dgammaPtr + o8);
      store<f32>(dx + o4, <f32>(load<f64>(gammaPtr + o8) * inv * inner / nf));
    }
  }
  return OK;
}
