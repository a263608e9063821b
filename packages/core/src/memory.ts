import { TStarError, statusError } from './errors.js';
import { wasm, kernelStatus } from './load.js';

// The arena is a bump allocator over wasm memory above __heap_base, reset at the start of every call,
// so same-size calls reuse the same bytes and memory never grows across repeats.
let top = 0;

/** Starts a call: every earlier arena pointer becomes invalid. */
export function arenaReset(): void {
  top = wasm().heapBase();
}

/** Reserves `bytes` (16-byte aligned) and grows memory if needed. Take all pointers before making views. */
export function alloc(bytes: number): number {
  const ptr = top;
  top += Math.ceil(bytes / 16) * 16;
  const memory = wasm().memory;
  const have = memory.buffer.byteLength;
  if (top > 2 ** 32) throw new TStarError('E_MEMORY', `tstar: ${top} bytes exceed wasm32's 4 GiB address space`);
  if (top > have) {
    try {
      memory.grow(Math.ceil((top - have) / 65536));
    } catch (cause) {
      throw new TStarError('E_MEMORY', `tstar: wasm memory cannot grow to ${top} bytes`, { cause });
    }
  }
  return ptr;
}

/** Copies `data` into a fresh arena block. */
export function put(data: Float32Array | Int32Array | Float64Array): number {
  const ptr = alloc(data.byteLength);
  new Uint8Array(wasm().memory.buffer, ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return ptr;
}

export function f32(ptr: number, length: number): Float32Array {
  return new Float32Array(wasm().memory.buffer, ptr, length);
}

export function f64(ptr: number, length: number): Float64Array {
  return new Float64Array(wasm().memory.buffer, ptr, length);
}

/** Copies `length` floats from the arena into `out`, or into a new array. */
export function take(ptr: number, length: number, out?: Float32Array): Float32Array {
  const view = f32(ptr, length);
  if (out) {
    out.set(view);
    return out;
  }
  return view.slice();
}

/** Throws the TStarError for a kernel status; `unit` names what the kernel's error index counts. */
export function check(op: string, status: number, unit = 'row'): void {
  const codes = kernelStatus();
  if (status !== codes.ok) throw statusError(op, status, codes, `${unit} ${wasm().errorIndex()}`);
}

type RowKernel = (x: number, y: number, rows: number, cols: number, ...args: number[]) => number;

/** The shared shape of a row-wise kernel: copy x in, run in place, map status, copy out. */
export function runRows(op: string, kernel: RowKernel, x: Float32Array, rows: number, cols: number, args: number[], out?: Float32Array): Float32Array {
  const n = rows * cols;
  if (n === 0) return out ?? new Float32Array(0);
  arenaReset();
  const ptr = put(x);
  check(op, kernel(ptr, ptr, rows, cols, ...args));
  return take(ptr, n, out);
}
