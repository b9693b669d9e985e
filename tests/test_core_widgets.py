"""core.widgets.FormRenderer: a <select> written in Python is byte for byte what Django's
own templates write, whatever its options hold; anything else goes to the templates."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe

from core.widgets import FormRenderer, NarrowedSelect

DJANGO = DjangoTemplates()
OURS = FormRenderer()


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "全部"), ("a", "甲"), ("b", "乙")], required=False)
    escaped = forms.ChoiceField(
        choices=[('"><script>', "<b>&'\""), ("safe", mark_safe("<i>安全</i>")), (3, 3)], required=False
    )
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("汉字组", [("x", "一"), ("y", "二")]), ("<组>", [("z", "三")]), ("w", "四")],
        required=False,
    )
    many = forms.MultipleChoiceField(choices=[("1", "一"), ("2", "二"), ("3", "三")], required=False)
    yes_no = forms.NullBooleanField(required=False)
    dated = forms.ChoiceField(choices=[("d", datetime.date(2024, 3, 1)), ("n", 1234567)], required=False)
    attrs = forms.ChoiceField(
        choices=[("a", "甲")],
        widget=forms.Select(
            attrs={"class": "form-select", "data-x": '"q"&', "disabled": True, "hidden": False}
        ),
        required=False,
    )
    narrowed = forms.ChoiceField(
        choices=[("", "全部楼栋"), ("1", "1号楼")], widget=NarrowedSelect(narrow_by="grid"), required=False
    )
    inherits = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")], required=False)
    empty = forms.ChoiceField(choices=[], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inherits"].widget.option_inherits_attrs = True


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "b", "escaped": '"><script>', "grouped": "y", "many": ["1", "3"], "yes_no": "true"},
        {"grouped": "z", "dated": "n", "inherits": "b", "narrowed": "1", "many": ["2"]},
    ],
)
def test_every_select_is_written_as_djangos_templates_write_it(data):
    ours, theirs = Everything(data, renderer=OURS), Everything(data, renderer=DJANGO)
    for name in ours.fields:
        assert str(ours[name]) == str(theirs[name]), name


def test_it_is_the_projects_renderer_and_skips_nothing_else():
    assert isinstance(get_default_renderer(), FormRenderer)
    # Anything but a select (here, a whole form and a text input) goes to the templates.
    form = forms.Form()
    form.fields["name"] = forms.CharField(max_length=5)
    assert OURS.render("django/forms/div.html", {"form": form}) == DJANGO.render(
        "django/forms/div.html", {"form": form}
    )


def test_a_widget_with_its_own_option_template_keeps_it():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    field = forms.ChoiceField(choices=[("a", "甲")], widget=Custom)
    form = forms.Form(renderer=OURS)
    form.fields["f"] = field
    html = str(form["f"])
    assert "<option" not in html
    other = forms.Form(renderer=DJANGO)
    other.fields["f"] = forms.ChoiceField(choices=[("a", "甲")], widget=Custom)
    assert html == str(other["f"])


def test_djangos_dashed_empty_choice_reads_please_choose_and_a_named_one_stays():
    from grid.models import OrgUnit

    class WithEmpties(forms.Form):
        unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False)
        kind = forms.ChoiceField(choices=[("", "---------"), ("a", "甲")], required=False)
        named = forms.ModelChoiceField(
            queryset=OrgUnit.objects.none(), required=False, empty_label="全部网格"
        )

    form = WithEmpties(renderer=OURS)
    for name in ("unit", "kind"):
        assert str(form[name]).count('<option value="" selected>请选择</option>') == 1, name
        assert "---------" not in str(form[name])
    assert "全部网格" in str(form["named"])
