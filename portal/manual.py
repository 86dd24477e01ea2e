"""操作手册: a Chinese manual per role, kept in the repository as Markdown (portal/manual/) and
rendered by the portal; the header links every page to the manual of the user's role."""

from functools import cache
from pathlib import Path

import markdown
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe

from bureau.models import Role

MANUALS = Path(__file__).resolve().parent / "manual"
ROLES = {Role.ADMIN: "admin", Role.STAFF: "staff", Role.LIAISON: "liaison", Role.LEADER: "leader"}


@cache
def _rendered(name: str, mtime: float) -> tuple[str, str]:
    text = (MANUALS / f"{name}.md").read_text(encoding="utf-8")
    title = text.splitlines()[0].lstrip("# ").strip()
    # The manuals are the project's own files, not user input.
    return title, markdown.markdown(text, extensions=["sane_lists"])


def rendered(name: str) -> tuple[str, str]:
    path = MANUALS / f"{name}.md"
    if name not in ROLES.values() or not path.exists():
        raise Http404
    return _rendered(name, path.stat().st_mtime)


def manual_for_user(request):
    user = request.user
    role = Role.ADMIN if user.is_admin else user.role
    return redirect("manual", ROLES.get(role, "staff"))


def manual(request, name: str):
    title, html = rendered(name)
    others = [(key, rendered(key)[0]) for key in ROLES.values() if key != name]
    return render(
        request,
        "portal/manual.html",
        {"title": title, "html": mark_safe(html), "others": others},  # noqa: S308 - our files
    )
