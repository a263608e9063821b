import { readFile, writeFile } from 'node:fs/promises';
import { TStarError } from '@tstar/core';
import { encodeNpy, parseNpy, type NdArray, type NpyData, type NpyWriteOptions } from './npy-format.js';

export { encodeNpy, parseNpy, toFloat32, type NdArray, type NpyData, type NpyDtype, type NpyWriteOptions } from './npy-format.js';

/**
 * Reads a `.npy` file; errors name the path.
 * @throws {TStarError} as {@link parseNpy}; E_ARGUMENT when the file cannot be read
 * @example const { data, shape, dtype } = await readNpy('logits.npy');
 */
export async function readNpy(path: string): Promise<NdArray> {
  return parseNpy(await readBytes(path), path);
}

/**
 * Writes a typed array as a `.npy` file.
 * @throws {TStarError} as {@link encodeNpy}
 * @example await writeNpy('probs.npy', probs, [rows, cols]);
 */
export async function writeNpy(path: string, data: NpyData, shape: readonly number[], options: NpyWriteOptions = {}): Promise<void> {
  await writeFile(path, encodeNpy(data, shape, options));
}

/** Reads a whole file, turning fs errors into a one-line TStarError that names the path. */
export async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new TStarError('E_ARGUMENT', `${path}: ${fsProblem(cause)}`, { cause });
  }
}

const FS_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

/**
 * A short human phrase for a Node fs error (`permission denied`, `no such file or directory`, …), for
 * one-line messages that name the path.
 * @example fsProblem(Object.assign(new Error(), { code: 'EACCES' })) // 'permission denied'
 */
export function fsProblem(cause: unknown): string {
  const code = (cause as { code?: string } | undefined)?.code;
  if (code !== undefined && Object.hasOwn(FS_PROBLEMS, code)) return FS_PROBLEMS[code];
  return cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
}
