import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { SmokeResult } from '../src/smoke.js';

export const APP = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(APP, 'package.json'));
export const CORE = dirname(require.resolve('@tstar/core/package.json'));
export const WORKERD = join(dirname(require.resolve('workerd/package.json')), 'bin', 'workerd');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const DENO = join(dirname(require.resolve('deno/package.json')), 'deno');

/** A port the OS just handed out on loopback (closed again, so the child can bind it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Running {
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts a process and keeps its output for failure messages; stop() sends SIGTERM, then SIGKILL after 5 s. */
export function start(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: 'pipe' } = {}): Running {
  // stdin 'pipe': the child may watch it close to learn that this process is gone.
  const child = spawn(command, args, { cwd: options.cwd ?? APP, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    output: () => log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until any HTTP answer arrives; fails after `timeoutMs` with the process output. */
export async function waitForHttp(url: string, running: Running, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (running.process.exitCode !== null) throw new Error(`process exited (${running.process.exitCode}) before ${url} answered:\n${running.output()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${running.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Runs a process to completion with a deadline; resolves with its stdout or rejects with its output. */
export function run(command: string, args: string[], timeoutMs = 120_000, cwd = APP, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} ended with ${code ?? signal}:\n${err}\n${out}`));
    });
  });
}

export interface RawResponse {
  status: number;
  body: unknown;
}

/**
 * POSTs with node:http so the body can be sent chunked (no content-length), or with a content-length larger
 * than what is sent (`declaredLength`: the upload then stalls, and only a server that judges by the header answers).
 */
export function post(url: string, body: Uint8Array | string, options: { chunked?: boolean; declaredLength?: number; timeoutMs?: number; contentType?: string } = {}): Promise<RawResponse> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': options.contentType ?? 'application/json' };
    if (!options.chunked) headers['content-length'] = options.declaredLength ?? bytes.byteLength;
    const req = httpRequest(url, { method: 'POST', headers });
    const timer = setTimeout(() => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 30_000} ms`)), options.timeoutMs ?? 30_000);
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        clearTimeout(timer);
        if (options.declaredLength !== undefined) req.destroy();
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
      res.on('error', reject);
    });
    req.on('error', (error) => {
      if (!answered) {
        clearTimeout(timer);
        reject(error);
      }
    });
    const chunk = 64 * 1024;
    for (let i = 0; i < bytes.byteLength; i += chunk) req.write(bytes.subarray(i, i + chunk));
    if (options.declaredLength === undefined) req.end();
  });
}

/**
 * A host's smoke results against Node's: bit for bit when both ran the same wasm build; otherwise (a host with
 * relaxed SIMD runs tstar-relaxed.wasm, whose fused multiply-adds move last bits) every number within
 * 1e-5 relative + 1e-6 absolute — far inside each precision's bound for these magnitudes.
 */
export function expectSameSmoke(host: SmokeResult, node: SmokeResult): void {
  expect(host.ops).toEqual(node.ops);
  if (host.build === node.build) {
    expect(host.values).toEqual(node.values);
    return;
  }
  expect(Object.keys(host.numbers)).toEqual(Object.keys(node.numbers));
  for (const [name, expected] of Object.entries(node.numbers)) {
    const got = host.numbers[name];
    expect(got.length, name).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      const allowed = 1e-5 * Math.abs(expected[i]) + 1e-6;
      if (!(Math.abs(got[i] - expected[i]) <= allowed)) expect.fail(`${name}[${i}]: ${host.build} gave ${got[i]}, ${node.build} ${expected[i]}`);
    }
  }
}
export const BUN = join(dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe');

export interface RawAnswer {
  /** The status line's code, or undefined when the host closed the connection without answering. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte sent to the answer (or the close). */
  ms: number;
}

/**
 * Speaks HTTP/1.1 over a bare socket, so a test can send what no client library would: broken chunked
 * framing, a body cut short (`halfClose` ends the upload), or one that trickles in. Resolves with the first
 * response (whole when it has a content-length) or with no status when the host just closes; rejects when
 * nothing at all happens within `timeoutMs`.
 */
export function rawRequest(url: string, head: string, parts: { tail?: string; halfClose?: boolean; trickle?: { chunk: string; everyMs: number }; timeoutMs?: number } = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let raw = Buffer.alloc(0);
    let settled = false;
    let drip: ReturnType<typeof setInterval> | undefined;
    const finish = (answer?: RawAnswer, error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(drip);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer!);
    };
    const parse = (closed: boolean): RawAnswer | undefined => {
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) return closed ? { headers: {}, body: raw.toString('latin1'), ms: Date.now() - started } : undefined;
      const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const rest = raw.subarray(end + 4);
      const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      if (length !== undefined && rest.length >= length) return { status, headers, body: rest.subarray(0, length).toString('utf8'), ms: Date.now() - started };
      if (length === undefined && /chunked/i.test(headers['transfer-encoding'] ?? '')) {
        const body = dechunk(rest);
        if (body !== undefined) return { status, headers, body, ms: Date.now() - started };
      }
      if (length === 0 || closed) return { status, headers, body: rest.toString('utf8'), ms: Date.now() - started };
      return undefined;
    };
    const timer = setTimeout(() => finish(undefined, new Error(`no answer and no close from ${url} within ${parts.timeoutMs ?? 15_000} ms (a hang)`)), parts.timeoutMs ?? 15_000);
    socket.on('connect', () => {
      socket.write(head + (parts.tail ?? ''));
      if (parts.halfClose) socket.end();
      if (parts.trickle) drip = setInterval(() => socket.write(parts.trickle!.chunk), parts.trickle.everyMs);
    });
    socket.on('data', (d: Buffer) => {
      raw = Buffer.concat([raw, d]);
      const answer = parse(false);
      if (answer) finish(answer);
    });
    socket.on('close', () => finish(parse(true) ?? { headers: {}, body: '', ms: Date.now() - started }));
    socket.on('error', () => undefined); // a reset after the answer (or instead of one) ends in 'close'
  });
}

/** A whole chunked response body, or undefined while its last chunk has not arrived. */
function dechunk(raw: Buffer): string | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const line = raw.indexOf('\r\n', at);
    if (line < 0) return undefined;
    const size = Number.parseInt(raw.subarray(at, line).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts).toString('utf8');
    if (raw.length < line + 2 + size + 2) return undefined;
    parts.push(raw.subarray(line + 2, line + 2 + size));
    at = line + 2 + size + 2;
  }
}

/** The request line and headers of a POST to `url`, with a blank line at the end. */
export function postHead(url: string, headers: Record<string, string>): string {
  const { host, pathname, search } = new URL(url);
  return `POST ${pathname}${search} HTTP/1.1\r\nhost: ${host}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** The first line a started process prints on stdout (its JSON handshake); fails with its output if it exits first. */
export function firstLine(running: Running, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no first line within ${timeoutMs} ms:\n${running.output()}`)), timeoutMs);
    running.process.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      const end = seen.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(seen.slice(0, end));
      }
    });
    running.process.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before printing a line:\n${running.output()}`));
    });
  });
}
