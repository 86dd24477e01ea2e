"""A paginator that counts no more rows than it needs.

Django's ``Paginator`` numbers the pages from ``SELECT COUNT(*)`` over the whole filtered
list. At province scale that is 200,000 enterprises, 600,000 yearly figures or 450,000 service
visits counted on every list page, and the count, not the 25 rows shown, is most of the page's
database time (PostgreSQL has no stored row count: it reads every matching row, or at least
every index entry, each time).

``CappedPaginator`` counts at most ``cap + 1`` rows: ``SELECT COUNT(*) FROM (SELECT id ...
LIMIT cap + 1)``, ordering left out since it does not change a count. That costs the same
few milliseconds whatever the table's size. Up to ``cap`` rows it is Django's paginator, exact
in every respect. Beyond, the list is open-ended:

- ``count`` is ``MoreThan(cap)``: an ``int`` (cap + 1, the rows counted) that compares and
  pluralises as one and shows as "10000+", so the pages and templates that print the count
  (共 10000+ 条记录) need no change;
- any page can be asked for: a page reads one row more than it shows, which tells whether a
  next page exists, so 下一页 always works; ``num_pages`` is the last page known to exist (the
  cap's last page, or the page after the current one), which is what the page links end on;
- a page beyond the rows falls back to the cap's last page, as Django falls back to its last.

The count a page makes is thus bounded by ``cap + 1`` rows whatever the table's size. What is
not bounded is ``OFFSET``: page 4,000 of an unfiltered list still skips 100,000 rows, as it
would with any offset pagination; people filter long before that.

An alternative, the planner's estimate (``pg_class.reltuples``) for unfiltered lists, was
left aside: it is only right for a whole table (a liaison's list is always filtered by
township), it is PostgreSQL-only, and it drifts between ANALYZE runs, so the number shown would
change with nothing changed.
"""

import math

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class MoreThan(int):
    """A count known only to exceed ``bound``: ``bound + 1`` as a number, "10000+" as text."""

    bound: int

    def __new__(cls, bound: int):
        count = super().__new__(cls, bound + 1)
        count.bound = bound
        return count

    def __str__(self) -> str:
        return f"{self.bound}+"

    def __repr__(self) -> str:
        return f"MoreThan({self.bound})"


class CappedPaginator(Paginator):
    """Django's ``Paginator``, counting at most ``cap + 1`` rows (see the module's docstring)."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self._reached = 0  # the furthest page known to exist beyond the cap's pages

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return len(rows)
        counted = rows.order_by()[: self.cap + 1].count()
        return counted if counted <= self.cap else MoreThan(self.cap)

    @property
    def capped(self) -> bool:
        return isinstance(self.count, MoreThan)

    @property
    def num_pages(self) -> int:
        if not self.capped:
            return super().num_pages
        return max(math.ceil(self.count / self.per_page), self._reached)

    def validate_number(self, number) -> int:
        if not self.capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number  # no upper bound: page() finds out whether the page has rows

    def page(self, number) -> Page:
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        more = len(rows) > self.per_page
        self._reached = max(self._reached, number + 1 if more else number)
        return OpenPage(rows[: self.per_page], number, self, more=more)

    def get_page(self, number) -> Page:
        try:
            return super().get_page(number)
        except EmptyPage:  # a page beyond the rows of an open-ended list
            return self.page(math.ceil(self.count / self.per_page))


class OpenPage(Page):
    """A page of a list whose length is not counted: it knows whether a next page exists."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1
