// Builds dist/tstar.wasm (SIMD-128) and dist/tstar-relaxed.wasm (relaxed SIMD) with asc -O3, then swaps the
// AssemblyScript standard library's f64 log and exp for its table-free versions.
//
// Why: at shrink level 0 (-O3) AssemblyScript's Math.log and Math.exp read 6 KB of lookup tables (a sixth of
// the wasm, and what kept it above the 32 KiB budget), while -O3s, which picks the table-free ones, also
// changes how binaryen compiles the SIMD row loops: the hot kernels ran 1.3–1.6× slower
// (benchmarks/probe/optlevel-ab.ts). The kernels call log and exp once per row (ln Σ) or in calibration code,
// never per element of a hot loop. The swap is done on the binary: every other function body is kept byte
// for byte as asc -O3 emitted it, so the row loops are exactly the -O3 ones.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const binaryen = (await import(require.resolve('binaryen'))).default;
const root = fileURLToPath(new URL('..', import.meta.url));
const asc = join(require.resolve('assemblyscript/package.json'), '..', 'bin', 'asc.js');
const SWAPPED = ['~lib/math/NativeMath.log', '~lib/math/NativeMath.exp'];
const BUILDS = [
  { out: 'dist/tstar.wasm', flags: ['--enable', 'simd'] },
  { out: 'dist/tstar-relaxed.wasm', flags: ['--enable', 'simd', '--enable', 'relaxed-simd'] },
];

// --- a minimal reader/writer of the wasm binary format (sections, LEB128) ---
function uleb(bytes, at) {
  let value = 0, shift = 0, b;
  do {
    b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}
function encodeUleb(value) {
  const out = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return Buffer.from(out);
}
function sections(bytes) {
  const list = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = uleb(bytes, at + 1);
    let name;
    if (id === 0) {
      const [n, s] = uleb(bytes, start);
      name = bytes.subarray(s, s + n).toString();
    }
    list.push({ id, name, body: bytes.subarray(start, start + size) });
    at = start + size;
  }
  return list;
}
const section = (id, body) => Buffer.concat([Buffer.from([id]), encodeUleb(body.length), body]);
/** A vector section's entries as raw byte ranges, given how to skip one entry. */
function entries(body, skip) {
  const [count, first] = uleb(body, 0);
  const list = [];
  let at = first;
  for (let i = 0; i < count; i++) {
    const end = skip(body, at);
    list.push(body.subarray(at, end));
    at = end;
  }
  return list;
}
const vector = (items) => Buffer.concat([encodeUleb(items.length), ...items]);
const skipSized = (body, at) => {
  const [size, start] = uleb(body, at);
  return start + size;
};
/** One data segment: flags, (memory index), offset expression up to `end`, then sized bytes. */
function skipData(body, at) {
  const [flags, next] = uleb(body, at);
  at = next;
  if (flags === 2) at = uleb(body, at)[1];
  if (flags !== 1) {
    // The offset expression: i32.const N (LEB128, whose bytes may equal 0x0b), then end.
    if (body[at] !== 0x41) throw new Error('build-wasm: a data segment offset that is not i32.const');
    at = uleb(body, at + 1)[1];
    if (body[at++] !== 0x0b) throw new Error('build-wasm: a data segment offset expression longer than i32.const');
  }
  return skipSized(body, at);
}
/** The constant address of an active segment (i32.const N), or undefined. */
function dataAddress(segment) {
  const [flags, next] = uleb(segment, 0);
  if (flags !== 0 || segment[next] !== 0x41) return undefined;
  let value = 0, shift = 0, b, at = next + 1;
  do {
    b = segment[at++];
    value |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return value;
}
/** Function index → name, from the name section (asc --debug). */
function functionNames(list) {
  const names = new Map();
  const body = list.find((s) => s.id === 0 && s.name === 'name')?.body;
  if (!body) throw new Error('build-wasm: no name section (compile with --debug)');
  let at = uleb(body, 0)[1] + 4; // skip the section name ("name")
  while (at < body.length) {
    const kind = body[at];
    const [size, start] = uleb(body, at + 1);
    if (kind === 1) {
      let [count, p] = uleb(body, start);
      for (let i = 0; i < count; i++) {
        let index, length;
        [index, p] = uleb(body, p);
        [length, p] = uleb(body, p);
        names.set(index, body.subarray(p, p + length).toString());
        p += length;
      }
    }
    at = start + size;
  }
  return names;
}
const indexOf = (names, name) => {
  const entry = [...names].find(([, n]) => n === name);
  if (!entry) throw new Error(`build-wasm: no function ${name}`);
  return entry[0];
};

const tmp = mkdtempSync(join(tmpdir(), 'tstar-wasm-'));
const compile = (entry, out, flags) => {
  execFileSync(process.execPath, [asc, entry, ...flags, '--runtime', 'stub', '--noAssert', '--debug', '--outFile', out], { cwd: root, stdio: 'inherit' });
  return readFileSync(out);
};

try {
  // The table-free log and exp, compiled alone at -O3s (scalar f64 code, the same for both builds).
  const small = compile('assembly/math-small.ts', join(tmp, 'math.wasm'), ['-O3s']);
  const smallSections = sections(small);
  const smallNames = functionNames(smallSections);
  const smallCode = entries(smallSections.find((s) => s.id === 10).body, skipSized);
  const smallText = binaryen.readBinary(small).emitText();
  for (const name of SWAPPED) {
    const text = smallText.slice(smallText.indexOf(` (func $${name} `), smallText.indexOf('\n )', smallText.indexOf(` (func $${name} `)));
    if (/\b(call|global\.get|global\.set|load|store)\b/.test(text)) throw new Error(`build-wasm: ${name} at -O3s is not self-contained`);
  }

  for (const build of BUILDS) {
    const full = compile('assembly/index.ts', join(tmp, 'full.wasm'), [...build.flags, '-O3']);
    const list = sections(full);
    const names = functionNames(list);
    // The lowest address the -O3 log/exp read: their tables start there, after every constant of the kernels.
    const fullText = binaryen.readBinary(full).emitText();
    const funcText = (name) => {
      const start = fullText.indexOf(` (func $${name} `);
      return fullText.slice(start, fullText.indexOf('\n )', start));
    };
    const heapBase = Number(/\(i32\.const (\d+)\)/.exec(funcText('assembly/memory/heapBase'))?.[1]);
    const addresses = (name) => [...funcText(name).matchAll(/(?:offset=|\(i32\.const )(\d+)/g)].map((m) => Number(m[1]));
    // A table address is a constant of log/exp with a data segment starting at it (or a few zero bytes after:
    // asc trims leading zeros); other constants there are exponent bounds and masks.
    const data = entries(list.find((s) => s.id === 11).body, skipData);
    const starts = data.map(dataAddress).filter((a) => a !== undefined);
    const tableStart = Math.min(...SWAPPED.flatMap(addresses).filter((a) => a >= 1024 && a < heapBase && starts.some((d) => d >= a && d < a + 16)));
    if (!Number.isFinite(tableStart)) throw new Error('build-wasm: the -O3 log/exp read no table');
    for (const [, name] of names) {
      if (SWAPPED.includes(name)) continue;
      if ([...funcText(name).matchAll(/offset=(\d+)/g)].some((m) => Number(m[1]) >= tableStart)) throw new Error(`build-wasm: ${name} reads memory at or above ${tableStart}`);
    }

    const keptData = data.filter((d) => !(dataAddress(d) >= tableStart));
    const dropped = data.length - keptData.length;
    if (dropped === 0) throw new Error('build-wasm: found no table segment to drop');
    const out = [full.subarray(0, 8)];
    for (const s of list) {
      if (s.id === 0) continue; // names (and any other custom section) are not shipped
      if (s.id === 10) {
        const code = entries(s.body, skipSized);
        for (const name of SWAPPED) code[indexOf(names, name)] = smallCode[indexOf(smallNames, name)];
        out.push(section(10, vector(code)));
      } else if (s.id === 11) out.push(section(11, vector(keptData)));
      else if (s.id === 12) out.push(section(12, encodeUleb(keptData.length)));
      else out.push(section(s.id, s.body));
    }
    const bytes = Buffer.concat(out);
    const check = binaryen.readBinaryWithFeatures(bytes, binaryen.Features.All);
    if (!check.validate()) throw new Error(`build-wasm: ${build.out} does not validate after the swap`);
    check.dispose();
    if (!build.flags.includes('relaxed-simd')) new WebAssembly.Module(bytes); // and Node compiles it
    mkdirSync(join(root, 'dist'), { recursive: true }); // a fresh clone has no dist/ yet
    writeFileSync(join(root, build.out), bytes);
    console.log(`${build.out}: ${bytes.byteLength} bytes (asc -O3; log/exp table-free, ${dropped} table segments dropped)`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
