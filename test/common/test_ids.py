import uuid

from service_background.common.ids import new_uuid4


def test_ids_are_random_uuid4_text():
    ids = [new_uuid4() for _ in range(20000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:2000]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert {text[19] for text in ids} == set('89ab'), 'every variant digit occurs'
