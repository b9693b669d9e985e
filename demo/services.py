"""The demo's service hall: the catalogue (well over a hundred 事项, ``demo.services_data``) and
every community's windows — 变电所社区's thirteen, one of them the 少数民族服务窗口 where the
demo's 窗口人员 sits — written through ``services.actions``. What is there already is left alone."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from services import actions
from services.models import Category, ServiceItem, Window

from .services_data import items
from .steps import DemoContext, Tally, demo_step

LABELS = {str(label): value for value, label in Category.choices}
# letter, name, categories (labels), minority window, languages
WINDOWS = (
    ("A", "综合受理窗口", "", False, "汉语"),
    ("B", "少数民族服务窗口", "民族事务、民政、就业", True, "汉语、维吾尔语、哈萨克语、蒙古语"),
    ("C", "民政救助窗口", "民政", False, "汉语"),
    ("D", "社会保障窗口", "社保", False, "汉语"),
    ("E", "就业服务窗口", "就业", False, "汉语"),
    ("F", "医保服务窗口", "社保", False, "汉语"),
    ("G", "卫生健康窗口", "卫生健康", False, "汉语"),
    ("H", "残疾人服务窗口", "残联", False, "汉语、手语"),
    ("J", "老龄服务窗口", "民政", False, "汉语"),
    ("K", "法律服务窗口", "法律服务", False, "汉语"),
    ("L", "退役军人服务窗口", "民政", False, "汉语"),
    ("M", "流动人口服务窗口", "其他", False, "汉语、维吾尔语"),
    ("N", "诉求受理窗口", "其他", False, "汉语"),
)
SMALL_HALL = ("A", "B", "C", "D", "E")


def seed_catalogue(tally: Tally) -> None:
    known = set(ServiceItem.objects.values_list("name", flat=True))
    for category, name, limit, materials in items():
        if name in known:
            tally.add("服务事项", existing=1)
            continue
        actions.item_create(
            by=None, category=LABELS[category], name=name, time_limit=limit, materials=materials
        )
        tally.add("服务事项", created=1)


def seed_windows(ctx: DemoContext, tally: Tally) -> None:
    clerk = get_user_model().objects.filter(username="clerk").first()
    for community in ctx.org.communities:
        if Window.objects.filter(community=community).exists():
            tally.add("服务窗口", existing=Window.objects.filter(community=community).count())
            continue
        full = community.pk == ctx.org.biandiansuo.pk
        for letter, name, categories, minority, languages in WINDOWS:
            if not full and letter not in SMALL_HALL:
                continue
            actions.window_create(
                by=None,
                community=community,
                letter=letter,
                name=name,
                categories=categories,
                is_minority_window=minority,
                languages=languages,
                clerks=[clerk] if clerk and full and letter in ("A", "B") else [],
            )
            tally.add("服务窗口", created=1)


@demo_step(50, "便民服务：服务事项与窗口")
def services_step(ctx: DemoContext) -> None:
    tally = Tally()
    seed_catalogue(tally)
    seed_windows(ctx, tally)
    tally.write(ctx.stdout)
