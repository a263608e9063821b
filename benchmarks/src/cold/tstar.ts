// Cold start: @tstar/core from import to its first softmax. Bundled for browsers and workerd.
import { init, softmax } from '@tstar/core';

/**
 * `base`: where the wasm is served (Chromium: the relaxed-SIMD build, what a bare init() picks there); none where
 * the host bundles it (workerd's module rules).
 */
export async function first(base?: string): Promise<number> {
  await init(base === undefined ? undefined : { url: new URL('tstar-relaxed.wasm', base) });
  return softmax(new Float32Array([1, 2, 3, 4]), [2, 2], { temperature: 3 })[0];
}
