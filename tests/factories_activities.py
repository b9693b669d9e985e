"""Activities records for tests, made through the actions."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from activities import actions
from activities.models import Activity, ServiceRecord, Team


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


def make_activity(unit, *, day: dt.date = dt.date(2026, 6, 19), residents=(), **fields) -> Activity:
    fields.setdefault("title", "粽香庆端午")
    fields.setdefault("kind", "festival")
    fields.setdefault("theme", "our_festivals")
    fields.setdefault("place_text", "社区文化广场")
    activity = actions.activity_create(by=None, unit=unit, starts_at=at(day), ends_at=at(day, 11), **fields)
    if residents:
        actions.attendance_add(by=None, activity=activity, residents=residents)
    return activity


def image_bytes(size=(64, 48), fmt="JPEG", color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def photo_upload(name: str = "现场.jpg", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type="image/jpeg")


def make_photo(activity: Activity, **kwargs):
    return actions.photo_add(by=None, activity=activity, upload=photo_upload(**kwargs), caption="活动现场")


def make_team(
    unit, *, name: str = "石榴籽志愿服务队", kind: str = "volunteer", members=(), leader=None, **fields
) -> Team:
    team = actions.team_create(by=None, unit=unit, name=name, kind=kind, **fields)
    if leader is not None:
        actions.member_add(by=None, team=team, resident=leader, role="leader")
    for resident in members:
        actions.member_add(by=None, team=team, resident=resident)
    return team


def make_service(
    team: Team, resident, *, hours: str = "2.0", day: dt.date = dt.date(2026, 6, 19), **fields
) -> ServiceRecord:
    fields.setdefault("content", "端午慰问孤寡老人")
    return actions.service_enter(
        by=None, team=team, resident=resident, served_on=day, hours=Decimal(hours), **fields
    )
