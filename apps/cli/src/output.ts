import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { TStarError } from '@tstar/core';
import { fsProblem } from '@tstar/node';

function cannot(what: string, path: string, cause: unknown): TStarError {
  return new TStarError('E_ARGUMENT', `${path}: cannot ${what} (${fsProblem(cause)})`, { cause });
}

/** Writes an output file; a path that cannot be written is a one-line error naming it. */
export async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (cause) {
    throw cannot('write', path, cause);
  }
}

/**
 * Creates a directory and its missing parents one level at a time. Node 20's `mkdir(…, { recursive: true })`
 * never settles under /proc, so a mistyped --out-dir there would hang the command instead of failing.
 */
export async function makeDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      if ((await stat(at)).isDirectory()) break;
      throw cannot('create a directory', dir, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }));
    } catch (error) {
      if (error instanceof TStarError) throw error;
      if ((error as { code?: string }).code !== 'ENOENT' || dirname(at) === at) throw cannot('create a directory', dir, error);
      missing.unshift(at);
    }
  }
  for (const at of missing) {
    try {
      await mkdir(at);
    } catch (cause) {
      if ((cause as { code?: string }).code !== 'EEXIST') throw cannot('create a directory', dir, cause);
    }
  }
}
