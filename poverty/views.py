from portal.crud import CrudViewSet
from poverty import models


class KeyVillageViewSet(CrudViewSet):
    model = models.KeyVillage
    fields = ["village", "designated_year", "households", "is_active", "note"]
    list_columns = ["village", "designated_year", "households", "is_active"]
    list_select_related = ["village__township"]
    filter_fields = {
        "designated_year": ["exact", "lte"],
        "is_active": ["exact"],
        "village__township": ["exact"],
    }
    search_fields = ["village__name", "village__code"]
    detail_related = [("visits", "服务记录"), ("stations", "农科驿站"), ("demo_bases", "示范基地")]


class CommissionerViewSet(CrudViewSet):
    model = models.Commissioner
    fields = ["name", "sending_unit", "specialty", "phone", "is_active"]
    list_columns = ["name", "sending_unit", "specialty", "phone", "is_active"]
    filter_fields = ["is_active", "sending_unit"]
    search_fields = ["name", "sending_unit", "specialty"]
    detail_related = [("visits", "服务记录")]


class ServiceVisitViewSet(CrudViewSet):
    model = models.ServiceVisit
    fields = ["date", "village", "commissioners", "mode", "content", "farmers_trained"]
    list_columns = ["date", "village", "mode", "content", "farmers_trained"]
    list_select_related = ["village__village__township"]
    filter_fields = {
        "mode": ["exact"],
        "village": ["exact"],
        "village__village__township": ["exact"],
        "date": ["year", "month"],
    }
    search_fields = ["content", "village__village__name", "commissioners__name"]


class AgriStationViewSet(CrudViewSet):
    model = models.AgriStation
    fields = ["name", "village", "host", "built_on"]
    list_columns = ["name", "village", "host", "built_on"]
    list_select_related = ["village__village__township"]
    filter_fields = {"village__village__township": ["exact"], "built_on": ["year"]}
    search_fields = ["name", "host"]


class DemoBaseViewSet(CrudViewSet):
    model = models.DemoBase
    fields = ["name", "village", "operator", "year", "status"]
    list_columns = ["name", "village", "operator", "year", "status"]
    list_select_related = ["village__village__township"]
    filter_fields = ["year", "status", "village__village__township"]
    search_fields = ["name", "operator"]


class AchievementViewSet(CrudViewSet):
    model = models.Achievement
    fields = ["title", "holder", "village", "year", "status"]
    list_columns = ["title", "holder", "village", "year", "status"]
    list_select_related = ["village__village__township"]
    filter_fields = ["year", "status"]
    search_fields = ["title", "holder"]


VIEWSETS = [
    KeyVillageViewSet(),
    CommissionerViewSet(),
    ServiceVisitViewSet(),
    AgriStationViewSet(),
    DemoBaseViewSet(),
    AchievementViewSet(),
]
