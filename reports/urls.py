from django.urls import include, path

from reports import workbench

app_name = "reports"
urlpatterns = [
    path("workbench/", workbench.workbench, name="workbench"),
    path("", include("reports.dashboard.urls")),
    path("annual/", include("reports.annual.urls")),
]
