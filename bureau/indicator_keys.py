"""The indicator keys that annual targets and external figures may name.

The registry lives in ``reports/`` and a domain app never imports it, so ``reports`` hands its
keys over at start-up (``ReportsConfig.ready``); the forms here offer them as choices.
"""

TARGET_CHOICES: list[tuple[str, str]] = []
EXTERNAL_CHOICES: list[tuple[str, str]] = []


def register(*, targets: list[tuple[str, str]], external: list[tuple[str, str]]) -> None:
    TARGET_CHOICES[:] = targets
    EXTERNAL_CHOICES[:] = external


def target_choices():
    return [("", "---------"), *TARGET_CHOICES]


def external_choices():
    return [("", "---------"), *EXTERNAL_CHOICES]
