import * as tf from '@tensorflow/tfjs';
import { TStarError } from '@tstar/core';
import { softmaxWithTemperature } from './ops.js';
import { checkTemperature } from './tensors.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Arguments of {@link TemperatureSoftmax}: the usual layer arguments plus the temperature. */
export interface TemperatureSoftmaxArgs extends LayerArgs {
  /** T: the logits are divided by it before the softmax. Finite and > 0. */
  temperature: number;
  /** Make T a trainable weight (named `temperature`, initialised to `temperature`). Default false. */
  learnable?: boolean;
}

/**
 * softmax(x / T) over the last axis, as a layer: the output of a model trained at temperature T, or a
 * calibrated one. Registered with `tf.serialization`, so `model.save` / `tf.loadLayersModel` keep it (import this
 * package before loading). On the cpu and wasm backends the values and gradients come from @tstar/core; on
 * webgl / webgpu the layer is `tf.softmax(tf.div(x, T))` and keeps data on the GPU. With `learnable: true`, T is a
 * weight trained by dL/dT (a step that drives T to ≤ 0 throws E_TEMPERATURE on cpu/wasm).
 * @throws {TStarError} E_TEMPERATURE (T not finite or ≤ 0), E_DTYPE (a non-float32 input), E_NONFINITE, E_MASKED at call
 * @example tf.sequential({ layers: [tf.layers.dense({ units: 10, inputShape: [64] }), new TemperatureSoftmax({ temperature: 1.5 })] })
 */
export class TemperatureSoftmax extends tf.layers.Layer {
  /** The name tfjs serialises this layer under. */
  static readonly className = 'TemperatureSoftmax';
  /** Whether T is a trainable weight. */
  readonly learnable: boolean;
  private fixed: number;
  private variable?: tf.LayerVariable;

  constructor(args: TemperatureSoftmaxArgs) {
    if (typeof args !== 'object' || args === null) throw new TStarError('E_ARGUMENT', `TemperatureSoftmax: expected { temperature, learnable? }, got ${String(args)}`);
    const { temperature, learnable, ...layerArgs } = args;
    super(layerArgs);
    this.fixed = checkTemperature('TemperatureSoftmax', temperature);
    this.learnable = learnable === true;
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    if (this.learnable && !this.variable) {
      this.variable = this.addWeight('temperature', [], 'float32', tf.initializers.constant({ value: this.fixed }), undefined, true);
    }
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (Array.isArray(inputs) && inputs.length !== 1) throw new TStarError('E_ARGUMENT', `TemperatureSoftmax: expects one input, got ${inputs.length}`);
    return softmaxWithTemperature(x, this.variable ? this.variable.read() : this.fixed);
  }

  /** The current T (a learnable T is read from its weight). */
  get temperature(): number {
    return this.variable ? this.variable.read().dataSync()[0] : this.fixed;
  }

  /** Replaces T (a learnable T's weight is assigned). */
  set temperature(value: number) {
    const t = checkTemperature('TemperatureSoftmax', value);
    if (this.variable) {
      const value = tf.scalar(t);
      this.variable.write(value);
      value.dispose();
    }
    else this.fixed = t;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), temperature: this.temperature, learnable: this.learnable };
  }
}

tf.serialization.registerClass(TemperatureSoftmax);
