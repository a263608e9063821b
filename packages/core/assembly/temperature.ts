// Sufficient sums for fitting a post-hoc temperature (Guo et al. 2017) over a row-major [rows, cols] f32
// matrix of logits x with integer labels y. Per row, with p = softmax(x/T):
//   NLL(T)      = lse(x/T) − x_y/T
//   dNLL/dT     = (x_y − E_p[x]) / T²                       (d lse(x/T)/dT = −E_p[x]/T²)
//   d²NLL/dT²   = Var_p[x] / T⁴ − 2·(x_y − E_p[x]) / T³     (dE_p[x]/dT = −Var_p[x]/T²)
// Everything is shift-invariant, so the kernel works in u = (x − m)/T with m the row max (u ≤ 0, the max
// has e^u = 1 exactly): NLL = ln Σe^u − u_y, dNLL/dT = (u_y − E[u])/T, d²NLL/dT² = (Var[u] − 2(u_y − E[u]))/T².
// e^u is the f32 expShifted (≤ 1 ulp); u, the products e·u, e·u² and all sums are f64. Rows add in f64, so
// shards merge by adding. −Inf logits are masks (e = 0 and their u is clamped so 0·u stays 0).
// Against float64 (test/temperature.test.ts): NLL sums within 1e-6 relative, derivative sums within 1e-5 of
// Σ|row term|. Var[u] = E[u²] − E[u]² loses ~E[u]²/Var[u] times the exp's error, small for real logit rows.
import { OK, E_LABEL, E_NONFINITE, fail } from './status';
import { LOG2E, expShifted, addWide, sumWide, rowMax, loadTail } from './simd/exp';
import { checkRowMax } from './softmax';

// Masked lanes have u = −Inf; any u below this already has e^u = 0 (u < −87), so the clamp changes nothing else.
const U_FLOOR: f64 = -1e100;

// Per-row running sums Σe, Σe·u, Σe·u² (f64x2 lanes).
let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0);

// @ts-ignore: decorator
@inline function moments(v: v128, mv: v128, k: v128, kv: v128, floor: v128): void {
  const e = expShifted(v, mv, k);
  const vHi = v128.shuffle<f32>(v, v, 2, 3, 0, 1);
  const eHi = v128.shuffle<f32>(e, e, 2, 3, 0, 1);
  const uLo = f64x2.pmax(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), mv), kv), floor);
  const uHi = f64x2.pmax(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(vHi), mv), kv), floor);
  const euLo = f64x2.mul(f64x2.promote_low_f32x4(e), uLo);
  const euHi = f64x2.mul(f64x2.promote_low_f32x4(eHi), uHi);
  s0 = addWide(s0, e);
  s1 = f64x2.add(s1, f64x2.add(euLo, euHi));
  s2 = f64x2.add(s2, f64x2.add(f64x2.mul(euLo, uLo), f64x2.mul(euHi, uHi)));
}

/**
 * Writes [nllSum, gradSum, hessSum] (f64) to outPtr for labels at labelsPtr (i32, already range-checked).
 * Stops at the first row with NaN/+Inf (E_NONFINITE), all −Inf (E_MASKED) or a masked label (E_LABEL).
 */
export function temperatureObjective(xPtr: usize, labelsPtr: usize, rows: i32, cols: i32, invT: f64, outPtr: usize): i32 {
  const rowBytes = <usize>cols << 2;
  const k = f64x2.splat(invT * LOG2E);
  const kv = f64x2.splat(invT);
  const floor = f64x2.splat(U_FLOOR);
  const invT2 = invT * invT;
  let nll: f64 = 0, grad: f64 = 0, hess: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const x = xPtr + <usize>r * rowBytes;
    const m = rowMax(x, cols);
    const status = checkRowMax(m, r);
    if (status != OK) return status;
    const xy = load<f32>(x + (<usize>load<i32>(labelsPtr + (<usize>r << 2)) << 2));
    if (xy == -Infinity) return fail(E_LABEL, r);
    const mv = f64x2.splat(<f64>m);
    let i = 0;
    s0 = f64x2.splat(0); s1 = f64x2.splat(0); s2 = f64x2.splat(0);
    for (; i + 4 <= cols; i += 4) moments(v128.load(x + (<usize>i << 2)), mv, k, kv, floor);
    if (i < cols) moments(loadTail(x + (<usize>i << 2), cols - i, -Infinity), mv, k, kv, floor);
    const sum = sumWide(s0);
    const mean = sumWide(s1) / sum;
    const variance = max(sumWide(s2) / sum - mean * mean, 0.0);
    const margin = (<f64>xy - <f64>m) * invT - mean;
    nll += Math.log(sum) - (<f64>xy - <f64>m) * invT;
    grad += margin * invT;
    hess += (variance - 2 * margin) * invT2;
  }
  store<f64>(outPtr, nll);
  store<f64>(outPtr, grad, 8);
  store<f64>(outPtr, hess, 16);
  return OK;
}

/**
 * Sigmoid heads (binary or multi-label), one temperature per column: with u = z/T_c and target t ∈ {0, 1},
 *   NLL = softplus(u) − t·u,  dNLL/dT = −(σ(u) − t)·u/T,  d²NLL/dT² = (σ'(u)·u² + 2(σ(u) − t)·u)/T²,
 * softplus, σ and σ' from e^(−|u|). invT: cols f64. Writes per column [nllSum, gradSum, hessSum, entries on the
 * wrong side of 0] (4·cols f64): a column with none is separated at every T, its optimum at T → 0.
 * A non-finite logit fails E_NONFINITE (its row).
 */
export function sigmoidTemperatureObjective(zPtr: usize, targetsPtr: usize, rows: i32, cols: i32, invTPtr: usize, outPtr: usize): i32 {
  memory.fill(outPtr, 0, <usize>cols * 32);
  let c = 0;
  const n = rows * cols;
  for (let i = 0; i < n; i++) {
    const z = <f64>load<f32>(zPtr + (<usize>i << 2));
    if (!isFinite(z)) return fail(E_NONFINITE, i / cols);
    const invT = load<f64>(invTPtr + (<usize>c << 3));
    const t = <f64>load<i32>(targetsPtr + (<usize>i << 2));
    const u = z * invT;
    const e = Math.exp(-Math.abs(u));
    // σ(u) − t without cancelling at σ ≈ t: −(1 − σ) for t = 1, σ for t = 0, each from its own side.
    const d = t != 0 ? -(u >= 0 ? e / (1 + e) : 1 / (1 + e)) : (u >= 0 ? 1 / (1 + e) : e / (1 + e));
    const o = outPtr + <usize>c * 32;
    // max(u, 0) − t·u first: it is exactly 0 for a confident right answer, whose log1p(e) must survive.
    store<f64>(o, load<f64>(o) + ((max(u, 0) - t * u) + Math.log1p(e)));
    store<f64>(o, load<f64>(o, 8) - d * u * invT, 8);
    store<f64>(o, load<f64>(o, 16) + (e / ((1 + e) * (1 + e)) * u * u + 2 * d * u) * invT * invT, 16);
    store<f64>(o, load<f64>(o, 24) + <f64>((z > 0) != (t != 0) || z == 0), 24);
    if (++c == cols) c = 0;
  }
  return OK;
}
