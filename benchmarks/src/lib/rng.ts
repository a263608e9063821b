// Seeded data for the benchmarks: the same mulberry32 stream the core's tests use, kept here because
// benchmarks never import from a package's test folder.

/** Deterministic PRNG (mulberry32): uniform draws in [0, 1). */
export function rng(seed = 1): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
