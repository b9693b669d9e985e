"""帮扶 and 实事 / 微心愿 (services): their moves allowed and refused, 就业援助 from 认定 to
就业, scope on their writes, the figures against a hand-counted fixture, the report's
sentences and 存在问题, a decision becoming a 实事 and the pages that show them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import registry
from core.periods import Period
from core.transitions import TransitionRefused
from services import actions, queries, report
from services.models import Assistance, AssistanceStatus, MatterStatus, PracticalMatter
from tests.factories_mediation import make_case
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity
from tests.factories_services import make_assistance, make_matter

pytestmark = pytest.mark.django_db
D = dt.date
NOVEMBER = Period.month(2026, 11)


@pytest.fixture
def people(tree):
    home = HouseholdFactory(grid=tree.grid, number="101")
    other = HouseholdFactory(grid=tree.other_grid, number="909")
    return {
        "ma": ResidentFactory(household=home, name="马明", relation="head", ethnicity=ethnicity("回族")),
        "wife": ResidentFactory(household=home, name="李芳", relation="spouse"),
        "far": ResidentFactory(household=other, name="张远", relation="head"),
        "home": home,
    }


# --- 帮扶 -------------------------------------------------------------------------------------


def test_employment_help_follows_the_person_from_identification_to_a_job(people, staff_user):
    help_ = make_assistance(people["ma"], by=staff_user, kind="employment", started_on=D(2026, 11, 2))
    assert help_.status == AssistanceStatus.IDENTIFIED and help_.identified_on == D(2026, 11, 2)
    help_ = actions.assistance_start(by=staff_user, assistance=help_)
    help_ = actions.assistance_place(
        by=staff_user, assistance=help_, placement="物业公司保洁岗", on=D(2026, 11, 20)
    )
    help_.refresh_from_db()
    assert (help_.status, help_.placement, help_.placed_on) == (
        AssistanceStatus.PLACED,
        "物业公司保洁岗",
        D(2026, 11, 20),
    )


def test_other_help_starts_being_given_and_completes(people, staff_user):
    help_ = make_assistance(people["ma"], by=staff_user, kind="temporary", amount=Decimal("800"))
    assert help_.status == AssistanceStatus.HELPING and help_.identified_on is None
    actions.assistance_complete(by=staff_user, assistance=help_, note="已发放")
    assert Assistance.objects.get(pk=help_.pk).status == AssistanceStatus.DONE


def test_it_refuses_a_job_for_help_that_is_not_employment(people, staff_user):
    help_ = make_assistance(people["ma"], by=staff_user, kind="medical")
    with pytest.raises(ValidationError):
        actions.assistance_place(by=staff_user, assistance=help_, placement="某公司")
    assert Assistance.objects.get(pk=help_.pk).status == AssistanceStatus.HELPING


def test_it_refuses_to_complete_employment_help_without_a_job(people, staff_user):
    help_ = make_assistance(people["ma"], by=staff_user, kind="employment", started=True)
    with pytest.raises(ValidationError):
        actions.assistance_complete(by=staff_user, assistance=help_)


def test_it_refuses_a_job_before_help_started(people, staff_user):
    help_ = make_assistance(people["ma"], by=staff_user, kind="employment")
    with pytest.raises(TransitionRefused):
        actions.assistance_place(by=staff_user, assistance=help_, placement="某公司")
    assert Assistance.objects.get(pk=help_.pk).status == AssistanceStatus.IDENTIFIED


def test_ending_help_needs_a_reason_and_is_final(people, staff_user):
    help_ = make_assistance(people["ma"], by=staff_user, kind="subsistence")
    with pytest.raises(TransitionRefused):
        actions.assistance_end(by=staff_user, assistance=help_, reason=" ")
    actions.assistance_end(by=staff_user, assistance=help_, reason="迁出本区")
    with pytest.raises(TransitionRefused):
        actions.assistance_complete(by=staff_user, assistance=Assistance.objects.get(pk=help_.pk))


def test_a_grid_worker_may_not_move_help(people, grid_worker):
    help_ = make_assistance(people["ma"], by=grid_worker, kind="temporary")
    with pytest.raises(TransitionRefused):
        actions.assistance_complete(by=grid_worker, assistance=help_)
    assert Assistance.objects.get(pk=help_.pk).status == AssistanceStatus.HELPING


def test_it_refuses_help_for_someone_outside_scope(people, grid_worker):
    with pytest.raises(ValidationError):
        make_assistance(people["far"], by=grid_worker)
    assert not Assistance.objects.exists()


def test_a_whole_household_is_helped_under_its_grid(people, staff_user, tree):
    help_ = actions.assistance_create(
        by=staff_user,
        kind="subsistence",
        household=people["home"],
        started_on=D(2026, 11, 3),
        measures="低保",
    )
    assert (help_.resident, help_.household, help_.unit, help_.community) == (
        None,
        people["home"],
        tree.grid,
        tree.community,
    )


def test_employment_help_is_for_a_person_not_a_household(people, staff_user):
    with pytest.raises(ValidationError):
        actions.assistance_create(
            by=staff_user,
            kind="employment",
            household=people["home"],
            started_on=D(2026, 11, 3),
            measures="x",
        )


def test_each_step_of_help_is_in_its_history(people, staff_user):
    from core.models import Change

    help_ = make_assistance(people["ma"], by=staff_user, kind="employment", started=True)
    actions.assistance_place(by=staff_user, assistance=help_, placement="超市理货员")
    actions_seen = list(
        Change.objects.filter(record_type__model="assistance", record_id=help_.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions_seen == ["create", "start", "place"]


# --- 实事 / 微心愿 ------------------------------------------------------------------------------


def test_a_matter_is_followed_to_done(tree, staff_user):
    matter = make_matter(tree.grid, by=staff_user)
    matter = actions.matter_start(by=staff_user, matter=matter)
    actions.matter_complete(by=staff_user, matter=matter, result="已安装扶手", on=D(2026, 11, 25))
    matter.refresh_from_db()
    assert (matter.status, matter.done_on, matter.result) == (
        MatterStatus.DONE,
        D(2026, 11, 25),
        "已安装扶手",
    )


def test_it_refuses_to_finish_a_matter_without_a_result(tree, staff_user):
    matter = make_matter(tree.grid, by=staff_user)
    with pytest.raises(ValidationError):
        actions.matter_complete(by=staff_user, matter=matter, result="")
    assert PracticalMatter.objects.get(pk=matter.pk).status == MatterStatus.OPEN


def test_a_done_matter_is_not_cancelled(tree, staff_user):
    matter = make_matter(tree.grid, by=staff_user)
    actions.matter_complete(by=staff_user, matter=matter, result="完成", on=D(2026, 11, 25))
    with pytest.raises(TransitionRefused):
        actions.matter_cancel(by=staff_user, matter=PracticalMatter.objects.get(pk=matter.pk), reason="x")


def test_it_refuses_a_due_date_before_it_was_raised(tree, staff_user):
    with pytest.raises(ValidationError):
        make_matter(tree.grid, by=staff_user, raised_on=D(2026, 11, 10), due_on=D(2026, 11, 1))
    assert not PracticalMatter.objects.exists()


def test_beneficiaries_come_from_the_community_and_grow_the_count(tree, people, staff_user):
    matter = make_matter(tree.grid, by=staff_user, beneficiary_count=1)
    actions.matter_add_beneficiary(by=staff_user, matter=matter, resident=people["ma"])
    actions.matter_add_beneficiary(by=staff_user, matter=matter, resident=people["wife"])
    with pytest.raises(ValidationError):
        actions.matter_add_beneficiary(by=staff_user, matter=matter, resident=people["far"])
    matter.refresh_from_db()
    assert matter.beneficiary_count == 2
    assert set(matter.beneficiaries.values_list("name", flat=True)) == {"马明", "李芳"}


def test_a_matter_comes_from_a_record_of_its_community_once(tree, people, staff_user):
    case = make_case(tree.grid, resident=people["ma"], title="议定事项")
    matter = make_matter(tree.grid, by=staff_user, source=case)
    assert (matter.source_type.model, matter.source_id) == ("case", case.pk)
    with pytest.raises(ValidationError):
        make_matter(tree.grid, by=staff_user, source=case)
    elsewhere = make_case(tree.other_grid, title="别处的事项")
    with pytest.raises(ValidationError):
        make_matter(tree.grid, by=staff_user, source=elsewhere)
    assert PracticalMatter.objects.count() == 1


# --- figures ---------------------------------------------------------------------------------


@pytest.fixture
def counted(tree, people, staff_user):
    """Counted by hand for November 2026 in 变电所社区:
    帮扶 begun in November: 就业援助 马明 (identified 11-02, placed 11-20), 临时救助 马明 800 元,
    临时救助 the household 1200 元, 医疗 李芳 300.50 元; one 低保 begun in October (not counted).
    实事: raised in November 3 (one a 微心愿); done in November 2 (the October one, a 微心愿,
    serving 5, and a November one serving 12); one open past its due date 11-15.
    Outside: a 临时救助 in 北苑社区 (another street)."""
    job = make_assistance(people["ma"], by=staff_user, kind="employment", started=True)
    actions.assistance_place(by=staff_user, assistance=job, placement="超市理货员", on=D(2026, 11, 20))
    make_assistance(people["ma"], by=staff_user, kind="temporary", amount=Decimal("800"))
    actions.assistance_create(
        by=staff_user,
        kind="temporary",
        household=people["home"],
        started_on=D(2026, 11, 5),
        measures="火灾后临时救助",
        amount=Decimal("1200"),
    )
    make_assistance(people["wife"], by=staff_user, kind="medical", amount=Decimal("300.50"))
    make_assistance(people["wife"], by=staff_user, kind="subsistence", started_on=D(2026, 10, 8))
    make_assistance(people["far"], kind="temporary", amount=Decimal("999"))

    wish = make_matter(
        tree.grid, kind="wish", raised_on=D(2026, 10, 9), due_on=D(2026, 11, 30), beneficiary_count=5
    )
    actions.matter_complete(by=staff_user, matter=wish, result="已实现", on=D(2026, 11, 3))
    done = make_matter(tree.community, raised_on=D(2026, 11, 4), due_on=D(2026, 11, 30), beneficiary_count=12)
    actions.matter_complete(by=staff_user, matter=done, result="已修好", on=D(2026, 11, 28))
    make_matter(tree.grid, title="更换路灯", raised_on=D(2026, 11, 6), due_on=D(2026, 11, 15))
    make_matter(tree.grid, kind="wish", title="送书上门", raised_on=D(2026, 11, 7), due_on=D(2027, 1, 15))
    make_matter(tree.other_grid, raised_on=D(2026, 11, 7), due_on=D(2026, 11, 8))


def test_assistance_figures_by_kind(tree, counted):
    figures = queries.assistance_figures(tree.community, NOVEMBER, today=D(2026, 12, 1))
    assert figures.by_kind["temporary"] == queries.KindCount(
        records=2, people=1, households=1, amount=Decimal("2000")
    )
    assert figures.by_kind["medical"].amount == Decimal("300.50")
    assert "subsistence" not in figures.by_kind
    assert (figures.total.records, figures.total.amount) == (4, Decimal("2300.50"))
    assert (figures.identified, figures.placed, figures.employment_open) == (1, 1, 0)


def test_matter_figures(tree, counted):
    figures = queries.matter_figures(tree.community, NOVEMBER, today=D(2026, 12, 1))
    assert figures == queries.MatterFigures(
        raised=3, raised_wishes=1, done=2, done_wishes=1, served=17, overdue=1
    )


def test_a_street_adds_its_communities(tree, counted):
    figures = queries.matter_figures(tree.district, NOVEMBER, today=D(2026, 12, 1))
    assert (figures.raised, figures.overdue) == (4, 2)


def test_the_report_says_help_and_matters(tree, counted, settings):
    section = report.services_section(tree.community, NOVEMBER)
    text = "".join(section.paragraphs)
    assert (
        "开展各类帮扶4人次（就业援助1人次、临时救助2人次、医疗1人次），发放帮扶资金2301元，认定就业援助对象1人，帮助1人实现就业。"
        in text
    )
    assert "收集群众“急难愁盼”实事3件，为群众办成实事2件，其中实现微心愿1个，惠及群众17人。" in text
    assert section.figures["matters_done"] == 2


def test_a_large_amount_reads_in_wan(tree, people, staff_user):
    make_assistance(people["ma"], by=staff_user, kind="temporary", amount=Decimal("25000"))
    text = "".join(report.services_section(tree.community, NOVEMBER).paragraphs)
    assert "发放帮扶资金2.5万元" in text


def test_problems_name_overdue_matters(tree, counted):
    problems = report.services_problems(tree.community, NOVEMBER)
    assert "有1件为民实事超过完成时限仍未办结（“更换路灯”等），需督促落实。" in problems


# --- pages -----------------------------------------------------------------------------------


def test_a_resident_page_shows_their_help(client, people, staff_user):
    make_assistance(people["ma"], by=staff_user, kind="medical")
    client.force_login(staff_user)
    page = client.get(reverse("residents:resident_detail", args=[people["ma"].pk])).content.decode()
    assert 'data-testid="resident-assistance"' in page and "医疗" in page


def test_a_decision_panel_offers_to_make_a_matter_then_names_it(tree, people, staff_user, rf):
    case = make_case(tree.grid, resident=people["ma"], title="楼道议事")
    panels = registry.related_panels_for("mediation.Case", staff_user, case)
    assert panels == []  # services registers its panel for activities.Decision only
    from services.panels import decision_matter_panel

    offered = decision_matter_panel(staff_user, case)
    assert offered.context["matter"] is None and "source=mediation.case" in offered.context["create_url"]
    matter = make_matter(tree.grid, by=staff_user, source=case)
    assert decision_matter_panel(staff_user, case).context["matter"] == matter


def test_the_create_page_takes_its_source_from_the_url_in_scope(
    client, tree, people, staff_user, grid_worker
):
    case = make_case(tree.grid2, resident=people["ma"], title="二网格议事")
    url = reverse("services:matter_create") + f"?source=mediation.case:{case.pk}"
    client.force_login(grid_worker)  # 一网格's: the case is in 二网格
    assert client.get(url).status_code == 404
    client.force_login(staff_user)
    response = client.post(
        url,
        {
            "kind": "practical",
            "title": "楼道堆物清理",
            "unit": tree.grid2.pk,
            "origin": "meeting",
            "raised_on": "2026-11-02",
            "owner": "物业",
            "due_on": "2026-12-20",
        },
    )
    assert response.status_code == 302
    matter = PracticalMatter.objects.get()
    assert (matter.source_id, matter.origin) == (case.pk, "meeting")


def test_a_clerk_finishing_help_on_its_page(client, people, staff_user):
    help_ = make_assistance(people["ma"], by=staff_user, kind="employment", started=True)
    client.force_login(staff_user)
    response = client.post(
        reverse("services:assistance_place", args=[help_.pk]), {"placement": "社区公益岗", "on": "2026-11-21"}
    )
    assert response.status_code == 302
    assert Assistance.objects.get(pk=help_.pk).status == AssistanceStatus.PLACED
    page = client.get(reverse("services:assistance_detail", args=[help_.pk])).content.decode()
    assert "社区公益岗" in page and "实现就业" in page
