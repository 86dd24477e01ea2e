from portal.routing import entity_urls

app_name = "enterprises"
urlpatterns = entity_urls("enterprises")
