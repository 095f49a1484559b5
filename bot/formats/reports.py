"""Pieces of the import reports shared by the roster, programme and result importers."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Markup, Translate, join
from bot.tabular import Problem


def problem_line(t: Translate, problem: Problem, *, column: bool = True) -> Markup:
    """Return "file:line[:column]: reason" for one problem (file values escaped once)."""
    where = problem.format_location() if column else f"{problem.file}:{problem.line}"
    return join([f"{where}:", t(problem.key, **problem.params)], " ")


def cut(t: Translate, lines: Sequence[Markup], limit: int | None) -> list[Markup]:
    """Return at most `limit` lines, and a line saying how many more there were."""
    if limit is None or len(lines) <= limit:
        return list(lines)
    return [*lines[:limit], t("roster.report.more", count=len(lines) - limit)]


def refused(t: Translate, head: Markup, problems: Sequence[Problem], limit: int | None, *,
            column: bool = True) -> Markup:
    """Return the report of a refused file: its head, then a line per problem (up to `limit`)."""
    return join([head, *cut(t, [problem_line(t, p, column=column) for p in problems], limit)])


def warned(t: Translate, warnings: Sequence[Problem], limit: int | None, *,
           column: bool = True) -> list[Markup]:
    """Return the warnings part of a report: how many, then a line per warning (up to `limit`)."""
    if not warnings:
        return []
    lines = [problem_line(t, p, column=column) for p in warnings]
    return [t("roster.report.warnings", count=len(warnings)), *cut(t, lines, limit)]
