import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync, isInitialized, TStarError } from '@tstar/core';

let compiled: WebAssembly.Module | undefined;

/** The path of `tstar.wasm` inside the installed @tstar/core (its `./tstar.wasm` export). */
export function coreWasmPath(): string {
  return createRequire(import.meta.url).resolve('@tstar/core/tstar.wasm');
}

/**
 * The compiled core module, compiled once per process; workers receive it through `workerData`
 * instead of compiling the bytes again.
 * @throws {TStarError} E_INIT when the wasm cannot be found or compiled
 * @example const module = coreModule();
 */
export function coreModule(): WebAssembly.Module {
  if (compiled) return compiled;
  let path = '@tstar/core/tstar.wasm';
  try {
    path = coreWasmPath();
    compiled = new WebAssembly.Module(readFileSync(path));
    return compiled;
  } catch (cause) {
    throw new TStarError('E_INIT', `initCore: could not load ${path} (${(cause as Error).message}); build @tstar/core first`, { cause });
  }
}

/**
 * Initialises @tstar/core synchronously from the wasm beside its dist; safe to call more than once.
 * @throws {TStarError} E_INIT
 * @example initCore(); softmax(x, [rows, cols]);
 */
export function initCore(module?: WebAssembly.Module): void {
  if (isInitialized()) return;
  initSync(module ?? coreModule());
}
