"""Proving a batch of rows valid column by column, so ``clean_fields`` runs only where needed.

Django's ``Model.clean_fields`` costs some ten microseconds a field a row (``to_python``,
``validate``, every validator, each a call with its own bookkeeping): at 50,000 rows of ten
fields it was the largest cost of an import. Most cells of a real file are plainly valid, and
that can be shown for a whole column at once: a text of the right type within its length, a
date of the right type, a credit code whose check digit is right.

``FieldScreen(model).prove(instances)`` runs those checks column by column and returns the
``screen`` that ``bureau.services.record_validate`` accepts: for one instance it answers True
only when every field ``clean_fields`` would look at is proven to pass it unchanged. Anything
it does not know for certain (a field or validator type it has no rule for, a value of another
type, an empty value where the field needs one, any value that fails) is not proven, and
``clean_fields`` runs on that row as before and words its errors itself: the messages cannot
differ, because the screen never writes one. ``tests/imports/test_screen.py`` imports the same
files with and without it.
"""

import datetime
from decimal import Decimal

from django.core import validators as dj
from django.db import models
from django.db.models.fields import Field

from bureau.validators import CREDIT_CODE_ALPHABET, CREDIT_CODE_WEIGHTS, validate_credit_code

# The type ``to_python`` returns unchanged, by the ``to_python`` a field class uses.
_IDENTITY_TYPES = {
    models.CharField.to_python: str,
    models.TextField.to_python: str,
    models.BooleanField.to_python: bool,
    models.DateField.to_python: datetime.date,
    models.DateTimeField.to_python: datetime.datetime,
    models.IntegerField.to_python: int,
    models.DecimalField.to_python: Decimal,
}
# Each ASCII character to its index in the credit-code alphabet (``str.translate``), or to
# 255, which no index reaches, when it is not in the alphabet.
_CREDIT_INDEX = {n: CREDIT_CODE_ALPHABET.find(chr(n)) % 256 for n in range(128)}
_ABSENT = object()


_TIMES = [bytes((i * w) % 31 if i < 31 else 0 for i in range(256)) for w in CREDIT_CODE_WEIGHTS]
_MOD31 = bytes(i % 31 for i in range(256))
_CHECK = bytes((31 - i) % 31 for i in range(256))
_PLACEHOLDER = "0" * 18  # a valid code (17 zeros weigh 0, check character "0")


def credit_codes_failing(codes: list) -> list[int]:
    """Indices of the ``codes`` that are not valid 统一社会信用代码 (length, characters, check
    digit): ``bureau.validators.validate_credit_code`` decides, and words, those; every other
    code passes it (it may accept a code this refuses: lower case, spaces, which it
    normalises first).

    Vectorised: the codes are joined, mapped to their indices by one ``translate``, and the
    weighted sum is taken for all codes at once, one character position at a time, as byte
    lanes of one big integer (a lane holds at most 30 + 30, so no lane carries into the
    next; ``translate`` takes each lane modulo 31 again)."""
    failing = set()
    parts = []
    for i, code in enumerate(codes):
        if type(code) is str and len(code) == 18 and code.isascii():
            parts.append(code)
        else:
            failing.add(i)
            parts.append(_PLACEHOLDER)
    if not parts:
        return []
    raw = "".join(parts).translate(_CREDIT_INDEX).encode("latin-1")
    if b"\xff" in raw:  # a character outside the alphabet
        at = raw.find(b"\xff")
        while at != -1:
            failing.add(at // 18)
            at = raw.find(b"\xff", (at // 18 + 1) * 18)
        raw = raw.replace(b"\xff", b"\x00")
    count = len(parts)
    total = 0
    for position, times in enumerate(_TIMES):
        total += int.from_bytes(raw[position::18].translate(times), "little")
        total = int.from_bytes(total.to_bytes(count, "little").translate(_MOD31), "little")
    expected = total.to_bytes(count, "little").translate(_CHECK)
    actual = raw[17::18]
    if expected != actual:
        failing.update(k for k, (a, b) in enumerate(zip(expected, actual, strict=True)) if a != b)
    return sorted(failing)


def _limit(validator):
    limit = validator.limit_value
    return None if callable(limit) else limit


def _validator_check(validator):
    """A function ``(values, indices) -> failing indices`` for one validator, over values of
    the field's own type that are not empty."""
    kind = type(validator)
    if validator is validate_credit_code:

        def check(values, indices):
            failing = credit_codes_failing([values[i] for i in indices])
            return [indices[k] for k in failing]

        return check
    limit = _limit(validator) if isinstance(validator, dj.BaseValidator) else None
    if kind is dj.MaxLengthValidator and limit is not None:
        return lambda values, indices: [i for i in indices if len(values[i]) > limit]
    if kind is dj.MinLengthValidator and limit is not None:
        return lambda values, indices: [i for i in indices if len(values[i]) < limit]
    if kind is dj.MaxValueValidator and limit is not None:
        return lambda values, indices: [i for i in indices if values[i] > limit]
    if kind is dj.MinValueValidator and limit is not None:
        return lambda values, indices: [i for i in indices if values[i] < limit]
    if kind is dj.ProhibitNullCharactersValidator:
        return lambda values, indices: [i for i in indices if "\x00" in str(values[i])]

    def call(values, indices):
        # Any other validator is a function of the value alone: called as run_validators calls
        # it; whatever it raises leaves the row to clean_fields.
        failing = []
        for i in indices:
            try:
                validator(values[i])
            except Exception:  # noqa: BLE001 - not proven; clean_fields will say why
                failing.append(i)
        return failing

    return call


class _FieldRule:
    """What proves one field's values valid, or nothing (``known`` False: never proven)."""

    def __init__(self, field):
        self.name = field.name
        self.attname = field.attname
        self.blank = field.blank
        self.empty_values = field.empty_values
        cls = type(field)
        self.type = _IDENTITY_TYPES.get(cls.to_python)
        self.known = (
            not field.is_relation
            and self.type is not None
            and cls.clean is Field.clean
            and cls.validate is Field.validate
            and cls.run_validators is Field.run_validators
        )
        self.choices = [value for value, _label in field.flatchoices] if field.choices else None
        self.checks = [_validator_check(v) for v in field.validators] if self.known else []

    def failing(self, values: list) -> list[int]:
        """Indices of ``values`` not proven to pass ``field.clean`` unchanged (or be skipped
        by ``clean_fields`` as a blank the field allows)."""
        wanted = self.type
        empty = self.empty_values
        blank = self.blank
        failing = []
        typed = []
        for i, value in enumerate(values):
            if type(value) is wanted and value != "":
                typed.append(i)
            elif value in empty:
                if not blank:
                    failing.append(i)  # clean_fields refuses it (required, or not null)
            else:
                failing.append(i)
        if not self.known:
            return failing + typed
        if wanted is Decimal:
            failing.extend(i for i in typed if not values[i].is_finite())
            typed = [i for i in typed if values[i].is_finite()]
        if self.choices is not None:
            choices = self.choices
            failing.extend(i for i in typed if values[i] not in choices)
            typed = [i for i in typed if values[i] in choices]
        for check in self.checks:
            bad = check(values, typed)
            if bad:
                failing.extend(bad)
                refused = set(bad)
                typed = [i for i in typed if i not in refused]
        return failing


class FieldScreen:
    """The column rules of one model (build once, ``prove`` each batch)."""

    def __init__(self, model):
        self.model = model
        self.rules = [_FieldRule(f) for f in model._meta.fields if not f.generated]
        self.names = frozenset(f.name for f in model._meta.fields)
        # A model's own clean_fields (Enterprise normalises its credit code first) still runs,
        # with Django's per-field loop left out; a row it changes is not proven.
        self.own_clean_fields = model.clean_fields is not models.Model.clean_fields

    def prove(self, instances: list):
        """The ``screen`` for ``record_validate`` over ``instances``: each instance's unproven
        fields are worked out here, one column at a time."""
        unproven: list[set | None] = [None] * len(instances)
        for rule in self.rules:
            attname = rule.attname
            values = [instance.__dict__.get(attname, _ABSENT) for instance in instances]
            for i in rule.failing(values):
                if unproven[i] is None:
                    unproven[i] = set()
                unproven[i].add(rule.name)
        position = {id(instance): i for i, instance in enumerate(instances)}
        names = self.names
        own = self.own_clean_fields

        def screen(instance, unchecked: set[str]) -> bool:
            i = position.get(id(instance))
            if i is None:
                return False
            fields = unproven[i]
            if fields is not None and not fields <= unchecked:
                return False
            if own:
                before = instance.__dict__.copy()
                try:
                    instance.clean_fields(exclude=names)
                except Exception:  # noqa: BLE001 - not proven; clean_fields will say why
                    return False
                if instance.__dict__ != before:
                    return False
            return True

        return screen
