import { parentPort, workerData } from 'node:worker_threads';
import * as core from '@tstar/core';
import { shiftRowMessage } from '@tstar/core/validate';

/** Messages the pool sends; every typed array in them is a view over a SharedArrayBuffer the pool owns. */
export type Task =
  | { id: number; op: 'rows'; kernel: 'softmax' | 'logSoftmax'; x: Float32Array; out: Float32Array; cols: number; start: number; end: number; temperature: number }
  | { id: number; op: 'objective'; logits: Float32Array; labels: Int32Array; cols: number; chunks: [number, number][]; temperature: number }
  | { id: number; op: 'call'; name: string; args: unknown[] };

export type Reply = { id: number; result: unknown } | { id: number; error: { code: string; message: string } };

// The pool compiled the module once; instantiating it here compiles nothing.
core.initSync((workerData as { module: WebAssembly.Module }).module);

type Callable = (...args: unknown[]) => unknown;

function run(task: Task): unknown {
  switch (task.op) {
    case 'rows': {
      const { cols, start, end } = task;
      const x = task.x.subarray(start * cols, end * cols);
      const out = task.out.subarray(start * cols, end * cols);
      core[task.kernel](x, [end - start, cols], { temperature: task.temperature, out });
      return null;
    }
    case 'objective': {
      const { cols, temperature } = task;
      return task.chunks.map(([start, end]) => {
        try {
          return core.temperatureObjective(task.logits.subarray(start * cols, end * cols), [end - start, cols], task.labels.subarray(start, end), { temperature });
        } catch (cause) {
          const e = cause as core.TStarError;
          // Name the caller's row, not the chunk's.
          throw new core.TStarError(e.code ?? 'E_INTERNAL', shiftRowMessage(String(e.message), start));
        }
      });
    }
    case 'call': {
      const fn = (core as unknown as Record<string, unknown>)[task.name];
      if (typeof fn !== 'function') throw new core.TStarError('E_ARGUMENT', `pool: @tstar/core has no function ${task.name}`);
      return (fn as Callable)(...task.args);
    }
  }
}

parentPort!.on('message', (task: Task) => {
  let reply: Reply;
  try {
    reply = { id: task.id, result: run(task) };
  } catch (cause) {
    const error = cause as { code?: string; message?: string };
    reply = { id: task.id, error: { code: error.code ?? 'E_INTERNAL', message: error.message ?? String(cause) } };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ id: -1, result: 'ready' });
