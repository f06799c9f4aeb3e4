// The dashboard: one page, a view per hash route, over the JSON APIs (the sb_token cookie authenticates).
// This file holds the helpers, the router and the first views; job_view.js, workers_view.js and charts.js add theirs.
'use strict';
const $ = (sel, el) => (el || document).querySelector(sel);
const view = () => $('#view');
const esc = v => String(v === null || v === undefined ? '' : v).replace(/[&<>"']/g,
  c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
const age = iso => iso ? Math.round((Date.now() - Date.parse(iso)) / 1000) + ' s' : '';
const secs = s => s >= 3600 ? (s / 3600).toFixed(1) + ' h' : s >= 60 ? (s / 60).toFixed(1) + ' min' : s.toFixed(1) + ' s';
let timer = null;
let visit = 0;  // counts route() calls: a view's poll stops once the page moved on
let jobsQuery = {filter: {}, text: '', skip: 0, take: 25};

async function api(method, url, body) {
  const options = {method, credentials: 'same-origin', headers: {}};
  if (body !== undefined) { options.body = JSON.stringify(body); options.headers['Content-Type'] = 'application/json'; }
  const response = await fetch(url, options);
  if (response.status === 401) { location.href = '/ui/login'; throw new Error('unauthorized'); }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error((data && data.message) || response.statusText);
  return data;
}
const cmd = (domain, name, body) => api('POST', `/v1/${domain}/${name}`, body || {});
// a count cell: red only when there is something to worry about
const count = (cls, n) => `<td class="num ${cls}${n > 0 ? ' bad' : ''}">${n}</td>`;
function say(text) { $('#status').textContent = text; }
async function act(label, fn) {
  try { const r = await fn(); say(label + ' done' + (r && r.done !== undefined ? ` (${r.done} of ${r.matched})` : '')); }
  catch (e) { say(label + ' failed: ' + e.message); }
  route();
}

function chart(perMinute) {
  const w = 180, h = 30, max = Math.max(1, ...perMinute.map(b => b[1] + b[2]));
  const pts = perMinute.map((b, i) => `${(i * w / Math.max(1, perMinute.length - 1)).toFixed(1)},${(h - (b[1] + b[2]) * h / max).toFixed(1)}`);
  return `<svg class="chart" width="${w}" height="${h}"><polyline fill="none" stroke="#1976d2" points="${pts.join(' ')}"/></svg>`;
}

const views = {
  async overview() {
    const o = await api('GET', '/ui/api/overview');
    let html = `<h2>Overview</h2><h3>Queues</h3><table id="queues"><tr><th>type</th><th>queued</th><th>delayed</th><th>running</th>
      <th>failed (1 h)</th><th>done (1 h)</th><th>oldest queued</th><th>throughput (1 h)</th></tr>`;
    for (const [type, q] of Object.entries(o.queues)) {
      html += `<tr data-type="${esc(type)}"><td>${esc(type)}${q.paused ? ' <span class="paused">paused</span>' : ''}</td>
        <td class="num queued">${q.queued}</td><td class="num delayed">${q.delayed}</td><td class="num running">${q.running}</td>
        ${count('failed', q.failed_1h)}<td class="num done">${q.done_1h}</td>
        <td class="num oldest">${secs(q.oldest_age)}</td><td><a href="#/charts" title="the last hour's charts">${chart(q.per_minute)}</a></td></tr>`;
    }
    html += `</table><p>Long-poll waiters: <span id="waiters">${o.long_poll_waiters}</span></p>
      <h3>Tasks</h3><table id="task-counts"><tr><th>namespace</th><th>idle</th><th>in_progress</th><th>done</th><th>failed</th><th>overdue</th></tr>`;
    for (const [ns, c] of Object.entries(o.tasks)) {
      html += `<tr data-namespace="${esc(ns)}"><td>${esc(ns)}</td><td class="num idle">${c.idle}</td><td class="num in_progress">${c.in_progress}</td>
        <td class="num done">${c.done}</td>${count('failed', c.failed)}${count('overdue-count', c.overdue)}</tr>`;
    }
    html += `</table><h3>Cron runs (1 h)</h3><table id="cron-runs"><tr><th>group</th><th>ok</th><th>failed</th></tr>`;
    for (const [g, c] of Object.entries(o.cron_runs_1h)) {
      html += `<tr data-group="${esc(g)}"><td>${esc(g)}</td><td class="num ok-count">${c.ok}</td>${count('failed-count', c.failed)}</tr>`;
    }
    view().innerHTML = html + '</table>';
    timer = setTimeout(route, 3000);
  },

  async jobs() {
    const q = jobsQuery, f = q.filter;
    const page = await api('POST', '/ui/api/jobs', q);
    const statuses = ['', 'queued', 'running', 'done', 'failed', 'aborted', 'cancelled', 'skipped'];
    let html = `<h2>Jobs</h2><form class="filters" id="job-filters">
      <input name="type" placeholder="type" value="${esc(f.type)}">
      <select name="status">${statuses.map(s => `<option ${s === (f.status || '') ? 'selected' : ''}>${s}</option>`).join('')}</select>
      <input name="ref_id" placeholder="ref_id" value="${esc(f.ref_id)}">
      <input name="group_key" placeholder="group key" value="${esc(f.group_key)}">
      <input name="created_from" placeholder="created from (ISO)" value="${esc(f.created_from)}">
      <input name="created_to" placeholder="created to (ISO)" value="${esc(f.created_to)}">
      <input name="text" placeholder="text in params/result" value="${esc(q.text)}">
      <button type="submit" id="apply-filter">Filter</button></form>
      <p>Selected: <button data-bulk="retry">retry</button><button data-bulk="delete">delete</button><button data-bulk="requeue">requeue now</button><button data-bulk="cancel">cancel</button>
      &nbsp; All matching the filter: <button data-all="retry">retry all</button><button data-all="delete">delete all</button><button data-all="requeue">requeue all</button></p>
      <p id="jobs-total">${page.total !== null && page.total !== undefined ? page.total + ' jobs' : ''}</p>
      <table id="jobs"><tr><th><input type="checkbox" id="select-all"></th><th>id</th><th>type</th><th>status</th><th>ref_id</th>
      <th>priority</th><th>attempts</th><th>created</th><th>last_error</th></tr>`;
    for (const j of page.data) {
      html += `<tr data-id="${esc(j.id)}"><td><input type="checkbox" class="sel" value="${esc(j.id)}"></td>
        <td><a href="#/job/${encodeURIComponent(j.id)}">${esc(j.id)}</a></td><td>${esc(j.type)}</td><td class="status">${esc(j.status)}</td>
        <td>${esc(j.ref_id)}</td><td>${j.priority}</td><td>${j.retries}/${j.max_retries}</td><td>${esc(j.created)}</td><td>${esc(j.last_error)}</td></tr>`;
    }
    html += `</table><button id="prev" ${q.skip ? '' : 'disabled'}>previous</button><button id="next">next</button>`;
    view().innerHTML = html;
    $('#job-filters').onsubmit = e => {
      e.preventDefault();
      const data = new FormData(e.target);
      jobsQuery = {filter: {}, text: data.get('text'), skip: 0, take: q.take};
      for (const k of ['type', 'status', 'ref_id', 'group_key', 'created_from', 'created_to']) if (data.get(k)) jobsQuery.filter[k] = data.get(k);
      route();
    };
    $('#select-all').onchange = e => document.querySelectorAll('.sel').forEach(c => { c.checked = e.target.checked; });
    document.querySelectorAll('[data-bulk]').forEach(b => b.onclick = () => {
      const ids = [...document.querySelectorAll('.sel:checked')].map(c => c.value);
      act(b.dataset.bulk, () => api('POST', '/ui/api/jobs/action', {action: b.dataset.bulk, ids}));
    });
    document.querySelectorAll('[data-all]').forEach(b => b.onclick = () => {
      if (!confirm(`${b.dataset.all} every job matching the filter?`)) return;
      act(b.dataset.all + ' all', () => api('POST', '/ui/api/jobs/action', {action: b.dataset.all, all: true, filter: q.filter, text: q.text}));
    });
    $('#prev').onclick = () => { q.skip = Math.max(0, q.skip - q.take); route(); };
    $('#next').onclick = () => { q.skip += q.take; route(); };
  },

  async stuck() {
    const s = await api('GET', '/ui/api/stuck?within=30');
    let html = `<h2>Stuck</h2><p>Running jobs whose lease has run out or ends within 30 s.</p><table id="stuck">
      <tr><th>id</th><th>type</th><th>started</th><th>lease until</th><th>attempts</th><th></th></tr>`;
    for (const j of s.data) {
      const over = Date.parse(j.locked_until) < Date.now();
      html += `<tr data-id="${esc(j.id)}"><td><a href="#/job/${encodeURIComponent(j.id)}">${esc(j.id)}</a></td><td>${esc(j.type)}</td>
        <td>${esc(j.started)}</td><td class="${over ? 'overdue' : ''}">${esc(j.locked_until)}</td><td>${j.retries}/${j.max_retries}</td>
        <td><button data-requeue="${esc(j.id)}">requeue now</button></td></tr>`;
    }
    view().innerHTML = html + '</table>';
    document.querySelectorAll('[data-requeue]').forEach(b => b.onclick = () =>
      act('requeue', () => api('POST', '/ui/api/jobs/action', {action: 'requeue', ids: [b.dataset.requeue]})));
  },

  async queues() {
    const o = await api('GET', '/ui/api/overview');
    let html = `<h2>Queues</h2><table id="queue-list"><tr><th>type</th><th>state</th><th>queued</th><th>delayed</th><th>running</th><th></th></tr>`;
    for (const [type, q] of Object.entries(o.queues)) {
      html += `<tr data-type="${esc(type)}"><td><a class="queue-link" href="#/queue/${encodeURIComponent(type)}">${esc(type)}</a></td><td class="state ${q.paused ? 'paused' : ''}">${q.paused ? 'paused' : 'running'}</td>
        <td class="num">${q.queued}</td><td class="num">${q.delayed}</td><td class="num">${q.running}</td>
        <td>${q.paused ? `<button data-resume="${esc(type)}">resume</button>` : `<button data-pause="${esc(type)}">pause</button>`}
        <button data-clear="${esc(type)}">clear</button></td></tr>`;
    }
    view().innerHTML = html + '</table>';
    document.querySelectorAll('[data-pause]').forEach(b => b.onclick = () => act('pause', () => cmd('jobs', 'pause_queue', {type: b.dataset.pause})));
    document.querySelectorAll('[data-resume]').forEach(b => b.onclick = () => act('resume', () => cmd('jobs', 'resume_queue', {type: b.dataset.resume})));
    document.querySelectorAll('[data-clear]').forEach(b => b.onclick = () => {
      if (!confirm(`Delete every queued job of ${b.dataset.clear}?`)) return;
      act('clear', () => api('POST', '/ui/api/jobs/action', {action: 'delete', all: true, filter: {type: b.dataset.clear, status: 'queued'}}));
    });
  },

  async retries() {
    const r = await api('GET', '/ui/api/retries');
    let html = `<h2>Retries</h2><table id="retry-groups"><tr><th>group</th><th>records</th></tr>`;
    for (const g of r.groups) html += `<tr data-group="${esc(g.group)}"><td>${esc(g.group)}</td><td class="num count">${g.count}</td></tr>`;
    html += `</table><h3>Expiring soonest</h3><table id="retry-records"><tr><th>group</th><th>id</th><th>attempts</th><th>last attempt</th><th>expires</th><th></th></tr>`;
    for (const x of r.soonest) {
      html += `<tr data-key="${esc(x.group)}/${esc(x.id)}"><td>${esc(x.group)}</td><td>${esc(x.id)}</td><td class="num">${x.attempt_count}</td>
        <td>${esc(x.last_attempt_time)}</td><td>${esc(x.expiration_time)}</td>
        <td><button data-group="${esc(x.group)}" data-id="${esc(x.id)}" class="del-retry">delete</button></td></tr>`;
    }
    view().innerHTML = html + '</table>';
    document.querySelectorAll('.del-retry').forEach(b => b.onclick = () =>
      act('delete', () => cmd('retries', 'delete_retry', {group: b.dataset.group, id: b.dataset.id})));
  },

  async tasks() {
    const t = await api('GET', '/ui/api/tasks');
    let html = '<h2>Tasks</h2>';
    for (const ns of t.namespaces) {
      html += `<h3>${esc(ns.id)}</h3><table class="tasks" data-namespace="${esc(ns.id)}"><tr><th>id</th><th>status</th><th>retries left</th>
        <th>timeout (s)</th><th>updated</th><th></th></tr>`;
      const order = {in_progress: 0, failed: 1, idle: 2, done: 3};
      for (const k of ns.tasks.sort((a, b) => order[a.status] - order[b.status])) {
        html += `<tr data-id="${esc(k.id)}"><td>${esc(k.id)}</td><td class="status ${k.overdue ? 'overdue' : ''}">${esc(k.status)}${k.overdue ? ' (past timeout)' : ''}</td>
          <td class="num">${k.retries_left}</td><td class="num">${k.timeout}</td><td>${new Date(k.updated_at * 1000).toISOString()}</td>
          <td>${k.status === 'in_progress' ? `<button data-release="${esc(k.id)}">release</button>` : ''}</td></tr>`;
      }
      html += '</table>';
    }
    view().innerHTML = html;
    document.querySelectorAll('[data-release]').forEach(b => b.onclick = () =>
      act('release', () => cmd('tasks', 'release_tasks', {task_ids: [b.dataset.release], status: 'idle'})));
  },

  async cron() {
    const c = await api('GET', '/ui/api/cron');
    let html = '<h2>Cron</h2>';
    for (const g of c.groups) {
      html += `<h3>${esc(g.group_name)}</h3><table class="cron-jobs" data-group="${esc(g.group_name)}"><tr><th>job</th><th>name</th><th>pattern</th>
        <th>state</th><th>next run</th><th>last run</th><th>outcome</th><th>history</th><th></th></tr>`;
      for (const j of g.jobs) {
        const last = j.runs.length ? j.runs[j.runs.length - 1] : null;
        const strip = j.runs.map(r => `<span class="${r.status === 'ok' ? 'ok' : 'failed'}" title="${esc(r.planned_time)} ${esc(r.status)}"></span>`).join('');
        html += `<tr data-job="${esc(j.job_id)}"><td>${esc(j.job_id)}</td><td>${esc(j.name)}</td><td>${esc(j.interval_pattern)}</td>
          <td class="state">${j.active ? 'active' : 'paused'}</td><td>${esc(j.next_run)}</td><td>${esc(j.last_run)}</td>
          <td class="outcome">${last ? esc(last.status) : ''}</td><td class="strip">${strip}</td>
          <td>${j.active ? `<button data-act="pause_job">pause</button>` : `<button data-act="active_job">activate</button>`}
          <button data-act="run_job">run now</button></td></tr>`;
      }
      html += `</table><p>Functions: ${g.funcs.map(f => esc(f.name)).join(', ') || 'none'}</p><table class="nodes"><tr><th>node</th><th>heartbeat age</th></tr>`;
      for (const n of g.nodes) html += `<tr><td>${esc(n.node_id)}</td><td>${age(n.last_heartbeat)}</td></tr>`;
      html += '</table>';
    }
    view().innerHTML = html;
    document.querySelectorAll('.cron-jobs [data-act]').forEach(b => b.onclick = () => {
      const group = b.closest('table').dataset.group, job = b.closest('tr').dataset.job;
      act(b.dataset.act, () => cmd('cron', b.dataset.act, {group_name: group, job_id: job}));
    });
  },
};

async function route() {
  clearTimeout(timer);
  visit += 1;
  const [name, arg] = (location.hash.replace(/^#\//, '') || 'overview').split('/');
  document.querySelectorAll('nav a').forEach(a => a.classList.toggle('active', a.id === 'nav-' + name));
  try { await (views[name] || views.overview)(arg && decodeURIComponent(arg)); document.body.dataset.view = name; }
  catch (e) { if (e.message !== 'unauthorized') view().innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}
window.addEventListener('hashchange', route);
window.addEventListener('DOMContentLoaded', route);  // after every view's script ran
