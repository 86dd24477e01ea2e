from django.urls import path

from cultivation import views

app_name = "cultivation"
urlpatterns = [
    path("sme/", views.sme_list, name="sme"),
    path("hitech/", views.hitech_list, name="hitech"),
    path("renewal/", views.renewal_list, name="renewal"),
    path("enterprise/<int:pk>/", views.enterprise, name="enterprise"),
]
