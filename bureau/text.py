"""Text as the portal accepts and writes it: without the characters that break files.

Control characters (U+000B typed or pasted into a name, U+001F in a report paragraph), lone
surrogates (``"\\ud800"`` in JSON), the two non-characters U+FFFE / U+FFFF, and the invisible
characters that only disguise text (zero-width space, word joiner, byte-order mark, bidi
overrides) have no place in the bureau's records. XML, hence .xlsx and .docx, cannot hold most
of them, and a lone surrogate cannot even be encoded as UTF-8. They are removed on input, by
every entry point (forms, API parsers, import cells), and again on output (exports, error
reports), so text already stored with them still exports.

Tab, line feed and carriage return stay: multi-line fields keep their lines.
"""

import re

from django.http import QueryDict

# C0 controls but tab, LF, CR; DEL and the C1 controls; zero-width space; bidi embeddings and
# overrides; word joiner; bidi isolates; BOM / zero-width no-break space; surrogates; U+FFFE/F.
UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060\u2066-\u2069\ufeff"
    "\ud800-\udfff\ufffe\uffff]"
)
# Text fields without a length of their own (notes, member lists) take at most this many
# characters on input; a cell of an .xlsx holds at most EXCEL_CELL_MAX.
TEXT_MAX_LENGTH = 5000
EXCEL_CELL_MAX = 32767


def clean_text(value: str) -> str:
    """``value`` without the characters described above."""
    return UNSAFE.sub("", value)


def clean_data(data):
    """Every string in ``data`` (a parsed JSON document, a ``QueryDict``, a dict or list of them,
    keys included) cleaned; other values as they are."""
    if isinstance(data, str):
        return clean_text(data)
    if isinstance(data, QueryDict):
        cleaned = QueryDict(mutable=True)
        for key, values in data.lists():
            cleaned.setlist(clean_text(key), [clean_data(v) for v in values])
        cleaned._mutable = data._mutable
        return cleaned
    if isinstance(data, dict):
        return {clean_data(key): clean_data(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(clean_data(item) for item in data)
    return data


def export_text(value: str) -> str:
    """Stored text as a spreadsheet cell can hold it: cleaned and cut at Excel's cell limit."""
    value = clean_text(value)
    return value if len(value) <= EXCEL_CELL_MAX else value[:EXCEL_CELL_MAX]


class CleanInputMixin:
    """A form mixin: everything the form receives is cleaned (``clean_data``) before any field
    reads it, so a pasted U+000B never reaches a record and a field's own checks (length,
    choices) judge the cleaned text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.data = clean_data(self.data)
