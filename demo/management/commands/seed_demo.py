"""``manage.py seed_demo [--seed N]``: a realistic demo district with one account per role.

The steps are the modules of ``demo/`` (``demo.steps`` says how they register); they run in
order in one transaction, so the same seed gives the same data and a second run adds nothing.
"""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from faker import Faker

from demo.org import write_accounts_table
from demo.steps import DEFAULT_SEED, DemoContext, discover


class Command(BaseCommand):
    help = (
        "生成演示数据：一个区、两个街道、五个社区及其网格、楼栋、单元、场所，各角色的演示账号，"
        "以及各社区的户、居民和流动人口。可重复运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"随机种子，相同种子生成相同数据（默认 {DEFAULT_SEED}）",
        )

    def handle(self, *args, seed: int, **options):
        started = time.monotonic()
        rng = random.Random(seed)
        fake = Faker("zh_CN")
        fake.seed_instance(rng.getrandbits(64))
        ctx = DemoContext(rng=rng, fake=fake, stdout=self.stdout)
        self.stdout.write(f"生成演示数据（随机种子 {seed}）")
        with transaction.atomic():
            for step in discover():
                self.stdout.write(self.style.MIGRATE_HEADING(f"【{step.title}】"))
                step.run(ctx)
        self.stdout.write(self.style.MIGRATE_HEADING("【演示账号一览】"))
        write_accounts_table(ctx.accounts, self.stdout)
        self.stdout.write(self.style.SUCCESS(f"完成，用时 {time.monotonic() - started:.1f} 秒。"))
