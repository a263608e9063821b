// Vectorised e^x for softmax-like rows. x is reduced in f64 — t = (x − m)·k with k = log2(e)/T,
// t = n + f, n = round(t), |f| ≤ ½ — so the argument carries no f32 rounding of (x − m)/T, which
// would otherwise cost up to 1e-5 relative at probabilities near 1e-30. 2^f is a degree-6
// minimax polynomial (relative error 2e-9 before rounding), 2^n goes straight into the exponent
// bits. Measured over 2^22 arguments in [−86.5, 88] (test/exp.test.ts): at most 1 ulp.
// Lanes with t < −125.5 (e^x < 2^−125.5 ≈ 2e-38, and −Inf masks) return exactly 0.
//
// The 'fast' precision reduces in f32 instead (expLanesFast): d = x − m in f32, n = round(d·k), and
// r = (d − n·Lhi) − n·Llo with T·ln2 = Lhi + Llo, Lhi holding 12 significant bits, so n·Lhi is exact and
// d − n·Lhi is exact by Sterbenz; 2^f with f = r·k ∈ [−½, ½] is a degree-5 polynomial (in r, with k folded
// into its coefficients per row). The one error that
// grows with the distance from the max is d's own f32 rounding, ≤ 2^−24·|z| relative for z = (x − m)/T.
// Measured over 3.9e6 softmax entries (random T, spans, offsets): relative error ≤ 2.5e-7 + 6e-8·|z|; the tests
// hold 3e-7 + 6e-8·|z|, so ≤ 1.2e-6 at probabilities ≥ 1e-6 (|z| ≤ 13.8) and ≤ 4.5e-6 at 1e-30.
// In the relaxed-SIMD build madd/nmadd may fuse: n·Lhi is exact either way, so only the last bits move.

const C1: f32 = reinterpret<f32>(0x3F317218); // 0.6931471824645996
const C2: f32 = reinterpret<f32>(0x3E75FDEE); // 0.24022647738456726
const C3: f32 = reinterpret<f32>(0x3D635774); // 0.055503323674201965
const C4: f32 = reinterpret<f32>(0x3C1D96A6); // 0.00961843691766262
const C5: f32 = reinterpret<f32>(0x3AAF9F2A); // 0.0013398875016719103
const C6: f32 = reinterpret<f32>(0x3920FDDE); // 0.00015353361959569156
// 1.5·2^52: adding it rounds an f64 to an integer held in the low mantissa bits.
const MAGIC: f64 = 6755399441055744.0;
export const LOG2E: f64 = 1.4426950408889634;

// Compile-time switches for the generic row loops: `isInteger<On>()` is true, `isInteger<Off>()` false, so
// each instantiation keeps only its own branches (binaryen did not reliably fold inlined bool arguments:
// the loops ended up testing them per vector).
type On = i32;
type Off = f32;

// Splatted constants live in memory and are loaded at each use: V8 rebuilds an inline v128.const with
// several instructions, and constants held in registers across the loop made it spill the running sums,
// turning the loop into a store-to-load chain. Loads are cheap and leave the registers to the data.
const TABLE = memory.data<f32>([
  C6, C6, C6, C6, C5, C5, C5, C5, C4, C4, C4, C4, C3, C3, C3, C3,
  C2, C2, C2, C2, C1, C1, C1, C1, 1, 1, 1, 1,
]);
const TABLE64 = memory.data<f64>([MAGIC, MAGIC, -126.0, -126.0]);
// The fast path's 2^f: degree 5 with the constant term exactly 1 (so the row's max gets e^0 = 1, which ln Σ
// relies on), minimax over [−½, ½] by Lawson iterations, then the f32 coefficients searched ulp by ulp: 9.5e-8
// relative before rounding. One coefficient fewer than degree 6 leaves V8 registers enough to keep more of the
// loop's constants: about 13 instead of 15–20 instructions per softmax element (valgrind counts, ±1 run to run).
const F0: f32 = 1;
const F1: f32 = reinterpret<f32>(0x3F317215); // 0.6931470036506653
const F2: f32 = reinterpret<f32>(0x3E75FCDF); // 0.24022243916988373
const F3: f32 = reinterpret<f32>(0x3D635B85); // 0.055507201701402664
const F4: f32 = reinterpret<f32>(0x3C1E7534); // 0.009671498090028763
const F5: f32 = reinterpret<f32>(0x3AADDCBB); // 0.0013264635344967246
const TABLE5 = memory.data<f32>([F5, F5, F5, F5, F4, F4, F4, F4, F3, F3, F3, F3, F2, F2, F2, F2, F1, F1, F1, F1, F0, F0, F0, F0]);
// 1.5·2^23 for f32, the clamp (n ≥ −126) and the zeroing limit (n < −125) expressed on b = t + 1.5·2^23.
const MAGIC32: f32 = 12582912.0;
const FAST = memory.data<f32>([
  MAGIC32, MAGIC32, MAGIC32, MAGIC32,
  MAGIC32 - 126, MAGIC32 - 126, MAGIC32 - 126, MAGIC32 - 126,
  MAGIC32 - 125, MAGIC32 - 125, MAGIC32 - 125, MAGIC32 - 125,
]);
export const LN2: f64 = 0.6931471805599453;
const LIMIT = memory.data<i32>([-125, -125, -125, -125]);
// The current row's splatted m and log2(e)/T (f64x2 each), set by expSumRowImpl.
const ROW = memory.data(32, 16);
// The same for the fast path as f32x4: m, k = log2(e)/T, Lhi, Llo, then the row's polynomial in r (see setRowFast).
const ROWF = memory.data(160, 16);

// @ts-ignore: decorator
@inline function c(i: i32): v128 {
  return v128.load(TABLE + (<usize>i << 4));
}

/** a·b + c: one fused instruction in the relaxed-SIMD build (rounded once, or twice where a host does not fuse). */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c − a·b, as madd. */
// @ts-ignore: decorator
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline function exp2Fraction(f: v128): v128 {
  let p = madd(c(0), f, c(1));
  p = madd(p, f, c(2));
  p = madd(p, f, c(3));
  p = madd(p, f, c(4));
  p = madd(p, f, c(5));
  return madd(p, f, c(6));
}

/** 2^(r·k) from the row's polynomial in r (setRowFast). */
// @ts-ignore: decorator
@inline function exp2FractionFast(r: v128): v128 {
  let p = madd(v128.load(ROWF, 64), r, v128.load(ROWF, 80));
  p = madd(p, r, v128.load(ROWF, 96));
  p = madd(p, r, v128.load(ROWF, 112));
  p = madd(p, r, v128.load(ROWF, 128));
  return madd(p, r, v128.load(ROWF, 144));
}

/**
 * e^((x − m)·invT) on four f32 lanes with x ≤ m, given m and k = log2(e)/T splatted in f64 and reduced
 * in f64 (see top). `masked`: clamp and zero lanes below 2^−125.5 (needed when the row holds −Inf or a
 * huge range).
 */
// @ts-ignore: decorator
@inline function expLanes<Masked>(x: v128, m: v128, k: v128): v128 {
  const xHi = v128.shuffle<f32>(x, x, 2, 3, 0, 1);
  let tLo = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(x), m), k);
  let tHi = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(xHi), m), k);
  if (isInteger<Masked>()) {
    tLo = f64x2.pmax(tLo, v128.load(TABLE64, 16));
    tHi = f64x2.pmax(tHi, v128.load(TABLE64, 16));
  }
  const bLo = f64x2.add(tLo, v128.load(TABLE64));
  const bHi = f64x2.add(tHi, v128.load(TABLE64));
  const fLo = f64x2.sub(tLo, f64x2.sub(bLo, v128.load(TABLE64)));
  const fHi = f64x2.sub(tHi, f64x2.sub(bHi, v128.load(TABLE64)));
  const f = v128.shuffle<f32>(f32x4.demote_f64x2_zero(fLo), f32x4.demote_f64x2_zero(fHi), 0, 1, 4, 5);
  const n = v128.shuffle<i32>(bLo, bHi, 0, 2, 4, 6);
  const y = i32x4.add(exp2Fraction(f), i32x4.shl(n, 23));
  if (isInteger<Masked>()) return v128.andnot(y, i32x4.lt_s(n, v128.load(LIMIT)));
  return y;
}

/** e^((x − m)·invT) on four f32 lanes with x ≤ m; m and k = log2(e)/T splatted in f64. */
// @ts-ignore: decorator
@inline export function expShifted(x: v128, m: v128, k: v128): v128 {
  return expLanes<On>(x, m, k);
}

/**
 * Whether a row takes the fast path when asked to: the per-row coefficients must fit f32 (below), and the row must
 * hold at least 16 entries — shorter rows never reach the unrolled loop the f32 reduction speeds up, so
 * they keep the accurate exp at no measurable cost.
 */
// @ts-ignore: decorator
@inline export function useFast(fast: bool, invT: f64, cols: i32): bool {
  // setRowFast keeps F_j·k^j (k = log2(e)/T, j ≤ 5) as normal f32: k^5 overflows past 1/T ≈ 1.3e8 and the
  // small coefficients go subnormal below 1/T ≈ 7e-8, so only 1/T in [1e-6, 1e6] takes the fast path.
  return fast && cols >= 16 && invT >= 1e-6 && invT <= 1e6;
}

// Per row: m, k, Lhi, Llo, and 2^(r·k) as a polynomial in r, F_j·k^j (highest degree first), which saves the
// multiply by k on every vector.
// @ts-ignore: decorator
@inline function setRowFast(m: f32, invT: f64): void {
  const L = LN2 / invT;
  const hi = reinterpret<f32>(reinterpret<u32>(<f32>L) & 0xFFFFF000);
  const k = invT * LOG2E;
  v128.store(ROWF, f32x4.splat(m));
  v128.store(ROWF, f32x4.splat(<f32>k), 16);
  v128.store(ROWF, f32x4.splat(hi), 32);
  v128.store(ROWF, f32x4.splat(<f32>(L - <f64>hi)), 48);
  let kj: f64 = 1;
  for (let j = 0; j <= 5; j++) {
    v128.store(ROWF + 144 - (<usize>j << 4), f32x4.splat(<f32>(<f64>load<f32>(TABLE5 + 80 - (<usize>j << 4)) * kj)));
    kj *= k;
  }
}

/** e^((x − m)·invT) on four lanes, reduced in f32 (see top) with the row set by setRowFast. */
// @ts-ignore: decorator
@inline function expLanesFast<Masked>(x: v128): v128 {
  const d = f32x4.sub(x, v128.load(ROWF));
  const k = v128.load(ROWF, 16);
  let b = madd(d, k, v128.load(FAST));
  if (isInteger<Masked>()) b = f32x4.pmax(b, v128.load(FAST, 16));
  const n = f32x4.sub(b, v128.load(FAST));
  const r = nmadd(n, v128.load(ROWF, 48), nmadd(n, v128.load(ROWF, 32), d));
  const y = i32x4.add(exp2FractionFast(r), i32x4.shl(b, 23));
  if (isInteger<Masked>()) return v128.andnot(y, f32x4.lt(b, v128.load(FAST, 32)));
  return y;
}

/**
 * One row: y[i] = e^((x[i] − m)·invT) (skipped when y = 0) and the f64 sum. `masked` = false is the fast
 * path for rows with no −Inf whose smallest term stays above 2^−125 (checked by the caller); `fast` picks
 * the f32 reduction (the caller checks useFast).
 * Sums: f32 lanes over blocks of 64 elements (error ≤ 16 ulp of the block, 1e-6 of it), then f64.
 */
export function expSumRow(x: usize, y: usize, n: i32, m: f32, invT: f64, masked: bool, fast: bool): f64 {
  if (fast) return masked ? fastMasked(x, y, n, m, invT) : fastPlain(x, y, n, m, invT);
  return masked ? accurateMasked(x, y, n, m, invT) : accuratePlain(x, y, n, m, invT);
}

/** As expSumRow with every vector added in f64: for ln Σ, whose absolute error is Σ's relative error. */
export function expSumRowWide(x: usize, y: usize, n: i32, m: f32, invT: f64, masked: bool, fast: bool): f64 {
  if (fast) return masked ? fastMaskedWide(x, y, n, m, invT) : fastPlainWide(x, y, n, m, invT);
  return masked ? accurateMaskedWide(x, y, n, m, invT) : accuratePlainWide(x, y, n, m, invT);
}

// One function per variant: V8 allocates registers per function, and a function holding several of these
// loops came out with more spills in each (valgrind: about 20.5 → 18.7 instructions per element, accurate path).
function accuratePlain(x: usize, y: usize, n: i32, m: f32, invT: f64): f64 { return expSumRowImpl<Off, Off, Off>(x, y, n, m, invT); }
function accurateMasked(x: usize, y: usize, n: i32, m: f32, invT: f64): f64 { return expSumRowImpl<On, Off, Off>(x, y, n, m, invT); }
function fastPlain(x: usize, y: usize, n: i32, m: f32, invT: f64): f64 { return expSumRowImpl<Off, Off, On>(x, y, n, m, invT); }
function fastMasked(x: usize, y: usize, n: i32, m: f32, invT: f64): f64 { return expSumRowImpl<On, Off, On>(x, y, n, m, invT); }
function accuratePlainWide(x: usize, y: usize, n: i32, m: f32, invT: f64): f64 { return expSumRowImpl<Off, On, Off>(x, y, n, m, invT); }
function accurateMaskedWide(x: usize, y: usize, n: i32, m: f32, invT: f64): f64 { return expSumRowImpl<On, On, Off>(x, y, n, m, invT); }
function fastPlainWide(x: usize, y: usize, n: i32, m: f32, invT: f64): f64 { return expSumRowImpl<Off, On, On>(x, y, n, m, invT); }
function fastMaskedWide(x: usize, y: usize, n: i32, m: f32, invT: f64): f64 { return expSumRowImpl<On, On, On>(x, y, n, m, invT); }

// @ts-ignore: decorator
@inline function rowExp<Masked, Fast>(x: usize): v128 {
  if (isInteger<Fast>()) return expLanesFast<Masked>(v128.load(x));
  return expLanes<Masked>(v128.load(x), v128.load(ROW), v128.load(ROW, 16));
}

// @ts-ignore: decorator
@inline function addWide4(acc: v128, a: v128, b: v128, c: v128, d: v128): v128 {
  return f64x2.add(acc, f64x2.add(addWide(addWide(f64x2.splat(0), a), b), addWide(addWide(f64x2.splat(0), c), d)));
}

// Four vectors per step: the loop bookkeeping V8 emits costs as much as a quarter of the exp.
// @ts-ignore: decorator
@inline function expSumRowImpl<Masked, Wide, Fast>(x: usize, y: usize, n: i32, m: f32, invT: f64): f64 {
  if (isInteger<Fast>()) setRowFast(m, invT);
  else {
    v128.store(ROW, f64x2.splat(<f64>m));
    v128.store(ROW, f64x2.splat(invT * LOG2E), 16);
  }
  let acc = f64x2.splat(0);
  let i = 0;
  const body = n & ~3;
  while (i < body) {
    const end = min(body, i + 64);
    let block = f32x4.splat(0);
    // Masked rows (−Inf or a huge range) take one vector per step: rarer, and it keeps the wasm small.
    if (!isInteger<Masked>()) for (; i + 16 <= end; i += 16) {
      const p = x + (<usize>i << 2);
      const e0 = rowExp<Masked, Fast>(p), e1 = rowExp<Masked, Fast>(p + 16), e2 = rowExp<Masked, Fast>(p + 32), e3 = rowExp<Masked, Fast>(p + 48);
      if (y != 0) {
        const q = y + (<usize>i << 2);
        v128.store(q, e0);
        v128.store(q, e1, 16);
        v128.store(q, e2, 32);
        v128.store(q, e3, 48);
      }
      if (isInteger<Wide>()) acc = addWide4(acc, e0, e1, e2, e3);
      else block = f32x4.add(block, f32x4.add(f32x4.add(e0, e1), f32x4.add(e2, e3)));
    }
    for (; i < end; i += 4) {
      const e = rowExp<Masked, Fast>(x + (<usize>i << 2));
      if (y != 0) v128.store(y + (<usize>i << 2), e);
      if (isInteger<Wide>()) acc = addWide(acc, e);
      else block = f32x4.add(block, e);
    }
    if (!isInteger<Wide>()) acc = addWide(acc, block);
  }
  if (i < n) {
    // The tail is padded with −Inf, so it always takes the masked form.
    const t = loadTail(x + (<usize>i << 2), n - i, -Infinity);
    const e = isInteger<Fast>() ? expLanesFast<On>(t) : expLanes<On>(t, v128.load(ROW), v128.load(ROW, 16));
    if (y != 0) storeTail(y + (<usize>i << 2), n - i, e);
    acc = addWide(acc, e);
  }
  return sumWide(acc);
}

/** Whether a row can skip masking: no −Inf and (min − m)/T·log2(e) ≥ −125. */
// @ts-ignore: decorator
@inline export function needsMask(lo: f32, m: f32, invT: f64): bool {
  return !((<f64>lo - <f64>m) * invT * LOG2E >= -125.0);
}

/** Adds the four f32 lanes of v to an f64x2 accumulator. */
// @ts-ignore: decorator
@inline export function addWide(acc: v128, v: v128): v128 {
  const hi = v128.shuffle<f32>(v, v, 2, 3, 0, 1);
  return f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(hi)));
}

// @ts-ignore: decorator
@inline export function sumWide(acc: v128): f64 {
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

// @ts-ignore: decorator
@inline export function maxLane(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Loads the last n < 4 floats of a row into a vector padded with `pad`; never reads past the row. */
// @ts-ignore: decorator
@inline export function loadTail(p: usize, n: i32, pad: f32): v128 {
  let v = f32x4.splat(pad);
  if (n > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// @ts-ignore: decorator
@inline export function storeTail(p: usize, n: i32, v: v128): void {
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/**
 * Row maximum, or NaN when the row holds a NaN. pmax is one instruction where max's NaN rules cost
 * V8 about 8× more; NaN is tracked on the side by x ≠ x. The row minimum lands in `rowMin`.
 */
export let rowMin: f32 = 0;

export function rowMax(p: usize, n: i32): f32 {
  // Two vectors per step on independent chains: one chain is bound by pmax latency. A NaN anywhere makes its
  // lane's running sum NaN (one add instead of a compare and an or); so can +Inf meeting −Inf or an
  // overflowing sum, so a NaN sum only triggers an exact look.
  let v = f32x4.splat(-Infinity), v2 = v;
  let lo = f32x4.splat(Infinity), lo2 = lo;
  let s = f32x4.splat(0), s2 = s;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const a = v128.load(p + (<usize>i << 2));
    const b = v128.load(p + (<usize>i << 2), 16);
    v = f32x4.pmax(v, a);
    v2 = f32x4.pmax(v2, b);
    lo = f32x4.pmin(lo, a);
    lo2 = f32x4.pmin(lo2, b);
    s = f32x4.add(s, a);
    s2 = f32x4.add(s2, b);
  }
  if (i + 4 <= n) {
    const a = v128.load(p + (<usize>i << 2));
    v = f32x4.pmax(v, a);
    lo = f32x4.pmin(lo, a);
    s = f32x4.add(s, a);
    i += 4;
  }
  v = f32x4.pmax(v, v2);
  lo = f32x4.pmin(lo, lo2);
  s = f32x4.add(s, s2);
  let m = maxLane(v);
  let mn = min(min(f32x4.extract_lane(lo, 0), f32x4.extract_lane(lo, 1)), min(f32x4.extract_lane(lo, 2), f32x4.extract_lane(lo, 3)));
  let bad = v128.any_true(f32x4.ne(s, s)) && hasNaN(p, i);
  for (; i < n; i++) {
    const x = load<f32>(p + (<usize>i << 2));
    bad |= x != x;
    m = max(m, x);
    mn = min(mn, x);
  }
  rowMin = mn;
  return bad ? NaN : m;
}

/** The smallest finite float of the n at p (−Inf masks skipped; +Inf when there is none). */
export function finiteMin(p: usize, n: i32): f32 {
  const negInf = f32x4.splat(-Infinity), posInf = f32x4.splat(Infinity);
  let lo = posInf;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = v128.load(p + (<usize>i << 2));
    lo = f32x4.pmin(lo, v128.bitselect(posInf, a, f32x4.eq(a, negInf)));
  }
  let mn = min(min(f32x4.extract_lane(lo, 0), f32x4.extract_lane(lo, 1)), min(f32x4.extract_lane(lo, 2), f32x4.extract_lane(lo, 3)));
  for (; i < n; i++) {
    const a = load<f32>(p + (<usize>i << 2));
    if (a != -Infinity) mn = min(mn, a);
  }
  return mn;
}

/** Whether any of the first n floats at p is NaN (rowMax's exact look). */
function hasNaN(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) {
    const x = load<f32>(p + (<usize>i << 2));
    if (x != x) return true;
  }
  return false;
}

/**
 * y[i] = e^x[i] elementwise (x ≤ 88.3), in either precision, to measure the exp's error (test/exp.test.ts):
 * the masked row loop with m = 0 and T = 1, so the test measures the very code softmax runs (its sum is unused).
 */
export function expElementwise(xPtr: usize, yPtr: usize, n: i32, fast: bool): void {
  // The variants directly: a second caller of expSumRow would stop it being inlined into softmax.
  if (fast) fastMasked(xPtr, yPtr, n, 0, 1.0);
  else accurateMasked(xPtr, yPtr, n, 0, 1.0);
}
