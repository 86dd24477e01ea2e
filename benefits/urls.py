from django.urls import path

from benefits import views
from portal.routing import entity_urls

app_name = "benefits"
urlpatterns = [
    path("owed/", views.owed_list, name="owed"),
    *entity_urls("benefits"),
]
