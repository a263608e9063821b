import { TStarError, statusError } from './errors.js';
import { wasm, kernelStatus, type TStarExports } from './load.js';

// The arena is a bump allocator over wasm memory above __heap_base, reset at the start of every call,
// so same-size calls reuse the same bytes and memory never grows across repeats.
let top = 0;
// Per-instance state, rebuilt when the instance or its buffer changes (memory growth detaches the old buffer).
let owner: TStarExports | undefined;
let base = 0;
let buffer: ArrayBuffer | undefined;
let F32 = new Float32Array(0);
let I32 = new Int32Array(0);
let F64 = new Float64Array(0);

function refresh(exports: TStarExports): void {
  if (exports !== owner) {
    owner = exports;
    base = exports.heapBase();
  }
  const b = exports.memory.buffer;
  if (b !== buffer) {
    buffer = b;
    F32 = new Float32Array(b);
    I32 = new Int32Array(b);
    F64 = new Float64Array(b);
  }
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * Starts a call: every earlier arena pointer becomes invalid. `blocks` lists the byte sizes the call will
 * allocate: memory grows once to hold them all, or the call fails with E_MEMORY before anything grows (wasm
 * memory never shrinks, so a call that fails halfway must not leave it pinned large).
 */
export function arenaReset(...blocks: number[]): void {
  refresh(wasm());
  top = base;
  if (blocks.length > 0) ensure(base + blocks.reduce((s, b) => s + align(b), 0));
}

function ensure(end: number): void {
  const exports = wasm();
  const have = exports.memory.buffer.byteLength;
  if (end > 2 ** 32) throw new TStarError('E_MEMORY', `tstar: ${end} bytes exceed wasm32's 4 GiB address space`);
  if (end > have) {
    try {
      exports.memory.grow(Math.ceil((end - have) / 65536));
    } catch (cause) {
      throw new TStarError('E_MEMORY', `tstar: wasm memory cannot grow to ${end} bytes`, { cause });
    }
    refresh(exports);
  }
}

/** Reserves `bytes` (16-byte aligned) and grows memory if needed. */
export function alloc(bytes: number): number {
  const ptr = top;
  top += align(bytes);
  ensure(top);
  return ptr;
}

/** Copies `data` into a fresh arena block. */
export function put(data: Float32Array | Int32Array | Float64Array): number {
  const ptr = alloc(data.byteLength);
  if (data instanceof Float32Array) F32.set(data, ptr >>> 2);
  else if (data instanceof Int32Array) I32.set(data, ptr >>> 2);
  else F64.set(data, ptr >>> 3);
  return ptr;
}

/** Copies several arrays into fresh arena blocks; returns their pointers in order. */
export function putAll(...data: (Float32Array | Int32Array | Float64Array)[]): number[] {
  return data.map(put);
}

/** A view of `length` floats at `ptr`; valid until the next alloc that grows memory. */
export function f32(ptr: number, length: number): Float32Array {
  refresh(wasm());
  return F32.subarray(ptr >>> 2, (ptr >>> 2) + length);
}

/** A view of `length` doubles at `ptr`; valid until the next alloc that grows memory. */
export function f64(ptr: number, length: number): Float64Array {
  refresh(wasm());
  return F64.subarray(ptr >>> 3, (ptr >>> 3) + length);
}

/** A view of `length` 32-bit integers at `ptr`; valid until the next alloc that grows memory. */
export function i32(ptr: number, length: number): Int32Array {
  refresh(wasm());
  return I32.subarray(ptr >>> 2, (ptr >>> 2) + length);
}

type Allocate = (length: number) => Float32Array;
let allocate: Allocate = (length) => new Float32Array(length);

/**
 * Lets a host entry supply the arrays `take` returns. `take` overwrites every element, so the memory
 * needs no zero fill — on Node, fresh zeroed megabytes cost page faults that unfilled memory avoids.
 */
export function setResultAllocator(make: Allocate): void {
  allocate = make;
}

/** Copies `length` floats from the arena into `out`, or into a new array. */
export function take(ptr: number, length: number, out?: Float32Array): Float32Array {
  const view = f32(ptr, length);
  const result = out ?? allocate(length);
  result.set(view);
  return result;
}

/**
 * Throws the TStarError for a kernel status; `unit` names what the kernel's error index counts, `nonFinite` what
 * a non-finite status means for this kernel (softmax-like kernels take −Infinity as a mask; BatchNorm does not).
 */
export function check(op: string, status: number, unit = 'row', nonFinite = 'NaN or +Infinity'): void {
  const codes = kernelStatus();
  if (status !== codes.ok) throw statusError(op, status, codes, `${unit} ${wasm().errorIndex()}`, nonFinite);
}

type RowKernel = TStarExports['softmax'];

/** The shared shape of a row-wise kernel: copy x in, run in place, map status, copy out. */
export function runRows(op: string, kernel: RowKernel, x: Float32Array, rows: number, cols: number, invT: number, out?: Float32Array): Float32Array {
  const n = rows * cols;
  if (n === 0) return out ?? new Float32Array(0);
  arenaReset(x.byteLength);
  const ptr = put(x);
  check(op, kernel(ptr, ptr, rows, cols, invT));
  return take(ptr, n, out);
}
