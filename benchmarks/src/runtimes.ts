// How each server-side runtime is started: the suite's host script and the cold-start probe.
import { createRequire } from 'node:module';
import path from 'node:path';
import { runProcess } from './lib/processes.js';

const require = createRequire(import.meta.url);
const packageDir = (name: string): string => path.dirname(require.resolve(`${name}/package.json`));

export type ProcessRuntime = 'node' | 'bun' | 'deno';

export interface RuntimeCommand {
  command: string;
  /** Before the TypeScript host script (src/hosts/process.ts). */
  suiteArgs: string[];
  /** Before the plain-JS cold-start probe. */
  coldArgs: string[];
  /** Prints the version. */
  versionArgs: string[];
}

export const RUNTIMES: Record<ProcessRuntime, RuntimeCommand> = {
  node: { command: process.execPath, suiteArgs: ['--expose-gc', '--import', 'tsx'], coldArgs: [], versionArgs: ['--version'] },
  // The npm `bun` package ships its binary in the tarball; its install script need not run.
  bun: { command: path.join(packageDir('bun'), 'bin', 'bun.exe'), suiteArgs: [], coldArgs: [], versionArgs: ['--version'] },
  deno: {
    command: path.join(packageDir('deno'), 'deno'),
    // --sloppy-imports: the sources import './x.js' for './x.ts', as TypeScript's NodeNext resolution wants.
    suiteArgs: ['run', '-A', '--sloppy-imports', '--v8-flags=--expose-gc'],
    coldArgs: ['run', '-A'],
    versionArgs: ['--version'],
  },
};

/** `bun 1.4.4`, `deno 2.9.6`, `node v20…`: the first line the binary prints for its version. */
export async function runtimeVersion(runtime: ProcessRuntime): Promise<string> {
  const { out } = await runProcess(RUNTIMES[runtime].command, RUNTIMES[runtime].versionArgs);
  return out.split('\n')[0].trim();
}
