import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy } from '@tstar/node';
import { rng } from '../../../packages/core/test/rng.js';

const BIN = fileURLToPath(new URL('../bin/tstar.js', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns the real `tstar` bin (the built dist) with pipes, as a CI job would. */
export function tstar(args: string[], cwd?: string, options: { timeoutMs?: number; bin?: string } = {}): Run {
  // Bounded: a command that hangs is killed and shows up as code null.
  const r = spawnSync(process.execPath, [options.bin ?? BIN, ...args], { encoding: 'utf8', cwd, timeout: options.timeoutMs ?? 120_000, env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tstar-cli-'));
}

/** Logits of an over-confident classifier: the true class gets a bump, everything is scaled by `scale`. */
export function dataset(rows: number, cols: number, seed = 1, scale = 3): { logits: Float32Array; labels: Int32Array } {
  const r = rng(seed);
  const logits = new Float32Array(rows * cols);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = Math.floor(r() * cols);
    for (let j = 0; j < cols; j++) logits[i * cols + j] = scale * (r() * 2 - 1 + (j === labels[i] ? 1.2 : 0) + (r() < 0.2 ? 1 : 0));
  }
  return { logits, labels };
}

/** Writes logits and labels as .npy in `dir`, returning the paths. */
export function writeDataset(dir: string, rows: number, cols: number, seed = 1): { logits: string; labels: string; data: ReturnType<typeof dataset> } {
  const data = dataset(rows, cols, seed);
  const logits = join(dir, `logits-${seed}.npy`);
  const labels = join(dir, `labels-${seed}.npy`);
  writeFileSync(logits, encodeNpy(data.logits, [rows, cols]));
  writeFileSync(labels, encodeNpy(data.labels, [rows]));
  return { logits, labels, data };
}
