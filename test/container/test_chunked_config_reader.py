"""config.yml rendered chunk by chunk (container/chunked_config_reader.py) gives the text pip-services' own
reader renders from the whole file, under any mix of its switches and values."""
import random
import re

from pip_services3_commons.config import ConfigParams
from pip_services3_components.config import YamlConfigReader

from service_background.container.chunked_config_reader import ChunkedYamlConfigReader, balanced_chunks
from service_background.container.config_files import packaged_config_path


def _both(path: str, text: str, values: dict):
    params = ConfigParams.from_value(values)
    return YamlConfigReader(path)._parameterize(text, params), ChunkedYamlConfigReader(path)._parameterize(text, params)


def test_the_packaged_config_renders_the_same_in_chunks_under_any_switches():
    path = packaged_config_path()
    with open(path) as f:
        text = f.read()
    assert len(balanced_chunks(text)) > 5
    names = sorted(set(re.findall(r'{{[#^]?(?:if |unless )?([A-Z][A-Z_0-9]*)}}', text)))
    assert 'MEMORY_ENABLED' in names and 'DATA_DIR' in names
    rng = random.Random(7)
    for values in [{}, {'MEMORY_ENABLED': 'true'}, {'POSTGRES_ENABLED': 'true', 'POSTGRES_SERVICE_URI': 'postgresql://u@h/d'},
                   *({name: rng.choice(['true', '7', 'a b']) for name in names if rng.random() < 0.5}
                     for _ in range(6))]:
        whole, chunked = _both(path, text, values)
        assert chunked == whole, values


def test_blanks_at_a_cut_and_at_the_ends_are_kept_as_one_render_keeps_them(tmp_path):
    text = ('\n\n# head\nname: "{{NAME}}"\n\n' + 'x: 1\n' * 200 + '{{#if ON}}\n  on: true\n{{/if}}\n\n\n'
            + '{{#unless ON}}off: "{{NAME}}"{{/unless}}\n' + '  y: 2\n' * 150 + '\n')
    assert len(balanced_chunks(text)) >= 3
    for values in ({}, {'ON': 'true'}, {'NAME': 'svc'}, {'ON': 'true', 'NAME': 'svc'}):
        whole, chunked = _both(str(tmp_path / 'c.yml'), text, values)
        assert chunked == whole, values


def test_a_cut_falls_only_where_no_section_is_open():
    text = 'a: 1\n{{#if X}}\n' + 'b: 2\n' * 300 + '{{/if}}\n' + 'c: 3\n' * 300
    chunks = balanced_chunks(text, size=64)
    assert ''.join(chunks) == text
    for chunk in chunks:
        assert chunk.count('{{#') == chunk.count('{{/')
    assert any('{{#if X}}' in chunk and '{{/if}}' in chunk for chunk in chunks)


def test_unbalanced_sections_leave_the_text_whole():
    assert balanced_chunks('a\n{{/if}}\n' + 'b\n' * 400, size=16) == ['a\n{{/if}}\n' + 'b\n' * 400]
    assert balanced_chunks('{{#if X}}\n' + 'b\n' * 400, size=16) == ['{{#if X}}\n' + 'b\n' * 400]
