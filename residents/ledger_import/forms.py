from django import forms

from grid.models import OrgUnit
from grid.scope import scope_queryset


class LedgerUploadForm(forms.Form):
    community = forms.ModelChoiceField(
        label="导入到社区",
        queryset=OrgUnit.objects.none(),
        empty_label="请选择社区",
        error_messages={"required": "请选择要导入的社区。", "invalid_choice": "请选择您管辖范围内的社区。"},
    )
    file = forms.FileField(
        label="台账文件",
        help_text="支持 .xlsx、.xls、.csv（UTF-8 或 GBK 编码）。请使用下载的模板，或列名与模板相近的台账。",
        error_messages={"required": "请选择要上传的台账文件。", "empty": "上传的文件是空的。"},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = scope_queryset(user, OrgUnit).communities()


class CommitForm(forms.Form):
    skip_errors = forms.BooleanField(
        label="跳过错误行，只导入无误的行",
        required=False,
        help_text="默认只要有一行错误就全部不写入；勾选后错误行不导入，其余照常写入。",
    )
