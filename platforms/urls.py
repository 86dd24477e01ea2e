from portal.routing import entity_urls

app_name = "platforms"
urlpatterns = entity_urls("platforms")
