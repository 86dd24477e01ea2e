from functools import cache

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from bureau import permissions
from portal import navigation as nav


@cache
def _groups(with_admin: bool):
    """Sidebar groups with their URLs, resolved once."""
    resolved = []
    for group, links in nav.sidebar():
        if group.admin and not with_admin:
            continue
        urls = []
        for link in links:
            try:
                url = reverse(link.url_name)
            except NoReverseMatch:
                continue  # an app that is not installed
            predicates = [link.visible] if link.visible else []
            urls.append((link.label, url, link.model, predicates))
        resolved.append((group.title, group.icon, urls))
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
