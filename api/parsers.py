"""Request-body parsers of the API: bounded before parsing, cleaned after.

DRF reads a JSON body straight from the request stream, past Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE``, and hands it to ``json.loads``, whose recursion a body of
100,000 ``[`` exhausts (a server error). Here the body is read up to ``API_MAX_JSON_BYTES`` and its
nesting is measured with a flat scan over its brackets, so an oversized or over-deep document is
a 400 with a Chinese message before the JSON parser sees it. Every string parsed from any body
(JSON, form, multipart) is then cleaned like form input (``bureau.text.clean_data``): control
characters and lone surrogates never reach a serializer, nor an error message echoing them.
"""

import io
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from bureau.text import clean_data

# A string, or an unterminated one to the end of the body: the match never fails, so the scan
# never restarts at every quote (which would be quadratic), and possessive loops never backtrack.
_STRING = re.compile(rb'"(?:[^"\\]++|\\(?:.|\Z))*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = frozenset(b"[{")


def json_too_deep(body: bytes, limit: int) -> bool:
    """Whether arrays and objects nest in ``body`` more than ``limit`` deep (brackets inside
    strings not counted); linear in the body's size, and it never recurses."""
    depth = 0
    for byte in _STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        if byte in _OPENING:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_BYTES
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise ParseError(
                _("请求内容过大（上限 %(kb)d KB）。") % {"kb": limit // 1024}, code="too_large"
            )
        if json_too_deep(body, settings.API_MAX_JSON_DEPTH):
            raise ParseError(
                _("JSON 嵌套过深（最多 %(n)d 层）。") % {"n": settings.API_MAX_JSON_DEPTH},
                code="too_deep",
            )
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except ParseError:
            raise ParseError(_("JSON 格式错误，无法解析。")) from None
        return clean_data(data)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return clean_data(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        return parsers.DataAndFiles(clean_data(result.data), result.files)


PARSERS = [JSONParser, FormParser, MultiPartParser]
