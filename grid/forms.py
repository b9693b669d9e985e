"""Forms for the org tree pages. They validate only; views and actions write."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.db.models import QuerySet

from core import registry
from core.widgets import PickerWidget

from .models import Building, OrgUnit, Place, Unit, duplicate_building_message, duplicate_unit_message

HEAD_HELP = "从在册居民中选择后，页面显示该居民的姓名和电话；不在台账上的负责人，请填写下方姓名和电话。"
HEAD_PICKER_HELP = (
    "输入姓名、户号或身份证号后4位查找在册居民，选中后页面显示其姓名和电话；"
    "不在台账上的负责人，请填写下方姓名和电话。"
)


class OrgUnitForm(forms.ModelForm):
    """Name and code of a unit. The level is never typed: a child sits one level below its parent."""

    class Meta:
        model = OrgUnit
        fields = ["name", "code"]
        help_texts = {
            "name": "例如：变电所社区、一网格。",
            "code": "全区唯一，建议逐级延长，例如 D01S01C01G01。",
        }

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        # Codes are unique across the whole tree, not just the user's scope; saying only that
        # it is taken tells nothing about units the user may not see.
        taken = OrgUnit.objects.filter(code=code)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"编码“{code}”已被占用，请换一个。")
        return code


@dataclass(frozen=True)
class HeadChoices:
    """Who may be picked as a head: ``residents``, already narrowed to the user's scope and to
    those who can sensibly be picked, and ``near`` — the same narrowing as the picker's
    params (``{"building": pk}`` or ``{"grid": pk}``), so that the search offers only people
    the form will accept."""

    residents: QuerySet
    near: dict[str, int] = field(default_factory=dict)


class HeadChoiceMixin:
    """The head (楼栋长/单元长/负责人) may be a resident on the ledger.

    The view passes ``head_choices`` (``HeadChoices``); with nobody to pick from the field is
    left out. When an app registered a picker for ``settings.GRID_HEAD_MODEL``
    (``core.registry.picker``) the head is searched for, adults first, instead of scrolled
    to in a select of the whole building; either way the field only accepts someone in
    ``head_choices.residents``, so an id from outside them is a form error.
    """

    # The typed phone is shown whole in its input: a page filled with one is audited
    # (core.views.form_page), as the ledger's phones are.
    personal_fields = ("head_phone",)

    def __init__(self, *args, head_choices: HeadChoices | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if head_choices is None or not head_choices.residents.exists():
            del self.fields["head"]
            return
        head = self.fields["head"]
        # Beside 楼栋长（居民）, a bare "楼栋长" reads as the same field twice: say what the
        # typed name and phone are for.
        title = self.fields["head_name"].label
        self.fields["head_name"].label = f"{title}姓名（不在台账上时填写）"
        self.fields[
            "head_phone"
        ].help_text = "11位手机号或带区号的固定电话。选了居民的，优先显示其台账上的电话。"
        head.queryset = head_choices.residents
        head.help_text = HEAD_HELP
        head.empty_label = "（不选，填写下方姓名）"
        head.label_from_instance = _resident_label
        url = registry.picker_url_for(settings.GRID_HEAD_MODEL)
        if url:
            head.help_text = HEAD_PICKER_HELP
            head.widget = PickerWidget(url=url, params={**head_choices.near, "adults": "first"})
            head.widget.choices = head.choices
            head.widget.is_required = head.required


def _resident_label(resident) -> str:
    household = resident.household
    where = household.room or household.number
    return f"{resident.name}（{where}）" if where else resident.name


class BuildingForm(HeadChoiceMixin, forms.ModelForm):
    """A building in the grid already set on ``instance``; the grid itself is not editable
    because households and residents are filed under the grid and building together."""

    class Meta:
        model = Building
        fields = ["number", "address", "head", "head_name", "head_phone"]
        help_texts = {"number": "例如：1号楼、3栋。", "head_phone": "11位手机号或带区号的固定电话。"}

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        # The grid is not a form field, so Django's unique check would skip the
        # (grid, number) constraint; check it here to answer in plain words.
        taken = Building.objects.filter(grid_id=self.instance.grid_id, number=number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(duplicate_building_message(number))
        return number


class UnitForm(HeadChoiceMixin, forms.ModelForm):
    """A 单元 of the building already set on ``instance``."""

    class Meta:
        model = Unit
        fields = ["number", "head", "head_name", "head_phone"]
        help_texts = {"number": "例如：1单元。", "head_phone": "11位手机号或带区号的固定电话。"}

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        taken = Unit.objects.filter(building_id=self.instance.building_id, number=number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(duplicate_unit_message(number))
        return number


class PlaceForm(HeadChoiceMixin, forms.ModelForm):
    """A place (宗教场所、学校、企业、商铺、出租大院…) in the grid already set on ``instance``."""

    class Meta:
        model = Place
        fields = ["kind", "name", "address", "head", "head_name", "head_phone", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"head_phone": "11位手机号或带区号的固定电话。"}
