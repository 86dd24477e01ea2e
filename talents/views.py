from portal.crud import CrudViewSet
from talents import models


class TalentProjectViewSet(CrudViewSet):
    model = models.TalentProject
    fields = ["programme", "year", "enterprise", "candidate", "title"]
    list_columns = ["candidate", "programme", "year", "enterprise", "title"]
    filter_fields = ["year", "programme", "enterprise__township", "stages__step"]
    search_fields = ["candidate", "title", "enterprise__name"]
    detail_related = [("stages", "评审环节")]


class TalentStageViewSet(CrudViewSet):
    model = models.TalentStage
    fields = ["project", "step", "date", "result", "note"]
    list_columns = ["project", "step", "date", "result", "note"]
    list_select_related = ["project__enterprise"]
    filter_fields = [
        "step",
        "result",
        "project__year",
        "project__programme",
        "project__enterprise__township",
    ]
    search_fields = ["project__candidate", "project__enterprise__name", "note"]


class ForeignExpertViewSet(CrudViewSet):
    model = models.ForeignExpert
    fields = ["name", "nationality", "passport_number", "employer", "specialty"]
    list_columns = ["name", "nationality", "employer", "specialty"]
    filter_fields = ["nationality", "employer__township"]
    search_fields = ["name", "passport_number", "employer__name"]
    detail_related = [("permits", "工作许可")]


class WorkPermitViewSet(CrudViewSet):
    model = models.WorkPermit
    fields = [
        "expert",
        "permit_number",
        "category",
        "business",
        "issued_on",
        "valid_from",
        "valid_to",
    ]
    list_columns = ["permit_number", "expert", "category", "business", "issued_on", "valid_to"]
    list_select_related = ["expert__employer"]
    filter_fields = {
        "category": ["exact"],
        "business": ["exact"],
        "expert__employer__township": ["exact"],
        "issued_on": ["year"],
    }
    search_fields = ["permit_number", "expert__name", "expert__employer__name"]


class IntroProjectViewSet(CrudViewSet):
    model = models.IntroProject
    fields = ["title", "host", "experts", "expert_names", "year", "status"]
    list_columns = ["title", "host", "year", "status", "expert_names"]
    filter_fields = ["year", "status", "host__township"]
    search_fields = ["title", "host__name", "expert_names"]


VIEWSETS = [
    TalentProjectViewSet(),
    TalentStageViewSet(),
    ForeignExpertViewSet(),
    WorkPermitViewSet(),
    IntroProjectViewSet(),
]
