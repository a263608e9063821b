/**
 * A seeded PRNG (mulberry32: 32-bit state, period 2³²), uniform in [0, 1). Not cryptographic; the same seed
 * gives the same stream in every host, so sampled results and generated test data replay exactly.
 * @example const random = seededRandom(7); random(); // 0.…
 */
export function seededRandom(seed = 1): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
