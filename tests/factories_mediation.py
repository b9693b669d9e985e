"""Mediation records for tests: cases made through the actions (numbered as in the product)."""

from __future__ import annotations

import datetime as dt

from mediation import actions
from mediation.models import Case, Category, ClinicMode, ClinicSession, Mediator, MediatorRole


def make_case(
    grid,
    *,
    by=None,
    parties=None,
    resident=None,
    reported_on: dt.date = dt.date(2026, 3, 2),
    title: str = "楼上漏水纠纷",
    **fields,
) -> Case:
    if parties is None:
        parties = (
            [{"resident": resident, "side": "applicant"}]
            if resident
            else [{"name": "王大妈", "side": "applicant"}]
        )
    return actions.case_create(
        by=by,
        grid=grid,
        parties=parties,
        title=title,
        facts=fields.pop("facts", "楼上住户卫生间漏水，殃及楼下。"),
        category=fields.pop("category", Category.NEIGHBOUR),
        reported_on=reported_on,
        **fields,
    )


def make_mediator(community, name: str = "马调解", **fields) -> Mediator:
    return Mediator.objects.create(
        community=community, name=name, role=fields.pop("role", MediatorRole.FULL_TIME), **fields
    )


def closed(case: Case, outcome: str, *, on: dt.date, accepted_on: dt.date | None = None) -> Case:
    """Take ``case`` (登记) to ``outcome`` as the system, accepted on ``accepted_on``, closed ``on``."""
    case = actions.case_accept(by=None, case=case, on=accepted_on or case.reported_on)
    if outcome == "rejected":
        raise ValueError("reject from 登记")
    case = actions.case_start(by=None, case=case)
    if outcome == "succeeded":
        return actions.case_succeed(by=None, case=case, on=on)
    if outcome == "terminated":
        return actions.case_terminate(by=None, case=case, reason="当事人撤回", on=on)
    case = actions.case_fail(by=None, case=case, reason="双方分歧大", on=on)
    if outcome == "referred":
        return actions.case_refer(by=None, case=case, department="court", on=on)
    return case


def make_clinic(
    community,
    *,
    by=None,
    held_on: dt.date = dt.date(2026, 3, 10),
    mode: str = ClinicMode.DAILY,
    served: int = 10,
    minority_served: int = 3,
    **fields,
) -> ClinicSession:
    """A legal-clinic sitting through the action, counselled by a named lawyer unless ``counsel``."""
    if "counsel" not in fields:
        fields.setdefault("counsel_name", "马律师")
    return actions.clinic_session_create(
        by=by,
        community=community,
        mode=mode,
        held_on=held_on,
        place=fields.pop("place", "社区法律诊所"),
        served=served,
        minority_served=minority_served,
        topics=fields.pop("topics", "婚姻家庭、房屋租赁咨询"),
        **fields,
    )
