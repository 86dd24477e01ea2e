"""我的筛选: saving, renaming and deleting a user's saved list views. Only the owner changes a
saved view; whoever may read it (the owner, and the users of the owner's role when it is
shared) is decided where it is read (``portal.saved_views``)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bureau.models import SavedView, User
from bureau.permissions import has_role
from bureau.services import save_unique
from bureau.text import clean_text

# Views one user may keep (all lists together): each shared one is counted on every workbench
# of the owner's role, so one account must not be able to flood them.
MAX_PER_USER = 50


def _check_owner(user, view: SavedView) -> None:
    if not has_role(user) or view.owner_id != user.pk:
        raise PermissionDenied(_("只有创建人可以修改或删除这个筛选。"))


@transaction.atomic
def saved_view_save(
    *,
    user,
    name: str,
    shared: bool = False,
    entity: str | None = None,
    query: str | None = None,
    view: SavedView | None = None,
) -> SavedView:
    """Save a new view of the list ``entity`` (``view`` None) with ``query``, or rename /
    (un)share the owner's ``view`` (its list and query stay). ``ValidationError`` with the
    Chinese messages of the model (name required, at most 40 characters, unique per owner and
    list)."""
    if view is None:
        if not has_role(user):
            raise PermissionDenied(_("您的账号还没有分配角色。"))
        # The owner's row locked: two saves at once cannot both pass the cap.
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
        if SavedView.objects.filter(owner=user).count() >= MAX_PER_USER:
            raise ValidationError(
                _("每人最多保存%(n)d个筛选，请先删除不再使用的筛选。") % {"n": MAX_PER_USER}
            )
        view = SavedView(owner=user, entity=entity or "", query=clean_text(query or ""))
    else:
        _check_owner(user, view)
    view.name = clean_text(name or "").strip()
    view.shared = bool(shared)
    view.full_clean()
    save_unique(view)  # a same-named view saved at the same moment: the model's message
    return view


@transaction.atomic
def saved_view_delete(*, user, view: SavedView) -> None:
    _check_owner(user, view)
    view.delete()
