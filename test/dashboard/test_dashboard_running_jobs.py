"""The running-jobs pages in headless Chromium against the real container: a job's progress, growing log
tail, attempts and cancel; the Workers page; the per-queue charts; zero failures not painted red."""
from selenium.webdriver.common.by import By

from test.dashboard.test_dashboard_browser import _open, _post, _wait

LEASE = 600000


def _take(url, type, worker_id='box:7:a1b2c3'):
    taken = _post(url, '/v1/jobs/start_jobs_by_type', {'type': type, 'limit': 1, 'timeout': LEASE,
                                                       'worker_id': worker_id})
    assert len(taken) == 1
    return taken[0]


def _log(url, job, messages):
    _post(url, '/v1/jobs/add_job_log', {'job_id': job['id'], 'lease_token': job['lease_token'],
                                        'lines': [{'level': 'INFO', 'message': m} for m in messages]})


def _job(url, id):
    return _post(url, '/v1/jobs/get_job_by_id', {'job_id': id})


def _read(driver, css, script):
    """``script`` (over ``e``) of every element matching ``css``, read in one go: the job page re-renders
    its polled parts, so an element found by one call may be gone by the next."""
    return driver.execute_script(f'return [...document.querySelectorAll(arguments[0])].map(e => {script});', css)


def _lines(driver):
    return _read(driver, '#job-log .log-line .message', 'e.textContent')


def _text(driver, css):
    found = _read(driver, css, 'e.textContent')
    assert len(found) == 1, css
    return found[0]


def _attempts(driver):
    return _read(driver, '#attempts tr.attempt', '[e.dataset.attempt, e.dataset.outcome, e.textContent]')


def test_the_job_page_shows_progress_a_growing_log_and_the_attempts(browser, memory_service, tmp_path):
    url = memory_service
    added = _post(url, '/v1/jobs/add_job', {'new_job': {'type': 'longq', 'params': {}, 'max_retries': 3}})
    first = _take(url, 'longq', 'box:7:first1')
    _post(url, '/v1/jobs/abort_job', {'job_id': added['id'], 'lease_token': first['lease_token']})  # given back
    job = _take(url, 'longq', 'box:8:second')
    _post(url, '/v1/jobs/set_job_progress', {'job_id': job['id'], 'lease_token': job['lease_token'], 'progress': 40,
                                             'message': 'halfway there'})
    _log(url, job, ['line 0', 'line 1'])
    _open(browser, url, 'job/' + job['id'])
    bar = _read(browser, '#job-progress-box .progress', '[e.dataset.progress, e.textContent, e.firstChild.offsetWidth]')
    assert bar[0][0] == '40' and 'halfway there' in bar[0][1] and bar[0][2] > 0
    _wait(lambda: _lines(browser) == ['line 0', 'line 1'])
    _log(url, job, ['line 2'])  # the tail polls and grows, without reading the lines it has again
    _post(url, '/v1/jobs/set_job_progress', {'job_id': job['id'], 'lease_token': job['lease_token'], 'progress': 75})
    _wait(lambda: _lines(browser) == ['line 0', 'line 1', 'line 2'])
    _wait(lambda: _read(browser, '#job-progress-box .progress', 'e.dataset.progress') == ['75'])
    rows = _attempts(browser)
    assert [row[:2] for row in rows] == [['1', 'given_back'], ['2', 'running']]
    assert 'box:7:first1' in rows[0][2] and 'box:8:second' in rows[1][2]
    assert len(_read(browser, '#attempt-timeline rect.attempt-bar', '1')) == 2
    lease = _text(browser, '#job-lease')  # the end, the time left as a number, no empty "( ms)"
    left = int(_text(browser, '#lease-left').split(' ms left')[0])
    assert _job(url, job['id'])['locked_until'] in lease and 0 < left <= LEASE
    browser.save_screenshot(str(tmp_path / 'job.png'))


def test_cancel_on_the_job_page_cancels_the_running_job(browser, memory_service):
    url = memory_service
    _post(url, '/v1/jobs/add_job', {'new_job': {'type': 'stopq', 'params': {}}})
    job = _take(url, 'stopq')
    _open(browser, url, 'job/' + job['id'])
    browser.find_element(By.ID, 'cancel-job').click()
    _wait(lambda: _job(url, job['id']).get('cancel_requested'))
    _wait(lambda: 'cancel requested' in _text(browser, '#job-status'))
    assert not browser.find_element(By.ID, 'cancel-job').is_enabled()
    worker = {'id': 'box:7:a1b2c3', 'running': [job['id']], 'busy': 1, 'idle': 0}
    reply = _post(url, '/v1/jobs/report_jobs', {'reports': [], 'worker': worker})
    assert reply['cancel'] == [job['id']]  # the worker learns it on its heartbeat and stops the handler
    _post(url, '/v1/jobs/report_jobs', {'reports': [{'job_id': job['id'], 'lease_token': job['lease_token'],
                                                     'outcome': 'cancel'}]})
    assert _job(url, job['id'])['status'] == 'cancelled'
    _wait(lambda: browser.find_element(By.TAG_NAME, 'body').get_attribute('data-job-status') == 'cancelled')
    assert not browser.find_element(By.ID, 'cancel-job').is_displayed()
    assert [row[1] for row in _attempts(browser)] == ['cancelled']


def test_the_workers_page_lists_a_heartbeating_worker(browser, memory_service, tmp_path):
    url = memory_service
    _post(url, '/v1/jobs/add_job', {'new_job': {'type': 'wq', 'params': {}}})
    worker = {'id': 'box:9:c0ffee', 'host': 'box', 'pid': 9, 'version': '9.9', 'types': ['wq'], 'concurrency': 2,
              'heartbeat_ms': 60000}
    job = _post(url, '/v1/jobs/report_jobs', {'reports': [], 'take': {'type': 'wq', 'limit': 1, 'timeout': LEASE},
                                              'worker': worker})['jobs'][0]
    assert job['worker_id'] == 'box:9:c0ffee'
    _post(url, '/v1/jobs/report_jobs', {'reports': [], 'worker': {**worker, 'running': [job['id']], 'busy': 1,
                                                                  'idle': 1}})
    _open(browser, url, 'workers')
    row = browser.find_element(By.CSS_SELECTOR, '#workers tr[data-id="box:9:c0ffee"]')
    browser.save_screenshot(str(tmp_path / 'workers.png'))
    assert row.find_element(By.CSS_SELECTOR, '.types').text == 'wq'
    assert (row.find_element(By.CSS_SELECTOR, '.busy').text, row.find_element(By.CSS_SELECTOR, '.idle').text) == \
        ('1', '1')
    row.find_element(By.CSS_SELECTOR, 'a.running-job').click()
    _wait(lambda: browser.find_element(By.TAG_NAME, 'body').get_attribute('data-view') == 'job')
    assert browser.find_element(By.ID, 'job-worker').text == 'box:9:c0ffee'


def test_the_charts_draw_the_last_hour_of_a_queue(browser, memory_service, tmp_path):
    url = memory_service
    _post(url, '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'chartq', 'params': {}, 'max_retries': 1}
                                                  for _ in range(4)]})
    for outcome in ('complete', 'complete', 'fail'):
        job = _take(url, 'chartq')
        _post(url, f'/v1/jobs/{outcome}_job', {'job_id': job['id'], 'lease_token': job['lease_token'], 'error': 'x'})
    last = _post(url, '/v1/jobs/get_jobs', {'filter': {'type': 'chartq', 'status': 'queued'}})['data'][0]
    _post(url, '/v1/jobs/cancel_job', {'job_id': last['id']})
    _open(browser, url, 'charts')
    throughput = browser.find_element(By.CSS_SELECTOR, 'svg.chart-throughput[data-type="chartq"]')
    drawn = {}
    for bar in throughput.find_elements(By.CSS_SELECTOR, 'rect.bar'):
        assert float(bar.get_attribute('height')) > 0
        outcome = bar.get_attribute('class').split()[1]
        drawn[outcome] = drawn.get(outcome, 0) + int(bar.get_attribute('data-count'))
    assert drawn == {'done': 2, 'failed': 1, 'cancelled': 1}
    latency = browser.find_element(By.CSS_SELECTOR, 'svg.chart-latency[data-type="chartq"]')
    assert latency.find_elements(By.CSS_SELECTOR, 'circle.run_mean') and \
        latency.find_elements(By.CSS_SELECTOR, 'circle.wait_max')
    browser.save_screenshot(str(tmp_path / 'charts.png'))


def _red(cell) -> bool:
    """The cell's text or background is painted red (the old rule painted the background of every count)."""
    for prop in ('color', 'background-color'):
        r, g, b, *alpha = (float(v) for v in cell.value_of_css_property(prop).split('(')[1].rstrip(')').split(','))
        if (not alpha or alpha[0] > 0) and r > 150 and g < 110 and b < 110:
            return True
    return False


def test_zero_failures_are_not_red(browser, memory_service):
    url = memory_service
    _post(url, '/v1/jobs/add_jobs', {'new_jobs': [{'type': t, 'params': {}, 'max_retries': 1}
                                                  for t in ('calmq', 'badq')]})
    job = _take(url, 'badq')
    _post(url, '/v1/jobs/fail_job', {'job_id': job['id'], 'lease_token': job['lease_token'], 'error': 'x'})
    _post(url, '/v1/tasks/create_namespace', {'namespace': {'id': 'calmns'}})
    _open(browser, url, 'overview')
    calm = browser.find_element(By.CSS_SELECTOR, '#queues tr[data-type="calmq"] .failed')
    bad = browser.find_element(By.CSS_SELECTOR, '#queues tr[data-type="badq"] .failed')
    assert (calm.text, bad.text) == ('0', '1')
    assert not _red(calm) and _red(bad)
    calm_cells = browser.find_elements(By.CSS_SELECTOR, '#task-counts tr[data-namespace="calmns"] td.num')
    assert calm_cells and not any(_red(cell) for cell in calm_cells)
