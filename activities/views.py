"""Activities' pages: the calendar of coming activities, an activity's page where attendance
is recorded quickly (a resident found by name with the ledger's picker, or ticked from one
building's households), its photos served through a scoped view, and the teams with their
members and volunteer hours. Each view checks the role (403), fetches its record through
``grid.scope`` (404 outside scope), then calls an action.

The activities' pages. Each view checks the role (403), fetches its record through
``grid.scope`` (404 outside scope), then calls an action."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import audit, history, registry, transitions
from core.models import AuditKind
from core.periods import Period
from core.views import REFUSED, Crumb, add_action_errors, form_page, posted, require
from grid.scope import get_in_scope_or_404, scope_queryset, user_org_unit
from residents.models import Household

from . import actions, queries
from .forms import (
    ActivityForm,
    AttendForm,
    BuildingForm,
    DecisionForm,
    FinishForm,
    HonourForm,
    MeetingForm,
    MemberForm,
    OthersForm,
    PhotoForm,
    ReasonForm,
    ReopenForm,
    ServiceForm,
    StartForm,
    TeamForm,
    TickForm,
    UnvisitedForm,
    VisitForm,
)
from .models import (
    CONFIRM,
    Activity,
    Attendance,
    Decision,
    DecisionStatus,
    Honour,
    Meeting,
    Membership,
    Photo,
    ServiceRecord,
    ServiceStatus,
    Team,
    Visit,
)

VIEW = "activities.view_activity"
ATTEND = "activities.record_attendance"
TEAMS = "activities.view_team"
CALENDAR_DAYS = 42


def _activities():
    return Activity.objects.select_related("unit", "place")


def _crumbs(activity: Activity | None = None) -> list[Crumb]:
    crumbs = [Crumb("活动与宣传", reverse("activities:activity_list"))]
    if activity is not None:
        crumbs.append(Crumb(activity.title, reverse("activities:activity_detail", args=[activity.pk])))
    return crumbs


# --- the calendar -------------------------------------------------------------------------------


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """近期活动: the activities in scope starting today and in the next six weeks, by day."""
    require(request, VIEW)
    today = timezone.localdate()
    until = today + dt.timedelta(days=CALENDAR_DAYS)
    rows = list(
        scope_queryset(request.user, _activities())
        .filter(starts_at__date__gte=today, starts_at__date__lte=until)
        .order_by("starts_at", "pk")[:200]
    )
    days = [
        (day, list(items))
        for day, items in groupby(rows, key=lambda a: timezone.localtime(a.starts_at).date())
    ]
    context = {"days": days, "today": today, "until": until, "crumbs": [*_crumbs(), Crumb("近期活动")]}
    return render(request, "activities/calendar.html", context)


# --- an activity --------------------------------------------------------------------------------


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    require(request, "activities.add_activity")
    form = ActivityForm(posted(request), user=request.user)
    if form.is_valid():
        try:
            activity = actions.activity_create(
                by=request.user, unit=form.cleaned_data["unit"], **form.activity_fields()
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:activity_detail", activity.pk)
    return form_page(
        request,
        title="登记活动",
        crumbs=_crumbs(),
        cancel_url=reverse("activities:activity_list"),
        form=form,
        note="参与人数、少数民族人数和涉及民族由签到自动统计，无需填写；登记后在活动页面录入签到。",
        submit_label="登记",
    )


@login_required
def activity_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_activity")
    activity = get_in_scope_or_404(request.user, _activities(), pk=pk)
    form = ActivityForm(posted(request), user=request.user, instance=activity)
    if form.is_valid():
        try:
            actions.activity_update(
                by=request.user, activity=activity, unit=form.cleaned_data["unit"], **form.activity_fields()
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:activity_detail", activity.pk)
    return form_page(
        request,
        title="修改活动",
        crumbs=_crumbs(activity),
        cancel_url=reverse("activities:activity_detail", args=[activity.pk]),
        form=form,
    )


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW)
    activity = get_in_scope_or_404(request.user, _activities(), pk=pk)
    return _detail(request, activity)


def _detail(request, activity, *, attend_form=None, others_form=None, status=200) -> HttpResponse:
    user = request.user
    records = user.has_perm(ATTEND)
    attendance = (
        Attendance.objects.filter(activity=activity)
        .select_related("resident__ethnicity", "resident__household__grid")
        .order_by("resident__household__grid__path", "resident__household__number", "resident__name", "pk")
    )
    context = {
        "activity": activity,
        "counts": queries.activity_counts(activity),
        "attendance": attendance,
        "photos": list(activity.photos.all()),
        "records": records,
        "attend_form": attend_form or (AttendForm(user=user) if records else None),
        "building_form": BuildingForm(user=user, activity=activity) if records else None,
        "others_form": others_form or (OthersForm(initial={"others": activity.others}) if records else None),
        "photo_form": PhotoForm() if user.has_perm("activities.add_photo") else None,
        "history": history.page_history(user, activity, masked=True),
        "crumbs": [*_crumbs(), Crumb(activity.title)],
    }
    return render(request, "activities/activity_detail.html", context, status=status)


@login_required
@require_POST
def attend(request: HttpRequest, pk: int) -> HttpResponse:
    """签到 one resident found by name."""
    require(request, ATTEND)
    activity = get_in_scope_or_404(request.user, _activities(), pk=pk)
    form = AttendForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            added = actions.attendance_add(
                by=request.user, activity=activity, residents=[form.cleaned_data["resident"]]
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "已签到。" if added else "该居民已签到。")
            return redirect(reverse("activities:activity_detail", args=[activity.pk]) + "#attendance")
    return _detail(request, activity, attend_form=form, status=400)


@login_required
def attend_building(request: HttpRequest, pk: int) -> HttpResponse:
    """签到 by ticking residents of one building's households: choose the building (GET), tick
    and submit (POST)."""
    require(request, ATTEND)
    activity = get_in_scope_or_404(request.user, _activities(), pk=pk)
    chooser = BuildingForm(request.GET or request.POST or None, user=request.user, activity=activity)
    building = chooser.cleaned_data["building"] if chooser.is_bound and chooser.is_valid() else None
    tick = None
    households = []
    if building is not None:
        tick = TickForm(posted(request), user=request.user, building=building)
        if request.method == "POST" and tick.is_valid():
            try:
                added = actions.attendance_add(
                    by=request.user, activity=activity, residents=tick.cleaned_data["residents"]
                )
            except ValidationError as error:
                add_action_errors(tick, error)
            else:
                messages.success(request, f"已签到{added}人。")
                return redirect(reverse("activities:activity_detail", args=[activity.pk]) + "#attendance")
        there = set(activity.attendance.values_list("resident_id", flat=True))
        residents = tick.fields["residents"].queryset.order_by(
            "household__unit__position", "household__room", "household__number", "relation", "pk"
        )
        for household, people in groupby(residents, key=lambda r: r.household):
            households.append((household, [(r, r.pk in there) for r in people]))
    elif request.method == "POST":
        raise Http404("楼栋不存在或不在您的管辖范围内。")
    context = {
        "activity": activity,
        "chooser": chooser,
        "building": building,
        "tick": tick,
        "households": households,
        "crumbs": [*_crumbs(activity), Crumb("按楼栋签到")],
    }
    return render(request, "activities/attend_building.html", context)


@login_required
@require_POST
def unattend(request: HttpRequest, pk: int) -> HttpResponse:
    """取消签到 of one attendance row."""
    require(request, ATTEND)
    row = get_in_scope_or_404(
        request.user, Attendance.objects.select_related("activity__unit", "resident"), pk=pk
    )
    try:
        actions.attendance_remove(by=request.user, activity=row.activity, resident=row.resident)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return redirect(reverse("activities:activity_detail", args=[row.activity_id]) + "#attendance")


@login_required
@require_POST
def others(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, ATTEND)
    activity = get_in_scope_or_404(request.user, _activities(), pk=pk)
    form = OthersForm(request.POST)
    if form.is_valid():
        try:
            actions.activity_others_set(
                by=request.user, activity=activity, others=form.cleaned_data["others"]
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect(reverse("activities:activity_detail", args=[activity.pk]) + "#attendance")
    return _detail(request, activity, others_form=form, status=400)


# --- photos -------------------------------------------------------------------------------------


@login_required
def photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.add_photo")
    activity = get_in_scope_or_404(request.user, _activities(), pk=pk)
    form = PhotoForm(posted(request), request.FILES or None)
    if form.is_valid():
        try:
            actions.photo_add(
                by=request.user,
                activity=activity,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect(reverse("activities:activity_detail", args=[activity.pk]) + "#photos")
    return form_page(
        request,
        title="上传活动照片",
        crumbs=_crumbs(activity),
        cancel_url=reverse("activities:activity_detail", args=[activity.pk]),
        form=form,
        note="JPG、PNG 等格式的照片；保存时缩小尺寸、生成缩略图，并去除照片中的位置等信息。",
        submit_label="上传",
    )


def _photo_file(request: HttpRequest, pk: int, *, thumbnail: bool) -> FileResponse:
    require(request, VIEW)
    photo = get_in_scope_or_404(request.user, Photo.objects.select_related("activity__unit"), pk=pk)
    field = photo.thumbnail if thumbnail else photo.image
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("照片文件已不存在。") from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def photo_image(request: HttpRequest, pk: int) -> FileResponse:
    return _photo_file(request, pk, thumbnail=False)


@login_required
def photo_thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    return _photo_file(request, pk, thumbnail=True)


@login_required
@require_POST
def photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.delete_photo")
    photo = get_in_scope_or_404(request.user, Photo.objects.select_related("activity__unit"), pk=pk)
    activity_pk = photo.activity_id
    actions.photo_delete(by=request.user, photo=photo)
    return redirect(reverse("activities:activity_detail", args=[activity_pk]) + "#photos")


# --- teams --------------------------------------------------------------------------------------


def _team_crumbs(team: Team | None = None) -> list[Crumb]:
    crumbs = [
        Crumb("活动与宣传", reverse("activities:activity_list")),
        Crumb("队伍", reverse("activities:team_list")),
    ]
    if team is not None:
        crumbs.append(Crumb(team.name, reverse("activities:team_detail", args=[team.pk])))
    return crumbs


def _readable_teams(user):
    """Teams in scope for whoever may read teams; a team leader's own team beside them."""
    own = Team.objects.filter(leader_account=user) if user.is_authenticated else Team.objects.none()
    if user.has_perm(TEAMS):
        return (scope_queryset(user, Team) | own).distinct()
    return own


def _require_teams(request: HttpRequest) -> None:
    if not (request.user.has_perm(TEAMS) or Team.objects.filter(leader_account=request.user).exists()):
        require(request, TEAMS)


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    _require_teams(request)
    today = timezone.localdate()
    teams = list(
        _readable_teams(request.user).select_related("unit", "leader_account").order_by("unit__path", "name")
    )
    numbers = queries.team_numbers(teams, Period.year(today.year))
    context = {
        "rows": [(team, numbers[team.pk]) for team in teams],
        "year": today.year,
        "crumbs": [*_team_crumbs()[:1], Crumb("队伍")],
    }
    return render(request, "activities/team_list.html", context)


@login_required
def team_create(request: HttpRequest) -> HttpResponse:
    require(request, "activities.add_team")
    form = TeamForm(posted(request), user=request.user)
    if form.is_valid():
        try:
            team = actions.team_create(by=request.user, unit=form.cleaned_data["unit"], **form.team_fields())
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:team_detail", team.pk)
    return form_page(
        request,
        title="登记队伍",
        crumbs=_team_crumbs(),
        cancel_url=reverse("activities:team_list"),
        form=form,
        note="队员在队伍页面从台账中选择；少数民族队员人数自动统计。",
        submit_label="登记",
    )


@login_required
def team_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_team")
    team = get_in_scope_or_404(request.user, Team.objects.select_related("unit"), pk=pk)
    form = TeamForm(posted(request), user=request.user, instance=team)
    if form.is_valid():
        try:
            actions.team_update(by=request.user, team=team, **form.team_fields())
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:team_detail", team.pk)
    return form_page(
        request,
        title="修改队伍",
        crumbs=_team_crumbs(team),
        cancel_url=reverse("activities:team_detail", args=[team.pk]),
        form=form,
    )


def _team_or_404(request: HttpRequest, pk: int) -> Team:
    try:
        return _readable_teams(request.user).select_related("unit", "leader_account").get(pk=pk)
    except Team.DoesNotExist:
        raise Http404("记录不存在或不在您的管辖范围内。") from None


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_teams(request)
    team = _team_or_404(request, pk)
    user = request.user
    memberships = team.memberships.select_related(
        "resident__ethnicity", "resident__household__grid"
    ).order_by("role", "resident__name", "pk")
    services = team.services.select_related("resident", "entered_by", "activity").order_by(
        "-served_on", "-pk"
    )[:200]
    today = timezone.localdate()
    numbers = queries.team_numbers([team], Period.year(today.year))[team.pk]
    context = {
        "team": team,
        "memberships": memberships,
        "services": services,
        "numbers": numbers,
        "year": today.year,
        "may_enter": actions.may_enter_hours(user, team),
        "may_confirm": user.has_perm(CONFIRM),
        "may_change": user.has_perm("activities.change_team")
        and scope_queryset(user, Team).filter(pk=team.pk).exists(),
        "member_form": MemberForm(user=user) if user.has_perm("activities.change_team") else None,
        "history": history.page_history(user, team, masked=True),
        "crumbs": [*_team_crumbs()[:2], Crumb(team.name)],
    }
    return render(request, "activities/team_detail.html", context)


@login_required
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_team")
    team = get_in_scope_or_404(request.user, Team.objects.select_related("unit"), pk=pk)
    form = MemberForm(posted(request), user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.member_add(
                by=request.user,
                team=team,
                resident=data["resident"],
                role=data["role"],
                joined_on=data["joined_on"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect(reverse("activities:team_detail", args=[team.pk]) + "#members")
    return form_page(
        request,
        title="添加队员",
        crumbs=_team_crumbs(team),
        cancel_url=reverse("activities:team_detail", args=[team.pk]),
        form=form,
        submit_label="添加",
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_team")
    membership = get_in_scope_or_404(request.user, Membership.objects.select_related("team__unit"), pk=pk)
    team_pk = membership.team_id
    actions.member_remove(by=request.user, membership=membership)
    return redirect(reverse("activities:team_detail", args=[team_pk]) + "#members")


@login_required
def service_enter(request: HttpRequest, pk: int) -> HttpResponse:
    """录入志愿服务时长: staff for any team in scope, a team's leader account for its own."""
    if not Team.objects.filter(leader_account=request.user).exists():
        require(request, "activities.add_servicerecord")
    team = _team_or_404(request, pk)
    if not actions.may_enter_hours(request.user, team):
        audit.record(AuditKind.DENIED, request=request, outcome="denied", path=request.path[:200])
        raise PermissionDenied(REFUSED)
    form = ServiceForm(posted(request), team=team)
    if form.is_valid():
        try:
            actions.service_enter(by=request.user, team=team, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "已录入，待社区工作人员确认后计入服务时长。")
            return redirect(reverse("activities:team_detail", args=[team.pk]) + "#services")
    return form_page(
        request,
        title="录入志愿服务时长",
        crumbs=_team_crumbs(team),
        cancel_url=reverse("activities:team_detail", args=[team.pk]),
        form=form,
        note="录入后为“待确认”，社区工作人员确认后才计入统计。",
        submit_label="录入",
    )


def _service_or_404(request: HttpRequest, pk: int) -> ServiceRecord:
    return get_in_scope_or_404(request.user, ServiceRecord.objects.select_related("team__unit"), pk=pk)


@login_required
@require_POST
def service_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, CONFIRM)
    record = _service_or_404(request, pk)
    try:
        actions.service_confirm(by=request.user, record=record)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return redirect(reverse("activities:team_detail", args=[record.team_id]) + "#services")


@login_required
def service_return(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, CONFIRM)
    record = _service_or_404(request, pk)
    form = ReasonForm(posted(request))
    blocked = (
        "" if record.status == ServiceStatus.PENDING else f"这条记录已是“{record.get_status_display()}”。"
    )
    if not blocked and form.is_valid():
        try:
            actions.service_return(by=request.user, record=record, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect(reverse("activities:team_detail", args=[record.team_id]) + "#services")
    return form_page(
        request,
        title="退回志愿服务记录",
        crumbs=_team_crumbs(record.team),
        cancel_url=reverse("activities:team_detail", args=[record.team_id]),
        form=form,
        blocked=blocked,
        submit_label="退回",
    )


VIEW_VISIT = "activities.view_visit"
VIEW_MEETING = "activities.view_meeting"
VIEW_HONOUR = "activities.view_honour"
UNVISITED_SHOWN = 200


def _fields(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


# 走访慰问 -------------------------------------------------------------------------------------


def _visit_crumbs(visit: Visit | None = None) -> list[Crumb]:
    crumbs = [Crumb("走访慰问", reverse("activities:visit_list"))]
    if visit is not None:
        crumbs.append(Crumb(str(visit), reverse("activities:visit_detail", args=[visit.pk])))
    return crumbs


def _visit_form_page(request, form, *, household=None) -> HttpResponse:
    if form.is_valid():
        household = form.chosen_household()
        try:
            visit = actions.visit_create(
                by=request.user,
                household=household,
                visitors=list(form.cleaned_data.get("visitors") or []),
                **_fields(form, actions.VISIT_FIELDS),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:visit_detail", visit.pk)
    crumbs = _visit_crumbs()
    if household is not None:
        crumbs = [
            Crumb("居民台账", reverse("residents:household_list")),
            Crumb(f"户号 {household.number}", reverse("residents:household_detail", args=[household.pk])),
        ]
    return form_page(
        request,
        title="登记走访慰问" if household is None else f"登记走访慰问 · 户号 {household.number}",
        crumbs=crumbs,
        cancel_url=reverse("activities:visit_list")
        if household is None
        else reverse("residents:household_detail", args=[household.pk]),
        form=form,
        note="走访人可勾选本社区工作人员账号，或填写姓名；慰问金和物资折合金额以元计。",
        submit_label="登记",
    )


@login_required
def visit_create(request: HttpRequest) -> HttpResponse:
    require(request, "activities.add_visit")
    form = VisitForm(posted(request), user=request.user)
    return _visit_form_page(request, form)


@login_required
def household_visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.add_visit")
    household = get_in_scope_or_404(
        request.user, Household.objects.select_related("community", "grid"), pk=pk
    )
    form = VisitForm(posted(request), user=request.user, household=household)
    return _visit_form_page(request, form, household=household)


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_VISIT)
    visit = get_in_scope_or_404(
        request.user, Visit.objects.select_related("household", "grid", "community"), pk=pk
    )
    household_visible = scope_queryset(request.user, Household).filter(pk=visit.household_id).exists()
    context = {
        "visit": visit,
        "visitors": visit.visitor_label(),
        "household_visible": household_visible and request.user.has_perm("residents.view_household"),
        "history": history.page_history(request.user, visit, masked=True),
        "crumbs": [*_visit_crumbs(), Crumb(str(visit))],
    }
    return render(request, "activities/visit_detail.html", context)


@login_required
def visit_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_visit")
    visit = get_in_scope_or_404(request.user, Visit.objects.select_related("household__community"), pk=pk)
    form = VisitForm(posted(request), user=request.user, instance=visit)
    if form.is_valid():
        try:
            actions.visit_update(
                by=request.user,
                visit=visit,
                visitors=list(form.cleaned_data.get("visitors") or []),
                **_fields(form, actions.VISIT_FIELDS),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:visit_detail", visit.pk)
    return form_page(
        request,
        title="修改走访慰问",
        crumbs=_visit_crumbs(visit),
        cancel_url=reverse("activities:visit_detail", args=[visit.pk]),
        form=form,
    )


@login_required
def unvisited(request: HttpRequest) -> HttpResponse:
    """困难户 (低保户, 困难户, 有残疾成员) in the reader's scope that nobody visited in the period."""
    require(request, VIEW_VISIT, "residents.view_household")
    unit = user_org_unit(request.user)
    if unit is None:
        raise Http404("未设置所属单位。")
    form = UnvisitedForm(request.GET or None, user=request.user)
    period, grid = form.chosen()
    rows = scope_queryset(request.user, queries.unvisited_hardship(grid or unit, period))
    context = {
        "form": form,
        "period": period,
        "count": rows.count(),
        "households": list(rows[:UNVISITED_SHOWN]),
        "shown": UNVISITED_SHOWN,
        "crumbs": [*_visit_crumbs(), Crumb("未走访困难户")],
    }
    return render(request, "activities/unvisited.html", context)


# 会议与议定事项 -------------------------------------------------------------------------------


def _meeting_crumbs(meeting: Meeting | None = None) -> list[Crumb]:
    crumbs = [Crumb("会议议事", reverse("activities:meeting_list"))]
    if meeting is not None:
        crumbs.append(Crumb(str(meeting), reverse("activities:meeting_detail", args=[meeting.pk])))
    return crumbs


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    require(request, "activities.add_meeting")
    form = MeetingForm(posted(request), user=request.user)
    if form.is_valid():
        try:
            meeting = actions.meeting_create(
                by=request.user,
                community=form.cleaned_data["community"],
                attendee_users=list(form.cleaned_data.get("attendee_users") or []),
                **_fields(form, actions.MEETING_FIELDS),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:meeting_detail", meeting.pk)
    return form_page(
        request,
        title="登记会议",
        crumbs=_meeting_crumbs(),
        cancel_url=reverse("activities:meeting_list"),
        form=form,
        note="民族团结工作会议、联席会议、3+X联席议事、居民议事会等；登记后在会议页面添加议定事项。",
        submit_label="登记",
    )


@login_required
def meeting_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_meeting")
    meeting = get_in_scope_or_404(request.user, Meeting.objects.select_related("community"), pk=pk)
    form = MeetingForm(posted(request), user=request.user, instance=meeting)
    if form.is_valid():
        try:
            actions.meeting_update(
                by=request.user,
                meeting=meeting,
                attendee_users=list(form.cleaned_data.get("attendee_users") or []),
                **_fields(form, actions.MEETING_FIELDS),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:meeting_detail", meeting.pk)
    return form_page(
        request,
        title="修改会议",
        crumbs=_meeting_crumbs(meeting),
        cancel_url=reverse("activities:meeting_detail", args=[meeting.pk]),
        form=form,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_MEETING)
    meeting = get_in_scope_or_404(request.user, Meeting.objects.select_related("community"), pk=pk)
    decisions = []
    if request.user.has_perm("activities.view_decision"):
        for decision in meeting.decisions.select_related("owner").order_by("due_on", "pk"):
            decision.meeting = meeting
            # Other apps' records about the decision (a 实事 of services), as they allow.
            decision.panels = registry.related_panels_for("activities.Decision", request.user, decision)
            decision.moves = _moves(request.user, decision)
            decisions.append(decision)
    context = {
        "meeting": meeting,
        "attendees": meeting.attendee_label(),
        "decisions": decisions,
        "history": history.page_history(request.user, meeting, masked=True),
        "crumbs": [*_meeting_crumbs(), Crumb(str(meeting))],
    }
    return render(request, "activities/meeting_detail.html", context)


STEPS = {
    "start": (DecisionStatus.DOING, "开始办理", StartForm),
    "finish": (DecisionStatus.DONE, "办结", FinishForm),
    "reopen": (DecisionStatus.DOING, "重新办理", ReopenForm),
}


def _moves(user, decision: Decision) -> list[tuple[str, str]]:
    """The steps the reader may take on the decision now: (url name, label)."""
    table = Decision.transitions
    out = []
    for step, (target, label, _form) in STEPS.items():
        reopening = decision.status == DecisionStatus.DONE
        if (step == "reopen") != reopening:
            continue
        if table.may(user, decision.status, target):
            out.append((f"activities:decision_{step}", label))
    return out


@login_required
def decision_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.add_decision")
    meeting = get_in_scope_or_404(request.user, Meeting.objects.select_related("community"), pk=pk)
    form = DecisionForm(posted(request), user=request.user, meeting=meeting)
    if form.is_valid():
        try:
            actions.decision_add(by=request.user, meeting=meeting, **_fields(form, actions.DECISION_FIELDS))
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:meeting_detail", meeting.pk)
    return form_page(
        request,
        title="添加议定事项",
        crumbs=_meeting_crumbs(meeting),
        cancel_url=reverse("activities:meeting_detail", args=[meeting.pk]),
        form=form,
        note="每项议定事项明确责任人（账号）或责任单位，以及办理期限，跟踪至办结。",
        submit_label="添加",
    )


def _decision_or_404(request, pk: int) -> Decision:
    return get_in_scope_or_404(
        request.user, Decision.objects.select_related("meeting__community", "owner"), pk=pk
    )


@login_required
def decision_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_decision")
    decision = _decision_or_404(request, pk)
    form = DecisionForm(posted(request), user=request.user, meeting=decision.meeting, instance=decision)
    if form.is_valid():
        try:
            actions.decision_update(
                by=request.user, decision=decision, **_fields(form, actions.DECISION_FIELDS)
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:meeting_detail", decision.meeting_id)
    return form_page(
        request,
        title="修改议定事项",
        crumbs=_meeting_crumbs(decision.meeting),
        cancel_url=reverse("activities:meeting_detail", args=[decision.meeting_id]),
        form=form,
    )


@login_required
def decision_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    require(request, "activities.change_decision")
    decision = _decision_or_404(request, pk)
    target, label, form_class = STEPS[step]
    form = form_class(posted(request))
    blocked = ""
    table = Decision.transitions
    if table.move(decision.status, target) is None or (step == "reopen") != (
        decision.status == DecisionStatus.DONE
    ):
        blocked = f"议定事项当前为“{decision.get_status_display()}”，不能{label}。"
    elif form.is_valid():
        try:
            if step == "start":
                actions.decision_start(by=request.user, decision=decision, note=form.cleaned_data["note"])
            elif step == "finish":
                actions.decision_finish(
                    by=request.user,
                    decision=decision,
                    result=form.cleaned_data["result"],
                    on=form.cleaned_data["on"],
                )
            else:
                actions.decision_reopen(
                    by=request.user, decision=decision, reason=form.cleaned_data["reason"]
                )
        except transitions.TransitionRefused as error:
            form.add_error(None, error.messages)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:meeting_detail", decision.meeting_id)
    return form_page(
        request,
        title=f"{label}：{decision}",
        crumbs=_meeting_crumbs(decision.meeting),
        cancel_url=reverse("activities:meeting_detail", args=[decision.meeting_id]),
        form=form,
        blocked=blocked,
        submit_label=label,
    )


# 荣誉 -----------------------------------------------------------------------------------------


def _honour_crumbs(honour: Honour | None = None) -> list[Crumb]:
    crumbs = [Crumb("荣誉", reverse("activities:honour_list"))]
    if honour is not None:
        crumbs.append(Crumb(str(honour), reverse("activities:honour_detail", args=[honour.pk])))
    return crumbs


@login_required
def honour_create(request: HttpRequest) -> HttpResponse:
    require(request, "activities.add_honour")
    form = HonourForm(posted(request), user=request.user)
    if form.is_valid():
        try:
            honour = actions.honour_create(
                by=request.user,
                community=form.cleaned_data["community"],
                **_fields(form, actions.HONOUR_FIELDS),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:honour_detail", honour.pk)
    return form_page(
        request,
        title="登记荣誉",
        crumbs=_honour_crumbs(),
        cancel_url=reverse("activities:honour_list"),
        form=form,
        note="集体荣誉（如民族团结进步先进单位）或个人荣誉（如最美志愿者、最美网格员）。",
        submit_label="登记",
    )


@login_required
def honour_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_honour")
    honour = get_in_scope_or_404(request.user, Honour.objects.select_related("community"), pk=pk)
    form = HonourForm(posted(request), user=request.user, instance=honour)
    if form.is_valid():
        try:
            actions.honour_update(by=request.user, honour=honour, **_fields(form, actions.HONOUR_FIELDS))
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:honour_detail", honour.pk)
    return form_page(
        request,
        title="修改荣誉",
        crumbs=_honour_crumbs(honour),
        cancel_url=reverse("activities:honour_detail", args=[honour.pk]),
        form=form,
    )


@login_required
def honour_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_HONOUR)
    honour = get_in_scope_or_404(request.user, Honour.objects.select_related("community", "resident"), pk=pk)
    context = {
        "honour": honour,
        "history": history.page_history(request.user, honour, masked=True),
        "crumbs": [*_honour_crumbs(), Crumb(str(honour))],
    }
    return render(request, "activities/honour_detail.html", context)
