import { seededRandom as rng } from '@tstar/core';

/** The core's seeded PRNG (mulberry32), the stream its tests draw from too. */
export { rng };

/** `n` normal draws with the given mean and standard deviation (Box–Muller), as f32. */
export function normals(n: number, seed: number, mean = 0, std = 1): Float32Array {
  const u = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const a = 2 * Math.PI * u();
    out[i] = mean + std * r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(a);
  }
  return out;
}

/** `n` uniform draws in [lo, hi), as f32. */
export function uniforms(n: number, seed: number, lo: number, hi: number): Float32Array {
  const u = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * u();
  return out;
}

/** `n` class labels in [0, classes). */
export function labels(n: number, classes: number, seed: number): Int32Array {
  const u = rng(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(u() * classes);
  return out;
}
