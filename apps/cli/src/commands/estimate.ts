import { optimalTemperature } from '@tstar/core';
import { number, required, type Command } from '../command.js';
import { COEFFICIENT_OPTIONS, coefficientOverrides } from '../data.js';
import { num, pairs, toJson } from '../format.js';
import { MODEL_OPTION, modelShape } from '../models.js';

export const estimate: Command = {
  name: 'estimate',
  summary: 'the analytical training temperature T̂* from the feature dimension (arXiv 2504.15594)',
  usage: 'tstar estimate (--feature-dim M | --model FILE.onnx | --model model.json) [--num-classes N] [--csg X] [--alpha A --beta B --gamma G --delta D]',
  options: {
    'feature-dim': { type: 'string', value: 'M', help: 'width of the features entering the final linear layer (required)' },
    'num-classes': { type: 'string', value: 'N', help: 'number of classes; adds δ·ln N (δ defaults to 0)' },
    csg: { type: 'string', value: 'X', help: 'cumulative spectral gradient of the task (tstar csg); adds γ·ln X (γ defaults to 0)' },
    ...MODEL_OPTION,
    ...COEFFICIENT_OPTIONS,
  },
  notes: [
    'T̂* = clip(α·√M + β + γ·ln CSG + δ·ln N, floor, ceiling). Only α and β are published; γ, δ and the',
    'clip bounds are not, so the CSG and class terms count only when you give their coefficient.',
    'Train with logits / T̂* (BatchNorm right before the last layer) and divide by the same T̂* at inference.',
    '',
    'example: tstar estimate --feature-dim 512 --num-classes 100',
    '         tstar estimate --model classifier.onnx',
    '         tstar estimate --model tfjs-model/model.json',
  ],
  async run(values, { json, stdout }) {
    const model = values.model === undefined ? undefined : await modelShape(values);
    const featureDim = number(values, 'feature-dim', { integer: true, min: 1 }) ?? model?.featureDim ?? Number(required(values, 'feature-dim'));
    const numClasses = number(values, 'num-classes', { integer: true, min: 2 }) ?? model?.numClasses;
    const csg = number(values, 'csg', { min: 0 });
    const result = optimalTemperature({ featureDim, numClasses, csg, coefficients: coefficientOverrides(values) });
    if (json) {
      stdout(toJson({ featureDim, numClasses, csg, ...result }));
      return;
    }
    const c = result.coefficients;
    const what = [`M = ${featureDim}`, numClasses !== undefined ? `${numClasses} classes` : '', csg !== undefined ? `CSG = ${num(csg)}` : ''].filter(Boolean).join(', ');
    stdout(`T̂* = ${num(result.temperature, 4)}  (${what})\n`);
    stdout(
      pairs([
        ['temperature T̂*', num(result.temperature)],
        ['α·√M + β', num(result.base)],
        ['γ·ln CSG', csg === undefined ? '0 (no --csg)' : c.gamma === 0 ? '0 (γ = 0; set --gamma)' : num(result.csgTerm)],
        ['δ·ln classes', numClasses === undefined ? '0 (no --num-classes)' : c.delta === 0 ? '0 (δ = 0; set --delta)' : num(result.classTerm)],
        ['clipped', result.clipped ? `yes, to [${num(c.floor)}, ${num(c.ceiling)}]` : 'no'],
        ['α, β, γ, δ', [c.alpha, c.beta, c.gamma, c.delta].map((v) => num(v)).join(', ')],
        ['floor, ceiling', `${num(c.floor)}, ${num(c.ceiling)}`],
      ]),
    );
    stdout('\nDivide the logits by T̂* in training and at inference (BatchNorm right before the last layer).');
  },
};
