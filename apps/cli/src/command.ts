import { parseArgs } from 'node:util';
import { TStarError } from '@tstar/core';

/** A mistake in how the command was called (exit code 2), as opposed to bad data (exit code 1). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in help, e.g. FILE or N. */
  value?: string;
  help: string;
  short?: string;
  default?: string;
}

export type Values = Record<string, string | boolean | undefined>;

export interface Context {
  json: boolean;
  stdout: (text: string) => void;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Lines after the options in --help: examples, notes. */
  notes?: string[];
  allowPositionals?: boolean;
  run(values: Values, context: Context): Promise<void>;
}

export const COMMON: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print machine-readable JSON instead of a table' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** Parses argv for a command with node:util parseArgs, turning its errors into one-line usage errors. */
export function parse(command: Command, argv: string[]): { values: Values; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries({ ...command.options, ...COMMON }).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: command.allowPositionals ?? false });
    return { values: values as Values, positionals };
  } catch (cause) {
    const message = (cause as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s+/g, ' ');
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1));
  }
}

/** The --help text of a command. */
export function help(command: Command): string {
  const entries = Object.entries({ ...command.options, ...COMMON }).map(([k, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${k}${o.type === 'string' ? ` ${o.value ?? 'X'}` : ''}`;
    return [flag, o.help + (o.default !== undefined ? ` (default ${o.default})` : '')] as const;
  });
  const w = Math.max(...entries.map(([f]) => f.length));
  return [
    `tstar ${command.name} — ${command.summary}`,
    '',
    `usage: ${command.usage}`,
    '',
    'options:',
    ...entries.map(([f, h]) => `  ${f.padEnd(w)}  ${h}`),
    ...(command.notes ? ['', ...command.notes] : []),
    '',
  ].join('\n');
}

export function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing --${name}`);
  return v;
}

export function optionalString(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A numeric option: finite, optionally an integer and bounded below. */
export function number(values: Values, name: string, rules: { integer?: boolean; min?: number; above?: number } = {}): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const v = /^[-+]?(inf|infinity)$/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
  const kind = rules.integer ? 'an integer' : 'a number';
  if (text === '' || Number.isNaN(v) || (rules.integer && !Number.isSafeInteger(v))) throw new UsageError(`--${name} must be ${kind}, got '${raw}'`);
  if (rules.min !== undefined && v < rules.min) throw new UsageError(`--${name} must be ≥ ${rules.min}, got ${raw}`);
  if (rules.above !== undefined && !(v > rules.above)) throw new UsageError(`--${name} must be > ${rules.above}, got ${raw}`);
  return v;
}

/** Prefixes a core error with the file it is about, keeping its code. */
export function about(file: string, error: unknown): unknown {
  if (!(error instanceof TStarError) || error.message.startsWith(file)) return error;
  return new TStarError(error.code, `${file}: ${error.message}`, { cause: error });
}
