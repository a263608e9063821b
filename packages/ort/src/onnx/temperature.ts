import { checkScaler, TStarError, type Scaler } from '@tstar/core';
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
  /** T > 0: the graph computes softmax(logits / T). Give this or `scaler`. */
  temperature?: number;
  /**
   * A fitted scaler (the core's `Scaler`, calibrate()'s `scaler`) instead of a temperature: temperature → Div(T),
   * vector → Mul(scale) → Add(bias), then Softmax; Platt → Mul(scale) → Add(bias), sigmoid temperatures →
   * Div(T or one T per class), then Sigmoid.
   */
  scaler?: Scaler;
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
  /** softmax(logits / T), or the scaler's softmax / sigmoid (absent with `exposeOnly`). */
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
 * With `scaler` instead of `temperature`, the fitted scaler's ops replace the Div (see the option) and a Platt or
 * sigmoid-temperature scaler ends in Sigmoid — refused on logits that already feed a Softmax/LogSoftmax.
 * Every check runs before the first edit: a refused call leaves the model as it was.
 * @throws {TStarError} E_TEMPERATURE (T not finite and > 0), E_MODEL (no head, logits not float or of unknown
 * type, opset < 7), E_ARGUMENT (neither or both of temperature and scaler; a malformed scaler, one for another
 * class count, a sigmoid scaler on a softmax head or with logProbabilities), E_SHAPE (Platt on several classes),
 * E_ARGUMENT / E_SHAPE / E_DTYPE / E_NONFINITE (bad `batchNorm` statistics or names)
 * @example
 * const model = readModel(bytes);
 * const { probabilities } = insertTemperature(model, { temperature: 2.5 });
 * const session = await ort.InferenceSession.create(writeModel(model));
 */
export function insertTemperature(model: OnnxModel, options: InsertTemperatureOptions): TemperatureOutputs {
  if (!options || typeof options !== 'object') throw new TStarError('E_ARGUMENT', `${OP}: expected options { temperature } or { scaler }, got ${typeName(options)}`);
  if (!options.exposeOnly && (options.temperature === undefined) === (options.scaler === undefined)) {
    throw new TStarError('E_ARGUMENT', `${OP}: give either temperature or scaler (got ${options.scaler === undefined ? 'neither' : 'both'})`);
  }
  // The core's rules (T finite, > 0, 1/T within float32; scaler parameters finite in float32) so the float32
  // initializers hold what was asked.
  const scaler: Scaler | undefined = options.exposeOnly ? undefined
    : options.scaler !== undefined ? checkScaler(options.scaler, undefined, OP)
      : { method: 'temperature', temperature: checkTemperature(OP, options.temperature) };
  const head = options.head ?? findHead(model, { logitsOutput: options.logitsOutput });
  if (scaler && head.numClasses !== undefined) checkScaler(scaler, head.numClasses, OP);
  const sigmoid = scaler?.method === 'platt' || scaler?.method === 'sigmoid-temperature';
  if (sigmoid && head.softmax) {
    throw new TStarError('E_ARGUMENT', `${OP}: a '${scaler!.method}' scaler ends in a sigmoid, but the logits '${head.logits}' feed ${head.softmax.op} '${head.softmax.node.name ?? ''}' (a softmax classifier)`);
  }
  if (sigmoid && options.logProbabilities) throw new TStarError('E_ARGUMENT', `${OP}: logProbabilities are log-softmax outputs; a '${scaler!.method}' scaler ends in a sigmoid`);
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
  const scaled = uniqueName(model, 'tstar/scaled_logits');
  const constant = (base: string, data: readonly number[], perClass: boolean): string => {
    const name = uniqueName(model, base);
    addInitializer(model, { name, type: 'float32', dims: perClass ? [data.length] : [], data });
    return name;
  };
  const s = scaler!;
  if (s.method === 'temperature' || s.method === 'sigmoid-temperature') {
    const temperatures = s.method === 'temperature' ? [s.temperature] : s.temperatures;
    const temperature = constant('tstar/temperature', temperatures, temperatures.length > 1);
    nodes.push({ op: 'Div', name: uniqueName(model, 'tstar/divide_by_temperature'), inputs: [scaledInput, temperature], outputs: [scaled] });
  } else {
    // Per class (vector: [C], broadcast over the last axis) or one number (Platt, a single logit).
    const perClass = s.method === 'vector';
    const scale = constant('tstar/scale', perClass ? s.scale : [s.scale], perClass);
    const bias = constant('tstar/bias', perClass ? s.bias : [s.bias], perClass);
    const product = uniqueName(model, 'tstar/scaled_by_scale');
    nodes.push(
      { op: 'Mul', name: uniqueName(model, 'tstar/multiply_by_scale'), inputs: [scaledInput, scale], outputs: [product] },
      { op: 'Add', name: uniqueName(model, 'tstar/add_bias'), inputs: [product, bias], outputs: [scaled] },
    );
  }

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
    nodes.push(sigmoid
      ? { op: 'Sigmoid', name: uniqueName(model, 'tstar/sigmoid'), inputs: [scaled], outputs: [probabilities] }
      : { op: 'Softmax', name: uniqueName(model, 'tstar/softmax'), inputs: [scaled], outputs: [probabilities], attributes: { axis } });
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
