from portal.routing import entity_urls

app_name = "talents"
urlpatterns = entity_urls("talents")
