"""DataObjectV1's generated clone/to_json are installed on a class only where the base's would run."""
from service_background.common.data import DataObjectV1


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
