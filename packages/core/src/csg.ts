import { TStarError } from './errors.js';
import { wasm } from './load.js';
import { arenaReset, alloc, f32, f64 } from './memory.js';
import { checkMatrix, typeName, type Shape2D } from './validate.js';

/** How features are embedded before the kNN step: see {@link CsgOptions.embedding}. */
export type CsgEmbedding = 'auto' | 'pca' | 'none';

export interface CsgOptions {
  /** Neighbours per sampled point (step 2). Integer ≥ 1; every class needs ≥ k + 1 points. Default 3. */
  k?: number;
  /** Points sampled per class per run, M_sample (step 1); classes smaller than this use all their points. Default 100. */
  samplesPerClass?: number;
  /** Seed of the sampler, an integer in [0, 2³²). Same seed, same data, same options → same result. Default 1. */
  seed?: number;
  /** Independent samplings averaged into `csg` (the CSG authors average 30). Default 1. */
  runs?: number;
  /**
   * `'none'`: the kNN and Parzen volume run on the features as given (the reference behaviour).
   * `'pca'`: each column is standardised (mean 0, variance 1; constant columns become 0) and projected on its
   * top `embeddingDim` principal components (deterministic subspace iteration).
   * `'auto'` (default): `'pca'` when the feature dimension exceeds `embeddingDim`, else `'none'`. The Parzen
   * volume is a product over dimensions, so on wide features one point's weight swamps its class; the CSG
   * authors embedded to 3 dimensions for the same reason, and a fixed embedding keeps CSG comparable across
   * feature widths.
   */
  embedding?: CsgEmbedding;
  /** Output dimension of the `'pca'` embedding (clipped to the feature dimension). Integer ≥ 1. Default 3. */
  embeddingDim?: number;
  /** Number of classes K; default max(label) + 1. Labels must lie in [0, K). */
  numClasses?: number;
}

export interface CsgResult {
  /** Mean of `runs`. 0 for perfectly separated classes, K − 1 for totally confused ones. */
  csg: number;
  /** CSG of each run, in order; run r's samples do not depend on how many runs follow it. */
  runs: number[];
  /** Laplacian eigenvalues in ascending order (mean over runs; exact for one run). */
  eigenvalues: Float64Array;
  /** K × K row-major W = 1 − Bray-Curtis(S_i, S_j) (mean over runs): symmetric, 1 on the diagonal. */
  similarity: Float64Array;
  numClasses: number;
  k: number;
  samplesPerClass: number;
  seed: number;
  runCount: number;
  /** The embedding actually used (`'auto'` resolved). */
  embedding: 'pca' | 'none';
  /** Dimensions the kNN step ran in. */
  embeddingDim: number;
  metric: 'euclidean';
}

export interface CsgSpectrum {
  csg: number;
  /** Eigenvalues of L = D − W, ascending. */
  eigenvalues: Float64Array;
}

type NeighboursKernel = (
  xt: number, n: number, d: number, stride: number, queries: number, nq: number, k: number,
  dist: number, best: number, nbr: number, logV: number, logFloor: number,
) => number;
type ProjectKernel = (x: number, n: number, d: number, q: number, b: number, y: number) => void;
type JacobiKernel = (a: number, n: number, v: number, maxSweeps: number) => number;

const OP = 'cumulativeSpectralGradient';
// Step 3 floor: the reference clamps V at 1e-4, i.e. log V at ln 1e-4.
const LOG_VOLUME_FLOOR = Math.log(1e-4);
const MAX_SWEEPS = 100;
// Subspace iteration: block = dim + OVERSAMPLE directions, POWER_STEPS multiplications by the covariance.
const OVERSAMPLE = 5;
const POWER_STEPS = 12;
const PCA_START_SEED = 0x9e3779b9;

/** mulberry32: a 32-bit state PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isInt(v: unknown, lo: number, hi = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

function intOption(op: string, name: string, value: unknown, fallback: number, lo: number, hi?: number): number {
  if (value === undefined) return fallback;
  if (!isInt(value, lo, hi)) {
    const range = hi === undefined ? `≥ ${lo}` : `in [${lo}, ${hi}]`;
    throw new TStarError('E_ARGUMENT', `${op}: ${name} must be an integer ${range}, got ${String(value)}`);
  }
  return value;
}

interface Options {
  k: number;
  samplesPerClass: number;
  seed: number;
  runs: number;
  embedding: CsgEmbedding;
  embeddingDim: number;
  numClasses?: number;
}

function checkOptions(op: string, options: CsgOptions): Options {
  if (options === null || typeof options !== 'object') throw new TStarError('E_ARGUMENT', `${op}: options must be an object`);
  const embedding = options.embedding ?? 'auto';
  if (embedding !== 'auto' && embedding !== 'pca' && embedding !== 'none') {
    throw new TStarError('E_ARGUMENT', `${op}: embedding must be 'auto', 'pca' or 'none', got ${String(embedding)}`);
  }
  return {
    k: intOption(op, 'k', options.k, 3, 1),
    samplesPerClass: intOption(op, 'samplesPerClass', options.samplesPerClass, 100, 1),
    seed: intOption(op, 'seed', options.seed, 1, 0, 0xffffffff),
    runs: intOption(op, 'runs', options.runs, 1, 1, 100_000),
    embedding,
    embeddingDim: intOption(op, 'embeddingDim', options.embeddingDim, 3, 1),
    numClasses: options.numClasses === undefined ? undefined : intOption(op, 'numClasses', options.numClasses, 2, 2),
  };
}

/** Validates labels (Int32Array or an array of integers) and returns them with K. */
function checkClassLabels(op: string, labels: unknown, n: number, numClasses: number | undefined): { y: Int32Array; K: number } {
  if (!(labels instanceof Int32Array) && !Array.isArray(labels)) {
    throw new TStarError('E_DTYPE', `${op}: labels must be an Int32Array or an array of integers, got ${typeName(labels)}`);
  }
  if (labels.length !== n) throw new TStarError('E_SHAPE', `${op}: labels has ${labels.length} entries but features has ${n} rows`);
  const y = new Int32Array(n);
  let top = -1;
  for (let i = 0; i < n; i++) {
    const v: unknown = labels[i];
    if (!isInt(v, 0, 0x7fffffff) || (numClasses !== undefined && v >= numClasses)) {
      const range = numClasses === undefined ? 'an integer ≥ 0' : `an integer in [0, ${numClasses})`;
      throw new TStarError('E_LABEL', `${op}: labels[${i}] is ${String(v)}, expected ${range}`);
    }
    y[i] = v;
    if (v > top) top = v;
  }
  const K = numClasses ?? top + 1;
  if (K < 2) throw new TStarError('E_LABEL', `${op}: labels name ${K} class${K === 1 ? '' : 'es'}; CSG needs at least 2`);
  return { y, K };
}

/** Point indices of each class, ascending; throws naming the first class with fewer than k + 1 points. */
function classMembers(op: string, y: Int32Array, K: number, k: number): Int32Array[] {
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
 * Step 1 for `runs` runs: per class, a uniform subset of min(samplesPerClass, class size) indices by a
 * partial Fisher–Yates shuffle, classes in order. Run r consumes the seed's stream after runs 0..r−1, so
 * its samples do not depend on the total run count. Exported for tests (the float64 reference takes them).
 */
export function csgSamples(members: Int32Array[], samplesPerClass: number, seed: number, runs: number): Int32Array[][] {
  const random = prng(seed);
  const pool = members.map((m) => m.slice());
  const out: Int32Array[][] = [];
  for (let r = 0; r < runs; r++) {
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
  return classMembers(OP, labels, numClasses, k);
}

/** Eigen-decomposition of the symmetric f64 matrix a [n, n] through the wasm Jacobi kernel; arena pointers given. */
function jacobi(a: Float64Array, n: number, aPtr: number, vPtr: number): { values: Float64Array; vectors?: Float64Array } {
  f64(aPtr, n * n).set(a);
  const sweeps = (wasm().csgJacobi as JacobiKernel)(aPtr, n, vPtr, MAX_SWEEPS);
  if (sweeps < 0) throw new TStarError('E_INTERNAL', `${OP}: Jacobi eigen-solver did not converge in ${MAX_SWEEPS} sweeps (n = ${n})`);
  const m = f64(aPtr, n * n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, vectors: vPtr ? f64(vPtr, n * n).slice() : undefined };
}

/** Steps 6–7: eigenvalues of L = D − W (degrees from off-diagonal entries), then the cumulative gap ratio. */
function spectrum(W: Float64Array, K: number, aPtr: number): CsgSpectrum {
  const L = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    let degree = 0;
    for (let j = 0; j < K; j++) {
      if (j === i) continue;
      L[i * K + j] = -W[i * K + j];
      degree += W[i * K + j];
    }
    L[i * K + i] = degree;
  }
  const eigenvalues = jacobi(L, K, aPtr, 0).values.sort();
  return { csg: csgFromEigenvalues(eigenvalues), eigenvalues };
}

/** Step 7: r_i = (λ_{i+1} − λ_i) / (K − i); CSG = Σ_i max(r_0..r_i). */
function csgFromEigenvalues(ev: Float64Array): number {
  const K = ev.length;
  let runningMax = -Infinity;
  let total = 0;
  for (let i = 0; i < K - 1; i++) {
    runningMax = Math.max(runningMax, (ev[i + 1] - ev[i]) / (K - i));
    total += runningMax;
  }
  return total;
}

/** Orthonormalises the b rows of z [b, d] in place (modified Gram–Schmidt, f64); a dependent row is redrawn, then zeroed. */
function orthonormalRows(z: Float64Array, b: number, d: number, random: () => number): void {
  for (let j = 0; j < b; j++) {
    const row = z.subarray(j * d, (j + 1) * d);
    for (let attempt = 0; attempt < 2; attempt++) {
      let before = 0;
      for (let t = 0; t < d; t++) before += row[t] * row[t];
      for (let i = 0; i < j; i++) {
        const qi = z.subarray(i * d, (i + 1) * d);
        let dot = 0;
        for (let t = 0; t < d; t++) dot += row[t] * qi[t];
        for (let t = 0; t < d; t++) row[t] -= dot * qi[t];
      }
      let norm = 0;
      for (let t = 0; t < d; t++) norm += row[t] * row[t];
      if (norm > 1e-20 * before && norm > 0) {
        const s = 1 / Math.sqrt(norm);
        for (let t = 0; t < d; t++) row[t] *= s;
        break;
      }
      if (attempt === 0) for (let t = 0; t < d; t++) row[t] = random() * 2 - 1;
      else row.fill(0);
    }
  }
}

/**
 * The `'pca'` embedding: standardise columns (population variance; constant columns → 0), then the top
 * `dim` principal components by subspace iteration on the covariance (X·Q and Xᵀ·Y in wasm) and a
 * Rayleigh–Ritz step. Deterministic: the start block comes from a fixed seed. Returns row-major [n, dim].
 * Uses the arena (the caller resets it). Exported for tests.
 */
export function csgEmbed(op: string, x: Float32Array, n: number, d: number, dim: number): Float32Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j];
      if (!Number.isFinite(v)) throw new TStarError('E_NONFINITE', `${op}: features[${i}, ${j}] is ${v}, expected a finite number`);
      mean[j] += v;
    }
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j] += (x[i * d + j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) scale[j] = scale[j] > 0 ? 1 / Math.sqrt(scale[j] / n) : 0;

  const b = Math.min(d, dim + OVERSAMPLE);
  const xsPtr = alloc(n * d * 4);
  const qPtr = alloc(b * d * 4);
  const yPtr = alloc(n * b * 4);
  const aPtr = alloc(b * b * 8);
  const vPtr = alloc(b * b * 8);
  const xs = f32(xsPtr, n * d);
  for (let i = 0; i < n * d; i++) xs[i] = (x[i] - mean[i % d]) * scale[i % d];

  const project = wasm().csgProject as ProjectKernel;
  const projectBack = wasm().csgProjectBack as ProjectKernel;
  const random = prng(PCA_START_SEED);
  const z = new Float64Array(b * d);
  for (let i = 0; i < z.length; i++) z[i] = random() * 2 - 1;
  orthonormalRows(z, b, d, random);
  for (let step = 0; step < POWER_STEPS; step++) {
    f32(qPtr, b * d).set(z);
    project(xsPtr, n, d, qPtr, b, yPtr);
    projectBack(xsPtr, n, d, yPtr, b, qPtr);
    z.set(f32(qPtr, b * d));
    orthonormalRows(z, b, d, random);
  }
  f32(qPtr, b * d).set(z);
  project(xsPtr, n, d, qPtr, b, yPtr);
  const y = f32(yPtr, n * b).slice();
  // Rayleigh–Ritz: B = Yᵀ·Y / n is the covariance restricted to span(Q); its top eigenvectors rotate Y.
  const B = new Float64Array(b * b);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < b; p++) for (let q = p; q < b; q++) B[p * b + q] += y[i * b + p] * y[i * b + q];
  }
  for (let p = 0; p < b; p++) for (let q = p; q < b; q++) B[q * b + p] = B[p * b + q] /= n;
  const { values, vectors } = jacobi(B, b, aPtr, vPtr);
  const order = Array.from(values.keys()).sort((s, t) => values[t] - values[s] || s - t);
  const out = Math.min(dim, b);
  const e = new Float32Array(n * out);
  for (let c = 0; c < out; c++) {
    const col = order[c];
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let p = 0; p < b; p++) s += y[i * b + p] * vectors![p * b + col];
      e[i * out + c] = s;
    }
  }
  return e;
}

/**
 * Cumulative spectral gradient (Branchaud-Charron et al., CVPR 2019) of a labelled feature set: how
 * entangled the classes are, from 0 (separable) to K − 1 (indistinguishable). Steps, per run: sample
 * min(samplesPerClass, class size) points per class; for each, the k nearest of all n points
 * (euclidean, itself excluded, ties to the lower index) give p(c | x) = (neighbours in c) / k; the
 * Parzen volume V(x) = Π_j 2·max_t |nbr_t − x|_j, floored at 1e-4, weights it as p / V (computed in
 * log space, so wide features cannot overflow); S_i = Σ_{x∈i} p(·|x)/V(x), normalised to sum 1;
 * W = 1 − Bray-Curtis(S_i, S_j); L = D − W; CSG = Σ_i max_{l ≤ i} (λ_{l+1} − λ_l) / (K − l).
 * The kNN runs in wasm SIMD; the eigenvalues come from a cyclic Jacobi solver in wasm (f64).
 * @throws {TStarError} E_INIT; E_DTYPE (features not Float32Array, labels not Int32Array or number[]);
 * E_SHAPE (length mismatch); E_NONFINITE (NaN or ±Inf feature); E_LABEL (label negative, non-integer,
 * ≥ numClasses, or fewer than 2 classes); E_ARGUMENT (bad option, or a class with fewer than k + 1 points,
 * named in the message).
 * @example
 * const { csg } = cumulativeSpectralGradient(features, [n, 64], labels, { seed: 7, runs: 5 });
 */
export function cumulativeSpectralGradient(features: Float32Array, shape: Shape2D, labels: Int32Array | readonly number[], options: CsgOptions = {}): CsgResult {
  const [n, d] = checkMatrix(OP, 'features', features, shape);
  const o = checkOptions(OP, options);
  const { y, K } = checkClassLabels(OP, labels, n, o.numClasses);
  const members = classMembers(OP, y, K, o.k);
  const embedding = o.embedding === 'auto' ? (d > o.embeddingDim ? 'pca' : 'none') : o.embedding;

  arenaReset();
  let points = features;
  let dim = d;
  if (embedding === 'pca') {
    dim = Math.min(o.embeddingDim, d);
    points = csgEmbed(OP, features, n, d, dim);
  }
  const stride = (n + 3) & ~3;
  const samples = csgSamples(members, o.samplesPerClass, o.seed, o.runs);
  const nq = samples[0].reduce((s, c) => s + c.length, 0);
  const xtPtr = alloc(dim * stride * 4);
  const queryPtr = alloc(nq * 4);
  const distPtr = alloc(stride * 4);
  const bestPtr = alloc(o.k * 4);
  const nbrPtr = alloc(nq * o.k * 4);
  const logVPtr = alloc(nq * 8);
  const eigenPtr = alloc(K * K * 8);

  const xt = f32(xtPtr, dim * stride);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const v = points[i * dim + j];
      if (embedding === 'none' && !Number.isFinite(v)) throw new TStarError('E_NONFINITE', `${OP}: features[${i}, ${j}] is ${v}, expected a finite number`);
      xt[j * stride + i] = v;
    }
  }

  const neighbours = wasm().csgNeighbours as NeighboursKernel;
  const perRun: number[] = [];
  const meanW = new Float64Array(K * K);
  const meanEigen = new Float64Array(K);
  const k = o.k;
  for (const run of samples) {
    const qi = new Int32Array(wasm().memory.buffer, queryPtr, nq);
    let at = 0;
    for (const c of run) {
      qi.set(c, at);
      at += c.length;
    }
    neighbours(xtPtr, n, dim, stride, queryPtr, nq, k, distPtr, bestPtr, nbrPtr, logVPtr, LOG_VOLUME_FLOOR);
    const nbr = new Int32Array(wasm().memory.buffer, nbrPtr, nq * k);
    const logV = f64(logVPtr, nq);
    // Steps 2–4: S_i ∝ Σ p(·|x)/V(x). Weights are shifted by the class's largest 1/V before exp, which the
    // row normalisation cancels; the row sum is then ≥ 1, so S never becomes 0/0.
    const S = new Float64Array(K * K);
    let q0 = 0;
    for (let c = 0; c < K; c++) {
      const m = run[c].length;
      let shift = -Infinity;
      for (let q = q0; q < q0 + m; q++) shift = Math.max(shift, -logV[q]);
      for (let q = q0; q < q0 + m; q++) {
        const w = Math.exp(-logV[q] - shift) / k;
        for (let t = 0; t < k; t++) S[c * K + y[nbr[q * k + t]]] += w;
      }
      let sum = 0;
      for (let j = 0; j < K; j++) sum += S[c * K + j];
      for (let j = 0; j < K; j++) S[c * K + j] /= sum;
      q0 += m;
    }
    // Step 5: W_ij = 1 − Σ|S_i − S_j| / Σ|S_i + S_j|.
    const W = new Float64Array(K * K);
    for (let i = 0; i < K; i++) {
      W[i * K + i] = 1;
      for (let j = i + 1; j < K; j++) {
        let num = 0;
        let den = 0;
        for (let t = 0; t < K; t++) {
          num += Math.abs(S[i * K + t] - S[j * K + t]);
          den += Math.abs(S[i * K + t] + S[j * K + t]);
        }
        W[i * K + j] = W[j * K + i] = 1 - num / den;
      }
    }
    const { csg, eigenvalues } = spectrum(W, K, eigenPtr);
    perRun.push(csg);
    for (let i = 0; i < K * K; i++) meanW[i] += W[i] / samples.length;
    for (let i = 0; i < K; i++) meanEigen[i] += eigenvalues[i] / samples.length;
  }
  return {
    csg: perRun.reduce((s, v) => s + v, 0) / perRun.length,
    runs: perRun,
    eigenvalues: meanEigen,
    similarity: meanW,
    numClasses: K,
    k,
    samplesPerClass: o.samplesPerClass,
    seed: o.seed,
    runCount: o.runs,
    embedding,
    embeddingDim: dim,
    metric: 'euclidean',
  };
}

/**
 * The spectral half of CSG (steps 6–7) from a K × K similarity matrix W, for users who build W
 * themselves: eigenvalues of the unnormalised Laplacian L = D − W (degrees from off-diagonal entries;
 * the diagonal is ignored) and CSG = Σ_i max_{l ≤ i} (λ_{l+1} − λ_l) / (K − l). W must be finite and
 * symmetric (|W_ij − W_ji| ≤ 1e-12·max|W|); it is symmetrised by averaging.
 * @throws {TStarError} E_INIT, E_DTYPE, E_SHAPE, E_NONFINITE, E_ARGUMENT (K < 2 or W not symmetric)
 * @example csgFromSimilarity(new Float64Array([1, 0.2, 0.1, 0.2, 1, 0.3, 0.1, 0.3, 1]), 3).csg // 0.31547
 */
export function csgFromSimilarity(similarity: Float64Array | readonly number[], numClasses: number): CsgSpectrum {
  const op = 'csgFromSimilarity';
  if (!(similarity instanceof Float64Array) && !Array.isArray(similarity)) {
    throw new TStarError('E_DTYPE', `${op}: similarity must be a Float64Array or an array of numbers`);
  }
  const K = intOption(op, 'numClasses', numClasses, 2, 2, 4096);
  if (similarity.length !== K * K) throw new TStarError('E_SHAPE', `${op}: similarity has ${similarity.length} entries, expected ${K} × ${K} = ${K * K}`);
  let big = 0;
  for (let i = 0; i < K * K; i++) {
    const v: unknown = similarity[i];
    if (typeof v !== 'number') throw new TStarError('E_DTYPE', `${op}: similarity[${i}] is not a number`);
    if (!Number.isFinite(v)) throw new TStarError('E_NONFINITE', `${op}: similarity[${i}] is ${v}, expected a finite number`);
    big = Math.max(big, Math.abs(v));
  }
  const W = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      const a = similarity[i * K + j];
      const b = similarity[j * K + i];
      if (Math.abs(a - b) > 1e-12 * big) throw new TStarError('E_ARGUMENT', `${op}: similarity is not symmetric at [${i}, ${j}] (${a} vs ${b})`);
      W[i * K + j] = a === b ? a : (a + b) / 2;
    }
  }
  arenaReset();
  return spectrum(W, K, alloc(K * K * 8));
}
