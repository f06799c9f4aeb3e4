"""Commands that keep their errors' status: pip-services3-commons' Command wraps every exception,
a 404 NotFound included, into a 500 InvocationException."""
from typing import Any, Callable, Optional

from pip_services3_commons.commands import ICommand
from pip_services3_commons.errors import ApplicationException, BadRequestException, InvocationException
from pip_services3_commons.run import Parameters
from pip_services3_commons.validate import Schema

from service_background.common.data.fast_schema import compile_schema


class Command(ICommand):

    def __init__(self, name: str, schema: Optional[Schema], function: Callable[[Optional[str], Parameters], Any]):
        self._name = name
        self._schema = schema
        self._function = function
        self._surely_valid = compile_schema(schema)

    def get_name(self) -> str:
        return self._name

    def get_schema(self) -> Optional[Schema]:
        """What the command's arguments must match (the OpenAPI document describes it); None: anything."""
        return self._schema

    def validate(self, args: Parameters):
        return self._schema.validate(args) if self._schema is not None else []

    def execute(self, correlation_id: Optional[str], args: Parameters) -> Any:
        if self._schema is not None and (self._surely_valid is None or not self._surely_valid(args)):
            self._schema.validate_and_throw_exception(correlation_id, args)
        try:
            return self._function(correlation_id, args)
        except ApplicationException:
            raise
        except (ValueError, TypeError, OverflowError, RecursionError, UnicodeError, KeyError, IndexError) as ex:
            # bad input that slipped past the schema (a number too big for a date, an unhashable key...)
            raise BadRequestException(correlation_id, 'BAD_REQUEST', f'{type(ex).__name__}: {ex}'[:500]).wrap(ex)
        except Exception as ex:
            raise InvocationException(correlation_id, 'EXEC_FAILED',
                                      f'Execution {self._name} failed: {ex}').wrap(ex)


class CommandArgs(Parameters):
    """The Parameters of a decoded JSON body without AnyValueMap's per-key copy (JSON keys are strings
    already). ``get`` is the dict's: a key is the body's key as sent, ``a.b`` included (Parameters would
    walk it as a path; no command asks for a dotted key)."""
    get = dict.get

    def __init__(self, body: Any = None):
        dict.__init__(self, body if isinstance(body, dict) else ())
