"""The REST API: every entity declared with ``api=True`` (``<app>/entities.py``), plus
indicators and jobs.

The API is generated from the same declaration as the pages (through ``portal.crud.CrudViewSet``):
the form fields become the serializer fields, the list filters become query parameters, and
every write goes through ``bureau.services.record_save`` / ``record_delete``. So a record that
the form refuses, the API refuses with the same Chinese message, and the role and township
rules of ``bureau.permissions`` hold for both.
"""
