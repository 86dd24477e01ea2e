"""``{% saved_views_of viewset as strip %}``: what the 我的筛选 strip of a list page shows, for
``templates/crud/_saved_views.html``: the views of this list the user may open (one query,
however many there are) and what the 保存当前筛选 form posts."""

from django import template

from bureau.models import SavedView
from portal.saved_views import entity_label, saved_query, saved_views_shown

register = template.Library()


@register.simple_tag(takes_context=True)
def saved_views_of(context, viewset) -> dict:
    request = context["request"]
    label = entity_label(viewset)
    views = saved_views_shown(request.user, label)
    return {
        "count": len(views),
        "more": views.more,
        "own": [view for view in views if view.owner_id == request.user.pk],
        "shared": [view for view in views if view.owner_id != request.user.pk],
        "entity": label,
        "query": saved_query(request.GET),
        "name_max_length": SavedView.NAME_MAX_LENGTH,
    }
