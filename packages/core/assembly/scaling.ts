// Objectives of the post-hoc scalers beyond one temperature, as sums over rows a host adds across shards.
// Vector scaling (Guo et al. 2017): u = w ⊙ x + b per row, NLL = ln Σ_j e^(u_j) − u_y, and
//   ∂NLL/∂w_j = (p_j − [j = y])·x_j,  ∂NLL/∂b_j = p_j − [j = y],  p = softmax(u).
// u and u − max u are f64; e^(u − max u) is the f32 expShifted of the f64 difference rounded to f32, so a term
// at distance d below the max carries d·2^−24 relative error on top of the exp's ≤ 1 ulp (p·d ≤ 0.37 bounds
// what reaches the sums). −Inf logits are masks whatever their w (p = 0, no gradient); a masked label is E_LABEL.
// Platt scaling (Platt 1999) of a single logit z with target t ∈ [0, 1]: u = a·z + b,
//   NLL = softplus(u) − t·u,  ∂/∂(a, b) = (σ(u) − t)·(z, 1),  ∂² = σ(u)(1 − σ(u))·(z², z, 1),
// softplus and σ from e^(−|u|) so neither side of 0 cancels. Against float64 (test/scaling.test.ts): NLL sums
// within 1e-6 relative, gradients within 1e-6 of Σ|row term|.
import { OK, E_LABEL, E_NONFINITE, fail } from './status';
import { LOG2E, expShifted, addWide, sumWide, rowMax } from './simd/exp';
import { checkRowMax } from './softmax';

const NEG_INF: v128 = f64x2(-Infinity, -Infinity);

// @ts-ignore: decorator
@inline function affine(x: v128, w: usize, b: usize): v128 {
  // Masked lanes stay −Inf whatever the sign of w (w·−Inf could be +Inf or NaN).
  return v128.bitselect(NEG_INF, f64x2.add(f64x2.mul(x, v128.load(w)), v128.load(b)), f64x2.eq(x, NEG_INF));
}

/**
 * Writes Σ NLL to out[0], the rows whose label reaches the row's max u to out[1] (all of them: the parameters
 * separate the data and the NLL falls toward 0 along them), and Σ ∂NLL/∂w (cols f64) then Σ ∂NLL/∂b (cols f64)
 * to grad. w, b: cols f64 each.
 * scratch: cols f64 (u) + cols f32 (e), 16-byte aligned. Stops at the first row with NaN/+Inf (E_NONFINITE),
 * all −Inf (E_MASKED) or a masked label (E_LABEL).
 */
export function vectorScalingObjective(xPtr: usize, labelsPtr: usize, rows: i32, cols: i32, wPtr: usize, bPtr: usize, scratchPtr: usize, gradPtr: usize, outPtr: usize): i32 {
  const rowBytes = <usize>cols << 2;
  const uPtr = scratchPtr;
  const ePtr = scratchPtr + (((<usize>cols << 3) + 15) & ~15);
  const gb = gradPtr + (<usize>cols << 3);
  const k = f64x2.splat(LOG2E);
  const zero = f64x2.splat(0);
  memory.fill(gradPtr, 0, <usize>cols << 4);
  let nll: f64 = 0, top1: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const x = xPtr + <usize>r * rowBytes;
    const status = checkRowMax(rowMax(x, cols), r);
    if (status != OK) return status;
    const y = load<i32>(labelsPtr + (<usize>r << 2));
    const xy = <f64>load<f32>(x + (<usize>y << 2));
    if (xy == -Infinity) return fail(E_LABEL, r);
    // u = w ⊙ x + b and its max, two lanes at a time (an odd last column alone).
    let top = NEG_INF;
    let j = 0;
    for (; j + 2 <= cols; j += 2) {
      const xv = f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>j << 2)));
      const u = affine(xv, wPtr + (<usize>j << 3), bPtr + (<usize>j << 3));
      v128.store(uPtr + (<usize>j << 3), u);
      top = f64x2.pmax(top, u);
    }
    let m = max(f64x2.extract_lane(top, 0), f64x2.extract_lane(top, 1));
    if (j < cols) {
      const xj = <f64>load<f32>(x + (<usize>j << 2));
      const u = xj == -Infinity ? -Infinity : xj * load<f64>(wPtr + (<usize>j << 3)) + load<f64>(bPtr + (<usize>j << 3));
      store<f64>(uPtr + (<usize>j << 3), u);
      m = max(m, u);
    }
    // e = e^(u − m) on four lanes from two f64 pairs; past the row the pairs are −Inf (e = 0).
    const mv = f64x2.splat(m);
    let s = zero;
    for (let i = 0; i < cols; i += 4) {
      const lo = i < cols ? loadPair(uPtr, i, cols) : NEG_INF;
      const hi = i + 2 < cols ? loadPair(uPtr, i + 2, cols) : NEG_INF;
      const t = v128.shuffle<f32>(f32x4.demote_f64x2_zero(f64x2.sub(lo, mv)), f32x4.demote_f64x2_zero(f64x2.sub(hi, mv)), 0, 1, 4, 5);
      const e = expShifted(t, zero, k);
      v128.store(ePtr + (<usize>i << 2), e);
      s = addWide(s, e);
    }
    const sum = sumWide(s);
    const inv = f64x2.splat(1.0 / sum);
    // Σ_rows p·x and Σ_rows p per class; masked x (p = 0) adds 0, not 0·−Inf.
    j = 0;
    for (; j + 2 <= cols; j += 2) {
      const p = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(ePtr + (<usize>j << 2))), inv);
      const xv = f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>j << 2)));
      const px = v128.bitselect(zero, f64x2.mul(p, xv), f64x2.eq(xv, NEG_INF));
      const gwj = gradPtr + (<usize>j << 3), gbj = gb + (<usize>j << 3);
      v128.store(gwj, f64x2.add(v128.load(gwj), px));
      v128.store(gbj, f64x2.add(v128.load(gbj), p));
    }
    if (j < cols) {
      const p = <f64>load<f32>(ePtr + (<usize>j << 2)) / sum;
      const xj = <f64>load<f32>(x + (<usize>j << 2));
      if (xj != -Infinity) store<f64>(gradPtr + (<usize>j << 3), load<f64>(gradPtr + (<usize>j << 3)) + p * xj);
      store<f64>(gb + (<usize>j << 3), load<f64>(gb + (<usize>j << 3)) + p);
    }
    // The label's −1·(x_y, 1) is added once per row.
    store<f64>(gradPtr + (<usize>y << 3), load<f64>(gradPtr + (<usize>y << 3)) - xy);
    store<f64>(gb + (<usize>y << 3), load<f64>(gb + (<usize>y << 3)) - 1);
    const uy = load<f64>(uPtr + (<usize>y << 3));
    nll += Math.log(sum) - (uy - m);
    top1 += <f64>(uy == m);
  }
  store<f64>(outPtr, nll);
  store<f64>(outPtr, top1, 8);
  return OK;
}

/** The f64 pair at column i (i < cols); a lone last column is paired with −Inf. */
// @ts-ignore: decorator
@inline function loadPair(uPtr: usize, i: i32, cols: i32): v128 {
  const p = uPtr + (<usize>i << 3);
  return i + 2 <= cols ? v128.load(p) : f64x2.replace_lane(NEG_INF, 0, load<f64>(p));
}

/**
 * Platt: writes [Σ NLL, Σ ∂/∂a, Σ ∂/∂b, Σ ∂²/∂a², Σ ∂²/∂a∂b, Σ ∂²/∂b², rows on the wrong side of u = 0] (f64)
 * to out for n logits z (f32) and
 * labels (i32 0/1, checked), label 1 taken as target tPos and 0 as tNeg (Platt's smoothed targets, or 1 and 0).
 * A non-finite logit fails E_NONFINITE.
 */
export function plattObjective(zPtr: usize, labelsPtr: usize, n: i32, a: f64, b: f64, tPos: f64, tNeg: f64, outPtr: usize): i32 {
  let nll: f64 = 0, ga: f64 = 0, gb: f64 = 0, haa: f64 = 0, hab: f64 = 0, hbb: f64 = 0, wrong: f64 = 0;
  for (let i = 0; i < n; i++) {
    const z = <f64>load<f32>(zPtr + (<usize>i << 2));
    if (!isFinite(z)) return fail(E_NONFINITE, i);
    const t = load<i32>(labelsPtr + (<usize>i << 2)) != 0 ? tPos : tNeg;
    const u = a * z + b;
    const e = Math.exp(-Math.abs(u));
    const p = u >= 0 ? 1 / (1 + e) : e / (1 + e);
    const q = u >= 0 ? e / (1 + e) : 1 / (1 + e);
    const w = e / ((1 + e) * (1 + e));
    nll += (max(u, 0) - t * u) + Math.log1p(e);
    // σ(u) − t from the side that does not cancel when the target is hard.
    const d = t == 1 ? -q : t == 0 ? p : p - t;
    wrong += <f64>((u > 0) != (t > 0.5) || u == 0);
    ga += d * z;
    gb += d;
    haa += w * z * z;
    hab += w * z;
    hbb += w;
  }
  store<f64>(outPtr, nll);
  store<f64>(outPtr, ga, 8);
  store<f64>(outPtr, gb, 16);
  store<f64>(outPtr, haa, 24);
  store<f64>(outPtr, hab, 32);
  store<f64>(outPtr, hbb, 40);
  store<f64>(outPtr, wrong, 48);
  return OK;
}
