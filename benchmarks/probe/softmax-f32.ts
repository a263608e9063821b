// A throwaway floor, not product code: the fastest softmax this machine's wasm SIMD allows when accuracy is
// given up. Same loop engineering as @tstar/core (four vectors per step, f32 block sums flushed to f64), but
// the exp argument (x − m)·log2(e)/T is reduced in f32 in one multiply (no Cody–Waite split, no correction of
// T's own rounding) and 2^f is a degree-5 fit: fewer instructions, about 3× the f32 reduction error of
// tstar's 'fast'. Compiled at run time by src/softmax-floor.ts, once per SIMD flavour (with relaxed SIMD the
// multiply-adds fuse).

const MAGIC: f32 = 12582912; // 1.5·2^23: adding it rounds an f32 to an integer in the low mantissa bits
const C = memory.data<f32>([
  0.0013266971, 0.0013266971, 0.0013266971, 0.0013266971,
  0.00967546, 0.00967546, 0.00967546, 0.00967546,
  0.055507425, 0.055507425, 0.055507425, 0.055507425,
  0.24022122, 0.24022122, 0.24022122, 0.24022122,
  0.69314694, 0.69314694, 0.69314694, 0.69314694,
  1.0000001, 1.0000001, 1.0000001, 1.0000001,
  MAGIC, MAGIC, MAGIC, MAGIC,
]);
// Per row: m and log2(e)/T splatted.
const ROW = memory.data(32, 16);

// @ts-ignore: decorator
@inline function c(i: i32): v128 {
  return v128.load(C + (<usize>i << 4));
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, d: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, d);
  return f32x4.add(f32x4.mul(a, b), d);
}

// @ts-ignore: decorator
@inline function exp4(p: usize): v128 {
  const t = f32x4.mul(f32x4.sub(v128.load(p), v128.load(ROW)), v128.load(ROW, 16));
  const b = f32x4.add(t, c(6));
  const f = f32x4.sub(t, f32x4.sub(b, c(6)));
  let q = madd(c(0), f, c(1));
  q = madd(q, f, c(2));
  q = madd(q, f, c(3));
  q = madd(q, f, c(4));
  q = madd(q, f, c(5));
  return i32x4.add(q, i32x4.shl(b, 23));
}

/** Row-wise softmax of x/T into y; cols a multiple of 8, no masks, no checks. */
export function softmax(x: usize, y: usize, rows: i32, cols: i32, invT: f32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    let v = f32x4.splat(-Infinity), v2 = v;
    for (let i = 0; i < cols; i += 8) {
      v = f32x4.pmax(v, v128.load(xr + (<usize>i << 2)));
      v2 = f32x4.pmax(v2, v128.load(xr + (<usize>i << 2), 16));
    }
    v = f32x4.pmax(v, v2);
    const m = max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
    v128.store(ROW, f32x4.splat(m));
    v128.store(ROW, f32x4.splat(invT * <f32>1.4426950408889634), 16);
    let sum: f64 = 0;
    for (let i = 0; i < cols; i += 64) {
      const end = min(cols, i + 64);
      let block = f32x4.splat(0);
      let j = i;
      for (; j + 16 <= end; j += 16) {
        const p = xr + (<usize>j << 2), q = yr + (<usize>j << 2);
        const e0 = exp4(p), e1 = exp4(p + 16), e2 = exp4(p + 32), e3 = exp4(p + 48);
        v128.store(q, e0);
        v128.store(q, e1, 16);
        v128.store(q, e2, 32);
        v128.store(q, e3, 48);
        block = f32x4.add(block, f32x4.add(f32x4.add(e0, e1), f32x4.add(e2, e3)));
      }
      for (; j < end; j += 4) {
        const e = exp4(xr + (<usize>j << 2));
        v128.store(yr + (<usize>j << 2), e);
        block = f32x4.add(block, e);
      }
      sum += <f64>f32x4.extract_lane(block, 0) + <f64>f32x4.extract_lane(block, 1) + <f64>f32x4.extract_lane(block, 2) + <f64>f32x4.extract_lane(block, 3);
    }
    const s = f32x4.splat(<f32>(1 / sum));
    for (let i = 0; i < cols; i += 4) {
      const q = yr + (<usize>i << 2);
      v128.store(q, f32x4.mul(v128.load(q), s));
    }
  }
}

export function heapBase(): usize {
  return __heap_base;
}
