"""The Workflows page and a queue's group keys in headless Chromium against the real container: a diamond
workflow drawn layer by layer with its jobs' states as they run, a node opening its job, cancel through the
page; a big workflow drawn in part; a queue's group keys with their counts and group concurrency."""
import requests
from selenium.webdriver.common.by import By

from test.dashboard.test_dashboard_browser import _open, _post, _wait

LEASE = 600000
DIAMOND = [{'key': 'A', 'type': 'wf-a', 'params': {'n': 1}},
           {'key': 'B', 'type': 'wf-b', 'depends_on': ['A']},
           {'key': 'C', 'type': 'wf-c', 'depends_on': ['A']},
           {'key': 'D', 'type': 'wf-d', 'depends_on': ['B', 'C']}]


def _run(url, type, result):
    taken = _post(url, '/v1/jobs/start_jobs_by_type', {'type': type, 'limit': 1, 'timeout': LEASE})
    assert len(taken) == 1, type
    _post(url, '/v1/jobs/complete_job', {'job_id': taken[0]['id'], 'lease_token': taken[0]['lease_token'],
                                         'result': result})
    return taken[0]


def _nodes(driver):
    """key -> (state, job id, layer's x) of every node drawn, read in one go (polls redraw the graph)."""
    rows = driver.execute_script(
        'return [...document.querySelectorAll("#workflow-svg .wf-node")].map(g => '
        '[g.dataset.key, g.dataset.state, g.dataset.id, g.querySelector("rect").getAttribute("x")]);')
    return {key: (state, id, float(x)) for key, state, id, x in rows}


def _edges(driver):
    return set(map(tuple, driver.execute_script(
        'return [...document.querySelectorAll("#workflow-svg .wf-edge")].map(e => [e.dataset.from, e.dataset.to]);')))


def _states(driver):
    return {key: node[0] for key, node in _nodes(driver).items()}


def test_a_diamond_is_drawn_in_layers_and_follows_its_jobs(browser, memory_service, tmp_path):
    url = memory_service
    added = _post(url, '/v1/jobs/add_workflow', {'jobs': DIAMOND, 'description': 'the diamond'})
    _open(browser, url, 'workflows')
    browser.find_element(By.ID, 'workflow-id').send_keys(added['id'])
    browser.find_element(By.ID, 'open-workflow').click()
    _wait(lambda: browser.find_element(By.TAG_NAME, 'body').get_attribute('data-view') == 'workflow')
    _wait(lambda: _states(browser) == {'A': 'queued', 'B': 'waiting', 'C': 'waiting', 'D': 'waiting'})
    nodes = _nodes(browser)
    assert {key: node[1] for key, node in nodes.items()} == added['jobs']
    assert nodes['A'][2] < nodes['B'][2] == nodes['C'][2] < nodes['D'][2]  # one column per layer
    assert _edges(browser) == {('A', 'B'), ('A', 'C'), ('B', 'D'), ('C', 'D')}
    assert browser.find_element(By.ID, 'workflow-status').text == 'running'

    _run(url, 'wf-a', {'a': 1})
    _run(url, 'wf-b', {'b': 2})
    _wait(lambda: _states(browser) == {'A': 'done', 'B': 'done', 'C': 'queued', 'D': 'waiting'})  # the poll
    assert browser.find_element(By.CSS_SELECTOR, '#workflow-counts .count-done').text == '2'
    browser.save_screenshot(str(tmp_path / 'workflow.png'))

    browser.find_element(By.CSS_SELECTOR, '.wf-node[data-key="B"]').click()  # a node opens its job
    _wait(lambda: browser.find_element(By.TAG_NAME, 'body').get_attribute('data-view') == 'job')
    assert browser.find_element(By.ID, 'job-status').text.startswith('done')
    browser.find_element(By.ID, 'job-workflow-link').click()  # and the job links back to its workflow
    _wait(lambda: browser.find_element(By.TAG_NAME, 'body').get_attribute('data-view') == 'workflow')
    _wait(lambda: _states(browser).get('C') == 'queued')

    browser.find_element(By.ID, 'cancel-workflow').click()
    browser.switch_to.alert.accept()
    _wait(lambda: browser.find_element(By.TAG_NAME, 'body').get_attribute('data-workflow-status') == 'cancelled')
    workflow = _post(url, '/v1/jobs/get_workflow', {'workflow_id': added['id']})
    assert workflow['status'] == 'cancelled'
    assert {key: job['status'] for key, job in workflow['jobs'].items()} == \
        {'A': 'done', 'B': 'done', 'C': 'cancelled', 'D': 'cancelled'}
    assert _states(browser) == {'A': 'done', 'B': 'done', 'C': 'cancelled', 'D': 'cancelled'}
    assert not browser.find_element(By.ID, 'cancel-workflow').is_displayed()


def test_a_big_workflow_is_drawn_in_part_and_says_how_many_are_hidden(browser, memory_service):
    url = memory_service
    jobs = [{'key': 'root', 'type': 'wf-big'}] + [{'key': f'leaf{i:03}', 'type': 'wf-big', 'depends_on': ['root']}
                                                  for i in range(520)] + [{'key': 'sink', 'type': 'wf-big',
                                                                           'depends_on': ['leaf000', 'leaf519']}]
    added = _post(url, '/v1/jobs/add_workflow', {'jobs': jobs})
    page = requests.get(f'{url}/ui/api/workflow', params={'id': added['id']}, timeout=10).json()
    assert page['workflow']['total'] == 522 and page['hidden'] == 22 and len(page['nodes']) == 500
    kept = {node['key'] for node in page['nodes']}
    assert 'root' in kept and 'sink' not in kept and all(set(node['parents']) <= kept for node in page['nodes'])
    _open(browser, url, 'workflow/' + added['id'])
    _wait(lambda: len(_nodes(browser)) == 500)
    assert browser.find_element(By.ID, 'workflow-hidden').text.startswith('22 more jobs not drawn')
    assert len(_edges(browser)) == 499


def test_unknown_and_missing_workflows_are_refused(memory_service):
    url = memory_service
    r = requests.get(f'{url}/ui/api/workflow', params={'id': 'no-such-workflow'}, timeout=10)
    assert r.status_code == 404 and r.json()['code'] == 'WORKFLOW_NOT_FOUND'
    r = requests.post(f'{url}/ui/api/workflow/cancel', timeout=10)
    assert r.status_code == 400 and r.json()['code'] == 'BAD_ID'


def test_the_queue_page_shows_its_group_keys_and_group_concurrency(browser, memory_service, tmp_path):
    url = memory_service
    _post(url, '/v1/jobs/set_queue_limits', {'type': 'fairq', 'group_concurrency': 2})
    _post(url, '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'fairq', 'params': {}, 'group_key': group}
                                                  for group, n in (('acme', 4), ('globex', 2), ('initech', 1))
                                                  for _ in range(n)]})
    taken = _post(url, '/v1/jobs/start_jobs_by_type', {'type': 'fairq', 'limit': 4, 'timeout': LEASE})
    assert len(taken) == 4
    expected = {g['group_key']: (g['queued'], g['running'])
                for g in _post(url, '/v1/jobs/get_queue_groups', {'type': 'fairq'})}
    assert set(expected) == {'acme', 'globex', 'initech'} and sum(map(sum, expected.values())) == 7
    _open(browser, url, 'queues')
    browser.find_element(By.CSS_SELECTOR, '#queue-list tr[data-type="fairq"] a.queue-link').click()
    _wait(lambda: browser.find_element(By.TAG_NAME, 'body').get_attribute('data-view') == 'queue')
    rows = browser.execute_script('return [...document.querySelectorAll("#queue-groups tr[data-group]")].map(r => '
                                  '[r.dataset.group, r.querySelector(".queued").textContent, '
                                  'r.querySelector(".running").textContent]);')
    assert {key: (int(q), int(r)) for key, q, r in rows} == expected
    queued = [int(q) for _, q, _ in rows]
    assert queued == sorted(queued, reverse=True)  # most queued first
    assert browser.find_element(By.CSS_SELECTOR, '#queue-limits .group-concurrency').text == '2'
    browser.save_screenshot(str(tmp_path / 'queue.png'))
    browser.find_element(By.CSS_SELECTOR, '#queue-groups tr[data-group="acme"] a.group-jobs').click()  # its jobs
    _wait(lambda: browser.find_element(By.TAG_NAME, 'body').get_attribute('data-view') == 'jobs')
    assert browser.find_element(By.ID, 'jobs-total').text == '4 jobs'


def test_the_workflow_api_reads_the_graph_on_every_store(store_service):
    url = store_service
    added = _post(url, '/v1/jobs/add_workflow', {'jobs': DIAMOND})
    _run(url, 'wf-a', {'a': 1})
    page = requests.get(f'{url}/ui/api/workflow', params={'id': added['id']}, timeout=10).json()
    assert page['workflow']['status'] == 'running' and page['hidden'] == 0
    assert [(n['key'], n['depth'], n['state'], sorted(n['parents'])) for n in page['nodes']] == \
        [('A', 0, 'done', []), ('B', 1, 'queued', ['A']), ('C', 1, 'queued', ['A']), ('D', 2, 'waiting', ['B', 'C'])]
    assert {n['key']: n['id'] for n in page['nodes']} == added['jobs']
    cancelled = requests.post(f'{url}/ui/api/workflow/cancel', params={'id': added['id']}, timeout=10).json()
    assert cancelled['workflow']['status'] == 'cancelled'
    assert [n['state'] for n in cancelled['nodes']] == ['done', 'cancelled', 'cancelled', 'cancelled']


def test_the_queue_api_reads_group_keys_on_every_store(store_service):
    url = store_service
    _post(url, '/v1/jobs/set_queue_limits', {'type': 'fairq', 'group_concurrency': 1})
    _post(url, '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'fairq', 'params': {}, 'group_key': group}
                                                  for group, n in (('acme', 3), ('globex', 2), ('initech', 1))
                                                  for _ in range(n)]})
    assert len(_post(url, '/v1/jobs/start_jobs_by_type', {'type': 'fairq', 'limit': 2, 'timeout': LEASE})) == 2
    page = requests.get(f'{url}/ui/api/queue', params={'type': 'fairq'}, timeout=10).json()
    assert page['limits']['group_concurrency'] == 1
    groups = {g['group_key']: (g['queued'], g['running']) for g in page['groups']}
    assert set(groups) == {'acme', 'globex', 'initech'} and sum(r for _, r in groups.values()) == 2
    assert all(r <= 1 for _, r in groups.values()) and sum(q for q, _ in groups.values()) == 4
