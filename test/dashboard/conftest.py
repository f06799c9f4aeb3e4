"""The dashboard tests' headless Chromium (Debian's chromium + chromium-driver, selenium)."""
import shutil

import pytest

DRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'


@pytest.fixture
def browser():
    from selenium import webdriver  # setup.py's test extra; chromium and its driver come from make system-deps
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    options = Options()
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                '--window-size=1400,1000'):
        options.add_argument(arg)
    options.binary_location = shutil.which('chromium')
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
