"""Password complexity (等保2.0: 口令应有复杂度要求): at least three of the four kinds of
character — upper-case letters, lower-case letters, digits and symbols.

Beside it in ``AUTH_PASSWORD_VALIDATORS``: the minimum length (Django's, with a Chinese
message) and Django's common-password, numeric and similarity validators, whose messages
Django's own translation puts in Chinese.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

KINDS = ("大写字母", "小写字母", "数字", "符号")


def character_kinds(password: str) -> set[str]:
    """Which of the four kinds of character the password holds."""
    kinds = set()
    for char in password:
        if char.isupper():
            kinds.add("大写字母")
        elif char.islower():
            kinds.add("小写字母")
        elif char.isdigit():
            kinds.add("数字")
        elif not char.isspace() and not char.isalpha():
            kinds.add("符号")
    return kinds


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a Chinese message (Django's own translation has none for its plural)."""

    def get_error_message(self) -> str:
        return f"密码太短，须至少包含 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码须至少包含 {self.min_length} 个字符。"


class CharacterClassValidator:
    """Refuses a password with fewer than ``min_classes`` (3) of the four kinds."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if len(character_kinds(password)) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return f"密码须至少包含大写字母、小写字母、数字、符号四类字符中的 {self.min_classes} 类。"
