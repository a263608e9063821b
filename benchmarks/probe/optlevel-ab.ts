// A/B of two or more builds of tstar.wasm on the hot kernels (softmax and logSoftmax in both precisions,
// cross-entropy forward + gradient, BatchNorm inference), called on data already in wasm memory: each build
// gets its own instance; blocks are interleaved in rotated order; the answer is the median time per call.
// Used to pick how the core's wasm is built (issue 15's size budget). Inside packages/core:
//   npx asc assembly/index.ts --enable simd -O3 --runtime stub --noAssert --outFile /tmp/O3.wasm
//   npx asc assembly/index.ts --enable simd -O3s --runtime stub --noAssert --outFile /tmp/O3s.wasm
// then inside benchmarks/:
//   npx tsx probe/optlevel-ab.ts O3=/tmp/O3.wasm shipped=../packages/core/dist/tstar.wasm O3s=/tmp/O3s.wasm --rounds 16 --block 40
// Each build's outputs are compared with the first build's (count of entries that differ in any bit).
import { readFileSync } from 'node:fs';

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  softmax(x: number, y: number, rows: number, cols: number, invT: number, fast: number): number;
  logSoftmax(x: number, y: number, rows: number, cols: number, invT: number, fast: number): number;
  crossEntropyLabels(...args: number[]): number;
  batchNormApply(x: number, y: number, n: number, m: number, mean: number, scale: number, shift: number): number;
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const rounds = flag('--rounds', 12);
const blockMs = flag('--block', 40);
const builds = args.filter((a) => a.includes('=')).map((a) => ({ name: a.slice(0, a.indexOf('=')), bytes: readFileSync(a.slice(a.indexOf('=') + 1)) }));
if (builds.length < 2) throw new Error('usage: optlevel-ab.ts NAME=file.wasm NAME=file.wasm … [--rounds n] [--block ms]');

// Seeded logits ~ N(0, 4²), labels, BN parameters.
let seed = 12345;
const rand = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const normal = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
const SM: [number, number] = [256, 1000];
const BN: [number, number] = [256, 2048];
const x = Float32Array.from({ length: SM[0] * SM[1] }, () => 4 * normal());
const labels = Int32Array.from({ length: SM[0] }, () => Math.floor(rand() * SM[1]));
const xb = Float32Array.from({ length: BN[0] * BN[1] }, () => normal() * 2 + 1);
const mean = Float32Array.from({ length: BN[1] }, () => normal());
const scale = Float32Array.from({ length: BN[1] }, () => 0.5 + rand());
const shift = Float32Array.from({ length: BN[1] }, () => normal());

interface Case {
  name: string;
  run: (e: Exports, at: Record<string, number>) => number;
  output: (e: Exports, at: Record<string, number>) => Float32Array;
}
const n = SM[0] * SM[1];
const cases: Case[] = [
  ...[1, 0].map((fast) => ({
    name: `softmax ${fast ? 'fast' : 'accurate'} [256×1000]`,
    run: (e: Exports, at: Record<string, number>) => e.softmax(at.x, at.y, SM[0], SM[1], 1 / 3, fast),
    output: (e: Exports, at: Record<string, number>) => new Float32Array(e.memory.buffer, at.y, n),
  })),
  ...[1, 0].map((fast) => ({
    name: `logSoftmax ${fast ? 'fast' : 'accurate'} [256×1000]`,
    run: (e: Exports, at: Record<string, number>) => e.logSoftmax(at.x, at.y, SM[0], SM[1], 1 / 3, fast),
    output: (e: Exports, at: Record<string, number>) => new Float32Array(e.memory.buffer, at.y, n),
  })),
  {
    name: 'crossEntropy fwd+grad fast [256×1000]',
    run: (e, at) => e.crossEntropyLabels(at.x, SM[0], SM[1], 1 / 3, at.labels, 0, 0, -100, at.loss, at.y, 1 / SM[0], 0, at.dT, 1),
    output: (e, at) => new Float32Array(e.memory.buffer, at.y, n),
  },
  {
    name: 'batchNorm [256×2048]',
    run: (e, at) => e.batchNormApply(at.xb, at.yb, BN[0], BN[1], at.mean, at.scale, at.shift),
    output: (e, at) => new Float32Array(e.memory.buffer, at.yb, BN[0] * BN[1]),
  },
];

// One instance per build, every input at a fixed address.
const instances = builds.map((b) => {
  const e = new WebAssembly.Instance(new WebAssembly.Module(b.bytes), {}).exports as unknown as Exports;
  const at: Record<string, number> = {};
  let top = Math.ceil(e.heapBase() / 64) * 64;
  const place = (name: string, data: Float32Array | Int32Array | number): void => {
    const bytes = typeof data === 'number' ? data : data.byteLength;
    at[name] = top;
    top += Math.ceil(bytes / 64) * 64;
    if (top > e.memory.buffer.byteLength) e.memory.grow(Math.ceil((top - e.memory.buffer.byteLength) / 65536));
    if (typeof data !== 'number') new (data.constructor as Float32ArrayConstructor)(e.memory.buffer, at[name], data.length).set(data as Float32Array);
  };
  place('x', x);
  place('y', n * 4);
  place('labels', labels);
  place('loss', SM[0] * 8);
  place('dT', 8);
  place('xb', xb);
  place('yb', xb.byteLength);
  place('mean', mean);
  place('scale', scale);
  place('shift', shift);
  return { name: b.name, e, at };
});

for (const c of cases) {
  const reference = (() => {
    const first = instances[0];
    if (c.run(first.e, first.at) !== 0) throw new Error(`${c.name}: status ≠ OK`);
    return c.output(first.e, first.at).slice();
  })();
  const runs = instances.map((inst) => {
    c.run(inst.e, inst.at);
    const out = c.output(inst.e, inst.at);
    let differ = 0;
    for (let i = 0; i < out.length; i++) if (!Object.is(out[i], reference[i])) differ++;
    const w0 = performance.now();
    let calls = 0;
    while (calls < 3 || performance.now() - w0 < 60) (c.run(inst.e, inst.at), calls++);
    const perSample = Math.max(1, Math.ceil(0.5 / ((performance.now() - w0) / calls)));
    return { inst, differ, perSample, samples: [] as number[] };
  });
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < runs.length; j++) {
      const r = runs[(j + round) % runs.length];
      const start = performance.now();
      while (performance.now() - start < blockMs) {
        const t0 = performance.now();
        for (let k = 0; k < r.perSample; k++) c.run(r.inst.e, r.inst.at);
        r.samples.push(((performance.now() - t0) * 1000) / r.perSample);
      }
    }
  }
  const medians = runs.map((r) => [...r.samples].sort((a, b) => a - b)[r.samples.length >> 1]);
  console.log(
    `${c.name.padEnd(40)} ` +
      runs.map((r, i) => `${r.inst.name} ${medians[i].toFixed(1)} µs${i > 0 ? ` (${(medians[i] / medians[0]).toFixed(3)}×, ${r.differ} outputs differ)` : ''}`).join('  '),
  );
}
