import * as tf from '@tensorflow/tfjs';
import { applyScaler, checkScaler, parseScaler, TStarError, type Scaler } from '@tstar/core';
import { describe } from '@tstar/core/validate';
import { checkTensor, floatData, intoWasmHeap, matrixShape, onCoreBackend } from './tensors.js';

/** A scaler as calibrate() returns it, or the text of the `scaler.json` that `tstar calibrate` writes. */
export type ScalerInput = Scaler | string;

/** The scaler checked by the core (parsed first when it is JSON text), against `classes` when known. */
export function scalerOf(op: string, scaler: unknown, classes?: number): Scaler {
  return typeof scaler === 'string' ? parseScaler(scaler, classes) : checkScaler(scaler, classes, op);
}

/** Whether a scaler ends in a sigmoid (one probability per column) rather than a softmax over the row. */
export function isSigmoidScaler(scaler: Scaler): boolean {
  return scaler.method === 'platt' || scaler.method === 'sigmoid-temperature';
}

/** Options of {@link scaledProbabilities}. */
export interface ScaledProbabilitiesOptions {
  /** 'probabilities' (default): the calibrated softmax / sigmoid outputs; 'logits': the scaled logits. */
  output?: 'probabilities' | 'logits';
}

/** The same scaler in tf ops: what GPU backends run (nothing leaves the GPU), and the tests' second reference. */
export function composedScaler(x: tf.Tensor, scaler: Scaler, output: 'probabilities' | 'logits'): tf.Tensor {
  return tf.tidy(() => {
    let u: tf.Tensor;
    switch (scaler.method) {
      case 'temperature':
        u = tf.div(x, scaler.temperature);
        break;
      case 'sigmoid-temperature':
        u = tf.div(x, scaler.temperatures.length === 1 ? tf.scalar(scaler.temperatures[0]) : tf.tensor1d(scaler.temperatures));
        break;
      case 'vector':
        u = tf.add(tf.mul(x, tf.tensor1d(scaler.scale)), tf.tensor1d(scaler.bias));
        break;
      case 'platt':
        u = tf.add(tf.mul(x, scaler.scale), scaler.bias);
        break;
    }
    if (output === 'logits') return u;
    return isSigmoidScaler(scaler) ? tf.sigmoid(u) : tf.softmax(u);
  });
}

/**
 * A fitted scaler applied to a logits tensor (classes on the last axis; leading axes fold into rows): the
 * calibrated probabilities — softmax for temperature and vector scalers, sigmoid for Platt and sigmoid
 * temperatures — or, with `output: 'logits'`, the scaled logits. On cpu and wasm the numbers are the core's
 * `applyScaler` (on wasm written straight into tfjs' heap); on webgl / webgpu the same formula in tf ops. For
 * serving: no gradient flows back through the cpu/wasm path.
 * @throws {TStarError} E_ARGUMENT / E_TEMPERATURE / E_SHAPE (a malformed scaler, or one for another class
 * count: the core's checkScaler), E_DTYPE (x not a float32 tf.Tensor), E_SHAPE (a scalar x); on cpu/wasm
 * the core's E_NONFINITE, E_MASKED
 * @example const p = scaledProbabilities(model.predict(x) as tf.Tensor, report.scaler);
 */
export function scaledProbabilities(x: tf.Tensor, scaler: ScalerInput, options: ScaledProbabilitiesOptions = {}): tf.Tensor {
  const op = 'scaledProbabilities';
  checkTensor(op, 'x', x);
  const shape = matrixShape(op, 'x', x);
  const s = scalerOf(op, scaler, shape[1]);
  if (options === null || typeof options !== 'object') throw new TStarError('E_ARGUMENT', `${op}: options must be an object, got ${describe(options)}`);
  const output = options.output ?? 'probabilities';
  if (output !== 'probabilities' && output !== 'logits') throw new TStarError('E_ARGUMENT', `${op}: output must be 'probabilities' or 'logits', got ${describe(output)}`);
  if (!onCoreBackend()) return composedScaler(x, s, output);
  const info = intoWasmHeap(tf.backend(), x, (data, out) => applyScaler(data, shape, s, { output, out }));
  return info ? tf.engine().makeTensorFromTensorInfo(info) : tf.tensor(applyScaler(floatData(x), shape, s, { output }), x.shape, 'float32');
}

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Arguments of {@link ScalerOutput}: the usual layer arguments plus the scaler. */
export interface ScalerOutputArgs extends LayerArgs {
  /** calibrate()'s `scaler`, or the text of `scaler.json`. */
  scaler: ScalerInput;
}

/**
 * A fitted scaler as the last layer of a model: {@link scaledProbabilities} of its input (the logits). Registered
 * with `tf.serialization` under `ScalerOutput`, its config is the scaler's plain JSON, so `model.save` /
 * `tf.loadLayersModel` keep it (import this package before loading). The scaler is checked against the input's
 * class count when the layer is built.
 * @throws {TStarError} a malformed scaler at construction (checkScaler's codes), one for another class count at
 * build, and scaledProbabilities' codes at call
 * @example tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [8] }), new ScalerOutput({ scaler: report.scaler })] })
 */
export class ScalerOutput extends tf.layers.Layer {
  /** The name tfjs serialises this layer under. */
  static readonly className = 'ScalerOutput';
  /** The checked scaler (a copy of what was given). */
  readonly scaler: Scaler;

  constructor(args: ScalerOutputArgs) {
    if (typeof args !== 'object' || args === null) throw new TStarError('E_ARGUMENT', `ScalerOutput: expected { scaler }, got ${describe(args)}`);
    const { scaler, ...layerArgs } = args;
    super(layerArgs);
    this.scaler = scalerOf('ScalerOutput', scaler);
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const classes = shape[shape.length - 1];
    if (typeof classes === 'number') checkScaler(this.scaler, classes, 'ScalerOutput');
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (Array.isArray(inputs) && inputs.length !== 1) throw new TStarError('E_ARGUMENT', `ScalerOutput: expects one input, got ${inputs.length}`);
    return scaledProbabilities(Array.isArray(inputs) ? inputs[0] : inputs, this.scaler);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scaler: structuredClone(this.scaler) as unknown as tf.serialization.ConfigDictValue };
  }
}

tf.serialization.registerClass(ScalerOutput);
