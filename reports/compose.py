"""A report's text for a unit and a period: every registered section in order, then 存在问题.

Each section is built by its app from its own query functions (``core.reporting``); this
module only orders them, leaves out those with nothing to say, and gathers the problems.
The dashboard calls the same builders, so a report and the dashboard of its period agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.periods import Period
from core.reporting import (
    Figure,
    Section,
    Table,
    chinese_ordinal,
    headline_builder,
    problem_finders,
    sections,
)

PROBLEMS = "problems"
HIGHLIGHTS = "highlights"
NEXT_STEPS = "next_steps"


def generated_sections(unit, period: Period) -> list[Section]:
    """Every registered section that has something to say, in order: the report's text, and
    the headline figures the dashboard shows (``reports.dashboard``) — one call for both."""
    built = []
    for spec in sections():
        section = spec.build(unit, period)
        if section is not None and not section.is_empty:
            built.append(section)
    return built


def generated_headlines(unit, period: Period) -> list[Figure]:
    """The headline figures of ``generated_sections(unit, period)``, in order: from a
    section's own headline builder where it registered one (fewer queries: no tables),
    from the whole section otherwise."""
    figures: list[Figure] = []
    for spec in sections():
        alone = headline_builder(spec.key)
        if alone is not None:
            figures += alone(unit, period) or []
            continue
        section = spec.build(unit, period)
        if section is not None and not section.is_empty:
            figures += section.headline
    return figures


def compose(unit, period: Period) -> list[Section]:
    """The generated sections of ``unit``'s report for ``period`` (no staff paragraphs)."""
    built = generated_sections(unit, period)
    problems = [sentence for finder in problem_finders() for sentence in finder.build(unit, period)]
    if problems:
        built.append(
            Section(key=PROBLEMS, title="存在问题", figures={"count": len(problems)}, paragraphs=problems)
        )
    return built


@dataclass
class Heading:
    """A numbered part of the document as it is read, printed and exported."""

    number: str  # 一、二、……
    key: str
    title: str
    paragraphs: list[str]
    tables: list[Table]
    numbered_paragraphs: bool = False  # 存在问题 and 下步打算 list their points as 1. 2. …
    by_staff: bool = False

    @property
    def heading(self) -> str:
        return f"{self.number}、{self.title}"


def _staff_paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def document(generated: list[Section], *, highlights: str = "", next_steps: str = "") -> list[Heading]:
    """The generated sections with the staff's 工作亮点 before 存在问题 and 下步打算 after it,
    numbered as they stand (a section left out leaves no gap)."""
    parts: list[tuple[str, str, list[str], list[Table], bool, bool]] = []
    staff_highlights = _staff_paragraphs(highlights)
    for section in generated:
        if section.key == PROBLEMS and staff_highlights:
            parts.append((HIGHLIGHTS, "工作亮点", staff_highlights, [], False, True))
            staff_highlights = []
        parts.append(
            (section.key, section.title, section.paragraphs, section.tables, section.key == PROBLEMS, False)
        )
    if staff_highlights:
        parts.append((HIGHLIGHTS, "工作亮点", staff_highlights, [], False, True))
    steps = _staff_paragraphs(next_steps)
    if steps:
        parts.append((NEXT_STEPS, "下步打算", steps, [], True, True))
    return [
        Heading(chinese_ordinal(index), key, title, paragraphs, tables, numbered, by_staff)
        for index, (key, title, paragraphs, tables, numbered, by_staff) in enumerate(parts, start=1)
    ]


def report_title(unit, period: Period) -> str:
    """变电所社区2026年11月民族团结进步创建工作报告."""
    return f"{unit.name}{period.label}民族团结进步创建工作报告"
