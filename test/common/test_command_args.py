"""CommandArgs: a command's arguments are the body's keys as sent (one dict lookup each)."""
from service_background.common.logic.commands import CommandArgs


def test_keys_are_the_bodys_own_even_with_a_dot():
    args = CommandArgs({'job_id': 'j1', 'a.b': 1, 'a': {'b': 2}})
    assert args.get('job_id') == 'j1' and args.get('a.b') == 1 and args.get('missing') is None
    assert CommandArgs(['not', 'an', 'object']).get('job_id') is None  # a non-object body has no arguments
