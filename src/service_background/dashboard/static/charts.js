// The Charts page: per queue, the last hour minute by minute (GET /ui/api/history): jobs finished by outcome as
// stacked bars, and the wait (due until taken) and run (taken until finished) times as lines; plain SVG.
'use strict';
const CHARTS_POLL_MS = 10000;
const CW = 540, CH = 120, PAD_L = 56, PAD_B = 18;
const OUTCOMES = ['done', 'failed', 'cancelled'];
const LATENCIES = [['wait_mean', 'wait mean'], ['wait_max', 'wait max'], ['run_mean', 'run mean'], ['run_max', 'run max']];
const dur = s => s >= 1 ? secs(s) : (s * 1000).toFixed(s < 0.01 ? 2 : 0) + ' ms';

function frame(kind, type, top, inner) {
  const n = 60, x = i => PAD_L + i * (CW - PAD_L) / n;
  return `<svg class="chart-${kind}" data-type="${esc(type)}" width="${CW}" height="${CH + PAD_B}" role="img">
    <line class="axis" x1="${PAD_L}" y1="${CH}" x2="${CW}" y2="${CH}"/><line class="axis" x1="${PAD_L}" y1="0" x2="${PAD_L}" y2="${CH}"/>
    <text class="tick" x="${PAD_L - 4}" y="10" text-anchor="end">${esc(top)}</text>
    <text class="tick" x="${PAD_L - 4}" y="${CH}" text-anchor="end">0</text>
    <text class="tick" x="${x(0)}" y="${CH + PAD_B - 4}">−60 min</text><text class="tick" x="${x(30)}" y="${CH + PAD_B - 4}">−30 min</text>
    <text class="tick" x="${CW}" y="${CH + PAD_B - 4}" text-anchor="end">now</text>${inner}</svg>`;
}

function throughputChart(type, h) {
  const n = h.done.length, slot = (CW - PAD_L) / n;
  const totals = h.done.map((d, i) => d + h.failed[i] + h.cancelled[i]), max = Math.max(1, ...totals);
  let bars = '';
  for (let i = 0; i < n; i++) {
    let y = CH;
    for (const o of OUTCOMES) {
      const v = h[o][i];
      if (!v) continue;
      const height = v * CH / max;
      y -= height;
      bars += `<rect class="bar ${o}" data-count="${v}" x="${(PAD_L + i * slot + 0.5).toFixed(1)}" y="${y.toFixed(1)}"
        width="${Math.max(1, slot - 1).toFixed(1)}" height="${height.toFixed(1)}"><title>${v} ${o}</title></rect>`;
    }
  }
  return frame('throughput', type, max + '/min', bars);
}

function latencyChart(type, h) {
  const n = h.wait_mean.length, slot = (CW - PAD_L) / n;
  const values = LATENCIES.flatMap(([k]) => h[k]).filter(v => v !== null);
  const max = Math.max(0.001, ...values);
  let lines = '';
  for (const [k, label] of LATENCIES) {
    let d = '', pen = 'M';
    h[k].forEach((v, i) => {
      if (v === null) { pen = 'M'; return; }
      d += `${pen}${(PAD_L + (i + 0.5) * slot).toFixed(1)},${(CH - v * CH / max).toFixed(1)} `;
      pen = 'L';
    });
    // a lone point draws nothing as a path: a dot marks every minute with a value
    const dots = h[k].map((v, i) => v === null ? '' :
      `<circle class="dot ${k}" cx="${(PAD_L + (i + 0.5) * slot).toFixed(1)}" cy="${(CH - v * CH / max).toFixed(1)}" r="1.8"><title>${label} ${dur(v)}</title></circle>`).join('');
    lines += (d ? `<path class="line ${k}" d="${d.trim()}"/>` : '') + dots;
  }
  return frame('latency', type, dur(max), lines);
}

const legend = items => `<div class="legend">${items.map(([cls, label]) => `<span><i class="${cls}"></i>${label}</span>`).join('')}</div>`;

views.charts = async function () {
  const r = await api('GET', '/ui/api/history');
  let html = '<h2>Charts</h2><p class="muted">The last hour of each queue, one bar or point per minute.</p>';
  const types = Object.keys(r.queues);
  if (!types.length) html += '<p class="muted">No job has been added or finished in the last hour.</p>';
  for (const type of types) {
    const h = r.queues[type], sum = k => h[k].reduce((a, b) => a + b, 0);
    html += `<section class="queue-charts" data-type="${esc(type)}"><h3>${esc(type)}</h3>
      <p class="totals">enqueued <b>${sum('enqueued')}</b>, done <b>${sum('done')}</b>,
      failed <b class="${sum('failed') > 0 ? 'bad' : ''}">${sum('failed')}</b>, cancelled <b>${sum('cancelled')}</b></p>
      <div class="chart-pair"><div><h4>Throughput (finished per minute)</h4>${throughputChart(type, h)}
      ${legend(OUTCOMES.map(o => ['bar ' + o, o]))}</div>
      <div><h4>Latency</h4>${latencyChart(type, h)}${legend(LATENCIES.map(([k, label]) => ['line ' + k, label]))}</div></div></section>`;
  }
  view().innerHTML = html;
  timer = setTimeout(route, CHARTS_POLL_MS);
};
