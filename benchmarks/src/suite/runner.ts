// The runtime-neutral runner: for each case, build inputs and the float64 expectation, prepare every
// contender the runtime has, then hand the prepared contenders to measure() as targets. Hosts call
// runCases() (timing in-process) or use CaseSession directly (workerd, timed from outside).
import { TEMPERATURE, type CaseSpec } from './cases.js';
import { tstarOrtContenders } from './contenders/tstar-ort.js';
import { tfjsContender } from './contenders/tfjs.js';
import { TSTAR_TFJS_BACKENDS, tstarTfjsContender } from './contenders/tstar-tfjs.js';
import { ortContender } from './contenders/ort.js';
import { plainContender } from './contenders/plain.js';
import { tstarContenders, tstarResidentContender } from './contenders/tstar.js';
import type { Contender, Family, Prepared } from './contenders/contender.js';
import type { Env } from './env.js';
import { buildCase, type BuiltCase } from './inputs.js';
import { measure, type MeasureOptions, type Target, type TargetResult } from './measure.js';

export interface ContenderResult {
  name: string;
  family: Family;
  medianUs?: number;
  p10Us?: number;
  p90Us?: number;
  minUs?: number;
  samples?: number;
  callsPerSample?: number;
  /** Largest error against float64 (null for the stream row, which computes nothing). */
  maxError?: number | null;
  failure?: string;
}

export interface CaseResult {
  id: string;
  op: CaseSpec['op'];
  rows: number;
  cols: number;
  series: CaseSpec['series'];
  classes?: number;
  /** Bytes the stream row moves (an ideal kernel's reads and writes). */
  bytes?: { read: number; write: number };
  contenders: ContenderResult[];
  /** Wall time of the whole case (inputs, float64 expectation, preparing, checking, timing): what resumes and estimates use. */
  seconds?: number;
}

/** The name of the physical-limit row in every report. */
export const STREAM = 'memory stream (wasm)';

/**
 * The physical-limit row: dist/stream.wasm copies (and reads or writes the rest of) exactly the bytes an
 * ideal kernel for the case must move, on data already in wasm memory.
 */
function streamContender(module: WebAssembly.Module): Contender {
  const instance = new WebAssembly.Instance(module, {});
  const exports = instance.exports as { memory: WebAssembly.Memory; heapBase(): number; stream(src: number, dst: number, copy: number, readOnly: number, writeOnly: number): number };
  const round = (n: number): number => Math.ceil(n / 16) * 16;
  return {
    name: STREAM,
    family: 'limit',
    prepare: (c) => {
      if (!c.bytes) return undefined;
      const read = round(c.bytes.read), write = round(c.bytes.write);
      const copy = Math.min(read, write);
      const src = exports.heapBase();
      const dst = src + read;
      const need = dst + write - exports.memory.buffer.byteLength;
      if (need > 0) exports.memory.grow(Math.ceil(need / 65536));
      // Touch the source pages once so the first timed call does not pay for them.
      new Uint8Array(exports.memory.buffer, src, read).fill(1);
      return { run: () => exports.stream(src, dst, copy, read - copy, write - copy) };
    },
  };
}

/** Every contender this runtime has, in report order: tstar, plain JS, tfjs, onnxruntime, the stream row. */
export function contendersOf(env: Env): Contender[] {
  const list: Contender[] = [...tstarContenders(env.core), tstarResidentContender(env.core), plainContender()];
  if (env.tf) for (const backend of env.tfBackends) list.push(tfjsContender(env.tf, backend));
  for (const flavour of env.ort) list.push(ortContender(flavour, env.models));
  // Adapter overhead rows: @tstar/tfjs's layer and loss on each backend where it runs the core, and
  // @tstar/ort over each CPU onnxruntime.
  if (env.tf && env.tstarTfjs) for (const backend of env.tfBackends.filter((b) => TSTAR_TFJS_BACKENDS.includes(b))) list.push(tstarTfjsContender(env.tf, env.tstarTfjs, backend, TEMPERATURE));
  const logits = env.models.logits;
  if (logits) for (const flavour of env.ort.filter((f) => !f.name.includes('webgpu'))) list.push(...tstarOrtContenders(flavour, logits, TEMPERATURE));
  if (env.stream) list.push(streamContender(env.stream));
  return list;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';
/** Results land here so no engine can drop a timed call as dead code. */
let sink: unknown;

/** One case with its contenders prepared: what a host times, in-process or from outside. */
export class CaseSession {
  readonly built: BuiltCase;
  readonly prepared = new Map<string, { contender: Contender; prepared: Prepared; async?: boolean }>();
  readonly failures = new Map<string, { family: Family; failure: string }>();

  private constructor(built: BuiltCase) {
    this.built = built;
  }

  static async open(env: Env, spec: CaseSpec, contenders = contendersOf(env)): Promise<CaseSession> {
    const session = new CaseSession(buildCase(spec));
    for (const contender of contenders) {
      try {
        const prepared = await contender.prepare(session.built);
        if (prepared) session.prepared.set(contender.name, { contender, prepared });
      } catch (error) {
        session.failures.set(contender.name, { family: contender.family, failure: message(error) });
      }
    }
    return session;
  }

  /** Runs a contender once; its output's error against float64 (null for the stream row). */
  async check(name: string): Promise<number | null> {
    const entry = this.entry(name);
    await entry.prepared.enter?.();
    let out = entry.prepared.run();
    if (isThenable(out)) {
      entry.async = true;
      out = await out;
    }
    sink = out;
    return entry.contender.family === 'limit' ? null : this.built.check(out as never);
  }

  async enter(name: string): Promise<void> {
    await this.entry(name).prepared.enter?.();
  }

  /** `calls` consecutive calls (awaited one by one for async contenders). */
  async run(name: string, calls: number): Promise<void> {
    const { prepared, async } = this.entry(name);
    const run = prepared.run;
    if (async) for (let i = 0; i < calls; i++) sink = await run();
    else for (let i = 0; i < calls; i++) sink = run();
  }

  /** A target timed here with `performance.now()`; the sync loop stays free of awaits. */
  localTarget(name: string): Target {
    const entry = this.entry(name);
    return {
      name,
      enter: entry.prepared.enter && (() => entry.prepared.enter!()),
      check: () => this.check(name),
      time: async (calls) => {
        const run = entry.prepared.run;
        if (entry.async) {
          const t0 = performance.now();
          for (let i = 0; i < calls; i++) sink = await run();
          return performance.now() - t0;
        }
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) sink = run();
        return performance.now() - t0;
      },
    };
  }

  /** Results in contender order, failures included. */
  results(order: Contender[], measured: TargetResult[]): CaseResult {
    return caseResult(this.built.spec, this.built.bytes, order, this.failures, measured);
  }

  dispose(): void {
    for (const { prepared } of this.prepared.values()) prepared.dispose?.();
    this.prepared.clear();
  }

  private entry(name: string): { contender: Contender; prepared: Prepared; async?: boolean } {
    const entry = this.prepared.get(name);
    if (!entry) throw new Error(`no contender ${name} on ${this.built.spec.id}`);
    return entry;
  }
}

/** A case's result: contenders in `order`, failures from preparing or measuring included. */
export function caseResult(
  spec: CaseSpec, bytes: BuiltCase['bytes'], order: { name: string; family: Family }[],
  failures: Map<string, { failure: string }>, measured: TargetResult[],
): CaseResult {
  const contenders: ContenderResult[] = [];
  for (const c of order) {
    const failed = failures.get(c.name);
    if (failed) {
      contenders.push({ name: c.name, family: c.family, failure: failed.failure });
      continue;
    }
    const m = measured.find((r) => r.name === c.name);
    if (!m) continue;
    contenders.push({
      name: c.name, family: c.family,
      ...(m.failure ? { failure: m.failure } : {}),
      ...(m.time ? { medianUs: m.time.median, p10Us: m.time.p10, p90Us: m.time.p90, minUs: m.time.min, samples: m.time.samples, callsPerSample: m.time.callsPerSample } : {}),
      ...(m.maxError !== undefined ? { maxError: m.maxError } : {}),
    });
  }
  return { id: spec.id, op: spec.op, rows: spec.rows, cols: spec.cols, series: spec.series, ...(spec.classes ? { classes: spec.classes } : {}), ...(bytes ? { bytes } : {}), contenders };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs cases in this process, one after another; `log` gets one line per case. */
export async function runCases(env: Env, specs: CaseSpec[], options: MeasureOptions, log: (line: string) => void = () => {}): Promise<CaseResult[]> {
  const contenders = contendersOf(env);
  const results: CaseResult[] = [];
  for (const spec of specs) {
    const t0 = performance.now();
    const session = await CaseSession.open(env, spec, contenders);
    try {
      const targets = [...session.prepared.keys()].map((name) => session.localTarget(name));
      const measured = await measure(targets, { ...options, collect: env.collect });
      const result = session.results(contenders, measured);
      result.seconds = Number(((performance.now() - t0) / 1000).toFixed(2));
      results.push(result);
      log(`${env.runtime} ${spec.id}: ${summaryLine(result)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } finally {
      session.dispose();
    }
  }
  return results;
}

/** One line per case for progress logs. */
export function summaryLine(result: CaseResult): string {
  return result.contenders
    .map((c) => (c.failure ? `${c.name} FAILED (${c.failure.slice(0, 80)})` : `${c.name} ${c.medianUs?.toPrecision(3)} µs`))
    .join(', ');
}
