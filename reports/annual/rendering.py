"""Rendering a report version: the HTML preview, the PDF (WeasyPrint) and the Word file
(python-docx), all in the layout of GB/T 9704-2012 党政机关公文格式.

The layout figures live here once (``Layout``) and drive both the print stylesheet and the Word
file: A4, margins 37 / 35 / 28 / 26 mm, a text block of 22 lines x 28 characters, 16 pt body,
22 pt title, page numbers "— N —" in 14 pt, 7 mm below the text block, odd pages right and even
pages left, one character in from the edge.

WeasyPrint does not justify Chinese text (it stretches spaces only), so the PDF's lines are
broken here, in Python, from the fonts' advance widths: 28 characters a line on the grid, numbers
and Latin words kept whole, with the 避头尾 rules, and each continuing line given the letter
spacing that makes it end exactly at the right edge of the text block, as Word's 文档网格 does.
"""

import atexit
import datetime
import functools
import hashlib
import io
import json
import re
import tempfile
import threading
import unicodedata
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.annual.drafting import MISSING_MARKER
from reports.models import ReportParagraph, ReportVersion

PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Layout:
    """GB/T 9704-2012 page geometry in millimetres and points."""

    page_width_mm: float = 210
    page_height_mm: float = 297
    margin_top_mm: float = 37
    margin_bottom_mm: float = 35
    margin_left_mm: float = 28
    margin_right_mm: float = 26
    lines: int = 22
    chars: int = 28
    body_pt: float = 16
    title_pt: float = 22
    page_number_pt: float = 14
    page_number_gap_mm: float = 7

    @property
    def block_width_mm(self) -> float:
        return self.page_width_mm - self.margin_left_mm - self.margin_right_mm  # 156

    @property
    def block_height_mm(self) -> float:
        return self.page_height_mm - self.margin_top_mm - self.margin_bottom_mm  # 225

    @property
    def line_pitch_pt(self) -> float:
        # Rounded down a little so that 22 lines always fit in the block.
        return round(self.block_height_mm * PT_PER_MM / self.lines - 0.005, 2)

    @property
    def char_pitch_pt(self) -> float:
        return round(self.block_width_mm * PT_PER_MM / self.chars - 0.005, 2)

    @property
    def letter_spacing_pt(self) -> float:
        # 16 pt characters are a little wider than 156 mm / 28; the standard's grid wins.
        return round(self.char_pitch_pt - self.body_pt, 2)

    @property
    def measure_pt(self) -> float:
        """The width of the text block, the length of every continuing line."""
        return self.block_width_mm * PT_PER_MM

    @property
    def cell_pt(self) -> float:
        """One character of the grid, unrounded: 156 mm / 28."""
        return self.measure_pt / self.chars


LAYOUT = Layout()
FONT_ROLES = ("title", "body", "heading", "kai", "number")
FONT_ROLE_LABELS = {
    "title": "标题（小标宋）",
    "body": "正文（仿宋）",
    "heading": "一级标题（黑体）",
    "kai": "二级标题（楷体）",
    "number": "页码（宋体）",
}
# Word does not embed fonts: the file names the fonts a bureau's Word or WPS has installed.
DEFAULT_DOCX_FONT_NAMES = {
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "heading": "黑体",
    "kai": "楷体_GB2312",
    "number": "宋体",
}
DOCUMENT_TEMPLATE = "reports/annual/document.html"


class ReportRenderError(Exception):
    """A readable reason why a report could not be rendered (shown on the export job)."""


# --- Segments to HTML -------------------------------------------------------------------------

# What no document may carry: C0 and C1 control characters (a U+000B or U+001F pasted from other
# software into a stored paragraph), lone surrogates and non-characters. Word refuses them in its
# XML and they have no glyph; they are dropped when rendering, so no export fails on them.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def printable(text) -> str:
    """``text`` without the characters no document may carry."""
    return _UNPRINTABLE.sub("", str(text or ""))


def _plain_html(text: str) -> str:
    """Escaped text with staff-typed 【待补充：…】 markers highlighted."""
    parts = []
    position = 0
    for match in MISSING_MARKER.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(format_html('<mark class="report-missing">{}</mark>', match.group()))
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


def segments_html(segments: list[dict], *, links: bool) -> SafeString:
    """HTML of a paragraph's segments; with ``links`` each figure links to its records."""
    parts = []
    for segment in segments:
        text = printable(segment.get("text", ""))
        if segment.get("missing"):
            parts.append(
                format_html(
                    '<mark class="report-missing" title="{}">{}</mark>',
                    printable(segment.get("label", "")),
                    text,
                )
            )
        elif segment.get("key") and links and segment.get("url"):
            parts.append(
                format_html(
                    '<a class="report-figure" href="{}" title="{}">{}</a>',
                    segment["url"],
                    _("%(label)s：查看记录") % {"label": printable(segment.get("label", ""))},
                    text,
                )
            )
        elif segment.get("key") and links:
            parts.append(format_html('<span class="report-figure">{}</span>', text))
        else:  # in print a figure is plain text: fewer boxes to lay out
            parts.append(_plain_html(text))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def paragraph_blocks(paragraphs, *, links: bool) -> list[dict]:
    return [
        {
            "paragraph": paragraph,
            "kind": paragraph.kind,
            "key": paragraph.key,
            "html": segments_html(paragraph.content, links=links),
        }
        for paragraph in paragraphs
    ]


# A placeholder staff typed or left: 【待补充：…】, also without the colon or the closing bracket
# (``ReportParagraph.has_missing`` counts those too).
_ANY_MARKER = re.compile(r"【待补充(?:[：:]([^】]*))?】?")


def placeholders(paragraphs) -> list[dict]:
    """Every 【待补充…】 left in ``paragraphs``, in order: figures the records had no data for and
    markers staff typed, each with its paragraph (``key``, the heading it stands under, its
    opening words) and what is missing (``label``)."""
    found, heading = [], ""
    for paragraph in paragraphs:
        text = printable(paragraph.text)
        if paragraph.kind in (
            ReportParagraph.Kind.HEADING1,
            ReportParagraph.Kind.HEADING2,
            ReportParagraph.Kind.HEADING3,
        ):
            heading = text
        labels = []
        for segment in paragraph.content:
            if segment.get("missing"):
                labels.append(printable(segment.get("label") or segment.get("text", "")))
            elif not segment.get("key"):
                labels += [
                    printable(match.group(1) or "").strip() or _("（未注明）")
                    for match in _ANY_MARKER.finditer(segment.get("text", ""))
                ]
        opening = text[:24] + ("…" if len(text) > 24 else "")
        found += [
            {"key": paragraph.key, "heading": heading, "opening": opening, "label": label}
            for label in labels
        ]
    return found


def document_paragraphs(version: ReportVersion) -> list[ReportParagraph]:
    """The paragraphs of a saved version, or of an unsaved draft built by ``build_report``."""
    draft = getattr(version, "draft_paragraphs", None)
    if draft is not None:
        return list(draft)
    return list(version.paragraphs.order_by("position"))


def version_title(version: ReportVersion, paragraphs: list[ReportParagraph]) -> str:
    title = next((p for p in paragraphs if p.kind == ReportParagraph.Kind.TITLE), None)
    return printable(title.text if title else str(version.report))


# --- Fonts ------------------------------------------------------------------------------------


def _pick_face(path: Path, index: int | None) -> int:
    """The face of a font collection to use: the configured one, else the simplified-Chinese
    face (Noto CJK collections start with the Japanese one, whose glyph forms differ)."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    if index is not None:
        if index >= len(collection.fonts):
            raise ReportRenderError(
                _("字体文件 %(path)s 中没有第 %(index)s 个字体。") % {"path": path, "index": index}
            )
        return index
    for number, font in enumerate(collection.fonts):
        family = font["name"].getDebugName(1) or ""
        if family.endswith((" SC", " CN")) or "GB" in family:
            return number
    return 0


def _font_cache_dir() -> Path:
    configured = getattr(settings, "REPORT_FONT_CACHE_DIR", None)
    return Path(configured or Path(tempfile.gettempdir()) / "bureau-report-fonts")


def _missing_font_message(label: str, path: Path) -> str:
    message = _("找不到%(role)s字体文件：%(path)s。请检查 REPORT_FONT_FILES 设置。") % {
        "role": label,
        "path": path,
    }
    default_dir = Path(getattr(settings, "REPORT_FONT_DIR", "") or "/nonexistent")
    if path.parent == default_dir:
        message += _(
            "默认的 Fandol 字体由 scripts/serve.sh、scripts/test.sh 安装"
            "（或运行 bash -c 'source scripts/_setup.sh && install_report_fonts'）；"
            "也可以用 REPORT_FONT_* 指向本单位的仿宋_GB2312、方正小标宋等字体文件。"
        )
    return message


def resolve_font(role: str, configured: str) -> Path:
    """A single-face font file for ``role``, extracting a face of a ``.ttc`` collection once.

    ``configured`` is a path, optionally ``path#index`` to pick a face of a collection.
    """
    path_text, _sep, index_text = str(configured).partition("#")
    path = Path(path_text)
    label = FONT_ROLE_LABELS.get(role, role)
    if not path.is_file():
        raise ReportRenderError(_missing_font_message(label, path))
    if path.suffix.lower() not in (".ttc", ".otc"):
        return path
    stat = path.stat()
    index = int(index_text) if index_text.isdigit() else None
    digest = hashlib.sha1(
        f"{path}|{index}|{stat.st_mtime_ns}|{stat.st_size}".encode(), usedforsecurity=False
    ).hexdigest()[:16]
    target = _font_cache_dir() / f"{path.stem}-{digest}.otf"
    if target.is_file():
        return target
    from fontTools.ttLib import TTCollection

    try:
        face = _pick_face(path, index)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{threading.get_ident()}.part")
        TTCollection(str(path), lazy=True).fonts[face].save(str(partial))
        partial.replace(target)  # atomic: a concurrent render never reads half a font
    except ReportRenderError:
        raise
    except Exception as error:  # fontTools raises many kinds for a damaged file
        raise ReportRenderError(
            _("无法读取%(role)s字体文件 %(path)s：%(error)s")
            % {"role": label, "path": path, "error": error}
        ) from error
    return target


def font_files() -> dict[str, Path]:
    configured = getattr(settings, "REPORT_FONT_FILES", {}) or {}
    missing = [role for role in FONT_ROLES if not configured.get(role)]
    if missing:
        raise ReportRenderError(
            _("REPORT_FONT_FILES 缺少字体：%(roles)s。")
            % {"roles": "、".join(FONT_ROLE_LABELS[r] for r in missing)}
        )
    return {role: resolve_font(role, configured[role]) for role in FONT_ROLES}


@dataclass(frozen=True)
class FontMetrics:
    """What the line breaker needs of a font file: its PostScript name (the name the PDF
    embeds it under) and the advance of each character it has, in em."""

    name: str
    advances: dict[int, float]

    def em(self, char: str) -> float:
        advance = self.advances.get(ord(char))
        if advance is not None:
            return advance
        # Drawn by a fallback font: CJK and full-width forms take a full em, the rest about half.
        return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.5


@functools.lru_cache(maxsize=16)
def _read_metrics(path: str, mtime_ns: int, size: int) -> FontMetrics:
    """Read with fontTools once per file version (a quarter of a second for four CJK fonts),
    then from a small JSON file in the font cache folder: a fresh process starts faster."""
    digest = hashlib.sha1(f"{path}|{mtime_ns}|{size}".encode(), usedforsecurity=False)
    cached = _font_cache_dir() / f"{Path(path).stem}-{digest.hexdigest()[:16]}.metrics.json"
    try:
        data = json.loads(cached.read_text(encoding="utf-8"))
        return FontMetrics(name=data["name"], advances=dict(zip(*data["advances"], strict=True)))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    upem = font["head"].unitsPerEm
    hmtx = font["hmtx"].metrics
    advances = {code: hmtx[glyph][0] / upem for code, glyph in font.getBestCmap().items()}
    name = re.sub(r"[^A-Za-z0-9_.+-]", "-", font["name"].getDebugName(6) or Path(path).stem)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{threading.get_ident()}.part")
        partial.write_text(
            json.dumps({"name": name, "advances": [list(advances), list(advances.values())]})
        )
        partial.replace(cached)  # atomic: a concurrent reader never sees half a file
    except OSError:  # a read-only cache folder only costs the next process the reading
        pass
    return FontMetrics(name=name, advances=advances)


def font_metrics(role: str, path: Path) -> FontMetrics:
    """The metrics of a resolved font file, read once per process and file version."""
    stat = path.stat()
    try:
        return _read_metrics(str(path), stat.st_mtime_ns, stat.st_size)
    except Exception as error:  # not a font, or a damaged one
        raise ReportRenderError(
            _("%(role)s字体文件 %(path)s 无法使用（不是有效的字体文件？）。")
            % {"role": FONT_ROLE_LABELS.get(role, role), "path": path}
        ) from error


def font_families(fonts: dict[str, Path]) -> dict[str, str]:
    """The CSS family each role's font is declared under: its PostScript name, so that the PDF
    embeds it as e.g. ``ABCDEF+FandolFang-Regular``; made unique if two files share a name."""
    families: dict[str, str] = {}
    for role, path in fonts.items():
        name = font_metrics(role, path).name
        if any(family == name and fonts[other] != path for other, family in families.items()):
            name = f"{name}-{role}"
        families[role] = name
    return families


# --- Lines on the grid ------------------------------------------------------------------------

# 避头尾, as Word's defaults for Simplified Chinese: characters a line may not start with
# (closing punctuation) and characters it may not end with (opening brackets and quotes).
NO_LINE_START = frozenset(
    "!%),.:;>?]}¢¨°·ˇˉ―‖’”…‰′″›℃∶、。〃〉》」』】〕〗〞︶︺︾﹀﹄﹚﹜﹞！＂％＇），．：；？］｀｜｝～￠"
)
NO_LINE_END = frozenset("$([{£¥·‘“〈《「『【〔〖〝﹙﹛﹝＄（．［｛￡￥")
# A number or Latin word is not broken (2025, 46.35%, 3.12亿元's 3.12, GR202537000123).
_WORD = re.compile(r"[0-9A-Za-z](?:[0-9A-Za-z_+\-/&@#]|[.,:](?=[0-9A-Za-z]))*")
# ... and is not letter-spaced when its line is stretched (46.35% reads as one).
_NUMBER_OR_WORD = re.compile(_WORD.pattern + "[%‰]?")
_EPSILON = 0.01  # points: rounding, never a character


# Kept on one line, as a reader takes them in at once: a date (2025年10月2日, 10月2日, 10月),
# a number with its unit (88.89%, 3.12亿元, 46家, 3个) and a count's measure word.
UNITS = "亿元|万元|千元|元|万人|人次|个百分点|百分点|家|人|项|个|次|件|处|名|所|批|台|套|份|年度|年|月|日|天|倍|亩|吨"
NO_BREAK = re.compile(r"\d+年\d+月\d+日|\d+月\d+日|\d+(?:\.\d+)?(?:[%‰]|" + UNITS + r")")
# The last line of a paragraph holds at least this many characters: a character or two of
# the paragraph's end alone on a line ("家。") is pulled back with the word before it.
MIN_LAST_LINE = 3


def _atoms(text: str) -> list[str]:
    """``text`` cut where a line may break: single Chinese characters and whole words, each
    closing mark glued to what precedes it, each opening mark to what follows, a dash or
    ellipsis (—— ……) kept whole, and dates and numbers with their units (``NO_BREAK``)."""
    pieces = []
    position = 0
    while position < len(text):
        match = _WORD.match(text, position)
        end = match.end() if match else position + 1
        pieces.append((position, text[position:end]))
        position = end
    inside = set()  # positions a line may not break before
    for match in NO_BREAK.finditer(text):
        inside.update(range(match.start() + 1, match.end()))
    atoms: list[str] = []
    for start, piece in pieces:
        if atoms and (
            piece[0] in NO_LINE_START
            or atoms[-1][-1] in NO_LINE_END
            or (piece[0] in "—…" and atoms[-1][-1] == piece[0])
            or start in inside
        ):
            atoms[-1] += piece
        else:
            atoms.append(piece)
    return atoms


# WeasyPrint hands letter spacing to Pango in 1/1024 px, and writes each glyph's position into
# the PDF with a rounding (an integer thousandth of an em) that adds up along an inline box: a
# spacing computed in floating point ends a 28-character line up to half a point off the edge.
# So the spacing is chosen by computing where WeasyPrint will put the last glyph (this mirrors
# Pango 1.50's letter spacing, half before and half after each character and none outside a
# box, and WeasyPrint's PDF text operators; the layout tests measure the result in the PDF).
# When no spacing ends the line within 0.03 pt, its last character is set as a box of its own:
# a box starts exactly where Pango puts it. Every box costs layout time, hence not always.
PANGO_SCALE = 1024
PX_PER_PT = 4 / 3
_CLOSE_ENOUGH = 0.03  # points
_WORD_STRETCH = 0.3 * PX_PER_PT * PANGO_SCALE  # a third of a point more than the grid's


def _pdf_line_end(boxes: list[tuple[list[float], int, int]], size_pt: float) -> float:
    """Where WeasyPrint puts the right edge of a line's last glyph, in points from the line's
    start, for inline boxes of (glyph advances in em, letter spacing, margin after the box),
    both in 1/1024 px."""
    size_units = int(size_pt * PX_PER_PT * PANGO_SCALE)
    font_size = size_units / PANGO_SCALE  # px, as in the PDF
    scale = 1000 / PANGO_SCALE / font_size  # Pango units to thousandths of the font size
    box_start = end = 0.0  # px
    for ems, units, margin in boxes:
        left = int(units / 2)  # C's division, towards zero
        if units % PANGO_SCALE == 0:
            left = (left + PANGO_SCALE // 2) & ~(PANGO_SCALE - 1)
        right = units - left
        offset = left / font_size  # as WeasyPrint writes it (not scaled like the rest)
        # thousandths of the font size, as in the PDF's text operators; each glyph moves the
        # next by its width less the kerning WeasyPrint writes, truncated to an integer
        x = 0.0
        last = len(ems) - 1
        box_width = 0
        for number, em in enumerate(ems):
            advance = round(em * size_units)
            logical = round(advance * scale)
            shift = left if number else 0
            width = advance + shift + (right if number < last else 0)
            box_width += width
            if number:
                x += offset
            if number == last:
                end = box_start + (x + logical) * font_size / 1000
            else:
                x += logical - int(logical + (offset if number else 0) - width * scale)
        # WeasyPrint adds the box's letter spacing after its last character
        box_start += (box_width + units + margin) / PANGO_SCALE
    return end / PX_PER_PT


@dataclass(frozen=True)
class Box:
    """An inline box of a line: characters ``start`` to ``end`` (from the line's start); a
    number or Latin word keeps the grid's spacing inside and is followed by the line's."""

    start: int
    end: int
    word: bool = False
    word_end: bool = False


def _line_boxes(count: int, edges: set[int], words: list[tuple[int, int]]) -> tuple[Box, ...]:
    edges = sorted({0, count} | edges | {edge for word in words for edge in word})
    boxes = []
    for start, end in zip(edges, edges[1:], strict=False):
        word = next((w for w in words if w[0] <= start and end <= w[1]), None)
        boxes.append(Box(start, end, word is not None, word is not None and end == word[1]))
    return tuple(boxes)


def _justify(ems, cuts: set[int], words, room: float, size_pt: float, grid: int):
    """The letter spacing (1/1024 px) and inline boxes that end a line of glyphs ``ems``
    (advances in em) at ``room`` points. ``cuts`` split boxes (highlights); inside ``words``
    (numbers, Latin words) the spacing stays ``grid``, the stretch goes between the rest."""
    count = len(ems)
    uniform = (room - sum(ems) * size_pt) * PX_PER_PT * PANGO_SCALE / (count - 1)
    inner = sum(end - start - 1 for start, end in words)
    # Words get boxes of their own (layout time) only where the stretch would show in them;
    # a line of nothing but words is stretched throughout.
    if uniform - grid < _WORD_STRETCH or inner >= count - 1:
        words, inner = [], 0

    def runs(boxes, units):
        return [
            (
                ems[box.start : box.end],
                grid if box.word else units,
                units - grid if box.word_end else 0,
            )
            for box in boxes
        ]

    def end(boxes, units):
        return _pdf_line_end(runs(boxes, units), size_pt)

    # Pango puts the last glyph of a box at the sum of the advances and spacings
    stretch = (room - sum(ems) * size_pt) * PX_PER_PT * PANGO_SCALE - inner * grid
    exact = round(stretch / (count - 1 - inner))
    boxes = _line_boxes(count, cuts, words)
    low, high = exact - 64, exact + 64  # the rounding is at most half a point
    while low < high:  # the widest spacing that does not overflow; the end grows with it
        middle = (low + high + 1) // 2
        if end(boxes, middle) > room:
            high = middle - 1
        else:
            low = middle
    units = min((low, low + 1), key=lambda u: abs(end(boxes, u) - room))
    if abs(end(boxes, units) - room) <= _CLOSE_ENOUGH:
        return units, boxes
    return exact, _line_boxes(count, cuts | {count - 1}, words)


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    spacing: int  # letter spacing in 1/1024 px, what WeasyPrint can express
    boxes: tuple[Box, ...]
    indent: float = 0.0  # points
    grid: int = 0  # the letter spacing inside numbers and Latin words


class Setter:
    """Breaks text into lines of ``measure`` points in one font and size; ``grid_spacing`` is
    the letter spacing that puts a full-width character on the grid (156 mm / 28)."""

    def __init__(self, metrics: FontMetrics, size: float, measure: float, grid_spacing: float):
        self.metrics, self.size, self.measure = metrics, size, measure
        self.grid_spacing = grid_spacing

    def advance(self, text: str) -> float:
        """The glyphs' own advances, in points, without letter spacing."""
        return sum(self.metrics.em(char) for char in text) * self.size

    def width(self, text: str) -> float:
        """The room ``text`` takes on the grid: each character with its grid spacing."""
        return self.advance(text) + len(text) * self.grid_spacing

    def ink_width(self, text: str) -> float:
        """From the first glyph's left edge to the last one's right edge, on the grid."""
        return self.advance(text) + max(len(text) - 1, 0) * self.grid_spacing

    def break_lines(self, text: str, *, indent: float = 0.0, measure: float | None = None):
        """Greedy line breaking: as many atoms as fit on each line."""
        measure = self.measure if measure is None else measure
        lines: list[tuple[int, int]] = []
        start = position = 0
        used = indent
        atoms = _atoms(text)
        queue = deque(atoms)
        while queue:
            atom = queue.popleft()
            width = self.width(atom)
            room = measure - (indent if not lines else 0.0)
            if used + width > measure + _EPSILON:
                if position > start:
                    lines.append((start, position))
                    start, used = position, 0.0
                    room = measure
                    if atom.isspace():  # a space at a break disappears
                        start = position = position + len(atom)
                        continue
                if width > room + _EPSILON and len(atom) > 1:
                    # longer than a whole line (a long code or address): by characters
                    queue.extendleft(reversed(list(atom)))
                    continue
            used += width
            position += len(atom)
        lines.append((start, position))
        lines = self._pull_back(text, atoms, lines)
        return [(a, b - (len(text[a:b]) - len(text[a:b].rstrip()))) for a, b in lines]

    @staticmethod
    def _pull_back(text: str, atoms: list[str], lines: list[tuple[int, int]]):
        """A last line of one or two characters takes the atoms before it from the line above
        until it holds ``MIN_LAST_LINE`` (the line above, one atom shorter, is justified)."""
        if len(lines) < 2:
            return lines
        edges, position = set(), 0
        for atom in atoms:
            position += len(atom)
            edges.add(position)
        (above_start, above_end), (last_start, last_end) = lines[-2], lines[-1]
        cut = last_start
        while len(text[cut:last_end].strip()) < MIN_LAST_LINE:
            earlier = max((e for e in edges if above_start < e < cut), default=None)
            # the line above keeps most of itself: never more than a quarter of it moves
            if (
                earlier is None
                or (cut - earlier) + (last_start - cut) > (above_end - above_start) / 4
            ):
                break
            cut = earlier
        if cut == last_start:
            return lines
        return [*lines[:-2], (above_start, cut), (cut, last_end)]

    def justify(self, text: str, *, indent: float = 0.0, cuts: frozenset = frozenset()):
        """Every line but the last stretched to end exactly at the measure; the last on the
        grid, left-aligned. ``cuts`` are the positions where an inline box (a highlight)
        starts or ends."""
        grid = round(self.grid_spacing * PX_PER_PT * PANGO_SCALE)
        words = [match.span() for match in _NUMBER_OR_WORD.finditer(text)]
        ranges = self.break_lines(text, indent=indent)
        lines = []
        for number, (start, end) in enumerate(ranges):
            first = number == 0
            line_cuts = {cut - start for cut in cuts if start < cut < end}
            spacing, boxes = grid, _line_boxes(end - start, line_cuts, [])
            room = self.measure - (indent if first else 0.0)
            ems = [self.metrics.em(char) for char in text[start:end]]
            last = number == len(ranges) - 1
            # a last line that fills the measure must not overshoot it either
            if len(ems) > 1 and (
                not last or _pdf_line_end([(ems, grid, 0)], self.size) > room + _CLOSE_ENOUGH
            ):
                line_words = [
                    (max(a, start) - start, min(b, end) - start)
                    for a, b in words
                    if a < end and b > start and min(b, end) - max(a, start) > 1
                ]
                spacing, boxes = _justify(ems, line_cuts, line_words, room, self.size, grid)
            lines.append(Line(start, end, spacing, boxes, indent if first else 0.0, grid))
        return lines

    def balance(self, text: str) -> list[Line]:
        """Lines of about equal length, for a centred title that needs more than one (GB/T
        9704: 梯形或菱形): the shortest measure that still gives as few lines."""
        count = len(self.break_lines(text))
        low, high = 0.0, self.measure
        if count > 1:
            for _step in range(20):
                middle = (low + high) / 2
                if len(self.break_lines(text, measure=middle)) > count:
                    low = middle
                else:
                    high = middle
        return [Line(a, b, 0, (Box(0, b - a),)) for a, b in self.break_lines(text, measure=high)]


# --- The document for print -------------------------------------------------------------------

# Which font each kind of paragraph is set in (the title 22 pt, the rest 16 pt).
ROLE_BY_KIND = {
    ReportParagraph.Kind.TITLE: "title",
    ReportParagraph.Kind.HEADING1: "heading",
    ReportParagraph.Kind.HEADING2: "kai",
    ReportParagraph.Kind.HEADING3: "body",
    ReportParagraph.Kind.BODY: "body",
}


def _pieces(paragraph: ReportParagraph) -> tuple[str, list[tuple[int, int, bool]]]:
    """The paragraph's printable text and the ranges of it to highlight as missing."""
    text, marks = "", []
    for segment in paragraph.content:
        piece = printable(segment.get("text", ""))
        if segment.get("missing"):
            marks.append((len(text), len(text) + len(piece), True))
        elif not segment.get("key"):
            for match in MISSING_MARKER.finditer(piece):
                marks.append((len(text) + match.start(), len(text) + match.end(), True))
        text += piece
    return text, marks


def _line_html(text: str, marks, line: Line) -> SafeString:
    """A line's text, each inline box after the first a span of its own: the line's letter
    spacing inherited, or inside a number or word the grid's and the line's after it;
    missing figures highlighted."""
    parts = []
    for number, box in enumerate(line.boxes):
        start, end = line.start + box.start, line.start + box.end
        style = ""
        if box.word:
            style = f"letter-spacing:{line.grid / PANGO_SCALE!r}px"
            if box.word_end:
                style += f";margin-right:{(line.spacing - line.grid) / PANGO_SCALE!r}px"
        if any(low <= start < high for low, high, _missing in marks):
            parts.append(
                format_html(
                    '<mark class="report-missing" style="{}">{}</mark>', style, text[start:end]
                )
            )
        elif number or style:
            parts.append(format_html('<span style="{}">{}</span>', style, text[start:end]))
        else:
            parts.append(escape(text[start:end]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def _line_style(line: Line) -> str:
    style = f"letter-spacing:{line.spacing / PANGO_SCALE!r}px"
    return f"{style};text-indent:{line.indent:.3f}pt" if line.indent else style


def print_blocks(paragraphs, fonts: dict[str, Path]) -> list[dict]:
    """Each paragraph broken into justified lines, ready for the print template."""
    lay = LAYOUT
    grid = lay.cell_pt - lay.body_pt
    setters = {
        role: Setter(font_metrics(role, fonts[role]), lay.body_pt, lay.measure_pt, grid)
        for role in ("body", "heading", "kai")
    }
    setters["title"] = Setter(
        font_metrics("title", fonts["title"]), lay.title_pt, lay.measure_pt, 0
    )
    blocks = []
    for paragraph in paragraphs:
        text, marks = _pieces(paragraph)
        setter = setters[ROLE_BY_KIND.get(paragraph.kind, "body")]
        if paragraph.kind == ReportParagraph.Kind.TITLE:
            lines = setter.balance(text)
        else:
            cuts = frozenset(edge for start, end, _missing in marks for edge in (start, end))
            lines = setter.justify(text, indent=2 * lay.cell_pt, cuts=cuts)
        blocks.append(
            {
                "kind": paragraph.kind,
                "lines": [
                    {
                        "html": _line_html(text, marks, line),
                        "style": _line_style(line),
                    }
                    for line in lines
                ],
            }
        )
    return blocks


# --- 落款 and 成文日期 -------------------------------------------------------------------------


# Every page of a version no leader approved says so, and it has no 落款 (issue 22): only the
# approved version is the official document.
DRAFT_MARK = "未审定稿（征求意见稿）"


def is_official(version: ReportVersion) -> bool:
    """An approved version exports as the official document; any other as a marked draft."""
    return version.pk is not None and version.approved_at is not None


def draft_mark(version: ReportVersion) -> str:
    """The words on every page of a version that is not the official document, else ""."""
    return "" if is_official(version) else _("未审定稿（征求意见稿）")


def signing_date(version: ReportVersion, profile=None) -> datetime.date | None:
    """The 成文日期: the day the version was approved (None for a version not approved, which
    has no 落款)."""
    if version.approved_at:
        return timezone.localdate(version.approved_at)
    return None


def chinese_date(day: datetime.date) -> str:
    """GB/T 9704 7.3.5: Arabic numerals, no leading zeros: 2026年1月15日."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Signature:
    """The 落款: the issuing unit, centred over the 成文日期, which stands four characters in
    from the right edge (GB/T 9704 7.3.5.1); indents in points from the right edge."""

    unit: str
    date: str
    unit_indent: float
    date_indent: float

    @property
    def unit_style(self) -> str:
        return f"padding-right:{self.unit_indent:.3f}pt"

    @property
    def date_style(self) -> str:
        return f"padding-right:{self.date_indent:.3f}pt"


def signature(version: ReportVersion, width=None) -> Signature | None:
    """The 落款 of ``version`` from the bureau's profile, None unless the version is the
    official (approved) one; ``width`` measures text on the grid (the body font's advances
    for the PDF; full-width 1, others ½ a character for Word)."""
    from bureau.selectors import bureau_profile

    if not is_official(version):
        return None
    lay = LAYOUT
    profile = bureau_profile()
    unit = printable(profile.issuing_unit or profile.bureau_name).strip()
    date = chinese_date(signing_date(version, profile))
    if width is None:

        def width(text):
            return sum(
                lay.cell_pt if unicodedata.east_asian_width(c) in ("W", "F") else lay.cell_pt / 2
                for c in text
            )

    date_indent = 4 * lay.cell_pt
    unit_indent = date_indent + (width(date) - width(unit)) / 2
    return Signature(unit, date, max(unit_indent, 0.0), date_indent)


# --- HTML for print and the PDF ---------------------------------------------------------------

# WeasyPrint copies every @font-face file into a fresh temporary folder per FontConfiguration;
# one per process and font set (with the stylesheets, parsed once) saves copying and parsing
# ~30 MB of CJK fonts on every render.
_stylesheet_cache: dict[tuple, tuple] = {}
_font_lock = threading.Lock()
# Dropped while the interpreter is still whole; WeasyPrint's cleanup fails at teardown.
atexit.register(_stylesheet_cache.clear)
FALLBACK_FAMILIES = {
    "title": '"Noto Serif CJK SC", serif',
    "body": '"Noto Serif CJK SC", serif',
    "heading": '"Noto Sans CJK SC", sans-serif',
    "kai": '"AR PL UKai CN", "Noto Serif CJK SC", serif',
    "number": '"Noto Serif CJK SC", serif',
}


def _print_css() -> str:
    path = finders.find("css/report_print.css")
    if not path:
        raise ReportRenderError(_("找不到报告样式表 css/report_print.css。"))
    return Path(path).read_text(encoding="utf-8")


def _layout_css(families: dict[str, str]) -> str:
    """The page box, grid, page numbers and fonts from ``LAYOUT`` and the configured files (the
    Word file uses the same figures); the static stylesheet holds the paragraph rules."""
    lay = LAYOUT

    def family(role):
        return f'"{families[role]}", {FALLBACK_FAMILIES[role]}'

    number = (
        f'content: "— " counter(page) " —"; font-family: {family("number")}; '
        f"font-size: {lay.page_number_pt}pt; line-height: 1; vertical-align: top; "
        f"padding-top: {lay.page_number_gap_mm}mm; letter-spacing: 0;"
    )
    return f"""
@page {{
  size: {lay.page_width_mm}mm {lay.page_height_mm}mm;
  margin: {lay.margin_top_mm}mm {lay.margin_right_mm}mm {lay.margin_bottom_mm}mm
          {lay.margin_left_mm}mm;
}}
@page :right {{ @bottom-right {{ {number} padding-right: {lay.page_number_pt}pt; }} }}
@page :left {{ @bottom-left {{ {number} padding-left: {lay.page_number_pt}pt; }} }}
html {{ font-size: {lay.body_pt}pt; font-family: {family("body")}; }}
body {{ line-height: {lay.line_pitch_pt}pt; letter-spacing: {lay.cell_pt - lay.body_pt:.4f}pt; }}
.doc-title {{ font-family: {family("title")}; font-size: {lay.title_pt}pt;
  margin-bottom: {lay.line_pitch_pt}pt; }}
.doc-h1 {{ font-family: {family("heading")}; }}
.doc-h2 {{ font-family: {family("kai")}; }}
.doc-signature {{ margin-top: {lay.line_pitch_pt}pt; }}
.doc-draft-mark {{ position: running(draftmark); font-family: {family("heading")};
  font-size: {lay.page_number_pt}pt; line-height: 1; letter-spacing: 0; text-align: center; }}
@page {{ @top-center {{ content: element(draftmark); vertical-align: bottom;
  padding-bottom: {lay.page_number_gap_mm}mm; }} }}
"""


def _stylesheets(fonts: dict[str, Path]):
    """The font configuration and parsed stylesheets for ``fonts``, made once per process."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    families = font_families(fonts)
    print_css = _print_css()
    key = (tuple(sorted((role, str(path)) for role, path in fonts.items())), print_css)
    with _font_lock:
        if key not in _stylesheet_cache:
            font_config = FontConfiguration()
            rules = "\n".join(
                f'@font-face {{ font-family: "{families[role]}"; src: url("{path.as_uri()}"); '
                f"font-weight: normal; font-style: normal; }}"
                for role, path in fonts.items()
            )
            sheets = [
                CSS(string=rules, font_config=font_config),
                CSS(string=print_css, font_config=font_config),
                CSS(string=_layout_css(families), font_config=font_config),
            ]
            _stylesheet_cache[key] = (font_config, sheets, families)
        return _stylesheet_cache[key]


@functools.cache
def _print_engine():
    """The template engine of the print document: the project's template folders and Django's
    built-in tags only. The site's engine imports every app's tag libraries when first used,
    a sixth of a second of a fresh ``build_report`` for a document that loads none."""
    from django.template import Engine

    folders = [folder for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    return Engine(dirs=folders, app_dirs=True, debug=settings.DEBUG)


def render_document_html(
    version: ReportVersion, fonts: dict[str, Path] | None = None, paragraphs=None
) -> str:
    from django.template import Context, TemplateDoesNotExist, TemplateSyntaxError

    fonts = fonts or font_files()
    paragraphs = document_paragraphs(version) if paragraphs is None else paragraphs
    body = Setter(
        font_metrics("body", fonts["body"]),
        LAYOUT.body_pt,
        LAYOUT.measure_pt,
        LAYOUT.cell_pt - LAYOUT.body_pt,
    )
    template = getattr(settings, "REPORT_DOCUMENT_TEMPLATE", DOCUMENT_TEMPLATE)
    try:
        return (
            _print_engine()
            .get_template(template)
            .render(
                Context(
                    {
                        "version": version,
                        "title": version_title(version, paragraphs),
                        "blocks": print_blocks(paragraphs, fonts),
                        "signature": signature(version, body.ink_width),
                        "draft_mark": draft_mark(version),
                    }
                )
            )
        )
    except (TemplateDoesNotExist, TemplateSyntaxError) as error:
        raise ReportRenderError(
            _("报告模板 %(template)s 有误：%(error)s") % {"template": template, "error": error}
        ) from error


_render_lock = threading.Lock()


def render_pdf(version: ReportVersion) -> bytes:
    """The PDF of ``version``, fonts embedded and subset."""
    from weasyprint import HTML

    fonts = font_files()
    paragraphs = document_paragraphs(version)
    html = render_document_html(version, fonts, paragraphs)
    font_config, stylesheets, families = _stylesheets(fonts)
    try:
        # One render at a time per process: the font configuration is shared.
        with _render_lock:
            document = HTML(string=html).render(stylesheets=stylesheets, font_config=font_config)
            pdf = document.write_pdf()
    except Exception as error:
        raise ReportRenderError(_("PDF 排版失败：%(error)s") % {"error": error}) from error
    used = {font.family for font in document.fonts.values()}
    _check_fonts_used({p.kind for p in paragraphs}, used, fonts, families)
    return pdf


def _check_fonts_used(
    kinds: set[str], used: set[str], fonts: dict[str, Path], families: dict[str, str]
) -> None:
    """A file that is not a usable font is skipped by WeasyPrint without an error, and the
    document silently falls back to some system font: refuse that instead."""
    needed = {"body", "number"}
    needed |= {"title"} if ReportParagraph.Kind.TITLE in kinds else set()
    needed |= {"heading"} if ReportParagraph.Kind.HEADING1 in kinds else set()
    needed |= {"kai"} if ReportParagraph.Kind.HEADING2 in kinds else set()
    for role in sorted(needed):
        if families[role] not in used:
            raise ReportRenderError(
                _("%(role)s字体文件 %(path)s 无法使用（不是有效的字体文件？）。")
                % {"role": FONT_ROLE_LABELS[role], "path": fonts[role]}
            )


# --- Word -------------------------------------------------------------------------------------


def _docx_font_names() -> dict[str, str]:
    return {**DEFAULT_DOCX_FONT_NAMES, **getattr(settings, "REPORT_DOCX_FONT_NAMES", {})}


def _set_run_font(run, name: str, size_pt: float, *, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:ascii"), name)
    fonts.set(qn("w:hAnsi"), name)


def _letter_spacing(run, points: float) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(round(points * 20)))  # twentieths of a point
    run._element.get_or_add_rPr().append(spacing)


def _page_number_footer(footer, *, align_right: bool, font: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align_right else WD_ALIGN_PARAGRAPH.LEFT
    indent = Pt(LAYOUT.page_number_pt)  # one character in from the edge of the text block
    if align_right:
        paragraph.paragraph_format.right_indent = indent
    else:
        paragraph.paragraph_format.left_indent = indent

    def add_text(text):
        run = paragraph.add_run(text)
        _set_run_font(run, font, LAYOUT.page_number_pt)
        return run

    add_text("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        run = add_text("")
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    add_text(" —")


def render_docx(version: ReportVersion) -> bytes:
    """The Word file of ``version`` in the same layout as the PDF."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    lay = LAYOUT
    names = _docx_font_names()
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(lay.page_width_mm), Mm(lay.page_height_mm)
    section.top_margin, section.bottom_margin = Mm(lay.margin_top_mm), Mm(lay.margin_bottom_mm)
    section.left_margin, section.right_margin = Mm(lay.margin_left_mm), Mm(lay.margin_right_mm)
    # The number's top sits 7 mm below the text block; Word measures the footer from the
    # page's bottom edge to the footer's last line.
    section.footer_distance = Mm(lay.margin_bottom_mm - lay.page_number_gap_mm) - Pt(
        lay.page_number_pt * 1.3
    )
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(lay.line_pitch_pt * 20)))

    document.settings.odd_and_even_pages_header_footer = True
    _page_number_footer(section.footer, align_right=True, font=names["number"])
    _page_number_footer(section.even_page_footer, align_right=False, font=names["number"])
    mark = draft_mark(version)
    if mark:  # on odd and even pages alike (the first page has no header of its own)
        for header in (section.header, section.even_page_header):
            line = header.paragraphs[0]
            line.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_run_font(line.add_run(mark), names["heading"], lay.page_number_pt)

    normal = document.styles["Normal"]
    normal.font.name = names["body"]
    normal.font.size = Pt(lay.body_pt)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), names["body"])

    font_by_kind = {
        ReportParagraph.Kind.TITLE: (names["title"], lay.title_pt),
        ReportParagraph.Kind.HEADING1: (names["heading"], lay.body_pt),
        ReportParagraph.Kind.HEADING2: (names["kai"], lay.body_pt),
    }

    def add_paragraph(alignment):
        out = document.add_paragraph()
        out.alignment = alignment
        fmt = out.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(lay.line_pitch_pt)
        fmt.space_before = fmt.space_after = Pt(0)
        return out

    def add_run(out, text, font, size, *, spaced=True, missing=False):
        run = out.add_run(text)
        _set_run_font(run, font, size)
        if spaced:
            _letter_spacing(run, lay.letter_spacing_pt)
        if missing:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    paragraphs = document_paragraphs(version)
    for paragraph in paragraphs:
        font, size = font_by_kind.get(paragraph.kind, (names["body"], lay.body_pt))
        title = paragraph.kind == ReportParagraph.Kind.TITLE
        out = add_paragraph(WD_ALIGN_PARAGRAPH.CENTER if title else WD_ALIGN_PARAGRAPH.JUSTIFY)
        if title:
            out.paragraph_format.space_after = Pt(lay.line_pitch_pt)  # a blank line under it
        else:
            out.paragraph_format.first_line_indent = Pt(2 * lay.char_pitch_pt)
            out.paragraph_format.keep_with_next = paragraph.kind != ReportParagraph.Kind.BODY
        text, marks = _pieces(paragraph)
        edges = sorted({0, len(text)} | {edge for a, b, _m in marks for edge in (a, b)})
        for start, end in zip(edges, edges[1:], strict=False):
            missing = any(a <= start < b for a, b, _m in marks)
            add_run(out, text[start:end], font, size, spaced=not title, missing=missing)
    # 落款 and 成文日期, a blank line under the text, as in the PDF: the official version's only
    sign = signature(version)
    if sign is not None:
        if paragraphs:
            out.paragraph_format.keep_with_next = True  # the 落款 is never alone on a page
        add_paragraph(WD_ALIGN_PARAGRAPH.RIGHT).paragraph_format.keep_with_next = True
        for text, indent, keep in (
            (sign.unit, sign.unit_indent, True),
            (sign.date, sign.date_indent, False),
        ):
            out = add_paragraph(WD_ALIGN_PARAGRAPH.RIGHT)
            out.paragraph_format.right_indent = Pt(indent)
            out.paragraph_format.keep_with_next = keep
            add_run(out, text, names["body"], lay.body_pt)
    document.core_properties.title = version_title(version, paragraphs)
    document.core_properties.comments = f"v{version.number}" + (f" {mark}" if mark else "")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


RENDERERS = {"pdf": render_pdf, "docx": render_docx}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def render(version: ReportVersion, fmt: str) -> bytes:
    try:
        renderer = RENDERERS[fmt]
    except KeyError as error:
        raise ReportRenderError(_("不支持的导出格式：%(format)s") % {"format": fmt}) from error
    return renderer(version)
