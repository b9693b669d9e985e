"""The org tree (区 → 街道 → 社区 → 网格), what a grid covers, and who works where."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from core.permissions import model_permissions

from .numbering import UNNUMBERED, number_position

phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    "请输入11位手机号或带区号的固定电话，例如 13812345678 或 0418-1234567。",
)


class OrgLevel(models.IntegerChoices):
    DISTRICT = 1, "区"
    STREET = 2, "街道"
    COMMUNITY = 3, "社区"
    GRID = 4, "网格"


class OrgUnitQuerySet(MP_NodeQuerySet):
    def subtree_of(self, unit: OrgUnit) -> OrgUnitQuerySet:
        """The unit and everything below it: one indexed prefix match on the path."""
        return self.filter(path__startswith=unit.path)

    def grids(self) -> OrgUnitQuerySet:
        return self.filter(level=OrgLevel.GRID)

    def communities(self) -> OrgUnitQuerySet:
        return self.filter(level=OrgLevel.COMMUNITY)


class OrgUnitManager(MP_NodeManager.from_queryset(OrgUnitQuerySet)):
    def get_queryset(self) -> OrgUnitQuerySet:
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")


class OrgUnit(MP_Node):
    """组织单元: one node of the 区 → 街道 → 社区 → 网格 tree."""

    level = models.PositiveSmallIntegerField("层级", choices=OrgLevel.choices)
    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)

    node_order_by = ["code"]
    # Scoped models name the path from themselves to their org unit; the unit is its own.
    scope_path = ""

    objects = OrgUnitManager()

    class Meta:
        verbose_name = "组织单元"
        verbose_name_plural = "组织单元"
        default_permissions = ()
        permissions = model_permissions("orgunit", verbose_name)

    def __str__(self) -> str:
        return self.name

    @property
    def is_grid(self) -> bool:
        return self.level == OrgLevel.GRID

    def child_level(self) -> int | None:
        return self.level + 1 if self.level < OrgLevel.GRID else None

    def check_child_level(self, level: int) -> None:
        """A child sits exactly one level below its parent: 社区 under 街道, 网格 under 社区."""
        if self.level >= OrgLevel.GRID:
            raise ValidationError({"level": "网格是最末一级，不能再添加下级单元。"})
        if level != self.level + 1:
            expected = OrgLevel(self.level + 1).label
            raise ValidationError(
                {"level": f"“{self.name}”是{self.get_level_display()}，其下级只能是{expected}。"}
            )

    def full_name(self) -> str:
        return " / ".join(a.name for a in [*OrgUnit.objects.get_ancestors(self), self])


def head_fields(title: str) -> tuple[models.ForeignKey, models.CharField, models.CharField]:
    """楼栋长 / 单元长 / 场所负责人: ``head, head_name, head_phone = head_fields("楼栋长")``.

    The head is a person on the ledger when they live there; name and phone stay for heads
    who don't (a property-company employee, say) and for ledgers not imported yet. Which
    model holds people is the project's choice (``settings.GRID_HEAD_MODEL``): the org tree
    sits below the ledger and names no app above it.
    """
    head = models.ForeignKey(
        settings.GRID_HEAD_MODEL,
        verbose_name=f"{title}（居民）",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(title, max_length=50, blank=True)
    phone = models.CharField(f"{title}电话", max_length=20, blank=True, validators=[phone_validator])
    return head, name, phone


class HeadedMixin:
    """The linked resident's name and phone win over the typed ones."""

    @property
    def head_display_name(self) -> str:
        return self.head.name if self.head_id else self.head_name

    @property
    def head_display_phone(self) -> str:
        return (self.head.phone or self.head_phone) if self.head_id else self.head_phone


class NumberedMixin:
    """楼栋 and 单元 are numbered in text (1号楼, 10号楼, A座) and sorted by ``position``, the
    number read out of that text. Whoever sets ``number`` sets ``position`` with ``position_for``."""

    @staticmethod
    def position_for(number: str) -> int:
        return number_position(number)


def duplicate_building_message(number: str) -> str:
    return f"本网格已有楼号为“{number}”的楼栋，楼号不能重复。"


def duplicate_unit_message(number: str) -> str:
    return f"本楼栋已有“{number}”，单元号不能重复。"


class Building(NumberedMixin, HeadedMixin, models.Model):
    """楼栋: a building in a grid, with its 楼栋长."""

    grid = models.ForeignKey(
        OrgUnit,
        verbose_name="所属网格",
        on_delete=models.PROTECT,
        related_name="buildings",
        limit_choices_to={"level": OrgLevel.GRID},
    )
    number = models.CharField("楼号", max_length=30)
    # Lists sort by it within one grid or building: a few dozen rows that need no index of their own.
    position = models.PositiveIntegerField("排序号", default=UNNUMBERED, editable=False)
    address = models.CharField("地址", max_length=200, blank=True)
    head, head_name, head_phone = head_fields("楼栋长")

    scope_path = "grid"

    class Meta:
        verbose_name = "楼栋"
        verbose_name_plural = "楼栋"
        default_permissions = ()
        permissions = [
            *model_permissions("building", verbose_name),
            # Heads are contacts: those who work the grid call them. HEAD_PHONES
            ("view_head_phone", "查看楼栋长、单元长和场所负责人的完整电话"),
        ]
        ordering = ["grid__path", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "number"], name="building_number_unique_in_grid"),
        ]

    def __str__(self) -> str:
        return f"{self.grid.name} {self.number}"


class Unit(NumberedMixin, HeadedMixin, models.Model):
    """单元: a stairway/entrance of a building, with its 单元长."""

    building = models.ForeignKey(
        Building, verbose_name="所属楼栋", on_delete=models.PROTECT, related_name="units"
    )
    number = models.CharField("单元号", max_length=20)
    position = models.PositiveIntegerField("排序号", default=UNNUMBERED, editable=False)
    head, head_name, head_phone = head_fields("单元长")

    scope_path = "building__grid"

    class Meta:
        verbose_name = "单元"
        verbose_name_plural = "单元"
        default_permissions = ()
        permissions = model_permissions("unit", verbose_name)
        # No join beyond the building's; building_id keeps units of two same-numbered buildings apart.
        ordering = ["building__position", "building__number", "building_id", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_number_unique_in_building"),
        ]

    def __str__(self) -> str:
        return f"{self.building.number} {self.number}"


class PlaceKind(models.TextChoices):
    RELIGIOUS = "religious", "宗教活动场所"
    SCHOOL = "school", "学校"
    ENTERPRISE = "enterprise", "企业"
    SHOP = "shop", "商铺"
    COMPOUND = "compound", "出租大院"
    KEY_UNIT = "key_unit", "重点单位"
    OTHER = "other", "其他"


class Place(HeadedMixin, models.Model):
    """场所: the 地/物/组织 a grid covers besides homes — a mosque, a school, a 大院 …"""

    grid = models.ForeignKey(
        OrgUnit,
        verbose_name="所属网格",
        on_delete=models.PROTECT,
        related_name="places",
        limit_choices_to={"level": OrgLevel.GRID},
    )
    kind = models.CharField("类型", max_length=20, choices=PlaceKind.choices)
    name = models.CharField("名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    head, head_name, head_phone = head_fields("负责人")
    note = models.TextField("备注", blank=True)

    scope_path = "grid"

    class Meta:
        verbose_name = "场所"
        verbose_name_plural = "场所"
        default_permissions = ()
        permissions = model_permissions("place", verbose_name)
        ordering = ["grid__path", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    STAFF = "staff", "社区工作人员"
    GRID_WORKER = "grid_worker", "网格员"
    MEDIATOR = "mediator", "调解员"
    WINDOW_CLERK = "window_clerk", "窗口人员"
    LEADER = "leader", "领导"
    # 三员分立: reads the audit log (安全审计) and nothing else; the system admin cannot read it.
    AUDITOR = "auditor", "审计员"


# 账号解锁: ending the sign-in lockout of accounts in one's scope (Profile's Meta.permissions).
UNLOCK_ACCOUNT = "grid.unlock_account"
HEAD_PHONES = "grid.view_head_phone"


class Profile(models.Model):
    """Where a user works and as what: their data scope is this unit and everything below it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="profile"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="members"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    # Keys of ``core.registry.grantables`` an admin gave this person beyond their role's own;
    # ``actions.user_assign_role`` turns them into the user's permissions.
    extra_grants = models.JSONField("额外授权", default=list, blank=True)

    scope_path = "org_unit"

    class Meta:
        verbose_name = "用户档案"
        verbose_name_plural = "用户档案"
        default_permissions = ()
        permissions = [
            *model_permissions("profile", verbose_name),
            ("unlock_account", "解锁登录被锁定的账号"),  # UNLOCK_ACCOUNT
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username}（{self.get_role_display()}）"
