import { TStarError } from '@tstar/core';
import { modelError } from '../errors.js';
import { constantTensor, consumerIndices, graphOf, hasTensor, producerIndex, tensorType } from './edit.js';
import { opsetVersion } from './model.js';
import { elementTypeName, FLOAT_TYPES, int64, type OnnxModel, type OnnxNode } from './proto.js';

/** A Softmax or LogSoftmax that reads the logits. */
export interface HeadSoftmax {
  /** Its node's index in the main graph. */
  index: number;
  node: OnnxNode;
  /** 'Softmax' or 'LogSoftmax'. */
  op: 'Softmax' | 'LogSoftmax';
  /** The tensor it writes. */
  output: string;
}

/** The classifier head of a graph: final Gemm/MatMul → optional Add → optional Softmax. */
export interface ClassifierHead {
  /** The tensor holding the logits. */
  logits: string;
  /** Their ONNX data type (1 float32, 10 float16, 11 float64, 16 bfloat16), when the model tells. */
  logitsType: number | undefined;
  /** Rank of the logits, when known (a Gemm's output is always 2-D). */
  logitsRank: number | undefined;
  /** Whether the logits are a graph output already. */
  logitsIsOutput: boolean;
  /** The Gemm/MatMul that makes the logits, when found. */
  linear: { index: number; node: OnnxNode; op: 'Gemm' | 'MatMul' } | undefined;
  /** The tensor entering `linear`: the penultimate features. */
  features: string | undefined;
  /** M, the feature width entering `linear` (its weight's input dimension). */
  featureDim: number | undefined;
  /** The class count: the logits' last dimension. */
  numClasses: number | undefined;
  /** The Softmax/LogSoftmax already reading the logits, over the class axis, if any. */
  softmax: HeadSoftmax | undefined;
  /** The default-domain opset (Softmax's axis semantics changed at 13). */
  opset: number;
}

/** Options of {@link findHead}. */
export interface FindHeadOptions {
  /** The tensor holding the logits. Default: found from the graph outputs. */
  logitsOutput?: string;
}

// Ops that pass logits through unchanged in value (a Cast may round, which the head tolerates).
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);
const OP = 'findHead';

function isDefault(node: OnnxNode): boolean {
  return (node.domain ?? '') === '' || node.domain === 'ai.onnx';
}

function intAttribute(node: OnnxNode, name: string, fallback: number): number {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a ? int64(OP, `attribute ${name} of ${node.opType} '${node.name ?? ''}'`, a.i) : fallback;
}

/** The Gemm/MatMul behind `logits`, walking back through at most one Add with a constant operand. */
function findLinear(model: OnnxModel, logits: string): ClassifierHead['linear'] & { bias?: OnnxNode } | undefined {
  const nodes = graphOf(OP, model).node!;
  let name = logits;
  let bias: OnnxNode | undefined;
  for (let hops = 0; hops < 8; hops++) {
    const i = producerIndex(model, name);
    if (i < 0) return undefined;
    const node = nodes[i];
    if (!isDefault(node)) return undefined;
    const op = node.opType ?? '';
    if (op === 'Gemm' || op === 'MatMul') return { index: i, node, op, bias };
    if (op === 'Add' && !bias) {
      const inputs = node.input ?? [];
      const k = inputs.findIndex((t) => constantTensor(model, t) !== undefined);
      if (k < 0 || inputs.length !== 2) return undefined;
      bias = node;
      name = inputs[1 - k];
      continue;
    }
    if (PASS_THROUGH.has(op)) {
      name = (node.input ?? [])[0] ?? '';
      continue;
    }
    return undefined;
  }
  return undefined;
}

/** [inputWidth, outputWidth] of a Gemm/MatMul's constant weight, or undefined when it is not a constant 2-D. */
function weightShape(model: OnnxModel, linear: NonNullable<ClassifierHead['linear']>): [number, number] | undefined {
  const w = constantTensor(model, (linear.node.input ?? [])[1] ?? '');
  const dims = w ? (w.dims ?? []).map((d) => int64(OP, `a dim of weight '${w.name ?? ''}'`, d)) : undefined;
  if (!dims || dims.length !== 2) return undefined;
  const transB = linear.op === 'Gemm' && intAttribute(linear.node, 'transB', 0) !== 0;
  return transB ? [dims[1], dims[0]] : [dims[0], dims[1]];
}

/** The Softmax/LogSoftmax reading `logits`, if one exists (its axis is checked by {@link checkSoftmaxAxis}). */
function findSoftmax(model: OnnxModel, logits: string): HeadSoftmax | undefined {
  const nodes = graphOf(OP, model).node!;
  for (const i of consumerIndices(model, logits)) {
    const node = nodes[i];
    const op = node.opType;
    if ((op === 'Softmax' || op === 'LogSoftmax') && isDefault(node)) return { index: i, node, op, output: (node.output ?? [])[0] ?? '' };
  }
  return undefined;
}

function checkSoftmaxAxis(softmax: HeadSoftmax, logits: string, rank: number | undefined, opset: number): void {
  // Opset < 13: axis (default 1) flattens [d0..d(axis-1)] × [the rest], so only axis = rank − 1 is per class.
  // Opset ≥ 13: axis (default −1) is the one normalised axis.
  const axis = intAttribute(softmax.node, 'axis', opset >= 13 ? -1 : 1);
  const r = rank ?? 2;
  if (axis !== -1 && axis !== r - 1) {
    throw modelError(`${OP}: ${softmax.op} '${softmax.node.name ?? ''}' reads the logits '${logits}' but normalises axis ${axis} of a rank-${r} tensor (opset ${opset}), not the class axis`);
  }
}

function headAt(model: OnnxModel, logits: string, opset: number): ClassifierHead {
  const g = graphOf(OP, model);
  const declared = tensorType(model, logits);
  const linear = findLinear(model, logits);
  const weight = linear ? weightShape(model, linear) : undefined;
  let logitsType = declared.dataType;
  if (logitsType === undefined && linear) {
    // The head's constant weight (or bias) shares the logits' element type.
    for (const t of [...(linear.node.input ?? []).slice(1), ...(linear.bias?.input ?? [])]) {
      const c = constantTensor(model, t);
      if (c?.dataType) {
        logitsType = c.dataType;
        break;
      }
    }
    // A Cast on the way changes the type: take the last Cast's target.
    const cast = castTarget(model, logits);
    if (cast !== undefined) logitsType = cast;
  }
  const lastDim = declared.dims?.[declared.dims.length - 1];
  const numClasses = typeof lastDim === 'number' ? lastDim : weight?.[1];
  const softmax = findSoftmax(model, logits);
  // The rank: declared on the logits, or on the Softmax output (same shape), or 2 for a Gemm's own output.
  const rank = declared.dims?.length ?? (softmax ? tensorType(model, softmax.output).dims?.length : undefined)
    ?? (linear?.op === 'Gemm' && producerIndex(model, logits) === linear.index ? 2 : undefined);
  if (softmax) checkSoftmaxAxis(softmax, logits, rank, opset);
  return {
    logits,
    logitsType,
    logitsRank: rank,
    logitsIsOutput: g.output!.some((o) => o.name === logits),
    linear: linear ? { index: linear.index, node: linear.node, op: linear.op } : undefined,
    features: linear ? (linear.node.input ?? [])[0] : undefined,
    featureDim: weight?.[0],
    numClasses,
    softmax,
    opset,
  };
}

function castTarget(model: OnnxModel, logits: string): number | undefined {
  const i = producerIndex(model, logits);
  const node = i >= 0 ? graphOf(OP, model).node![i] : undefined;
  if (node?.opType !== 'Cast') return undefined;
  return intAttribute(node, 'to', 0) || undefined;
}

/**
 * Finds the classifier head: the logits (named, or found by walking back from each graph output through an
 * optional Softmax/LogSoftmax to an optional Add with a constant operand and a Gemm/MatMul), the features
 * entering the Gemm/MatMul, M (its weight's input width) and the class count.
 * @throws {TStarError} E_ARGUMENT (`logitsOutput` names no tensor), E_MODEL (no head found; logits not float;
 * a Softmax over another axis; dims beyond ±2^53)
 * @example const { featureDim, numClasses, logits } = findHead(readModel(bytes));
 */
export function findHead(model: OnnxModel, options: FindHeadOptions = {}): ClassifierHead {
  const g = graphOf(OP, model);
  const opset = opsetVersion(model);
  if (opset < 7) throw modelError(`${OP}: default-domain opset ${opset} is older than 7, the oldest onnxruntime runs`);
  let head: ClassifierHead | undefined;
  if (options.logitsOutput !== undefined) {
    const name = options.logitsOutput;
    if (typeof name !== 'string' || !hasTensor(model, name)) {
      const outputs = g.output!.map((o) => `'${o.name}'`).join(', ');
      throw new TStarError('E_ARGUMENT', `${OP}: logitsOutput '${String(name)}' is no tensor of the graph (its outputs: ${outputs})`);
    }
    head = headAt(model, name, opset);
  } else {
    for (const out of g.output!) {
      const name = out.name ?? '';
      const i = producerIndex(model, name);
      const node = i >= 0 ? g.node![i] : undefined;
      const viaSoftmax = node && isDefault(node) && (node.opType === 'Softmax' || node.opType === 'LogSoftmax');
      const candidate = headAt(model, viaSoftmax ? (node.input ?? [])[0] ?? '' : name, opset);
      if (candidate.linear) {
        head = candidate;
        break;
      }
    }
    if (!head) {
      throw modelError(`${OP}: no classifier head (Gemm/MatMul → optional Add → optional Softmax) ends at any graph output (${g.output!.map((o) => `'${o.name}'`).join(', ')}); name the logits with logitsOutput`);
    }
  }
  if (head.logitsType !== undefined && !FLOAT_TYPES.has(head.logitsType)) {
    throw modelError(`${OP}: the logits '${head.logits}' are ${elementTypeName(head.logitsType)}, not float32/float16/float64/bfloat16`);
  }
  return head;
}
