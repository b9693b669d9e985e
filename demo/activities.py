"""The demo's activities: for every community a year of activities along the festival calendar
(春节, 元宵, 三八, 端午, 古尔邦节, 那达慕, 中秋, 国庆, the 民族团结进步宣传月 in September) with the
lectures, sports and volunteer days between — about sixty a year, some four thousand
participations drawn from the community's ledger (so about as many minority residents take
part as live there), the publicity figures of each — and a few coming weeks' activities for
the calendar; six teams with members from the ledger and a year of volunteer hours, most
confirmed, a few returned, the newest waiting. Written through ``activities.actions``; a
community with activities (or teams) already is left alone. No photos: they cost more than
they show in a demo."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from random import Random

from django.contrib.auth import get_user_model
from django.utils import timezone

from activities import actions
from activities.models import Activity, ActivityKind, MemberRole, Team, TeamKind, Theme
from grid.models import Place, PlaceKind, Role
from residents.models import LedgerStatus, Resident

from .steps import DemoContext, Tally, demo_step

# Festival days by year (农历 festivals and 古尔邦节 move): (month, day).
FESTIVALS = {
    2025: {"春节": (1, 29), "元宵": (2, 12), "端午": (5, 31), "古尔邦节": (6, 6), "中秋": (10, 6)},
    2026: {"春节": (2, 17), "元宵": (3, 3), "端午": (6, 19), "古尔邦节": (5, 27), "中秋": (9, 25)},
    2027: {"春节": (2, 6), "元宵": (2, 20), "端午": (6, 9), "古尔邦节": (5, 16), "中秋": (9, 15)},
}
FIXED = {"三八": (3, 8), "那达慕": (7, 20), "国庆": (9, 30), "元旦": (12, 31)}

F, P, C, V, S, T = (
    ActivityKind.FESTIVAL,
    ActivityKind.PUBLICITY,
    ActivityKind.CULTURE,
    ActivityKind.VOLUNTEER,
    ActivityKind.FELLOWSHIP,
    ActivityKind.TRAINING,
)
# festival, offset in days, title, kind, theme, attendees (low, high)
FESTIVAL_ACTIVITIES = (
    ("春节", -3, "情浓百家宴·民族团结一家亲", F, Theme.OUR_FESTIVALS, (110, 150)),
    ("春节", -8, "写春联 送祝福", F, Theme.OUR_FESTIVALS, (60, 90)),
    ("元宵", 0, "猜灯谜 闹元宵", F, Theme.OUR_FESTIVALS, (80, 120)),
    ("三八", 0, "巾帼心向党 共筑民族情", S, Theme.ONE_FAMILY, (40, 60)),
    ("端午", -1, "粽香庆端午 邻里一家亲", F, Theme.OUR_FESTIVALS, (90, 130)),
    ("端午", 0, "端午诗会进社区", C, Theme.OUR_FESTIVALS, (40, 70)),
    ("古尔邦节", 0, "民族节日互祝 走访联谊", S, Theme.ONE_FAMILY, (40, 70)),
    ("那达慕", 0, "社区那达慕 民族体育展演", C, Theme.ONE_FAMILY, (80, 120)),
    ("中秋", -1, "月圆中秋 情暖万家", F, Theme.OUR_FESTIVALS, (100, 140)),
    ("中秋", -2, "中秋月饼DIY", F, Theme.OUR_FESTIVALS, (40, 60)),
    ("国庆", 0, "我和我的祖国·国庆文艺汇演", F, Theme.COMMUNITY, (100, 140)),
)
# The 宣传月 (September): day, title, kind, place kind (None: the community's square), attendees
PUBLICITY_MONTH = (
    (3, "民族团结进步宣传月启动仪式", P, None, (80, 110)),
    (8, "铸牢中华民族共同体意识宣讲", P, None, (50, 80)),
    (12, "民族团结进步知识讲座", T, None, (30, 50)),
    (16, "宣讲进宗教活动场所", P, PlaceKind.RELIGIOUS, (30, 50)),
    (20, "民族团结进步展板进小区", P, None, (60, 90)),
    (24, "民族团结进校园", P, PlaceKind.SCHOOL, (50, 80)),
)
# The monthly sports and volunteer days carry no campaign theme (其他): the report names the
# theme most held, and the seeds' communities name 我们的节日.
MONTHLY = (
    (
        C,
        Theme.OTHER,
        ("广场舞展演", "社区书画展", "民族团结趣味运动会", "合唱比赛", "民族服饰展示"),
        (45, 80),
    ),
    (V, Theme.OTHER, ("石榴籽志愿服务日", "关爱独居老人", "楼道清洁志愿行动", "义诊进社区"), (12, 22)),
    (V, Theme.OTHER, ("学雷锋志愿服务", "垃圾分类宣传", "爱心理发"), (10, 20)),
)
EVERY_OTHER_MONTH = (
    (P, Theme.COMMUNITY, ("党的民族政策宣讲", "民族团结故事分享会", "法治宣传进社区"), (40, 70)),
    (T, Theme.LAW, ("民法典讲座", "反诈知识讲座", "健康知识讲座"), (25, 40)),
)
TEAMS = (
    ("石榴籽志愿服务队", TeamKind.VOLUNTEER, (14, 20)),
    ("红色老兵宣讲队", TeamKind.PUBLICITY, (6, 9)),
    ("夕阳红舞蹈队", TeamKind.CULTURE, (12, 18)),
    ("民族团结艺术团", TeamKind.CULTURE, (12, 16)),
    ("巾帼志愿服务队", TeamKind.VOLUNTEER, (10, 14)),
    ("银龄健身队", TeamKind.CULTURE, (10, 15)),
)
SQUARE = "社区文化广场"
PARTNERS = ("区民宗局", "辖区派出所", "社区卫生服务站", "清河门区第二小学", "驻区供电公司", "区文化馆")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


def _plan(rng: Random, start: dt.date, end: dt.date) -> list[tuple]:
    """(day, title, kind, theme, place kind, attendees range) within [start, end]."""
    plan = []
    for year in range(start.year, end.year + 1):
        days = {**{k: dt.date(year, *md) for k, md in FESTIVALS.get(year, {}).items()}}
        days.update({k: dt.date(year, *md) for k, md in FIXED.items()})
        for festival, offset, title, kind, theme, size in FESTIVAL_ACTIVITIES:
            if festival in days:
                plan.append((days[festival] + dt.timedelta(days=offset), title, kind, theme, None, size))
        for day, title, kind, place, size in PUBLICITY_MONTH:
            plan.append((dt.date(year, 9, day), title, kind, Theme.PUBLICITY_MONTH, place, size))
        for month in range(1, 13):
            for index, (kind, theme, titles, size) in enumerate(MONTHLY):
                if index == 2 and month in (1, 2, 7):  # the second volunteer day: not in the cold or the heat
                    continue
                day = dt.date(year, month, rng.randint(5, 26))
                plan.append((day, rng.choice(titles), kind, theme, None, size))
            if month % 2 == 0:
                for kind, theme, titles, size in EVERY_OTHER_MONTH:
                    day = dt.date(year, month, rng.randint(5, 26))
                    plan.append((day, rng.choice(titles), kind, theme, None, size))
        if "元旦" in days:
            plan.append((days["元旦"], "迎新年联欢会", F, Theme.OUR_FESTIVALS, None, (80, 110)))
    return sorted((item for item in plan if start <= item[0] <= end), key=lambda item: item[0])


def _publicity(rng: Random, kind: str, theme: str, people: int) -> dict:
    if kind == P or theme == Theme.PUBLICITY_MONTH:
        return {
            "materials": rng.randint(55, 105),
            "slogans": rng.randint(12, 20),
            "boards": rng.randint(4, 9),
            "reached": people * rng.randint(2, 4),
            "bilingual": rng.random() < 0.5,
        }
    if kind == F:
        return {"materials": rng.randint(0, 20), "slogans": rng.randint(1, 4), "reached": people}
    return {}


def _attendees(rng: Random, residents: list[Resident], size: int, theme: str) -> list[Resident]:
    """``size`` residents, minority residents a little likelier to come (these are their
    festivals and their publicity too); at 民族团结一家亲 and the 宣传月 one of each 民族 living in
    the community is among them (各族群众代表)."""
    chosen: dict[int, Resident] = {}
    if theme in (Theme.ONE_FAMILY, Theme.PUBLICITY_MONTH):
        by_ethnicity: dict[int, list[Resident]] = {}
        for resident in residents:
            by_ethnicity.setdefault(resident.ethnicity_id, []).append(resident)
        for group in by_ethnicity.values():
            pick = rng.choice(group)
            chosen[pick.pk] = pick
    while len(chosen) < size:
        pick = rng.choice(residents)
        if pick.ethnicity.is_minority or rng.random() < 0.8:
            chosen[pick.pk] = pick
    return list(chosen.values())


def _activities(
    rng: Random, community, residents: list[Resident], places, today: dt.date, tally: Tally
) -> None:
    start = today - dt.timedelta(days=365)
    upcoming = today + dt.timedelta(days=42)
    made = 0
    for day, title, kind, theme, place_kind, (low, high) in _plan(rng, start, upcoming):
        place = places.get(place_kind) if place_kind else None
        hour = rng.choice((9, 10, 15, 19)) if kind != V else 9
        size = min(rng.randint(low, high), len(residents))
        others = round(size * rng.uniform(0.15, 0.4))
        partners = "\n".join(rng.sample(PARTNERS, rng.randint(0, 2)))
        activity = actions.activity_create(
            by=None,
            unit=community,
            title=title,
            kind=kind,
            theme=theme,
            starts_at=_at(day, hour),
            ends_at=_at(day, hour + 2),
            place=place,
            place_text="" if place else SQUARE,
            partners=partners,
            description=f"{community.name}组织开展“{title}”活动。",
            others=others if day <= today else 0,
            **_publicity(rng, kind, theme, size + others),
        )
        if day <= today:
            actions.attendance_add(
                by=None, activity=activity, residents=_attendees(rng, residents, size, theme)
            )
        made += 1
    tally.add("活动", created=made)


def _teams(rng: Random, community, residents: list[Resident], tally: Tally) -> None:
    han = [r for r in residents if not r.ethnicity.is_minority]
    minority = [r for r in residents if r.ethnicity.is_minority]
    leader_account = (
        get_user_model()
        .objects.filter(profile__role=Role.GRID_WORKER, profile__org_unit__path__startswith=community.path)
        .order_by("pk")
        .first()
    )
    volunteer_activities = list(
        Activity.objects.filter(
            unit=community, kind=ActivityKind.VOLUNTEER, starts_at__date__lte=timezone.localdate()
        )
    )
    for index, (name, kind, (low, high)) in enumerate(TEAMS):
        size = rng.randint(low, high)
        # 少数民族 members: a couple per team ("6支文体队伍 … 其中有少数民族对象10人").
        chosen = rng.sample(minority, min(len(minority), rng.randint(1, 3))) if minority else []
        chosen += rng.sample(han, min(len(han), size - len(chosen)))
        team = actions.team_create(
            by=None,
            unit=community,
            name=name,
            kind=kind,
            description=f"{community.name}{name}，常年开展文体、宣传和志愿服务活动。",
            leader_account=leader_account if index == 0 else None,
        )
        for position, resident in enumerate(chosen):
            role = (
                MemberRole.LEADER
                if position == 0
                else (MemberRole.DEPUTY if position == 1 else MemberRole.MEMBER)
            )
            actions.member_add(by=None, team=team, resident=resident, role=role)
        tally.add("队伍", created=1)
        if kind != TeamKind.VOLUNTEER:
            continue
        for activity in volunteer_activities:
            for volunteer in rng.sample(chosen, min(len(chosen), rng.randint(4, 8))):
                record = actions.service_enter(
                    by=None,
                    team=team,
                    resident=volunteer,
                    served_on=timezone.localtime(activity.starts_at).date(),
                    hours=Decimal(rng.choice(("2", "2.5", "3", "3.5", "4"))),
                    content=activity.title,
                    activity=activity,
                )
                recent = (timezone.localdate() - record.served_on).days < 14
                roll = rng.random()
                if recent and roll < 0.7:
                    continue  # 待确认
                if roll < 0.04:
                    actions.service_return(
                        by=None, record=record, reason="与活动签到不符，请核实后重新录入。"
                    )
                else:
                    actions.service_confirm(by=None, record=record)
                tally.add("志愿服务记录", created=1)


@demo_step(60, "活动与宣传、队伍与志愿服务（近一年）")
def activities_step(ctx: DemoContext) -> None:
    # A copy of the shared stream: later steps draw what they drew before this one existed.
    rng = Random()
    rng.setstate(ctx.rng.getstate())
    rng.seed(rng.getrandbits(64) ^ 60)
    today = timezone.localdate()
    tally = Tally()
    for community in ctx.org.communities:
        residents = list(
            Resident.objects.filter(household__community=community, status=LedgerStatus.ACTIVE)
            .select_related("ethnicity")
            .order_by("pk")
        )
        if len(residents) < 20:
            continue
        if Activity.objects.filter(unit__path__startswith=community.path).exists():
            tally.add("活动", existing=Activity.objects.filter(unit__path__startswith=community.path).count())
        else:
            places = {
                place.kind: place
                for place in Place.objects.filter(grid__path__startswith=community.path).order_by("-pk")
            }
            _activities(rng, community, residents, places, today, tally)
        if Team.objects.filter(unit__path__startswith=community.path).exists():
            tally.add("队伍", existing=Team.objects.filter(unit__path__startswith=community.path).count())
        else:
            _teams(rng, community, residents, tally)
    tally.write(ctx.stdout)
