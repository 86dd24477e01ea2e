"""账户 pages: everyone's own account (password, recent logins, other sessions) and, for
administrators, 用户管理 in Chinese: create with role and township, edit, deactivate, give a
one-time password, unlock after failed logins. The rules live in ``bureau.accounts``."""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bureau import accounts
from bureau.models import Role, Township, User
from bureau.text import CleanInputMixin


class PasswordForm(forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("原密码"), strip=False, widget=forms.PasswordInput
    )
    new_password = forms.CharField(
        label=gettext_lazy("新密码"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=gettext_lazy(
            "至少8个字符，不能全是数字，不能与用户名或姓名相近，不能是常见密码。"
        ),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("再次输入新密码"), strip=False, widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class UserForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "full_name", "role", "township", "is_active"]
        labels = {"username": gettext_lazy("用户名"), "is_active": gettext_lazy("启用")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Township.objects.order_by("code")
        self.fields["township"].empty_label = _("请选择")
        if self.instance.pk:
            self.fields["username"].disabled = True


def _require_admin(user):
    if not user.is_admin:
        raise PermissionDenied(_("只有系统管理员可以管理用户。"))


def _apply(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def account(request):
    user = request.user
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            update_session_auth_hash(request, user)  # this browser stays signed in
            messages.success(request, _("密码已修改，原有的 API 令牌已作废，请重新获取。"))
            return redirect("account")
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "logins": accounts.recent_logins(user),
            "other_sessions": max(accounts.sessions_count(user) - 1, 0),
            "tokens": accounts.tokens_count(user),
            "must_change": user.must_change_password,
        },
    )


@login_required
@require_POST
def account_sessions_end(request):
    ended = accounts.sessions_end(user=request.user, keep=request.session.session_key)
    messages.success(request, _("已退出其他 %(n)s 处登录，API 令牌已作废。") % {"n": ended})
    return redirect("account")


@login_required
def user_list(request):
    _require_admin(request.user)
    users = User.objects.select_related("township").order_by("-is_active", "role", "username")
    return render(
        request,
        "accounts/user_list.html",
        {"users": users, "locked": accounts.locked_usernames(), "roles": Role},
    )


@login_required
def user_create(request):
    _require_admin(request.user)
    form = UserForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = accounts.user_create(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                role=data["role"],
                township=data["township"],
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            return _one_time_password_page(request, user, password)
    return render(request, "accounts/user_form.html", {"form": form})


def _one_time_password_page(request, user, password: str):
    """The password is shown once: no cache (the browser's, a proxy's) may keep the page."""
    response = render(
        request, "accounts/one_time_password.html", {"account": user, "password": password}
    )
    add_never_cache_headers(response)
    return response


@login_required
def user_edit(request, pk: int):
    _require_admin(request.user)
    user = get_object_or_404(User, pk=pk)
    if not accounts.may_manage(request.user, user):
        raise PermissionDenied(_("只有超级管理员可以修改超级管理员的账号。"))
    form = UserForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accounts.user_update(
                actor=request.user,
                user=user,
                full_name=data["full_name"],
                role=data["role"],
                township=data["township"],
                is_active=data["is_active"],
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, _("已保存：%(user)s") % {"user": user.username})
            return redirect("users")
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "account": user, "locked": user.username in accounts.locked_usernames()},
    )


@login_required
@require_POST
def user_password_reset(request, pk: int):
    _require_admin(request.user)
    user = get_object_or_404(User, pk=pk)
    password = accounts.user_password_reset(actor=request.user, user=user)
    return _one_time_password_page(request, user, password)


@login_required
@require_POST
def user_unlock(request, pk: int):
    _require_admin(request.user)
    user = get_object_or_404(User, pk=pk)
    accounts.user_unlock(actor=request.user, user=user)
    messages.success(request, _("已解锁：%(user)s") % {"user": user.username})
    return redirect("users")
