import { TStarError } from './errors.js';
import { reserve, reservedView, residentPtr, unreserve } from './memory.js';
import { checkInteger } from './validate.js';

// Only createWorkspace makes WorkspaceArrays: a hand-made one could point anywhere.
const MAKER = Symbol('tstar workspace');

/**
 * A Float32Array's worth of wasm memory that stays put across calls: pass it (or its `view`) to an op as
 * input or `out` and nothing is copied in or out. Made by `createWorkspace().float32(length)`.
 */
export class WorkspaceArray {
  /** Number of floats. */
  readonly length: number;
  #ptr: number;
  #released = false;
  #owner: Set<WorkspaceArray>;
  #view: Float32Array | undefined;

  /** @internal Made by Workspace.float32 only. */
  constructor(maker: symbol, ptr: number, length: number, owner: Set<WorkspaceArray>) {
    if (maker !== MAKER) throw new TStarError('E_ARGUMENT', 'WorkspaceArray: make one with createWorkspace().float32(length)');
    this.#ptr = ptr;
    this.length = length;
    this.#owner = owner;
    owner.add(this);
  }

  /**
   * The data as a Float32Array over wasm memory. Growing wasm memory (any tstar call may) detaches earlier
   * views, so read `.view` again after a call instead of keeping one; tstar reports a detached view it is given.
   * @throws {TStarError} E_ARGUMENT after release()
   */
  get view(): Float32Array {
    if (this.#released) throw new TStarError('E_ARGUMENT', 'WorkspaceArray: used after release()');
    // Made again only when growth replaced the memory's buffer (a detached view has byteLength 0).
    if (this.#view === undefined || (this.#view.byteLength === 0 && this.length > 0)) this.#view = reservedView(this.#ptr, this.length);
    return this.#view;
  }

  /** Whether release() was called (on this array or its workspace). */
  get released(): boolean {
    return this.#released;
  }

  /** Gives the memory back; later use throws E_ARGUMENT. Releasing twice is a no-op. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#view = undefined;
    this.#owner.delete(this);
    unreserve(this.#ptr);
  }
}

/** Hands out wasm-resident arrays and releases them together. */
export interface Workspace {
  /**
   * A zero-filled array of `length` floats in wasm memory, never overlapping another live one.
   * @throws {TStarError} E_INIT, E_ARGUMENT (length not a safe integer ≥ 0), E_MEMORY (wasm32's 4 GiB)
   */
  float32(length: number): WorkspaceArray;
  /** Releases every array this workspace handed out that is still live. */
  release(): void;
}

/**
 * A workspace for wasm-resident buffers: a pipeline that keeps logits, probabilities or gradients in them pays
 * no copy into wasm and no fresh output array per call. The buffers sit below the per-call scratch memory, so
 * no call can overwrite them; only `release()` gives them back.
 * @throws {TStarError} E_INIT (on first use before init)
 * @example
 * const ws = createWorkspace();
 * const logits = ws.float32(rows * cols), probs = ws.float32(rows * cols);
 * logits.view.set(data);
 * softmax(logits, [rows, cols], { out: probs }); // probs.view holds the result
 */
export function createWorkspace(): Workspace {
  const live = new Set<WorkspaceArray>();
  return {
    float32(length: number): WorkspaceArray {
      checkInteger('createWorkspace', 'length', length, undefined, 0, 2 ** 30);
      return new WorkspaceArray(MAKER, reserve(length * 4), length, live);
    },
    release(): void {
      for (const array of [...live]) array.release();
    },
  };
}

/** Anything an op takes as float data: a Float32Array (a workspace view included) or a WorkspaceArray. */
export type FloatData = Float32Array | WorkspaceArray;

/**
 * A float argument of an op: a WorkspaceArray becomes its current view; a view of wasm memory that growth
 * detached, or of a released array, is reported; anything else passes through to validation.
 */
export function floatArg(op: string, name: string, value: unknown): unknown {
  if (value instanceof WorkspaceArray) {
    if (value.released) throw new TStarError('E_ARGUMENT', `${op}: ${name} is a WorkspaceArray used after release()`);
    return value.view;
  }
  if (value instanceof Float32Array) residentPtr(op, name, value);
  return value;
}
