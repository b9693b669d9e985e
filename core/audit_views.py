"""安全审计 page: the audit log for the 审计员 role, filtered in their scope and exported, as
a registered list (``core.lists``): scoped, paged by cursor, exported formula-safe."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from . import export_views, lists, scoping
from .models import AuditEvent, AuditKind
from .xlsx import Column

KEY = "core.audit"


class AuditFilterForm(lists.ListFilterForm):
    q = forms.CharField(
        label="账号",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "操作人账号"}),
    )
    kind = forms.ChoiceField(label="类别", choices=[("", "全部类别"), *AuditKind.choices], required=False)
    outcome = forms.ChoiceField(
        label="结果",
        choices=[("", "全部结果"), ("ok", "成功"), ("failed", "失败"), ("denied", "拒绝")],
        required=False,
    )
    since = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


def audit_rows(user, filters: dict):
    rows = scoping.scope_queryset(user, AuditEvent).select_related("user", "org_unit", "object_type")
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("outcome"):
        rows = rows.filter(outcome=filters["outcome"])
    if filters.get("since"):
        rows = rows.filter(at__date__gte=filters["since"])
    if filters.get("q"):
        rows = rows.filter(username__icontains=filters["q"].strip())
    return rows


_KINDS = dict(AuditKind.choices)

AUDIT_LIST = lists.register(
    lists.ScopedList(
        key=KEY,
        title="安全审计记录",
        noun="条",
        permission="core.view_auditevent",
        form_class=AuditFilterForm,
        rows=audit_rows,
        order=("-at", "-id"),
        template="core/audit_list.html",
        url_name="core:audit_list",
        export_url_name="core:audit_export",
        columns=(
            Column("时间", ("at",), lambda at: at.strftime("%Y-%m-%d %H:%M:%S") if at else "", 20),
            Column("类别", ("kind",), lambda kind: _KINDS.get(kind, kind), 14),
            Column("账号", ("username",), width=16),
            Column("地址", ("address",), width=16),
            Column("单位", ("org_unit__name",), width=20),
            Column("对象类型", ("object_type__model",), width=14),
            Column("对象编号", ("object_id",), width=10),
            Column("结果", ("outcome",), width=8),
            Column("说明", ("detail",), lambda detail: str(detail or ""), 30),
        ),
    )
)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, AUDIT_LIST)


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    return export_views.list_export(request, AUDIT_LIST)
