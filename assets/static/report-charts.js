// Charts of the utilisation report as SVG built with DOM calls: vector
// output that prints sharply and scales with the page, colours from
// report.css classes, text only through textContent (the CSP allows no
// inline script or style, and a room name is data). Each chart is an
// image with an accessible name; the same numbers stand in a table next
// to it, which is what screen readers read.
const NS = 'http://www.w3.org/2000/svg';

function node(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// frame is an SVG of the given size that shrinks to its container's width.
function frame(width, height, label) {
  // Drawn at its natural size, narrowed (never widened) by CSS to fit.
  const svg = node('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label, class: 'svgchart', preserveAspectRatio: 'xMinYMin meet' });
  svg.append(node('title', {}, label));
  return svg;
}

// stackedBars draws one horizontal bar per row, stacked from parts
// (percent of the whole width, 0–100), with a scale every 25 %.
// rows: [{ label, parts: [{ value, cls, title }] , total }]
export function stackedBars(label, rows, fmt) {
  const w = 760, left = 190, right = 60, rowH = 28, top = 8;
  const h = top + rows.length * rowH + 24;
  const svg = frame(w, h, label);
  const x = (p) => left + (w - left - right) * Math.max(0, Math.min(100, p)) / 100;
  for (let p = 0; p <= 100; p += 25) {
    svg.append(node('line', { x1: x(p), x2: x(p), y1: top, y2: h - 20, class: 'grid' }));
    svg.append(node('text', { x: x(p), y: h - 6, class: 'tick', 'text-anchor': 'middle' }, `${p} %`));
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    svg.append(node('text', { x: left - 8, y: y + rowH / 2 + 5, class: 'label', 'text-anchor': 'end' }, r.label));
    let at = 0;
    for (const part of r.parts) {
      if (!(part.value > 0)) continue;
      const rect = node('rect', { x: x(at), y: y + 4, width: Math.max(0, x(at + part.value) - x(at)), height: rowH - 8, class: part.cls });
      rect.append(node('title', {}, part.title));
      svg.append(rect);
      at += part.value;
    }
    svg.append(node('text', { x: x(at) + 6, y: y + rowH / 2 + 5, class: 'value' }, r.total));
  });
  return svg;
}

// columns draws one column per point (value 0–max), labels every few
// columns, and an optional horizontal reference line (a pool size).
// points: [{ label, value, title }]; fmt says a tick's number in the
// page's language (a decimal comma in German); whole keeps the ticks of a
// count (licences in use) on whole numbers.
export function columns(label, points, { max, ref, refLabel, unit = '', fmt = String, whole = false } = {}) {
  const w = 760, h = 240, left = 44, right = 10, top = 14, bottom = 40;
  const svg = frame(w, h, label);
  const top0 = Math.max(1, max ?? 0, ref ?? 0, ...points.map((p) => p.value ?? 0));
  const y = (v) => h - bottom - (h - bottom - top) * v / top0;
  const step = (w - left - right) / Math.max(1, points.length);
  for (const v of niceTicks(top0, whole)) {
    svg.append(node('line', { x1: left, x2: w - right, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(node('text', { x: left - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, `${fmt(v)}${unit}`));
  }
  const every = Math.ceil(points.length / 12);
  points.forEach((p, i) => {
    if (p.value !== null && p.value !== undefined) {
      const bar = node('rect', { x: left + i * step + step * 0.15, y: y(p.value), width: step * 0.7, height: Math.max(0, y(0) - y(p.value)), class: 'bar' });
      bar.append(node('title', {}, p.title));
      svg.append(bar);
    }
    if (i % every === 0) {
      svg.append(node('text', { x: left + i * step + step / 2, y: h - bottom + 16, class: 'tick', 'text-anchor': 'middle' }, p.label));
    }
  });
  if (ref !== undefined && ref !== null) {
    svg.append(node('line', { x1: left, x2: w - right, y1: y(ref), y2: y(ref), class: 'ref' }));
    svg.append(node('text', { x: w - right, y: y(ref) - 5, class: 'reflabel', 'text-anchor': 'end' }, refLabel));
  }
  return svg;
}

// heatMap draws rows (weekdays) × columns (hours) of percentages; a cell
// without a figure (never bookable) stays empty.
export function heatMap(label, rowLabels, hours, cell) {
  const cw = 30, ch = 26, left = 44, top = 22;
  const w = left + hours.length * cw + 4, h = top + rowLabels.length * ch + 4;
  const svg = frame(w, h, label);
  hours.forEach((hr, j) => svg.append(node('text', { x: left + j * cw + cw / 2, y: 14, class: 'tick', 'text-anchor': 'middle' }, String(hr))));
  rowLabels.forEach((rl, i) => {
    svg.append(node('text', { x: left - 6, y: top + i * ch + ch / 2 + 5, class: 'label', 'text-anchor': 'end' }, rl));
    hours.forEach((hr, j) => {
      const c = cell(i, hr);
      if (!c) return;
      // Opacity from the figure, at least a trace so 0 % differs from
      // "not bookable" (no cell at all).
      const rect = node('rect', { x: left + j * cw + 1, y: top + i * ch + 1, width: cw - 2, height: ch - 2, class: 'heat',
        'fill-opacity': (0.06 + 0.94 * Math.min(100, c.value) / 100).toFixed(2) });
      rect.append(node('title', {}, c.title));
      svg.append(rect);
    });
  });
  return svg;
}

// niceTicks gives 3–6 round values from 0 to about max; whole ones only
// if whole (then fewer for a small max: 0, 1, 2).
function niceTicks(max, whole = false) {
  const raw = max / 4;
  const mag = whole ? Math.max(1, 10 ** Math.floor(Math.log10(raw))) : 10 ** Math.floor(Math.log10(raw));
  const steps = [1, 2, 2.5, 5, 10].map((m) => m * mag).filter((s) => !whole || Number.isInteger(s));
  const step = steps.find((s) => max / s <= 5) || mag * 10;
  const out = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v * 100) / 100);
  return out;
}
