import { TStarError } from './errors.js';
import { seededRandom } from './random.js';

// Step 1 of CSG (Branchaud-Charron et al. 2019): class membership and the seeded per-class sampler.

/** Point indices of each class, ascending; throws naming the first class with fewer than k + 1 points. */
export function classMembers(op: string, y: Int32Array, K: number, k: number): Int32Array[] {
  const need = k + 1;
  if (K * need > y.length) {
    // Some class must be short; K may be huge, so count sparsely. At most n / need classes reach need.
    const sparse = new Map<number, number>();
    for (const v of y) sparse.set(v, (sparse.get(v) ?? 0) + 1);
    let c = 0;
    while ((sparse.get(c) ?? 0) >= need) c++;
    throw new TStarError('E_ARGUMENT', `${op}: class ${c} has ${sparse.get(c) ?? 0} points; with k = ${k} every class needs at least ${need} (${K} classes, ${y.length} points)`);
  }
  const counts = new Int32Array(K);
  for (const v of y) counts[v]++;
  for (let c = 0; c < K; c++) {
    if (counts[c] < need) throw new TStarError('E_ARGUMENT', `${op}: class ${c} has ${counts[c]} points; with k = ${k} every class needs at least ${need}`);
  }
  const members = Array.from({ length: K }, (_, c) => new Int32Array(counts[c]));
  counts.fill(0);
  for (let i = 0; i < y.length; i++) members[y[i]][counts[y[i]]++] = i;
  return members;
}

/**
 * Step 1 for `runCount` runs: per class, a uniform subset of min(samplesPerClass, class size) indices by a
 * partial Fisher–Yates shuffle, classes in order. Run r consumes the seed's stream after runs 0..r−1, so
 * its samples do not depend on the total run count. Exported for tests (the float64 reference takes them).
 */
export function csgSamples(members: Int32Array[], samplesPerClass: number, seed: number, runCount: number): Int32Array[][] {
  const random = seededRandom(seed);
  const pool = members.map((m) => m.slice());
  const out: Int32Array[][] = [];
  for (let r = 0; r < runCount; r++) {
    out.push(pool.map((p) => {
      const take = Math.min(samplesPerClass, p.length);
      for (let i = 0; i < take; i++) {
        const j = i + Math.floor(random() * (p.length - i));
        const t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      return p.slice(0, take);
    }));
  }
  return out;
}

/** Point indices of each class, for tests that rebuild the sampling. */
export function csgClassMembers(labels: Int32Array, numClasses: number, k: number): Int32Array[] {
  return classMembers('cumulativeSpectralGradient', labels, numClasses, k);
}

