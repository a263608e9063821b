import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
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
export function start(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Running {
  const child = spawn(command, args, { cwd: options.cwd ?? APP, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
export function run(command: string, args: string[], timeoutMs = 120_000, cwd = APP): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
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
