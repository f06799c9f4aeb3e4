// The Workers page: the live workers (those heartbeating through report_jobs), what each runs, refreshed every 2 s.
'use strict';
const WORKERS_POLL_MS = 2000;

views.workers = async function () {
  const w = await api('GET', '/ui/api/workers'), now = Date.parse(w.now);
  const ago = iso => iso ? secs(Math.max(0, now - Date.parse(iso)) / 1000) + ' ago' : '';
  let html = `<h2>Workers</h2><p id="workers-total">${w.workers.length} live</p><table id="workers"><tr><th>id</th><th>host</th>
    <th>pid</th><th>version</th><th>types</th><th>concurrency</th><th>busy</th><th>idle</th><th>running</th><th>last seen</th>
    <th>started</th></tr>`;
  for (const k of w.workers) {
    const running = (k.running || []).map(id => `<a class="running-job" href="#/job/${encodeURIComponent(id)}">${esc(id)}</a>`);
    html += `<tr data-id="${esc(k.id)}"><td>${esc(k.id)}</td><td>${esc(k.host)}</td><td class="num">${esc(k.pid)}</td>
      <td>${esc(k.version)}</td><td class="types">${(k.types || []).map(esc).join(', ') || '<span class="muted">any</span>'}</td>
      <td class="num concurrency">${esc(k.concurrency)}</td><td class="num busy">${esc(k.busy)}</td><td class="num idle">${esc(k.idle)}</td>
      <td class="running">${running.join('<br>')}</td><td class="last-seen">${ago(k.last_seen)}</td><td>${ago(k.started)}</td></tr>`;
  }
  view().innerHTML = html + '</table>' + (w.workers.length ? '' :
    '<p class="muted">No worker has reported within three of its heartbeats.</p>');
  timer = setTimeout(route, WORKERS_POLL_MS);
};
