import * as tf from '@tensorflow/tfjs';
import { TStarError } from '@tstar/core';
import { checkTemperature, typeName } from '@tstar/core/validate';

/** Not a usable model (no recognisable head, unreadable, built by another tfjs copy). */
export function modelError(message: string): TStarError {
  return new TStarError('E_MODEL', message);
}

/** The backends whose numbers come from @tstar/core (their tensors live in host or wasm memory: reading is a copy). */
export const CORE_BACKENDS: readonly string[] = ['cpu', 'wasm'];

/** Whether the active backend reads its tensors on the host, so the adapter hands them to the core. */
export function onCoreBackend(): boolean {
  return CORE_BACKENDS.includes(tf.getBackend());
}

/** A tf.Tensor of this package's tfjs, or a TStarError naming what arrived (another tfjs copy included). */
export function checkTensor(op: string, name: string, value: unknown): tf.Tensor {
  if (value instanceof tf.Tensor) return value;
  if (typeof value === 'object' && value !== null && 'dataId' in value && 'shape' in value) {
    throw new TStarError('E_ARGUMENT', `${op}: ${name} is a tensor from another copy of @tensorflow/tfjs than the one @tstar/tfjs imports; load both from one installation`);
  }
  throw new TStarError('E_DTYPE', `${op}: ${name} must be a tf.Tensor, got ${typeName(value)}`);
}

/** A tf.LayersModel of this package's tfjs, or E_MODEL naming what arrived. */
export function checkModel(op: string, value: unknown): tf.LayersModel {
  if (value instanceof tf.LayersModel) return value;
  if (typeof value === 'object' && value !== null && 'layers' in value && 'predict' in value) {
    throw modelError(`${op}: the model was built by another copy of @tensorflow/tfjs than the one @tstar/tfjs imports; load both from one installation`);
  }
  throw modelError(`${op}: expected a tf.LayersModel, got ${typeName(value)}`);
}

/** Softmax over the last axis sees a [rows, cols] matrix: every leading axis folds into rows. */
export function matrixShape(op: string, name: string, x: tf.Tensor, rank?: number): [number, number] {
  if (rank !== undefined && x.rank !== rank) throw new TStarError('E_SHAPE', `${op}: ${name} must have rank ${rank}, got shape [${x.shape.join(', ')}]`);
  if (x.rank < 1) throw new TStarError('E_SHAPE', `${op}: ${name} must have rank ≥ 1 (classes on the last axis), got a scalar`);
  if (x.dtype !== 'float32') throw new TStarError('E_DTYPE', `${op}: ${name} must be float32, got ${x.dtype}`);
  const cols = x.shape[x.rank - 1];
  if (cols < 1) throw new TStarError('E_SHAPE', `${op}: ${name} has no classes on its last axis (shape [${x.shape.join(', ')}])`);
  return [x.size / cols, cols];
}

// The core's own temperature check, also run on GPU backends (which never reach the core).
export { checkTemperature };

/**
 * Integer class labels from host values, checked to be integers (tfjs carries labels as float32); the range
 * check is the core's.
 */
export function toLabels(op: string, values: ArrayLike<number>): Int32Array {
  if (values instanceof Int32Array) return values;
  const labels = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new TStarError('E_LABEL', `${op}: label ${i} is ${v}, expected an integer class index`);
    labels[i] = v;
  }
  return labels;
}

/** Checks a label tensor's shape against [rows, cols] logits: [rows] or [rows, 1] when sparse, else [rows, cols]. */
export function checkTargetShape(op: string, target: readonly number[], rows: number, cols: number, sparse: boolean): void {
  const ok = sparse
    ? (target.length === 1 && target[0] === rows) || (target.length === 2 && target[0] === rows && target[1] === 1)
    : target.length === 2 && target[0] === rows && target[1] === cols;
  if (!ok) {
    const want = sparse ? `[${rows}] or [${rows}, 1] (sparse integer labels)` : `[${rows}, ${cols}] (one-hot or soft targets)`;
    throw new TStarError('E_SHAPE', `${op}: labels must have shape ${want}, got [${target.join(', ')}]`);
  }
}

/**
 * A float32 tensor's host values as a Float32Array. tfjs' cpu backend casts int32 → float32 by metadata only, so
 * a float32 tensor (e.g. `tf.oneHot(…).toFloat()`) may hold an Int32Array: that one is converted.
 */
export function hostFloats(values: unknown): Float32Array {
  if (values instanceof Float32Array) return values;
  if (values instanceof Int32Array || values instanceof Uint8Array) return Float32Array.from(values);
  throw new TStarError('E_DTYPE', `expected float32 tensor values, got ${typeName(values)}`);
}

/** Host values of a float32 tensor (see {@link hostFloats}). */
export function floatData(t: tf.Tensor): Float32Array {
  return hostFloats(t.dataSync());
}

/** The core's target from host label values: Int32 labels when sparse, the Float32 matrix otherwise. */
export function toTarget(op: string, values: ArrayLike<number>, sparse: boolean): Int32Array | Float32Array {
  return sparse ? toLabels(op, values) : hostFloats(values);
}

/** tfjs-wasm's heap access: outputs allocated in its memory and typed views onto any tensor's data. */
interface WasmHeap {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

function wasmHeap(backend: unknown): WasmHeap | undefined {
  const b = backend as Partial<WasmHeap> | null;
  return b && typeof b.typedArrayFromHeap === 'function' && typeof b.makeOutput === 'function' ? (b as WasmHeap) : undefined;
}

/**
 * Runs `fill(input, out)` on tfjs-wasm's own memory when `backend` is the wasm backend: `input` is a view of x's
 * data and `out` of a fresh output there, so the core reads and writes tfjs' heap directly (no copy out to a
 * JS array and back). Returns undefined on other backends. The output is freed if `fill` throws.
 */
export function intoWasmHeap(backend: unknown, x: tf.TensorInfo, fill: (input: Float32Array, out: Float32Array) => void): tf.TensorInfo | undefined {
  const heap = wasmHeap(backend);
  if (!heap || x.dtype !== 'float32') return undefined;
  const out = heap.makeOutput([...x.shape], 'float32');
  try {
    // Views only after the allocation, which may grow (and so detach) the heap.
    fill(heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(out));
  } catch (error) {
    heap.disposeData(out.dataId, true);
    throw error;
  }
  return out;
}
