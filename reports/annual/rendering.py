"""Rendering a report version: the HTML preview, the PDF (WeasyPrint) and the Word file
(python-docx), all in the layout of GB/T 9704-2012 党政机关公文格式.

The layout figures live here once (``Layout``) and drive both the print stylesheet and the Word
file: A4, margins 37 / 35 / 28 / 26 mm, a text block of 22 lines x 28 characters, 16 pt body,
22 pt title, page numbers "— N —" in 14 pt, 7 mm below the text block, odd pages right and even
pages left, one character in from the edge.
"""

import atexit
import hashlib
import io
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
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


LAYOUT = Layout()
FONT_ROLES = ("title", "body", "heading", "kai")
FONT_ROLE_LABELS = {
    "title": "标题（小标宋）",
    "body": "正文（仿宋）",
    "heading": "一级标题（黑体）",
    "kai": "二级标题（楷体）",
}
# Word does not embed fonts: the file names the fonts a bureau's Word or WPS has installed.
DEFAULT_DOCX_FONT_NAMES = {
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "heading": "黑体",
    "kai": "楷体_GB2312",
}
DOCUMENT_TEMPLATE = "reports/annual/document.html"


class ReportRenderError(Exception):
    """A readable reason why a report could not be rendered (shown on the export job)."""


# --- Segments to HTML -------------------------------------------------------------------------


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
        text = segment.get("text", "")
        if segment.get("missing"):
            parts.append(
                format_html(
                    '<mark class="report-missing" title="{}">{}</mark>',
                    segment.get("label", ""),
                    text,
                )
            )
        elif segment.get("key") and links and segment.get("url"):
            parts.append(
                format_html(
                    '<a class="report-figure" href="{}" title="{}">{}</a>',
                    segment["url"],
                    _("%(label)s：查看记录") % {"label": segment.get("label", "")},
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


def document_paragraphs(version: ReportVersion) -> list[ReportParagraph]:
    """The paragraphs of a saved version, or of an unsaved draft built by ``build_report``."""
    draft = getattr(version, "draft_paragraphs", None)
    if draft is not None:
        return list(draft)
    return list(version.paragraphs.order_by("position"))


def version_title(version: ReportVersion, paragraphs: list[ReportParagraph]) -> str:
    title = next((p for p in paragraphs if p.kind == ReportParagraph.Kind.TITLE), None)
    return title.text if title else str(version.report)


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


def resolve_font(role: str, configured: str) -> Path:
    """A single-face font file for ``role``, extracting a face of a ``.ttc`` collection once.

    ``configured`` is a path, optionally ``path#index`` to pick a face of a collection.
    """
    path_text, _sep, index_text = str(configured).partition("#")
    path = Path(path_text)
    label = FONT_ROLE_LABELS.get(role, role)
    if not path.is_file():
        raise ReportRenderError(
            _("找不到%(role)s字体文件：%(path)s。请检查 REPORT_FONT_FILES 设置。")
            % {"role": label, "path": path}
        )
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


# WeasyPrint copies every @font-face file into a fresh temporary folder per FontConfiguration;
# reusing one per process and font set saves copying ~80 MB of CJK fonts on every render.
_font_configs: dict[tuple, tuple] = {}
_font_lock = threading.Lock()
# Dropped while the interpreter is still whole; WeasyPrint's cleanup fails at teardown.
atexit.register(_font_configs.clear)


def _weasy_fonts(fonts: dict[str, Path]):
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    key = tuple(sorted((role, str(path)) for role, path in fonts.items()))
    with _font_lock:
        if key not in _font_configs:
            font_config = FontConfiguration()
            rules = "\n".join(
                f'@font-face {{ font-family: "report-{role}"; src: url("{path.as_uri()}"); }}'
                for role, path in fonts.items()
            )
            _font_configs[key] = (font_config, CSS(string=rules, font_config=font_config))
        return _font_configs[key]


# --- HTML for print and the PDF ---------------------------------------------------------------


def _print_css() -> str:
    path = finders.find("css/report_print.css")
    if not path:
        raise ReportRenderError(_("找不到报告样式表 css/report_print.css。"))
    return Path(path).read_text(encoding="utf-8")


def _layout_css() -> str:
    """The page box, grid and page numbers from ``LAYOUT`` (the Word file uses the same
    figures); the static stylesheet holds fonts and paragraph rules."""
    lay = LAYOUT
    number = (
        f'content: "— " counter(page) " —"; font-family: "report-body"; '
        f"font-size: {lay.page_number_pt}pt; line-height: 1; vertical-align: top; "
        f"padding-top: {lay.page_number_gap_mm}mm;"
    )
    return f"""
@page {{
  size: {lay.page_width_mm}mm {lay.page_height_mm}mm;
  margin: {lay.margin_top_mm}mm {lay.margin_right_mm}mm {lay.margin_bottom_mm}mm
          {lay.margin_left_mm}mm;
}}
@page :right {{ @bottom-right {{ {number} padding-right: {lay.page_number_pt}pt; }} }}
@page :left {{ @bottom-left {{ {number} padding-left: {lay.page_number_pt}pt; }} }}
html {{ font-size: {lay.body_pt}pt; }}
body {{ line-height: {lay.line_pitch_pt}pt; letter-spacing: {lay.letter_spacing_pt}pt; }}
.doc-title {{ font-size: {lay.title_pt}pt; margin-bottom: {lay.line_pitch_pt}pt; }}
"""


def render_document_html(version: ReportVersion) -> str:
    from django.template import TemplateDoesNotExist, TemplateSyntaxError

    paragraphs = document_paragraphs(version)
    template = getattr(settings, "REPORT_DOCUMENT_TEMPLATE", DOCUMENT_TEMPLATE)
    try:
        return render_to_string(
            template,
            {
                "version": version,
                "title": version_title(version, paragraphs),
                "blocks": paragraph_blocks(paragraphs, links=False),
            },
        )
    except (TemplateDoesNotExist, TemplateSyntaxError) as error:
        raise ReportRenderError(
            _("报告模板 %(template)s 有误：%(error)s") % {"template": template, "error": error}
        ) from error


_render_lock = threading.Lock()


def render_pdf(version: ReportVersion) -> bytes:
    """The PDF of ``version``, fonts embedded and subset."""
    from weasyprint import CSS, HTML

    fonts = font_files()
    html = render_document_html(version)
    font_config, font_css = _weasy_fonts(fonts)
    stylesheets = [
        font_css,
        CSS(string=_print_css(), font_config=font_config),
        CSS(string=_layout_css(), font_config=font_config),
    ]
    try:
        # One render at a time per process: the font configuration is shared.
        with _render_lock:
            document = HTML(string=html).render(stylesheets=stylesheets, font_config=font_config)
            pdf = document.write_pdf()
    except Exception as error:
        raise ReportRenderError(_("PDF 排版失败：%(error)s") % {"error": error}) from error
    used = {font.family for font in document.fonts.values()}
    _check_fonts_used(version, used, fonts)
    return pdf


def _check_fonts_used(version: ReportVersion, used: set[str], fonts: dict[str, Path]) -> None:
    """A file that is not a usable font is skipped by WeasyPrint without an error, and the
    document silently falls back to some system font: refuse that instead."""
    kinds = {p.kind for p in document_paragraphs(version)}
    needed = {"body"}
    needed |= {"title"} if ReportParagraph.Kind.TITLE in kinds else set()
    needed |= {"heading"} if ReportParagraph.Kind.HEADING1 in kinds else set()
    needed |= {"kai"} if ReportParagraph.Kind.HEADING2 in kinds else set()
    for role in sorted(needed):
        if f"report-{role}" not in used:
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
    _page_number_footer(section.footer, align_right=True, font=names["body"])
    _page_number_footer(section.even_page_footer, align_right=False, font=names["body"])

    normal = document.styles["Normal"]
    normal.font.name = names["body"]
    normal.font.size = Pt(lay.body_pt)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), names["body"])

    font_by_kind = {
        ReportParagraph.Kind.TITLE: (names["title"], lay.title_pt),
        ReportParagraph.Kind.HEADING1: (names["heading"], lay.body_pt),
        ReportParagraph.Kind.HEADING2: (names["kai"], lay.body_pt),
    }
    paragraphs = document_paragraphs(version)
    for paragraph in paragraphs:
        font, size = font_by_kind.get(paragraph.kind, (names["body"], lay.body_pt))
        out = document.add_paragraph()
        fmt = out.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(lay.line_pitch_pt)
        fmt.space_before = fmt.space_after = Pt(0)
        if paragraph.kind == ReportParagraph.Kind.TITLE:
            out.alignment = WD_ALIGN_PARAGRAPH.CENTER
            fmt.space_after = Pt(lay.line_pitch_pt)  # one blank line under the title
        else:
            out.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            fmt.first_line_indent = Pt(2 * lay.char_pitch_pt)
            fmt.keep_with_next = paragraph.kind != ReportParagraph.Kind.BODY
        for segment in paragraph.content:
            text = segment.get("text", "")
            pieces = [(text, bool(segment.get("missing")))]
            if not segment.get("missing") and not segment.get("key"):
                pieces = _split_markers(text)
            for piece, missing in pieces:
                run = out.add_run(piece)
                _set_run_font(run, font, size)
                if paragraph.kind != ReportParagraph.Kind.TITLE:
                    _letter_spacing(run, lay.letter_spacing_pt)
                if missing:
                    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    document.core_properties.title = version_title(version, paragraphs)
    document.core_properties.comments = f"v{version.number}"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _split_markers(text: str) -> list[tuple[str, bool]]:
    pieces = []
    position = 0
    for match in MISSING_MARKER.finditer(text):
        if match.start() > position:
            pieces.append((text[position : match.start()], False))
        pieces.append((match.group(), True))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


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
