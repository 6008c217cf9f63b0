"""Close periods: a month (`YYYY-MM`), a quarter (`YYYY-Qn`) or a year (`YYYY`)."""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from wrvu.transforms.errors import WrvuError


@dataclass(frozen=True)
class Period:
    label: str  # 2026-03, 2026-Q1 or 2026
    start: date
    end: date

    @property
    def first_month(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def last_month(self) -> str:
        return f"{self.end:%Y-%m}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def prior(self) -> "Period":
        """The period of the same length just before."""
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        first = _add_months(self.start, -months)
        label = {1: f"{first:%Y-%m}", 3: f"{first.year}-Q{(first.month - 1) // 3 + 1}", 12: f"{first.year}"}[months]
        return parse_period(label)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def parse_period(text: str) -> Period:
    """`YYYY-MM`, `YYYY-Qn` or `YYYY`."""
    if match := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", text):
        year, month = int(match[1]), int(match[2])
        return Period(text, date(year, month, 1), _month_end(year, month))
    if match := re.fullmatch(r"(\d{4})-Q([1-4])", text.upper()):
        year, quarter = int(match[1]), int(match[2])
        return Period(f"{year}-Q{quarter}", date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))
    if re.fullmatch(r"\d{4}", text):
        return Period(text, date(int(text), 1, 1), date(int(text), 12, 31))
    raise WrvuError(f"{text!r} is not a period: use YYYY-MM, YYYY-Qn or YYYY")


def month_range(last_day: date, count: int) -> list[tuple[date, date]]:
    """The first and last day of the `count` months ending with the month of `last_day`, oldest first."""
    firsts = [_add_months(date(last_day.year, last_day.month, 1), -back) for back in range(count - 1, -1, -1)]
    return [(first, _month_end(first.year, first.month)) for first in firsts]
