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

// A value that starts like a negative number: `--gamma -1` means -1, not an option named "1".
const NEGATIVE = /^-(\d|\.\d)/;

/**
 * Parses argv for a command with node:util parseArgs, turning its errors into one-line usage errors. A string
 * option takes a following negative number as its value, and every option may be given at most once.
 */
export function parse(command: Command, argv: string[]): { values: Values; positionals: string[] } {
  const specs = { ...command.options, ...COMMON };
  const options = Object.fromEntries(Object.entries(specs).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }]));
  const stringFlags = new Set(Object.entries(specs).filter(([, o]) => o.type === 'string').flatMap(([k, o]) => [`--${k}`, ...(o.short ? [`-${o.short}`] : [])]));
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (stringFlags.has(argv[i]) && NEGATIVE.test(argv[i + 1] ?? '')) {
      args.push(`${argv[i]}=${argv[i + 1]}`);
      i++;
    } else args.push(argv[i]);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: command.allowPositionals ?? false, tokens: true });
  } catch (cause) {
    const message = (cause as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s+/g, ' ');
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1));
  }
  // Last-wins would hide a typo in a long command line; a repeated option is a mistake to point at.
  const seen = new Map<string, number>();
  for (const token of parsed.tokens) if (token.kind === 'option') seen.set(token.name, (seen.get(token.name) ?? 0) + 1);
  const repeated = [...seen].find(([, n]) => n > 1);
  if (repeated) throw new UsageError(`--${repeated[0]} is given ${repeated[1]} times; give it once`);
  return { values: parsed.values as Values, positionals: parsed.positionals };
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

// Plain decimal numbers, as people type them: no 0x200, no surrounding spaces, no 1_000.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A short, quoted piece of what the user typed, for messages. */
function quoted(raw: unknown): string {
  const text = String(raw);
  return `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`;
}

/**
 * A numeric option in plain decimal (or `inf`): finite unless `inf` was typed, optionally an integer, and
 * bounded: `min` / `above` below, `max` above (every size option has one, so no value can exhaust memory).
 */
export function number(values: Values, name: string, rules: { integer?: boolean; min?: number; above?: number; max?: number } = {}): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw);
  const kind = rules.integer ? 'an integer' : 'a decimal number';
  const infinite = /^[-+]?(inf|infinity)$/i.test(text);
  if (!infinite && !DECIMAL.test(text)) throw new UsageError(`--${name} must be ${kind}, got ${quoted(raw)}`);
  const v = infinite ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
  if (!infinite && !Number.isFinite(v)) throw new UsageError(`--${name} is beyond the range of a double, got ${quoted(raw)}`);
  if (rules.integer && !Number.isSafeInteger(v)) throw new UsageError(`--${name} must be ${kind}, got ${quoted(raw)}`);
  if (rules.min !== undefined && v < rules.min) throw new UsageError(`--${name} must be ≥ ${rules.min}, got ${quoted(raw)}`);
  if (rules.above !== undefined && !(v > rules.above)) throw new UsageError(`--${name} must be > ${rules.above}, got ${quoted(raw)}`);
  if (rules.max !== undefined && v > rules.max) throw new UsageError(`--${name} must be ≤ ${rules.max}, got ${quoted(raw)}`);
  return v;
}

/** Upper bounds of the size options: generous for real use, far from what would exhaust memory or time. */
export const LIMITS = {
  binCount: 10_000,
  steps: 10_000,
  maxEvaluations: 10_000,
  k: 1_000,
  samplesPerClass: 100_000,
  runCount: 1_000,
  embeddingDim: 64,
  workers: 256,
} as const;

/** Prefixes a core error with the file it is about, keeping its code. */
export function about(file: string, error: unknown): unknown {
  if (!(error instanceof TStarError) || error.message.startsWith(file)) return error;
  return new TStarError(error.code, `${file}: ${error.message}`, { cause: error });
}
