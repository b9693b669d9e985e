"""Form widgets every app may use: a search-as-you-type picker and selects narrowed by the
select above them. Both are driven by static scripts (the CSP allows no inline script) that
each widget declares in its ``Media``; a page shows them with ``{{ form.media }}``
(``core/form_page.html`` does).

**Picker** — for choosing one record out of thousands (a resident for a head, a party, an
attendee), where a ``<select>`` would ship the whole ledger to the phone::

    head = forms.ModelChoiceField(queryset=…, widget=PickerWidget(
        url=registry.picker_url_for("residents.Resident"),  # or reverse_lazy("app:picker")
        params={"building": building.pk, "adults": "first"},
    ))

The field keeps validating against its queryset: the picker only helps choose, an id typed
or tampered outside the queryset is a form error as with any select.

The endpoint's contract, for any model: a POST (htmx, with the CSRF header ``base.html``
sets) of ``q`` — what was typed — and the widget's ``params``; the search term never goes
into a URL, so it stays out of access logs and browser history. It answers with an HTML
fragment in which each choosable record is an element with ``data-picker-option``,
``data-value`` (the pk) and ``data-label`` (what the form shows once it is chosen). Anything
else in the fragment (a hint, "no match", "only the first 20") is shown as it is.

**Narrowed select** — 网格 → 楼栋 → 单元: a child select offers only the options whose parent
is the option chosen above it::

    class Meta:
        widgets = {"building": NarrowedSelect(narrow_by="grid"), "unit": NarrowedSelect(narrow_by="building")}

Each option carries its parent's pk (``data-narrow-parent``, read from the choice's
instance: ``building.grid_id``), so the page narrows without asking the server again — on a
phone in the field, changing the grid is instant and works on a poor connection. The
options are the field's queryset, so they are exactly what the form accepts and already
scoped by whoever set that queryset; nothing else can appear. ``static/js/narrow.js`` finds
the parent by field name within the same form (with the same form prefix). With the parent
left empty, the child offers the children of every option the parent offers (楼栋 empty →
the units of the chosen grid's buildings; nothing chosen → everything). The server must
still check the combination in ``clean`` — a script narrows, it proves nothing.

On a form whose fields are declared rather than generated (a list's filter form)::

    building = forms.ModelChoiceField(queryset=…, required=False, widget=NarrowedSelect(narrow_by="grid"))

or, for a field set up already, ``narrow(form.fields["building"], by="grid")``; then put
``{{ form.media }}`` on the page.

**The form renderer** (``FORM_RENDERER``) is Django's, except that a ``<select>`` is
written in one pass in Python: Django's templates render each option through two
``{% include %}`` tags, and a district leader's list filters (151 网格 options, 60 民族)
cost a third of the page. The markup is byte for byte Django's (the tests compare them);
a widget with an option template of its own keeps its templates.
"""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.template.loader import render_to_string
from django.utils.safestring import SafeData, mark_safe

PICKER_PLACEHOLDER = "输入姓名、户号或身份证号后4位查找"


class PickerWidget(forms.Widget):
    """A hidden input holding the chosen pk, the chosen record's label with a 清除 button, and
    a search box whose results come from ``url`` (see the module docstring)."""

    template_name = "core/widgets/picker.html"

    class Media:
        js = ["js/picker.js"]

    def __init__(
        self,
        url: str | None = None,
        *,
        params: dict | None = None,
        placeholder: str = PICKER_PLACEHOLDER,
        attrs: dict | None = None,
    ):
        super().__init__(attrs)
        self.url = url
        self.params = dict(params or {})
        self.placeholder = placeholder

    def __deepcopy__(self, memo):
        copied = super().__deepcopy__(memo)
        copied.params = dict(self.params)
        return copied

    def format_value(self, value):
        value = getattr(value, "pk", value)
        return super().format_value(value)

    def chosen_label(self, value) -> str:
        """The label of the record ``value`` names, if the field would accept it; "" otherwise
        (nothing chosen, or an id from outside the choices, which the form refuses anyway)."""
        if value in (None, ""):
            return ""
        choices = getattr(self, "choices", None)
        field = getattr(choices, "field", None)
        if field is not None and hasattr(field, "label_from_instance"):
            try:
                return field.label_from_instance(field.to_python(value))
            except (ValidationError, TypeError, ValueError):
                return ""
        for choice_value, label in choices or ():
            if str(choice_value) == str(value):
                return str(label)
        return ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        label = self.chosen_label(value)
        widget_attrs = widget["attrs"]
        classes = widget_attrs.pop("class", "")
        base_id = widget_attrs.pop("id", None) or f"id_{name}"
        # A chosen record lives in the hidden input; the search box itself may stay empty.
        widget_attrs.pop("required", None)
        widget.update(
            {
                # An id outside the choices is shown as nothing chosen, not echoed back.
                "value": widget["value"] if label else "",
                "label": label,
                "url": str(self.url or ""),
                "params_json": json.dumps({key: str(val) for key, val in self.params.items()}),
                # htmx would post the whole surrounding form; only these go (picker.js adds q).
                "param_names": ",".join(self.params) or "none",
                "placeholder": self.placeholder,
                "input_class": " ".join(
                    ["form-control", *(c for c in classes.split() if c != "form-control")]
                ),
                "invalid": "is-invalid" in classes.split(),
                "base_id": base_id,
            }
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template engine (templates/core/), not the form renderer's own.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308

    def id_for_label(self, id_):
        # The label names the search box, which is what a person types into.
        return id_


class NarrowedSelect(forms.Select):
    """A select whose options are narrowed to the children of the option chosen in the
    ``narrow_by`` field of the same form (see the module docstring)."""

    class Media:
        js = ["js/narrow.js"]

    def __init__(self, *, narrow_by: str, parent_attr: str | None = None, attrs: dict | None = None):
        super().__init__(attrs)
        self.narrow_by = narrow_by
        # The attribute of a choice's instance that holds its parent's pk.
        self.parent_attr = parent_attr or f"{narrow_by}_id"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-narrow-by"] = self.narrow_by
        return context

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            parent = getattr(instance, self.parent_attr, None)
            option["attrs"]["data-narrow-parent"] = "" if parent is None else str(parent)
        return option


def narrow(field: forms.ChoiceField, *, by: str) -> forms.ChoiceField:
    """Give an existing choice field a ``NarrowedSelect`` narrowed by the ``by`` field,
    keeping its choices and attributes."""
    widget = NarrowedSelect(narrow_by=by, attrs=field.widget.attrs)
    widget.choices = field.widget.choices
    field.widget = widget
    return field


SELECT_TEMPLATE = "django/forms/widgets/select.html"
SELECT_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    """Django's form renderer with ``<select>`` written directly (see the module docstring)."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            _placeholder_in_chinese(context["widget"])
            html = select_html(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)


# Django's empty choice (ModelChoiceField's empty_label, a model field's BLANK_CHOICE_DASH);
# forms that name their own (全部网格, 选择楼栋) keep it.
DJANGO_EMPTY_LABEL = "---------"
EMPTY_LABEL = "请选择"


def _placeholder_in_chinese(widget: dict) -> None:
    """Every select's unnamed empty choice reads 请选择 instead of Django's dashes, in the
    pages and the admin alike, so no form has to remember to say it."""
    for _, options, _ in widget["optgroups"]:
        for option in options:
            if option["value"] in ("", None) and option["label"] == DJANGO_EMPTY_LABEL:
                option["label"] = EMPTY_LABEL


def select_html(widget: dict) -> str | None:
    """What select.html, select_option.html and attrs.html write for ``widget`` (the
    context a ``Select`` builds), stripped as the renderer strips it; None when an option
    has a template of its own."""
    groups = widget["optgroups"]
    if any(
        option["template_name"] != SELECT_OPTION_TEMPLATE for _, options, _ in groups for option in options
    ):
        return None
    context = Context(autoescape=True)  # localising and escaping as a template would

    def text(value) -> str:
        return render_value_in_context(value, context)

    def as_string(value) -> str:  # ``{{ value|stringformat:'s' }}``
        formatted = str(value)
        return text(mark_safe(formatted) if isinstance(value, SafeData) else formatted)  # noqa: S308

    def attrs(values: dict) -> str:
        return "".join(
            f" {text(name)}" + ("" if value is True else f'="{as_string(value)}"')
            for name, value in values.items()
            if value is not False
        )

    parts = [f'<select name="{text(widget["name"])}"{attrs(widget["attrs"])}>']
    for group_name, options, _ in groups:
        if group_name:
            parts.append(f'\n  <optgroup label="{text(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{as_string(option["value"])}"{attrs(option["attrs"])}>'
                f"{text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 -- every value above went through escaping
