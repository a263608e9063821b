import { TStarError } from './errors.js';
import { symmetricEigen } from './eigen.js';
import { wasm } from './load.js';
import { alloc, f32 } from './memory.js';
import { seededRandom } from './random.js';

// Subspace iteration: block = dim + OVERSAMPLE directions, POWER_STEPS multiplications by the covariance.
const OVERSAMPLE = 5;
const POWER_STEPS = 12;
const PCA_START_SEED = 0x9e3779b9;

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

  const { csgProject: project, csgProjectBack: projectBack } = wasm();
  const random = seededRandom(PCA_START_SEED);
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
  const { values, vectors } = symmetricEigen(op, B, b, aPtr, vPtr);
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
