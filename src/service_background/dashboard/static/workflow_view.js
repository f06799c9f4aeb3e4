// The Workflows pages: #/workflows opens a workflow by id; #/workflow/<id> shows its status, counts by status and
// the graph of its jobs (GET /ui/api/workflow: one column per layer, edges from parents, nodes coloured by state),
// polled while it runs, with a cancel button. A node opens its job's page.
'use strict';
const WORKFLOW_POLL_MS = 2000, WORKFLOW_BIG_POLL_MS = 5000;
const NODE_W = 150, NODE_H = 26, COL_W = 200, ROW_H = 36, GRAPH_PAD = 10;
const WF_STATES = ['waiting', 'queued', 'running', 'done', 'failed', 'aborted', 'cancelled', 'skipped'];
const RECENT_KEY = 'sb_recent_workflows';

function recentWorkflows() {
  try { return JSON.parse(localStorage.getItem(RECENT_KEY) || '[]').filter(id => typeof id === 'string'); }
  catch (e) { return []; }
}

function rememberWorkflow(id) {
  const ids = [id, ...recentWorkflows().filter(other => other !== id)].slice(0, 10);
  try { localStorage.setItem(RECENT_KEY, JSON.stringify(ids)); } catch (e) { /* storage off: no list */ }
}

views.workflows = async function () {
  const recent = recentWorkflows();
  view().innerHTML = `<h2>Workflows</h2><form id="workflow-open" class="filters">
    <input name="id" id="workflow-id" placeholder="workflow id (add_workflow's answer)" size="44">
    <button type="submit" id="open-workflow">Open</button></form>
    <p class="muted">A job of a workflow links to it from the job's page.</p>
    <h3>Opened lately</h3>${recent.length ? `<ul id="recent-workflows">${recent.map(id =>
      `<li><a href="#/workflow/${encodeURIComponent(id)}">${esc(id)}</a></li>`).join('')}</ul>` : '<p class="muted">None yet.</p>'}`;
  $('#workflow-open').onsubmit = e => {
    e.preventDefault();
    const id = new FormData(e.target).get('id').trim();
    if (id) location.hash = '#/workflow/' + encodeURIComponent(id);
  };
};

// each node's place: its layer's column, its row centred in the column
function graphPlaces(nodes) {
  const layers = {};
  for (const n of nodes) (layers[n.depth] = layers[n.depth] || []).push(n);
  const rows = Math.max(1, ...Object.values(layers).map(l => l.length));
  const place = {};
  for (const [depth, layer] of Object.entries(layers)) {
    const top = GRAPH_PAD + (rows - layer.length) * ROW_H / 2;
    layer.forEach((n, i) => { place[n.key] = {x: GRAPH_PAD + Number(depth) * COL_W, y: top + i * ROW_H}; });
  }
  const columns = Math.max(1, ...nodes.map(n => n.depth + 1));
  return {place, width: 2 * GRAPH_PAD + (columns - 1) * COL_W + NODE_W, height: 2 * GRAPH_PAD + (rows - 1) * ROW_H + NODE_H};
}

function workflowGraph(nodes) {
  if (!nodes.length) return '<p class="muted">No job of this workflow is stored (finished jobs may have been removed).</p>';
  const {place, width, height} = graphPlaces(nodes);
  let edges = '', boxes = '';
  for (const n of nodes) {
    const to = place[n.key];
    for (const parent of n.parents) {
      const from = place[parent];
      if (!from) continue;
      const x1 = from.x + NODE_W, y1 = from.y + NODE_H / 2, x2 = to.x, y2 = to.y + NODE_H / 2, mid = (x1 + x2) / 2;
      edges += `<path class="wf-edge" data-from="${esc(parent)}" data-to="${esc(n.key)}" marker-end="url(#wf-arrow)"
        d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}"/>`;
    }
    const label = n.key.length > 20 ? n.key.slice(0, 19) + '…' : n.key;
    boxes += `<g class="wf-node state-${esc(n.state)}" data-key="${esc(n.key)}" data-id="${esc(n.id)}" data-state="${esc(n.state)}">
      <title>${esc(n.key)}: ${esc(n.state)} (job ${esc(n.id)})</title>
      <rect x="${to.x}" y="${to.y}" width="${NODE_W}" height="${NODE_H}" rx="4"/>
      <text x="${to.x + 8}" y="${to.y + 17}">${esc(label)}</text></g>`;
  }
  return `<svg id="workflow-svg" width="${width}" height="${height}" role="img">
    <defs><marker id="wf-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="6" markerHeight="6" orient="auto">
    <path d="M0,0 L8,4 L0,8 z" class="wf-arrow"/></marker></defs>${edges}${boxes}</svg>`;
}

function workflowCounts(w) {
  return `<tr><th>status</th>${Object.keys(w.counts).map(s => `<th>${esc(s)}</th>`).join('')}<th>total</th></tr>
    <tr><td>jobs</td>${Object.entries(w.counts).map(([s, n]) => `<td class="num count-${esc(s)}">${n}</td>`).join('')}
    <td class="num" id="workflow-total">${w.total}</td></tr>`;
}

const legendOfStates = () => `<div class="legend" id="workflow-legend">${WF_STATES.map(s =>
  `<span><i class="wf-swatch state-${s}"></i>${s}</span>`).join('')}</div>`;

function showWorkflow(page) {
  const w = page.workflow, running = w.status === 'running' || w.counts.running > 0 || w.counts.queued > 0;
  $('#workflow-status').textContent = w.status;
  $('#workflow-status').className = 'wf-status ' + w.status;
  setHtml($('#workflow-meta'), `${w.description ? esc(w.description) + ' · ' : ''}created ${esc(w.created)}` +
    (w.completed ? `, ended ${esc(w.completed)}` : '') + (w.callback_url ? ` · callback ${esc(w.callback_url)}` : ''));
  setHtml($('#workflow-counts'), workflowCounts(w));
  setHtml($('#workflow-graph'), workflowGraph(page.nodes));
  $('#workflow-hidden').textContent = page.hidden ? `${page.hidden} more jobs not drawn: the graph shows the first ` +
    `${page.nodes.length} by layer.` : '';
  $('#cancel-workflow').hidden = w.status !== 'running';
  document.body.dataset.workflowStatus = w.status;
  return running;
}

views.workflow = async function (id) {
  const mine = visit, url = `/ui/api/workflow?id=${encodeURIComponent(id)}`;
  const first = await api('GET', url);
  rememberWorkflow(id);
  view().innerHTML = `<h2>Workflow ${esc(id)} <span id="workflow-status"></span></h2><p id="workflow-meta" class="muted"></p>
    <p><button id="cancel-workflow" class="danger">cancel workflow</button></p>
    <table id="workflow-counts"></table><h3>Jobs</h3>${legendOfStates()}<p id="workflow-hidden" class="muted"></p>
    <div id="workflow-graph" class="graph-box"></div>`;
  $('#workflow-graph').onclick = e => {
    const node = e.target.closest('.wf-node');
    if (node) location.hash = '#/job/' + encodeURIComponent(node.dataset.id);
  };
  const render = page => {
    if (mine !== visit) return;  // the page moved on while the request was out
    const running = showWorkflow(page);
    clearTimeout(timer);
    if (running) timer = setTimeout(poll, page.workflow.total > 500 ? WORKFLOW_BIG_POLL_MS : WORKFLOW_POLL_MS);
  };
  const poll = async () => {
    try { render(await api('GET', url)); } catch (e) { if (mine === visit) say('workflow page: ' + e.message); }
  };
  $('#cancel-workflow').onclick = async () => {
    if (!confirm(`Cancel every unfinished job of workflow ${id}?`)) return;
    $('#cancel-workflow').disabled = true;
    try { render(await api('POST', `/ui/api/workflow/cancel?id=${encodeURIComponent(id)}`)); say('cancel workflow done'); }
    catch (e) { say('cancel workflow failed: ' + e.message); }
    $('#cancel-workflow').disabled = false;
  };
  render(first);
};
