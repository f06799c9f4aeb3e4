// The job page: its fields, lease, progress bar, attempt timeline, live log tail and cancel button; polled every
// second (GET /ui/api/job with the log lines it has as skip) until the job finishes.
'use strict';
const JOB_POLL_MS = 1000;
const FINISHED = ['done', 'failed', 'aborted', 'cancelled', 'skipped'];

function leaseText(j, now) {
  if (j.status !== 'running' || !j.locked_until) return '';
  const left = Date.parse(j.locked_until) - Date.parse(now);  // the service's clock, not the browser's
  const when = left >= 0 ? `${left} ms left (${secs(left / 1000)})` : `ran out ${secs(-left / 1000)} ago`;
  return `until ${esc(j.locked_until)}: <span id="lease-left">${when}</span>` +
    (j.timeout ? `; job timeout ${j.timeout} ms` : '; the take set its length (the job has no timeout of its own)');
}

function progressBar(j) {
  if (j.progress === null || j.progress === undefined) return '<span class="muted">not reported</span>';
  const p = Math.max(0, Math.min(100, j.progress));
  return `<div class="progress" data-progress="${p}"><div class="bar" style="width:${p}%"></div>
    <span class="label">${p.toFixed(p % 1 ? 1 : 0)}%${j.progress_message ? ' · ' + esc(j.progress_message) : ''}</span></div>`;
}

// the ended attempts plus the running one (not in job.attempts: retries / worker_id / started)
function attemptsOf(j) {
  const list = (j.attempts || []).slice();
  if (j.status === 'running' && j.started) list.push({attempt: j.retries, worker_id: j.worker_id, started: j.started,
    ended: null, outcome: j.cancel_requested ? 'cancelling' : 'running', error: null});
  return list;
}

function attemptTimeline(list, now) {
  if (!list.length) return '<p class="muted">No attempt yet.</p>';
  const end = a => a.ended ? Date.parse(a.ended) : Date.parse(now);
  const t0 = Math.min(...list.map(a => Date.parse(a.started))), t1 = Math.max(...list.map(end));
  const w = 600, rowH = 16, span = Math.max(1, t1 - t0);
  const bars = list.map((a, i) => {
    const x = (Date.parse(a.started) - t0) * w / span, width = Math.max(2, (end(a) - Date.parse(a.started)) * w / span);
    return `<rect class="attempt-bar ${esc(a.outcome)}" x="${x.toFixed(1)}" y="${i * rowH + 2}" width="${width.toFixed(1)}"
      height="${rowH - 4}"><title>attempt ${a.attempt}: ${esc(a.outcome)}</title></rect>`;
  }).join('');
  let html = `<svg id="attempt-timeline" class="timeline" width="${w}" height="${list.length * rowH}">${bars}</svg>
    <table id="attempts"><tr><th>attempt</th><th>worker</th><th>started</th><th>ended</th><th>took</th><th>outcome</th><th>error</th></tr>`;
  for (const a of list) {
    html += `<tr class="attempt" data-attempt="${a.attempt}" data-outcome="${esc(a.outcome)}"><td class="num">${a.attempt}</td>
      <td>${a.worker_id ? `<a href="#/workers">${esc(a.worker_id)}</a>` : ''}</td><td>${esc(a.started)}</td><td>${esc(a.ended)}</td>
      <td class="num">${secs((end(a) - Date.parse(a.started)) / 1000)}</td><td class="outcome ${esc(a.outcome)}">${esc(a.outcome)}</td>
      <td>${esc(a.error)}</td></tr>`;
  }
  return html + '</table>';
}

function jobFields(j, now) {
  const row = (k, v) => `<tr><th>${k}</th><td id="job-${k}">${v}</td></tr>`;
  const status = esc(j.status) + (j.cancel_requested && j.status === 'running' ? ' (cancel requested)' : '') +
    (j.cancel_reason ? ` · ${esc(j.cancel_reason)}` : '');
  // a workflow's job links to its workflow; a grouped job shows its group key; a child its parents' results
  const workflow = j.batch_id && j.workflow_key ? row('workflow', `<a id="job-workflow-link" href="#/workflow/` +
    `${encodeURIComponent(j.batch_id)}">${esc(j.batch_id)}</a> · key <b>${esc(j.workflow_key)}</b>`) : '';
  const extra = workflow + (j.group_key ? row('group_key', esc(j.group_key)) : '') + (j.parent_results ?
    row('parent_results', `<pre>${esc(JSON.stringify(j.parent_results, null, 2))}</pre>`) : '');
  return `${row('type', esc(j.type))}${row('status', status)}${extra}${row('ref_id', esc(j.ref_id))}${row('priority', j.priority)}
    ${row('attempts', `${j.retries} of ${j.max_retries}`)}${row('worker', esc(j.worker_id))}${row('lease', leaseText(j, now))}
    ${row('params', `<pre>${esc(JSON.stringify(j.params, null, 2))}</pre>`)}${row('result', `<pre>${esc(JSON.stringify(j.result, null, 2))}</pre>`)}
    ${row('last_error', esc(j.last_error))}
    ${row('timeline', ['created', 'not_before', 'started', 'locked_until', 'completed', 'execute_until', 'remove_at']
      .filter(k => j[k]).map(k => `${k}: ${esc(j[k])}`).join('<br>'))}`;
}

// appends the lines of one reply to the tail; `state.seen` counts lines by their place since the job's first line
function appendLog(state, log) {
  const box = $('#job-log'), atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
  const first = log.dropped + state.skip;  // the reply's first line, counted from the job's first line ever
  let html = '';
  if (first > state.seen) html += `<div class="log-gap">… ${first - state.seen} older lines dropped</div>`;
  for (const l of log.lines) {
    html += `<div class="log-line ${esc((l.level || '').toLowerCase())}"><span class="time">${esc(l.time)}</span> ` +
      `<span class="level">${esc(l.level)}</span> <span class="message">${esc(l.message)}</span></div>`;
  }
  box.insertAdjacentHTML('beforeend', html);
  state.seen = first + log.lines.length;
  state.skip = state.seen - log.dropped;  // lines dropped before the next poll show as a gap
  $('#log-count').textContent = `${state.seen} lines` + (log.dropped ? `, ${log.dropped} oldest dropped` : '');
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// replaces a part only when it changed: a poll leaves a selection or a hovered bar alone
const shown = new WeakMap();
function setHtml(el, html) {
  if (shown.get(el) !== html) { el.innerHTML = html; shown.set(el, html); }
}

function showJob(page) {
  const j = page.job, running = !FINISHED.includes(j.status);
  setHtml($('#job-detail'), jobFields(j, page.now));
  setHtml($('#job-progress-box'), progressBar(j));
  setHtml($('#attempt-list'), attemptTimeline(attemptsOf(j), page.now));
  const cancel = $('#cancel-job');
  cancel.hidden = !running;
  cancel.disabled = !!j.cancel_requested;
  cancel.textContent = j.cancel_requested ? 'cancel requested' : 'cancel';
  document.body.dataset.jobStatus = j.status;
  return running;
}

views.job = async function (id) {
  const state = {skip: 0, seen: 0}, mine = visit;
  const first = await api('GET', `/ui/api/job?id=${encodeURIComponent(id)}`);
  view().innerHTML = `<h2>Job ${esc(id)}</h2><p><button data-one="retry">retry</button><button data-one="requeue">requeue now</button>
    <button data-one="delete">delete</button><button id="cancel-job" class="danger">cancel</button></p>
    <h3>Progress</h3><div id="job-progress-box"></div><table id="job-detail"></table>
    <h3>Attempts</h3><div id="attempt-list"></div>
    <h3>Log <span id="log-count" class="muted"></span></h3><div id="job-log" class="log"></div>`;
  document.querySelectorAll('[data-one]').forEach(b => b.onclick = () =>
    act(b.dataset.one, () => api('POST', '/ui/api/jobs/action', {action: b.dataset.one, ids: [id]})));
  $('#cancel-job').onclick = async () => {
    $('#cancel-job').disabled = true;
    try {
      const r = await api('POST', '/ui/api/jobs/action', {action: 'cancel', ids: [id]});
      say(r.errors.length ? 'cancel failed: ' + r.errors[0].error : 'cancel done');
    } catch (e) { say('cancel failed: ' + e.message); }
    if (mine === visit) { clearTimeout(timer); poll(); }
  };
  let page = first;
  const poll = async () => {
    try { page = await api('GET', `/ui/api/job?id=${encodeURIComponent(id)}&skip=${state.skip}`); }
    catch (e) { if (mine === visit) say('job page: ' + e.message); return; }
    render();
  };
  const render = () => {
    if (mine !== visit) return;  // the page moved on while the request was out
    const running = showJob(page);
    appendLog(state, page.log);
    const more = page.log.total > state.skip;
    if (running || more) timer = setTimeout(poll, more ? 50 : JOB_POLL_MS);
  };
  render();
};
