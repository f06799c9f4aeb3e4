"""DataObjectV1's generated clone/to_json are installed on a class only where the base's would run."""
from service_background.common.data.data_object import DataObjectV1


class _Custom(DataObjectV1):
    __slots__ = ('a',)

    def __init__(self, a=None):
        self.a = a

    def to_json(self) -> dict:
        return {'custom': self.a}


class _Child(_Custom):
    __slots__ = ()


def test_a_subclass_keeps_its_parents_own_to_json_after_a_clone():
    child = _Child([1])
    copy = child.clone()
    assert type(copy) is _Child and copy.a == [1] and copy.a is not child.a
    assert copy.to_json() == {'custom': [1]}, 'the generated to_json replaced the inherited custom one'


def test_a_plain_slotted_class_gets_fast_copies_that_share_nothing():
    class Plain(DataObjectV1):
        __slots__ = ('x', 'y')

        def __init__(self, x=None, y=None):
            self.x, self.y = x, y
    item = Plain({'k': [1]}, 2)
    copy = item.clone()
    assert copy.to_json() == {'x': {'k': [1]}, 'y': 2} and copy.x is not item.x
    assert Plain.clone is not DataObjectV1.clone, 'the generated clone was installed'


def test_generated_copies_of_a_job_match_the_field_by_field_walk_in_every_shape():
    from datetime import datetime, timezone

    from service_background.common.data.data_object import PackedJson
    from service_background.jobs.data.version1.job_v1 import JobV1
    when = datetime(2026, 11, 24, 3, 4, 5, 678000, tzinfo=timezone.utc)
    shapes = [
        JobV1(id='a', type='t', params=7, created=when, not_before=when),  # all immutable: the C paths
        JobV1(id='b', type='t', params={'k': [1, {'z': 2}]}, created=when, not_before=when),  # a mutable slot
        JobV1(id='c', type='t', params=PackedJson(b'{"k":1}'), created=when, not_before=when,
              result=PackedJson(b'[1]'), started=when, lease_token='x', timeout=5),  # packed, sparse dates
        JobV1(id='d', type=when, params=None, created=when, not_before=when, depends_on=['p'],
              waiting_on=['p']),  # a datetime where none is expected; mutable sparse values
    ]
    for job in shapes:
        copy = job.clone()
        assert copy._json_walk() == job._json_walk() and copy == job
        assert list(job.to_json().items()) == [(k, job._json_walk()[k]) for k in JobV1.field_names()]
        for name in ('params', 'depends_on', 'waiting_on'):
            value = getattr(job, name)
            if isinstance(value, (dict, list)):
                assert getattr(copy, name) is not value and getattr(copy, name) == value
    assert shapes[2].to_json()['params'] == {'k': 1} and shapes[2].to_json()['result'] == [1]
    assert shapes[3].to_json()['type'] == '2026-11-24T03:04:05.678Z'
