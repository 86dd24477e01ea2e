from platforms import models
from portal.crud import CrudViewSet


class PlatformViewSet(CrudViewSet):
    model = models.Platform
    fields = [
        "name",
        "kind",
        "level",
        "host",
        "status",
        "year",
        "document_number",
        "recognised_on",
        "upgraded",
    ]
    list_columns = ["name", "kind", "level", "host", "status", "year", "upgraded"]
    filter_fields = {
        "year": ["exact"],
        "kind": ["exact"],
        "level": ["exact", "in"],
        "status": ["exact", "in"],
        "upgraded": ["exact"],
        "host__township": ["exact"],
    }
    search_fields = ["name", "host__name", "document_number"]


class RdCoverageViewSet(CrudViewSet):
    model = models.RdCoverage
    fields = [
        "enterprise",
        "year",
        "has_institution",
        "institution_name",
        "institution_type",
        "level",
        "established_on",
    ]
    list_columns = [
        "enterprise",
        "year",
        "has_institution",
        "institution_name",
        "institution_type",
        "level",
    ]
    list_select_related = ["enterprise__township"]
    filter_fields = [
        "year",
        "has_institution",
        "enterprise__township",
        "enterprise__is_above_scale",
        "institution_type",
    ]
    search_fields = ["enterprise__name", "institution_name"]


class CoverageMilestoneViewSet(CrudViewSet):
    model = models.CoverageMilestone
    fields = [
        "year",
        "date",
        "kind",
        "title",
        "participants",
        "key_enterprises",
        "document",
        "township",
    ]
    list_columns = ["title", "year", "date", "kind", "participants"]
    filter_fields = ["year", "kind"]
    search_fields = ["title", "document"]


VIEWSETS = [PlatformViewSet(), RdCoverageViewSet(), CoverageMilestoneViewSet()]
