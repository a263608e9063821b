import { float16ToFloat32, TStarError } from '@tstar/core';
import { describe, typeName } from '@tstar/core/validate';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { modelError } from './errors.js';

/**
 * The onnxruntime module the caller uses — `import * as ort from 'onnxruntime-web'` (or
 * `'onnxruntime-web/webgpu'`, `'onnxruntime-node'`). tstar never imports one itself, so a page never bundles
 * onnxruntime-node and a server never loads onnxruntime-web.
 */
export interface OrtRuntime {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: typeof Tensor;
}

/** The model: ONNX bytes, or a path (Node) / URL (fetched) to them. */
export type ModelSource = Uint8Array | ArrayBuffer | string | URL;

/** The onnxruntime module, or E_ARGUMENT naming what arrived instead. */
export function checkRuntime(op: string, runtime: unknown): OrtRuntime {
  const r = runtime as Partial<OrtRuntime> | undefined;
  if (!r || typeof r.InferenceSession?.create !== 'function' || typeof r.Tensor !== 'function') {
    throw new TStarError('E_ARGUMENT', `${op}: options.runtime must be the onnxruntime module (import * as ort from 'onnxruntime-web' or 'onnxruntime-node'), got ${typeName(r)}`);
  }
  return r as OrtRuntime;
}

/** Reads the model bytes: as given, from a path in Node, or fetched from a URL. */
export async function loadModelBytes(op: string, model: ModelSource): Promise<Uint8Array> {
  if (model instanceof Uint8Array) return model;
  if (model instanceof ArrayBuffer) return new Uint8Array(model);
  if (typeof model !== 'string' && !(model instanceof URL)) {
    throw new TStarError('E_ARGUMENT', `${op}: model must be ONNX bytes (Uint8Array, ArrayBuffer), a path or a URL, got ${typeName(model)}`);
  }
  const text = String(model);
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  const isUrl = model instanceof URL || /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^(blob|data):/i.test(text);
  try {
    if (isNode && (!isUrl || text.startsWith('file:'))) {
      // A computed specifier keeps browser bundlers from trying to resolve node:fs.
      const fsName = 'node:fs/promises';
      const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
      return new Uint8Array(await fs.readFile(text.startsWith('file:') ? new URL(text) : text));
    }
    const response = await fetch(text);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw new TStarError('E_ARGUMENT', `${op}: cannot read the model at '${text}' (${(cause as Error).message})`, { cause });
  }
}

/** A logits tensor as a row-major f32 matrix: every axis but the last folds into rows. */
export interface LogitsMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
  dims: readonly number[];
}

/** Checks dims are safe integers (onnxruntime's Tensor requires it; a bigint would slip through arithmetic). */
export function checkDims(op: string, what: string, dims: unknown): readonly number[] {
  if (!Array.isArray(dims) || dims.length === 0 || dims.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
    throw new TStarError('E_SHAPE', `${op}: ${what} must have dims of non-negative safe integers (numbers, not bigint), got ${describe(dims)}`);
  }
  return dims as number[];
}

/**
 * The logits tensor's values as float32, downloaded first when they live on a GPU. float16 arrives as IEEE bits
 * (Uint16Array) or, where the host has it, a Float16Array; float64 is rounded to float32.
 */
export async function logitsMatrix(op: string, name: string, tensor: Tensor | undefined): Promise<LogitsMatrix> {
  if (!tensor) throw modelError(`${op}: the session returned no '${name}' (the logits)`);
  const dims = checkDims(op, `the logits '${name}'`, tensor.dims);
  const type = tensor.type;
  if (type !== 'float32' && type !== 'float16' && type !== 'float64') {
    throw modelError(`${op}: the logits '${name}' are ${type}, not float32/float16/float64`);
  }
  const raw = tensor.location === 'cpu' || tensor.location === 'cpu-pinned' ? tensor.data : await tensor.getData();
  let data: Float32Array;
  if (raw instanceof Float32Array) data = raw;
  else if (raw instanceof Uint16Array) data = float16ToFloat32(raw);
  // Float64Array, or Float16Array where it exists: the typed-array constructor converts each value exactly/rounded.
  else data = new Float32Array(raw as ArrayLike<number>);
  const cols = dims[dims.length - 1];
  const rows = dims.slice(0, -1).reduce((a, b) => a * b, 1);
  return { data, rows, cols, dims };
}
