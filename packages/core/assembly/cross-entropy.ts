// Fused temperature cross-entropy: loss, dL/dlogits and dL/dT in one row sweep.
// z = (x − m)/T, lse = ln Σ e^z, log p = z − lse. With label smoothing ε the target is
// t' = (1 − ε)·onehot(y) + ε/C_r on the C_r unmasked classes of the row (−Inf logits are masks and get
// no smoothing mass; PyTorch would give them mass and an infinite loss). Class weights w follow
// PyTorch: loss_r = (1 − ε)·w_y·(lse − z_y) + ε/C_r·Σ_j w_j (lse − z_j).
// dL/dz_j = a·p_j − c·w_j − (1 − ε)·w_y·[j = y] with a = (1 − ε)·w_y + c·W_r, c = ε/C_r, W_r = Σ_unmasked w_j;
// Σ_j dL/dz_j = 0, so dL/dT = −(1/T)·Σ_j dL/dz_j·z_j holds with the shifted z. Losses and dL/dT in f64.
// dL/dT needs the gradient buffer: its Σ p·z is read in the gradient sweep.
import { OK, E_LABEL, fail } from './status';
import { addWide, sumWide, rowMax, rowMin, expSumRowWide, useFast, needsMask } from './simd/exp';
import { checkRowMax } from './softmax';

const NEG_BIG: f32 = -3.4028234663852886e38; // −FLT_MAX: stands in for −Inf so 0·x stays 0

// Σ_unmasked w_j, Σ_unmasked w_j·z_j and the unmasked count, for smoothing and soft targets.
let smoothW: f64 = 0;
let smoothWz: f64 = 0;
let smoothCount: i32 = 0;

function smoothPass(x: usize, w: usize, n: i32, m: f32, invT: f64): void {
  let sw: f64 = 0, swz: f64 = 0, count = 0;
  for (let j = 0; j < n; j++) {
    const v = load<f32>(x + (<usize>j << 2));
    if (v == -Infinity) continue;
    const wj: f64 = w != 0 ? <f64>load<f32>(w + (<usize>j << 2)) : 1.0;
    sw += wj;
    swz += wj * ((<f64>v - <f64>m) * invT);
    count++;
  }
  smoothW = sw;
  smoothWz = swz;
  smoothCount = count;
}

/**
 * Hard-label rows. lossPtr receives one f64 loss per row (0 for ignored rows). gPtr (or 0) receives
 * dL/dx scaled by gScale (times rowScale[r] when rowScalePtr, f64[rows], is non-zero: an upstream gradient
 * per row); dTPtr (or 0) receives Σ_r gScale·rowScale[r]·dL_r/dT as one f64. `fast` (0/1) takes e^z from the
 * f32-reduced exp: the gradient's p then carries that bound, while ln Σ (so the loss) moves by at most ~1e-8,
 * its sum being dominated by the terms nearest the max, where both exps agree.
 */
export function crossEntropyLabels(
  xPtr: usize, rows: i32, cols: i32, invT: f64, labelsPtr: usize, weightsPtr: usize,
  smoothing: f64, ignoreIndex: i32, lossPtr: usize, gPtr: usize, gScale: f64, rowScalePtr: usize, dTPtr: usize,
  fast: bool,
): i32 {
  fast = useFast(fast, invT, cols);
  const rowBytes = <usize>cols << 2;
  let dT: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const gs = rowScalePtr != 0 ? gScale * load<f64>(rowScalePtr + (<usize>r << 3)) : gScale;
    const x = xPtr + <usize>r * rowBytes;
    const g = gPtr != 0 ? gPtr + <usize>r * rowBytes : 0;
    const y = load<i32>(labelsPtr + (<usize>r << 2));
    if (y == ignoreIndex) {
      store<f64>(lossPtr + (<usize>r << 3), 0);
      if (g != 0) memory.fill(g, 0, rowBytes);
      continue;
    }
    const m = rowMax(x, cols);
    const status = checkRowMax(m, r);
    if (status != OK) return status;
    const xy = load<f32>(x + (<usize>y << 2));
    if (xy == -Infinity) return fail(E_LABEL, r);
    // e_j lands in g (the gradient pass rescales it in place); Σ e in f64, its relative error is lse's absolute error.
    const s = expSumRowWide(x, g, cols, m, invT, needsMask(rowMin, m, invT), fast);
    const lse = Math.log(s);
    const zy = (<f64>xy - <f64>m) * invT;
    const wy: f64 = weightsPtr != 0 ? <f64>load<f32>(weightsPtr + (<usize>y << 2)) : 1.0;
    const keep = 1.0 - smoothing;
    let c: f64 = 0, wSum: f64 = 0, wzSum: f64 = 0;
    if (smoothing > 0) {
      smoothPass(x, weightsPtr, cols, m, invT);
      c = smoothing / <f64>smoothCount;
      wSum = smoothW;
      wzSum = smoothWz;
    }
    store<f64>(lossPtr + (<usize>r << 3), keep * wy * (lse - zy) + c * (wSum * lse - wzSum));
    const a = keep * wy + c * wSum;
    if (g != 0) {
      // The label entry a·p_y − (1 − ε)·w_y cancels in f32 when p_y ≈ 1: form it in f64 from the stored e_y.
      const gyPtr = g + (<usize>y << 2);
      const ey = <f64>load<f32>(gyPtr);
      // A row whose x − m leaves f32 takes the f64 sweep: the SIMD one floors x − m at −FLT_MAX, skewing dL/dT.
      // A masked row can only be skewed by more than f32 rounding (2^-24 relative) when m > 2^-24·FLT_MAX.
      const wide = dTPtr != 0 && <f64>m - <f64>rowMin > <f64>-NEG_BIG && (rowMin != -Infinity || m > <f32>2.028241e31);
      const ez = c == 0 && !wide
        ? gradRow(x, g, cols, weightsPtr, <f32>(a / s * gs * invT), 0, m)
        : gradRowSmoothed(x, g, cols, weightsPtr, a / s * gs * invT, c * gs * invT, m);
      store<f32>(gyPtr, <f32>((a * (ey / s) - c * wy - keep * wy) * gs * invT));
      if (dTPtr != 0) dT -= gs * invT * (a * (ez / s * invT) - c * wzSum - keep * wy * zy);
    }
  }
  if (dTPtr != 0) store<f64>(dTPtr, dT);
  return OK;
}

// g_j ← pa·e_j − pc·w_j on unmasked j, 0 on masked j (e_j was stored in g by the exp pass). Returns
// Σ e_j·(x_j − m), read in the same sweep, for dL/dT (−Inf stands as −FLT_MAX so 0·x stays 0).
function gradRow(x: usize, g: usize, n: i32, w: usize, pa: f32, pc: f32, m: f32): f64 {
  const pav = f32x4.splat(pa), pcv = f32x4.splat(pc), ninf = f32x4.splat(-Infinity);
  const m4 = f32x4.splat(m), floor = f32x4.splat(NEG_BIG);
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const xv = v128.load(x + off), e = v128.load(g + off);
    acc = addWide(acc, f32x4.mul(e, f32x4.pmax(f32x4.sub(xv, m4), floor)));
    const wv = w != 0 ? f32x4.mul(v128.load(w + off), pcv) : pcv;
    v128.store(g + off, v128.andnot(f32x4.sub(f32x4.mul(e, pav), wv), f32x4.eq(xv, ninf)));
  }
  let ez = sumWide(acc);
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const v = load<f32>(x + off);
    if (v == -Infinity) {
      store<f32>(g + off, 0);
      continue;
    }
    const e = load<f32>(g + off);
    ez += <f64>e * (<f64>v - <f64>m);
    const wj: f32 = w != 0 ? load<f32>(w + off) : 1;
    store<f32>(g + off, e * pa - wj * pc);
  }
  return ez;
}

// As gradRow, in f64: with smoothing, a·p_j and c·w_j nearly cancel wherever p_j ≈ ε/C.
function gradRowSmoothed(x: usize, g: usize, n: i32, w: usize, pa: f64, pc: f64, m: f32): f64 {
  let ez: f64 = 0;
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    const v = load<f32>(x + off);
    if (v == -Infinity) {
      store<f32>(g + off, 0);
      continue;
    }
    const e = <f64>load<f32>(g + off);
    ez += e * (<f64>v - <f64>m);
    const wj: f64 = w != 0 ? <f64>load<f32>(w + off) : 1.0;
    store<f32>(g + off, <f32>(e * pa - wj * pc));
  }
  return ez;
}

/**
 * Soft-target rows (t is [rows, cols], each row a distribution or any non-negative weights, as PyTorch).
 * loss_r = Q·lse − Σ_j w_j t'_j z_j with t'_j = (1 − ε)·t_j + ε/C_r on unmasked j, Q = Σ_j w_j t'_j;
 * dL/dz_j = Q·p_j − w_j t'_j. Mass on a masked logit is E_LABEL. Gradient formed in f64.
 */
export function crossEntropySoft(
  xPtr: usize, rows: i32, cols: i32, invT: f64, tPtr: usize, weightsPtr: usize,
  smoothing: f64, lossPtr: usize, gPtr: usize, gScale: f64, rowScalePtr: usize, dTPtr: usize, fast: bool,
): i32 {
  fast = useFast(fast, invT, cols);
  const rowBytes = <usize>cols << 2;
  let dT: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const gs = rowScalePtr != 0 ? gScale * load<f64>(rowScalePtr + (<usize>r << 3)) : gScale;
    const x = xPtr + <usize>r * rowBytes;
    const t = tPtr + <usize>r * rowBytes;
    const g = gPtr != 0 ? gPtr + <usize>r * rowBytes : 0;
    const m = rowMax(x, cols);
    const status = checkRowMax(m, r);
    if (status != OK) return status;
    const s = expSumRowWide(x, g, cols, m, invT, needsMask(rowMin, m, invT), fast);
    const lse = Math.log(s);
    // One sweep for both parts of t' = (1 − ε)·t + ε/C_r: Σ w·t, Σ w·t·z, and Σ w, Σ w·z over unmasked j.
    let unmasked = 0;
    let wt: f64 = 0, wtz: f64 = 0, w1: f64 = 0, wz: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const off = <usize>j << 2;
      const v = load<f32>(x + off);
      const tj = <f64>load<f32>(t + off);
      if (v == -Infinity) {
        if (tj != 0) return fail(E_LABEL, r);
        continue;
      }
      const wj: f64 = weightsPtr != 0 ? <f64>load<f32>(weightsPtr + off) : 1.0;
      const z = (<f64>v - <f64>m) * invT;
      unmasked++;
      wt += wj * tj;
      wtz += wj * tj * z;
      w1 += wj;
      wz += wj * z;
    }
    const c = smoothing / <f64>unmasked;
    const keep = 1.0 - smoothing;
    const q = keep * wt + c * w1;
    const qz = keep * wtz + c * wz;
    store<f64>(lossPtr + (<usize>r << 3), q * lse - qz);
    if (g != 0) {
      const scale = gs * invT;
      let ez: f64 = 0;
      for (let j = 0; j < cols; j++) {
        const off = <usize>j << 2;
        const v = load<f32>(x + off);
        if (v == -Infinity) {
          store<f32>(g + off, 0);
          continue;
        }
        const e = <f64>load<f32>(g + off);
        ez += e * (<f64>v - <f64>m);
        const wj: f64 = weightsPtr != 0 ? <f64>load<f32>(weightsPtr + off) : 1.0;
        store<f32>(g + off, <f32>((q * (e / s) - wj * (keep * <f64>load<f32>(t + off) + c)) * scale));
      }
      if (dTPtr != 0) dT -= gs * invT * (q * (ez / s * invT) - qz);
    }
  }
  if (dTPtr != 0) store<f64>(dTPtr, dT);
  return OK;
}
