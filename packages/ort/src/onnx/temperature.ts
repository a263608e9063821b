import { TStarError } from '@tstar/core';
import { checkTemperature, describe, typeName } from '@tstar/core/validate';
import { modelError } from '../errors.js';
import { addInitializer, addOutput, constantTensor, graphOf, hasTensor, insertNodes, setDeclaredType, tensorType, uniqueName } from './edit.js';
import { findHead, type ClassifierHead } from './head.js';
import { valueInfo, type NodeSpec } from './model.js';
import { DATA_TYPES, elementTypeName, type OnnxModel } from './proto.js';

/** Statistics for a BatchNormalization inserted right before the head's Gemm/MatMul (one value per feature). */
export interface BatchNormStatistics {
  mean: Float32Array;
  variance: Float32Array;
  /** γ. Default: ones. */
  scale?: Float32Array;
  /** β. Default: zeros. */
  bias?: Float32Array;
  /** Default 1e-5. */
  epsilon?: number;
}

/** Options of {@link insertTemperature}. */
export interface InsertTemperatureOptions {
  /** T > 0: the graph computes softmax(logits / T). */
  temperature: number;
  /** The head, when already found; otherwise {@link findHead} runs with `logitsOutput`. */
  head?: ClassifierHead;
  /** The tensor holding the logits (see {@link findHead}). */
  logitsOutput?: string;
  /** Also output log-probabilities (a LogSoftmax beside the Softmax). */
  logProbabilities?: boolean;
  /** Make this tensor a graph output; `true` means the features entering the head's Gemm/MatMul. */
  featuresOutput?: string | boolean;
  /** Insert a BatchNormalization with these statistics before the head's Gemm/MatMul. */
  batchNorm?: BatchNormStatistics;
  /** Only expose the logits (and features); add no Div/Softmax. What post-processing outside the graph needs. */
  exposeOnly?: boolean;
}

/** Names of the graph outputs {@link insertTemperature} leaves in the model. */
export interface TemperatureOutputs {
  /** softmax(logits / T) (absent with `exposeOnly`). */
  probabilities?: string;
  /** log softmax(logits / T), when asked for. */
  logProbabilities?: string;
  /** The features, when asked for. */
  features?: string;
  /** The logits tensor (a graph output with `exposeOnly`). */
  logits: string;
  /** The head the edit was made on. */
  head: ClassifierHead;
}

const OP = 'insertTemperature';

function checkStatistic(name: string, value: unknown, width: number | undefined): Float32Array {
  if (!(value instanceof Float32Array)) {
    throw new TStarError('E_DTYPE', `${OP}: batchNorm.${name} must be a Float32Array, got ${typeName(value)}`);
  }
  if (width !== undefined && value.length !== width) {
    throw new TStarError('E_SHAPE', `${OP}: batchNorm.${name} has ${value.length} values but the head's Gemm/MatMul takes M = ${width} features`);
  }
  for (let i = 0; i < value.length; i++) {
    if (!Number.isFinite(value[i])) throw new TStarError('E_NONFINITE', `${OP}: batchNorm.${name}[${i}] is ${value[i]}`);
  }
  return value;
}

function insertBatchNorm(model: OnnxModel, head: ClassifierHead, stats: BatchNormStatistics): void {
  if (!head.linear || head.features === undefined || head.featureDim === undefined) {
    throw modelError(`${OP}: batchNorm needs the head's Gemm/MatMul with a constant weight to know where and how wide (M) it goes; none found for '${head.logits}'`);
  }
  const m = head.featureDim;
  const featureType = tensorType(model, head.features).dataType;
  if (featureType !== undefined && featureType !== DATA_TYPES.float32) {
    throw modelError(`${OP}: batchNorm takes float32 features, but '${head.features}' is ${elementTypeName(featureType)}`);
  }
  const mean = checkStatistic('mean', stats.mean, m);
  const variance = checkStatistic('variance', stats.variance, m);
  for (let i = 0; i < m; i++) if (variance[i] < 0) throw new TStarError('E_ARGUMENT', `${OP}: batchNorm.variance[${i}] is ${variance[i]} < 0`);
  const scale = stats.scale === undefined ? new Float32Array(m).fill(1) : checkStatistic('scale', stats.scale, m);
  const bias = stats.bias === undefined ? new Float32Array(m) : checkStatistic('bias', stats.bias, m);
  const epsilon = stats.epsilon ?? 1e-5;
  if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) throw new TStarError('E_ARGUMENT', `${OP}: batchNorm.epsilon must be a finite number > 0, got ${describe(epsilon)}`);
  const names = ['scale', 'bias', 'mean', 'variance'].map((k) => uniqueName(model, `tstar/bn_${k}`));
  [scale, bias, mean, variance].forEach((data, k) => addInitializer(model, { name: names[k], type: 'float32', dims: [m], data }));
  const normalised = uniqueName(model, 'tstar/bn_features');
  const linear = head.linear.node;
  insertNodes(model, [{ op: 'BatchNormalization', name: uniqueName(model, 'tstar/batch_norm'), inputs: [head.features, ...names], outputs: [normalised], attributes: { epsilon: { float: epsilon } } }], { before: graphOf(OP, model).node!.indexOf(linear) });
  linear.input = (linear.input ?? []).map((t, i) => (i === 0 ? normalised : t));
}

/**
 * Edits the graph in place so the session computes softmax(logits / T) itself: [Cast to float32 when the
 * logits are not float32] → Div(T) → Softmax over the class axis (axis −1 from opset 13; before 13, where
 * Softmax flattens at `axis`, axis = rank − 1). A Softmax/LogSoftmax already reading the logits gets the Div
 * inserted before it instead of a second one. Optionally a LogSoftmax output, a features output and a
 * BatchNormalization before the head. With `exposeOnly`, it only makes the logits (and features) outputs.
 * @throws {TStarError} E_TEMPERATURE (T not finite and > 0), E_MODEL (no head, logits not float or of unknown
 * type, opset < 7), E_ARGUMENT / E_SHAPE / E_DTYPE / E_NONFINITE (bad `batchNorm` statistics or names)
 * @example
 * const model = readModel(bytes);
 * const { probabilities } = insertTemperature(model, { temperature: 2.5 });
 * const session = await ort.InferenceSession.create(writeModel(model));
 */
export function insertTemperature(model: OnnxModel, options: InsertTemperatureOptions): TemperatureOutputs {
  // The core's rule (finite, > 0, 1/T within float32) so the float32 initializer divides by what was asked.
  const t = options.exposeOnly ? 1 : checkTemperature(OP, options.temperature);
  const head = options.head ?? findHead(model, { logitsOutput: options.logitsOutput });
  const g = graphOf(OP, model);
  let features: string | undefined;
  if (options.featuresOutput !== undefined && options.featuresOutput !== false) {
    features = options.featuresOutput === true ? head.features : options.featuresOutput;
    if (features === undefined) throw modelError(`${OP}: featuresOutput: true needs the head's Gemm/MatMul; none found for '${head.logits}'`);
    if (!hasTensor(model, features)) throw new TStarError('E_ARGUMENT', `${OP}: featuresOutput '${features}' is no tensor of the graph`);
    // The features share the element type of the Gemm/MatMul weight they meet.
    const weight = head.linear && features === head.features ? constantTensor(model, (head.linear.node.input ?? [])[1] ?? '') : undefined;
    addOutput(model, { name: features }, weight?.dataType ?? undefined);
  }
  if (options.batchNorm !== undefined) insertBatchNorm(model, head, options.batchNorm);
  if (options.exposeOnly) {
    addOutput(model, { name: head.logits }, head.logitsType);
    return { logits: head.logits, features, head };
  }
  if (head.logitsType === undefined) {
    throw modelError(`${OP}: the element type of the logits '${head.logits}' is declared nowhere in the model; declare it (value_info) or make them a typed graph output`);
  }

  const nodes: NodeSpec[] = [];
  let scaledInput = head.logits;
  if (head.logitsType !== DATA_TYPES.float32) {
    // float16 sums overflow at 65504 and lose mass; the softmax runs in float32 whatever the logits are.
    scaledInput = uniqueName(model, 'tstar/logits_float32');
    nodes.push({ op: 'Cast', name: uniqueName(model, 'tstar/cast'), inputs: [head.logits], outputs: [scaledInput], attributes: { to: DATA_TYPES.float32 } });
  }
  const temperature = uniqueName(model, 'tstar/temperature');
  addInitializer(model, { name: temperature, type: 'float32', dims: [], data: [t] });
  const scaled = uniqueName(model, 'tstar/scaled_logits');
  nodes.push({ op: 'Div', name: uniqueName(model, 'tstar/divide_by_temperature'), inputs: [scaledInput, temperature], outputs: [scaled] });

  const axis = head.opset >= 13 ? -1 : (head.logitsRank ?? 2) - 1;
  const existing = head.softmax;
  let probabilities: string | undefined;
  let logProbabilities: string | undefined;
  if (existing) {
    existing.node.input = [scaled, ...(existing.node.input ?? []).slice(1)];
    if (existing.op === 'Softmax') probabilities = existing.output;
    else logProbabilities = existing.output;
    // The existing node now reads float32, so what it writes is float32 too.
    setDeclaredType(model, existing.output, DATA_TYPES.float32);
  }
  if (probabilities === undefined) {
    probabilities = uniqueName(model, 'probabilities');
    nodes.push({ op: 'Softmax', name: uniqueName(model, 'tstar/softmax'), inputs: [scaled], outputs: [probabilities], attributes: { axis } });
  }
  if (options.logProbabilities && logProbabilities === undefined) {
    logProbabilities = uniqueName(model, 'log_probabilities');
    nodes.push({ op: 'LogSoftmax', name: uniqueName(model, 'tstar/log_softmax'), inputs: [scaled], outputs: [logProbabilities], attributes: { axis } });
  }
  // Before the existing Softmax that now reads the Div (the graph stays topologically sorted), else at the end.
  insertNodes(model, nodes, { before: existing ? g.node!.indexOf(existing.node) : g.node!.length });
  const declared = tensorType(model, head.logits).dims;
  const dims = declared ?? (head.logitsRank === 2 ? [null, head.numClasses ?? null] : undefined);
  for (const name of [probabilities, logProbabilities]) {
    if (name !== undefined && !g.output!.some((o) => o.name === name)) g.output!.push(valueInfo(name, DATA_TYPES.float32, dims));
  }
  return { probabilities, logProbabilities, features, logits: head.logits, head };
}
