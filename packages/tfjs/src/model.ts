import * as tf from '@tensorflow/tfjs';
import { calibrationMetrics, cumulativeSpectralGradient, fitTemperature, resolveTemperature, TStarError, type CalibrationMetrics, type CsgOptions, type CsgResult, type FitTemperatureOptions, type OptimalTemperature, type Scaler, type TemperatureCoefficients, type TemperatureFit, type TStarWarning } from '@tstar/core';
import { findHead, rewriteHead, type Head, type HeadRewrite, type TopologyJson } from './head.js';
import { TemperatureSoftmax } from './temperature-softmax.js';
import { isSigmoidScaler, scalerOf, type ScalerInput } from './scaler.js';
import { checkModel, checkTensor, toLabels } from './tensors.js';

function topologyOf(model: tf.LayersModel): TopologyJson {
  return model.toJSON(null, false) as unknown as TopologyJson;
}

/** Builds the rewritten topology and copies every kept layer's weights from `model` (same values, bit for bit). */
async function rebuild(model: tf.LayersModel, head: Head, rewrite: HeadRewrite): Promise<{ model: tf.LayersModel; batchNorm?: string; softmax?: string }> {
  const { topology, batchNorm, softmax } = rewriteHead(topologyOf(model), head, rewrite);
  const built = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  for (const layer of built.layers) {
    if (layer.name === batchNorm || layer.name === softmax) continue;
    const weights = model.getLayer(layer.name).getWeights();
    if (weights.length > 0) layer.setWeights(weights);
  }
  return { model: built, batchNorm, softmax };
}

/** A model sharing `model`'s layers (and so its weights) whose output is the last Dense's output: the logits. */
function shareLogits(model: tf.LayersModel, dense: string): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: model.getLayer(dense).output as tf.SymbolicTensor, name: `${model.name}_logits` });
}

/** Options of {@link insertBatchNorm}. */
export interface InsertBatchNormOptions {
  /** BatchNormalization's ε. Default 0.001 (tfjs' default). */
  epsilon?: number;
  /** BatchNormalization's moving-average momentum. Default 0.99 (tfjs' default). */
  momentum?: number;
}

function positive(op: string, name: string, value: unknown, fallback: number, max = Infinity): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) throw new TStarError('E_ARGUMENT', `${op}: ${name} must be a finite number in [0, ${max}], got ${String(v)}`);
  return v;
}

/**
 * A new model with a `BatchNormalization` layer right before the last Dense (the paper's recipe: T̂* assumes
 * normalised features entering the output layer). Works on Sequential and functional models; every other
 * layer keeps its name and weights (bit-identical); the input model is not touched. A Dense with a softmax
 * activation becomes Dense(linear) + TemperatureSoftmax (T = 1, or the T of a TemperatureSoftmax already there),
 * so outputs stay probabilities; a logits model stays a logits model. The new BN starts with identity statistics
 * (mean 0, variance 1, γ = 1, β = 0), so until trained it only scales by 1/√(1 + ε).
 * @throws {TStarError} E_MODEL (not a LayersModel of this tfjs, several outputs, no final Dense, a Dense with
 * another activation), E_ARGUMENT (bad options)
 * @example const withBn = await insertBatchNorm(model);
 */
export async function insertBatchNorm(model: tf.LayersModel, options: InsertBatchNormOptions = {}): Promise<tf.LayersModel> {
  const op = 'insertBatchNorm';
  checkModel(op, model);
  const epsilon = positive(op, 'epsilon', options.epsilon, 0.001);
  const momentum = positive(op, 'momentum', options.momentum, 0.99, 1);
  const head = findHead(op, topologyOf(model));
  return (await rebuild(model, head, { batchNorm: { epsilon, momentum }, output: head.probabilities ? head.temperature : 'logits' })).model;
}

/**
 * A copy of `model` (same weights, bit for bit) whose output is the last Dense's pre-activation output: the
 * logits (of a softmax, or of a sigmoid Dense). Independent of `model`: dispose each.
 * @throws {TStarError} E_MODEL (as {@link insertBatchNorm})
 * @example const logits = await logitsModel(model); logits.predict(x)
 */
export async function logitsModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  const op = 'logitsModel';
  checkModel(op, model);
  const head = findHead(op, topologyOf(model), { sigmoid: true });
  return (await rebuild(model, head, { output: 'logits' })).model;
}

/** Labels given as a tensor, an Int32Array or numbers. */
export type LabelsInput = tf.Tensor | Int32Array | readonly number[];

async function labelsOf(op: string, labels: LabelsInput): Promise<Int32Array> {
  if (labels instanceof Int32Array) return labels;
  if (Array.isArray(labels)) return toLabels(op, labels);
  const t = checkTensor(op, 'labels', labels);
  if (t.rank !== 1 && !(t.rank === 2 && t.shape[1] === 1)) throw new TStarError('E_SHAPE', `${op}: labels must have shape [n] or [n, 1], got [${t.shape.join(', ')}]`);
  return toLabels(op, await t.data());
}

/** Options of {@link withOptimalTemperature}. */
export interface WithOptimalTemperatureOptions {
  /** CN for the class term; default the last Dense's units. */
  numClasses?: number;
  /** The task's CSG if already known; else computed from `features` + `labels` when given. */
  csg?: number;
  /** A [n, d] batch of features (e.g. the activations entering the last Dense) for the core's CSG. */
  features?: tf.Tensor;
  /** Their class labels. */
  labels?: LabelsInput;
  /** Options of the core's cumulativeSpectralGradient. */
  csgOptions?: CsgOptions;
  /** Coefficient overrides of the rule (the core's defaults: published α, β; γ = δ = 0). */
  coefficients?: Partial<TemperatureCoefficients>;
}

/** The result of {@link withOptimalTemperature}. */
export interface OptimalTemperatureModel {
  /** softmax(logits / T̂*): serve this one; it keeps dividing by T̂* at inference. */
  model: tf.LayersModel;
  /** The same layers with the logits as output: compile it with temperatureCrossEntropy(T̂*) and train. Shares its
   * layers with `model`: dispose only `model` (that frees both). */
  logits: tf.LayersModel;
  /** T̂*. */
  temperature: number;
  details: {
    /** M: the last Dense's input width. */
    featureDim: number;
    numClasses: number;
    /** The core's result: T̂* and its terms. */
    optimal: OptimalTemperature;
    /** The CSG computation, when features and labels were given. */
    csg?: CsgResult;
    /** The core's warnings (`W_CLIPPED` when T̂* was raised to its floor, e.g. M ≤ 42). */
    warnings: TStarWarning[];
  };
}

/**
 * The paper's training temperature for this model: M is read from the last Dense's input width, T̂* comes
 * from the core (with a CSG term from `features` + `labels` when given), and the returned `model` ends in
 * TemperatureSoftmax(T̂*) over the logits, so inference keeps dividing by T̂* (a model trained at a large T has
 * large logits: without the division its probabilities are wildly overconfident). `model` and `logits` share
 * their layers with each other (training one trains the other; dispose `model` only, which frees both), not with
 * the input model, which is untouched.
 * @throws {TStarError} E_MODEL (as {@link insertBatchNorm}), E_ARGUMENT (bad numClasses, csg, coefficients, or
 * features without labels), and the core's CSG errors
 * @example const { model: served, logits, temperature } = await withOptimalTemperature(await insertBatchNorm(model));
 */
export async function withOptimalTemperature(model: tf.LayersModel, options: WithOptimalTemperatureOptions = {}): Promise<OptimalTemperatureModel> {
  const op = 'withOptimalTemperature';
  checkModel(op, model);
  const head = findHead(op, topologyOf(model));
  const featureDim = model.getLayer(head.dense).getWeights()[0].shape[0];
  const numClasses = options.numClasses ?? head.units;
  let csg: CsgResult | undefined;
  if (options.features !== undefined || options.labels !== undefined) {
    if (options.features === undefined || options.labels === undefined) throw new TStarError('E_ARGUMENT', `${op}: features and labels go together for the CSG term; got only ${options.features === undefined ? 'labels' : 'features'}`);
    const features = checkTensor(op, 'features', options.features);
    if (features.rank !== 2 || features.dtype !== 'float32') throw new TStarError('E_SHAPE', `${op}: features must be a float32 [n, d] tensor, got ${features.dtype} [${features.shape.join(', ')}]`);
    const labels = await labelsOf(op, options.labels);
    csg = cumulativeSpectralGradient((await features.data()) as Float32Array, features.shape as [number, number], labels, options.csgOptions);
  }
  const resolved = resolveTemperature('auto', { featureDim, numClasses: numClasses >= 2 ? numClasses : undefined, csg: options.csg ?? csg?.csg, coefficients: options.coefficients });
  const optimal = resolved.optimal as OptimalTemperature;
  const built = await rebuild(model, head, { output: resolved.temperature });
  return {
    model: built.model,
    logits: shareLogits(built.model, head.dense),
    temperature: resolved.temperature,
    details: { featureDim, numClasses, optimal, csg, warnings: resolved.warnings },
  };
}

/** Options of {@link calibrateModel}. */
export interface CalibrateModelOptions {
  /** Rows per predict call. Default 256. */
  batchSize?: number;
  /** Equal-width confidence bins of the metrics. Default 15. */
  binCount?: number;
  /** Passed to the core's fitTemperature (`initialTemperature`, `tolerance`, `maxEvaluations`). */
  fit?: FitTemperatureOptions;
}

/** The result of {@link calibrateModel}. */
export interface CalibratedModel {
  /** The model ending in TemperatureSoftmax(fitted T) (a copy; the input model is untouched). */
  model: tf.LayersModel;
  /** The fitted T. */
  temperature: number;
  /** The same as a core `Scaler` (`{ method: 'temperature', temperature }`): JSON to save, or to pass to {@link withScaler}. */
  scaler: Scaler;
  /** The temperature the input model applied (1 for a plain softmax or a logits model). */
  previousTemperature: number;
  fit: TemperatureFit;
  /** Metrics at the previous temperature and at the fitted one, from the same logits. */
  before: CalibrationMetrics;
  after: CalibrationMetrics;
}

/**
 * Post-hoc temperature scaling of a trained model (Guo et al. 2017): runs the model to its logits on `x`, fits
 * T with the core's fitTemperature against `labels`, reports the core's calibration metrics before and after,
 * and returns a copy of the model ending in TemperatureSoftmax(T). The logits are read to the host once (on a
 * GPU backend this is the one download).
 * @throws {TStarError} E_MODEL (as {@link insertBatchNorm}), E_SHAPE (labels not [n] / [n, 1] or not as many as
 * rows), E_LABEL (out of range, not an integer), E_ARGUMENT (bad options), and the core's fit errors
 * @example const { model: calibrated, temperature, before, after } = await calibrateModel(model, xVal, yVal);
 */
export async function calibrateModel(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[], labels: LabelsInput, options: CalibrateModelOptions = {}): Promise<CalibratedModel> {
  const op = 'calibrateModel';
  checkModel(op, model);
  for (const t of Array.isArray(x) ? x : [x]) checkTensor(op, 'x', t);
  const batchSize = options.batchSize ?? 256;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new TStarError('E_ARGUMENT', `${op}: batchSize must be an integer ≥ 1, got ${String(batchSize)}`);
  const head = findHead(op, topologyOf(model));
  const y = await labelsOf(op, labels);
  const built = await rebuild(model, head, { output: 1 });
  try {
    const logits = shareLogits(built.model, head.dense);
    const out = logits.predict(x, { batchSize }) as tf.Tensor;
    const data = (await out.data()) as Float32Array;
    const shape: [number, number] = [out.shape[0], out.shape[out.rank - 1]];
    out.dispose();
    if (y.length !== shape[0]) throw new TStarError('E_SHAPE', `${op}: ${y.length} labels for ${shape[0]} rows of x`);
    const previousTemperature = head.probabilities ? head.temperature : 1;
    const fit = fitTemperature(data, shape, y, options.fit ?? {});
    const before = calibrationMetrics(data, shape, y, { temperature: previousTemperature, binCount: options.binCount });
    const after = calibrationMetrics(data, shape, y, { temperature: fit.temperature, binCount: options.binCount });
    (built.model.getLayer(built.softmax as string) as TemperatureSoftmax).temperature = fit.temperature;
    return { model: built.model, temperature: fit.temperature, scaler: { method: 'temperature', temperature: fit.temperature }, previousTemperature, fit, before, after };
  } catch (error) {
    built.model.dispose();
    throw error;
  }
}

/**
 * A copy of `model` (same weights, bit for bit) ending in the fitted scaler: its last Dense now outputs logits
 * and a {@link ScalerOutput} layer turns them into calibrated probabilities — temperature and vector scalers
 * through a softmax, Platt and sigmoid temperatures through a sigmoid. `scaler` is calibrate()'s `scaler` or the
 * text of the `scaler.json` that `tstar calibrate` writes; it is checked against the Dense's units. A softmax
 * already in the head (a Dense activation, a Softmax, TemperatureSoftmax or ScalerOutput after it) is replaced;
 * a Dense with a sigmoid activation takes only Platt / sigmoid-temperature scalers, a softmax one only
 * temperature / vector. Independent of `model`: dispose each.
 * @throws {TStarError} E_MODEL (as {@link insertBatchNorm}; a sigmoid Dense is accepted), E_ARGUMENT /
 * E_TEMPERATURE / E_SHAPE (a malformed scaler, one for another class count, or a sigmoid scaler on a softmax
 * head and the reverse)
 * @example const served = await withScaler(model, calibrate(logits, [n, 5], labels, { method: 'vector' }).scaler);
 */
export async function withScaler(model: tf.LayersModel, scaler: ScalerInput): Promise<tf.LayersModel> {
  const op = 'withScaler';
  checkModel(op, model);
  const head = findHead(op, topologyOf(model), { sigmoid: true });
  const s = scalerOf(op, scaler, head.units);
  const sigmoidHead = head.activation === 'sigmoid';
  const softmaxHead = head.probabilities && !sigmoidHead;
  if (isSigmoidScaler(s) ? softmaxHead : sigmoidHead) {
    throw new TStarError('E_ARGUMENT', `${op}: a '${s.method}' scaler ends in a ${isSigmoidScaler(s) ? 'sigmoid' : 'softmax'}, but the model's head '${head.dense}' is a ${sigmoidHead ? 'sigmoid' : 'softmax'} classifier`);
  }
  return (await rebuild(model, head, { output: { scaler: s } })).model;
}
