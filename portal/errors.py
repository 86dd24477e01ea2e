"""The 500 handler: a database that is restarting or unreachable answers 503 "try again in a
moment" (with Retry-After), not a server error; anything else is the plain Chinese 500 page.

Both pages are rendered without the request (templates/errors/_standalone.html), so showing
them needs neither the database nor the session."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 5


def server_error(request):
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)
