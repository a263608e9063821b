// Cold start in Node, Bun and Deno (plain JS, so no TypeScript loader sits in the import path):
// import → init → first result of one library, printed as JSON. Usage: <runtime> probe.mjs <library> <model.onnx>
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [library, modelPath] = process.argv.slice(2);
const t0 = performance.now();
let value;
if (library === 'tstar') {
  const core = await import('@tstar/core');
  await core.init();
  value = core.softmax(new Float32Array([1, 2, 3, 4]), [2, 2], { temperature: 3 })[0];
} else if (library === 'tfjs-wasm') {
  const tf = await import('@tensorflow/tfjs-core');
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
  setWasmPaths(typeof Deno === 'undefined' ? dist : pathToFileURL(dist).href);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend did not initialise');
  const y = tf.softmax(tf.div(tf.tensor2d([1, 2, 3, 4], [2, 2]), 3));
  value = y.dataSync()[0];
} else if (library === 'ort-web' || library === 'ort-node') {
  const ort = library === 'ort-web' ? await import('onnxruntime-web') : createRequire(import.meta.url)('onnxruntime-node');
  if (library === 'ort-web') ort.env.wasm.numThreads = 1;
  const options = library === 'ort-web' ? { executionProviders: ['wasm'] } : { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const session = await ort.InferenceSession.create(await readFile(modelPath), options);
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]) });
  value = out.y.data[0];
} else {
  throw new Error(`probe: unknown library ${library}`);
}
console.log(JSON.stringify({ ms: performance.now() - t0, value }));
