"""人民调解协议书 as a Word file for signing, laid out as official documents are (GB/T 9704,
``core.officialdoc``), with what 人民调解法 §29 requires:

- the parties' particulars (姓名, 性别, 出生日期 and age, 民族, 职业, 住址, 联系电话): a ledger
  resident's from the ledger, an outside party's as the case has them, the rest left as
  blanks to be written in at signing. Nothing is masked: this is the paper the parties sign;
- 纠纷主要事实, 争议事项, 各方责任;
- 协议内容, and the 履行方式、地点、期限;
- the clause on its effect (§31) and the reminder of 司法确认 within 30 days (§33);
- the signatures: each party, each mediator, the committee's seal and the date.
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH

from core import officialdoc as doc
from core.officialdoc import BODY, BODY_FACE, HEADING, HEADING_FACE, SIGNATURE, chinese_date

from .models import JUDICIAL_CONFIRMATION_DAYS, Agreement, Party, Side

TITLE = "人民调解协议书"
EFFECT = "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"
CONFIRMATION = (
    f"双方当事人认为有必要的，可以自本协议生效之日起{JUDICIAL_CONFIRMATION_DAYS}日内，"
    "共同向人民法院申请司法确认（《中华人民共和国人民调解法》第三十三条）。"
)
# What a blank to be written in by hand looks like.
BLANK = "＿＿＿＿"


def committee_name(agreement: Agreement) -> str:
    return f"{agreement.case.community.name}人民调解委员会"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def particulars(party: Party, on: dt.date) -> str:
    """One party's particulars as the agreement prints them, whole."""
    resident = party.resident
    parts = [party.name]
    if resident is not None:
        parts.append(resident.get_gender_display())
        parts.append(f"{chinese_date(resident.birth_date)}出生（{resident.age_on(on)}岁）")
        parts.append(resident.ethnicity.name if resident.ethnicity_id else BLANK)
        parts.append(f"职业：{resident.get_employment_display() or BLANK}")
        address = (
            resident.household.address or f"{resident.household.community.name}{resident.household.number}户"
        )
        parts.append(f"住址：{address}")
    else:
        parts.append(f"性别：{BLANK}")
        parts.append(f"出生日期：{BLANK}")
        parts.append(party.ethnicity.name if party.ethnicity_id else f"民族：{BLANK}")
        parts.append(f"职业或工作单位：{BLANK}")
        parts.append(f"住址：{BLANK}")
    parts.append(f"联系电话：{party.phone or BLANK}")
    return f"{party.get_side_display()}：" + "，".join(parts) + "。"


def _properties(document, agreement: Agreement) -> None:
    props = document.core_properties
    props.title = f"{TITLE} {agreement.case.file_number}"
    props.subject = agreement.case.title
    props.author = props.last_modified_by = committee_name(agreement)
    props.keywords = "人民调解;调解协议书"
    props.language = "zh-CN"
    props.created = props.modified = timezone.now().astimezone(dt.UTC)


def _heading(document, text: str) -> None:
    doc.paragraph(document, HEADING, text, HEADING_FACE)


def _body(document, text: str) -> None:
    doc.paragraph(document, BODY, text, BODY_FACE)


def _signature_line(document, text: str) -> None:
    paragraph = doc.paragraph(document, BODY, text, BODY_FACE)
    paragraph.paragraph_format.first_line_indent = None
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT


def agreement_docx(agreement: Agreement) -> bytes:
    """``agreement`` as a .docx file for the parties, the mediators and the committee to sign."""
    case = agreement.case
    parties = list(
        case.parties.select_related(
            "ethnicity", "resident__ethnicity", "resident__household__community"
        ).order_by("side", "pk")
    )
    document = doc.new_document()
    _properties(document, agreement)
    doc.title(document, [TITLE])
    number = document.paragraphs[-1]  # the empty line under the title carries the file number
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraph_format.first_line_indent = None
    doc.run(number, case.file_number, BODY_FACE, doc.BODY_SIZE)

    _heading(document, "一、当事人基本情况")
    for party in parties:
        _body(document, particulars(party, agreement.made_on))
    _heading(document, "二、纠纷主要事实")
    for line in _lines(agreement.facts):
        _body(document, line)
    _heading(document, "三、争议事项")
    for line in _lines(agreement.disputes):
        _body(document, line)
    _heading(document, "四、各方责任")
    for line in _lines(agreement.responsibilities):
        _body(document, line)
    _heading(document, "五、协议内容")
    _body(document, "经人民调解委员会主持调解，当事人自愿达成如下协议：")
    for line in _lines(agreement.terms):
        _body(document, line)
    _heading(document, "六、履行方式、地点和期限")
    _body(document, f"履行方式：{agreement.performance_method}。".replace("。。", "。"))
    _body(document, f"履行地点：{agreement.performance_place}。".replace("。。", "。"))
    _body(document, f"履行期限：{chinese_date(agreement.performance_deadline)}前履行完毕。")
    _heading(document, "七、协议效力")
    _body(document, EFFECT)
    _body(document, CONFIRMATION)
    copies = len(parties) + 1
    _body(
        document,
        f"本协议自各方当事人签名、人民调解员签名并加盖人民调解委员会印章之日起生效。"
        f"本协议一式{copies}份，当事人、人民调解委员会各执一份。",
    )

    document.add_paragraph(style=BODY)  # 正文下空一行
    _signature_line(document, "当事人签名：")
    for party in parties:
        _signature_line(document, f"{Side(party.side).label}（{party.name}）：{BLANK}{BLANK}　　年　月　日")
    mediators = list(case.mediators.all())
    _signature_line(document, "调解员签名：")
    for mediator in mediators or [None]:
        name = f"（{mediator.name}）" if mediator else ""
        _signature_line(document, f"调解员{name}：{BLANK}{BLANK}")
    document.add_paragraph(style=BODY)
    for text in (f"{committee_name(agreement)}（盖章）", chinese_date(agreement.made_on)):
        paragraph = doc.paragraph(document, SIGNATURE, text, BODY_FACE)
        doc.indent_chars(paragraph.paragraph_format, right=2)
    doc.page_numbers(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def filename(agreement: Agreement) -> str:
    """The download's name: the file number, which names no person."""
    return f"人民调解协议书{agreement.case.file_number}.docx"
