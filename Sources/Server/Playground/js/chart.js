// chart.js — a line chart as SVG: series of (x, y) points drawn as lines or dots on shared axes with a few labelled
// ticks. Enough for training curves; no library.
import { svg } from './ui.js';

/**
 * series: [{name, points: [[x, y]], colour, dots?}]; options: {width, height, xLabel, yLabel, yFormat}.
 * Returns an <svg> that scales to its container's width.
 */
export function lineChart(series, { width = 640, height = 300, xLabel = '', yLabel = '', yFormat = (y) => y.toFixed(2), title = '' } = {}) {
  const all = series.flatMap((s) => s.points);
  const pad = { left: 64, right: 16, top: 28, bottom: 44 };
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title || yLabel });
  if (all.length === 0) {
    root.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty' }, 'no points yet'));
    return root;
  }
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const xTicks = ticks(Math.min(...xs), Math.max(...xs));
  const yTicks = ticks(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const X = (x) => pad.left + ((x - x0) / Math.max(1e-12, x1 - x0)) * (width - pad.left - pad.right);
  const Y = (y) => height - pad.bottom - ((y - y0) / Math.max(1e-300, y1 - y0)) * (height - pad.top - pad.bottom);
  const grid = svg('g', { class: 'grid' });
  for (const y of yTicks) {
    grid.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: Y(y), y2: Y(y) }));
    grid.append(svg('text', { x: pad.left - 6, y: Y(y) + 5, 'text-anchor': 'end' }, yFormat(y)));
  }
  for (const x of xTicks) grid.append(svg('text', { x: X(x), y: height - pad.bottom + 20, 'text-anchor': 'middle' }, short(x)));
  root.append(grid);
  root.append(svg('text', { x: (pad.left + width - pad.right) / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis-label' }, xLabel));
  root.append(svg('text', { x: pad.left, y: 18, class: 'axis-label' }, yLabel));
  let legendX = width - pad.right;
  for (const s of [...series].reverse()) {
    const label = svg('text', { x: legendX, y: 18, 'text-anchor': 'end', fill: s.colour, class: 'legend-text' }, `${s.dots ? '●' : '—'} ${s.name}`);
    root.append(label);
    legendX -= 14 + 9 * (s.name.length + 2);
  }
  for (const s of series) {
    if (s.dots) {
      const g = svg('g', { fill: s.colour, class: 'series', 'data-name': s.name });
      for (const [x, y] of s.points) g.append(svg('circle', { cx: X(x), cy: Y(y), r: 4 }));
      root.append(g);
    } else if (s.points.length) {
      const d = s.points.map(([x, y], i) => `${i ? 'L' : 'M'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join('');
      root.append(svg('path', { d, fill: 'none', stroke: s.colour, 'stroke-width': 2, class: 'series', 'data-name': s.name }));
    }
  }
  return root;
}

/** Round tick values (1, 2 or 5 × 10^k apart) from at or below `lo` to at or above `hi`. */
function ticks(lo, hi, wanted = 5) {
  if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 0.5; hi += Math.abs(hi) * 0.1 || 0.5; }
  const raw = (hi - lo) / wanted, power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let t = Math.floor(lo / step) * step; t < hi + step * 0.999; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** 1234567 → "1.2M". */
function short(x) {
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(0)}k`;
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}
