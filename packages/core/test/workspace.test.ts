import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createWorkspace, softmax, logSoftmax, softmaxBackward, crossEntropy, batchNorm, WorkspaceArray, type Workspace } from '../src/index.js';
import { wasm } from '../src/load.js';
import * as ref from './reference.js';
import { mat, labels, expectClose, expectCode, RUNS, rng } from './helpers.js';

const memoryBytes = (): number => wasm().memory.buffer.byteLength;

/** A workspace array holding `data`. */
function resident(ws: Workspace, data: Float32Array): WorkspaceArray {
  const a = ws.float32(data.length);
  a.view.set(data);
  return a;
}

describe('createWorkspace', () => {
  it('hands out zero-filled arrays whose views live in wasm memory', () => {
    const ws = createWorkspace();
    const a = ws.float32(37);
    expect(a.length).toBe(37);
    expect(a.view.buffer).toBe(wasm().memory.buffer);
    expect(Array.from(a.view)).toEqual(new Array(37).fill(0));
    ws.release();
  });

  it('softmax reads a workspace x and writes a workspace out in place, matching float64 in both precisions', () => {
    const ws = createWorkspace();
    const x = mat(64, 1000, 5, -20, 20);
    const xs = resident(ws, x), out = ws.float32(x.length);
    for (const precision of ['fast', 'accurate'] as const) {
      const y = softmax(xs, [64, 1000], { temperature: 3, out, precision });
      expect(y.buffer).toBe(wasm().memory.buffer);
      expect(y.byteOffset).toBe(out.view.byteOffset);
      expectClose(out.view, ref.softmax(x, 64, 1000, 3), { rel: precision === 'fast' ? 3e-6 : 1e-6, abs: 1e-35, floor: 1e-30 });
      expect(xs.view).toEqual(x);
    }
    ws.release();
  });

  it('needs no scratch memory for resident data: a 16 MB softmax leaves wasm memory unchanged, a copied one grows it', () => {
    const ws = createWorkspace();
    const n = 4 << 20;
    const xs = ws.float32(n), out = ws.float32(n);
    xs.view.set(mat(1024, 4096, 9));
    softmax(xs, [1024, 4096], { out }); // warm: nothing else needs to grow
    const before = memoryBytes();
    softmax(xs, [1024, 4096], { out });
    logSoftmax(xs.view, [1024, 4096], { out: out.view });
    expect(memoryBytes()).toBe(before);
    const copied = xs.view.slice();
    softmax(copied, [1024, 4096]);
    expect(memoryBytes()).toBeGreaterThan(before);
    ws.release();
  });

  it('runs in place (out is x) and through a shifted alias (x and out overlap) with correct results', () => {
    const ws = createWorkspace();
    const x = mat(3, 40, 2);
    const a = resident(ws, x);
    softmax(a, [3, 40], { out: a, temperature: 0.5 });
    expectClose(a.view, ref.softmax(x, 3, 40, 0.5), { rel: 3e-6, abs: 1e-35, floor: 1e-30 });
    const b = ws.float32(x.length + 8);
    b.view.set(x);
    // x = b[0 .. n), out = b[8 .. n + 8): overlapping but shifted, so x is copied first.
    const y = softmax(b.view.subarray(0, x.length), [3, 40], { out: b.view.subarray(8) });
    expectClose(y, ref.softmax(x, 3, 40), { rel: 3e-6, abs: 1e-35, floor: 1e-30 });
    ws.release();
  });

  it('keeps live arrays intact while calls grow memory and reset their scratch space', () => {
    const ws = createWorkspace();
    const keep = resident(ws, mat(1, 4096, 11));
    const expected = keep.view.slice();
    const stale = keep.view;
    for (const cols of [100, 70_000]) softmax(mat(4, cols, cols), [4, cols]);
    crossEntropy(mat(64, 5000, 3), [64, 5000], labels(64, 5000), { grad: true });
    // Larger than all of memory, so the arena must grow it.
    const n = memoryBytes() / 4 + (1 << 18);
    softmax(new Float32Array(n), [1, n]);
    expect(stale.length).toBe(0); // growth detached the old view …
    expect(keep.view).toEqual(expected); // … and .view re-views the same data
    ws.release();
  });

  it('re-views after growth caused by another workspace array, and reports a detached view it is given', () => {
    const ws = createWorkspace();
    const a = resident(ws, mat(2, 50, 4));
    const before = a.view.slice();
    const old = a.view;
    const big = ws.float32(memoryBytes() / 4); // as large as all of memory: it must grow
    expect(old.length).toBe(0);
    expect(a.view).toEqual(before);
    big.view[big.length - 1] = 1;
    expectCode(() => softmax(old, [2, 50]), 'E_ARGUMENT');
    expect(() => softmax(old, [2, 50])).toThrow(/detached/);
    ws.release();
  });

  it('reports use after release: the array, its view, and a kept view, each with E_ARGUMENT', () => {
    const ws = createWorkspace();
    const a = resident(ws, mat(1, 64, 3));
    const kept = a.view;
    a.release();
    expect(a.released).toBe(true);
    expectCode(() => a.view, 'E_ARGUMENT');
    expectCode(() => softmax(a, [1, 64]), 'E_ARGUMENT');
    expectCode(() => softmax(kept, [1, 64]), 'E_ARGUMENT');
    expectCode(() => softmax(mat(1, 64, 3), [1, 64], { out: kept }), 'E_ARGUMENT');
    a.release(); // twice is a no-op
    ws.release();
  });

  it('releases every array with workspace.release() and reuses the memory', () => {
    const ws = createWorkspace();
    const arrays = [ws.float32(1000), ws.float32(5), ws.float32(70_000)];
    const offset = arrays[0].view.byteOffset;
    ws.release();
    for (const a of arrays) expect(a.released).toBe(true);
    const again = createWorkspace();
    expect(again.float32(1000).view.byteOffset).toBe(offset);
    again.release();
  });

  it('rejects a bad length with E_ARGUMENT and cannot be constructed by hand', () => {
    const ws = createWorkspace();
    expectCode(() => ws.float32(-1), 'E_ARGUMENT');
    expectCode(() => ws.float32(1.5), 'E_ARGUMENT');
    expectCode(() => new WorkspaceArray(Symbol('x'), 0, 4, new Set()), 'E_ARGUMENT');
  });

  it('serves crossEntropy (logits, gradOut), softmaxBackward and batchNorm without copies, matching float64', () => {
    const ws = createWorkspace();
    const [rows, cols] = [32, 300];
    const x = mat(rows, cols, 21, -8, 8);
    const y = labels(rows, cols, 22);
    const xs = resident(ws, x), g = ws.float32(x.length);
    const ce = crossEntropy(xs, [rows, cols], y, { temperature: 2, grad: true, gradOut: g });
    const want = ref.crossEntropyGrad(x, rows, cols, y, { temperature: 2 });
    expect(ce.grad.byteOffset).toBe(g.view.byteOffset);
    expectClose(g.view, want.grad, { rel: 1e-5, abs: 1e-8, floor: 1e-4 });
    expect(Math.abs(ce.loss - ref.crossEntropyLoss(x, rows, cols, y, { temperature: 2 }).loss)).toBeLessThan(1e-6 * ce.loss);

    const p = resident(ws, softmax(x, [rows, cols], { precision: 'accurate' }));
    const dy = resident(ws, mat(rows, cols, 23));
    const dx = ws.float32(x.length);
    softmaxBackward(p, dy, [rows, cols], { out: dx });
    expectClose(dx.view, ref.softmaxBackward(p.view, dy.view, rows, cols), { rel: 1e-5, abs: 1e-7, floor: 1e-3 });

    const m = cols;
    const stats = { runningMean: mat(1, m, 24, -1, 1), runningVariance: mat(1, m, 25, 0.5, 3), gamma: mat(1, m, 26, 0.5, 2), beta: mat(1, m, 27, -1, 1) };
    const bn = ws.float32(x.length);
    batchNorm(xs, [rows, m], { ...stats, out: bn });
    expectClose(bn.view, ref.batchNorm(x, rows, m, stats.runningMean, stats.runningVariance, stats.gamma, stats.beta, 1e-5), { rel: 1e-6, abs: 1e-6, floor: 1 });
    ws.release();
  });

  it('property: arrays never alias, survive any mix of allocations, releases and calls, and calls on them match float64 (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 3000 }), fc.nat()), { minLength: 1, maxLength: 25 }), fc.integer(), (steps, seed) => {
        const ws = createWorkspace();
        const live: { a: WorkspaceArray; fill: number }[] = [];
        const r = rng(seed);
        let tag = 1;
        const intact = (): void => {
          for (const { a, fill } of live) expect(a.view.every((v) => v === fill)).toBe(true);
        };
        for (const [kind, size, pick] of steps) {
          if (kind <= 1 || live.length === 0) {
            const a = ws.float32(size);
            a.view.fill(tag);
            live.push({ a, fill: tag++ });
          } else if (kind === 2) {
            live.splice(pick % live.length, 1)[0].a.release();
          } else {
            // Softmax from a fresh array into another fresh one; the others must not move.
            const cols = 1 + (size % 97), rows = 1 + (pick % 5);
            const x = mat(rows, cols, seed + pick, -30, 30);
            const xs = resident(ws, x), out = ws.float32(x.length);
            softmax(xs, [rows, cols], { out, temperature: 0.5 + r() * 4, precision: 'accurate' });
            expect(Math.abs(out.view.reduce((s, v) => s + v, 0) - rows)).toBeLessThan(1e-5 * rows);
            xs.release();
            out.release();
          }
          intact();
        }
        ws.release();
      }),
      { numRuns: Math.min(RUNS, 300) },
    );
  });
});
