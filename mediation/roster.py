"""The mediators' roster as an ``.xlsx`` in the admin (django-import-export): one row per
mediator — 社区编码, 姓名, 联系电话, 身份 (its Chinese label), 所在单位, 所在团队 (names, 、 between),
在岗 (是/否).

- **Scoped**: the admin's own units only. A row naming a community outside them is refused
  with a message naming the row; so is an unknown 身份, 在岗 or team.
- **All or nothing**: any refused row and nothing is written (the library's transaction
  rolls back; the admin offers no confirmation).
- **Idempotent**: a row is matched to the roster on 社区 + 姓名 + 联系电话 (how people tell
  two mediators apart — names repeat, phones change hands less often than rows move), and a
  row that changes nothing is skipped; importing the file just exported writes nothing.
- **Kept**: every row written goes through ``mediation.actions`` (its change in the
  history, each an audited write), and a committed import is one 导入 event in the audit
  log with its counts, as the ledger import's is; an export is one 导出 event.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from core import audit
from core.import_widgets import NO, YES, ChoiceLabelWidget, TextWidget, YesNoWidget, cell_text
from core.models import AuditKind
from grid.models import OrgUnit
from grid.scope import scope_queryset

from . import actions
from .models import MediationTeam, Mediator, MediatorRole

COMMUNITY, NAME, PHONE, ROLE, ORGANISATION, TEAMS, ACTIVE = (
    "社区编码",
    "姓名",
    "联系电话",
    "身份",
    "所在单位",
    "所在团队",
    "在岗",
)
TEAM_SEPARATOR = "、"


class TeamsWidget(widgets.ManyToManyWidget):
    """Teams by name, within the row's community (two communities may each have a 移动微调室)."""

    def __init__(self):
        super().__init__(MediationTeam, separator=TEAM_SEPARATOR, field="name")

    def clean(self, value, row=None, **kwargs):
        names = team_names(value)
        if not names:
            return MediationTeam.objects.none()
        return MediationTeam.objects.filter(
            community__code=cell_text((row or {}).get(COMMUNITY)), name__in=names
        )

    def render(self, value, obj=None, **kwargs):
        return TEAM_SEPARATOR.join(team.name for team in value.all()) if value is not None else ""


def team_names(value) -> list[str]:
    text = cell_text(value).replace("，", TEAM_SEPARATOR).replace(",", TEAM_SEPARATOR)
    return [name.strip() for name in text.split(TEAM_SEPARATOR) if name.strip()]


class MediatorResource(resources.ModelResource):
    community = fields.Field(
        attribute="community", column_name=COMMUNITY, widget=widgets.ForeignKeyWidget(OrgUnit, "code")
    )
    name = fields.Field(attribute="name", column_name=NAME, widget=TextWidget())
    phone = fields.Field(attribute="phone", column_name=PHONE, widget=TextWidget())
    role = fields.Field(attribute="role", column_name=ROLE, widget=ChoiceLabelWidget(MediatorRole))
    organisation = fields.Field(attribute="organisation", column_name=ORGANISATION, widget=TextWidget())
    teams = fields.Field(attribute="teams", column_name=TEAMS, widget=TeamsWidget())
    active = fields.Field(attribute="active", column_name=ACTIVE, widget=YesNoWidget())

    class Meta:
        model = Mediator
        fields = ("community", "name", "phone", "role", "organisation", "teams", "active")
        export_order = fields
        import_id_fields = ("community", "name", "phone")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def get_queryset(self):
        # Only the admin's own roster is ever matched, exported or changed.
        return scope_queryset(self.user, Mediator.objects.select_related("community")).prefetch_related(
            "teams"
        )

    # --- import ----------------------------------------------------------------------------

    def before_import_row(self, row, row_number=None, **kwargs):
        """Refuse the row, naming it (its line in the sheet, the header being line 1), before
        anything is looked up or written."""
        line = f"第{(row_number or 0) + 1}行"
        code = cell_text(row.get(COMMUNITY))
        community = scope_queryset(self.user, OrgUnit.objects.communities()).filter(code=code).first()
        if community is None:
            raise ValidationError(
                {"community": f"{line}：社区编码“{code}”不存在或不在您的管辖范围内，不能导入。"}
            )
        errors = {}
        if not cell_text(row.get(NAME)):
            errors["name"] = f"{line}：请填写姓名。"
        role = cell_text(row.get(ROLE))
        if role not in [str(label) for label in MediatorRole.labels]:
            errors["role"] = f"{line}：身份“{role}”不在可选范围内（{'、'.join(MediatorRole.labels)}）。"
        active = cell_text(row.get(ACTIVE))
        if active and active not in (YES, NO):
            errors["active"] = f"{line}：在岗应填“是”或“否”。"
        names = team_names(row.get(TEAMS))
        known = set(
            MediationTeam.objects.filter(community=community, name__in=names).values_list("name", flat=True)
        )
        unknown = [name for name in names if name not in known]
        if unknown:
            errors["teams"] = (
                f"{line}：{community.name}没有调解团队“{'、'.join(unknown)}”，请先在管理后台添加。"
            )
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Through the actions, so every row written leaves its change in the history."""
        if kwargs.get("dry_run") and not kwargs.get("using_transactions"):
            return
        teams = list(self.fields["teams"].clean(row))
        values = {
            name: getattr(instance, name) for name in ("name", "phone", "role", "organisation", "active")
        }
        if is_create:
            saved = actions.mediator_create(by=self.user, community=instance.community, teams=teams, **values)
            instance.pk = saved.pk
        else:
            actions.mediator_update(by=self.user, mediator=instance, teams=teams, **values)

    def save_m2m(self, instance, row, **kwargs):
        # The teams were set by the action in save_instance.
        pass

    def after_import(self, dataset, result, **kwargs):
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        totals = result.totals
        audit.record(
            AuditKind.IMPORT,
            user=self.user,
            model="mediation.mediator",
            new=totals.get("new", 0),
            updated=totals.get("update", 0),
            skipped=totals.get("skip", 0),
        )

    # --- export ----------------------------------------------------------------------------

    def export(self, queryset=None, **kwargs):
        data = super().export(queryset=queryset, **kwargs)
        # The file holds the mediators' whole phones (what the round trip matches on).
        audit.record(AuditKind.EXPORT, user=self.user, model="mediation.mediator", rows=len(data))
        return data
