// Cold start: @tstar/core from import to its first softmax. Bundled for browsers and workerd.
import { init, softmax } from '@tstar/core';

export async function first(base: string): Promise<number> {
  await init({ url: new URL('tstar.wasm', base) });
  return softmax(new Float32Array([1, 2, 3, 4]), [2, 2], { temperature: 3 })[0];
}
