import { DEFAULT_COEFFICIENTS } from '@tstar/core';
import { spearman, type Stat } from './analysis.js';
import type { CellResult, StudyResult } from './study.js';

const ALPHA = DEFAULT_COEFFICIENTS.alpha, BETA = DEFAULT_COEFFICIENTS.beta;

/** Labels of the pooled fits by regime (lib/study.ts makes them). */
export const MEMORISING = 'BN-on cells that memorise';
export const NOT_MEMORISING = 'BN-on cells that do not memorise';

const pct = (s: Stat): string => `${(100 * s.mean).toFixed(1)} ± ${(100 * s.std).toFixed(1)}`;
const num = (s: Stat): string => `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;
const t = (v: number): string => (v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const wins = (w: { win: number; tie: number; loss: number }): string => `${w.win}/${w.tie}/${w.loss}`;
const published = (M: number): number => ALPHA * Math.sqrt(M) + BETA;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The headline table of one sweep: every M × BN cell. */
function cellTable(cells: readonly CellResult[]): string[] {
  const lines = [
    '| M | BN | T̂* | test acc. % at T = 1 | at T̂* | at grid best | grid-best T (flat top) | test NLL at T = 1 | at T̂* | at grid best | T̂* vs T = 1 (W/T/L) | best vs T = 1 | train acc. % (best) | regime |',
    '|---:|:---:|---:|---:|---:|---:|:---|---:|---:|---:|:---:|:---:|---:|:---|',
  ];
  for (const c of [...cells].sort((a, b) => a.featureDim - b.featureDim || Number(b.batchNorm) - Number(a.batchNorm))) {
    const flat = c.best.flat[0] === c.best.flat[1] ? t(c.best.flat[0]) : `${t(c.best.flat[0])}–${t(c.best.flat[1])}`;
    lines.push(`| ${c.featureDim} | ${c.batchNorm ? 'on' : 'off'} | ${t(c.tHat)}${c.tHatClipped ? ' (clipped)' : ''} | ${pct(c.atOne.testAccuracy)} | ${pct(c.atHat.testAccuracy)} | ${pct(c.atBest.testAccuracy)} | ${t(c.best.grid)}${c.best.atEdge ? ' (edge)' : ''} (${flat}) | ${num(c.atOne.testNll)} | ${num(c.atHat.testNll)} | ${num(c.atBest.testNll)} | ${wins(c.hatVsOne)} | ${wins(c.bestVsOne)} | ${(100 * c.atBest.trainAccuracy.mean).toFixed(1)} | ${c.regime} |`);
  }
  return lines;
}

/** Mean validation accuracy per temperature (rows) and M (columns) for one sweep and BN setting. */
function curveTable(cells: readonly CellResult[]): string[] {
  const sorted = [...cells].sort((a, b) => a.featureDim - b.featureDim);
  const temps = [...new Set(sorted.flatMap((c) => c.temperatures.map((x) => x.temperature)))].sort((a, b) => a - b);
  const lines = [`| T | ${sorted.map((c) => `M = ${c.featureDim}`).join(' | ')} |`, `|---:|${sorted.map(() => '---:').join('|')}|`];
  for (const temp of temps) {
    const row = sorted.map((c) => {
      const x = c.temperatures.find((s) => s.temperature === temp);
      if (!x) return '';
      const v = (100 * x.validationAccuracy.mean).toFixed(1);
      return temp === c.best.grid ? `**${v}**` : temp === c.tHat ? `_${v}_` : v;
    });
    lines.push(`| ${t(temp)} | ${row.join(' | ')} |`);
  }
  return lines;
}

/** Statements computed from the cells; the same rules on every run. */
export function verdicts(result: StudyResult): string[] {
  const out: string[] = [];
  const main = result.cells.filter((c) => c.group === 'main');
  const beats = (a: Stat, b: Stat) => a.mean > b.mean;
  for (const bn of [true, false]) {
    const cells = main.filter((c) => c.batchNorm === bn);
    if (cells.length === 0) continue;
    const better = cells.filter((c) => beats(c.atHat.testAccuracy, c.atOne.testAccuracy));
    const clear = cells.filter((c) => c.hatVsOne.win >= Math.ceil(0.8 * c.seeds));
    const worse = cells.filter((c) => c.hatVsOne.loss >= Math.ceil(0.8 * c.seeds));
    const wide = cells.filter((c) => c.featureDim >= 512);
    const wideBetter = wide.filter((c) => beats(c.atHat.testAccuracy, c.atOne.testAccuracy));
    out.push(`BN ${bn ? 'on' : 'off'}, real + main synthetic tasks: T̂* has higher mean test accuracy than T = 1 in ${better.length} of ${cells.length} cells (M ≥ 512: ${wideBetter.length} of ${wide.length}); it wins on ≥ 80 % of seeds in ${clear.length} cells and loses on ≥ 80 % of seeds in ${worse.length}.`);
  }
  const pairs = main.filter((c) => c.batchNorm).map((on) => ({ on, off: main.find((c) => !c.batchNorm && c.sweep === on.sweep && c.featureDim === on.featureDim) })).filter((p) => p.off);
  if (pairs.length > 0) {
    const bnHurtsAtOne = pairs.filter((p) => p.on.atOne.testAccuracy.mean < p.off!.atOne.testAccuracy.mean).length;
    const bnHatBeatsPlain = pairs.filter((p) => p.on.atHat.testAccuracy.mean > p.off!.atOne.testAccuracy.mean).length;
    out.push(`BN at T = 1 is below no-BN at T = 1 in ${bnHurtsAtOne} of ${pairs.length} (task, M) pairs; BN + T̂* beats no-BN + T = 1 in ${bnHatBeatsPlain} of ${pairs.length}.`);
  }
  const on = result.trends.filter((tr) => tr.batchNorm && Number.isFinite(tr.rho));
  const rising = on.filter((tr) => tr.rho >= 0.5);
  out.push(`Best T rises with M (Spearman ρ ≥ 0.5 between M and the smoothed best T) in ${rising.length} of ${on.length} BN-on sweeps: ${on.map((tr) => `${tr.sweep} ρ = ${tr.rho.toFixed(2)}`).join('; ')}.`);
  const pooled = result.fits.find((f) => f.label === 'all cells, BN on');
  if (pooled?.coefficients) {
    out.push(`Refit over all BN-on cells: T* ≈ ${pooled.coefficients.alpha.toFixed(3)}·√M ${pooled.coefficients.beta < 0 ? '−' : '+'} ${Math.abs(pooled.coefficients.beta).toFixed(3)} (R² = ${pooled.r2!.toFixed(2)}), against the published ${ALPHA}·√M − ${Math.abs(BETA)}.`);
  }
  const bnOn = result.cells.filter((c) => c.batchNorm);
  const ratio = bnOn.map((c) => c.tHat / c.best.smoothed).sort((a, b) => a - b);
  if (ratio.length > 0) {
    const median = ratio[Math.floor(ratio.length / 2)];
    out.push(`T̂* / smoothed best T over BN-on cells: median ${median.toFixed(2)} (range ${ratio[0].toFixed(2)}–${ratio[ratio.length - 1].toFixed(2)}); T̂* lies inside the flat top in ${bnOn.filter((c) => c.tHat >= c.best.flat[0] * 0.98 && c.tHat <= c.best.flat[1] * 1.02).length} of ${bnOn.length} BN-on cells.`);
  }
  for (const regime of ['memorises', 'does not memorise'] as const) {
    const cells = bnOn.filter((c) => c.regime === regime);
    if (cells.length === 0) continue;
    const fit = result.fits.find((f) => f.label === (regime === 'memorises' ? MEMORISING : NOT_MEMORISING));
    const rho = spearman(cells.map((c) => c.featureDim), cells.map((c) => c.best.smoothed));
    const fitText = fit?.coefficients ? `refit ${fit.coefficients.alpha.toFixed(3)}·√M ${fit.coefficients.beta < 0 ? '−' : '+'} ${Math.abs(fit.coefficients.beta).toFixed(2)} (R² ${fit.r2!.toFixed(2)})` : 'no refit';
    out.push(`Pooled BN-on cells that ${regime === 'memorises' ? 'memorise' : 'do not memorise'}: Spearman ρ(M, best T) = ${Number.isFinite(rho) ? rho.toFixed(2) : '—'}, ${fitText}.`);
    const better = cells.filter((c) => beats(c.atHat.testAccuracy, c.atOne.testAccuracy)).length;
    const wide = cells.filter((c) => c.featureDim >= 512);
    const bestWide = wide.length ? Math.max(...wide.map((c) => c.best.smoothed)) : Number.NaN;
    out.push(`BN-on cells whose model ${regime === 'memorises' ? 'memorises its training set (train acc. ≥ 99 %)' : 'does not memorise (train acc. < 99 %)'}: ${cells.length}; T̂* beats T = 1 in ${better}; largest best T at M ≥ 512: ${Number.isFinite(bestWide) ? t(bestWide) : '—'} (T̂* there: ${wide.length ? t(Math.max(...wide.map((c) => c.tHat))) : '—'}).`);
  }
  return out;
}

/** Best T against √M: one marker per cell (filled BN on, hollow BN off), the published line and the refit. */
export function temperatureChart(result: StudyResult): string {
  const W = 840, H = 500, left = 70, right = 290, top = 40, bottom = 60;
  const pw = W - left - right, ph = H - top - bottom;
  const widths = [...new Set(result.cells.map((c) => c.featureDim))].sort((a, b) => a - b);
  const xs = widths.map(Math.sqrt);
  const xMin = Math.floor(Math.min(...xs) - 1), xMax = Math.ceil(Math.max(...xs) + 1);
  // log2 axis: the tried temperatures are powers of √2 from ~0.18 to ~128.
  const all = result.cells.flatMap((c) => [c.best.flat[0], c.best.flat[1], c.best.smoothed]);
  const yLo = 2 ** Math.floor(Math.log2(Math.min(0.5, ...all))), yHi = 2 ** Math.ceil(Math.log2(Math.max(32, ...all, ...widths.map(published))));
  const X = (v: number) => left + ((v - xMin) / (xMax - xMin)) * pw;
  const Y = (v: number) => top + ph - ((Math.log2(Math.max(yLo, Math.min(v, yHi))) - Math.log2(yLo)) / (Math.log2(yHi) - Math.log2(yLo))) * ph;
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  const mainSweeps = [...new Set(result.cells.filter((c) => c.group === 'main').map((c) => c.sweep))];
  const colour = (sweep: string) => palette[mainSweeps.indexOf(sweep) % palette.length];
  const s: string[] = [];
  s.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  s.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  s.push(`<text x="${left + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Best training temperature against √M (${escapeXml(result.plan.mode)} run)</text>`);
  // Grid and axes.
  for (let v = yLo; v <= yHi * 1.0001; v *= 2) {
    s.push(`<line x1="${left}" x2="${left + pw}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e5e5e5"/>`);
    s.push(`<text x="${left - 8}" y="${Y(v) + 4}" text-anchor="end">${v < 1 ? v.toString().replace(/^0/, '') : v}</text>`);
  }
  for (const M of widths) {
    const x = X(Math.sqrt(M));
    s.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + ph}" stroke="#f0f0f0"/>`);
    s.push(`<text x="${x}" y="${top + ph + 18}" text-anchor="middle">${Math.sqrt(M).toFixed(1)}</text>`);
    s.push(`<text x="${x}" y="${top + ph + 32}" text-anchor="middle" fill="#666" font-size="10">${M}</text>`);
  }
  s.push(`<line x1="${left}" x2="${left + pw}" y1="${top + ph}" y2="${top + ph}" stroke="black"/>`);
  s.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + ph}" stroke="black"/>`);
  s.push(`<text x="${left - 8}" y="${top + ph + 32}" text-anchor="end" fill="#666" font-size="10">M:</text>`);
  s.push(`<text x="${left + pw / 2}" y="${H - 10}" text-anchor="middle">√M (M = width of the features entering the output layer)</text>`);
  s.push(`<text transform="translate(18 ${top + ph / 2}) rotate(-90)" text-anchor="middle">best training temperature T (log scale; by validation accuracy)</text>`);
  // Published line, with the product's floor of 1, and the refit.
  const line = (f: (x: number) => number, attrs: string) => {
    const pts: string[] = [];
    for (let i = 0; i <= 100; i++) {
      const x = xMin + ((xMax - xMin) * i) / 100;
      pts.push(`${X(x).toFixed(1)},${Y(f(x)).toFixed(1)}`);
    }
    s.push(`<polyline points="${pts.join(' ')}" fill="none" ${attrs}/>`);
  };
  line((x) => Math.max(1, ALPHA * x + BETA), 'stroke="black" stroke-width="2"');
  const refits = [
    { fit: result.fits.find((f) => f.label === MEMORISING)?.coefficients, dash: '6 4', label: 'refit, BN-on cells that memorise' },
    { fit: result.fits.find((f) => f.label === NOT_MEMORISING)?.coefficients, dash: '2 3', label: 'refit, BN-on cells that do not' },
  ];
  for (const r of refits) if (r.fit) { const f = r.fit; line((x) => f.alpha * x + f.beta, `stroke="#555" stroke-width="1.5" stroke-dasharray="${r.dash}"`); }
  // Cells: flat-top bar and marker, nudged sideways per sweep so they do not overlap.
  const sweeps = [...new Set(result.cells.map((c) => c.sweep))];
  for (const c of result.cells) {
    const nudge = (sweeps.indexOf(c.sweep) - (sweeps.length - 1) / 2) * 0.12 + (c.batchNorm ? 0 : 0.05);
    const x = X(Math.sqrt(c.featureDim) + nudge);
    const main = c.group === 'main';
    const col = main ? colour(c.sweep) : '#888';
    s.push(`<line x1="${x}" x2="${x}" y1="${Y(c.best.flat[0])}" y2="${Y(c.best.flat[1])}" stroke="${col}" stroke-opacity="0.45" stroke-width="1.5"/>`);
    const y = Y(c.best.smoothed);
    const fill = c.batchNorm ? col : 'white';
    if (main) s.push(`<circle cx="${x}" cy="${y}" r="4.5" fill="${fill}" stroke="${col}" stroke-width="1.5"><title>${escapeXml(`${c.sweep}, M=${c.featureDim}, BN ${c.batchNorm ? 'on' : 'off'}: best T ${t(c.best.smoothed)} (flat ${t(c.best.flat[0])}–${t(c.best.flat[1])})`)}</title></circle>`);
    else s.push(`<path d="M ${x} ${y - 5} L ${x + 5} ${y} L ${x} ${y + 5} L ${x - 5} ${y} Z" fill="${fill}" stroke="${col}" stroke-width="1.2"><title>${escapeXml(`${c.sweep}, M=${c.featureDim}: best T ${t(c.best.smoothed)}`)}</title></path>`);
  }
  // Legend.
  const lx = left + pw + 18;
  let ly = top + 6;
  const entry = (draw: string, label: string) => {
    s.push(draw.replace(/\{x\}/g, String(lx)).replace(/\{y\}/g, String(ly)));
    s.push(`<text x="${lx + 26}" y="${ly + 4}">${escapeXml(label)}</text>`);
    ly += 20;
  };
  entry(`<line x1="{x}" x2="${lx + 20}" y1="{y}" y2="{y}" stroke="black" stroke-width="2"/>`, `published ${ALPHA}·√M − ${Math.abs(BETA)}`);
  s.push(`<text x="${lx + 26}" y="${ly - 4}" font-size="10" fill="#666">(floor 1, as tstar clips)</text>`);
  ly += 8;
  for (const r of refits) {
    if (!r.fit) continue;
    entry(`<line x1="{x}" x2="${lx + 20}" y1="{y}" y2="{y}" stroke="#555" stroke-width="1.5" stroke-dasharray="${r.dash}"/>`, r.label);
    s.push(`<text x="${lx + 26}" y="${ly - 4}" font-size="10" fill="#666">${r.fit.alpha.toFixed(3)}·√M ${r.fit.beta < 0 ? '−' : '+'} ${Math.abs(r.fit.beta).toFixed(2)}</text>`);
    ly += 8;
  }
  for (const sweep of mainSweeps) entry(`<circle cx="${lx + 10}" cy="{y}" r="4.5" fill="${colour(sweep)}" stroke="${colour(sweep)}"/>`, sweep);
  entry(`<circle cx="${lx + 10}" cy="{y}" r="4.5" fill="#999" stroke="#999"/>`, 'filled: BN on');
  entry(`<circle cx="${lx + 10}" cy="{y}" r="4.5" fill="white" stroke="#999" stroke-width="1.5"/>`, 'hollow: BN off');
  if (result.cells.some((c) => c.group === 'regime')) entry(`<path d="M ${lx + 10} ${ly - 5} L ${lx + 15} ${ly} L ${lx + 10} ${ly + 5} L ${lx + 5} ${ly} Z" fill="#888"/>`, 'regime cells (synthetic)');
  entry(`<line x1="${lx + 10}" x2="${lx + 10}" y1="${ly - 7}" y2="${ly + 7}" stroke="#888" stroke-width="1.5"/>`, 'bar: flat top (±1 paired SE)');
  s.push('</svg>');
  return s.join('\n');
}

/** The markdown report. `chartFile` is the SVG's name next to it. */
export function markdownReport(result: StudyResult, chartFile: string, command: string): string {
  const { plan, timing } = result;
  const L: string[] = [];
  L.push('# Paper reproduction: T̂* = 0.7239·√M − 4.706 on MLPs trained with tfjs');
  L.push('');
  L.push(`Generated by \`${command}\` (${plan.mode} mode) on ${timing.started.slice(0, 10)}: ${timing.jobs} grouped trainings${timing.cachedJobs ? ` (${timing.cachedJobs} read from the run cache)` : ''}, ${timing.copies} models, ${(timing.wallSeconds / 60).toFixed(1)} min wall, ${(timing.cpuSeconds / 60).toFixed(1)} min CPU in trainings on ${timing.workers || 1} process(es); ${timing.cpus}, Node ${timing.node}, load average ${timing.loadBefore.map((v) => v.toFixed(1)).join(' ')} before, ${timing.loadAfter.map((v) => v.toFixed(1)).join(' ')} after. Method and caveats: [paper/README.md](../paper/README.md).`);
  L.push('');
  L.push('## What this says about the paper');
  L.push('');
  for (const v of verdicts(result)) L.push(`- ${v}`);
  L.push('');
  L.push('Why it can differ from the paper: the published α, β were fitted on CNNs and ViTs trained on CIFAR and TinyImageNet; here small MLPs (two hidden layers) train for a fixed, short budget with Adam on small tabular, text and synthetic tasks. The optimum is flat (see the flat-top column): many temperatures are within one paired standard error of the best, so the "best T" of a cell is uncertain by a factor of 2 or more, and a line fitted through such points is loose. Whether the model memorises its training set changes what T does: once every training example is fitted, T mainly sets how far logits are pushed apart, not which examples are fitted.');
  L.push('');
  L.push('## Setup');
  L.push('');
  L.push(`- Model: input → Dense(H, ReLU) → Dense(M, ReLU) → [BatchNorm] → Dense(classes), Glorot-uniform initial weights from the core's \`seededRandom\`, trained with \`temperatureCrossEntropy(T)\` from \`@tstar/tfjs\` on tfjs' wasm backend; Adam; a fixed number of epochs; no early stopping. BatchNorm as tfjs' (momentum 0.99, ε = 0.001; inference uses the moving averages).`);
  L.push(`- Pairing: within a seed, every temperature starts from the same weights and sees the same batches (the copies train side by side in one set of batched tensors). Seeds 1…n change the initial weights and the batch order; the data split is fixed per task.`);
  L.push(`- Temperatures: first pass ${plan.grid.map(t).join(', ')} and T̂*(M); ${plan.refine ? `second pass adds best·${plan.refineFactor.toFixed(3)}^±1 around each cell's best (one step further out when the best is at an edge)` : 'no second pass'}. T̂*(M) = \`resolveTemperature('auto', { featureDim: M, numClasses, csg })\`: the published α, β with tstar's floor of 1; the CSG and class-count terms are defined in the rule but their coefficients are not published, so they are 0 (CSG and CN are still computed and used in the refit below).`);
  L.push('- Scores: accuracy, NLL and ECE with the logits divided by the training T (as the model is served), from the core\'s `calibrationMetrics`. The grid best is chosen on validation accuracy (mean over seeds; ties by validation NLL) and reported on test. "Smoothed best" = vertex of a parabola in log T through the best grid point and its neighbours. Flat top = temperatures within one paired standard error (over seeds) of the best on validation accuracy.');
  L.push('- Regime: "memorises" when the grid-best model reaches ≥ 99 % training accuracy.');
  L.push('');
  L.push('| sweep | data | classes | CSG | epochs | batch | lr | H | seeds | widths M | BN |');
  L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const sw of plan.sweeps) {
    const info = result.tasks[sw.label];
    L.push(`| ${sw.label} | ${escapeXml(info.description)} | ${info.classes} | ${info.csg.toFixed(3)} | ${sw.train.epochs} | ${sw.train.batchSize} | ${sw.train.learningRate} | ${sw.hidden} | ${sw.seeds} | ${sw.widths.join(', ')} | ${sw.batchNorm.map((b) => (b ? 'on' : 'off')).join(', ')} |`);
  }
  const first = Object.values(result.tasks)[0];
  if (first) L.push(`\nCSG: the core's \`cumulativeSpectralGradient\` on the training inputs, k = ${first.csgOptions.k}, ${first.csgOptions.samplesPerClass} samples per class, ${first.csgOptions.runCount} runs, seed ${first.csgOptions.seed}, embedding 'auto' (PCA to 3 dimensions when the input is wider).`);
  L.push('');
  L.push('## The table');
  L.push('');
  L.push('Accuracy and NLL on the test split, mean ± std over seeds; W/T/L = paired wins / ties / losses on test accuracy against T = 1, seed by seed.');
  for (const group of ['main', 'regime'] as const) {
    const sweeps = plan.sweeps.filter((sw) => sw.group === group);
    if (sweeps.length === 0) continue;
    L.push('');
    L.push(group === 'main' ? '### Real data and the main synthetic task' : '### Synthetic regimes: training-set size, overlap, class count');
    for (const sw of sweeps) {
      L.push('');
      L.push(`**${sw.label}** (${result.tasks[sw.label].classes} classes, CSG ${result.tasks[sw.label].csg.toFixed(3)})`);
      L.push('');
      L.push(...cellTable(result.cells.filter((c) => c.sweep === sw.label)));
    }
  }
  L.push('');
  L.push('## Best T against √M');
  L.push('');
  L.push(`![best T against √M](${chartFile})`);
  L.push('');
  L.push('## Refitted coefficients');
  L.push('');
  L.push('The core\'s `fitCoefficients` on (M, smoothed best T) of the cells named; with "γ·ln CSG + δ·ln CN" the CSG and class-count terms are fitted too.');
  L.push('');
  L.push('| cells | rows | α | β | γ | δ | R² |');
  L.push('|---|---:|---:|---:|---:|---:|---:|');
  L.push(`| published (CIFAR, TinyImageNet; CNN, ViT) | | ${ALPHA} | ${BETA} | not published | not published | |`);
  for (const f of result.fits) {
    if (f.coefficients) L.push(`| ${f.label} | ${f.rows} | ${f.coefficients.alpha.toFixed(3)} | ${f.coefficients.beta.toFixed(3)} | ${f.coefficients.gamma.toFixed(3)} | ${f.coefficients.delta.toFixed(3)} | ${f.r2!.toFixed(2)} |`);
    else L.push(`| ${f.label} | ${f.rows} | refused: ${escapeXml(f.refused ?? '')} | | | | |`);
  }
  L.push('');
  L.push('Spearman ρ between M and the smoothed best T: ' + result.trends.map((tr) => `${tr.sweep} BN ${tr.batchNorm ? 'on' : 'off'} ${Number.isFinite(tr.rho) ? tr.rho.toFixed(2) : '—'}`).join('; ') + '.');
  L.push('');
  L.push('## Accuracy against T');
  L.push('');
  L.push('Mean validation accuracy (%) per training temperature; **bold** = the grid best, _italic_ = T̂*(M) (blank: not trained at that T).');
  for (const sw of plan.sweeps) {
    for (const bn of sw.batchNorm) {
      L.push('');
      L.push(`**${sw.label}, BN ${bn ? 'on' : 'off'}**`);
      L.push('');
      L.push(...curveTable(result.cells.filter((c) => c.sweep === sw.label && c.batchNorm === bn)));
    }
  }
  L.push('');
  return L.join('\n');
}
