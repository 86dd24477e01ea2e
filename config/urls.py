from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bureau.forms import LoginForm
from bureau.pages import accounts, notifications, views
from ops import health
from portal import bulk, lookup, manual, notes, saved_views, search
from portal.routing import entity_urls

bureau_patterns = [
    *entity_urls("bureau"),
    path("profile/", views.profile, name="profile"),
    path("trash/", views.trash, name="trash"),
    path(
        "trash/<str:app_label>/<str:model_name>/<int:history_id>/restore/",
        views.trash_restore,
        name="trash-restore",
    ),
    path(
        "trash/<str:app_label>/<str:model_name>/batch/restore/",
        views.trash_restore_batch,
        name="trash-restore-batch",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("lookup/<str:label>/", lookup.lookup, name="lookup"),
    path("search/", search.search_page, name="search"),
    path("bulk/jobs/<int:pk>/", bulk.bulk_job, name="bulk-job"),
    path(
        "follow-up/<int:content_type_id>/<int:object_id>/add/",
        notes.note_add,
        name="follow-up-add",
    ),
    path("follow-up/<int:pk>/delete/", notes.note_delete, name="follow-up-delete"),
    path("saved-views/", saved_views.manage, name="saved-views"),
    path("saved-views/save/", saved_views.save, name="saved-view-save"),
    path("saved-views/<int:pk>/", saved_views.open_view, name="saved-view-open"),
    path("saved-views/<int:pk>/edit/", saved_views.update, name="saved-view-update"),
    path("saved-views/<int:pk>/delete/", saved_views.delete, name="saved-view-delete"),
    path("help/", manual.manual_for_user, name="manual-mine"),
    path("help/<str:name>/", manual.manual, name="manual"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", accounts.account, name="account"),
    path("account/sessions/end/", accounts.account_sessions_end, name="account-sessions-end"),
    path("users/", accounts.user_list, name="users"),
    path("users/new/", accounts.user_create, name="user-create"),
    path("users/<int:pk>/", accounts.user_edit, name="user-edit"),
    path("users/<int:pk>/password/", accounts.user_password_reset, name="user-password-reset"),
    path("users/<int:pk>/unlock/", accounts.user_unlock, name="user-unlock"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/open/",
        notifications.notification_open,
        name="notification-open",
    ),
    path("notifications/read/", notifications.notification_read_all, name="notifications-read-all"),
    path("bureau/", include((bureau_patterns, "bureau"))),
    path("enterprises/", include("enterprises.urls")),
    path("cultivation/", include("cultivation.urls")),
    path("talents/", include("talents.urls")),
    path("platforms/", include("platforms.urls")),
    path("poverty/", include("poverty.urls")),
    path("benefits/", include("benefits.urls")),
    path("imports/", include("imports.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "portal.errors.server_error"
