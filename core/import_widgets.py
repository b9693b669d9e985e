"""Cells of an admin ``.xlsx`` (django-import-export) read as people type them: shared by
every app whose admin imports a sheet (the mediators' roster, the service catalogue)."""

from __future__ import annotations

from import_export import widgets

YES, NO = "是", "否"


def cell_text(value) -> str:
    """A cell as text: Excel keeps a phone typed as a number as 13900001234.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return cell_text(value)


class ChoiceLabelWidget(widgets.Widget):
    """A choice by its Chinese label, stored as its value; an unknown label is kept as typed
    so the resource can refuse it with the row's number."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        labels = {str(label): choice for choice, label in self.choices.choices}
        return labels.get(cell_text(value), cell_text(value))

    def render(self, value, obj=None, **kwargs):
        return str(self.choices(value).label) if value in self.choices.values else (value or "")


class YesNoWidget(widgets.Widget):
    """是/否; anything but 否 is yes (an empty cell keeps the record in use)."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value) != NO

    def render(self, value, obj=None, **kwargs):
        return YES if value else NO
