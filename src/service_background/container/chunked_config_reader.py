"""config.yml read as pip-services' YamlConfigReader reads it, rendered by its MustacheTemplate a few lines at
a time: the library's scanner re-counts lines from the start of its text whenever it steps back over a line
break, so rendering the whole file at once costs time quadratic in its length."""
from typing import List, Optional

from pip_services3_commons.config import ConfigParams
from pip_services3_components.config import YamlConfigReader
from pip_services3_expressions.mustache import MustacheTemplate

CHUNK_CHARS = 512  # a chunk ends at the first line end past this many characters outside any section
_BLANK = ' \t\r\n'  # what the template drops from its text's two ends


def balanced_chunks(text: str, size: int = CHUNK_CHARS) -> List[str]:
    """``text`` cut at line ends where no section (``{{#...}}`` / ``{{^...}}`` to ``{{/...}}``) is open;
    the whole text as one chunk when its sections do not balance (the template reports the fault)."""
    chunks, current, depth, length = [], [], 0, 0
    for line in text.splitlines(keepends=True):
        current.append(line)
        length += len(line)
        depth += line.count('{{#') + line.count('{{^') - line.count('{{/')
        if depth < 0:
            return [text]
        if depth == 0 and length >= size:
            chunks.append(''.join(current))
            current, length = [], 0
    if depth != 0:
        return [text]
    if current:
        chunks.append(''.join(current))
    return chunks


class ChunkedYamlConfigReader(YamlConfigReader):
    """A YamlConfigReader whose template is rendered chunk by chunk (``balanced_chunks``): the same text as
    one render, since no section, variable or tag spans a cut."""

    def _parameterize(self, config: str, parameters: Optional[ConfigParams]) -> str:
        values = ConfigParams().override(parameters)
        parts = []
        for chunk in balanced_chunks(config):
            start, end = len(chunk) - len(chunk.lstrip(_BLANK)), len(chunk.rstrip(_BLANK))
            if start >= end:
                parts.append(chunk)
                continue
            # the template drops its own text's leading and trailing blanks: a cut keeps the ones inside the file
            parts.extend((chunk[:start], MustacheTemplate(chunk[start:end]).evaluate_with_variables(values),
                          chunk[end:]))
        return ''.join(parts).strip(_BLANK)
