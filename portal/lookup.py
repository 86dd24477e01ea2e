"""Search-as-you-type for records too many to list in a drop-down (enterprises, villages ...).

A model opts in by naming the fields a person types into: ``lookup_fields = ("name",
"credit_code")``. Wherever such a record is chosen, in a form or a list's filters, from more than
``LOOKUP_DROPDOWN_MAX`` records the user may see, the drop-down carries only the chosen record(s)
and ``static/js/autocomplete.js`` turns it into a search box that asks
``lookup/<app>.<model>/?q=`` for matches: a page no longer ships 20,000 options, and a person
types a few characters of the name or code instead of scrolling. Fewer choices stay a plain
drop-down (a liaison's thirty enterprises, a district's dozen townships). The answer is scoped
like every other read, so a liaison finds only their township's records.
"""

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from bureau import permissions

RESULTS = 20


def has_lookup(model) -> bool:
    return bool(getattr(model, "lookup_fields", None))


def lookup_text(obj) -> str:
    """How a record reads in a search box: ``lookup_text`` where the name alone can be shared
    (two enterprises of one name in different districts), else ``str``."""
    return getattr(obj, "lookup_text", None) or str(obj)


class LookupSelectMixin:
    """Renders only the selected options; the rest arrive by search."""

    def __init__(self, model, attrs=None, **kwargs):
        super().__init__(attrs=attrs, **kwargs)
        self.model = model

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-lookup-url": reverse("lookup", args=[self.model._meta.label_lower]),
                **search_attrs(),
            }
        )
        return context

    def optgroups(self, name, value, attrs=None):
        selected = set()
        for v in value:
            try:  # a hand-edited address (?enterprise=abc) is not an error page
                selected.add(self.model._meta.pk.to_python(v))
            except ValidationError:
                continue
        selected.discard(None)
        options = []
        if not self.allow_multiple_selected:
            options.append(self.create_option(name, "", _("请选择"), not selected, 0))
        if selected:
            queryset = self.choices.queryset.filter(pk__in=selected)
            for index, obj in enumerate(queryset, start=len(options)):
                options.append(self.create_option(name, str(obj.pk), lookup_text(obj), True, index))
        return [(None, options, 0)]


class LookupSelect(LookupSelectMixin, forms.Select):
    pass


class LookupSelectMultiple(LookupSelectMixin, forms.SelectMultiple):
    pass


def search_attrs() -> dict:
    """What the search box says, for ``static/js/autocomplete.js``."""
    return {
        "data-placeholder": str(_("输入名称或代码搜索…")),
        "data-empty": str(_("没有匹配的记录")),
        "data-remove": str(_("移除")),
    }


def use_lookup_widgets(fields) -> None:
    """Swap the drop-down of every model choice over a searchable model for a search box when
    it would list more than ``LOOKUP_DROPDOWN_MAX`` records. A multi-select of fewer (or over
    a model without lookup fields) keeps its options and is searched in the page
    (``data-local-search``): the same box and chips, no Ctrl-click."""
    for field in fields.values():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        model = field.queryset.model
        multiple = isinstance(field, forms.ModelMultipleChoiceField)
        limit = settings.LOOKUP_DROPDOWN_MAX
        if not has_lookup(model) or not field.queryset[limit : limit + 1].exists():
            if multiple:  # few enough to list: searched in the page
                field.widget.attrs.update({"data-local-search": "1", **search_attrs()})
            continue
        widget_class = LookupSelectMultiple if multiple else LookupSelect
        field.widget = widget_class(model, attrs=field.widget.attrs)
        field.widget.choices = field.choices


@require_GET
def lookup(request, label):
    """Up to 20 records of ``label`` the user may see whose lookup fields contain ``q``."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError) as error:
        raise Http404 from error
    if not has_lookup(model) or not permissions.can_view_model(request.user, model):
        raise Http404
    queryset = permissions.scope_queryset(request.user, model._default_manager.all())
    term = request.GET.get("q", "").replace("\x00", "").strip()[:50]  # PostgreSQL refuses NUL
    if term:
        condition = None
        for name in model.lookup_fields:
            clause = Q(**{f"{name}__icontains": term})
            condition = clause if condition is None else condition | clause
        queryset = queryset.filter(condition)
    results = [{"id": obj.pk, "text": lookup_text(obj)} for obj in queryset[:RESULTS]]
    return JsonResponse({"results": results, "more": len(results) == RESULTS})
