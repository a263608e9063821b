import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { TStarError } from '@tstar/core';
import { rng } from '../../core/test/rng.js';

export function tempDir(prefix = 'tstar-node-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Awaits a rejection and checks its TStarError code and message. */
export async function expectReject(p: Promise<unknown>, code: string, text?: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(TStarError);
  expect((e as TStarError).code).toBe(code);
  if (text) expect((e as Error).message).toMatch(text);
}

export function mat(rows: number, cols: number, seed = 1, scale = 5): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: rows * cols }, () => (r() * 2 - 1) * scale);
}

export function labels(rows: number, cols: number, seed = 2): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: rows }, () => Math.floor(r() * cols));
}
