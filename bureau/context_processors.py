from django.urls import NoReverseMatch, resolve, reverse

from bureau import permissions
from bureau.navigation import ADMIN_SIDEBAR, SIDEBAR


def _resolve(url_name):
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _may_open(user, url) -> bool:
    viewset = getattr(resolve(url).func, "view_initkwargs", {}).get("viewset")
    return viewset is None or permissions.can_view_model(user, viewset.model)


def navigation(request):
    """The sidebar groups the user may open, with the current page marked."""
    user = getattr(request, "user", None)
    if not permissions.has_role(user):
        return {"sidebar": []}
    groups = list(SIDEBAR)
    if user.is_admin:
        groups.append(ADMIN_SIDEBAR)
    sidebar = []
    for title, icon, items in groups:
        links = []
        for label, url_name in items:
            url = _resolve(url_name)
            if url is None or not _may_open(user, url):
                continue
            links.append({"label": label, "url": url, "active": request.path.startswith(url)})
        if links:
            sidebar.append({"title": title, "icon": icon, "links": links})
    return {"sidebar": sidebar}
