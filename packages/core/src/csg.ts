import { csgEmbed } from './csg-embedding.js';
import { classMembers, csgSamples } from './csg-sampling.js';
import { symmetricEigen } from './eigen.js';
import { TStarError } from './errors.js';
import { wasm } from './load.js';
import { arenaReset, alloc, f32, f64, i32 } from './memory.js';
import { checkInteger, checkMatrix, checkOptions, describe, typeName, type Shape2D } from './validate.js';

/** How features are embedded before the kNN step: see {@link CsgOptions.embedding}. */
export type CsgEmbedding = 'auto' | 'pca' | 'none';

export interface CsgOptions {
  /** Neighbours per sampled point (step 2). Integer ≥ 1; every class needs ≥ k + 1 points. Default 3. */
  k?: number;
  /** Points sampled per class per run, M_sample (step 1); classes smaller than this use all their points. Default 100. */
  samplesPerClass?: number;
  /** Seed of the sampler, an integer in [0, 2³²). Same seed, same data, same options → same result. Default 1. */
  seed?: number;
  /** Independent samplings averaged into `csg` (the CSG authors average 30). Integer in [1, 1e5]. Default 1. */
  runCount?: number;
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
  /** Mean of `runs` (one CSG per run). 0 for perfectly separated classes, K − 1 for totally confused ones. */
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

const OP = 'cumulativeSpectralGradient';
// Step 3 floor: the reference clamps V at 1e-4, i.e. log V at ln 1e-4.
const LOG_VOLUME_FLOOR = Math.log(1e-4);

interface Options {
  k: number;
  samplesPerClass: number;
  seed: number;
  runCount: number;
  embedding: CsgEmbedding;
  embeddingDim: number;
  numClasses?: number;
}

function checkCsgOptions(op: string, options: CsgOptions): Options {
  if (options === null || typeof options !== 'object') throw new TStarError('E_ARGUMENT', `${op}: options must be an object`);
  const embedding = options.embedding ?? 'auto';
  if (embedding !== 'auto' && embedding !== 'pca' && embedding !== 'none') {
    throw new TStarError('E_ARGUMENT', `${op}: embedding must be 'auto', 'pca' or 'none', got ${String(embedding)}`);
  }
  return {
    k: checkInteger(op, 'k', options.k, 3, 1),
    samplesPerClass: checkInteger(op, 'samplesPerClass', options.samplesPerClass, 100, 1),
    seed: checkInteger(op, 'seed', options.seed, 1, 0, 0xffffffff),
    runCount: checkInteger(op, 'runCount', options.runCount, 1, 1, 100_000),
    embedding,
    embeddingDim: checkInteger(op, 'embeddingDim', options.embeddingDim, 3, 1),
    numClasses: options.numClasses === undefined ? undefined : checkInteger(op, 'numClasses', options.numClasses, 2, 2),
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
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff || (numClasses !== undefined && v >= numClasses)) {
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
  const eigenvalues = symmetricEigen('csg', L, K, aPtr, 0).values.sort();
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
 * const { csg } = cumulativeSpectralGradient(features, [n, 64], labels, { seed: 7, runCount: 5 });
 */
export function cumulativeSpectralGradient(features: Float32Array, shape: Shape2D, labels: Int32Array | readonly number[], options: CsgOptions = {}): CsgResult {
  const [n, d] = checkMatrix(OP, 'features', features, shape);
  const o = checkCsgOptions(OP, options);
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
  const samples = csgSamples(members, o.samplesPerClass, o.seed, o.runCount);
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

  const neighbours = wasm().csgNeighbours;
  const perRun: number[] = [];
  const meanW = new Float64Array(K * K);
  const meanEigen = new Float64Array(K);
  const k = o.k;
  for (const run of samples) {
    const qi = i32(queryPtr, nq);
    let at = 0;
    for (const c of run) {
      qi.set(c, at);
      at += c.length;
    }
    neighbours(xtPtr, n, dim, stride, queryPtr, nq, k, distPtr, bestPtr, nbrPtr, logVPtr, LOG_VOLUME_FLOOR);
    const nbr = i32(nbrPtr, nq * k);
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
    runCount: o.runCount,
    embedding,
    embeddingDim: dim,
    metric: 'euclidean',
  };
}

/**
 * The spectral half of CSG (steps 6–7) from a K × K similarity matrix W, for users who build W
 * themselves: eigenvalues of the unnormalised Laplacian L = D − W (degrees from off-diagonal entries;
 * the diagonal is ignored) and CSG = Σ_i max_{l ≤ i} (λ_{l+1} − λ_l) / (K − l). K is read off the matrix
 * (its length must be a square, K ≥ 2); `numClasses`, when given, must agree. W must be finite and
 * symmetric (|W_ij − W_ji| ≤ 1e-12·max|W|); it is symmetrised by averaging.
 * @throws {TStarError} E_INIT, E_DTYPE, E_SHAPE (not K × K, or K ≠ numClasses), E_NONFINITE, E_ARGUMENT (W not symmetric)
 * @example csgFromSimilarity(new Float64Array([1, 0.2, 0.1, 0.2, 1, 0.3, 0.1, 0.3, 1])).csg // 0.31547
 */
export function csgFromSimilarity(similarity: Float64Array | readonly number[], options: { numClasses?: number } = {}): CsgSpectrum {
  const op = 'csgFromSimilarity';
  checkOptions(op, options);
  if (!(similarity instanceof Float64Array) && !Array.isArray(similarity)) {
    throw new TStarError('E_DTYPE', `${op}: similarity must be a Float64Array or an array of numbers, got ${typeName(similarity)}`);
  }
  const K = Math.round(Math.sqrt(similarity.length));
  if (K * K !== similarity.length || K < 2 || K > 4096) {
    throw new TStarError('E_SHAPE', `${op}: similarity has ${similarity.length} entries; expected K × K with K in [2, 4096]`);
  }
  if (options.numClasses !== undefined && options.numClasses !== K) {
    throw new TStarError('E_SHAPE', `${op}: similarity is ${K} × ${K} but numClasses is ${describe(options.numClasses)}`);
  }
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
