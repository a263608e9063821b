import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  fitTemperatureWithAsync, mergeTemperatureObjectives, TStarError,
  type CalibrationMetrics, type CalibrationOptions, type FitTemperatureOptions, type TemperatureFit, type TemperatureObjective,
  type TemperatureObjectiveOptions, type TStarErrorCode, type Shape2D,
} from '@tstar/core';
import { checkInteger, checkLabels, checkMatrix, checkOptions, checkTemperature, shiftRowMessage } from '@tstar/core/validate';
import { coreModule } from './load.js';
import type { Reply, Task } from './worker.js';

export interface PoolOptions {
  /** Number of worker threads. Default: the machine's available parallelism, at most 8. */
  workers?: number;
  /**
   * Rows per reduction chunk. Sums (the temperature objective) are taken per chunk and added in chunk order,
   * so a result depends on this number but never on the number of workers. Default 16384.
   */
  chunkRows?: number;
}

/** A set of worker threads, each with its own instance of the core, sharing inputs through SharedArrayBuffers. */
export interface Pool {
  /** Number of workers. */
  readonly size: number;
  /** Rows per reduction chunk (see {@link PoolOptions.chunkRows}). */
  readonly chunkRows: number;
  /** Row-wise softmax of x / T, rows split across workers; bit-identical to the core's `softmax`. */
  softmax(x: Float32Array, shape: Shape2D, options?: { temperature?: number }): Promise<Float32Array>;
  /** Row-wise log-softmax, split like {@link Pool.softmax}. */
  logSoftmax(x: Float32Array, shape: Shape2D, options?: { temperature?: number }): Promise<Float32Array>;
  /** The temperature objective's sums over all rows: per-chunk sums from the workers, added in chunk order. */
  temperatureObjective(logits: Float32Array, shape: Shape2D, labels: Int32Array, options: TemperatureObjectiveOptions): Promise<TemperatureObjective>;
  /**
   * Post-hoc temperature fit (the core's Newton search, {@link fitTemperatureWithAsync}) whose every objective
   * evaluation is {@link Pool.temperatureObjective}: the logits are shared once, each step costs one parallel pass.
   */
  fitTemperature(logits: Float32Array, shape: Shape2D, labels: Int32Array, options?: FitTemperatureOptions): Promise<TemperatureFit>;
  /**
   * The core's `calibrationMetrics` at each temperature, temperatures spread over the workers; each entry is
   * exactly what a single-thread call at that temperature returns.
   */
  calibrationSweep(logits: Float32Array, shape: Shape2D, labels: Int32Array, temperatures: readonly number[], options?: Omit<CalibrationOptions, 'temperature'>, onProgress?: (done: number, total: number) => void): Promise<CalibrationMetrics[]>;
  /** Calls any @tstar/core function by name on one worker (typed arrays over SharedArrayBuffers are not copied). */
  call<T = unknown>(name: string, ...args: unknown[]): Promise<T>;
  /** Runs several core calls at once, one per free worker, results in order. */
  map<T = unknown>(name: string, argsList: unknown[][]): Promise<T[]>;
  /** Stops the workers. */
  close(): Promise<void>;
}

type TaskBody = Task extends infer U ? (U extends Task ? Omit<U, 'id'> : never) : never;

function workerUrl(): URL {
  // Workers always run built JavaScript; under a test runner these sources are TypeScript, so use dist.
  return import.meta.url.endsWith('.ts') ? new URL('../dist/worker.js', import.meta.url) : new URL('./worker.js', import.meta.url);
}

/** Copies a typed array into shared memory unless it already lives there. */
export function toShared<T extends Float32Array | Int32Array>(data: T): T {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  const Ctor = data.constructor as { new (buffer: SharedArrayBuffer): T };
  const shared = new Ctor(new SharedArrayBuffer(data.byteLength));
  shared.set(data as never);
  return shared;
}

/** Splits `rows` into `parts` contiguous ranges whose sizes differ by at most one. */
export function splitRows(rows: number, parts: number): [number, number][] {
  const ranges: [number, number][] = [];
  const k = Math.max(1, Math.min(parts, rows));
  for (let i = 0; i < k; i++) ranges.push([Math.floor((i * rows) / k), Math.floor(((i + 1) * rows) / k)]);
  return ranges.filter(([a, b]) => b > a);
}

/** Fixed-size chunks of `rows`; the reduction order the pool and its single-thread twin share. */
export function chunkRanges(rows: number, chunkRows: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let s = 0; s < rows; s += chunkRows) ranges.push([s, Math.min(rows, s + chunkRows)]);
  return ranges;
}

// A shard reports row indices relative to its own first row; shift them so the message names the caller's row.
function shardError(error: { code: string; message: string }, offset: number): TStarError {
  return new TStarError(error.code as TStarErrorCode, shiftRowMessage(error.message, offset));
}

/**
 * Starts a pool of worker threads, each loading the core's wasm (compiled once here, shared as a module).
 * Row-wise results are bit-identical to the single-thread core; reductions are split into fixed chunks so
 * they are bit-identical for every worker count.
 * @throws {TStarError} E_INIT (a worker cannot load the core), E_ARGUMENT (bad options)
 * @example const pool = await createPool({ workers: 4 }); const p = await pool.softmax(x, [n, c]); await pool.close();
 */
export async function createPool(options: PoolOptions = {}): Promise<Pool> {
  checkOptions('createPool', options);
  const size = checkInteger('createPool', 'workers', options.workers, Math.min(availableParallelism(), 8), 1);
  const chunkRows = checkInteger('createPool', 'chunkRows', options.chunkRows, 16384, 1);
  const module = coreModule();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; offset: number }>();
  let nextId = 0;
  let closed = false;

  const workers = await Promise.all(
    Array.from({ length: size }, () =>
      new Promise<Worker>((resolve, reject) => {
        const worker = new Worker(workerUrl(), { workerData: { module } });
        const onReady = (reply: Reply) => {
          if (reply.id !== -1) return;
          worker.off('error', onStartError);
          worker.on('message', onMessage);
          worker.on('error', onCrash);
          worker.unref();
          resolve(worker);
        };
        const onStartError = (cause: Error) => reject(new TStarError('E_INIT', `createPool: a worker failed to start (${cause.message})`, { cause }));
        worker.once('message', onReady);
        worker.once('error', onStartError);
      }),
    ),
  );

  function onMessage(reply: Reply): void {
    const job = pending.get(reply.id);
    if (!job) return;
    pending.delete(reply.id);
    // Idle workers must not keep the process alive; busy ones must.
    if (pending.size === 0) for (const w of workers) w.unref();
    if ('error' in reply) job.reject(shardError(reply.error, job.offset));
    else job.resolve(reply.result);
  }

  function onCrash(cause: Error): void {
    for (const job of pending.values()) job.reject(new TStarError('E_INTERNAL', `pool: a worker crashed (${cause.message})`, { cause }));
    pending.clear();
    for (const w of workers) w.unref();
  }

  let turn = 0;
  function send<T>(task: TaskBody, offset = 0, worker?: Worker): Promise<T> {
    if (closed) return Promise.reject(new TStarError('E_ARGUMENT', 'pool: used after close()'));
    const id = nextId++;
    const target = worker ?? workers[turn++ % workers.length];
    if (pending.size === 0) for (const w of workers) w.ref();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, offset });
      target.postMessage({ ...task, id });
    });
  }

  async function rows(kernel: 'softmax' | 'logSoftmax', x: Float32Array, shape: Shape2D, temperature: number): Promise<Float32Array> {
    const [r, c] = checkMatrix(kernel, 'x', x, shape);
    checkTemperature(kernel, temperature);
    const input = toShared(x);
    const out = new Float32Array(new SharedArrayBuffer(x.byteLength));
    const ranges = splitRows(r, workers.length);
    await Promise.all(ranges.map(([start, end], i) => send({ op: 'rows', kernel, x: input, out, cols: c, start, end, temperature }, start, workers[i])));
    return out;
  }

  const pool: Pool = {
    size,
    chunkRows,
    softmax: (x, shape, o = {}) => rows('softmax', x, shape, o.temperature ?? 1),
    logSoftmax: (x, shape, o = {}) => rows('logSoftmax', x, shape, o.temperature ?? 1),
    async temperatureObjective(logits, shape, labels, options) {
      const op = 'temperatureObjective';
      const [r, c] = checkMatrix(op, 'logits', logits, shape);
      checkLabels(op, labels, r, c);
      if (options === null || typeof options !== 'object') throw new TStarError('E_ARGUMENT', `${op}: options { temperature } are required`);
      const temperature = checkTemperature(op, options.temperature);
      const l = toShared(logits), y = toShared(labels);
      const chunks = chunkRanges(r, chunkRows);
      const groups = splitRows(chunks.length, workers.length).map(([a, b]) => chunks.slice(a, b));
      const parts = await Promise.all(
        groups.map((group, i) => send<TemperatureObjective[]>({ op: 'objective', logits: l, labels: y, cols: c, chunks: group, temperature }, 0, workers[i])),
      );
      return mergeTemperatureObjectives(parts.flat());
    },
    async fitTemperature(logits, shape, labels, options = {}) {
      const l = toShared(logits), y = toShared(labels);
      return fitTemperatureWithAsync((temperature) => pool.temperatureObjective(l, shape, y, { temperature }), options);
    },
    async calibrationSweep(logits, shape, labels, temperatures, options = {}, onProgress) {
      const l = toShared(logits), y = toShared(labels);
      let done = 0;
      return Promise.all(
        temperatures.map((temperature) =>
          send<CalibrationMetrics>({ op: 'call', name: 'calibrationMetrics', args: [l, shape, y, { ...options, temperature }] }).then((m) => {
            onProgress?.(++done, temperatures.length);
            return m;
          }),
        ),
      );
    },
    call: <T>(name: string, ...args: unknown[]) => send<T>({ op: 'call', name, args }),
    map: <T>(name: string, argsList: unknown[][]) => Promise.all(argsList.map((args) => send<T>({ op: 'call', name, args }))),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
  return pool;
}
