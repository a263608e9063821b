// The suite in a server-side runtime: `node --expose-gc`, `bun` or `deno run -A --v8-flags=--expose-gc`
// runs this file (tsx for Node). Writes the runtime's results as JSON to --out; progress goes to stderr.
// Usage: <runtime> src/hosts/process.ts [--quick | --smoke] [--filter <text>] --out <file>
import { writeFile } from 'node:fs/promises';
import { selectCases } from '../suite/cases.js';
import { fullOptions, QUICK, SMOKE } from '../suite/measure.js';
import { runCases } from '../suite/runner.js';
import { loadProcessEnv } from './process-env.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const quick = argv.includes('--quick');
// --smoke: the quick cases with one short sample each (the CI test), so only the checks mean anything.
const smoke = argv.includes('--smoke');
const out = flag('--out');
if (!out) throw new Error('process host: --out <file> is required');

const started = performance.now();
const env = await loadProcessEnv();
const cases = await runCases(env, selectCases(quick || smoke, flag('--filter')), smoke ? SMOKE : quick ? QUICK : fullOptions(env.runtime), (line) => console.error(line));
await writeFile(out, JSON.stringify({ runtime: env.runtime, versions: env.versions, notes: env.notes, seconds: (performance.now() - started) / 1000, cases }));
