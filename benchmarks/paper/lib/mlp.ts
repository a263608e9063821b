import { calibrationMetrics, seededRandom } from '@tstar/core';
import { temperatureCrossEntropy, type TemperatureLoss } from '@tstar/tfjs';
import { tf } from './tf.js';

/** input (D) → [Dense(H, relu)] → Dense(M, relu) → [BatchNorm] → Dense(K): logits. */
export interface Architecture {
  inputDim: number;
  /** H, a first hidden layer's width; 0 for none (the M layer reads the input). */
  hidden: number;
  /** M, the width entering the output layer. */
  featureDim: number;
  classes: number;
  /** BatchNormalization right before the output Dense (the paper's recipe). */
  batchNorm: boolean;
}

/** How one model is trained. Adam, a fixed number of epochs, no early stopping. */
export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** BatchNormalization's moving-average momentum and ε: tfjs' defaults 0.99 and 0.001. */
  bnMomentum?: number;
  bnEpsilon?: number;
}

/** Rows of float32 features and their class labels. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  rows: number;
  cols: number;
}

/** The dense weights every temperature of one seed starts from. */
export interface InitialWeights {
  w1: Float32Array; b1: Float32Array;
  w2: Float32Array; b2: Float32Array;
  w3: Float32Array; b3: Float32Array;
}

function glorotUniform(random: () => number, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = (2 * random() - 1) * limit;
  return w;
}

/**
 * Glorot-uniform kernels and zero biases from the core's seededRandom. The H layer depends on the seed only
 * (the same for every M); the rest on the seed and M. BatchNorm starts at γ = 1, β = 0, so BN on and off share
 * every dense weight.
 */
export function initialWeights(arch: Architecture, seed: number): InitialWeights {
  const first = seededRandom(seed * 7919 + 1);
  const rest = seededRandom(seed * 7919 + 2 + arch.featureDim * 104729);
  return {
    w1: glorotUniform(first, arch.inputDim, arch.hidden), b1: new Float32Array(arch.hidden),
    w2: glorotUniform(rest, arch.hidden || arch.inputDim, arch.featureDim), b2: new Float32Array(arch.featureDim),
    w3: glorotUniform(rest, arch.featureDim, arch.classes), b3: new Float32Array(arch.classes),
  };
}

/** One shuffled order of the training rows per epoch (Fisher–Yates on the core's seededRandom). */
export function batchOrder(rows: number, epochs: number, seed: number): Int32Array[] {
  const random = seededRandom(seed * 7919 + 3);
  const orders: Int32Array[] = [];
  for (let e = 0; e < epochs; e++) {
    const order = Int32Array.from({ length: rows }, (_, i) => i);
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    orders.push(order);
  }
  return orders;
}

/** `values` repeated G times along a new first axis: [G, ...shape]. */
function stacked(values: Float32Array, groups: number, shape: number[]): tf.Variable {
  const data = new Float32Array(values.length * groups);
  for (let g = 0; g < groups; g++) data.set(values, g * values.length);
  const initial = tf.tensor(data, [groups, ...shape], 'float32');
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

/**
 * G copies of one MLP, one per training temperature, trained side by side: the same initial weights and the
 * same batches for every copy (a paired comparison), copy g's loss the tstar `temperatureCrossEntropy(T_g)` of
 * its own logits. Every tensor carries the copies on a leading axis ([G, rows, width]; weights [G, in, out]), so
 * a step costs the same number of tfjs ops for any G. The copies share no parameter and Adam is elementwise, so
 * each copy follows the path it would alone; the test trains one copy as a tf.layers model built with
 * `insertBatchNorm` and compares.
 */
export class GroupedMlp {
  readonly groups: number;
  private readonly dense: Array<{ w: tf.Variable; b: tf.Variable }>;
  private readonly bn?: { gamma: tf.Variable; beta: tf.Variable; movingMean: tf.Variable; movingVariance: tf.Variable };
  private readonly losses: TemperatureLoss[];
  private readonly momentum: number;
  private readonly epsilon: number;

  constructor(readonly arch: Architecture, readonly temperatures: readonly number[], init: InitialWeights, options: Pick<TrainOptions, 'bnMomentum' | 'bnEpsilon'> = {}) {
    const G = temperatures.length;
    const { inputDim: D, hidden: H, featureDim: M, classes: K } = arch;
    this.groups = G;
    this.losses = temperatures.map((t) => temperatureCrossEntropy(t, { sparse: true }));
    const layer = (w: Float32Array, b: Float32Array, rows: number, cols: number) => ({ w: stacked(w, G, [rows, cols]), b: stacked(b, G, [1, cols]) });
    this.dense = [
      ...(H > 0 ? [layer(init.w1, init.b1, D, H)] : []),
      layer(init.w2, init.b2, H || D, M),
      layer(init.w3, init.b3, M, K),
    ];
    this.momentum = options.bnMomentum ?? 0.99;
    this.epsilon = options.bnEpsilon ?? 0.001;
    if (arch.batchNorm) {
      const ones = new Float32Array(M).fill(1), zeros = new Float32Array(M);
      this.bn = {
        gamma: stacked(ones, G, [1, M]), beta: stacked(zeros, G, [1, M]),
        movingMean: stacked(zeros, G, [1, M]), movingVariance: stacked(ones, G, [1, M]),
      };
      this.bn.movingMean.trainable = false;
      this.bn.movingVariance.trainable = false;
    }
  }

  /** The trainable variables (what the optimizer updates). */
  get trainable(): tf.Variable[] {
    const dense = this.dense.flatMap((l) => [l.w, l.b]);
    return this.bn ? [...dense, this.bn.gamma, this.bn.beta] : dense;
  }

  /**
   * Logits [G, rows, K]. In training mode BatchNorm normalises with the batch statistics (biased variance) and
   * updates its moving averages, as tf.layers.batchNormalization does; in inference mode it uses the averages.
   */
  forward(x: tf.Tensor2D, training: boolean): tf.Tensor3D {
    let h: tf.Tensor = tf.expandDims(x, 0);
    const last = this.dense.length - 1;
    this.dense.forEach((l, i) => {
      if (i === last && this.bn) h = this.normalise(h, training);
      h = tf.add(tf.matMul(h as tf.Tensor3D, l.w as tf.Tensor3D), l.b);
      if (i < last) h = tf.relu(h);
    });
    return h as tf.Tensor3D;
  }

  private normalise(h: tf.Tensor, training: boolean): tf.Tensor {
    const bn = this.bn!;
    let mean: tf.Tensor = bn.movingMean, variance: tf.Tensor = bn.movingVariance;
    if (training) {
      ({ mean, variance } = tf.moments(h, 1, true));
      const decay = 1 - this.momentum, batchMean = mean, batchVariance = variance;
      tf.tidy(() => {
        bn.movingMean.assign(tf.sub(bn.movingMean, tf.mul(tf.sub(bn.movingMean, batchMean), decay)));
        bn.movingVariance.assign(tf.sub(bn.movingVariance, tf.mul(tf.sub(bn.movingVariance, batchVariance), decay)));
      });
    }
    return tf.add(tf.mul(tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, this.epsilon))), bn.gamma), bn.beta);
  }

  /** Σ over copies of the mean loss of copy g at its temperature, on one batch. */
  loss(x: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
    const z = this.forward(x, true);
    // tfjs' unstack has no gradient for a single slice.
    const logits = this.groups === 1 ? [tf.squeeze(z, [0]) as tf.Tensor2D] : tf.unstack(z, 0);
    return tf.addN(logits.map((z, g) => tf.mean(this.losses[g](y, z)))) as tf.Scalar;
  }

  /** Logits of every copy on `split` in inference mode: one Float32Array [rows, K] per copy. */
  logits(split: Split, chunk = 1024): Float32Array[] {
    const K = this.arch.classes;
    const out = this.temperatures.map(() => new Float32Array(split.rows * K));
    for (let start = 0; start < split.rows; start += chunk) {
      const n = Math.min(chunk, split.rows - start);
      const z = tf.tidy(() => this.forward(tf.tensor2d(split.x.subarray(start * split.cols, (start + n) * split.cols), [n, split.cols]), false));
      const data = z.dataSync() as Float32Array;
      z.dispose();
      out.forEach((o, g) => o.set(data.subarray(g * n * K, (g + 1) * n * K), start * K));
    }
    return out;
  }

  /** Copy g's weights in tf.layers order: kernel and bias per Dense, BatchNorm's γ, β, moving mean, moving variance before the last. */
  copyWeights(g: number): Float32Array[] {
    const block = (v: tf.Variable): Float32Array => {
      const data = v.dataSync() as Float32Array, size = data.length / this.groups;
      return data.slice(g * size, (g + 1) * size);
    };
    const dense = this.dense.map((l) => [block(l.w), block(l.b)]);
    const bn = this.bn ? [block(this.bn.gamma), block(this.bn.beta), block(this.bn.movingMean), block(this.bn.movingVariance)] : [];
    return [...dense.slice(0, -1).flat(), ...bn, ...dense[dense.length - 1]];
  }

  dispose(): void {
    for (const l of this.dense) { l.w.dispose(); l.b.dispose(); }
    if (this.bn) for (const v of Object.values(this.bn)) v.dispose();
  }
}

/** Accuracy and NLL of one copy, the logits divided by its training temperature (as served). */
export interface Scores {
  accuracy: number;
  nll: number;
  ece: number;
}

/** The result of {@link trainGroup}: per temperature, scores on each split. */
export interface GroupResult {
  temperatures: number[];
  train: Scores[];
  validation: Scores[];
  test: Scores[];
  /** Wall time of the training loop and of the evaluation, ms. */
  trainMs: number;
  evalMs: number;
  /** CPU time of this process over training and evaluation, ms (less sensitive to a loaded machine than wall time). */
  cpuMs: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}

function scores(model: GroupedMlp, split: Split): Scores[] {
  const shape: [number, number] = [split.rows, model.arch.classes];
  return model.logits(split).map((z, g) => {
    const m = calibrationMetrics(z, shape, split.y, { temperature: model.temperatures[g] });
    return { accuracy: m.accuracy, nll: m.nll, ece: m.ece };
  });
}

/** Trains `model` on `train` for `options.epochs` epochs of Adam, the batch order drawn from `seed`. */
export function fitGroup(model: GroupedMlp, train: Split, options: TrainOptions, seed: number): void {
  const optimizer = tf.train.adam(options.learningRate);
  const x = tf.tensor2d(train.x, [train.rows, train.cols]);
  const y = tf.tensor1d(train.y, 'int32');
  try {
    for (const order of batchOrder(train.rows, options.epochs, seed)) {
      for (let s = 0; s < train.rows; s += options.batchSize) {
        const idx = order.subarray(s, Math.min(s + options.batchSize, train.rows));
        tf.tidy(() => {
          const i = tf.tensor1d(idx, 'int32');
          const xb = tf.gather(x, i) as tf.Tensor2D, yb = tf.gather(y, i) as tf.Tensor1D;
          optimizer.minimize(() => model.loss(xb, yb), false, model.trainable);
        });
      }
    }
  } finally {
    x.dispose();
    y.dispose();
    optimizer.dispose();
  }
}

/**
 * Trains one copy of the MLP per temperature from the same initial weights on the same batches (both from
 * `seed`), then scores every copy on train, validation and test at its own temperature.
 */
export function trainGroup(arch: Architecture, temperatures: readonly number[], data: { train: Split; validation: Split; test: Split }, options: TrainOptions, seed: number): GroupResult {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const model = new GroupedMlp(arch, temperatures, initialWeights(arch, seed), options);
  try {
    fitGroup(model, data.train, options, seed);
    const trained = performance.now();
    const result = { train: scores(model, data.train), validation: scores(model, data.validation), test: scores(model, data.test) };
    return { temperatures: [...temperatures], ...result, trainMs: trained - start, evalMs: performance.now() - trained, cpuMs: cpuMs(cpu) };
  } finally {
    model.dispose();
  }
}
