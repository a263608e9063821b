import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TStarError } from '@tstar/core';
import type { Command } from '../command.js';

const SUITE = join('benchmarks', 'src', 'bench.ts');

/** The kernel suite ships with the repository: look upwards from this file, then from the working directory. */
export function findSuite(starts = [dirname(fileURLToPath(import.meta.url)), process.cwd()]): string | undefined {
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      const candidate = join(dir, SUITE);
      if (existsSync(candidate)) return candidate;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

export const bench: Command = {
  name: 'bench',
  summary: 'run the cross-runtime kernel benchmark suite (tstar against plain JS, tfjs and onnxruntime)',
  usage: 'tstar bench [-- suite arguments]',
  options: {},
  allowPositionals: true,
  notes: ['Runs benchmarks/src/bench.ts from the tstar repository with tsx and streams its output; `tstar bench -- --quick` is the short run.'],
  async run(_values, { positionals }) {
    const suite = findSuite();
    if (!suite) {
      throw new TStarError('E_ARGUMENT', `the benchmark suite (${SUITE}) ships with the tstar repository, not with an installed CLI: run tstar bench (or npm run bench) inside a clone of the repository`);
    }
    const cwd = dirname(dirname(suite));
    const code = await new Promise<number>((done, fail) => {
      const child = spawn('npx', ['tsx', suite, ...positionals], { cwd, stdio: 'inherit' });
      child.on('error', (cause) => fail(new TStarError('E_INTERNAL', `${suite}: could not start npx tsx (${cause.message})`, { cause })));
      child.on('exit', (status, signal) => done(status ?? (signal ? 1 : 0)));
    });
    if (code !== 0) throw new TStarError('E_INTERNAL', `${suite}: the benchmark suite exited with code ${code}`);
  },
};
