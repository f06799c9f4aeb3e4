"""compat.py: pip-services3-expressions' enums load on every supported Python with the values 3.11 gives."""
import enum

import service_background  # noqa: F401 - loads the enums the way the service does
from service_background.compat import _fallback_next_value


def test_auto_after_a_tuple_member_starts_over_as_before_313():
    assert _fallback_next_value('Eof', 1, 1, [(0,)]) == 1
    assert _fallback_next_value('Eol', 1, 2, [(0,), 1]) == 2
    assert _fallback_next_value('A', 1, 0, []) == 1


def test_the_expression_enums_and_the_config_reader_load(tmp_path):
    from pip_services3_components.config import YamlConfigReader  # imports the mustache templates
    from pip_services3_expressions.tokenizers.TokenType import TokenType
    from pip_services3_expressions.variants.VariantType import VariantType
    assert TokenType.Unknown.value == (0,) and TokenType.Eof.value == 1 and TokenType.Word.value == 9
    assert VariantType.Null.value == (0,) and len({member.value for member in VariantType}) == len(VariantType)
    generator = enum.Enum.__dict__['_generate_next_value_']
    assert getattr(generator, '__func__', generator) is not _fallback_next_value, 'the Enum base is restored'
    path = tmp_path / 'config.yml'
    path.write_text('a:\n{{#if ON}}\n  b: "yes"\n{{/if}}\n')
    assert YamlConfigReader.read_config(None, str(path), {'ON': 'true'}).get_as_string('a.b') == 'yes'
    assert not YamlConfigReader.read_config(None, str(path), {}).get_as_string('a.b')
