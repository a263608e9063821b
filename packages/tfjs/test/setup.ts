import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { init } from '@tstar/core';
import fc from 'fast-check';

await init();
// The wasm backend's binaries are served from its own dist folder (Node has no fetch of relative URLs).
setWasmPaths(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
// The cpu backend greets Node users with a hint to install tfjs-node once; keep the test log clean.
const warn = console.warn;
console.warn = () => {};
await tf.setBackend('cpu');
tf.tensor1d([0]).dispose();
console.warn = warn;

const seed = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 20261202);
fc.configureGlobal({ seed });
