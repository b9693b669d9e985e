"""The 工作报告's Word file (reports/docx.py), read back with python-docx: GB/T 9704's page,
fonts and sizes, the figures and tables, the signature and the page-number field."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree

from reports.docx import report_docx
from reports.exports import chinese_date
from reports.models import ReportVersion, Trigger
from tests.export_report_data import generated_report, ledger
from tests.factories_residents import HouseholdFactory, ResidentFactory

MM = 0.1  # tolerance


@pytest.fixture
def report(tree, staff_user):
    ledger(tree)
    return generated_report(tree, staff=staff_user)


@pytest.fixture
def docx(report):
    return Document(io.BytesIO(report_docx(report, report.latest_version())))


def east_asia(run) -> str | None:
    fonts = run._element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def paragraph(document, starting: str):
    return next(p for p in document.paragraphs if p.text.startswith(starting))


def style_value(paragraph, read):
    """A paragraph format value as it applies: the paragraph's own, else its style chain's."""
    value = read(paragraph.paragraph_format)
    style = paragraph.style
    while value is None and style is not None:
        value = read(style.paragraph_format)
        style = style.base_style
    return value


def test_the_page_is_gb_t_9704_s_a4_with_its_margins_and_type_area(docx):
    section = docx.sections[0]
    assert section.page_width.mm == pytest.approx(210, abs=MM)
    assert section.page_height.mm == pytest.approx(297, abs=MM)
    assert section.top_margin.mm == pytest.approx(37, abs=MM)
    assert section.left_margin.mm == pytest.approx(28, abs=MM)
    assert section.bottom_margin.mm == pytest.approx(35, abs=MM)
    assert section.right_margin.mm == pytest.approx(26, abs=MM)
    type_width = section.page_width.mm - section.left_margin.mm - section.right_margin.mm
    type_height = section.page_height.mm - section.top_margin.mm - section.bottom_margin.mm
    assert type_width == pytest.approx(156, abs=MM)
    assert type_height == pytest.approx(225, abs=MM)
    # 22 lines of 28 characters: the document grid.
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    pitch = int(grid.get(qn("w:linePitch"))) / 20
    assert 22 * pitch <= 225 / 25.4 * 72 < 23 * pitch
    char_pitch = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    assert 28 * char_pitch == pytest.approx(156 / 25.4 * 72, abs=1)


def test_the_title_is_2hao_xiaobiaosong_centred_broken_after_the_period(docx):
    title = docx.paragraphs[0]
    assert title.text == "变电所社区2026年11月\n民族团结进步创建工作报告"
    assert style_value(title, lambda f: f.alignment) == WD_ALIGN_PARAGRAPH.CENTER
    for run in title.runs:
        assert east_asia(run) == "方正小标宋简体"
        assert run.font.size == Pt(22)
    # Where 方正小标宋简体 is not installed, Word takes 宋体.
    fonts = next(p for p in docx.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    table = etree.fromstring(fonts.blob)
    entry = next(f for f in table.findall(qn("w:font")) if f.get(qn("w:name")) == "方正小标宋简体")
    assert entry.find(qn("w:altName")).get(qn("w:val")) == "宋体"


def test_every_run_names_its_east_asian_font(docx):
    section = docx.sections[0]
    parts = [docx.element.body, section.footer._element, section.even_page_footer._element]
    runs = [run for part in parts for run in part.iter(qn("w:r"))]
    assert len(runs) > 20
    for run in runs:
        fonts = run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert fonts is not None and fonts.get(qn("w:eastAsia")), etree.tostring(run, encoding="unicode")
    # And the defaults every style starts from.
    normal = docx.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.get(qn("w:asciiTheme")) is None


def test_the_text_is_3hao_fangsong_indented_two_characters_on_a_fixed_line(docx):
    body = paragraph(docx, "变电所社区现有居民")
    assert [east_asia(run) for run in body.runs] == ["仿宋_GB2312"]
    assert body.runs[0].font.size == Pt(16)
    assert style_value(body, lambda f: f.first_line_indent) == Pt(32)
    ind = body.style.element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert style_value(body, lambda f: f.line_spacing_rule) == WD_LINE_SPACING.EXACTLY
    assert 28 <= style_value(body, lambda f: f.line_spacing).pt <= 29


def test_headings_are_heiti_and_table_titles_kaiti(docx):
    headings = [p for p in docx.paragraphs if p.style.name == "一级标题"]
    assert [p.text for p in headings] == ["一、基本情况", "二、工作亮点", "三、存在问题", "四、下步打算"]
    for heading in headings:
        assert [east_asia(run) for run in heading.runs] == ["黑体"]
        assert heading.runs[0].font.size == Pt(16)
    subheadings = [p for p in docx.paragraphs if p.style.name == "二级标题"]
    assert [p.text for p in subheadings] == ["（一）民族构成", "（二）年龄结构"]
    for subheading in subheadings:
        assert [east_asia(run) for run in subheading.runs] == ["楷体_GB2312"]
        assert subheading.runs[0].font.size == Pt(16)


def test_the_figures_are_in_the_text(docx):
    text = "\n".join(p.text for p in docx.paragraphs)
    assert "变电所社区现有居民2户、5人，其中少数民族2人，占40.0%" in text
    assert "有汉族、回族、维吾尔族3个民族" in text
    assert "流动人口1人" in text
    # The staff's 工作亮点, and the numbered points of 存在问题 and 下步打算.
    assert "组织开展“民族团结进步宣传月”活动" in text
    assert "1.一网格、二网格2个网格尚未配备网格员。" in text
    assert "1.完善居民台账，补登户主信息。\n2.推进网格员配备，做到每格有人。" in text


def test_the_figures_are_in_tables_with_a_repeated_header_row(docx):
    ethnicities, ages = docx.tables
    assert [[cell.text for cell in row.cells] for row in ethnicities.rows] == [
        ["民族", "人数", "占比"],
        ["汉族", "3", "60.0%"],
        ["回族", "1", "20.0%"],
        ["维吾尔族", "1", "20.0%"],
    ]
    assert [cell.text for cell in ages.rows[0].cells] == ["年龄段", "人数", "占比"]
    # The ages follow the factories' ID numbers: only their sum is the fixture's.
    assert sum(int(row.cells[1].text) for row in ages.rows[1:]) == 5
    header = ethnicities.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    for cell in header.cells:
        assert [east_asia(run) for run in cell.paragraphs[0].runs] == ["黑体"]
    for cell in ethnicities.rows[1].cells:
        run = cell.paragraphs[0].runs[0]
        assert east_asia(run) == "仿宋_GB2312"
        assert run.font.size == Pt(14)
    borders = ethnicities._tbl.tblPr.find(qn("w:tblBorders"))
    assert {etree.QName(edge).localname for edge in borders} == {
        "top",
        "left",
        "bottom",
        "right",
        "insideH",
        "insideV",
    }


def test_it_is_signed_by_the_unit_and_dated_the_day_it_was_generated(docx, report):
    unit, date = docx.paragraphs[-2:]
    assert unit.text == "变电所社区"
    assert date.text == chinese_date(timezone.localdate(report.latest_version().generated_at))
    assert date.text.startswith("20") and date.text.endswith("日") and "年0" not in date.text
    for line in (unit, date):
        assert style_value(line, lambda f: f.alignment) == WD_ALIGN_PARAGRAPH.RIGHT
        assert [east_asia(run) for run in line.runs] == ["仿宋_GB2312"]
    # The date's first character two to the right of the unit's: the longer date stands 2
    # characters from the right, the unit further in.
    assert date.paragraph_format.right_indent == Pt(32)
    assert unit.paragraph_format.right_indent > date.paragraph_format.right_indent


@pytest.mark.parametrize("which", ["footer", "even_page_footer"])
def test_the_foot_carries_a_page_field_between_dashes_in_4hao_songti(docx, which):
    assert docx.settings.odd_and_even_pages_header_footer
    footer = getattr(docx.sections[0], which)
    (line,) = footer.paragraphs
    xml = line._element
    kinds = [c.get(qn("w:fldCharType")) for c in xml.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]
    assert [t.text for t in xml.iter(qn("w:instrText"))] == [" PAGE "]
    assert line.text == "— 1 —"
    for run in line.runs:
        assert east_asia(run) == "宋体"
        assert run.font.size == Pt(14)
    expected = WD_ALIGN_PARAGRAPH.RIGHT if which == "footer" else WD_ALIGN_PARAGRAPH.LEFT
    assert line.alignment == expected
    # 7 mm under the type area: the footer's 14 pt line ends this far above the edge.
    section = docx.sections[0]
    assert section.footer_distance.mm + Pt(14).mm == pytest.approx(35 - 7, abs=MM)


def test_an_older_version_is_exported_as_it_was(tree, report):
    first = report.latest_version()
    household = HouseholdFactory(grid=tree.grid)
    ResidentFactory(household=household, name="新")
    later = generated_report(tree)
    assert later.latest_version().number == 2
    old = Document(io.BytesIO(report_docx(later, first)))
    new = Document(io.BytesIO(report_docx(later, later.latest_version())))
    assert any("现有居民2户、5人" in p.text for p in old.paragraphs)
    assert any("现有居民3户、6人" in p.text for p in new.paragraphs)


def test_a_report_with_nothing_to_say_still_opens(tree):
    report = generated_report(tree, tree.other_community)
    version = ReportVersion.objects.create(report=report, number=9, sections=[], trigger=Trigger.COMMAND)
    document = Document(io.BytesIO(report_docx(report, version)))
    assert document.paragraphs[0].text.startswith("北苑社区2026年11月")
    assert "本报告期暂无可报告的内容。" in [p.text for p in document.paragraphs]
    assert document.core_properties.title == "北苑社区2026年11月民族团结进步创建工作报告"
    assert document.core_properties.author == "北苑社区"
