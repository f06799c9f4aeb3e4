// The page of one queue (#/queue/<type>, linked from the Queues list): its numbers, its limits (concurrency, rate,
// group concurrency) and its group keys with their queued and running jobs (GET /ui/api/queue), every 3 s.
'use strict';
const QUEUE_POLL_MS = 3000;

function queueLimits(l) {
  if (!l) return '<p class="muted" id="queue-limits">No limits: set_queue_limits sets them.</p>';
  const none = '<span class="muted">none</span>', rate = l.rate ? `${l.rate.limit} per ${l.rate.period_ms} ms` : '';
  return `<table id="queue-limits"><tr><th>concurrency</th><th>rate</th><th>group concurrency</th></tr>
    <tr><td class="num concurrency">${esc(l.concurrency) || none}</td><td class="rate">${esc(rate) || none}</td>
    <td class="num group-concurrency">${esc(l.group_concurrency) || none}</td></tr></table>`;
}

views.queue = async function (type) {
  const q = await api('GET', `/ui/api/queue?type=${encodeURIComponent(type)}`), c = q.counts;
  const full = q.limits && q.limits.group_concurrency;
  let html = `<h2>Queue ${esc(type)}${q.paused ? ' <span class="paused">paused</span>' : ''}</h2>` +
    (c ? `<p id="queue-counts">queued <b class="queued">${c.queued}</b>, delayed <b>${c.delayed}</b>, running
      <b class="running">${c.running}</b>, oldest queued ${secs(c.oldest_age)}</p>` : '') +
    `<h3>Limits</h3>${queueLimits(q.limits)}<h3>Group keys</h3>`;
  if (!q.groups.length) html += '<p class="muted" id="no-groups">No job of a group key is queued or running.</p>';
  else {
    html += `<table id="queue-groups"><tr><th>group key</th><th>queued</th><th>running</th></tr>`;
    for (const g of q.groups) {
      const atLimit = full && g.running >= full;
      html += `<tr data-group="${esc(g.group_key)}"><td><a href="#/jobs" class="group-jobs">${esc(g.group_key)}</a></td>
        <td class="num queued">${g.queued}</td><td class="num running${atLimit ? ' at-limit' : ''}"
        ${atLimit ? 'title="at the group concurrency"' : ''}>${g.running}</td></tr>`;
    }
    html += `</table><p class="muted">Most queued first; at most 100.</p>`;
  }
  view().innerHTML = html;
  document.querySelectorAll('a.group-jobs').forEach(a => a.onclick = () => {
    jobsQuery = {filter: {type, group_key: a.closest('tr').dataset.group}, text: '', skip: 0, take: 25};
  });
  timer = setTimeout(route, QUEUE_POLL_MS);
};
