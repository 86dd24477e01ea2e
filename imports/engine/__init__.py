"""Excel / CSV import and export for every entity.

- :mod:`.reader` sniffs and reads the file safely (python-calamine, csv);
- :mod:`.headers` finds the header row and matches columns by name or alias;
- :mod:`.normalise` and :mod:`.widgets` turn messy cells into values and back;
- :mod:`.resources` builds each entity's column mapping from its declaration (``Entity.sheet``);
- :mod:`.registry` lists the entities that have files, each with its resource and pages;
- :mod:`.pipeline` validates and upserts on natural keys in one transaction;
- :mod:`.bulk` writes with COPY on PostgreSQL, with history rows;
- :mod:`.export` writes exports, templates and error reports.

The ``imports`` app records each import (``ImportJob``), runs large ones in Celery and serves
the pages; its README lists each entity's natural key.
"""
