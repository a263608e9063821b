// Vectorised e^x for softmax-like rows. x is reduced in f64 — t = (x − m)·k with k = log2(e)/T,
// t = n + f, n = round(t), |f| ≤ ½ — so the argument carries no f32 rounding of (x − m)/T, which
// would otherwise cost up to 1e-5 relative at probabilities near 1e-30. 2^f is a degree-6
// minimax polynomial (relative error 2e-9 before rounding), 2^n goes straight into the exponent
// bits. Measured over 2^22 arguments in [−86.5, 88] (test/exp.test.ts): at most 1 ulp.
// Lanes with t < −125.5 (e^x < 2^−125.5 ≈ 2e-38, and −Inf masks) return exactly 0.

const C1: f32 = reinterpret<f32>(0x3F317218); // 0.6931471824645996
const C2: f32 = reinterpret<f32>(0x3E75FDEE); // 0.24022647738456726
const C3: f32 = reinterpret<f32>(0x3D635774); // 0.055503323674201965
const C4: f32 = reinterpret<f32>(0x3C1D96A6); // 0.00961843691766262
const C5: f32 = reinterpret<f32>(0x3AAF9F2A); // 0.0013398875016719103
const C6: f32 = reinterpret<f32>(0x3920FDDE); // 0.00015353361959569156
// 1.5·2^52: adding it rounds an f64 to an integer held in the low mantissa bits.
const MAGIC: f64 = 6755399441055744.0;
export const LOG2E: f64 = 1.4426950408889634;

// @ts-ignore: decorator
@inline function exp2Fraction(f: v128): v128 {
  let p = f32x4.add(f32x4.mul(f32x4.splat(C6), f), f32x4.splat(C5));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(C4));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(C3));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(C2));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(C1));
  return f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0));
}

// @ts-ignore: decorator
@inline function exp2Halves(tLo: v128, tHi: v128): v128 {
  const floor = f64x2.splat(-126.0);
  const magic = f64x2.splat(MAGIC);
  tLo = f64x2.pmax(tLo, floor);
  tHi = f64x2.pmax(tHi, floor);
  const bLo = f64x2.add(tLo, magic);
  const bHi = f64x2.add(tHi, magic);
  const fLo = f64x2.sub(tLo, f64x2.sub(bLo, magic));
  const fHi = f64x2.sub(tHi, f64x2.sub(bHi, magic));
  const f = v128.shuffle<f32>(f32x4.demote_f64x2_zero(fLo), f32x4.demote_f64x2_zero(fHi), 0, 1, 4, 5);
  const n = v128.shuffle<i32>(bLo, bHi, 0, 2, 4, 6);
  const y = i32x4.add(exp2Fraction(f), i32x4.shl(n, 23));
  return v128.andnot(y, i32x4.lt_s(n, i32x4.splat(-125)));
}

/** e^((x − m)·invT) on four f32 lanes with x ≤ m, reduced in f64 (see top). */
// @ts-ignore: decorator
@inline export function expShifted(x: v128, m: v128, k: v128): v128 {
  const xHi = v128.shuffle<f32>(x, x, 2, 3, 0, 1);
  const tLo = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(x), m), k);
  const tHi = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(xHi), m), k);
  return exp2Halves(tLo, tHi);
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
 * V8 about 8× more; NaN is tracked on the side by x ≠ x.
 */
export function rowMax(p: usize, n: i32): f32 {
  let v = f32x4.splat(-Infinity);
  let nan = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(p + (<usize>i << 2));
    v = f32x4.pmax(v, x);
    nan = v128.or(nan, f32x4.ne(x, x));
  }
  let m = maxLane(v);
  let bad = v128.any_true(nan);
  for (; i < n; i++) {
    const x = load<f32>(p + (<usize>i << 2));
    bad |= x != x;
    m = max(m, x);
  }
  return bad ? NaN : m;
}

/** y[i] = e^x[i] elementwise, to measure the exp's error (test/exp.test.ts); domain x ≤ 88.3. */
export function expElementwise(xPtr: usize, yPtr: usize, n: i32): void {
  const k = f64x2.splat(LOG2E);
  const zero = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(yPtr + off, expShifted(v128.load(xPtr + off), zero, k));
  }
  if (i < n) storeTail(yPtr + (<usize>i << 2), n - i, expShifted(loadTail(xPtr + (<usize>i << 2), n - i, 0), zero, k));
}
