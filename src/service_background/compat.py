"""Python 3.13 for the pip-services3 packages we build on, until they fix it upstream."""
# pip-services3-expressions 3.3.6 (the newest; pip-services3-components' config reader imports it to
# render config.yml's mustache) declares enums whose first member is a tuple (``Unknown = 0,``) and the
# rest ``auto()``. Up to 3.12 ``auto()`` then falls back to the start value (with a DeprecationWarning);
# 3.13 raises TypeError, so the container cannot even import. While those modules load, the Enum base
# gets 3.12's fallback; nothing else is changed and 3.11/3.12 are left alone. (bottle 0.12, which
# pip-services3-rpc pins, imports ``cgi``: setup.py adds legacy-cgi on 3.13.)
import enum
import importlib
import sys

_EXPRESSION_ENUMS = ('pip_services3_expressions.tokenizers.TokenType', 'pip_services3_expressions.variants.VariantType')


def _fallback_next_value(name, start, count, last_values):
    for value in reversed(last_values):
        try:
            return value + 1
        except TypeError:
            pass
    return start


def load_expression_enums():
    if sys.version_info < (3, 13) or all(name in sys.modules for name in _EXPRESSION_ENUMS):
        return
    original = enum.Enum.__dict__['_generate_next_value_']
    enum.Enum._generate_next_value_ = staticmethod(_fallback_next_value)
    try:
        for name in _EXPRESSION_ENUMS:
            importlib.import_module(name)
    finally:
        enum.Enum._generate_next_value_ = original
