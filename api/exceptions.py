"""Errors of the services turned into API answers with their Chinese messages."""

from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_lockout_message
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class NotFound(exceptions.NotFound):
    # Django's get_object_or_404 words its Http404 in English with the model's class name
    # ("No Enterprise matches the given query."), which DRF would pass on as the detail.
    default_detail = _("记录不存在，或不在您的管辖范围内。")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("该记录仍被其他记录引用，无法删除。")
    default_code = "conflict"


class Stale(exceptions.APIException):
    """An edit based on a version older than the stored one (``updated_at`` sent back, or
    ``If-Match``): 409, or 412 when the version came as ``If-Match``."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("记录已被他人修改，请重新读取后再保存。")
    default_code = "stale"

    def __init__(self, current: str, *, precondition: bool = False):
        super().__init__(
            {"detail": str(self.default_detail), "updated_at": current}, code=self.default_code
        )
        if precondition:
            self.status_code = status.HTTP_412_PRECONDITION_FAILED


def validation_error_detail(error: DjangoValidationError):
    """``full_clean``'s errors in DRF's shape: ``{"field": ["消息"], "non_field_errors": [...]}``."""
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError (400), the message of PermissionDenied and
    a Chinese 404."""
    if isinstance(exc, Http404):
        exc = NotFound()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, PermissionDenied):
        # Axes raises its own subclass, without a message, when an account is locked out.
        locked = isinstance(exc, AxesBackendPermissionDenied)
        message = get_lockout_message() if locked else (str(exc) or None)
        exc = exceptions.PermissionDenied(message)
    return drf_exception_handler(exc, context)
