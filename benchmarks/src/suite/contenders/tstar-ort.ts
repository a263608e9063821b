// @tstar/ort's overhead (issue 17): its TemperatureSession on a model that only passes the logits
// through (x → Identity → logits), so every cost measured is the softmax path. Post mode runs the
// session, then @tstar/core's softmax on the logits; graph mode runs Div(T) → Softmax inserted into the
// graph. Read beside the bare onnxruntime row (Div → Softmax in one model) and the tstar row.
import { TemperatureSession, type OrtRuntime } from '@tstar/ort';
import type { OrtFlavour } from '../env.js';
import { contender, type Contender } from './contender.js';

export function tstarOrtContenders(flavour: OrtFlavour, logitsModel: Uint8Array, temperature: number): Contender[] {
  return (['post', 'graph'] as const).map((mode) => {
    let session: Promise<TemperatureSession> | undefined;
    const { Tensor } = flavour.api;
    return contender(`@tstar/ort ${mode} (${flavour.name})`, 'adapter', {
      softmax: async ({ input: { x, rows, cols } }) => {
        session ??= TemperatureSession.create(logitsModel, {
          temperature, mode, runtime: flavour.api as unknown as OrtRuntime, logitsOutput: 'logits', sessionOptions: flavour.sessionOptions,
        });
        const s = await session;
        return { run: async () => (await s.run({ x: new Tensor('float32', x, [rows, cols]) as never })).probabilities.data as Float32Array };
      },
    });
  });
}
