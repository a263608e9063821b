// Kernel-level softmax timing on data already in wasm memory, runtime-neutral (Node and Deno run the same
// code): each named wasm build's softmax export is called with x and y at fixed addresses, in interleaved
// time-boxed rounds; the answer is the median time per element. Used by src/softmax-floor.ts in-process and,
// through probe/resident-deno.ts, inside Deno (where relaxed SIMD is on by default).

/** One kernel to time: a compiled build and how to call its softmax. */
export interface ResidentKernel {
  name: string;
  bytes: Uint8Array;
  /** Extra trailing arguments after (x, y, rows, cols, invT), e.g. [1] for tstar's fast flag. */
  extra: number[];
}

export interface ResidentResult {
  name: string;
  shape: [number, number];
  /** Median nanoseconds per element. */
  nsPerElement: number;
  samples: number;
  /** Largest relative error against float64 on entries ≥ 1e-30. */
  maxRelError: number;
}

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  softmax(...args: number[]): unknown;
}

/** The float64 softmax of x/T per row, the reference every kernel is checked against. */
function reference(x: Float32Array, rows: number, cols: number, t: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += y[r * cols + c] = Math.exp((x[r * cols + c] - m) / t);
    for (let c = 0; c < cols; c++) y[r * cols + c] /= s;
  }
  return y;
}

/**
 * Times every kernel on `x` ([rows, cols], T = `t`): a warm-up, then `rounds` rounds of one `blockMs` block
 * per kernel in rotated order. Each kernel gets its own instance, with x copied in once.
 */
export function timeResident(kernels: ResidentKernel[], x: Float32Array, shape: [number, number], t: number, rounds: number, blockMs: number): ResidentResult[] {
  const [rows, cols] = shape;
  const n = rows * cols;
  const expected = reference(x, rows, cols, t);
  const runs = kernels.map((k) => {
    const e = new WebAssembly.Instance(new WebAssembly.Module(k.bytes as Uint8Array<ArrayBuffer>), {}).exports as unknown as Exports;
    const xPtr = Math.ceil(e.heapBase() / 64) * 64 + 64;
    const yPtr = xPtr + Math.ceil(n / 16) * 64;
    const need = yPtr + n * 4 - e.memory.buffer.byteLength;
    if (need > 0) e.memory.grow(Math.ceil(need / 65536));
    new Float32Array(e.memory.buffer, xPtr, n).set(x);
    const call = (): unknown => e.softmax(xPtr, yPtr, rows, cols, 1 / t, ...k.extra);
    call();
    const y = new Float32Array(e.memory.buffer, yPtr, n);
    let worst = 0;
    for (let i = 0; i < n; i++) if (expected[i] >= 1e-30) worst = Math.max(worst, Math.abs(y[i] - expected[i]) / expected[i]);
    // Warm-up, then enough calls per sample that one sample lasts ≥ 0.2 ms.
    const w0 = performance.now();
    let calls = 0;
    while (calls < 3 || performance.now() - w0 < 100) (call(), calls++);
    const perSample = Math.max(1, Math.ceil(0.2 / ((performance.now() - w0) / calls)));
    return { k, call, perSample, worst, samples: [] as number[] };
  });
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < runs.length; j++) {
      const r = runs[(j + round) % runs.length];
      const start = performance.now();
      while (performance.now() - start < blockMs) {
        const t0 = performance.now();
        for (let c = 0; c < r.perSample; c++) r.call();
        r.samples.push(((performance.now() - t0) * 1e6) / r.perSample / n);
      }
    }
  }
  return runs.map((r) => {
    const sorted = [...r.samples].sort((a, b) => a - b);
    return { name: r.k.name, shape, nsPerElement: sorted[Math.floor(sorted.length / 2)], samples: sorted.length, maxRelError: r.worst };
  });
}
