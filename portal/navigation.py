"""The sidebar: the bureau's areas of work and the pages under each.

The groups and the links that are not an entity's list (dashboards, the annual report, import
jobs, the administrator's pages) are declared here. Each entity's list link is declared with the
entity (``Entity.nav``: group, label, order) and placed among these by its order.

A link may carry a predicate on the user; links to an entity's list are shown to whoever may
view its model (``portal.context_processors``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal import registry


@dataclass(frozen=True)
class Group:
    key: str  # what an entity's ``Nav.group`` names
    title: str
    icon: str  # a Bootstrap Icons class
    admin: bool = False  # shown to administrators only


@dataclass(frozen=True)
class Link:
    group: str
    order: int
    label: str
    url_name: str
    visible: Callable | None = None  # a predicate on the user, besides the model's view rule
    model: type[models.Model] | None = None  # the entity behind a list link


def _not_liaison(user) -> bool:
    return not user.is_liaison


def _can_edit(user) -> bool:
    return user.can_edit


GROUPS = (
    Group("reports", _("统计与报告"), "bi-bar-chart"),
    Group("innovation", _("创新主体"), "bi-building"),
    Group("cultivation", _("培育库"), "bi-graph-up-arrow"),
    Group("talents", _("科技人才"), "bi-people"),
    Group("platforms", _("创新载体"), "bi-diagram-3"),
    Group("poverty", _("科技扶贫"), "bi-tree"),
    Group("benefits", _("惠企政策"), "bi-cash-coin"),
    Group("ledger", _("工作台账"), "bi-journal-text"),
    Group("admin", _("系统管理"), "bi-gear", admin=True),
)

# The links that are not an entity's list. Entities take the orders in between
# (the administrators' group: 单位信息, then the reference data at 20-50, then these).
LINKS = (
    Link("reports", 5, _("工作台"), "reports:workbench"),
    Link("reports", 10, _("工作仪表盘"), "reports:dashboard"),
    Link("reports", 20, _("领导驾驶舱"), "reports:dashboard-screen"),
    Link("reports", 30, _("年度工作报告"), "reports:annual-list", _not_liaison),
    Link("reports", 40, _("导入记录"), "imports:job-list", _can_edit),
    Link("cultivation", 10, _("后备科小"), "cultivation:sme"),
    Link("cultivation", 20, _("后备高企"), "cultivation:hitech"),
    Link("cultivation", 30, _("高企待重新认定"), "cultivation:renewal"),
    Link("benefits", 25, _("应兑未兑"), "benefits:owed"),
    Link("admin", 10, _("单位信息"), "bureau:profile"),
    Link("admin", 60, _("用户管理"), "users"),
    Link("admin", 70, _("回收站"), "bureau:trash"),
)


def entity_links() -> list[Link]:
    """The list link of every entity declared with a ``nav`` entry."""
    return [
        Link(
            entity.nav.group,
            entity.nav.order,
            entity.nav.label,
            viewset.url_name("list"),
            model=entity.model,
        )
        for viewset in registry.viewsets()
        if (entity := viewset.declaration).nav is not None
    ]


def sidebar() -> list[tuple[Group, list[Link]]]:
    """Every group with its links in order, the administrators' group last."""
    links = [*LINKS, *entity_links()]
    keys = {group.key for group in GROUPS}
    for link in links:
        if link.group not in keys:
            raise ImproperlyConfigured(
                f"Sidebar link {link.url_name} names the group {link.group!r}; "
                f"the groups are {', '.join(sorted(keys))} (portal.navigation.GROUPS)."
            )
    places = [(link.group, link.order) for link in links]
    taken = sorted({place for place in places if places.count(place) > 1})
    if taken:
        raise ImproperlyConfigured(f"Two sidebar links share a group and an order: {taken}.")
    return [
        (group, sorted((link for link in links if link.group == group.key), key=_order))
        for group in GROUPS
    ]


def _order(link: Link) -> int:
    return link.order
