"""The indicator keys that annual targets and external figures may name.

The registry lives in ``reports/`` and a domain app never imports it, so ``reports`` hands its
keys over at start-up (``ReportsConfig.ready``); the forms here offer them as choices.
"""

from django.utils.translation import gettext_lazy as _

TARGET_CHOICES: list[tuple[str, str]] = []
EXTERNAL_CHOICES: list[tuple[str, str]] = []


def register(*, targets: list[tuple[str, str]], external: list[tuple[str, str]]) -> None:
    TARGET_CHOICES[:] = targets
    EXTERNAL_CHOICES[:] = external


def target_choices():
    return [("", _("请选择")), *TARGET_CHOICES]


def external_choices():
    return [("", _("请选择")), *EXTERNAL_CHOICES]


def label_of(key: str) -> str:
    """The figure's name for a key ("coverage_rate" -> its Chinese label); the key itself when
    the registry has not named it."""
    for known, label in (*TARGET_CHOICES, *EXTERNAL_CHOICES):
        if known == key:
            return str(label).split("（")[0]
    return key
