"""The layout of Chinese official documents (GB/T 9704-2012) for Word files built with
python-docx: page set-up, faces and fonts, paragraph styles, runs, the title, tables and the
page-number field. The 工作报告 (reports/docx.py) and the 人民调解协议书
(mediation/agreement_docx.py) are both laid out with these.

- Page (5.2): A4, 天头 (top margin) 37 mm, 订口 (left margin) 28 mm, 版心 156 × 225 mm, so
  bottom 35 mm and right 26 mm; 22 lines of 28 characters (a ``linesAndChars`` document
  grid: a line pitch of 225 mm / 22 = 28.95 pt, the 16 pt characters drawn 0.21 pt closer).
- Title: 2号 (22 pt) 方正小标宋简体, centred. Text: 3号 (16 pt) 仿宋_GB2312, first lines
  indented two characters, exactly one grid line apart. Headings 一、 in 黑体, （一） in
  楷体_GB2312.
- Every run names its East Asian font (``w:eastAsia``), and so do the styles; digits and
  Latin letters are Times New Roman. Where a 方正 or _GB2312 font is not installed, the font
  table names the one Word takes instead (``w:altName``: 宋体, 仿宋, 楷体).
- Tables: a repeated header row in 黑体, cells in 仿宋 4号 (小四 when wide), single borders.
- Page numbers (7.5): "— 1 —" in 4号 宋体, a PAGE field, 7 mm under the type area; odd
  pages on the right and even pages on the left, one character in from the edge of the
  type area, as the standard lays them out for a document printed on both sides.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

# --- GB/T 9704-2012 -----------------------------------------------------------------------------

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, LEFT_MM = 37, 28
TYPE_WIDTH_MM, TYPE_HEIGHT_MM = 156, 225
BOTTOM_MM = PAGE_HEIGHT_MM - TOP_MM - TYPE_HEIGHT_MM  # 35
RIGHT_MM = PAGE_WIDTH_MM - LEFT_MM - TYPE_WIDTH_MM  # 26
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
# The page number's 一字线 stands 7 mm below the type area.
PAGE_NUMBER_GAP_MM = 7

# 字号 in points.
SIZE_2, SIZE_3, SIZE_4, SIZE_SMALL_4 = 22, 16, 14, 12
BODY_SIZE = SIZE_3

POINTS_PER_MM = 72 / 25.4
# 225 mm / 22 lines, in twentieths of a point: 579 (28.95 pt).
LINE_PITCH = int(TYPE_HEIGHT_MM * POINTS_PER_MM * 20 / LINES_PER_PAGE)
LINE = Pt(LINE_PITCH / 20)
# 28 characters across 156 mm: 15.79 pt each, 0.21 pt less than the 16 pt body size,
# in 4096ths of a point as the document grid counts it.
CHAR_SPACE = round((TYPE_WIDTH_MM * POINTS_PER_MM / CHARS_PER_LINE - BODY_SIZE) * 4096)
# A table this wide or wider is set in 小四 so its headers fit the columns.
WIDE_TABLE = 5
# How many 2号 title characters fit a line of the type area.
TITLE_CHARS = TYPE_WIDTH_MM * POINTS_PER_MM / SIZE_2


@dataclass(frozen=True)
class Face:
    """An East Asian font, what Word looks for when it is missing, and the fontTable family."""

    name: str
    alternate: str
    family: str = "roman"


TITLE_FACE = Face("方正小标宋简体", "宋体")
BODY_FACE = Face("仿宋_GB2312", "仿宋", "modern")
HEADING_FACE = Face("黑体", "SimHei", "modern")
SUBHEADING_FACE = Face("楷体_GB2312", "楷体", "modern")
PAGE_FACE = Face("宋体", "SimSun")
FACES = (TITLE_FACE, BODY_FACE, HEADING_FACE, SUBHEADING_FACE, PAGE_FACE)
LATIN = "Times New Roman"
# GB 2312, in the font table's charset.
CHARSET_GB2312 = "86"

EM_DASH = "\u2014"  # 一字线

TITLE, BODY, HEADING, SUBHEADING, TABLE_TEXT, SIGNATURE, PAGE_NUMBER = (
    "公文标题",
    "公文正文",
    "一级标题",
    "二级标题",
    "表格文字",
    "发文署名",
    "公文页码",
)


def width(text: str) -> float:
    """How many characters ``text`` takes in a line: a Chinese character one, a digit half."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def chinese_date(day: dt.date) -> str:
    """2026年12月1日: the year in full, month and day without a leading zero (GB/T 9704 7.3.5)."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- styles -----------------------------------------------------------------------------------


def fonts(rpr, face: Face, latin: str = LATIN) -> None:
    """Name ``face`` for East Asian text and ``latin`` for the rest, on a run or a style.
    ``w:hint`` makes Word draw the punctuation both scripts share (“” — …) in ``face``."""
    names = rpr.get_or_add_rFonts()
    for name in list(names.attrib):
        # A theme font (asciiTheme, cstheme …) would win over the names set here.
        if etree.QName(name).localname.lower().endswith("theme"):
            del names.attrib[name]
    names.set(qn("w:ascii"), latin)
    names.set(qn("w:hAnsi"), latin)
    names.set(qn("w:cs"), latin)
    names.set(qn("w:eastAsia"), face.name)
    names.set(qn("w:hint"), "eastAsia")


def indent_chars(paragraph_format, *, first_line: float = 0, left: float = 0, right: float = 0) -> None:
    """Indents in characters of the body size, as Word's own "字符" units (w:…Chars) and in
    points for readers that know only those."""
    if first_line:
        paragraph_format.first_line_indent = Pt(first_line * BODY_SIZE)
    if left:
        paragraph_format.left_indent = Pt(left * BODY_SIZE)
    if right:
        paragraph_format.right_indent = Pt(right * BODY_SIZE)
    ind = paragraph_format._element.get_or_add_pPr().get_or_add_ind()
    for name, value in (("firstLineChars", first_line), ("leftChars", left), ("rightChars", right)):
        if value:
            ind.set(qn(f"w:{name}"), str(round(value * 100)))


# What may follow w:snapToGrid in a w:pPr (the schema fixes their order).
SNAP_TO_GRID_SUCCESSORS = (
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def paragraph_style(
    document,
    style_id: str,
    name: str,
    face: Face,
    size: int,
    *,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_line: float = 0,
    outline: int | None = None,
    keep_with_next: bool = False,
    exact: bool = True,
    latin: str = LATIN,
):
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    fonts(style.element.get_or_add_rPr(), face, latin)
    style.font.size = Pt(size)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.keep_with_next = keep_with_next or None
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        # Off the document grid: a table row is as tall as its text, not a whole grid line.
        style.element.get_or_add_pPr().insert_element_before(
            element("w:snapToGrid", val="0"), *SNAP_TO_GRID_SUCCESSORS
        )
    if first_line:
        indent_chars(fmt, first_line=first_line)
    if outline is not None:
        # The navigation pane and a table of contents find the headings by their level.
        style.element.get_or_add_pPr().get_or_add_outlineLvl().val = outline
    return style


def element(tag: str, **attributes: str):
    made = OxmlElement(tag)
    for name, value in attributes.items():
        made.set(qn(f"w:{name}"), value)
    return made


def new_document():
    """An empty document set up as GB/T 9704 lays one out, with the styles named above."""
    document = Document()
    set_up(document)
    # The template's one empty paragraph goes; the title is the first line.
    body = document.element.body
    for empty in body.findall(qn("w:p")):
        body.remove(empty)
    return document


def set_up(document) -> None:
    """The page, the document grid, the default fonts and the styles (not the properties:
    each document names its own title, author and subject)."""
    # The defaults every style starts from: no theme fonts (the template's are Japanese).
    defaults = document.styles.element.find(qn("w:docDefaults"))
    default_rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts(default_rpr, BODY_FACE)
    default_rpr.find(qn("w:sz")).set(qn("w:val"), str(BODY_SIZE * 2))
    default_rpr.find(qn("w:szCs")).set(qn("w:val"), str(BODY_SIZE * 2))
    default_rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    fonts(normal.element.get_or_add_rPr(), BODY_FACE)
    normal.font.size = Pt(BODY_SIZE)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = LINE

    style = paragraph_style
    style(document, "DocTitle", TITLE, TITLE_FACE, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER)
    style(document, "DocBody", BODY, BODY_FACE, SIZE_3, first_line=2)
    style(
        document, "DocHeading1", HEADING, HEADING_FACE, SIZE_3, first_line=2, outline=0, keep_with_next=True
    )
    style(
        document,
        "DocHeading2",
        SUBHEADING,
        SUBHEADING_FACE,
        SIZE_3,
        first_line=2,
        outline=1,
        keep_with_next=True,
    )
    style(document, "DocTable", TABLE_TEXT, BODY_FACE, SIZE_4, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    style(document, "DocSignature", SIGNATURE, BODY_FACE, SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT)
    style(
        document,
        "DocPageNumber",
        PAGE_NUMBER,
        PAGE_FACE,
        SIZE_4,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        exact=False,
        latin=PAGE_FACE.name,
    )

    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    section.gutter = Mm(0)
    # The footer's one line (4号, single spacing: about 14 pt) ends this far above the
    # page's edge, so that its top is 7 mm under the type area.
    section.footer_distance = Mm(BOTTOM_MM - PAGE_NUMBER_GAP_MM - SIZE_4 / POINTS_PER_MM)
    # python-docx's template has one (w:docGrid is the last child of w:sectPr).
    grid = section._sectPr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))

    settings = document.settings
    settings.odd_and_even_pages_header_footer = True
    theme_lang = settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    font_table(document)


def font_table(document) -> None:
    """Name the document's fonts in its font table, each with the font Word takes where it
    is not installed (Windows has 仿宋 and 楷体 but not their _GB2312 forms, and no 方正)."""
    part = next(p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for face in FACES:
        for existing in root.findall(qn("w:font")):
            if existing.get(qn("w:name")) == face.name:
                root.remove(existing)
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), face.name)
        for tag, value in (
            ("altName", face.alternate),
            ("charset", CHARSET_GB2312),
            ("family", face.family),
            ("pitch", "variable"),
        ):
            etree.SubElement(font, qn(f"w:{tag}")).set(qn("w:val"), value)
    # python-docx keeps parts it has no class for as bytes; this one is rewritten whole.
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- writing ----------------------------------------------------------------------------------


def run(paragraph, text: str, face: Face, size: int, *, latin: str = LATIN):
    made = paragraph.add_run(text)
    fonts(made._element.get_or_add_rPr(), face, latin)
    made.font.size = Pt(size)
    return made


def paragraph(document, style: str, text: str, face: Face, size: int = BODY_SIZE):
    made = document.add_paragraph(style=style)
    if text:
        run(made, text, face, size)
    return made


def title(document, lines: Sequence[str]) -> None:
    """The title, one paragraph broken into ``lines``, and the empty line under it."""
    made = document.add_paragraph(style=TITLE)
    for index, line in enumerate(lines):
        if index:
            run(made, "", TITLE_FACE, SIZE_2).add_break()
        run(made, line, TITLE_FACE, SIZE_2)
    # 标题下空一行.
    document.add_paragraph(style=BODY)


def table(document, columns: Sequence[str], rows: Sequence[Sequence[str]]):
    """A table across the type area: a header row repeated on every page, single borders."""
    size = SIZE_SMALL_4 if len(columns) >= WIDE_TABLE else SIZE_4
    grid = document.add_table(rows=1 + len(rows), cols=len(columns))
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    properties = grid._tbl.tblPr
    width_element = properties.find(qn("w:tblW"))
    width_element.set(qn("w:type"), "pct")
    width_element.set(qn("w:w"), "5000")
    borders = element("w:tblBorders")
    for edge, thickness in (
        ("top", "8"),
        ("left", "8"),
        ("bottom", "8"),
        ("right", "8"),
        ("insideH", "4"),
        ("insideV", "4"),
    ):
        borders.append(element(f"w:{edge}", val="single", sz=thickness, space="0", color="000000"))
    # tblPr's children have a fixed order: tblW, jc, then tblBorders.
    properties.find(qn("w:jc")).addnext(borders)
    header = grid.rows[0]
    # The header row is repeated on every page the table runs onto.
    header._tr.get_or_add_trPr().append(element("w:tblHeader"))
    for made, text in zip(header.cells, columns, strict=True):
        cell(made, text, HEADING_FACE, size)
    for row, values in zip(grid.rows[1:], rows, strict=True):
        for made, value in zip(row.cells, values, strict=True):
            cell(made, value, BODY_FACE, size)
    return grid


def cell(made, text: str, face: Face, size: int) -> None:
    made.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    first = made.paragraphs[0]
    first.style = TABLE_TEXT
    run(first, text, face, size)


def page_numbers(document) -> None:
    section = document.sections[0]
    for footer, align, side in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),  # odd pages
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        made = footer.paragraphs[0]
        made.style = PAGE_NUMBER
        made.alignment = align
        # 单页码居右空一字，双页码居左空一字: one 4号 character in from the type area.
        fmt = made.paragraph_format
        if side == "right":
            fmt.right_indent = Pt(SIZE_4)
        else:
            fmt.left_indent = Pt(SIZE_4)
        page_field(made)


def page_field(made) -> None:
    """— PAGE —: the dashes around a PAGE field that Word fills in on every page."""

    def field_run(*children, text: str = ""):
        piece = run(made, text, PAGE_FACE, SIZE_4, latin=PAGE_FACE.name)
        for child in children:
            piece._element.append(child)
        return piece

    field_run(text=f"{EM_DASH} ")
    field_run(element("w:fldChar", fldCharType="begin"))
    instruction = OxmlElement("w:instrText")
    instruction.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instruction.text = " PAGE "
    field_run(instruction)
    field_run(element("w:fldChar", fldCharType="separate"))
    field_run(text="1")  # what shows until the field is updated
    field_run(element("w:fldChar", fldCharType="end"))
    field_run(text=f" {EM_DASH}")
