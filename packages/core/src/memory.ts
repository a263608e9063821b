import { TStarError, statusError } from './errors.js';
import { wasm, kernelStatus, type TStarExports } from './load.js';

// Wasm memory above __heap_base holds, in order: workspace blocks (long-lived, handed out by createWorkspace in
// workspace.ts) in [base, reservedTop), then the per-call arena from reservedTop up. The arena is a bump
// allocator reset at the start of every call, so same-size calls reuse the same bytes and memory never grows
// across repeats; it starts above every live block, so its reset can never clobber one.
let top = 0;
// Per-instance state, rebuilt when the instance or its buffer changes (memory growth detaches the old buffer).
let owner: TStarExports | undefined;
let base = 0;
let buffer: ArrayBuffer | undefined;
let F32 = new Float32Array(0);
let I32 = new Int32Array(0);
let F64 = new Float64Array(0);

interface Block {
  ptr: number;
  bytes: number;
}
// Live workspace blocks, sorted by address, and the end of the highest one (the arena's start).
const blocks: Block[] = [];
let reservedTop = 0;
// Buffers that growth detached: a view still holding one is a stale workspace view, reported as such.
const retired = new WeakSet<ArrayBufferLike>();
// Whether a workspace array was ever handed out: until then no view can be resident or stale.
let reservedEver = false;

function refresh(exports: TStarExports): void {
  if (exports !== owner) {
    owner = exports;
    base = exports.heapBase();
    reservedTop = base;
    blocks.length = 0;
  } else if (buffer !== undefined && buffer.byteLength !== 0) {
    // Growth detaches the old buffer; while ours is attached it is current (asking the Memory costs a host call).
    return;
  }
  const b = exports.memory.buffer;
  if (b !== buffer) {
    if (buffer && reservedEver) retired.add(buffer);
    buffer = b;
    F32 = new Float32Array(b);
    I32 = new Int32Array(b);
    F64 = new Float64Array(b);
  }
}

/** Grows wasm memory to hold `end` bytes. */
function ensure(exports: TStarExports, end: number): void {
  if (end > 2 ** 32) throw new TStarError('E_MEMORY', `tstar: ${end} bytes exceed wasm32's 4 GiB address space`);
  const have = buffer!.byteLength;
  if (end <= have) return;
  try {
    exports.memory.grow(Math.ceil((end - have) / 65536));
  } catch (cause) {
    throw new TStarError('E_MEMORY', `tstar: wasm memory cannot grow to ${end} bytes`, { cause });
  }
  refresh(exports);
}

/** Reserves a long-lived block of `bytes` (16-byte aligned, first fit, zero-filled) below the arena. */
export function reserve(bytes: number): number {
  const exports = wasm();
  refresh(exports);
  reservedEver = true;
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  let at = base;
  let index = 0;
  for (; index < blocks.length && blocks[index].ptr - at < size; index++) at = blocks[index].ptr + blocks[index].bytes;
  ensure(exports, at + size);
  blocks.splice(index, 0, { ptr: at, bytes: size });
  reservedTop = Math.max(reservedTop, at + size);
  new Uint8Array(exports.memory.buffer, at, size).fill(0);
  return at;
}

/** Returns a block from reserve(); the arena moves down when the highest block goes. */
export function unreserve(ptr: number): void {
  const index = blocks.findIndex((b) => b.ptr === ptr);
  if (index < 0) return;
  blocks.splice(index, 1);
  const last = blocks[blocks.length - 1];
  reservedTop = last ? last.ptr + last.bytes : base;
}

/** The current view of `length` floats at a reserved block (re-made after growth). */
export function reservedView(ptr: number, length: number): Float32Array {
  refresh(wasm());
  return new Float32Array(buffer!, ptr, length);
}

/**
 * Where `data` sits in wasm memory when it is a view into a live workspace block (no copy needed), else
 * undefined. A view of tstar's memory outside every live block (a released block) or of a buffer that growth
 * detached is a caller error, reported instead of read.
 */
export function residentPtr(op: string, name: string, data: Float32Array): number | undefined {
  // Callers that never made a workspace array leave here.
  if (!reservedEver) return undefined;
  // `buffer` is current: memory only grows through ensure(), which refreshes it.
  const b = data.buffer;
  if (b !== buffer) {
    if (retired.has(b)) {
      throw new TStarError('E_ARGUMENT', `${op}: ${name} is a workspace view that wasm memory growth detached; read the buffer's .view again after each tstar call`);
    }
    return undefined;
  }
  const start = data.byteOffset, end = start + data.byteLength;
  for (const b of blocks) if (start >= b.ptr && end <= b.ptr + b.bytes) return start;
  throw new TStarError('E_ARGUMENT', `${op}: ${name} views tstar's wasm memory outside any live workspace buffer (was it released?)`);
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * Starts a call: every earlier arena pointer becomes invalid. `sizes` lists the byte sizes the call will
 * allocate: memory grows once to hold them all, or the call fails with E_MEMORY before anything grows (wasm
 * memory never shrinks, so a call that fails halfway must not leave it pinned large). Growth detaches every
 * view of wasm memory, so resolve workspace inputs (resident(), sinkOf()) before this.
 */
export function arenaReset(...sizes: number[]): void {
  const exports = wasm();
  refresh(exports);
  top = reservedTop;
  if (sizes.length > 0) ensure(exports, reservedTop + sizes.reduce((s, b) => s + align(b), 0));
}

/** Reserves `bytes` (16-byte aligned) of the arena and grows memory if needed. */
export function alloc(bytes: number): number {
  const ptr = top;
  top += align(bytes);
  ensure(wasm(), top);
  return ptr;
}

/** Copies `data` into a fresh arena block. */
export function put(data: Float32Array | Int32Array | Float64Array): number {
  // A workspace view is copied by address: growing the arena would detach the view itself.
  const from = data instanceof Float32Array ? residentPtr('tstar', 'an input', data) : undefined;
  const length = data.length;
  const ptr = alloc(data.byteLength);
  if (from !== undefined) F32.copyWithin(ptr >>> 2, from >>> 2, (from >>> 2) + length);
  else if (data instanceof Float32Array) F32.set(data, ptr >>> 2);
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

/**
 * Copies `length` floats from the arena into `out`, or into a new array. With `outAt` (sinkOf's answer for a
 * workspace `out`) the floats stay in wasm memory and a current view of them is returned.
 */
export function take(ptr: number, length: number, out?: Float32Array, outAt?: number): Float32Array {
  if (outAt !== undefined) {
    if (outAt !== ptr) F32.copyWithin(outAt >>> 2, ptr >>> 2, (ptr >>> 2) + length);
    return reservedView(outAt, length);
  }
  // F32 is current: every caller ran arenaReset, and only ensure() grows memory (refreshing it).
  const view = F32.subarray(ptr >>> 2, (ptr >>> 2) + length);
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
  if (status !== codes.ok) throw statusError(op, status, codes, `${unit} ${wasm().errorIndex()}`, nonFinite, status === codes.range ? wasm().errorRange() : NaN);
}

/** Where a caller's `out` lies when it is a workspace view; call before any alloc, which could detach it. */
export function sinkOf(op: string, out: Float32Array | undefined): number | undefined {
  return out === undefined ? undefined : residentPtr(op, 'out', out);
}

/** A float input resolved before the call's memory grows: where it lies when it is a workspace view. */
export interface Input {
  data: Float32Array;
  /** Its address in wasm memory when it is a live workspace view, else undefined (copied into the arena). */
  at: number | undefined;
  bytes: number;
}

/** Resolves a float input; call before arenaReset, whose growth would detach a workspace view. */
export function resident(op: string, name: string, data: Float32Array): Input {
  return { data, at: residentPtr(op, name, data), bytes: data.byteLength };
}

/**
 * A kernel input's pointer: a workspace view is read where it lies, unless it overlaps the output at `outAt`
 * (`outBytes` long) other than exactly (`inPlace`: the kernel may run in place) — then it is copied into the
 * arena by address, as any other array is copied. Call after arenaReset.
 */
export function source(input: Input, outAt?: number, outBytes = 0, inPlace = false): number {
  const at = input.at;
  if (at === undefined) return put(input.data);
  const clear = outAt === undefined || at + input.bytes <= outAt || outAt + outBytes <= at || (inPlace && at === outAt);
  return clear ? at : copyIn(input);
}

/** A copy of the input in the arena (a workspace view copied by address: growth may have detached the view). */
export function copyIn(input: Input): number {
  if (input.at === undefined) return put(input.data);
  const ptr = alloc(input.bytes);
  F32.copyWithin(ptr >>> 2, input.at >>> 2, (input.at + input.bytes) >>> 2);
  return ptr;
}

type RowKernel = TStarExports['softmax'];

/** The shared shape of a row-wise kernel (which may run in place): x in, run, map status, result out. */
export function runRows(op: string, kernel: RowKernel, x: Float32Array, rows: number, cols: number, invT: number, out?: Float32Array, fast = false): Float32Array {
  const n = rows * cols;
  if (n === 0) return out ?? new Float32Array(0);
  const outAt = sinkOf(op, out);
  const input = resident(op, 'x', x);
  // Arena: x's copy (the kernel runs in place on it) or y when x is resident, unless both are.
  arenaReset(input.at !== undefined && outAt !== undefined ? 0 : n * 4);
  const xPtr = source(input, outAt, n * 4, true);
  // A workspace x stays untouched (the result goes elsewhere); an arena copy is overwritten in place.
  const yPtr = outAt ?? (input.at === undefined || xPtr !== input.at ? xPtr : alloc(n * 4));
  check(op, kernel(xPtr, yPtr, rows, cols, invT, fast ? 1 : 0));
  return take(yPtr, n, out, outAt);
}
