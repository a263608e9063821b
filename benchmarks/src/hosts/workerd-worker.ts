// The suite inside workerd (bundled by hosts/workerd.ts). workerd freezes clocks inside a request, so
// this worker only prepares, checks and runs contenders on request; the caller times the round trips.
// The peers' wasm arrives as compiled modules from the config (see workerd-modules.ts).
import * as core from '@tstar/core';
import * as tf from '@tensorflow/tfjs';
import * as tstarTfjs from '@tstar/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-web/wasm';
import tfjsSimd from './tfjs-backend-wasm-simd.wasm';
import tfjsPlain from './tfjs-backend-wasm.wasm';
import ortWasm from './ort-wasm-simd-threaded.wasm';
import streamWasm from './stream.wasm';
import softmaxModel from './softmax.onnx';
import logSoftmaxModel from './logSoftmax.onnx';
import crossEntropyModel from './crossEntropy.onnx';
import batchNormModel from './batchNorm.onnx';
import logitsModel from './logits.onnx';
import type { CaseSpec } from '../suite/cases.js';
import type { Env, OrtApi, TfBackend } from '../suite/env.js';
import { CaseSession, contendersOf } from '../suite/runner.js';
import type { Contender } from '../suite/contenders/contender.js';
import { WASM_ORIGIN, shipModules } from './workerd-modules.js';

const ORIGIN = WASM_ORIGIN;
const MODULES = new Map<string, WebAssembly.Module>([
  [`${ORIGIN}tfjs/tfjs-backend-wasm-simd.wasm`, tfjsSimd],
  [`${ORIGIN}tfjs/tfjs-backend-wasm.wasm`, tfjsPlain],
  [`${ORIGIN}ort/ort-wasm-simd-threaded.wasm`, ortWasm],
]);

let env: Promise<Env> | undefined;
let contenders: Contender[] = [];
let session: CaseSession | undefined;

async function loadEnv(): Promise<Env> {
  const notes: string[] = [];
  const versions: Record<string, string> = {};
  await core.init();
  shipModules(MODULES);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths(`${ORIGIN}tfjs/`);
  const tfBackends: TfBackend[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    try {
      if (!(await tf.setBackend(backend))) throw new Error('setBackend returned false');
      tf.tensor1d([0]).dispose();
      tfBackends.push(backend);
    } catch (error) {
      notes.push(`tfjs ${backend} unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  versions.tfjs = `${tf.version.tfjs} (wasm: SIMD ${(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'on' : 'off'}, threads off)`;
  ort.env.wasm.numThreads = 1;
  // Only the .wasm overridden: the bundle keeps its embedded glue (workerd has no import.meta.url to find one).
  ort.env.wasm.wasmPaths = { wasm: `${ORIGIN}ort/ort-wasm-simd-threaded.wasm` };
  versions.onnxruntimeWeb = ort.env.versions.web ?? 'unknown';
  const models = {
    softmax: new Uint8Array(softmaxModel), logSoftmax: new Uint8Array(logSoftmaxModel),
    crossEntropy: new Uint8Array(crossEntropyModel), batchNorm: new Uint8Array(batchNormModel), logits: new Uint8Array(logitsModel),
  };
  return {
    runtime: 'workerd', core, tf, tstarTfjs, tfBackends, models, versions, notes, stream: streamWasm,
    ort: [{ name: 'ORT-web wasm', api: ort as unknown as OrtApi, sessionOptions: { executionProviders: ['wasm'] } }],
  };
}

const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const name = url.searchParams.get('name') ?? '';
  switch (url.pathname) {
    case '/empty':
      return json({});
    case '/info': {
      const e = await (env ??= loadEnv());
      contenders = contendersOf(e);
      return json({ versions: e.versions, notes: e.notes });
    }
    case '/open': {
      session?.dispose();
      session = await CaseSession.open(await env!, (await request.json()) as CaseSpec, contenders);
      return json({
        order: contenders.map((c) => ({ name: c.name, family: c.family })),
        prepared: [...session.prepared.keys()],
        failures: Object.fromEntries(session.failures),
        bytes: session.built.bytes ?? null,
      });
    }
    case '/check':
      return json({ maxError: await session!.check(name) });
    case '/enter':
      await session!.enter(name);
      return json({});
    case '/run':
      await session!.run(name, Number(url.searchParams.get('calls')));
      return json({});
    default:
      return json({ error: `no route ${url.pathname}` }, 404);
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    try {
      return await handle(request);
    } catch (error) {
      return json({ error: error instanceof Error ? error.message : String(error) }, 500);
    }
  },
};
