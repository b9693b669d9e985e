"""Mediation records for tests: cases made through the actions (numbered as in the product)."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from mediation import actions
from mediation.models import (
    Agreement,
    Case,
    Category,
    ClinicMode,
    ClinicSession,
    Mediator,
    MediatorRole,
)


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


def make_agreement(case: Case, *, by=None, **fields) -> Agreement:
    """The case's 调解协议书, through the action (the case 调解中 or 调解成功)."""
    values = {
        "facts": "楼上住户卫生间防水层老化漏水，殃及楼下住户顶棚。",
        "disputes": "维修费用由谁承担、楼下损失如何赔偿。",
        "responsibilities": "楼上住户对漏水负主要责任；楼下住户未及时告知，负次要责任。",
        "terms": "一、楼上住户于十日内修复防水层。\n二、楼上住户赔偿楼下住户损失人民币800元。",
        "performance_method": "现金一次性支付，修复由楼上住户自行委托",
        "performance_place": "社区调解室",
        "performance_deadline": (case.accepted_on or case.reported_on) + dt.timedelta(days=40),
        "made_on": case.closed_on or case.accepted_on or case.reported_on,
        **fields,
    }
    return actions.agreement_create(by=by, case=case, **values)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def scan_file(name: str = "协议.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def settled_with_agreement(grid, *, resident=None, title: str = "赔偿纠纷") -> dict:
    """A case settled on 20 March 2026 with its agreement signed (the scan uploaded), and its
    first follow-up: the records the agreement's and the visits' pages are about."""
    case = closed(
        make_case(grid, resident=resident, title=title, reported_on=dt.date(2026, 3, 2)),
        "succeeded",
        on=dt.date(2026, 3, 20),
    )
    agreement = make_agreement(case, made_on=dt.date(2026, 3, 20))
    actions.agreement_sign(by=None, agreement=agreement, scan=scan_file(), signed_on=dt.date(2026, 3, 21))
    return {"settled": case, "followup": case.followups.order_by("due_on").first()}
