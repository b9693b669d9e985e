"""数据清单: the class of every field the installation's models keep (PIPL 第五十一条: 对个人信息实行分类管理).

Each app classifies its own models' fields in its ``hooks.py``, as it grants its permissions
there; core's ``hooks.py`` classifies core's models and those of Django and the third-party
apps the project installs (users, sessions, the sign-in lockout's attempts), which hold
personal data too::

    from core import inventory

    inventory.classify(
        Case,
        sensitive=("health_note",),
        personal=("party_name", "party_phone"),
        business=("org_unit", "status"),
        system=("id", "created_at"),
    )

``docs/security.md`` (数据清单) lists every field with its class, who may see it, whether
it is masked, and why it is kept. ``tests/test_core_inventory.py`` fails when a model has a
field nobody classified, when a classification names a field that doesn't exist, and when
the docs and this inventory differ. Core knows no app: models are named by label.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


class DataClass(models.TextChoices):
    # PIPL 第二十八条: 特定身份, 医疗健康, 金融账户/财产, 宗教信仰, 行踪轨迹, 不满十四周岁者的信息 …;
    # 民族 is kept under this class too (docs/security.md says why).
    SENSITIVE = "sensitive", "敏感个人信息"
    PERSONAL = "personal", "一般个人信息"
    # 等保2.0 鉴别信息: what proves who someone is (a password hash, a session key).
    CREDENTIAL = "credential", "鉴别信息"
    BUSINESS = "business", "业务数据"
    SYSTEM = "system", "系统/审计"

    @property
    def is_personal(self) -> bool:
        return self in PERSONAL_CLASSES


PERSONAL_CLASSES = frozenset({DataClass.SENSITIVE, DataClass.PERSONAL, DataClass.CREDENTIAL})

# model label (lower case, "residents.resident") → field name → class
_inventory: dict[str, dict[str, DataClass]] = {}


def _label(model: type[models.Model] | str) -> str:
    return model.lower() if isinstance(model, str) else model._meta.label_lower


def classify(
    model: type[models.Model] | str,
    *,
    sensitive: Iterable[str] = (),
    personal: Iterable[str] = (),
    credential: Iterable[str] = (),
    business: Iterable[str] = (),
    system: Iterable[str] = (),
) -> None:
    """Give ``model``'s fields (a model class, or a label such as ``"auth.User"``) their class.

    Several calls for one model add up; a field given two different classes is refused, as
    is a field named twice in one call. Calling again with the same classes changes nothing
    (hooks imported twice)."""
    given = {
        DataClass.SENSITIVE: sensitive,
        DataClass.PERSONAL: personal,
        DataClass.CREDENTIAL: credential,
        DataClass.BUSINESS: business,
        DataClass.SYSTEM: system,
    }
    label = _label(model)
    fields: dict[str, DataClass] = {}
    for data_class, names in given.items():
        for name in names:
            if name in fields:
                raise ValueError(
                    f"{label}.{name}: classified twice ({fields[name].label}, {data_class.label})"
                )
            fields[name] = data_class
    known = _inventory.setdefault(label, {})
    for name, data_class in fields.items():
        if known.get(name, data_class) != data_class:
            raise ValueError(f"{label}.{name} is already {known[name].label}, not {data_class.label}")
        known[name] = data_class


def classification() -> dict[str, dict[str, DataClass]]:
    """The inventory: model label (lower case) → field name → class."""
    return {label: dict(fields) for label, fields in _inventory.items()}


def field_names(model: type[models.Model]) -> list[str]:
    """The fields of ``model`` that keep something: its columns (foreign keys among them, and
    those inherited) and its many-to-many fields; not the reverse side of relations."""
    opts = model._meta
    return [field.name for field in [*opts.concrete_fields, *opts.many_to_many]]


def unclassified(models_: Iterable[type[models.Model]]) -> list[str]:
    """``"app.model.field"`` for every field of ``models_`` the inventory doesn't classify."""
    missing = []
    for model in models_:
        known = _inventory.get(model._meta.label_lower, {})
        missing += [f"{model._meta.label_lower}.{name}" for name in field_names(model) if name not in known]
    return missing


def unknown(models_: Iterable[type[models.Model]]) -> list[str]:
    """What the inventory names that ``models_`` don't have: a model (``"app.model"``) or a
    field (``"app.model.field"``) — renamed, removed, or a typo."""
    installed = {model._meta.label_lower: set(field_names(model)) for model in models_}
    found = []
    for label, fields in sorted(_inventory.items()):
        if label not in installed:
            found.append(label)
            continue
        found += [f"{label}.{name}" for name in sorted(fields) if name not in installed[label]]
    return found
