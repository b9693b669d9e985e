"""Writes to the mediation records. Every change goes through here, leaves its ``core.Change``
(a party's or a session's filed under its case too) and moves statuses with
``core.transitions.transition``: a move the table does not allow, or that the person may not
make, is refused with a Chinese message and changes nothing.

The file number （2026）变电所人调字第31号 comes from ``CaseCounter``, one row per community and
year, raised by one ``UPDATE … SET last = last + 1`` under the row's lock, so two cases
registered at the same moment never get the same number (and the unique constraint on
(community, year, number) would refuse it if they did).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core import history
from core.history import as_text, snapshot
from core.transitions import TransitionRefused, transition
from grid.models import OrgLevel, OrgUnit
from grid.scope import scope_queryset, unit_in_scope
from residents.models import Resident

from .models import (
    CLOSED,
    COUNSEL_ROLES,
    OPEN,
    OUTCOMES,
    Agreement,
    Case,
    CaseAction,
    CaseCounter,
    CaseStatus,
    ClinicSession,
    Department,
    Escalation,
    FollowUp,
    FollowUpStatus,
    JointDepartment,
    Mediator,
    Party,
    Performance,
    Risk,
    Session,
    Source,
    joint_labels,
)

CASE_FIELDS = (
    "grid",
    "title",
    "facts",
    "category",
    "source",
    "risk",
    "ethnic_factor",
    "religious_factor",
    "reported_on",
    "clinic_session",
)
PARTY_FIELDS = ("resident", "name", "ethnicity", "phone", "side")


def short_name(community: OrgUnit) -> str:
    """变电所社区 → 变电所: how the file number names the community."""
    name = community.name
    return name[: -len("社区")] if name.endswith("社区") and len(name) > 2 else name


def file_number(community: OrgUnit, year: int, number: int) -> str:
    return f"（{year}）{short_name(community)}人调字第{number}号"


def next_number(community: OrgUnit, year: int) -> int:
    """The community's next file number in ``year``; call inside a transaction."""
    counter, _ = CaseCounter.objects.get_or_create(community=community, year=year)
    CaseCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    return CaseCounter.objects.values_list("last", flat=True).get(pk=counter.pk)


def deadline_for(case: Case, accepted_on: dt.date) -> dt.date:
    """One month from acceptance (MEDIATION_DEADLINE_DAYS); 重大 cases less (…_MAJOR_…)."""
    days = (
        settings.MEDIATION_MAJOR_DEADLINE_DAYS
        if case.risk == Risk.MAJOR
        else settings.MEDIATION_DEADLINE_DAYS
    )
    return accepted_on + dt.timedelta(days=days)


def _community_of(grid: OrgUnit) -> OrgUnit:
    if grid.level != OrgLevel.GRID:
        raise ValidationError({"grid": "案件只能登记在网格下。"})
    community = OrgUnit.objects.get_parent(grid)
    if community is None or community.level != OrgLevel.COMMUNITY:
        raise ValidationError({"grid": "该网格不在任何社区之下。"})
    return community


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _record(*, by, case: Case, action: str, changes: dict) -> None:
    history.record(instance=case, action=action, changes=changes, by=by)


def _check_party(by, fields: dict[str, Any]) -> dict[str, Any]:
    """A party is a resident in the person's scope, or an outsider with a name."""
    fields = dict(fields)
    resident = fields.get("resident")
    if resident is not None:
        if by is not None and not scope_queryset(by, Resident).filter(pk=resident.pk).exists():
            raise ValidationError({"resident": "所选居民不在您的管辖范围内。"})
        fields["name"] = resident.name
        fields["ethnicity"] = resident.ethnicity
        if not fields.get("phone"):
            fields["phone"] = resident.phone
    elif not (fields.get("name") or "").strip():
        raise ValidationError({"name": "请填写当事人姓名，或从台账中选择居民。"})
    return fields


def _add_party(*, by, case: Case, fields: dict[str, Any]) -> Party:
    unknown = set(fields) - set(PARTY_FIELDS)
    if unknown:
        raise TypeError(f"Party has no field(s): {', '.join(sorted(unknown))}")
    party = Party(case=case, **_check_party(by, fields))
    party.full_clean()
    party.save()
    history.record(
        instance=party, parent=case, action=history.CREATE, changes=snapshot(party, PARTY_FIELDS), by=by
    )
    return party


@transaction.atomic
def case_create(*, by, grid: OrgUnit, parties: list[dict[str, Any]], **fields: Any) -> Case:
    """Register (登记) a dispute in ``grid`` with its parties (each a dict of PARTY_FIELDS)."""
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"Case has no field(s): {', '.join(sorted(unknown))}")
    if by is not None and not unit_in_scope(by, grid):
        raise ValidationError({"grid": "所选网格不在您的管辖范围内。"})
    if not parties:
        raise ValidationError("请至少填写一名当事人。")
    community = _community_of(grid)
    if fields.get("clinic_session") is not None:
        _check_clinic_source(by, community, fields)
    fields.setdefault("reported_on", timezone.localdate())
    year = fields["reported_on"].year
    number = next_number(community, year)
    case = Case(
        grid=grid,
        community=community,
        year=year,
        number=number,
        file_number=file_number(community, year, number),
        reported_by=by if getattr(by, "pk", None) else None,
        **fields,
    )
    case.full_clean()
    case.save()
    _record(by=by, case=case, action=history.CREATE, changes=snapshot(case, ("file_number", *CASE_FIELDS)))
    for party in parties:
        _add_party(by=by, case=case, fields=party)
    return case


def _check_clinic_source(by, community: OrgUnit, fields: dict[str, Any]) -> None:
    """A case found at a legal-clinic sitting: the sitting is the case's community's, in the
    person's scope, and the case's source is 法律诊所."""
    clinic = fields["clinic_session"]
    if clinic.community_id != community.pk or (
        by is not None and not scope_queryset(by, ClinicSession).filter(pk=clinic.pk).exists()
    ):
        raise ValidationError({"clinic_session": "所选法律诊所服务不在本社区或不在您的管辖范围内。"})
    fields["source"] = Source.CLINIC


@transaction.atomic
def party_add(*, by, case: Case, **fields: Any) -> Party:
    case = _locked(case)
    return _add_party(by=by, case=case, fields=fields)


@transaction.atomic
def case_accept(*, by, case: Case, on: dt.date | None = None, note: str = "") -> Case:
    """受理: the deadline starts (one month, less for 重大)."""
    case = _locked(case)
    on = on or timezone.localdate()
    if on < case.reported_on:
        raise ValidationError({"on": "受理日期不能早于登记日期。"})
    deadline = deadline_for(case, on)
    transition(case, CaseStatus.ACCEPTED, by=by, note=note, values={"accepted_on": on, "deadline": deadline})
    _record(
        by=by,
        case=case,
        action=CaseAction.ACCEPT,
        changes={"accepted_on": ["", as_text(on)], "deadline": ["", as_text(deadline)]},
    )
    return case


def _close(*, by, case: Case, target: str, action: str, note: str, on: dt.date | None, **values: Any) -> Case:
    case = _locked(case)
    on = on or timezone.localdate()
    if case.accepted_on and on < case.accepted_on:
        raise ValidationError({"on": "结案日期不能早于受理日期。"})
    # A failed case referred or terminated keeps the day mediation ended.
    closed_on = case.closed_on if case.closed_on and target in OUTCOMES else on
    if target == CaseStatus.REJECTED:
        closed_on = on
    started = case.accepted_on or case.reported_on
    values = {
        "closed_on": closed_on,
        "days_to_close": (closed_on - started).days,
        "outcome_note": note.strip()[:500],
        **values,
    }
    old = {name: as_text(getattr(case, name)) for name in values}
    transition(case, target, by=by, note=note, values=values)
    changes = {
        name: [old[name], as_text(value)] for name, value in values.items() if old[name] != as_text(value)
    }
    _record(by=by, case=case, action=action, changes=changes)
    return case


@transaction.atomic
def case_reject(*, by, case: Case, reason: str, on: dt.date | None = None) -> Case:
    """不予受理, with the reason."""
    return _close(by=by, case=case, target=CaseStatus.REJECTED, action=CaseAction.REJECT, note=reason, on=on)


@transaction.atomic
def case_start(*, by, case: Case, note: str = "") -> Case:
    """调解中 (a closed case goes back there only by ``case_reopen``)."""
    case = _locked(case)
    if case.status != CaseStatus.ACCEPTED:
        raise TransitionRefused(
            f"纠纷案件当前为“{case.get_status_display()}”，不能改为“调解中”。", "not_allowed", case.status
        )
    transition(case, CaseStatus.MEDIATING, by=by, note=note)
    _record(by=by, case=case, action=CaseAction.START, changes={})
    return case


@transaction.atomic
def case_succeed(*, by, case: Case, note: str = "", on: dt.date | None = None) -> Case:
    """调解成功: the follow-up visits (回访) of this round fall due (MEDIATION_FOLLOWUP_DAYS)."""
    case = _close(by=by, case=case, target=CaseStatus.SUCCEEDED, action=CaseAction.SUCCEED, note=note, on=on)
    _schedule_followups(by=by, case=case)
    return case


@transaction.atomic
def case_fail(*, by, case: Case, reason: str, on: dt.date | None = None) -> Case:
    """调解不成, with what stood in the way."""
    return _close(by=by, case=case, target=CaseStatus.FAILED, action=CaseAction.FAIL, note=reason, on=on)


@transaction.atomic
def case_refer(*, by, case: Case, department: str, note: str = "", on: dt.date | None = None) -> Case:
    """转办 a failed case to a department (派出所, 司法所, 法院, 信访, 其他)."""
    if department not in Department.values:
        raise ValidationError({"department": "请选择转办部门。"})
    return _close(
        by=by,
        case=case,
        target=CaseStatus.REFERRED,
        action=CaseAction.REFER,
        note=note or f"转{Department(department).label}",
        on=on,
        referred_to=department,
    )


@transaction.atomic
def case_terminate(*, by, case: Case, reason: str, on: dt.date | None = None) -> Case:
    """终止, with the reason (a party withdrew, went to court …)."""
    return _close(
        by=by, case=case, target=CaseStatus.TERMINATED, action=CaseAction.TERMINATE, note=reason, on=on
    )


@transaction.atomic
def case_reopen(*, by, case: Case, reason: str) -> Case:
    """Staff reopen a closed case (recorded as 重新开启): 调解中 again, or 登记 if it was not accepted."""
    case = _locked(case)
    if case.status not in CLOSED:
        raise TransitionRefused(
            f"纠纷案件当前为“{case.get_status_display()}”，未结案，无需重新开启。", "not_allowed", case.status
        )
    return _reopen(by=by, case=case, reason=reason, mover=by)


def _reopen(*, by, case: Case, reason: str, mover) -> Case:
    """Reopen the locked ``case``; ``mover`` makes the move (None: the system, for a visit
    that found the agreement broken). The follow-ups still due are cancelled: the agreement
    they would check is being mediated again."""
    target = CaseStatus.REGISTERED if case.status == CaseStatus.REJECTED else CaseStatus.MEDIATING
    values = {"closed_on": None, "days_to_close": None, "referred_to": "", "outcome_note": ""}
    old = {name: as_text(getattr(case, name)) for name in values}
    transition(case, target, by=mover, note=reason, values=values)
    changes = {name: [old[name], ""] for name in values if old[name]}
    _record(by=by, case=case, action=CaseAction.REOPEN, changes=changes)
    _cancel_followups(by=by, case=case)
    return case


@transaction.atomic
def case_extend(*, by, case: Case, reason: str) -> Case:
    """Extend the deadline once (MEDIATION_EXTENSION_DAYS), with both parties' consent and a reason."""
    if by is not None and not by.has_perm("mediation.change_case"):
        raise ValidationError("您的角色无权延长调解期限。")
    case = _locked(case)
    reason = reason.strip()
    if not case.is_open:
        raise ValidationError(f"案件当前为“{case.get_status_display()}”，不能延长期限。")
    if case.extended:
        raise ValidationError("调解期限只能延长一次，本案已延长过。")
    if not reason:
        raise ValidationError({"reason": "延长期限需要填写理由。"})
    old = case.deadline
    case.deadline = old + dt.timedelta(days=settings.MEDIATION_EXTENSION_DAYS)
    case.extended = True
    case.extension_reason = reason[:200]
    case.save(update_fields=["deadline", "extended", "extension_reason", "updated_at"])
    _record(
        by=by,
        case=case,
        action=CaseAction.EXTEND,
        changes={
            "deadline": [as_text(old), as_text(case.deadline)],
            "extended": ["否", "是"],
            "extension_reason": ["", case.extension_reason],
        },
    )
    return case


@transaction.atomic
def case_assign(*, by, case: Case, mediators: list[Mediator]) -> Case:
    """指派调解员: the case's mediators become ``mediators`` (from the case's community)."""
    if by is not None and not by.has_perm("mediation.change_case"):
        raise ValidationError("您的角色无权指派调解员。")
    case = _locked(case)
    wrong = [m for m in mediators if m.community_id != case.community_id]
    if wrong:
        raise ValidationError({"mediators": "只能指派本社区的调解员。"})
    old = sorted(case.mediators.values_list("pk", flat=True))
    new = sorted(m.pk for m in mediators)
    if old == new:
        return case
    case.mediators.set(mediators)
    _record(
        by=by,
        case=case,
        action=CaseAction.ASSIGN,
        changes={"mediators": [", ".join(map(str, old)), ", ".join(map(str, new))]},
    )
    return case


@transaction.atomic
def session_create(
    *,
    by,
    case: Case,
    held_on: dt.date,
    place: str,
    notes: str,
    mediators: list[Mediator] = (),
    parties: list[Party] = (),
) -> Session:
    """调解记录 of a case being mediated (受理 or 调解中; a session on an accepted case starts it)."""
    if by is not None and not by.has_perm("mediation.add_session"):
        raise ValidationError("您的角色无权记录调解。")
    case = _locked(case)
    if case.status not in (CaseStatus.ACCEPTED, CaseStatus.MEDIATING):
        raise ValidationError(f"案件当前为“{case.get_status_display()}”，不能记录调解。")
    if case.accepted_on and held_on < case.accepted_on:
        raise ValidationError({"held_on": "调解日期不能早于受理日期。"})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "调解日期不能晚于今天。"})
    if any(p.case_id != case.pk for p in parties):
        raise ValidationError({"parties": "只能选择本案的当事人。"})
    if any(m.community_id != case.community_id for m in mediators):
        raise ValidationError({"mediators": "只能选择本社区的调解员。"})
    if case.status == CaseStatus.ACCEPTED:
        transition(case, CaseStatus.MEDIATING, by=by, note="首次调解")
        _record(by=by, case=case, action=CaseAction.START, changes={})
    session = Session(
        case=case,
        held_on=held_on,
        place=place,
        notes=notes,
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    session.full_clean()
    session.save()
    session.mediators.set(mediators)
    session.parties.set(parties)
    history.record(
        instance=session,
        parent=case,
        action=history.CREATE,
        changes=snapshot(session, ("held_on", "place", "notes")),
        by=by,
    )
    return session


def repeats(case: Case, days: int | None = None):
    """Other cases sharing a party with ``case`` within ``MEDIATION_REPEAT_DAYS`` (重复纠纷)."""
    return Case.objects.repeats_of(case, settings.MEDIATION_REPEAT_DAYS if days is None else days)


def escalation_candidates(day: dt.date):
    """The cases still being handled (登记, 受理, 调解中) that are overdue on ``day`` or a
    repeat dispute, each with ``repeat_flag``: what ``cases_escalate`` raises."""
    return (
        Case.objects.exclude(status__in=CLOSED)
        .filter(reported_on__lte=day)
        .with_repeat()
        .filter(Q(status__in=OPEN, deadline__lt=day) | Q(repeat_flag=True))
    )


@transaction.atomic
def cases_escalate(*, day: dt.date, by=None) -> list[Escalation]:
    """升级预警 for ``day``: one ``Escalation`` per flagged case overdue or a repeat on that
    day, filed under its case's history (and so in the audit log). Run again for the same
    day it writes nothing: a case has one row per day, and the unique constraint keeps
    two runs at once from writing it twice (``get_or_create`` then finds the other's)."""
    done = set(Escalation.objects.filter(day=day).values_list("case_id", flat=True))
    made = []
    for case in escalation_candidates(day).order_by("pk"):
        if case.pk in done:
            continue
        overdue = case.status in OPEN and case.deadline is not None and case.deadline < day
        escalation, created = Escalation.objects.get_or_create(
            case=case, day=day, defaults={"overdue": overdue, "repeat": bool(case.repeat_flag)}
        )
        if not created:  # another run of the same day wrote it first
            continue
        history.record(
            instance=escalation,
            parent=case,
            action=history.CREATE,
            changes={"day": ["", as_text(day)], "reasons": ["", "、".join(escalation.reasons)]},
            by=by,
        )
        made.append(escalation)
    return made


MEDIATOR_FIELDS = ("resident", "name", "phone", "role", "organisation", "active", "user")


def _check_mediator_user(by, community: OrgUnit, user) -> None:
    """A mediator's account is someone working in the mediator's community (or a grid of it)."""
    if user is None:
        return
    unit = getattr(getattr(user, "profile", None), "org_unit", None)
    if unit is None or not unit.path.startswith(community.path):
        raise ValidationError({"user": "所选账号不在该调解员所在社区。"})
    if by is not None and not unit_in_scope(by, unit):
        raise ValidationError({"user": "所选账号不在您的管辖范围内。"})


@transaction.atomic
def mediator_create(*, by, community: OrgUnit, teams=(), **fields: Any) -> Mediator:
    """A mediator on the community's roster (the admin keeps it)."""
    if community.level != OrgLevel.COMMUNITY:
        raise ValidationError({"community": "调解员登记在社区下。"})
    if by is not None and not unit_in_scope(by, community):
        raise ValidationError({"community": "所选社区不在您的管辖范围内。"})
    if fields.get("resident") is not None and not fields.get("name"):
        fields["name"] = fields["resident"].name
    _check_mediator_user(by, community, fields.get("user"))
    mediator = Mediator(community=community, **fields)
    mediator.full_clean()
    mediator.save()
    mediator.teams.set([team for team in teams if team.community_id == community.pk])
    history.record(
        instance=mediator, action=history.CREATE, changes=snapshot(mediator, MEDIATOR_FIELDS), by=by
    )
    return mediator


@transaction.atomic
def mediator_update(*, by, mediator: Mediator, teams=None, **fields: Any) -> Mediator:
    current = Mediator.objects.select_for_update().get(pk=mediator.pk)
    if "user" in fields and fields["user"] is not None and fields["user"].pk != current.user_id:
        _check_mediator_user(by, current.community, fields["user"])
    changes = history.diff(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if teams is not None:
        old = sorted(current.teams.values_list("pk", flat=True))
        current.teams.set([team for team in teams if team.community_id == current.community_id])
        new = sorted(current.teams.values_list("pk", flat=True))
        if old != new:
            changes["teams"] = [", ".join(map(str, old)), ", ".join(map(str, new))]
    if changes:
        history.record(instance=current, action=history.UPDATE, changes=changes, by=by)
    return current


# --- 联调 (joint mediation) -------------------------------------------------------------------


@transaction.atomic
def case_mark_joint(*, by, case: Case, departments: list[str]) -> Case:
    """联调: the departments taking part in mediating the case (an empty list: no longer joint)."""
    if by is not None and not by.has_perm("mediation.change_case"):
        raise ValidationError("您的角色无权组织联调。")
    case = _locked(case)
    if case.status in CLOSED:
        raise ValidationError(f"案件当前为“{case.get_status_display()}”，已结案，不能组织联调。")
    unknown = set(departments) - set(JointDepartment.values)
    if unknown:
        raise ValidationError({"departments": "请从列出的部门中选择联调部门。"})
    # Stored in the choices' order: the same set always reads the same.
    new = [value for value in JointDepartment.values if value in set(departments)]
    old = list(case.joint_departments or [])
    if new == old:
        return case
    case.joint_departments = new
    case.save(update_fields=["joint_departments", "updated_at"])
    changes = {"joint_departments": ["、".join(joint_labels(old)), "、".join(joint_labels(new))]}
    _record(by=by, case=case, action=CaseAction.JOINT, changes=changes)
    return case


# --- 法律诊所 (legal clinic) ---------------------------------------------------------------------

CLINIC_FIELDS = (
    "grid",
    "mode",
    "held_on",
    "place",
    "counsel",
    "counsel_name",
    "counsel_organisation",
    "served",
    "minority_served",
    "topics",
)


def _check_clinic(by, clinic: ClinicSession) -> None:
    if by is not None and not by.has_perm("mediation.add_clinicsession"):
        raise ValidationError("您的角色无权登记法律诊所服务。")
    if clinic.community.level != OrgLevel.COMMUNITY:
        raise ValidationError({"community": "法律诊所服务登记在社区下。"})
    if by is not None and not unit_in_scope(by, clinic.community):
        raise ValidationError({"community": "所选社区不在您的管辖范围内。"})
    if clinic.grid_id and not clinic.grid.path.startswith(clinic.community.path):
        raise ValidationError({"grid": "所选网格不在该社区。"})
    if clinic.counsel_id:
        if clinic.counsel.community_id != clinic.community_id:
            raise ValidationError({"counsel": "只能选择本社区名册上的律师或法律顾问。"})
        if clinic.counsel.role not in COUNSEL_ROLES:
            raise ValidationError({"counsel": "所选调解员不是律师或法律顾问。"})
        # The roster is the record of who they are; a typed name would only disagree with it.
        clinic.counsel_name = clinic.counsel.name
        clinic.counsel_organisation = clinic.counsel.organisation
    if clinic.held_on and clinic.held_on > timezone.localdate():
        raise ValidationError({"held_on": "日期不能晚于今天。"})


@transaction.atomic
def clinic_session_create(*, by, community: OrgUnit, **fields: Any) -> ClinicSession:
    """登记 a legal-clinic sitting (法律诊所服务) of ``community``."""
    unknown = set(fields) - set(CLINIC_FIELDS)
    if unknown:
        raise TypeError(f"ClinicSession has no field(s): {', '.join(sorted(unknown))}")
    clinic = ClinicSession(community=community, recorded_by=by if getattr(by, "pk", None) else None, **fields)
    _check_clinic(by, clinic)
    clinic.full_clean()
    clinic.save()
    history.record(instance=clinic, action=history.CREATE, changes=snapshot(clinic, CLINIC_FIELDS), by=by)
    return clinic


@transaction.atomic
def clinic_session_update(*, by, clinic: ClinicSession, **fields: Any) -> ClinicSession:
    unknown = set(fields) - set(CLINIC_FIELDS)
    if unknown:
        raise TypeError(f"ClinicSession has no field(s): {', '.join(sorted(unknown))}")
    current = ClinicSession.objects.select_for_update().get(pk=clinic.pk)
    before = {name: getattr(current, current._meta.get_field(name).attname) for name in CLINIC_FIELDS}
    for name, value in fields.items():
        setattr(current, name, value)
    _check_clinic(by, current)
    current.full_clean()
    after = {name: getattr(current, current._meta.get_field(name).attname) for name in CLINIC_FIELDS}
    changes = history.diff_values(before, after)
    if not changes:
        return current
    current.save()
    history.record(instance=current, action=history.UPDATE, changes=changes, by=by)
    return current


# --- 调解协议书 ------------------------------------------------------------------------------

AGREEMENT_FIELDS = (
    "facts",
    "disputes",
    "responsibilities",
    "terms",
    "performance_method",
    "performance_place",
    "performance_deadline",
    "made_on",
)
# An agreement is drafted in the last sittings and signed when the case succeeds.
AGREEMENT_STATUSES = (CaseStatus.MEDIATING, CaseStatus.SUCCEEDED)
# The formats a signed scan may come in, by what the file's first bytes say it is.
SCAN_TYPES = {"pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",)}
SCAN_EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpg", ".jpeg": "jpg"}
SCAN_CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


def _check_agreement(case: Case, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(AGREEMENT_FIELDS)
    if unknown:
        raise TypeError(f"Agreement has no field(s): {', '.join(sorted(unknown))}")
    if case.status not in AGREEMENT_STATUSES:
        raise ValidationError(
            f"案件当前为“{case.get_status_display()}”，调解中或调解成功的案件才能制作调解协议书。"
        )
    made_on = fields.get("made_on")
    if made_on and case.accepted_on and made_on < case.accepted_on:
        raise ValidationError({"made_on": "协议日期不能早于受理日期。"})
    if made_on and made_on > timezone.localdate():
        raise ValidationError({"made_on": "协议日期不能晚于今天。"})
    deadline = fields.get("performance_deadline")
    if deadline and made_on and deadline < made_on:
        raise ValidationError({"performance_deadline": "履行期限不能早于协议日期。"})


def _may(by, permission: str, message: str) -> None:
    if by is not None and not by.has_perm(permission):
        raise ValidationError(message)


@transaction.atomic
def agreement_create(*, by, case: Case, **fields: Any) -> Agreement:
    """制作调解协议书 for a case being mediated or just settled (one per case)."""
    _may(by, "mediation.add_agreement", "您的角色无权制作调解协议书。")
    case = _locked(case)
    if Agreement.objects.filter(case=case).exists():
        raise ValidationError("本案已有调解协议书，请修改原协议。")
    fields.setdefault("made_on", timezone.localdate())
    _check_agreement(case, fields)
    agreement = Agreement(case=case, created_by=by if getattr(by, "pk", None) else None, **fields)
    agreement.full_clean()
    agreement.save()
    history.record(
        instance=agreement,
        parent=case,
        action=history.CREATE,
        changes=snapshot(agreement, AGREEMENT_FIELDS),
        by=by,
    )
    return agreement


@transaction.atomic
def agreement_update(*, by, agreement: Agreement, **fields: Any) -> Agreement:
    """Change the agreement's text. A signed one only after the case was reopened: what was
    signed then no longer holds, so the signature (date and scan) goes and it is signed anew."""
    _may(by, "mediation.change_agreement", "您的角色无权修改调解协议书。")
    case = _locked(agreement.case)
    current = Agreement.objects.select_for_update().get(pk=agreement.pk)
    merged = {name: getattr(current, name) for name in AGREEMENT_FIELDS} | fields
    _check_agreement(case, merged)
    if current.signed_on and case.status != CaseStatus.MEDIATING:
        raise ValidationError("调解协议书已签署，不能修改；协议未履行需重新调解的，请先重新开启案件。")
    changes = history.diff(current, fields)
    if not changes:
        return current
    for name, value in fields.items():
        setattr(current, name, value)
    old_scan = current.scan.name if current.signed_on else ""
    if current.signed_on:
        changes["signed_on"] = [as_text(current.signed_on), ""]
        changes["scan"] = ["已上传", ""]
        current.signed_on, current.scan, current.scan_type = None, "", ""
    current.full_clean()
    current.save()
    if old_scan:
        storage = current.scan.storage
        transaction.on_commit(lambda: storage.delete(old_scan))
    history.record(instance=current, parent=case, action=history.UPDATE, changes=changes, by=by)
    return current


def scan_kind(upload) -> str:
    """What format the uploaded scan is (pdf, jpg, png), refused with the reason otherwise:
    its name's extension and its first bytes must agree; its size is capped."""
    limit = settings.MEDIATION_SCAN_MAX_MB
    if upload is None:
        raise ValidationError({"scan": "请选择签署后的协议书扫描件。"})
    if upload.size == 0:
        raise ValidationError({"scan": "上传的文件是空的。"})
    if upload.size > limit * 1024 * 1024:
        raise ValidationError({"scan": f"扫描件不能超过 {limit} MB，请压缩后再上传。"})
    kind = SCAN_EXTENSIONS.get(Path(upload.name or "").suffix.lower())
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if kind is None or not head.startswith(SCAN_TYPES[kind]):
        raise ValidationError(
            {"scan": "扫描件须为 PDF、JPG 或 PNG 格式（文件内容与扩展名相符），请重新选择。"}
        )
    return kind


@transaction.atomic
def agreement_sign(*, by, agreement: Agreement, scan, signed_on: dt.date) -> Agreement:
    """The signed agreement's scan, uploaded back, and the day it was signed (it takes
    effect then; 司法确认 may be applied for within 30 days of it)."""
    _may(by, "mediation.change_agreement", "您的角色无权上传调解协议书。")
    case = _locked(agreement.case)
    current = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if case.status not in AGREEMENT_STATUSES:
        raise ValidationError(f"案件当前为“{case.get_status_display()}”，不能上传签署的协议书。")
    if signed_on < current.made_on:
        raise ValidationError({"signed_on": "签署日期不能早于协议日期。"})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": "签署日期不能晚于今天。"})
    kind = scan_kind(scan)
    old_scan = current.scan.name
    changes = {
        "signed_on": [as_text(current.signed_on), as_text(signed_on)],
        "scan": ["已上传" if old_scan else "", "已上传"],
    }
    current.signed_on = signed_on
    current.scan_type = kind
    # The name is made up by agreement_scan_path; the uploaded file's own name is not kept.
    current.scan.save(f"scan.{kind}", scan, save=False)
    current.save()
    if old_scan:
        storage = current.scan.storage
        transaction.on_commit(lambda: storage.delete(old_scan))
    history.record(instance=current, parent=case, action=history.UPDATE, changes=changes, by=by)
    return current


# --- 回访 --------------------------------------------------------------------------------------


def _schedule_followups(*, by, case: Case) -> list[FollowUp]:
    """A follow-up for each of MEDIATION_FOLLOWUP_DAYS after the day the case succeeded, as a
    new round (the previous round's visits were done or cancelled when it reopened)."""
    last = FollowUp.objects.filter(case=case).order_by("-round").values_list("round", flat=True).first()
    round_ = (last or 0) + 1
    made = []
    for days in sorted(set(settings.MEDIATION_FOLLOWUP_DAYS)):
        followup = FollowUp.objects.create(
            case=case, round=round_, due_on=case.closed_on + dt.timedelta(days=days)
        )
        history.record(
            instance=followup,
            parent=case,
            action=history.CREATE,
            changes=snapshot(followup, ("round", "due_on")),
            by=by,
        )
        made.append(followup)
    return made


def _cancel_followups(*, by, case: Case) -> int:
    pending = list(FollowUp.objects.select_for_update().filter(case=case, status=FollowUpStatus.DUE))
    for followup in pending:
        FollowUp.objects.filter(pk=followup.pk).update(status=FollowUpStatus.CANCELLED)
        history.record(
            instance=followup,
            parent=case,
            action=history.UPDATE,
            changes={"status": [FollowUpStatus.DUE.label, FollowUpStatus.CANCELLED.label]},
            by=by,
        )
    return len(pending)


BROKEN_REASON = "回访发现调解协议未履行，重新调解"


@transaction.atomic
def followup_record(
    *,
    by,
    followup: FollowUp,
    visited_on: dt.date,
    performance: str,
    note: str = "",
    mediator: Mediator | None = None,
) -> FollowUp:
    """回访: when, by whom, whether the agreement is kept. Found 未履行, the case reopens
    (调解中, recorded as 重新开启 because of the visit) and the round's other visits are
    cancelled; the next success schedules new ones."""
    _may(by, "mediation.change_followup", "您的角色无权记录回访。")
    case = _locked(followup.case)
    current = FollowUp.objects.select_for_update().get(pk=followup.pk)
    note = note.strip()
    if current.status != FollowUpStatus.DUE:
        raise ValidationError(f"这次回访已是“{current.get_status_display()}”，不能再记录。")
    if case.status != CaseStatus.SUCCEEDED:
        raise ValidationError(f"案件当前为“{case.get_status_display()}”，不能记录回访。")
    if performance not in Performance.values:
        raise ValidationError({"performance": "请选择协议履行情况。"})
    if case.closed_on and visited_on < case.closed_on:
        raise ValidationError({"visited_on": "回访日期不能早于结案日期。"})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": "回访日期不能晚于今天。"})
    if mediator is not None and mediator.community_id != case.community_id:
        raise ValidationError({"mediator": "只能选择本社区的调解员。"})
    if performance == Performance.BROKEN and not note:
        raise ValidationError({"note": "协议未履行的，请写明回访了解的情况。"})
    values = {
        "status": FollowUpStatus.DONE,
        "visited_on": visited_on,
        "visited_by": by if getattr(by, "pk", None) else None,
        "mediator": mediator,
        "performance": performance,
        "note": note,
    }
    changes = history.diff(current, values)
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    history.record(instance=current, parent=case, action=history.UPDATE, changes=changes, by=by)
    if performance == Performance.BROKEN:
        # The rule reopens it, not the visitor's role: a mediator may record the visit
        # though only staff reopen by hand. The move is the system's; the history names who.
        _reopen(by=by, case=case, reason=BROKEN_REASON, mover=None)
    return current


@transaction.atomic
def residents_merged(*, by, keep: Resident, duplicate: Resident) -> None:
    """A person registered twice was merged (``residents.actions.resident_merge``): the
    当事人 and 调解员 that named the duplicate name the record kept."""
    history.repoint(
        by=by, rows=Party.objects.all(), field="resident", keep=keep, duplicate=duplicate, parent="case"
    )
    history.repoint(by=by, rows=Mediator.objects.all(), field="resident", keep=keep, duplicate=duplicate)
