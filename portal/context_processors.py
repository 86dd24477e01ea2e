from functools import cache

from django.urls import NoReverseMatch, resolve, reverse
from django.utils.functional import SimpleLazyObject

from bureau import permissions
from portal.navigation import ADMIN_SIDEBAR, SIDEBAR


@cache
def _groups(with_admin: bool):
    """Sidebar groups with their URLs and the model behind each CRUD link, resolved once."""
    groups = [*SIDEBAR, ADMIN_SIDEBAR] if with_admin else SIDEBAR
    resolved = []
    for title, icon, items in groups:
        links = []
        for label, url_name, *predicates in items:
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue  # an app that is not installed
            viewset = getattr(resolve(url).func, "view_initkwargs", {}).get("viewset")
            links.append((label, url, viewset.model if viewset else None, predicates))
        resolved.append((title, icon, links))
    return resolved


def navigation(request):
    """The sidebar groups the user may open, with the current page marked."""
    user = getattr(request, "user", None)
    if not permissions.has_role(user):
        return {"sidebar": []}
    sidebar = []
    for title, icon, links in _groups(user.is_admin):
        visible = [
            {
                "label": label,
                "url": url,
                "active": request.path == url
                or request.path.startswith(url)
                and url.count("/") > 2,
            }
            for label, url, model, predicates in links
            if (model is None or permissions.can_view_model(user, model))
            and all(p(user) for p in predicates)
        ]
        if visible:
            sidebar.append({"title": title, "icon": icon, "links": visible})
    return {"sidebar": sidebar}


def bureau(request):
    """The bureau's identity for page titles and the header, read only when a page shows it."""
    from bureau.selectors import bureau_profile

    return {"bureau": SimpleLazyObject(bureau_profile)}
