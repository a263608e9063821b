// The .npy format without fs: safe for edge hosts and browsers (`@tstar/node/npy-format`).
import { TStarError } from '@tstar/core';

/** The element types tstar reads from and writes to `.npy`: little-endian, C order. */
export type NpyDtype = 'f4' | 'f8' | 'i4' | 'i8' | 'u1' | 'b1';

/** A typed array holding one of the supported dtypes (`i8` arrives as `BigInt64Array`, `b1` as 0/1 bytes). */
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** An n-dimensional array as read from a file: flat row-major data, its shape and its dtype. */
export interface NdArray {
  data: NpyData;
  shape: number[];
  dtype: NpyDtype;
}

export interface NpyWriteOptions {
  /** Format version 1, 2 or 3. Default: 1, or 2 when the header outgrows v1's 16-bit length. */
  version?: 1 | 2 | 3;
  /** Stores booleans as `|b1` instead of `|u1` when the data is a Uint8Array. */
  bool?: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const ITEM: Record<NpyDtype, number> = { f4: 4, f8: 8, i4: 4, i8: 8, u1: 1, b1: 1 };

// numpy's own limits: _MAX_HEADER_SIZE in numpy/lib/format.py, NPY_MAXDIMS, and CPython's bracket nesting limit.
const MAX_HEADER_CHARS = 10_000;
const MAX_DIMS = 64;
const MAX_NESTING = 200;

type Code = 'E_ARGUMENT' | 'E_DTYPE' | 'E_SHAPE';

function fail(code: Code, name: string, problem: string): never {
  throw new TStarError(code, `${name}: ${problem}`);
}

/** @internal A value for a message: JSON-quoted and cut to `max` characters, so a hostile input cannot flood a log. */
export function clip(text: string, max = 40): string {
  const quoted = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${quoted}… (${text.length} chars)` : quoted;
}

/** @internal A shape as numpy prints it, `(2, 3)` or `(4,)`; long shapes keep their ends and say how many axes there are. */
export function shapeText(shape: readonly number[]): string {
  if (shape.length > 8) return `(${shape.slice(0, 3).join(', ')}, …, ${shape.slice(-2).join(', ')}) [${shape.length} axes]`;
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

// ─── The header: a Python literal, read the way ast.literal_eval reads it ────────────────────────────────────

type PyValue =
  | { kind: 'str'; value: string }
  | { kind: 'bytes' }
  | { kind: 'int'; value: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'tuple' | 'list' | 'set'; items: PyValue[] }
  | { kind: 'dict'; entries: [PyValue, PyValue][] };

const INT = /0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?[0-9])*|0(?:_?0)*/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const STRING_PREFIX = /^(?:[rRuUbB]|[bB][rR]|[rR][bB])$/;
const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * A recursive-descent reader for the subset of Python literals a `.npy` header can be: dicts, tuples, lists,
 * sets, strings (prefixes, triple quotes, escapes, implicit concatenation), ints (hex/octal/binary,
 * underscores, one sign; `L` suffixes in v1/v2 as numpy's Python-2 filter allows), True/False/None,
 * comments and implicit line joining inside brackets. Anything else is refused, never guessed.
 */
class Literal {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string, private readonly name: string, private readonly python2Longs: boolean) {}

  private malformed(problem: string): never {
    fail('E_ARGUMENT', this.name, `npy header is not a literal numpy can read: ${problem} at character ${this.pos} (near ${clip(this.text.slice(this.pos, this.pos + 24), 24)})`);
  }

  /** The whole header: leading blank or comment lines, one value, then only whitespace and comments. */
  parse(): PyValue {
    const t = this.text;
    // literal_eval strips leading spaces and tabs; after that a line may be blank or a comment, and the
    // value may not be indented (CPython: "unexpected indent").
    while (t[this.pos] === ' ' || t[this.pos] === '\t') this.pos++;
    for (;;) {
      if (t[this.pos] === '#') while (this.pos < t.length && t[this.pos] !== '\n' && t[this.pos] !== '\r') this.pos++;
      if (t[this.pos] !== '\n' && t[this.pos] !== '\r') break;
      this.pos++;
      let q = this.pos;
      while (t[q] === ' ' || t[q] === '\t') q++;
      if (q > this.pos && q < t.length && !'\n\r#'.includes(t[q])) {
        this.pos = q;
        this.malformed('an indented first line');
      }
      this.pos = q;
    }
    const value = this.value(false);
    for (;;) {
      const c = t[this.pos];
      if (c === undefined) return value;
      if (c === ' ' || c === '\t' || c === '\f' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#') while (this.pos < t.length && t[this.pos] !== '\n' && t[this.pos] !== '\r') this.pos++;
      else this.malformed('text after the header value');
    }
  }

  /** Whitespace and comments; newlines and backslash continuations only inside brackets, as Python allows. */
  private space(): void {
    const t = this.text;
    for (;;) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t' || c === '\f') this.pos++;
      else if (c === '#') while (this.pos < t.length && t[this.pos] !== '\n' && t[this.pos] !== '\r') this.pos++;
      else if ((c === '\n' || c === '\r') && this.depth > 0) this.pos++;
      else if (c === '\\' && this.depth > 0 && (t[this.pos + 1] === '\n' || t[this.pos + 1] === '\r')) this.pos += t.startsWith('\r\n', this.pos + 1) ? 3 : 2;
      else return;
    }
  }

  private open(): void {
    if (++this.depth > MAX_NESTING) this.malformed(`brackets nested more than ${MAX_NESTING} deep`);
    this.pos++;
    this.space();
  }

  /** One value; `signed` when a sign already applies to it (Python allows one sign, on a number only). */
  private value(signed: boolean): PyValue {
    this.space();
    const t = this.text;
    const c = t[this.pos];
    if (c === '+' || c === '-') {
      if (signed) this.malformed('a second sign');
      this.pos++;
      const v = this.value(true);
      if (v.kind !== 'int') this.malformed('a sign on something that is not a number');
      return c === '-' ? { kind: 'int', value: -v.value } : v;
    }
    if (c === '{') return this.braces();
    if (c === '(') return this.parens(signed);
    if (c === '[') return { kind: 'list', items: this.sequence(']') };
    if (c === "'" || c === '"') return this.strings();
    if (c !== undefined && c >= '0' && c <= '9') return this.integer();
    NAME.lastIndex = this.pos;
    const word = NAME.exec(t)?.[0];
    if (word !== undefined) {
      const next = t[this.pos + word.length];
      if ((next === "'" || next === '"') && STRING_PREFIX.test(word)) return this.strings();
      if (next === "'" || next === '"') this.malformed(`string prefix ${clip(word)} (f-strings are not literals)`);
      this.pos += word.length;
      if (word === 'True' || word === 'False') return { kind: 'bool', value: word === 'True' };
      if (word === 'None') return { kind: 'none' };
      this.pos -= word.length;
      this.malformed(`the name ${clip(word)}`);
    }
    this.malformed(c === undefined ? 'the end of the header' : `the character ${clip(c)}`);
  }

  private integer(): PyValue {
    const t = this.text;
    INT.lastIndex = this.pos;
    const digits = INT.exec(t)?.[0] ?? '';
    const after = t[this.pos + digits.length];
    if (after !== undefined && /[0-9A-Za-z_.]/.test(after) && !(after === 'L' && this.python2Longs)) this.malformed('a number that is not an integer literal');
    const value = BigInt(digits.replace(/_/g, ''));
    this.pos += digits.length;
    if (this.python2Longs) {
      // numpy drops a NAME token `L` right after a number in v1/v2 headers (files written by Python 2).
      let q = this.pos;
      while (t[q] === ' ' || t[q] === '\t' || t[q] === '\f') q++;
      if (t[q] === 'L' && !/[0-9A-Za-z_]/.test(t[q + 1] ?? '')) this.pos = q + 1;
    }
    return { kind: 'int', value };
  }

  /** Adjacent string literals concatenate; str and bytes do not mix. */
  private strings(): PyValue {
    let value = '';
    let bytes: boolean | undefined;
    for (;;) {
      NAME.lastIndex = this.pos;
      const prefix = NAME.exec(this.text)?.[0] ?? '';
      const next = this.text[this.pos + prefix.length];
      if (next !== "'" && next !== '"') break;
      if (prefix !== '' && !STRING_PREFIX.test(prefix)) this.malformed(`string prefix ${clip(prefix)}`);
      const isBytes = /[bB]/.test(prefix);
      if (bytes !== undefined && bytes !== isBytes) this.malformed('str and bytes literals concatenated');
      bytes = isBytes;
      this.pos += prefix.length;
      value += this.string(/[rR]/.test(prefix), isBytes);
      this.space();
    }
    return bytes ? { kind: 'bytes' } : { kind: 'str', value };
  }

  private string(raw: boolean, bytes: boolean): string {
    const t = this.text;
    const quote = t[this.pos];
    const triple = t.startsWith(quote.repeat(3), this.pos);
    this.pos += triple ? 3 : 1;
    let out = '';
    for (;;) {
      const c = t[this.pos];
      if (c === undefined) this.malformed('an unterminated string');
      if (triple ? t.startsWith(quote.repeat(3), this.pos) : c === quote) {
        this.pos += triple ? 3 : 1;
        return out;
      }
      if (!triple && (c === '\n' || c === '\r')) this.malformed('a line break inside a string');
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const e = t[this.pos + 1];
      if (e === undefined) this.malformed('an unterminated string');
      if (raw) {
        out += c + e;
        this.pos += 2;
        continue;
      }
      this.pos += 2;
      if (e === '\n') continue;
      if (e === '\r') {
        if (t[this.pos] === '\n') this.pos++;
        continue;
      }
      if (e in ESCAPES) out += ESCAPES[e];
      else if (e >= '0' && e <= '7') {
        let octal = e;
        while (octal.length < 3 && t[this.pos] >= '0' && t[this.pos] <= '7') octal += t[this.pos++];
        out += String.fromCharCode(Number.parseInt(octal, 8));
      } else if (e === 'x' || (!bytes && (e === 'u' || e === 'U'))) {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = t.slice(this.pos, this.pos + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex) || Number.parseInt(hex, 16) > 0x10ffff) this.malformed(`a bad \\${e} escape`);
        out += String.fromCodePoint(Number.parseInt(hex, 16));
        this.pos += n;
      } else if (e === 'N' && !bytes) this.malformed('a \\N{…} escape (not supported)');
      else out += c + e; // Python keeps unknown escapes as written
    }
  }

  /** `(x)` is x itself; `()`, `(x,)` and `(x, y)` are tuples. */
  private parens(signed: boolean): PyValue {
    this.open();
    if (this.text[this.pos] === ')') return this.close({ kind: 'tuple', items: [] });
    const first = this.value(signed);
    this.space();
    if (this.text[this.pos] === ')') return this.close(first);
    if (this.text[this.pos] !== ',') this.malformed("a missing ',' or ')'");
    this.pos++;
    return { kind: 'tuple', items: [first, ...this.rest(')')] };
  }

  private sequence(end: string): PyValue[] {
    this.open();
    return this.rest(end);
  }

  /** Items after an opening bracket or a first item and its comma: `a, b, ]` with an optional trailing comma. */
  private rest(end: string): PyValue[] {
    const items: PyValue[] = [];
    for (;;) {
      this.space();
      if (this.text[this.pos] === end) {
        this.close(undefined);
        return items;
      }
      items.push(this.value(false));
      this.space();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== end) this.malformed(`a missing ',' or '${end}'`);
    }
  }

  private braces(): PyValue {
    this.open();
    const entries: [PyValue, PyValue][] = [];
    if (this.text[this.pos] === '}') return this.close({ kind: 'dict', entries });
    const firstKey = this.value(false);
    this.space();
    if (this.text[this.pos] !== ':') {
      // {a, b} is a set: numpy then says the header is not a dictionary.
      if (this.text[this.pos] === '}') return this.close({ kind: 'set', items: [firstKey] });
      if (this.text[this.pos] !== ',') this.malformed("a missing ':'");
      this.pos++;
      return { kind: 'set', items: [firstKey, ...this.rest('}')] };
    }
    let key = firstKey;
    for (;;) {
      this.pos++; // the ':'
      entries.push([key, this.value(false)]);
      this.space();
      if (this.text[this.pos] === ',') {
        this.pos++;
        this.space();
      } else if (this.text[this.pos] !== '}') this.malformed("a missing ',' or '}'");
      if (this.text[this.pos] === '}') return this.close({ kind: 'dict', entries });
      key = this.value(false);
      this.space();
      if (this.text[this.pos] !== ':') this.malformed("a missing ':'");
    }
  }

  private close<T>(value: T): T {
    this.pos++;
    this.depth--;
    return value;
  }
}

function describe(v: PyValue): string {
  switch (v.kind) {
    case 'str': return clip(v.value);
    case 'int': return v.value.toString();
    case 'bool': return v.value ? 'True' : 'False';
    case 'none': return 'None';
    case 'bytes': return 'a bytes literal';
    default: return `a ${v.kind}`;
  }
}

// numpy accepts these spellings of the six dtypes tstar reads (probed against numpy 2.4: test/numpy/corpus.json).
const CODES: Record<string, NpyDtype> = { f4: 'f4', f: 'f4', f8: 'f8', d: 'f8', i4: 'i4', i: 'i4', i8: 'i8', q: 'i8', u1: 'u1', B: 'u1', b1: 'b1', '?': 'b1' };
const NAMES: Record<string, NpyDtype> = { float32: 'f4', single: 'f4', float64: 'f8', double: 'f8', float: 'f8', int32: 'i4', int64: 'i8', uint8: 'u1', bool: 'b1', bool_: 'b1' };
// C long, intp and friends: their width depends on the platform that wrote the file.
const PLATFORM = new Set(['l', 'L', 'p', 'P', 'int', 'uint', 'long', 'ulong', 'intp', 'uintp', 'n', 'N']);

function dtypeOf(descr: PyValue, name: string): { dtype: NpyDtype; bigEndian: boolean; text: string } {
  if (descr.kind === 'list') fail('E_DTYPE', name, 'structured (record) dtypes are not supported; save a plain numeric array');
  if (descr.kind === 'tuple') fail('E_DTYPE', name, 'sub-array dtypes are not supported; save a plain numeric array');
  if (descr.kind !== 'str') fail('E_ARGUMENT', name, `npy header's descr is ${describe(descr)}, not a dtype string`);
  const text = descr.value;
  if (text in NAMES) return { dtype: NAMES[text], bigEndian: false, text };
  const order = '<>|='.includes(text[0] ?? '') ? text[0] : '';
  const code = text.slice(order.length);
  const dtype = Object.hasOwn(CODES, code) ? CODES[code] : undefined;
  if (dtype) return { dtype, bigEndian: order === '>' && ITEM[dtype] > 1, text };
  if (code === 'O') fail('E_DTYPE', name, "object arrays (dtype 'O') are not supported; save numbers, e.g. arr.astype('<f4')");
  if (PLATFORM.has(code)) fail('E_DTYPE', name, `dtype ${clip(text)} has a platform-dependent width; save an explicit one, e.g. arr.astype('<i8')`);
  if (code.includes(',')) fail('E_DTYPE', name, 'structured (record) dtypes are not supported; save a plain numeric array');
  fail('E_DTYPE', name, `dtype ${clip(text)} is not supported; use float32, float64, int32, int64, uint8 or bool`);
}

interface Header {
  dtype: NpyDtype;
  descr: string;
  bigEndian: boolean;
  fortran: boolean;
  shape: number[];
}

const KEYS = ['descr', 'fortran_order', 'shape'];

function headerOf(text: string, name: string, python2Longs: boolean): Header {
  const top = new Literal(text, name, python2Longs).parse();
  if (top.kind !== 'dict') fail('E_ARGUMENT', name, `npy header is ${describe(top)}, not a dict literal`);
  const fields = new Map<string, PyValue>();
  for (const [key, value] of top.entries) {
    if (key.kind !== 'str') fail('E_ARGUMENT', name, `npy header has the key ${describe(key)}; numpy's keys are the strings ${KEYS.join(', ')}`);
    // A Python dict keeps the last duplicate; a header that says two things is refused rather than half-believed.
    if (fields.has(key.value)) fail('E_ARGUMENT', name, `npy header repeats the key ${clip(key.value)}`);
    fields.set(key.value, value);
  }
  const keys = [...fields.keys()].sort();
  if (keys.length !== KEYS.length || keys.some((k, i) => k !== KEYS[i])) {
    fail('E_ARGUMENT', name, `npy header has the keys [${keys.map((k) => clip(k)).join(', ')}]; numpy requires exactly ${KEYS.join(', ')}`);
  }
  const shapeValue = fields.get('shape')!;
  if (shapeValue.kind !== 'tuple') fail('E_ARGUMENT', name, `npy header's shape is ${describe(shapeValue)}, not a tuple of integers`);
  if (shapeValue.items.length > MAX_DIMS) fail('E_SHAPE', name, `npy shape has ${shapeValue.items.length} axes; numpy allows at most ${MAX_DIMS}`);
  const shape = shapeValue.items.map((d) => {
    if (d.kind !== 'int' || d.value < 0n) fail('E_ARGUMENT', name, `npy shape entry ${describe(d)} is not a non-negative integer`);
    if (d.value > BigInt(Number.MAX_SAFE_INTEGER)) fail('E_SHAPE', name, `npy shape entry ${d.value} is too large`);
    return Number(d.value);
  });
  const fortran = fields.get('fortran_order')!;
  if (fortran.kind !== 'bool') fail('E_ARGUMENT', name, `npy header's fortran_order is ${describe(fortran)}, not True or False`);
  const { dtype, bigEndian, text: descr } = dtypeOf(fields.get('descr')!, name);
  // numpy refuses shapes whose element count overflows; here the bound is what a JS array can index.
  const bytes = shape.filter((d) => d > 0).reduce((a, d) => a * d, ITEM[dtype]);
  if (bytes > Number.MAX_SAFE_INTEGER) fail('E_SHAPE', name, `npy shape ${shapeText(shape)} of '${descr}' is too large to read`);
  return { dtype, descr, bigEndian, fortran: fortran.value, shape };
}

function decodeHeader(bytes: Uint8Array, major: number, name: string): string {
  if (bytes.length > 4 * MAX_HEADER_CHARS) fail('E_ARGUMENT', name, `npy header of ${bytes.length} bytes is longer than numpy reads (${MAX_HEADER_CHARS} characters)`);
  let text: string;
  if (major === 3) {
    // v3 exists only to allow UTF-8; numpy refuses bytes that are not.
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      fail('E_ARGUMENT', name, 'npy v3 header is not valid UTF-8');
    }
  } else {
    // The NPY spec: v1 and v2 headers are ASCII (numpy writes v3 when a header needs more).
    const at = bytes.findIndex((b) => b > 0x7f);
    if (at >= 0) fail('E_ARGUMENT', name, `npy v${major} header holds the non-ASCII byte 0x${bytes[at].toString(16)} at offset ${at}; v1 and v2 headers are ASCII`);
    text = new TextDecoder().decode(bytes);
  }
  if (text.length > MAX_HEADER_CHARS && [...text].length > MAX_HEADER_CHARS) {
    fail('E_ARGUMENT', name, `npy header is longer than numpy reads (${MAX_HEADER_CHARS} characters)`);
  }
  return text;
}

function view(dtype: NpyDtype, buffer: ArrayBuffer, length: number): NpyData {
  switch (dtype) {
    case 'f4': return new Float32Array(buffer, 0, length);
    case 'f8': return new Float64Array(buffer, 0, length);
    case 'i4': return new Int32Array(buffer, 0, length);
    case 'i8': return new BigInt64Array(buffer, 0, length);
    default: return new Uint8Array(buffer, 0, length);
  }
}

function swapBytes(bytes: Uint8Array, item: number): void {
  for (let i = 0; i < bytes.length; i += item) bytes.subarray(i, i + item).reverse();
}

// Fortran order stores axis 0 fastest; walk the C-order output and step the Fortran offset with it.
function fromFortran(src: NpyData, shape: readonly number[]): NpyData {
  const out = new (src.constructor as new (n: number) => NpyData)(src.length);
  const n = shape.length;
  const stride: number[] = [];
  for (let k = 0, s = 1; k < n; s *= shape[k], k++) stride.push(s);
  const index = new Array<number>(n).fill(0);
  const from = src as unknown as ArrayLike<number>, to = out as unknown as number[];
  for (let o = 0, at = 0; o < out.length; o++) {
    to[o] = from[at];
    for (let k = n - 1; k >= 0; k--) {
      at += stride[k];
      if (++index[k] < shape[k]) break;
      at -= stride[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

/**
 * Parses the bytes of a `.npy` file (format versions 1.0, 2.0 and 3.0) the way `np.load` does: the header is
 * read as the Python literal it is (exactly the keys descr, fortran_order and shape), big-endian data is
 * swapped, Fortran-order data is reordered to C order, and `b1` bytes become 0/1. The result owns a fresh,
 * aligned buffer. `name` prefixes every error so a message names the file.
 * @throws {TStarError} E_ARGUMENT (bad magic or version, a header numpy would refuse, a repeated key),
 *   E_DTYPE (object, structured and other unsupported dtypes), E_SHAPE (more than 64 axes, a shape too large
 *   to address, data shorter than the shape needs)
 * @example const { data, shape } = parseNpy(readFileSync('logits.npy'), 'logits.npy');
 */
export function parseNpy(bytes: Uint8Array, name = 'npy'): NdArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('E_ARGUMENT', name, 'not an .npy file (missing the \\x93NUMPY magic)');
  const [major, minor] = [bytes[6], bytes[7]];
  if (major < 1 || major > 3 || minor !== 0) fail('E_ARGUMENT', name, `npy format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) fail('E_SHAPE', name, 'file is truncated inside the npy preamble');
  const headerLength = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lengthBytes;
  if (bytes.length < start + headerLength) fail('E_SHAPE', name, `file is truncated inside the npy header (${bytes.length} bytes, header ends at ${start + headerLength})`);
  const header = headerOf(decodeHeader(bytes.subarray(start, start + headerLength), major, name), name, major < 3);
  const { dtype, shape } = header;
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLength;
  const need = count * ITEM[dtype];
  const have = bytes.length - dataStart;
  if (have < need) fail('E_SHAPE', name, `file is truncated: shape ${shapeText(shape)} of '${header.descr}' needs ${need} data bytes, found ${have}`);
  // A fresh buffer: aligned for the typed view, and never Node's shared Buffer pool (whose slice() is a view).
  const copy = new Uint8Array(need);
  copy.set(bytes.subarray(dataStart, dataStart + need));
  if (header.bigEndian) swapBytes(copy, ITEM[dtype]);
  if (dtype === 'b1') for (let i = 0; i < copy.length; i++) copy[i] = copy[i] === 0 ? 0 : 1;
  let data = view(dtype, copy.buffer, count);
  if (header.fortran && shape.filter((d) => d > 1).length > 1) data = fromFortran(data, shape);
  return { data, shape, dtype };
}

/**
 * The array as float32, as the core takes it: values beyond float32's range (|x| > 3.4028235e38, which
 * would round to ±Infinity, and −Infinity means "masked" to the core) are refused, naming the element.
 * Values already ±Infinity or NaN pass through for the core to judge.
 * @throws {TStarError} E_NONFINITE
 * @example const logits = toFloat32(parseNpy(bytes, 'l.npy'), 'l.npy');
 */
export function toFloat32(array: NdArray, name = 'array'): Float32Array {
  const d = array.data;
  if (d instanceof Float32Array) return d;
  const out = new Float32Array(d.length);
  if (d instanceof BigInt64Array) {
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    return out;
  }
  out.set(d);
  if (d instanceof Float64Array) {
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(out[i]) && Number.isFinite(d[i])) {
        throw new TStarError('E_NONFINITE', `${name}: element ${position(i, array.shape)} is ${d[i]}, beyond float32's range (±3.4028235e38)`);
      }
    }
  }
  return out;
}

/** @internal A flat index as a numpy-style multi-index, `[1, 2]`. */
export function position(flat: number, shape: readonly number[]): string {
  if (shape.length <= 1) return `[${flat}]`;
  const index: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    index.unshift(flat % shape[k]);
    flat = Math.floor(flat / shape[k]);
  }
  return `[${index.join(', ')}]`;
}

function dtypeFor(data: NpyData, bool: boolean): NpyDtype {
  if (data instanceof Float32Array) return 'f4';
  if (data instanceof Float64Array) return 'f8';
  if (data instanceof Int32Array) return 'i4';
  if (data instanceof BigInt64Array) return 'i8';
  if (data instanceof Uint8Array) return bool ? 'b1' : 'u1';
  throw new TStarError('E_DTYPE', `encodeNpy: data must be a Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array`);
}

/**
 * Encodes a typed array and its shape as `.npy` bytes (little-endian, C order, header padded to 64 bytes).
 * @throws {TStarError} E_DTYPE, E_SHAPE, E_ARGUMENT (unknown version)
 * @example writeFileSync('probs.npy', encodeNpy(probs, [rows, cols]));
 */
export function encodeNpy(data: NpyData, shape: readonly number[], options: NpyWriteOptions = {}): Uint8Array {
  const dtype = dtypeFor(data, options.bool ?? false);
  if (!Array.isArray(shape) || shape.length > MAX_DIMS || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new TStarError('E_SHAPE', `encodeNpy: shape must hold at most ${MAX_DIMS} non-negative integers, got ${clip(String(shape))}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new TStarError('E_SHAPE', `encodeNpy: data has ${data.length} elements but shape ${shapeText(shape)} needs ${count}`);
  const descr = ITEM[dtype] === 1 ? `|${dtype}` : `<${dtype}`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const dictBytes = new TextEncoder().encode(dict);
  let version = options.version ?? 1;
  if (![1, 2, 3].includes(version)) throw new TStarError('E_ARGUMENT', `encodeNpy: version must be 1, 2 or 3, got ${String(version)}`);
  const pre = (v: number) => 8 + (v === 1 ? 2 : 4);
  const padded = (v: number) => Math.ceil((pre(v) + dictBytes.length + 1) / 64) * 64 - pre(v);
  if (version === 1 && padded(1) > 0xffff) version = 2;
  const headerLength = padded(version);
  const out = new Uint8Array(pre(version) + headerLength + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, headerLength, true);
  else dv.setUint32(8, headerLength, true);
  const h = pre(version);
  out.set(dictBytes, h);
  out.fill(0x20, h + dictBytes.length, h + headerLength - 1);
  out[h + headerLength - 1] = 0x0a;
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), h + headerLength);
  if (options.bool && dtype === 'b1') for (let i = h + headerLength; i < out.length; i++) out[i] = out[i] === 0 ? 0 : 1;
  return out;
}
