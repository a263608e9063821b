// parseNpy against numpy itself: files np.save wrote, and ~1,000 headers with numpy's verdict on each
// (hand-made edge cases plus seeded mutations), all produced by test/numpy/generate.py and committed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TStarError } from '@tstar/core';
import { encodeNpy, parseNpy, readMatrix, type NdArray } from '../src/index.js';
import { expectReject } from './helpers.js';

interface Verdict {
  ok: boolean;
  dtype?: string;
  shape?: number[];
  data?: string | null;
  error?: string;
}
interface Case {
  name: string;
  version: [number, number];
  bytes: string;
  numpy: Verdict;
}
interface FileEntry {
  file: string;
  dtype: string;
  shape: number[];
  data: string;
  unsupported?: boolean;
}

const here = (p: string) => new URL(`./numpy/${p}`, import.meta.url);
const corpus = JSON.parse(readFileSync(here('corpus.json'), 'utf8')) as { numpy: string; payload: string; cases: Case[] };
const manifest = JSON.parse(readFileSync(here('manifest.json'), 'utf8')) as { files: FileEntry[] };

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
const toHex = (a: NdArray) => Array.from(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');
// numpy's dtype.str for the six dtypes tstar reads, in either byte order.
const OURS: Record<string, string> = { '<f4': 'f4', '>f4': 'f4', '<f8': 'f8', '>f8': 'f8', '<i4': 'i4', '>i4': 'i4', '<i8': 'i8', '>i8': 'i8', '|u1': 'u1', '|b1': 'b1' };

/** The file generate.py handed to numpy: magic, version, header length, header bytes, the shared payload. */
function fileOf(c: Case): Uint8Array {
  const header = Uint8Array.from(c.bytes, (ch) => ch.charCodeAt(0));
  const [major, minor] = c.version;
  const wide = major === 2 || major === 3;
  const pre = wide ? 12 : 10;
  const payload = fromHex(corpus.payload);
  const out = new Uint8Array(pre + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, minor]);
  const dv = new DataView(out.buffer);
  if (wide) dv.setUint32(8, header.length, true);
  else dv.setUint16(8, header.length, true);
  out.set(header, pre);
  out.set(payload, pre + header.length);
  return out;
}

function attempt(bytes: Uint8Array, name: string): { array?: NdArray; error?: TStarError } {
  try {
    return { array: parseNpy(bytes, name) };
  } catch (error) {
    if (!(error instanceof TStarError)) throw new Error(`${name}: threw ${String(error)}, not a TStarError`);
    return { error };
  }
}

// Where tstar refuses a header numpy reads, on purpose: the reason must be one of these.
const DELIBERATE = [
  /repeats the key/, // a Python dict keeps the last duplicate; a header saying two things is refused
  /non-ASCII/, // the NPY spec makes v1/v2 headers ASCII; numpy tolerates Latin-1 in comments
  /is too large/, // a dimension past 2^53 (with a zero elsewhere) cannot be represented exactly
  /platform-dependent/, // 'l', 'p', 'int': the width depends on the machine that wrote the file
];

describe('parseNpy against numpy ' + corpus.numpy, () => {
  const results = corpus.cases.map((c) => ({ c, got: attempt(fileOf(c), c.name) }));

  it('refuses every header numpy refuses, with a TStarError', () => {
    const accepted = results.filter(({ c, got }) => !c.numpy.ok && got.array);
    expect(accepted.map(({ c }) => `${c.name}: ${JSON.stringify(c.bytes.slice(0, 80))} (numpy: ${c.numpy.error})`)).toEqual([]);
    expect(results.filter(({ c }) => !c.numpy.ok).length).toBeGreaterThan(600);
  });

  it('reads every header numpy reads as the same dtype, shape and bytes, unless it refuses for a listed reason', () => {
    const readable = results.filter(({ c }) => c.numpy.ok && c.numpy.dtype! in OURS);
    const wrong: string[] = [];
    const refused: string[] = [];
    for (const { c, got } of readable) {
      if (got.error) {
        if (!DELIBERATE.some((r) => r.test(got.error!.message))) wrong.push(`${c.name}: refused: ${got.error.message}`);
        else refused.push(c.name);
        continue;
      }
      const a = got.array!;
      const same = a.dtype === OURS[c.numpy.dtype!] && JSON.stringify(a.shape) === JSON.stringify(c.numpy.shape) && toHex(a) === c.numpy.data;
      if (!same) wrong.push(`${c.name}: got ${a.dtype} ${JSON.stringify(a.shape)}, numpy ${c.numpy.dtype} ${JSON.stringify(c.numpy.shape)}`);
    }
    expect(wrong).toEqual([]);
    expect(readable.length).toBeGreaterThan(200);
    // The deliberate refusals stay the exception (duplicates, Latin-1 comments, 'l'/'p' and a 2^53 dimension).
    expect(refused.length).toBeLessThan(readable.length / 5);
  });

  it('refuses the dtypes numpy reads but tstar does not (float16, int8, uint32, complex, void) with E_DTYPE', () => {
    const other = results.filter(({ c }) => c.numpy.ok && !(c.numpy.dtype! in OURS));
    expect(other.length).toBeGreaterThan(20);
    const off = other.filter(({ got }) => got.error?.code !== 'E_DTYPE' && !DELIBERATE.some((r) => r.test(got.error?.message ?? '')));
    expect(off.map(({ c, got }) => `${c.name}: ${got.error?.message ?? 'read'}`)).toEqual([]);
  });

  it('is not fooled by keys inside strings or comments, duplicates or extra keys', () => {
    const by = (name: string) => results.find(({ c }) => c.name === name)!.got;
    expect(by('shape inside a comment').array!.shape).toEqual([2, 3]);
    expect(by('descr inside a comment').array!.dtype).toBe('f4');
    expect(by('comment after the dict').array!.shape).toEqual([2, 3]);
    expect(by('concatenated key').array!.shape).toEqual([2, 3]);
    expect(by('shape inside a string value').error!.message).toMatch(/keys \["descr", "fortran_order", "note", "shape"\]/);
    expect(by('duplicate descr, last differs').error!.message).toMatch(/repeats the key "descr"/);
    expect(by('extra key').error!.code).toBe('E_ARGUMENT');
    expect(by('version 1.1').error!.message).toMatch(/version 1\.1 is not supported/);
    expect(by('65 dims').error!.code).toBe('E_SHAPE');
    expect(by('too long header').error!.message).toMatch(/longer than numpy reads/);
  });
});

describe('parseNpy on files numpy wrote', () => {
  for (const entry of manifest.files) {
    const bytes = new Uint8Array(readFileSync(here(`files/${entry.file}`)));
    if (entry.unsupported) {
      it(`refuses ${entry.file} (${entry.dtype}) with E_DTYPE`, () => {
        expect(attempt(bytes, entry.file).error?.code).toBe('E_DTYPE');
      });
      continue;
    }
    it(`reads ${entry.file} (${entry.dtype} ${JSON.stringify(entry.shape)}) exactly as numpy reads it back`, () => {
      const a = parseNpy(bytes, entry.file);
      expect(a.dtype).toBe(OURS[entry.dtype]);
      expect(a.shape).toEqual(entry.shape);
      expect(toHex(a)).toBe(entry.data);
    });
  }

  it('writes byte for byte what numpy wrote, for little-endian C-order files of v1, v2 and v3', () => {
    // Not b1-2x3.npy: its bytes 2, 7 and 255 (made with np.frombuffer) are what np.save never writes for True.
    for (const entry of manifest.files.filter((f) => !f.unsupported && !/fortran|big-endian|b1-2x3/.test(f.file))) {
      const bytes = new Uint8Array(readFileSync(here(`files/${entry.file}`)));
      const a = parseNpy(bytes, entry.file);
      expect(encodeNpy(a.data, a.shape, { version: bytes[6] as 1 | 2 | 3, bool: a.dtype === 'b1' }), entry.file).toEqual(bytes);
    }
  });

  it('turns b1 bytes 2, 7 and 255 into 1, as numpy reads them as True', () => {
    const a = parseNpy(new Uint8Array(readFileSync(here('files/b1-2x3.npy'))));
    expect(Array.from(a.data as Uint8Array)).toEqual([0, 1, 1, 1, 0, 1]);
  });

  it('refuses float64 values beyond float32 range in a matrix with E_NONFINITE naming the file and element', async () => {
    const path = here('files/f8-beyond-f32.npy').pathname;
    await expectReject(readMatrix(path), 'E_NONFINITE', /f8-beyond-f32\.npy: element \[1, 1\] is -1e\+39, beyond float32's range/);
    const ok = await readMatrix(here('files/f8-logits-6x3.npy').pathname);
    expect(Array.from(ok.data.subarray(0, 3))).toEqual([2.5, -1, 0.25]);
  });
});
