"""How a figure card writes its number: grouped by thousands, for reading at a glance."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from core.templatetags.core_tags import figure_number


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (18418, "18,418"),
        (999, "999"),
        (0, "0"),
        (1234567, "1,234,567"),
        (Decimal("25462.5"), "25,462.5"),
        ("无", "无"),
    ],
)
def test_a_figure_is_grouped_by_thousands(value, shown):
    assert figure_number(value) == shown


def test_a_figure_card_shows_the_grouped_number():
    html = render_to_string("core/_figure.html", {"name": "residents", "value": 18418, "label": "居民"})
    assert 'data-figure="residents">18,418<' in html
