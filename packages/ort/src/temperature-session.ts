import { applyScaler, checkScaler, isInitialized, logSoftmax, parseScaler, resolveTemperature, softmax, TStarError, type FitTemperatureOptions, type ResolvedTemperature, type Scaler, type TemperatureCoefficients } from '@tstar/core';
import { checkTemperature, describe, typeName } from '@tstar/core/validate';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { modelError } from './errors.js';
import { findHead, type ClassifierHead } from './onnx/head.js';
import { readModel, writeModel } from './onnx/model.js';
import { insertTemperature, type BatchNormStatistics } from './onnx/temperature.js';
import { checkDims, checkRuntime, loadModelBytes, logitsMatrix, type ModelSource, type OrtRuntime } from './runtime.js';

/** Named input tensors for one `run`. */
export type Feeds = Record<string, Tensor>;

/** Data to fit T on (`temperature: 'fit'`): feeds in one or more batches and one integer label per logits row. */
export interface Calibration {
  feeds: Feeds | readonly Feeds[];
  labels: Int32Array | BigInt64Array | readonly number[];
}

/** Options of {@link TemperatureSession.create}. */
export interface TemperatureSessionOptions {
  /**
   * A number > 0; `'auto'`: T̂* = α·√M + β from M, the width entering the head's Gemm/MatMul, read off the graph;
   * `'fit'`: the post-hoc T minimising NLL on `calibration`. Give this or `scaler`.
   */
  temperature?: number | 'auto' | 'fit';
  /**
   * A fitted scaler instead of a temperature: the core's `Scaler` (calibrate()'s `scaler`: temperature, vector,
   * Platt, sigmoid temperatures) or the text of the `scaler.json` that `tstar calibrate` writes. Post mode applies
   * it with the core's applyScaler; graph mode inserts its ONNX ops (Div / Mul + Add, then Softmax or Sigmoid).
   */
  scaler?: Scaler | string;
  /** The onnxruntime module you use (onnxruntime-web, onnxruntime-web/webgpu or onnxruntime-node). */
  runtime: OrtRuntime;
  /** `'post'` (default): the session returns logits and @tstar/core's wasm applies softmax(z / T) in the host. `'graph'`: the model is rewritten so Div(T) → Softmax run inside the session (on its execution provider). */
  mode?: 'post' | 'graph';
  /** The tensor holding the logits. Default: found from the graph (final Gemm/MatMul → optional Add → optional Softmax). */
  logitsOutput?: string;
  /** Also return a tensor as `features`: `true` for the features entering the head's Gemm/MatMul, or a tensor name. */
  featuresOutput?: string | boolean;
  /** Also return `logProbabilities` (log softmax(z / T)). */
  logProbabilities?: boolean;
  /** Insert a BatchNormalization with these statistics right before the head's Gemm/MatMul (both modes). */
  batchNorm?: BatchNormStatistics;
  /** Feeds and labels for `temperature: 'fit'`. */
  calibration?: Calibration;
  /** Options of the fit (`temperature: 'fit'`). */
  fit?: FitTemperatureOptions;
  /** The task's CSG and coefficient overrides for `temperature: 'auto'`. */
  csg?: number;
  coefficients?: Partial<TemperatureCoefficients>;
  /** Passed to `InferenceSession.create` (execution providers, log level, output location…). */
  sessionOptions?: InferenceSession.SessionOptions;
}

/** What {@link TemperatureSession.run} returns: the model's own outputs, plus `probabilities` and the extras asked for. */
export type TemperatureResult = Record<string, Tensor> & {
  /** softmax(logits / T) — or the scaler's calibrated softmax / sigmoid outputs —, float32, shaped like the logits. */
  probabilities: Tensor;
  /** log softmax of the scaled logits, with `logProbabilities: true` (softmax scalers only). */
  logProbabilities?: Tensor;
  /** The features, with `featuresOutput`. */
  features?: Tensor;
};

const CREATE = 'TemperatureSession.create';
const RUN = 'TemperatureSession.run';

interface Plan {
  bytes: Uint8Array;
  probabilities?: string;
  logProbabilities?: string;
  features?: string;
}

function checkOptions(options: TemperatureSessionOptions): void {
  if (!options || typeof options !== 'object') throw new TStarError('E_ARGUMENT', `${CREATE}: expected options { temperature, runtime, mode? }, got ${typeName(options)}`);
  checkRuntime(CREATE, options.runtime);
  const mode = options.mode ?? 'post';
  if (mode !== 'post' && mode !== 'graph') throw new TStarError('E_ARGUMENT', `${CREATE}: mode must be 'post' or 'graph', got ${describe(mode)}`);
  const t = options.temperature;
  if ((t === undefined) === (options.scaler === undefined)) {
    throw new TStarError('E_ARGUMENT', `${CREATE}: give either options.temperature or options.scaler (got ${t === undefined ? 'neither' : 'both'})`);
  }
  if (t !== undefined && t !== 'auto' && t !== 'fit') checkTemperature(CREATE, t);
  if (options.scaler !== undefined) {
    const unused = (['calibration', 'fit', 'csg', 'coefficients'] as const).filter((k) => options[k] !== undefined);
    if (unused.length) throw new TStarError('E_ARGUMENT', `${CREATE}: ${unused.join(', ')} choose a temperature; with a fitted scaler they have no use`);
  }
  if (t === 'fit' && !options.calibration) throw new TStarError('E_ARGUMENT', `${CREATE}: temperature 'fit' needs options.calibration { feeds, labels }`);
  if ((mode === 'post' || t === 'fit') && !isInitialized()) {
    throw new TStarError('E_INIT', `${CREATE}: @tstar/core is not initialised; await init() from @tstar/core first (post mode and 'fit' run its wasm)`);
  }
}

function labelsOf(labels: Calibration['labels'], rows: number): Int32Array {
  let out: Int32Array;
  if (labels instanceof Int32Array) out = labels;
  else if (labels instanceof BigInt64Array) {
    out = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] < -2147483648n || labels[i] > 2147483647n) throw new TStarError('E_LABEL', `${CREATE}: calibration.labels[${i}] is ${labels[i]}, outside int32`);
      out[i] = Number(labels[i]);
    }
  } else if (Array.isArray(labels)) {
    const bad = labels.findIndex((v) => typeof v !== 'number' || !Number.isInteger(v));
    if (bad >= 0) throw new TStarError('E_LABEL', `${CREATE}: calibration.labels[${bad}] must be an integer class index, got ${describe(labels[bad])}`);
    out = Int32Array.from(labels);
  } else {
    throw new TStarError('E_DTYPE', `${CREATE}: calibration.labels must be an Int32Array, BigInt64Array or number[], got ${typeName(labels)}`);
  }
  if (out.length !== rows) throw new TStarError('E_SHAPE', `${CREATE}: calibration gives ${out.length} labels for ${rows} rows of logits`);
  return out;
}

async function createSession(runtime: OrtRuntime, bytes: Uint8Array, options: InferenceSession.SessionOptions | undefined): Promise<InferenceSession> {
  try {
    return await runtime.InferenceSession.create(bytes, options);
  } catch (cause) {
    throw modelError(`${CREATE}: onnxruntime cannot create a session for the model (${(cause as Error)?.message ?? String(cause)})`, cause);
  }
}

async function runSession(op: string, session: InferenceSession, feeds: Feeds, runOptions?: InferenceSession.RunOptions): Promise<InferenceSession.ReturnType> {
  if (!feeds || typeof feeds !== 'object') throw new TStarError('E_ARGUMENT', `${op}: feeds must be an object of named tensors, got ${typeName(feeds)}`);
  try {
    return await session.run(feeds, runOptions);
  } catch (cause) {
    throw new TStarError('E_ARGUMENT', `${op}: onnxruntime refused the run (${(cause as Error)?.message ?? String(cause)})`, { cause });
  }
}

/**
 * An onnxruntime `InferenceSession` whose `run` also returns `probabilities = softmax(logits / T)` — in the host
 * through @tstar/core's wasm (`mode: 'post'`), or inside the session after rewriting the graph (`mode: 'graph'`:
 * Div(T) → Softmax run on the session's execution provider, WebGPU included). With `scaler` instead of
 * `temperature`, `probabilities` are that fitted scaler's outputs (vector scaling, Platt, sigmoid temperatures).
 */
export class TemperatureSession {
  /** The onnxruntime session (of the rewritten model, when tstar rewrote it). */
  readonly session: InferenceSession;
  /** The temperature in force: the one resolved, or a temperature scaler's; undefined for other scalers. */
  readonly temperature: number | undefined;
  /** The scaler in force (a temperature session's is `{ method: 'temperature', temperature }`), checked. */
  readonly scaler: Scaler;
  /** How the temperature was chosen, with T̂*'s parts (`'auto'`) or the fit's report (`'fit'`); undefined with `scaler`. */
  readonly resolution: ResolvedTemperature | undefined;
  readonly mode: 'post' | 'graph';
  /** M, the feature width entering the head's Gemm/MatMul, when the graph shows it. */
  readonly featureDim: number | undefined;
  /** The class count: the logits' last dimension. */
  readonly numClasses: number | undefined;
  /** The classifier head found in the graph. */
  readonly head: ClassifierHead;
  /** The outputs the original model declares (returned by `run` beside `probabilities`). */
  readonly outputNames: readonly string[];
  readonly #runtime: OrtRuntime;
  readonly #plan: Plan;
  readonly #logProbabilities: boolean;

  private constructor(fields: {
    session: InferenceSession; resolution: ResolvedTemperature | undefined; scaler: Scaler; mode: 'post' | 'graph'; head: ClassifierHead; numClasses: number | undefined;
    outputNames: string[]; runtime: OrtRuntime; plan: Plan; logProbabilities: boolean;
  }) {
    this.session = fields.session;
    this.resolution = fields.resolution;
    this.scaler = fields.scaler;
    this.temperature = fields.scaler.method === 'temperature' ? fields.scaler.temperature : undefined;
    this.mode = fields.mode;
    this.head = fields.head;
    this.featureDim = fields.head.featureDim;
    this.numClasses = fields.numClasses;
    this.outputNames = fields.outputNames;
    this.#runtime = fields.runtime;
    this.#plan = fields.plan;
    this.#logProbabilities = fields.logProbabilities;
  }

  /**
   * Reads the model, resolves the temperature and creates the session. The caller's bytes are never modified:
   * rewrites work on a decoded copy.
   * @throws {TStarError} E_ARGUMENT (bad options, unreadable path, `logitsOutput` names no tensor), E_TEMPERATURE
   * (T ≤ 0 or not finite), E_ARGUMENT / E_SHAPE (a malformed scaler, one for another class count, a sigmoid scaler
   * on a graph that already applies a softmax, `logProbabilities` with a sigmoid scaler), E_MODEL (corrupt/truncated bytes, no recognisable head for 'auto', logits not float,
   * onnxruntime refuses the model), E_INIT (post mode or 'fit' before @tstar/core's init), E_SHAPE / E_LABEL
   * (calibration), and the core's errors from the fit
   * @example
   * const session = await TemperatureSession.create(bytes, { temperature: 'auto', mode: 'graph', runtime: ort });
   * const { probabilities } = await session.run({ x: new ort.Tensor('float32', pixels, [1, 3, 48, 192]) });
   */
  static async create(model: ModelSource, options: TemperatureSessionOptions): Promise<TemperatureSession> {
    checkOptions(options);
    const runtime = options.runtime;
    const mode = options.mode ?? 'post';
    const bytes = await loadModelBytes(CREATE, model);
    const original = readModel(bytes);
    const head = findHead(original, { logitsOutput: options.logitsOutput });
    const given = options.scaler === undefined ? undefined
      : typeof options.scaler === 'string' ? parseScaler(options.scaler, head.numClasses) : checkScaler(options.scaler, head.numClasses, CREATE);
    const sigmoidScaler = given?.method === 'platt' || given?.method === 'sigmoid-temperature';
    if (sigmoidScaler && head.softmax) {
      throw new TStarError('E_ARGUMENT', `${CREATE}: a '${given!.method}' scaler ends in a sigmoid, but the logits '${head.logits}' feed ${head.softmax.op} '${head.softmax.node.name ?? ''}' (a softmax classifier)`);
    }
    if (sigmoidScaler && options.logProbabilities) throw new TStarError('E_ARGUMENT', `${CREATE}: logProbabilities are log-softmax outputs; a '${given!.method}' scaler ends in a sigmoid`);
    const outputNames = (original.graph!.output ?? []).map((o) => o.name ?? '');
    if (options.temperature === 'auto' && head.featureDim === undefined) {
      throw modelError(`${CREATE}: temperature 'auto' needs M, the width entering a Gemm/MatMul with a constant 2-D weight that makes the logits '${head.logits}'; none found`);
    }

    // The logits (and features) as outputs: what post mode runs, and what a fit needs in either mode.
    const postPlan = (): Plan => {
      const edited = readModel(bytes);
      const made = insertTemperature(edited, { temperature: 1, exposeOnly: true, logitsOutput: head.logits, featuresOutput: options.featuresOutput, batchNorm: options.batchNorm });
      const untouched = head.logitsIsOutput && made.features === undefined && options.batchNorm === undefined;
      // Nothing changed: the caller's bytes as they are (no re-encoding), but a copy of them, since
      // onnxruntime-web's proxy worker takes ownership of the buffer it is given.
      return { bytes: untouched ? new Uint8Array(bytes) : writeModel(edited), features: made.features };
    };

    let session: InferenceSession | undefined;
    let plan: Plan | undefined;
    let resolution: ResolvedTemperature | undefined;
    let scaler: Scaler;
    let numClasses = head.numClasses;
    try {
      if (mode === 'post' || options.temperature === 'fit') {
        plan = postPlan();
        session = await createSession(runtime, plan.bytes, options.sessionOptions);
      }
      if (given) {
        scaler = given;
      } else if (options.temperature === 'fit') {
        const { logits, shape } = await calibrationLogits(session!, head.logits, options.calibration!);
        numClasses = shape[1];
        resolution = resolveTemperature('fit', { logits, shape, labels: labelsOf(options.calibration!.labels, shape[0]), fit: options.fit });
        scaler = { method: 'temperature', temperature: resolution.temperature };
      } else {
        resolution = resolveTemperature(options.temperature!, { featureDim: head.featureDim, numClasses, csg: options.csg, coefficients: options.coefficients });
        scaler = { method: 'temperature', temperature: resolution.temperature };
      }
      if (mode === 'graph') {
        await session?.release();
        session = undefined;
        const edited = readModel(bytes);
        const made = insertTemperature(edited, {
          ...(given ? { scaler } : { temperature: resolution!.temperature }), logitsOutput: head.logits, featuresOutput: options.featuresOutput,
          logProbabilities: options.logProbabilities, batchNorm: options.batchNorm,
        });
        plan = { bytes: writeModel(edited), probabilities: made.probabilities, logProbabilities: made.logProbabilities, features: made.features };
        session = await createSession(runtime, plan.bytes, options.sessionOptions);
      }
    } catch (error) {
      await session?.release().catch(() => undefined);
      throw error;
    }
    return new TemperatureSession({ session: session!, resolution, scaler: scaler!, mode, head, numClasses, outputNames, runtime, plan: plan!, logProbabilities: options.logProbabilities === true });
  }

  /** The session's input names. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /**
   * Runs the session: the original model's outputs, plus `probabilities` (and `logProbabilities`, `features` when
   * asked for) as onnxruntime Tensors. In graph mode a Softmax the model already had now reads logits / T, so
   * its own output is tempered too.
   * @throws {TStarError} E_ARGUMENT (onnxruntime refuses the feeds), E_MODEL (logits not float), E_SHAPE (bigint
   * dims), E_NONFINITE (NaN or +Infinity logits, post mode)
   * @example const { probabilities } = await session.run({ input: tensor });
   */
  async run(feeds: Feeds, runOptions?: InferenceSession.RunOptions): Promise<TemperatureResult> {
    const outputs = await runSession(RUN, this.session, feeds, runOptions);
    const result: Record<string, Tensor> = {};
    for (const name of this.outputNames) if (outputs[name]) result[name] = outputs[name] as Tensor;
    if (this.mode === 'post') {
      const logits = await logitsMatrix(RUN, this.head.logits, outputs[this.head.logits] as Tensor | undefined);
      const shape = [logits.rows, logits.cols] as const;
      const t = this.temperature;
      // A temperature rides as the kernels' own option (no rounding of z / T to float32); other scalers go through applyScaler.
      result.probabilities = new this.#runtime.Tensor('float32', t !== undefined ? softmax(logits.data, shape, { temperature: t }) : applyScaler(logits.data, shape, this.scaler), logits.dims);
      if (this.#logProbabilities) {
        const lp = t !== undefined ? logSoftmax(logits.data, shape, { temperature: t }) : logSoftmax(applyScaler(logits.data, shape, this.scaler, { output: 'logits' }), shape);
        result.logProbabilities = new this.#runtime.Tensor('float32', lp, logits.dims);
      }
    } else {
      const probabilities = outputs[this.#plan.probabilities!] as Tensor | undefined;
      if (!probabilities) throw modelError(`${RUN}: the session returned no '${this.#plan.probabilities}'`);
      // Before opset 13 Softmax flattens at its axis; the graph gave no rank, so axis 1 was chosen for 2-D logits.
      if (this.head.opset < 13 && this.head.logitsRank === undefined && probabilities.dims.length !== 2) {
        throw modelError(`${RUN}: the logits '${this.head.logits}' are ${probabilities.dims.length}-D; at opset ${this.head.opset} graph mode needs 2-D logits or their rank declared in the model (use mode 'post')`);
      }
      // The graph broadcasts what it is given (a Platt scale and bias over any width): check the width here.
      checkDims(RUN, 'the probabilities', probabilities.dims);
      checkScaler(this.scaler, probabilities.dims[probabilities.dims.length - 1], RUN);
      result.probabilities = probabilities;
      if (this.#plan.logProbabilities !== undefined) result.logProbabilities = outputs[this.#plan.logProbabilities] as Tensor;
    }
    if (this.#plan.features !== undefined) result.features = outputs[this.#plan.features] as Tensor;
    const kept = new Set(Object.values(result));
    for (const tensor of Object.values(outputs) as Tensor[]) {
      // What was exposed only for us and lives on a GPU is freed now; CPU tensors are left to the collector.
      if (!kept.has(tensor) && tensor.location === 'gpu-buffer') tensor.dispose();
    }
    return result as TemperatureResult;
  }

  /** Releases the onnxruntime session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Runs the calibration batches and gathers their logits into one [rows, classes] matrix. */
async function calibrationLogits(session: InferenceSession, name: string, calibration: Calibration): Promise<{ logits: Float32Array; shape: [number, number] }> {
  if (!calibration || typeof calibration !== 'object') throw new TStarError('E_ARGUMENT', `${CREATE}: calibration must be { feeds, labels }, got ${typeName(calibration)}`);
  const batches = Array.isArray(calibration.feeds) ? calibration.feeds : [calibration.feeds as Feeds];
  if (batches.length === 0) throw new TStarError('E_EMPTY', `${CREATE}: calibration.feeds holds no batches`);
  const parts: Float32Array[] = [];
  let rows = 0;
  let cols: number | undefined;
  for (const feeds of batches) {
    const outputs = await runSession(CREATE, session, feeds);
    const m = await logitsMatrix(CREATE, name, outputs[name] as Tensor | undefined);
    checkDims(CREATE, 'calibration logits', m.dims);
    if (cols !== undefined && m.cols !== cols) throw new TStarError('E_SHAPE', `${CREATE}: calibration batches give ${cols} and ${m.cols} classes`);
    cols = m.cols;
    rows += m.rows;
    parts.push(m.data);
  }
  const logits = new Float32Array(rows * cols!);
  let offset = 0;
  for (const p of parts) {
    logits.set(p, offset);
    offset += p.length;
  }
  return { logits, shape: [rows, cols!] };
}

