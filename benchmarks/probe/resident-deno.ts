// Deno side of the resident timing: `deno run --allow-read probe/resident-deno.ts <job.json>`, where the job
// (written by src/softmax-floor.ts) names the wasm files, the shapes, T and the round counts. Prints one JSON
// object: Deno's version, whether relaxed SIMD validates here, and the results of probe/resident.ts.
import { timeResident, type ResidentKernel, type ResidentResult } from './resident.ts';

interface Job {
  kernels: { name: string; file: string; extra: number[]; relaxed: boolean }[];
  cases: { shape: [number, number]; data: string }[];
  temperature: number;
  rounds: number;
  blockMs: number;
}

declare const Deno: { args: string[]; readFileSync(path: string): Uint8Array; readTextFileSync(path: string): string; version: { deno: string; v8: string } };

const job = JSON.parse(Deno.readTextFileSync(Deno.args[0])) as Job;
const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11]);
const relaxed = WebAssembly.validate(probe);
const kernels: ResidentKernel[] = job.kernels
  .filter((k) => relaxed || !k.relaxed)
  .map((k) => ({ name: k.name, bytes: Deno.readFileSync(k.file), extra: k.extra }));
const results: ResidentResult[] = [];
for (const c of job.cases) {
  const raw = Deno.readFileSync(c.data);
  const x = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  results.push(...timeResident(kernels, x, c.shape, job.temperature, job.rounds, job.blockMs));
}
console.log(JSON.stringify({ deno: Deno.version.deno, v8: Deno.version.v8, relaxedSimd: relaxed, results }));
