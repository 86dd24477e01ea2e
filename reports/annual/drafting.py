"""Drafting paragraphs from the outline's templates and the year's figures.

A paragraph is a list of *segments*: ``{"text": ...}`` for plain text, and for a figure also
``key``, ``label`` and ``url`` (the records behind it), or ``missing: True`` when the figure has
no data. Keeping figures as segments is what lets the preview link every figure to its records
and lets the PDF and Word files highlight what is still missing.

Template syntax (see ``outline.py``):

- ``{key}`` the value of indicator ``key``; ``{key:.2f}`` with a format spec;
- ``{key|names}`` the names behind the figure, joined with "、";
- ``{key|breakdown}`` its breakdown ("城关街道85%、东山镇60%");
- ``{key|target}`` this year's target for it;
- ``{@key}`` next year's target for indicator ``key`` (``AnnualTarget``);
- ``{year}``, ``{next_year}``, ``{district}`` and ``DraftContext.extra`` plain context.
"""

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

PLACEHOLDER = re.compile(
    r"\{(?P<target>@)?(?P<key>[A-Za-z_][\w]*)(?:\|(?P<filter>\w+))?(?::(?P<spec>[^}]+))?\}"
)
CONTEXT_KEYS = {"year", "next_year", "district"}
MISSING_TEMPLATE = "【待补充：{}】"
# Staff may type a marker themselves; it is highlighted like a generated one.
MISSING_MARKER = re.compile(r"【待补充[：:][^】]*】")


def _jsonable(value):
    if isinstance(value, Decimal | float):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _number(value):
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return value


@dataclass
class Figure:
    """One indicator's value as the draft uses it (and as a version's snapshot keeps it)."""

    key: str
    label: str
    unit: str = ""
    value: Decimal | int | None = None
    names: list[str] = field(default_factory=list)
    url: str = ""
    details: list[dict] = field(default_factory=list)
    breakdown: dict[str, Decimal | int | None] = field(default_factory=dict)
    target: Decimal | None = None
    previous: Decimal | int | None = None  # the same period of the year before

    @classmethod
    def from_indicator(cls, value) -> "Figure":
        """From a registry ``IndicatorValue``."""
        return cls(
            key=value.key,
            label=value.label,
            unit=value.unit or "",
            value=value.value,
            names=list(value.names or []),
            url=value.records_url or "",
            details=[dict(row) for row in value.details or []],
            breakdown=dict(value.breakdown or {}),
            target=value.target,
        )

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "unit": self.unit,
            "value": _jsonable(self.value),
            "names": list(self.names),
            "url": self.url,
            "details": [{k: _jsonable(v) for k, v in row.items()} for row in self.details],
            "breakdown": {k: _jsonable(v) for k, v in self.breakdown.items()},
            "target": _jsonable(self.target),
            "previous": _jsonable(self.previous),
        }

    @classmethod
    def from_json(cls, key: str, data: dict) -> "Figure":
        return cls(
            key=key,
            label=data.get("label") or key,
            unit=data.get("unit") or "",
            value=_number(data.get("value")),
            names=list(data.get("names") or []),
            url=data.get("url") or "",
            details=list(data.get("details") or []),
            breakdown={k: _number(v) for k, v in (data.get("breakdown") or {}).items()},
            target=_number(data.get("target")),
            previous=_number(data.get("previous")),
        )


@dataclass
class DraftContext:
    year: int
    district: str
    figures: dict[str, Figure]
    targets: dict[str, Figure]  # next year's targets by indicator key
    extra: dict[str, str] = field(default_factory=dict)  # plain context, e.g. key chains
    facts: dict = field(default_factory=dict)  # statements as of the cut-off (``facts.py``)

    @property
    def next_year(self) -> int:
        return self.year + 1

    @property
    def full_year(self) -> bool:
        """A finished year says what happened; a year in progress says "截至X月底"."""
        return bool(self.facts.get("full_year", True))

    def value(self, key: str):
        figure = self.figures.get(key)
        return None if figure is None else figure.value


def format_value(value, spec: str | None = None) -> str:
    """``12`` not ``12.00``; a format spec (``.2f``) wins when the template gives one."""
    if spec:
        return format(Decimal(str(value)), spec)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.quantize(Decimal("0.01")).normalize(), "f")


def _missing(key: str, label: str) -> dict:
    return {"text": MISSING_TEMPLATE.format(label), "key": key, "label": label, "missing": True}


def _with_unit(value, unit: str) -> str:
    return f"{format_value(value)}{unit}"


def _figure_segment(figure: Figure | None, key: str, flt: str | None, spec: str | None) -> dict:
    label = figure.label if figure else key
    url = figure.url if figure else ""
    if flt == "names":
        names = figure.names if figure else []
        if names:
            return {"text": "、".join(names), "key": key, "label": label, "url": url}
        if figure is not None and figure.value is not None and not figure.value:
            return {"text": ""}  # nothing happened, so there is nobody to name
        return _missing(key, _("%(label)s名单") % {"label": label})
    if flt == "breakdown":
        groups = figure.breakdown if figure else {}
        if groups:
            text = "、".join(
                f"{group}{_with_unit(value, figure.unit)}"
                for group, value in groups.items()
                if value is not None
            )
            return {"text": text, "key": key, "label": label, "url": url}
        if figure is not None and figure.value is not None and not figure.value:
            return {"text": ""}
        return _missing(key, _("%(label)s分类数据") % {"label": label})
    if flt == "target":
        if figure is None or figure.target is None:
            return _missing(key, _("%(label)s年度目标") % {"label": label})
        return {"text": format_value(figure.target, spec), "key": key, "label": label, "url": url}
    if figure is None or figure.value is None:
        return _missing(key, label)
    return {"text": format_value(figure.value, spec), "key": key, "label": label, "url": url}


def merge_segments(segments: list[dict]) -> list[dict]:
    """Drop empty segments and join neighbouring plain ones."""
    merged: list[dict] = []
    for segment in segments:
        if not segment.get("text"):
            continue
        is_plain = set(segment) == {"text"}
        if is_plain and merged and set(merged[-1]) == {"text"}:
            merged[-1] = {"text": merged[-1]["text"] + segment["text"]}
        else:
            merged.append(dict(segment))
    return merged


def fill(template: str, context: DraftContext) -> list[dict]:
    """The segments of ``template`` filled from ``context``."""
    segments: list[dict] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        segments.append({"text": template[position : match.start()]})
        key, flt, spec = match["key"], match["filter"], match["spec"]
        if match["target"]:
            target = context.targets.get(key)
            if target is None or target.value is None:
                # Named as the figure is named ("新增市级以上创新平台"), never by its key.
                figure = context.figures.get(key)
                label = target.label if target else figure.label if figure else key
                segments.append(
                    _missing(
                        key,
                        _("%(year)s年目标：%(label)s")
                        % {"year": context.next_year, "label": label},
                    )
                )
            else:
                segments.append(_figure_segment(target, key, None, spec))
        elif key in CONTEXT_KEYS and not flt:
            segments.append({"text": str(getattr(context, key))})
        elif key in context.extra and not flt:
            segments.append({"text": context.extra[key]})
        else:
            segments.append(_figure_segment(context.figures.get(key), key, flt, spec))
        position = match.end()
    segments.append({"text": template[position:]})
    return merge_segments(segments)


def segments_text(segments: list[dict]) -> str:
    return "".join(segment.get("text", "") for segment in segments)


def resegment(old: list[dict], new_text: str) -> list[dict]:
    """Segments for ``new_text``, an edit of ``old``: figures the edit left untouched keep their
    link to the records; a figure whose characters changed becomes plain text."""
    old_text = segments_text(old)
    spans = []  # (start, end, segment) of every figure in old_text
    position = 0
    for segment in old:
        length = len(segment.get("text", ""))
        if set(segment) != {"text"}:
            spans.append((position, position + length, segment))
        position += length
    kept = []  # (start, end, segment) in new_text
    matcher = difflib.SequenceMatcher(None, old_text, new_text, autojunk=False)
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag != "equal":
            continue
        for start, end, segment in spans:
            if i1 <= start and end <= i2 and end > start:
                kept.append((j1 + start - i1, j1 + end - i1, segment))
    kept.sort(key=lambda span: span[0])
    segments: list[dict] = []
    position = 0
    for start, end, segment in kept:
        segments.append({"text": new_text[position:start]})
        segments.append(dict(segment))
        position = end
    segments.append({"text": new_text[position:]})
    return merge_segments(segments)
