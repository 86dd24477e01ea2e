from django.urls import include, path

app_name = "reports"
urlpatterns = [
    path("", include("reports.dashboard.urls")),
    path("annual/", include("reports.annual.urls")),
]
