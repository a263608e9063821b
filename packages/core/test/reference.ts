// Float64 references, written for clarity, not speed: the ground truth every kernel is tested against.

export function softmax(x: ArrayLike<number>, rows: number, cols: number, temperature = 1): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp((x[r * cols + c] - m) / temperature);
    for (let c = 0; c < cols; c++) y[r * cols + c] = Math.exp((x[r * cols + c] - m) / temperature) / s;
  }
  return y;
}

export function logSoftmax(x: ArrayLike<number>, rows: number, cols: number, temperature = 1): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp((x[r * cols + c] - m) / temperature);
    const lse = Math.log(s);
    for (let c = 0; c < cols; c++) y[r * cols + c] = (x[r * cols + c] - m) / temperature - lse;
  }
  return y;
}

export function softmaxBackward(y: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number, temperature = 1): Float64Array {
  const dx = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += y[r * cols + c] * dy[r * cols + c];
    for (let c = 0; c < cols; c++) dx[r * cols + c] = (y[r * cols + c] * (dy[r * cols + c] - s)) / temperature;
  }
  return dx;
}

export interface CrossEntropyRefOptions {
  temperature?: number;
  reduction?: 'mean' | 'sum' | 'none';
  labelSmoothing?: number;
  ignoreIndex?: number;
  weights?: ArrayLike<number>;
}

/** Float64 cross-entropy of x / T: PyTorch semantics, smoothing spread over the row's unmasked classes. */
export function crossEntropyLoss(x: ArrayLike<number>, rows: number, cols: number, target: Int32Array | ArrayLike<number>, o: CrossEntropyRefOptions = {}): { loss: number; rowLoss: Float64Array } {
  const T = o.temperature ?? 1, eps = o.labelSmoothing ?? 0, ignore = o.ignoreIndex ?? -100;
  const w = (j: number): number => (o.weights ? o.weights[j] : 1);
  const soft = !(target instanceof Int32Array);
  const logp = logSoftmax(x, rows, cols, T);
  const rowLoss = new Float64Array(rows);
  let den = 0;
  for (let r = 0; r < rows; r++) {
    const unmasked: number[] = [];
    for (let j = 0; j < cols; j++) if (x[r * cols + j] !== -Infinity) unmasked.push(j);
    let loss = 0;
    if (soft) {
      for (const j of unmasked) loss -= w(j) * ((1 - eps) * target[r * cols + j] + eps / unmasked.length) * logp[r * cols + j];
      den += 1;
    } else {
      const y = target[r];
      if (y === ignore) continue;
      loss = -(1 - eps) * w(y) * logp[r * cols + y];
      for (const j of unmasked) loss -= (eps / unmasked.length) * w(j) * logp[r * cols + j];
      den += w(y);
    }
    rowLoss[r] = loss;
  }
  const sum = rowLoss.reduce((a, b) => a + b, 0);
  const reduction = o.reduction ?? 'mean';
  return { loss: reduction === 'mean' ? sum / den : sum, rowLoss };
}

/** Analytic float64 dL/dx and dL/dT of the (reduced) cross-entropy; 'none' differentiates the sum of rows. */
export function crossEntropyGrad(x: ArrayLike<number>, rows: number, cols: number, target: Int32Array | ArrayLike<number>, o: CrossEntropyRefOptions = {}): { grad: Float64Array; dT: number } {
  const T = o.temperature ?? 1, eps = o.labelSmoothing ?? 0, ignore = o.ignoreIndex ?? -100;
  const w = (j: number): number => (o.weights ? o.weights[j] : 1);
  const soft = !(target instanceof Int32Array);
  const p = softmax(x, rows, cols, T);
  const grad = new Float64Array(rows * cols);
  let dT = 0, den = 0;
  for (let r = 0; r < rows; r++) {
    const unmasked: number[] = [];
    for (let j = 0; j < cols; j++) if (x[r * cols + j] !== -Infinity) unmasked.push(j);
    const tgt = new Float64Array(cols);
    let rowWeight = 1;
    if (soft) {
      for (const j of unmasked) tgt[j] = (1 - eps) * target[r * cols + j] + eps / unmasked.length;
      den += 1;
    } else {
      const y = target[r];
      if (y === ignore) continue;
      for (const j of unmasked) tgt[j] = eps / unmasked.length;
      tgt[y] += 1 - eps;
      rowWeight = w(y);
      den += rowWeight;
    }
    // Per row: L = Σ_j c_j·(lse − z_j) with c_j = coefficient of −log p_j.
    const coef = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      if (soft) coef[j] = w(j) * tgt[j];
      else coef[j] = j === target[r] ? (1 - eps) * w(j) + (eps / unmasked.length) * w(j) : (eps / unmasked.length) * w(j) * (x[r * cols + j] === -Infinity ? 0 : 1);
    }
    const q = coef.reduce((a, b) => a + b, 0);
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    for (const j of unmasked) {
      const gz = q * p[r * cols + j] - coef[j];
      grad[r * cols + j] = gz / T;
      dT -= (gz * (x[r * cols + j] - m)) / T / T;
    }
    void rowWeight;
  }
  const scale = (o.reduction ?? 'mean') === 'mean' ? 1 / den : 1;
  for (let i = 0; i < grad.length; i++) grad[i] *= scale;
  return { grad, dT: dT * scale };
}
