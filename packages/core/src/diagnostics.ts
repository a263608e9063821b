import type { TStarWarning } from './errors.js';

// Input checks that warn rather than throw: each reads an evenly spread sample of rows, so its cost does not
// grow with the data. They catch the traps users of post-hoc calibration report most: softmax outputs fed
// where logits were expected, and labels counted from 1.

const SAMPLE_ROWS = 2048;

function sampleRows(rows: number): number[] {
  const k = Math.min(rows, SAMPLE_ROWS);
  return Array.from({ length: k }, (_, i) => Math.floor((i * rows) / k));
}

/**
 * `W_LOOKS_LIKE_PROBABILITIES` when logits look like probabilities: every sampled entry in [0, 1], and for a
 * softmax head (≥ 2 columns) every sampled row summing to 1 within 1e-3.
 */
export function probabilityWarning(op: string, x: Float32Array, rows: number, cols: number, sigmoid: boolean): TStarWarning[] {
  if (rows === 0 || (!sigmoid && cols < 2)) return [];
  const sample = sampleRows(rows);
  let strict = false;
  for (const r of sample) {
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[r * cols + j];
      if (!(v >= 0 && v <= 1)) return [];
      strict ||= v > 0 && v < 1;
      sum += v;
    }
    if (!sigmoid && Math.abs(sum - 1) > 1e-3) return [];
  }
  if (!strict) return [];
  const what = sigmoid ? 'every sampled value lies in [0, 1]' : 'every sampled row lies in [0, 1] and sums to 1';
  return [{
    code: 'W_LOOKS_LIKE_PROBABILITIES',
    message: `${op}: the logits look like probabilities (${what}); pass inputs: 'probabilities' so they are read through their logarithms`,
  }];
}

/**
 * `W_LABELS_ONE_INDEXED` when no label is 0 and, over the sampled rows, the first argmax equals label − 1 more
 * than twice as often as it equals the label (and at least 3 times): labels counted from 1 against a model
 * counting from 0.
 */
export function oneIndexedWarning(op: string, x: Float32Array, rows: number, cols: number, labels: Int32Array): TStarWarning[] {
  if (rows === 0 || cols < 2) return [];
  for (let r = 0; r < rows; r++) if (labels[r] === 0) return [];
  let direct = 0, shifted = 0;
  const sample = sampleRows(rows);
  for (const r of sample) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (x[r * cols + j] > x[r * cols + best]) best = j;
    if (best === labels[r]) direct++;
    else if (best === labels[r] - 1) shifted++;
  }
  if (!(shifted >= 3 && shifted > 2 * direct)) return [];
  return [{
    code: 'W_LABELS_ONE_INDEXED',
    message: `${op}: the labels look 1-indexed: none is 0, and the predicted class is label − 1 in ${shifted} of ${sample.length} sampled rows (the label itself in ${direct}); subtract 1 from the labels`,
  }];
}

/** `W_SATURATED` for probability inputs with `count` saturated rows (softmax) or entries (sigmoid). */
export function saturatedWarning(op: string, count: number, total: number, sigmoid: boolean): TStarWarning[] {
  if (count === 0) return [];
  const what = sigmoid
    ? `${count} of ${total} probabilities are exactly 0 or 1`
    : `${count} of ${total} rows have a top probability of exactly 1`;
  return [{
    code: 'W_SATURATED',
    message: `${op}: ${what}: float32 rounding erased the rest of their distribution, so they carry no information for a fit; their log-probabilities are floored at ln 2^-149 ≈ −103.3`,
  }];
}

/** Warnings of several sources, the first of each code kept. */
export function uniqueWarnings(...lists: TStarWarning[][]): TStarWarning[] {
  const seen = new Set<string>();
  const out: TStarWarning[] = [];
  for (const w of lists.flat()) {
    if (seen.has(w.code)) continue;
    seen.add(w.code);
    out.push(w);
  }
  return out;
}
