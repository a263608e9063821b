// Per-row parts of calibration metrics (Guo et al. 2017) over a row-major [rows, cols] f32 matrix with
// integer labels y (i32, already range-checked). Each row writes its confidence (f64) and whether it counts
// as correct (i32 0/1), and adds to the sums (f64): [0] Σ −ln p_y, [1] Σ Brier, [2] first bad row (−1 if
// none), [3] why it is bad, [4] Σ hits (first argmax = y), [5] rows whose top probability is exactly 1.
// Brier = (1 − p_y)² + Σ_{j≠y} p_j², written so rows with p_y ≈ 1 do not cancel against 1 (1e-6 relative
// even at p_y = 1 − 1e-11, tested). `confClass` = −1 takes the top label (confidence max_j p_j, correct =
// hit); a class index c takes p_c as the confidence and y = c as the outcome (netcal's binary P[:, 1]).
// Logits: p = softmax(x/T) with e = e^((x − m)/T) (≤ 2 ulp, e = 1 at the max; the label's own term in f64),
// Σe and Σe² in f64, so confidence = 1/Σe and −ln p_y = ln Σe − (x_y − m)/T; −Inf logits are masks, a masked label is E_LABEL.
// Against float64 (test/metrics.test.ts): NLL and Brier within 1e-6 relative, ECE/MCE within 1e-6.
import { OK, E_LABEL, E_NONFINITE, fail } from './status';
import { LOG2E, expShifted, addWide, sumWide, rowMax, loadTail, maxLane } from './simd/exp';
import { checkRowMax } from './softmax';

const LANES: v128 = i32x4(0, 1, 2, 3);

// @ts-ignore: decorator
@inline function squares(acc: v128, v: v128): v128 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
}

/** expShifted as a function for the classwise pass, whose scatter dominates: an inlined copy costs ~0.3 KB. */
function exp4(x: v128, m: v128, k: v128): v128 {
  return expShifted(x, m, k);
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

// @ts-ignore: decorator
@inline function putRow(r: i32, conf: f64, correct: bool, confPtr: usize, correctPtr: usize): void {
  store<f64>(confPtr + (<usize>r << 3), conf);
  store<i32>(correctPtr + (<usize>r << 2), <i32>correct);
}

// @ts-ignore: decorator
@inline function putSums(sumsPtr: usize, nll: f64, brier: f64, hits: f64, saturated: f64): void {
  store<f64>(sumsPtr, nll);
  store<f64>(sumsPtr, brier, 8);
  store<f64>(sumsPtr, hits, 32);
  store<f64>(sumsPtr, saturated, 40);
}

export function metricsLogits(xPtr: usize, labelsPtr: usize, rows: i32, cols: i32, invT: f64, confClass: i32, confPtr: usize, correctPtr: usize, sumsPtr: usize): i32 {
  const rowBytes = <usize>cols << 2;
  const k = f64x2.splat(invT * LOG2E);
  let nll: f64 = 0, brier: f64 = 0, hits: f64 = 0;
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
    for (let i = 0; i < cols; i += 4) {
      const p = x + (<usize>i << 2);
      const e = expShifted(i + 4 <= cols ? v128.load(p) : loadTail(p, cols - i, -Infinity), mv, k);
      const rest = v128.andnot(e, i32x4.eq(at, yv));
      s1 = addWide(s1, rest);
      s2 = squares(s2, rest);
      at = i32x4.add(at, i32x4.splat(4));
    }
    // The other classes' mass is summed apart from e_y, so 1 − p_y and −ln p_y keep their digits at p_y ≈ 1.
    const ey = Math.exp((<f64>xy - <f64>m) * invT);
    const others = sumWide(s1);
    const sum = others + ey;
    const inv = 1.0 / sum;
    const miss = others * inv;
    const hit = firstIndexOf(x, cols, m) == y;
    hits += <f64>hit;
    if (confClass < 0) {
      putRow(r, inv, hit, confPtr, correctPtr);
    } else {
      putRow(r, Math.exp((<f64>load<f32>(x + (<usize>confClass << 2)) - <f64>m) * invT) * inv, y == confClass, confPtr, correctPtr);
    }
    nll += (ey == 1.0 ? Math.log1p(others) : Math.log(sum)) - (<f64>xy - <f64>m) * invT;
    brier += miss * miss + sumWide(s2) * inv * inv;
  }
  putSums(sumsPtr, nll, brier, hits, 0);
  return OK;
}

// Set by checkProbabilities for the row it accepted.
let rowTop: f32 = 0;

/**
 * Checks a probability row: every entry finite (else E_NONFINITE), in [0, 1 + tol], the row summing to 1
 * within tol. Returns OK, E_NONFINITE, or −1 (an entry out of range) / −2 (the sum) for the caller to report.
 */
function checkProbabilities(p: usize, cols: i32, tol: f64): i32 {
  const hi = f32x4.splat(<f32>(1.0 + tol));
  const zero = f32x4.splat(0);
  let s = f64x2.splat(0);
  let top = f32x4.splat(-Infinity);
  // Lanes outside [0, 1 + tol] — NaN fails both comparisons, so it lands here too and is sorted out below.
  let outside = i32x4.splat(0);
  for (let i = 0; i < cols; i += 4) {
    const q = p + (<usize>i << 2);
    const v = i + 4 <= cols ? v128.load(q) : loadTail(q, cols - i, 0);
    outside = v128.or(outside, v128.not(v128.and(f32x4.ge(v, zero), f32x4.le(v, hi))));
    top = f32x4.pmax(top, v);
    s = addWide(s, v);
  }
  const sum = sumWide(s);
  if (v128.any_true(outside) || !isFinite(sum)) {
    for (let j = 0; j < cols; j++) if (!isFinite(load<f32>(p + (<usize>j << 2)))) return E_NONFINITE;
    return -1;
  }
  if (Math.abs(sum - 1) > tol) return -2;
  rowTop = maxLane(top);
  return OK;
}

// @ts-ignore: decorator
@inline function reportRow(status: i32, r: i32, sumsPtr: usize): i32 {
  if (status == E_NONFINITE) return fail(E_NONFINITE, r);
  store<f64>(sumsPtr, <f64>r, 16);
  store<f64>(sumsPtr, <f64>-status, 24);
  return OK;
}

/**
 * Probabilities p: a row breaking the rules of checkProbabilities is reported, not failed: sums[2] = its index
 * and sums[3] = 1 (an entry outside [0, 1 + tol]) or 2 (the sum); the kernel stops there. −ln p_y is +Inf
 * when p_y = 0.
 */
export function metricsProbabilities(pPtr: usize, labelsPtr: usize, rows: i32, cols: i32, tol: f64, confClass: i32, confPtr: usize, correctPtr: usize, sumsPtr: usize): i32 {
  const rowBytes = <usize>cols << 2;
  let nll: f64 = 0, brier: f64 = 0, hits: f64 = 0, saturated: f64 = 0;
  store<f64>(sumsPtr, -1, 16);
  store<f64>(sumsPtr, 0, 24);
  for (let r = 0; r < rows; r++) {
    const p = pPtr + <usize>r * rowBytes;
    const status = checkProbabilities(p, cols, tol);
    if (status != OK) return reportRow(status, r, sumsPtr);
    const y = load<i32>(labelsPtr + (<usize>r << 2));
    const yv = i32x4.splat(y);
    let at = LANES;
    let s2 = f64x2.splat(0);
    for (let i = 0; i < cols; i += 4) {
      const q = p + (<usize>i << 2);
      const v = i + 4 <= cols ? v128.load(q) : loadTail(q, cols - i, 0);
      s2 = squares(s2, v128.andnot(v, i32x4.eq(at, yv)));
      at = i32x4.add(at, i32x4.splat(4));
    }
    const m = rowTop;
    const py = <f64>load<f32>(p + (<usize>y << 2));
    const hit = firstIndexOf(p, cols, m) == y;
    hits += <f64>hit;
    saturated += <f64>(m == 1);
    if (confClass < 0) putRow(r, <f64>m, hit, confPtr, correctPtr);
    else putRow(r, <f64>load<f32>(p + (<usize>confClass << 2)), y == confClass, confPtr, correctPtr);
    nll -= Math.log(py);
    brier += (1 - py) * (1 - py) + sumWide(s2);
  }
  putSums(sumsPtr, nll, brier, hits, saturated);
  return OK;
}

/**
 * Probabilities to logits a fit can use. Softmax rows (checked as in metricsProbabilities, reported the same
 * way in sums[0..1]): ln max(p, floor). Sigmoid entries (each in [0, 1]): ln max(p, floor) − ln max(1 − p, floor).
 * sums[2] counts saturated rows (softmax: top probability exactly 1) or entries (sigmoid: exactly 0 or 1).
 */
export function metricsLogProbabilities(pPtr: usize, outPtr: usize, rows: i32, cols: i32, tol: f64, floor: f64, sigmoid: bool, sumsPtr: usize): i32 {
  const rowBytes = <usize>cols << 2;
  let saturated: f64 = 0;
  store<f64>(sumsPtr, -1);
  store<f64>(sumsPtr, 0, 8);
  for (let r = 0; r < rows; r++) {
    const p = pPtr + <usize>r * rowBytes;
    const out = outPtr + <usize>r * rowBytes;
    if (!sigmoid) {
      const status = checkProbabilities(p, cols, tol);
      if (status != OK) {
        if (status == E_NONFINITE) return fail(E_NONFINITE, r);
        store<f64>(sumsPtr, <f64>r);
        store<f64>(sumsPtr, <f64>-status, 8);
        return OK;
      }
      saturated += <f64>(rowTop == 1);
    }
    for (let j = 0; j < cols; j++) {
      const v = <f64>load<f32>(p + (<usize>j << 2));
      let z = Math.log(max(v, floor));
      if (sigmoid) {
        if (!isFinite(v)) return fail(E_NONFINITE, r);
        if (!(v >= 0 && v <= 1)) {
          store<f64>(sumsPtr, <f64>r);
          store<f64>(sumsPtr, 1, 8);
          return OK;
        }
        saturated += <f64>(v == 0 || v == 1);
        z -= Math.log(max(1 - v, floor));
      }
      store<f32>(out + (<usize>j << 2), <f32>z);
    }
  }
  store<f64>(sumsPtr, saturated, 16);
  return OK;
}

/**
 * Binary heads: sigmoid(z·s_c + b_c) per entry (column c: one scale and bias per label), or the probabilities
 * themselves. Every entry is a forecast of its 0/1 target t: adds Σ BCE and Σ (p − t)² to sums[0..1] and the
 * top-label hits (p > ½ predicts 1) to sums[4]; writes per entry the confidence and outcome (top label:
 * max(p, 1 − p) and the hit; `positive`: p and t). Entries with non-finite logits fail E_NONFINITE; a
 * probability outside [0, 1] is reported in sums[2..3] like metricsProbabilities. With statsPtr ≠ 0 also
 * accumulates per-label reliability statistics of p (see metricsClasswise).
 */
export function metricsSigmoid(
  zPtr: usize, targetsPtr: usize, rows: i32, cols: i32, probabilities: bool, scalePtr: usize, biasPtr: usize, positive: bool,
  confPtr: usize, correctPtr: usize, sumsPtr: usize, statsPtr: usize, edgesPtr: usize, binCount: i32, lowerClosed: bool,
): i32 {
  const n = rows * cols;
  let nll: f64 = 0, brier: f64 = 0, hits: f64 = 0, saturated: f64 = 0;
  store<f64>(sumsPtr, -1, 16);
  store<f64>(sumsPtr, 0, 24);
  if (statsPtr != 0) memory.fill(statsPtr, 0, <usize>cols * <usize>binCount * 40);
  let c = 0;
  for (let i = 0; i < n; i++) {
    const z = <f64>load<f32>(zPtr + (<usize>i << 2));
    const t = load<i32>(targetsPtr + (<usize>i << 2));
    if (!isFinite(z)) return fail(E_NONFINITE, i / cols);
    let p: f64, q: f64;
    if (probabilities) {
      if (!(z >= 0 && z <= 1)) {
        store<f64>(sumsPtr, <f64>(i / cols), 16);
        store<f64>(sumsPtr, 1, 24);
        return OK;
      }
      p = z;
      q = 1 - z;
      saturated += <f64>(z == 0 || z == 1);
      nll -= t != 0 ? Math.log(p) : Math.log1p(-p);
    } else {
      const u = z * load<f64>(scalePtr + (<usize>c << 3)) + load<f64>(biasPtr + (<usize>c << 3));
      // softplus(u) − t·u with e = e^(−|u|): p and 1 − p each from the side that does not cancel.
      const e = Math.exp(-Math.abs(u));
      const big = 1 / (1 + e), small = e / (1 + e);
      p = u >= 0 ? big : small;
      q = u >= 0 ? small : big;
      nll += max(u, 0) - <f64>t * u + Math.log1p(e);
    }
    const miss = t != 0 ? q : p;
    brier += miss * miss;
    const hit = (p > 0.5) == (t != 0);
    hits += <f64>hit;
    if (positive) {
      store<f64>(confPtr + (<usize>i << 3), p);
      store<i32>(correctPtr + (<usize>i << 2), t);
    } else {
      store<f64>(confPtr + (<usize>i << 3), max(p, q));
      store<i32>(correctPtr + (<usize>i << 2), <i32>hit);
    }
    if (statsPtr != 0) {
      const s = statsPtr + (<usize>c * <usize>binCount + <usize>widthBin(p, binCount, edgesPtr, lowerClosed)) * 40;
      addStat(s, p, t != 0);
    }
    if (++c == cols) c = 0;
  }
  putSums(sumsPtr, nll, brier, hits, saturated);
  return OK;
}

/** Bin of c among B equal-width bins with the caller's edges (the ones reported): (lower, upper] or [lower, upper). */
// @ts-ignore: decorator
@inline function widthBin(c: f64, B: i32, edges: usize, lowerClosed: bool): i32 {
  let b = lowerClosed ? <i32>Math.floor(c * B) : <i32>Math.ceil(c * B) - 1;
  b = min(B - 1, max(0, b));
  // The product may round across an edge; the edges decide.
  if (lowerClosed) {
    while (b > 0 && c < load<f64>(edges + (<usize>b << 3))) b--;
    while (b < B - 1 && c >= load<f64>(edges + (<usize>(b + 1) << 3))) b++;
  } else {
    while (b > 0 && c <= load<f64>(edges + (<usize>b << 3))) b--;
    while (b < B - 1 && c > load<f64>(edges + (<usize>(b + 1) << 3))) b++;
  }
  return b;
}

/** Bin of c among any ascending edges (binary search): the first b with c ≤ e[b+1], or the last with c ≥ e[b]. */
function edgeBin(c: f64, B: i32, edges: usize, lowerClosed: bool): i32 {
  let lo = 0, hi = B - 1;
  if (lowerClosed) {
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (c >= load<f64>(edges + (<usize>mid << 3))) lo = mid;
      else hi = mid - 1;
    }
  } else {
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c <= load<f64>(edges + (<usize>(mid + 1) << 3))) hi = mid;
      else lo = mid + 1;
    }
  }
  return lo;
}

// Per (class, bin) reliability statistics, 5 f64 each: n, Σp, Σp², Σo, Σp·o (o = 1 when the class is the label).
// @ts-ignore: decorator
@inline function addStat(s: usize, p: f64, outcome: bool): void {
  store<f64>(s, load<f64>(s) + 1);
  store<f64>(s, load<f64>(s, 8) + p, 8);
  store<f64>(s, load<f64>(s, 16) + p * p, 16);
  if (outcome) {
    store<f64>(s, load<f64>(s, 24) + 1, 24);
    store<f64>(s, load<f64>(s, 32) + p, 32);
  }
}

/**
 * Per-class reliability statistics for classwise ECE (Kull et al. 2019) and the Brier decomposition (Murphy
 * 1973): every class probability p_j of every row goes to its equal-width bin of class j. Rows were already
 * checked by metricsLogits / metricsProbabilities. scratch: cols f32 for the row's e^((x − m)/T).
 */
export function metricsClasswise(xPtr: usize, labelsPtr: usize, rows: i32, cols: i32, invT: f64, probabilities: bool, edgesPtr: usize, binCount: i32, lowerClosed: bool, scratchPtr: usize, statsPtr: usize): void {
  const rowBytes = <usize>cols << 2;
  const k = f64x2.splat(invT * LOG2E);
  memory.fill(statsPtr, 0, <usize>cols * <usize>binCount * 40);
  for (let r = 0; r < rows; r++) {
    const x = xPtr + <usize>r * rowBytes;
    const y = load<i32>(labelsPtr + (<usize>r << 2));
    let src = x;
    let inv: f64 = 1;
    if (!probabilities) {
      const mv = f64x2.splat(<f64>rowMax(x, cols));
      let s = f64x2.splat(0);
      for (let i = 0; i < cols; i += 4) {
        const off = <usize>i << 2;
        const e = exp4(i + 4 <= cols ? v128.load(x + off) : loadTail(x + off, cols - i, -Infinity), mv, k);
        v128.store(scratchPtr + off, e);
        s = addWide(s, e);
      }
      inv = 1.0 / sumWide(s);
      src = scratchPtr;
    }
    for (let j = 0; j < cols; j++) {
      const p = <f64>load<f32>(src + (<usize>j << 2)) * inv;
      addStat(statsPtr + (<usize>j * <usize>binCount + <usize>widthBin(p, binCount, edgesPtr, lowerClosed)) * 40, p, j == y);
    }
  }
}

/** Per-bin [count, Σ confidence, Σ correct] (f64) of n rows over any ascending edges. */
export function metricsBins(confPtr: usize, correctPtr: usize, n: i32, edgesPtr: usize, binCount: i32, lowerClosed: bool, outPtr: usize): void {
  memory.fill(outPtr, 0, <usize>binCount * 24);
  for (let i = 0; i < n; i++) {
    const c = load<f64>(confPtr + (<usize>i << 3));
    const o = outPtr + <usize>edgeBin(c, binCount, edgesPtr, lowerClosed) * 24;
    store<f64>(o, load<f64>(o) + 1);
    store<f64>(o, load<f64>(o, 8) + c, 8);
    store<f64>(o, load<f64>(o, 16) + <f64>load<i32>(correctPtr + (<usize>i << 2)), 16);
  }
}

// Bootstrap draws land in blocks of 4096 rows (16 KB of counts, within L1) before their row is drawn.
const BLOCK_BITS = 12;
const BLOCK: i32 = 1 << BLOCK_BITS;

// mulberry32, the same stream as src/random.ts's seededRandom, so a float64 reference replays every draw.
let state: u32 = 0;

// @ts-ignore: decorator
@inline function uniform(): f64 {
  state += 0x6d2b79f5;
  let t = (state ^ (state >>> 15)) * (state | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return <f64>(t ^ (t >>> 14)) / 4294967296.0;
}

/**
 * numpy's quantile ('linear') of a weighted sample sorted ascending, at q = b/B for b = 1 … B−1, into
 * edges[1..B−1]; edges[0] = 0 and edges[B] = 1 as netcal sets them. Order statistic k (from 0) is the row
 * where the running weight first exceeds k. countsPtr = 0: every row has weight 1.
 */
function massEdges(confPtr: usize, countsPtr: usize, total: i32, binCount: i32, edgesPtr: usize): void {
  store<f64>(edgesPtr, 0);
  store<f64>(edgesPtr + (<usize>binCount << 3), 1);
  let row = 0, below = 0; // the rows before `row` hold weight `below`
  for (let b = 1; b < binCount; b++) {
    // numpy: q = b·(1/B) (linspace's step), h = (n − 1)·q.
    const h = <f64>(total - 1) * (<f64>b * (1.0 / <f64>binCount));
    const k = <i32>Math.floor(h);
    const g = h - <f64>k;
    while (below + weight(countsPtr, row) <= k) below += weight(countsPtr, row++);
    const a = load<f64>(confPtr + (<usize>row << 3));
    let c = a;
    if (g > 0 && below + weight(countsPtr, row) <= k + 1) {
      let next = row + 1;
      while (weight(countsPtr, next) == 0) next++;
      c = load<f64>(confPtr + (<usize>next << 3));
    }
    // numpy's lerp works from the nearer end, so g → 1 lands on c exactly.
    store<f64>(edgesPtr + (<usize>b << 3), g < 0.5 ? a + (c - a) * g : c - (c - a) * (1 - g));
  }
}

/** Equal-mass edges of n confidences sorted ascending (see massEdges). */
export function metricsMassEdges(confPtr: usize, n: i32, binCount: i32, edgesPtr: usize): void {
  massEdges(confPtr, 0, n, binCount, edgesPtr);
}

// @ts-ignore: decorator
@inline function weight(countsPtr: usize, i: i32): i32 {
  return countsPtr == 0 ? 1 : load<i32>(countsPtr + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function flushBin(binsPtr: usize, b: i32, n: f64, conf: f64, hits: f64): void {
  const o = binsPtr + <usize>b * 24;
  store<f64>(o, load<f64>(o) + n);
  store<f64>(o, load<f64>(o, 8) + conf, 8);
  store<f64>(o, load<f64>(o, 16) + hits, 16);
}

/**
 * Resampled ECEs over rows sorted by ascending confidence (conf f64, correct i32). Bootstrap (simulate =
 * false): each replicate draws n row indices uniformly with replacement (two stages, see below). Simulation (true): each
 * replicate keeps every row once and draws its outcome as u < confidence — a perfectly calibrated model with
 * these confidences. Equal-mass replicates recompute their quantile edges; otherwise `edges` (B + 1) stay.
 * Writes ece[r] and, when accPtr ≠ 0, each bin's accuracy acc[r·B + b] (NaN for an empty bin).
 * Scratch: counts (n + ⌈n/4096⌉ i32), bins (3·B f64).
 */
export function metricsResample(
  confPtr: usize, correctPtr: usize, n: i32, edgesPtr: usize, binCount: i32, equalMass: bool, lowerClosed: bool,
  replicates: i32, seed: u32, simulate: bool, countsPtr: usize, binsPtr: usize, ecePtr: usize, accPtr: usize,
): void {
  state = seed;
  for (let r = 0; r < replicates; r++) {
    if (!simulate) {
      // n draws with replacement in two stages, so no draw lands far away in memory: first the block of 4096
      // rows each of n uniform indices ⌊u·n⌋ falls in (counted per block), then each block's draws uniformly
      // within the block (⌊u·size⌋). Together: n independent uniform row indices, as one stage would give.
      const blocks = (n + BLOCK - 1) >> BLOCK_BITS;
      const blockPtr = countsPtr + (<usize>n << 2);
      memory.fill(countsPtr, 0, <usize>(n + blocks) << 2);
      for (let i = 0; i < n; i++) {
        const at = blockPtr + (<usize>(<i32>Math.floor(uniform() * <f64>n) >> BLOCK_BITS) << 2);
        store<i32>(at, load<i32>(at) + 1);
      }
      for (let k = 0; k < blocks; k++) {
        const first = k << BLOCK_BITS;
        const size = <f64>min(BLOCK, n - first);
        const draws = load<i32>(blockPtr + (<usize>k << 2));
        for (let j = 0; j < draws; j++) {
          const at = countsPtr + (<usize>(first + <i32>Math.floor(uniform() * size)) << 2);
          store<i32>(at, load<i32>(at) + 1);
        }
      }
      if (equalMass) massEdges(confPtr, countsPtr, n, binCount, edgesPtr);
    }
    memory.fill(binsPtr, 0, <usize>binCount * 24);
    // Rows ascend, so the bin only moves up: sums stay in locals until it does (no store-to-load chain per row).
    let b = 0;
    let edge = binCount > 1 ? load<f64>(edgesPtr + 8) : Infinity;
    let sn: f64 = 0, sc: f64 = 0, sh: f64 = 0;
    for (let i = 0; i < n; i++) {
      const w = simulate ? 1 : load<i32>(countsPtr + (<usize>i << 2));
      if (w == 0) continue;
      const c = load<f64>(confPtr + (<usize>i << 3));
      if (lowerClosed ? c >= edge : c > edge) {
        flushBin(binsPtr, b, sn, sc, sh);
        sn = 0; sc = 0; sh = 0;
        if (lowerClosed) while (b < binCount - 1 && c >= load<f64>(edgesPtr + (<usize>(b + 1) << 3))) b++;
        else while (b < binCount - 1 && c > load<f64>(edgesPtr + (<usize>(b + 1) << 3))) b++;
        edge = b < binCount - 1 ? load<f64>(edgesPtr + (<usize>(b + 1) << 3)) : Infinity;
      }
      sn += <f64>w;
      sc += <f64>w * c;
      sh += simulate ? <f64>(uniform() < c) : <f64>(w * load<i32>(correctPtr + (<usize>i << 2)));
    }
    flushBin(binsPtr, b, sn, sc, sh);
    let ece: f64 = 0;
    for (let j = 0; j < binCount; j++) {
      const o = binsPtr + <usize>j * 24;
      const count = load<f64>(o);
      ece += Math.abs(load<f64>(o, 16) - load<f64>(o, 8));
      if (accPtr != 0) store<f64>(accPtr + (<usize>(r * binCount + j) << 3), count > 0 ? load<f64>(o, 16) / count : NaN);
    }
    store<f64>(ecePtr + (<usize>r << 3), ece / <f64>n);
  }
}
