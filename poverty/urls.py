from portal.routing import entity_urls

app_name = "poverty"
urlpatterns = entity_urls("poverty")
