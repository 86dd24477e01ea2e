from django.contrib import admin

from imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "entity",
        "file_name",
        "user",
        "status",
        "rows_total",
        "new_count",
        "changed_count",
        "invalid_count",
    )
    list_filter = ("status", "entity", "source")
    search_fields = ("file_name", "checksum", "user__username")
    readonly_fields = [f.name for f in ImportJob._meta.fields]
