import { TStarError } from '@tstar/core';
import { fsProblem, initCore } from '@tstar/node';
import { help, parse, UsageError, type Command } from './command.js';
import { bench } from './commands/bench.js';
import { calibrate } from './commands/calibrate.js';
import { coefficients } from './commands/coefficients.js';
import { csg } from './commands/csg.js';
import { estimate } from './commands/estimate.js';
import { evaluate } from './commands/eval.js';
import { fit } from './commands/fit.js';

export const COMMANDS: readonly Command[] = [estimate, csg, fit, evaluate, calibrate, coefficients, bench];

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: Io = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

function overview(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'tstar — softmax temperature from the feature dimension, post-hoc fits, calibration reports',
    '',
    'usage: tstar <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    "run 'tstar <command> --help' for a command's options; every command takes --json.",
    '',
  ].join('\n');
}

/**
 * Runs the CLI on `argv` (without node and the script) and returns the exit code: 0 done, 1 bad input data or
 * a failed computation, 2 a usage mistake. Errors are one line on stderr: `tstar <command>: <file>: <problem>`.
 */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.stdout('0.1.0');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`tstar: unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    return 2;
  }
  try {
    const { values, positionals } = parse(command, [...rest]);
    if (values.help) {
      io.stdout(help(command));
      return 0;
    }
    if (command.name !== 'bench') initCore();
    await command.run(values, { json: values.json === true, stdout: io.stdout, positionals });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`tstar ${command.name}: ${error.message} (see tstar ${command.name} --help)`);
      return 2;
    }
    if (error instanceof TStarError) {
      io.stderr(`tstar ${command.name}: ${error.message.split('\n')[0]}`);
      return 1;
    }
    // Anything else is still one line (the stack only with TSTAR_DEBUG=1): a file-system error names its path.
    const e = error as { code?: string; path?: string; message?: string; stack?: string };
    const line = e?.path && e.code ? `${e.path}: ${fsProblem(error)}` : `internal error: ${String(e?.message ?? error).split('\n')[0]}`;
    io.stderr(`tstar ${command.name}: ${line}${process.env.TSTAR_DEBUG ? `\n${e?.stack ?? ''}` : ''}`);
    return 1;
  }
}
