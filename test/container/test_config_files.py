"""Which config.yml the process reads and where it says its data goes (container/config_files.py)."""
import os
from contextlib import chdir

from service_background.container.config_files import data_location, find_config_path, packaged_config_path


def test_the_packaged_config_is_a_file_inside_the_package():
    path = packaged_config_path()
    assert os.path.isfile(path)
    assert os.sep.join(('service_background', 'config', 'config.yml')) in path
    with open(path) as f:
        assert 'service-background:endpoint:http:default:1.0' in f.read()


def test_an_option_wins_then_config_path_then_the_working_folder_then_the_package(tmp_path):
    with chdir(tmp_path):
        assert find_config_path(None, {}) == packaged_config_path()
        assert find_config_path(None, {'CONFIG_PATH': ''}) == packaged_config_path()
        (tmp_path / 'config').mkdir()
        (tmp_path / 'config' / 'config.yml').write_text('---\n')
        assert os.path.samefile(find_config_path(None, {}), tmp_path / 'config' / 'config.yml')
        assert find_config_path(None, {'CONFIG_PATH': '/etc/sb.yml'}) == '/etc/sb.yml'
        assert find_config_path('mine.yml', {'CONFIG_PATH': '/etc/sb.yml'}) == 'mine.yml'


def test_the_data_location_follows_the_switches(tmp_path):
    with chdir(tmp_path):
        assert data_location({}) == f'files under {tmp_path / "data"} (DATA_DIR)'
    assert data_location({'DATA_DIR': '/srv/sb'}) == 'files under /srv/sb (DATA_DIR)'
    assert data_location({'MEMORY_ENABLED': 'false'}).startswith('files under')
    assert data_location({'MEMORY_ENABLED': 'true'}).startswith('memory')
    assert data_location({'MONGO_ENABLED': '1', 'DATA_DIR': '/srv/sb'}).startswith('MongoDB')
