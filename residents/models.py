"""居民台账: the 民族 reference, households (户), residents and floating-population
registrations, and the log of every Excel import. Their changes are kept in ``core.Change``
(``residents.hooks`` registers them)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from core.jobs import Job, Phase
from core.masking import mask_id_number
from core.permissions import model_permissions
from core.transitions import Move, TransitionTable
from grid.models import Building, OrgLevel, OrgUnit, Unit, phone_validator


class Ethnicity(models.Model):
    """民族, with its GB/T 3304 code. Loaded by a migration; aliases serve the importer."""

    code = models.CharField("代码", max_length=2, unique=True)
    name = models.CharField("名称", max_length=20, unique=True)
    is_minority = models.BooleanField("少数民族", default=False)
    aliases = models.JSONField("别称", default=list, blank=True)

    class Meta:
        verbose_name = "民族"
        verbose_name_plural = "民族"
        default_permissions = ()
        permissions = model_permissions("ethnicity", verbose_name)
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class HouseholdKind(models.TextChoices):
    REGISTERED = "registered", "户籍户"
    RESIDENT = "resident", "常住户"
    RENTAL = "rental", "出租户"
    FLOATING = "floating", "流动户"


class HouseholdQuerySet(models.QuerySet):
    def active(self) -> HouseholdQuerySet:
        return self.filter(closed_on__isnull=True)


class Household(models.Model):
    """户: one dwelling's household in a grid, with its 户号 unique within the community."""

    # Kept beside ``grid`` so that 户号 can be unique per community in the database itself.
    # Neither needs an index of its own: the unique (community, number) constraint and the
    # (grid, number) index below lead with them. Nor a database constraint: org units are
    # never deleted (no page does, the admin refuses), so the check could only ever pass,
    # and on an import it cost as much as writing the household. Buildings and units can be
    # deleted in the admin, so those references keep theirs.
    community = models.ForeignKey(
        OrgUnit,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
        db_constraint=False,
    )
    grid = models.ForeignKey(
        OrgUnit,
        verbose_name="网格",
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": OrgLevel.GRID},
        db_index=False,
        db_constraint=False,
    )
    building = models.ForeignKey(
        Building,
        verbose_name="楼栋",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单元", on_delete=models.PROTECT, null=True, blank=True, related_name="households"
    )
    room = models.CharField("门牌/室号", max_length=20, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    number = models.CharField("户号", max_length=40)
    kind = models.CharField(
        "户别", max_length=20, choices=HouseholdKind.choices, default=HouseholdKind.REGISTERED
    )
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    is_dibao = models.BooleanField("低保户", default=False)
    is_hardship = models.BooleanField("困难户", default=False)
    is_empty_nest = models.BooleanField("空巢户", default=False)
    is_elderly_alone = models.BooleanField("独居老人户", default=False)
    landlord_name = models.CharField("房东姓名", max_length=50, blank=True)
    landlord_phone = models.CharField("房东电话", max_length=20, blank=True, validators=[phone_validator])
    closed_on = models.DateField("销户日期", null=True, blank=True, help_text="全户迁出或注销的日期")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "grid"
    FLAG_FIELDS = ("is_dibao", "is_hardship", "is_empty_nest", "is_elderly_alone")
    # What describes a household, beside where it is (grid, building, unit) and which it is
    # (户号): the fields the pages edit and the importer compares.
    DESCRIPTION_FIELDS = ("room", "address", "kind", "phone", *FLAG_FIELDS, "landlord_name", "landlord_phone")

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        default_permissions = ()
        permissions = model_permissions("household", verbose_name)
        ordering = ["grid__path", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "number"], name="household_number_unique_in_community"
            ),
        ]
        indexes = [models.Index(fields=["grid", "number"])]

    def __str__(self) -> str:
        return f"{self.number} {self.address}".strip()

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def flag_labels(self) -> list[str]:
        return [str(self._meta.get_field(f).verbose_name) for f in self.FLAG_FIELDS if getattr(self, f)]

    def head(self) -> Resident | None:
        return self.residents.filter(relation=Relation.HEAD).order_by("status", "pk").first()

    def active_head(self, *, besides: Resident | None = None) -> Resident | None:
        """The 户主 on the ledger (at most one, by constraint), other than ``besides``."""
        heads = self.residents.active().filter(relation=Relation.HEAD)
        if besides is not None and besides.pk:
            heads = heads.exclude(pk=besides.pk)
        return heads.first()


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDPARENT = "grandparent", "(外)祖父母"
    GRANDCHILD = "grandchild", "(外)孙子女"
    SIBLING = "sibling", "兄弟姐妹"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    OTHER_RELATIVE = "other_relative", "其他亲属"
    NON_RELATIVE = "non_relative", "非亲属"


class Gender(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"


class ResidenceStatus(models.TextChoices):
    REGISTERED_PRESENT = "registered_present", "户籍在住"
    REGISTERED_AWAY = "registered_away", "户籍外出"
    NONLOCAL_RESIDENT = "nonlocal_resident", "外来常住"
    FLOATING = "floating", "流动"


class LedgerStatus(models.TextChoices):
    """在册 or gone: nobody is hard-deleted, leaving is a status with a date."""

    ACTIVE = "active", "在册"
    MOVED_OUT = "moved_out", "迁出"
    DECEASED = "deceased", "死亡"
    # The same person registered twice (重复登记): this record was merged into another one
    # (``merged_into``). It never counted: the figures leave it out, on any day.
    MERGED = "merged", "重复登记已合并"


class Departure(models.TextChoices):
    """去向 of someone who moved out (迁出): the figures count moves within and out of the district."""

    WITHIN_DISTRICT = "within_district", "本区其他社区"
    OTHER_DISTRICT = "other_district", "本市其他区县"
    OTHER_CITY = "other_city", "外市"
    ABROAD = "abroad", "境外"


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "cpc", "中共党员"
    CPC_PROBATIONARY = "cpc_probationary", "中共预备党员"
    CYL_MEMBER = "cyl", "共青团员"
    DEMOCRATIC_PARTY = "democratic_party", "民主党派"
    MASSES = "masses", "群众"


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大专"
    SENIOR = "senior", "高中/中专"
    JUNIOR = "junior", "初中"
    PRIMARY = "primary", "小学"
    ILLITERATE = "illiterate", "文盲/半文盲"
    PRESCHOOL = "preschool", "学龄前"


class Employment(models.TextChoices):
    EMPLOYED = "employed", "在业"
    FLEXIBLE = "flexible", "灵活就业"
    UNEMPLOYED = "unemployed", "失业"
    RETIRED = "retired", "退休"
    STUDENT = "student", "学生"
    PRESCHOOL = "preschool", "学龄前"
    OTHER = "other", "其他"


def household_order() -> list:
    """Members as a 户口簿 lists them: 户主, then 配偶, then the rest by relation (in
    ``Relation``'s order) and, within one relation, the eldest first."""
    rank = Case(
        *(When(relation=value, then=Value(i)) for i, value in enumerate(Relation.values)),
        default=Value(len(Relation.values)),
        output_field=models.IntegerField(),
    )
    return [rank, "birth_date", "pk"]


class ResidentQuerySet(models.QuerySet):
    def active(self) -> ResidentQuerySet:
        return self.filter(status=LedgerStatus.ACTIVE)

    def on_ledger_at(self, day: dt.date) -> ResidentQuerySet:
        """Who was on the ledger on ``day``: moved in by then, and not yet gone."""
        arrived = Q(moved_in_on__isnull=True) | Q(moved_in_on__lte=day)
        still_here = Q(status=LedgerStatus.ACTIVE) | Q(status_date__gt=day)
        return self.filter(arrived & still_here).exclude(status=LedgerStatus.MERGED)

    def minority(self) -> ResidentQuerySet:
        return self.filter(ethnicity__is_minority=True)

    def floating(self) -> ResidentQuerySet:
        return self.filter(residence_status=ResidenceStatus.FLOATING)


class Resident(models.Model):
    """居民: one person on the ledger, in one household."""

    # Indexed by (household, status) below; a second single-column index would only slow imports.
    household = models.ForeignKey(
        Household, verbose_name="所在户", on_delete=models.PROTECT, related_name="residents", db_index=False
    )
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices, default=Relation.HEAD)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    # Unique through Meta.constraints, not unique=True, which on PostgreSQL would also build
    # a LIKE index nothing uses, paid for on every row an import writes.
    id_number = models.CharField("身份证号", max_length=18)
    # No index of its own: 56 values, always read together with a subtree's households,
    # and every index is paid for on each of an import's 100,000 inserts. No database
    # constraint either: 民族 is the fixed GB/T 3304 table, written only by its data migration
    # and read-only in the admin, so nothing can remove a row a resident points at, while
    # checking the reference cost an import as much as writing the resident itself.
    ethnicity = models.ForeignKey(
        Ethnicity,
        verbose_name="民族",
        on_delete=models.PROTECT,
        related_name="residents",
        db_index=False,
        db_constraint=False,
    )
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    residence_status = models.CharField(
        "居住状态", max_length=20, choices=ResidenceStatus.choices, default=ResidenceStatus.REGISTERED_PRESENT
    )
    moved_in_on = models.DateField("迁入日期", null=True, blank=True)
    origin = models.CharField("迁入地/籍贯", max_length=100, blank=True)
    political_status = models.CharField(
        "政治面貌", max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    education = models.CharField("文化程度", max_length=20, choices=Education.choices, blank=True)
    employment = models.CharField("就业状况", max_length=20, choices=Employment.choices, blank=True)
    is_dibao = models.BooleanField("低保", default=False)
    is_disabled = models.BooleanField("残疾", default=False)
    is_elderly_alone = models.BooleanField("独居老人", default=False)
    is_empty_nest = models.BooleanField("空巢老人", default=False)
    is_left_behind_child = models.BooleanField("留守儿童", default=False)
    is_entitled = models.BooleanField("优抚对象", default=False)
    languages = models.CharField("使用语言", max_length=100, blank=True, help_text="例如：汉语、蒙古语")
    status = models.CharField(
        "在册状态", max_length=20, choices=LedgerStatus.choices, default=LedgerStatus.ACTIVE
    )
    # For someone on the ledger it is empty, or the day they came back (迁回): a later
    # leaving can't be dated before it.
    status_date = models.DateField("在册状态日期", null=True, blank=True, help_text="迁出、死亡或迁回的日期")
    # What a leaving is recorded with; emptied again by a return (迁回), the history keeps them.
    departure = models.CharField("去向", max_length=20, choices=Departure.choices, blank=True)
    departure_place = models.CharField("迁往地", max_length=100, blank=True)
    leaving_reason = models.CharField("迁出或死亡原因", max_length=100, blank=True)
    # Set only with status "merged": the record this duplicate was merged into.
    merged_into = models.ForeignKey(
        "self", verbose_name="合并到", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "household__grid"
    SPECIAL_GROUP_FIELDS = (
        "is_dibao",
        "is_disabled",
        "is_elderly_alone",
        "is_empty_nest",
        "is_left_behind_child",
        "is_entitled",
    )
    # What describes a person, beside who they are (the ID number, which also fixes gender
    # and birth date) and where they live: the fields the importer compares.
    DESCRIPTION_FIELDS = (
        "relation",
        "name",
        "ethnicity",
        "phone",
        "residence_status",
        "moved_in_on",
        "origin",
        "political_status",
        "education",
        "employment",
        *SPECIAL_GROUP_FIELDS,
        "languages",
    )

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"
        default_permissions = ()
        permissions = [
            *model_permissions("resident", verbose_name),
            ("view_full_identity", "查看完整身份证号和电话"),
            # Given deliberately (not to grid workers): whole values leave the system in a file.
            ("export_full_identity", "导出完整身份证号和电话"),
            ("import_ledger", "导入台账"),
            ("merge_resident", "合并或排除疑似重复登记"),
        ]
        ordering = ["household__number", "relation", "pk"]
        # Names are searched with icontains, which a b-tree index can't serve.
        indexes = [models.Index(fields=["household", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                name="resident_id_number_unique",
                violation_error_message="该身份证号已登记，同一人不能重复登记。",
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(status_date__isnull=False),
                name="resident_left_has_date",
                violation_error_message="迁出或死亡必须填写日期。",
            ),
            # The actions refuse a second 户主 with the present one's name; this holds on
            # every other path (the admin, a script) too.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head", status="active"),
                name="resident_one_head_per_household",
                violation_error_message="该户已有在册户主，一户只能有一个户主。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_active(self) -> bool:
        return self.status == LedgerStatus.ACTIVE

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def special_group_labels(self) -> list[str]:
        return [
            str(self._meta.get_field(f).verbose_name) for f in self.SPECIAL_GROUP_FIELDS if getattr(self, f)
        ]


class DuplicateDismissal(models.Model):
    """排除: staff looked at two records listed as possible duplicates (疑似重复登记: same name
    and birth date in two households) and found two people; the pair is not listed again."""

    # The lower pk first, so that a pair has one row whichever way round it was dismissed.
    first = models.ForeignKey(Resident, verbose_name="居民甲", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Resident, verbose_name="居民乙", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("排除理由", max_length=200)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="排除人",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    dismissed_at = models.DateTimeField("排除时间", auto_now_add=True)

    scope_path = "first__household__grid"

    class Meta:
        verbose_name = "疑似重复登记排除"
        verbose_name_plural = "疑似重复登记排除"
        default_permissions = ()
        permissions = model_permissions("duplicatedismissal", verbose_name)
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="residents_dismissal_pair_unique"),
            models.CheckConstraint(
                condition=Q(first__lt=F("second")), name="residents_dismissal_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}/{self.second_id}"


class Occupation(models.TextChoices):
    BUSINESS = "business", "经商"
    LABOUR = "labour", "务工"
    STUDY = "study", "求学"
    OTHER = "other", "其他"


class FloatingRegistration(models.Model):
    """流动人口登记: the extra facts kept for a floating resident."""

    resident = models.OneToOneField(
        Resident, verbose_name="居民", on_delete=models.CASCADE, related_name="floating_registration"
    )
    arrived_on = models.DateField("来本地日期", null=True, blank=True)
    origin = models.CharField("户籍地", max_length=100, blank=True)
    expected_stay = models.CharField(
        "预计居住期限", max_length=30, blank=True, help_text="例如：半年、一年以上"
    )
    occupation = models.CharField("从业类型", max_length=20, choices=Occupation.choices, blank=True)
    workplace = models.CharField("工作单位/经营场所", max_length=100, blank=True)
    landlord_name = models.CharField("房东姓名", max_length=50, blank=True)
    landlord_phone = models.CharField("房东电话", max_length=20, blank=True, validators=[phone_validator])

    scope_path = "resident__household__grid"
    DESCRIPTION_FIELDS = (
        "arrived_on",
        "origin",
        "expected_stay",
        "occupation",
        "workplace",
        "landlord_name",
        "landlord_phone",
    )

    class Meta:
        verbose_name = "流动人口登记"
        verbose_name_plural = "流动人口登记"
        default_permissions = ()
        permissions = model_permissions("floatingregistration", verbose_name)

    def __str__(self) -> str:
        return f"{self.resident.name}的流动人口登记"


class ChangeAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    MOVE = "move", "迁移户"
    MOVE_OUT = "move_out", "迁出"
    DEATH = "death", "死亡"
    RETURN = "return", "迁回"
    IMPORT = "import", "导入更新"
    IMPORT_CREATE = "import_create", "导入新增"
    MERGE = "merge", "合并重复登记"
    DISMISS_DUPLICATE = "dismiss_duplicate", "排除疑似重复"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    VALIDATING = "validating", "校验中"
    PREVIEWED = "previewed", "待确认"
    NOTHING = "nothing", "无需导入"  # the dry run found no row to add or change: closed
    COMMITTING = "committing", "导入中"
    DONE = "done", "已导入"
    FAILED = "failed", "失败"
    REFUSED = "refused", "文件被拒绝"


def _import_moves() -> list[Move]:
    s = ImportStatus
    return [
        Move(s.PENDING, s.VALIDATING),  # the dry run starts
        Move(s.VALIDATING, s.PREVIEWED),
        Move(s.VALIDATING, s.NOTHING),
        Move(s.VALIDATING, s.REFUSED),  # the file can't be read after all
        Move(s.PREVIEWED, s.COMMITTING, "residents.import_ledger"),  # 确认导入
        Move(s.PENDING, s.COMMITTING),  # manage.py import_ledger without --dry-run
        Move(s.COMMITTING, s.DONE),
        Move(s.COMMITTING, s.FAILED),  # rows with errors, or the task gave up
        Move(s.COMMITTING, s.REFUSED),
        Move(s.PENDING, s.FAILED),  # the task gave up before it started
        Move(s.VALIDATING, s.FAILED),
        Move(s.FAILED, s.PENDING, "residents.import_ledger"),  # 重试: a new dry run of the kept file
        # The sweep's retries of a run whose worker was lost.
        Move(s.VALIDATING, s.PENDING),
        Move(s.COMMITTING, s.COMMITTING),
    ]


class LedgerImport(Job):
    """台账导入记录: one uploaded ledger file, its dry run and its commit."""

    community = models.ForeignKey(
        OrgUnit, verbose_name="导入社区", on_delete=models.PROTECT, related_name="+"
    )
    # Empty for imports run from the command line (manage.py import_ledger).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, null=True, blank=True
    )
    file = models.FileField("文件", upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    status = models.CharField(
        "状态", max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    message = models.TextField("说明", blank=True)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    new_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("无变化", default=0)
    error_count = models.PositiveIntegerField("错误", default=0)
    skip_errors = models.BooleanField("跳过错误行", default=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)

    scope_path = "community"
    # How the history names the rows an import wrote: "张三（Excel导入）".
    history_via = "Excel导入"

    transitions = TransitionTable(ImportStatus, _import_moves())
    # The commit waits and runs in 导入中: the click that confirms it is its claim.
    job_phases = (
        Phase(ImportStatus.PENDING, ImportStatus.VALIDATING, "residents.tasks.preview_ledger_import"),
        Phase(ImportStatus.COMMITTING, ImportStatus.COMMITTING, "residents.tasks.commit_ledger_import"),
    )
    job_failed = ImportStatus.FAILED
    job_progress_key = "ledger-import"
    job_lost_message = (
        "导入过程中后台任务多次中断，已停止。本次没有写入任何数据。请点击“重试”，或联系系统管理员。"
    )
    job_gave_up_message = "导入过程中出现系统错误，本次没有写入任何数据。请稍后点击“重试”，或联系系统管理员。"

    class Meta:
        verbose_name = "台账导入记录"
        verbose_name_plural = "台账导入记录"
        default_permissions = ()
        permissions = model_permissions("ledgerimport", verbose_name)
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def history_label(self) -> str:
        """What a record the import created shows as its source: the file holds its first values."""
        return f"台账导入 #{self.pk}《{self.file_name}》"

    @property
    def is_running(self) -> bool:
        return self.status in {ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.COMMITTING}

    @property
    def can_commit(self) -> bool:
        return self.status == ImportStatus.PREVIEWED and (self.new_count + self.updated_count) > 0

    @property
    def can_retry(self) -> bool:
        """A failed import runs again from its kept file (a refused file is not kept)."""
        return self.status == ImportStatus.FAILED and bool(self.file)


class RowOutcome(models.TextChoices):
    NEW = "new", "新增"
    UPDATED = "updated", "更新"
    UNCHANGED = "unchanged", "无变化"
    ERROR = "error", "错误"


class LedgerImportRow(models.Model):
    """One row of a dry run: what committing it would do, or why it can't."""

    ledger_import = models.ForeignKey(LedgerImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField("行号")
    outcome = models.CharField("结果", max_length=10, choices=RowOutcome.choices)
    # Masked summary for the preview (姓名, 身份证号 masked, 户号) — never the full number.
    summary = models.CharField("摘要", max_length=200, blank=True)
    # For an update: which fields it changes (names only, no values), e.g. "联系电话、所在户".
    detail = models.CharField("将修改", max_length=300, blank=True)
    # [{"column": "身份证号", "message": "…"}]
    errors = models.JSONField("错误", default=list, blank=True)

    class Meta:
        verbose_name = "导入预览行"
        verbose_name_plural = "导入预览行"
        default_permissions = ()
        permissions = model_permissions("ledgerimportrow", verbose_name)
        ordering = ["row_number"]
        indexes = [models.Index(fields=["ledger_import", "outcome", "row_number"])]

    def __str__(self) -> str:
        return f"第{self.row_number}行 {self.get_outcome_display()}"


class GridCountsQuerySet(models.QuerySet):
    def forget(self, grid_ids) -> int:
        """Every day's counts of these grids: their ledger has changed."""
        return self.filter(grid_id__in=list(grid_ids)).delete()[0]


class GridCounts(models.Model):
    """网格台账计数: one grid's ledger counted on one day (居民, 户, 少数民族, 流动人口, 特殊群体,
    年龄段, 每个民族的人数), kept so a street's or a district's figures add up its grids'
    instead of reading its whole ledger at request time (docs/reports.md "The ledger's
    figures").

    A kept result, not a record: ``residents.queries`` writes a grid's row the first time a
    figure of that day needs it, and every write to the grid's ledger (``residents.actions``,
    the Excel import) deletes the grid's rows of every day. Counts only, never a person.
    """

    grid = models.ForeignKey(OrgUnit, verbose_name="网格", on_delete=models.CASCADE, related_name="+")
    day = models.DateField("统计日")
    # {"residents": 120, "households": 40, …, "band_3_1": 4, …, "ethnicity": {"03": 12, …}}
    counts = models.JSONField("计数")
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    objects = GridCountsQuerySet.as_manager()

    class Meta:
        verbose_name = "网格台账计数"
        verbose_name_plural = "网格台账计数"
        default_permissions = ()
        permissions = model_permissions("gridcounts", verbose_name)
        constraints = [models.UniqueConstraint(fields=["grid", "day"], name="residents_grid_counts_unique")]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.day}"
