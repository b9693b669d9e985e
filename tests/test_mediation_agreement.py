"""调解协议书: drawn up through the actions with history, read back from its Word file with
§29's contents in the official layout, downloaded only in scope (audited as a full-value
export), and its signed scan uploaded back, refused with a message when it is not one."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from docx import Document

from core import history, officialdoc
from core.models import AuditEvent, AuditKind
from mediation import actions
from mediation.agreement_docx import CONFIRMATION, EFFECT, agreement_docx
from mediation.models import Agreement, CaseStatus
from residents.models import Gender
from tests.factories_mediation import PDF, PNG, closed, make_agreement, make_case, make_mediator, scan_file
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def resident(tree):
    home = HouseholdFactory(grid=tree.grid, address="幸福路8号3单元201")
    return ResidentFactory(
        household=home,
        name="马福贵",
        gender=Gender.MALE,
        birth_date=dt.date(1970, 5, 6),
        ethnicity=ethnicity("回族"),
        employment="employed",
        phone="13911112222",
    )


@pytest.fixture
def case(tree, resident):
    made = make_case(
        tree.grid,
        reported_on=timezone.localdate() - dt.timedelta(days=20),
        parties=[
            {"resident": resident, "side": "applicant"},
            {
                "name": "租户小李",
                "ethnicity": ethnicity("汉族"),
                "phone": "13800001111",
                "side": "respondent",
            },
        ],
    )
    actions.case_assign(by=None, case=made, mediators=[make_mediator(tree.community, "古丽调解")])
    return closed(
        made,
        "succeeded",
        on=timezone.localdate() - dt.timedelta(days=10),
        accepted_on=timezone.localdate() - dt.timedelta(days=19),
    )


def _read(agreement: Agreement) -> Document:
    return Document(io.BytesIO(agreement_docx(agreement)))


def _text(document: Document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def test_the_word_file_holds_what_article_29_requires(case):
    agreement = make_agreement(case, performance_deadline=timezone.localdate() + dt.timedelta(days=30))
    document = _read(agreement)
    text = _text(document)
    assert document.paragraphs[0].text == "人民调解协议书"
    assert "（2026）变电所人调字第1号" in text or case.file_number in text
    # The parties' particulars, whole: the resident's from the ledger, the outsider's as given.
    assert "马福贵，男，1970年5月6日出生" in text and "回族" in text and "职业：在业" in text
    assert "住址：幸福路8号3单元201" in text and "13911112222" in text
    assert "租户小李" in text and "汉族" in text and "13800001111" in text
    for heading in ("纠纷主要事实", "争议事项", "各方责任", "协议内容", "履行方式、地点和期限"):
        assert heading in text
    assert "防水层老化漏水" in text and "楼上住户对漏水负主要责任" in text
    assert "二、楼上住户赔偿楼下住户损失人民币800元。" in text
    assert "履行方式：现金一次性支付" in text and "履行地点：社区调解室" in text
    deadline = agreement.performance_deadline
    assert f"履行期限：{deadline.year}年{deadline.month}月{deadline.day}日前" in text
    assert EFFECT in text and CONFIRMATION in text and "30日内" in text and "司法确认" in text
    assert "当事人签名" in text and "调解员（古丽调解）" in text
    assert "变电所社区人民调解委员会（盖章）" in text


def test_the_word_file_is_laid_out_as_an_official_document(case):
    document = _read(make_agreement(case))
    section = document.sections[0]
    for measured, wanted in (
        (section.page_width, officialdoc.PAGE_WIDTH_MM),
        (section.page_height, officialdoc.PAGE_HEIGHT_MM),
        (section.top_margin, officialdoc.TOP_MM),
        (section.bottom_margin, officialdoc.BOTTOM_MM),
        (section.left_margin, officialdoc.LEFT_MM),
        (section.right_margin, officialdoc.RIGHT_MM),
    ):
        assert measured.mm == pytest.approx(wanted, abs=0.1)
    assert document.paragraphs[0].style.name == officialdoc.TITLE
    assert any(p.style.name == officialdoc.HEADING for p in document.paragraphs)
    assert "PAGE" in section.footer._element.xml


def test_the_agreement_is_made_with_its_history(case, staff_user):
    agreement = make_agreement(case, by=staff_user)
    assert agreement.created_by == staff_user
    change = history.of_record(agreement).get(action="create")
    assert change.parent_id == case.pk


def test_one_agreement_per_case(case):
    make_agreement(case)
    with pytest.raises(ValidationError, match="已有调解协议书"):
        make_agreement(case)
    assert Agreement.objects.count() == 1


def test_it_refuses_an_agreement_on_a_case_not_being_mediated(tree):
    case = make_case(tree.grid)
    with pytest.raises(ValidationError, match="调解中或调解成功"):
        make_agreement(case)
    assert not Agreement.objects.exists()


def test_a_performance_deadline_before_the_agreement_is_refused(case):
    with pytest.raises(ValidationError) as error:
        make_agreement(case, performance_deadline=case.closed_on - dt.timedelta(days=1))
    assert "履行期限不能早于协议日期" in str(error.value)


def test_a_signed_agreement_is_changed_only_after_reopening_and_is_signed_anew(
    case, media, django_capture_on_commit_callbacks
):
    agreement = make_agreement(case)
    agreement = actions.agreement_sign(
        by=None, agreement=agreement, scan=scan_file(), signed_on=timezone.localdate()
    )
    stored = agreement.scan.name
    with pytest.raises(ValidationError, match="已签署"):
        actions.agreement_update(by=None, agreement=agreement, terms="改了")
    actions.case_reopen(by=None, case=case, reason="协议需补充")
    with django_capture_on_commit_callbacks(execute=True):
        agreement = actions.agreement_update(by=None, agreement=agreement, terms="一、重新约定。")
    assert agreement.terms == "一、重新约定。"
    assert agreement.signed_on is None and not agreement.scan
    assert not (media / stored).exists()


def test_the_case_page_shows_the_agreement_and_the_confirmation_deadline(client, case, mediator):
    agreement = make_agreement(case)
    actions.agreement_sign(
        by=None, agreement=agreement, scan=scan_file(), signed_on=timezone.localdate() - dt.timedelta(days=2)
    )
    client.force_login(mediator)
    page = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    deadline = timezone.localdate() - dt.timedelta(days=2) + dt.timedelta(days=30)
    assert 'data-testid="agreement"' in page and "楼上住户对漏水负主要责任" in page
    assert reverse("mediation:agreement_docx", args=[case.pk]) in page
    assert reverse("mediation:agreement_scan_file", args=[case.pk]) in page
    assert f"{deadline:%Y-%m-%d}前" in page and "司法确认" in page


def test_the_leader_sees_the_agreement_without_its_files(client, case, leader):
    make_agreement(case)
    client.force_login(leader)
    page = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert "楼上住户对漏水负主要责任" in page
    assert reverse("mediation:agreement_docx", args=[case.pk]) not in page
    assert client.get(reverse("mediation:agreement_docx", args=[case.pk])).status_code == 403


def test_the_mediator_draws_up_the_agreement_on_its_page(client, case, mediator):
    client.force_login(mediator)
    url = reverse("mediation:agreement_edit", args=[case.pk])
    form = client.get(url).content.decode()
    assert "楼上住户卫生间漏水" in form  # the case's facts to start from
    response = client.post(
        url,
        {
            "facts": "漏水",
            "disputes": "费用",
            "responsibilities": "楼上负责",
            "terms": "一、修复。",
            "performance_method": "自行修复",
            "performance_place": "当事人家中",
            "performance_deadline": f"{timezone.localdate() + dt.timedelta(days=10):%Y-%m-%d}",
            "made_on": f"{timezone.localdate():%Y-%m-%d}",
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(case=case)
    assert agreement.created_by == mediator and agreement.terms == "一、修复。"
    client.post(
        url,
        {
            **{f: getattr(agreement, f) for f in ("facts", "disputes", "responsibilities")},
            "terms": "一、修复。\n二、道歉。",
            "performance_method": "自行修复",
            "performance_place": "当事人家中",
            "performance_deadline": f"{agreement.performance_deadline:%Y-%m-%d}",
            "made_on": f"{agreement.made_on:%Y-%m-%d}",
        },
    )
    agreement.refresh_from_db()
    assert agreement.terms == "一、修复。\n二、道歉。"
    assert history.of_record(agreement).filter(action="update").exists()


def test_the_download_is_audited_as_a_full_value_export(client, case, staff_user):
    agreement = make_agreement(case)
    client.force_login(staff_user)
    response = client.get(reverse("mediation:agreement_docx", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "13911112222" in _text(Document(io.BytesIO(response.content)))
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT)
    assert event.object_id == agreement.pk and event.detail == {"format": "docx", "full": True}


def test_no_agreement_no_download(client, case, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("mediation:agreement_docx", args=[case.pk])).status_code == 404


def test_the_signed_scan_is_uploaded_and_downloaded_in_scope(client, case, mediator, media):
    agreement = make_agreement(case)
    client.force_login(mediator)
    response = client.post(
        reverse("mediation:agreement_scan", args=[case.pk]),
        {"scan": scan_file("签字.png", PNG), "signed_on": f"{timezone.localdate():%Y-%m-%d}"},
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.signed_on == timezone.localdate() and agreement.scan_type == "png"
    # A name that tells nothing: no file number, no party, not the uploaded name.
    assert agreement.scan.name.startswith("mediation/agreements/") and "签字" not in agreement.scan.name
    assert len(agreement.scan.name.rsplit("/", 1)[1]) == len("0" * 32 + ".png")
    download = client.get(reverse("mediation:agreement_scan_file", args=[case.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, detail__format="scan").count() == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("协议.exe", PDF),  # a name that is no scan
        ("协议.pdf", b"MZ\x90\x00not a pdf at all"),  # a PDF's name on something else
        ("协议.jpg", PNG),  # a PNG called a JPEG
    ],
)
def test_a_file_that_is_no_scan_is_refused_with_a_message_and_nothing_written(
    client, case, mediator, media, name, content
):
    agreement = make_agreement(case)
    client.force_login(mediator)
    response = client.post(
        reverse("mediation:agreement_scan", args=[case.pk]),
        {"scan": scan_file(name, content), "signed_on": f"{timezone.localdate():%Y-%m-%d}"},
    )
    assert response.status_code == 200
    assert "扫描件须为 PDF、JPG 或 PNG 格式" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.signed_on is None and not agreement.scan
    assert not (media / "mediation").exists()


def test_a_scan_over_the_limit_is_refused(client, case, mediator, media, settings):
    settings.MEDIATION_SCAN_MAX_MB = 1
    make_agreement(case)
    client.force_login(mediator)
    response = client.post(
        reverse("mediation:agreement_scan", args=[case.pk]),
        {
            "scan": scan_file("大.pdf", PDF + b"0" * (1024 * 1024)),
            "signed_on": f"{timezone.localdate():%Y-%m-%d}",
        },
    )
    assert "不能超过 1 MB" in response.content.decode()
    assert not (media / "mediation").exists()


def test_the_action_refuses_a_bad_scan_too(case, media):
    agreement = make_agreement(case)
    with pytest.raises(ValidationError, match="PDF、JPG 或 PNG"):
        actions.agreement_sign(
            by=None, agreement=agreement, scan=scan_file("x.pdf", b"hello"), signed_on=timezone.localdate()
        )
    agreement.refresh_from_db()
    assert agreement.signed_on is None and Agreement.objects.get().case.status == CaseStatus.SUCCEEDED


def test_an_agreement_drafted_while_mediating_stays_with_the_success(tree):
    case = make_case(tree.grid, reported_on=timezone.localdate() - dt.timedelta(days=10))
    case = actions.case_start(
        by=None, case=actions.case_accept(by=None, case=case, on=timezone.localdate() - dt.timedelta(days=9))
    )
    agreement = make_agreement(case, made_on=timezone.localdate() - dt.timedelta(days=1))
    actions.agreement_sign(by=None, agreement=agreement, scan=scan_file(), signed_on=timezone.localdate())
    actions.case_succeed(by=None, case=case, on=timezone.localdate())
    agreement.refresh_from_db()
    assert agreement.case.status == CaseStatus.SUCCEEDED and agreement.signed_on == timezone.localdate()


def test_the_confirmation_reminder_goes_once_the_30_days_are_over(client, case, mediator):
    agreement = make_agreement(case, made_on=case.closed_on)
    actions.agreement_sign(by=None, agreement=agreement, scan=scan_file(), signed_on=case.closed_on)
    Agreement.objects.filter(pk=agreement.pk).update(signed_on=timezone.localdate() - dt.timedelta(days=31))
    client.force_login(mediator)
    page = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert 'data-testid="confirmation"' not in page and "签署" in page
