"""Values no person means to type, refused in every text and date field of the project's
models, with a Chinese message.

- **Invisible characters**: control characters and Unicode *format* characters — zero-width
  spaces and joiners, the right-to-left override that makes 张三.exe read as 张三exe.txt,
  byte-order marks. A name holding one looks like another name and matches no search.
  Line breaks and tabs stay allowed in multi-line text (备注).
- **Impossible dates**: before 1900 or after 2099 (a moved-in date of 1000-01-01 is a typo).

``CoreConfig.ready`` gives these validators to every ``CharField``, ``TextField`` and
``DateField`` of the apps in this project (not Django's own), so a new app's models get
them without asking; model validation (``full_clean``, which every action and ModelForm
runs) applies them. The Excel import cleans its cells through ``invisible_characters`` too.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.exceptions import ValidationError

INVISIBLE = "不能包含不可见的控制字符或格式字符（如零宽字符、文字方向控制符），请删除后重新输入。"
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2099, 12, 31)
_MULTILINE_OK = {"\n", "\r", "\t"}


def invisible_characters(value: str, *, multiline: bool = False) -> list[str]:
    """The control and format characters in ``value``, named by code point ("U+200B"), line
    breaks aside when ``multiline``."""
    found = []
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf") and not (multiline and char in _MULTILINE_OK):
            found.append(f"U+{ord(char):04X}")
    return found


def no_invisible_characters(value) -> None:
    if isinstance(value, str) and invisible_characters(value):
        raise ValidationError(INVISIBLE, code="invisible_characters")


def no_invisible_characters_but_lines(value) -> None:
    if isinstance(value, str) and invisible_characters(value, multiline=True):
        raise ValidationError(INVISIBLE, code="invisible_characters")


def plausible_date(value) -> None:
    if isinstance(value, dt.date) and not EARLIEST <= value <= LATEST:
        raise ValidationError(
            f"日期{value:%Y-%m-%d}不合理，请填写{EARLIEST.year}年至{LATEST.year}年之间的日期。",
            code="implausible_date",
        )


def guard_project_fields(app_configs) -> None:
    """Give every text and date field of ``app_configs``' models these validators (once)."""
    from django.db import models

    for config in app_configs:
        for model in config.get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.TextField):
                    wanted = no_invisible_characters_but_lines
                elif isinstance(field, models.CharField):
                    wanted = no_invisible_characters
                elif isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
                    wanted = plausible_date
                else:
                    continue
                if wanted not in field.default_validators:
                    # As the field's *default* validators (an EmailField's email check is one):
                    # they are not part of its definition, so migrations don't change.
                    field.default_validators = [*field.default_validators, wanted]
                    field.__dict__.pop("validators", None)  # a cached property
