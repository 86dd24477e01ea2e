"""The import pipeline: read, match headers, convert cells, match existing records on the
natural key, validate exactly as the forms do, then write everything in one transaction.

``Importer(entity, user=...).run(source, dry_run=True)`` is the preview; ``dry_run=False``
writes. Either way the result lists every row error with its sheet row (as Excel numbers it),
column letter, header and a Chinese message. By default one invalid row blocks the whole file;
``skip_invalid=True`` writes the valid rows and reports the others. Nothing is ever half-written:
the write happens inside ``transaction.atomic`` and any failure rolls all of it back. On
the way in, the new rows are written while the file is validated (``_stream_write``): whatever
the checks then find, the rows already sent are rolled back with the rest. Every write of a
batch goes through ``bureau.services.records_bulk_write``.

Validation is the forms' validation: every row goes through ``bureau.services.record_prepare``,
the step ``record_save`` runs before saving (the permission: a township liaison writes only rows
of their own township; the date bounds; ``full_clean`` with the model's check constraints), and
answers with the form's messages (``tests/test_write_parity.py``). Two checks are left to the
whole file, a few queries instead of some per row: uniqueness (``_check_unique``), and the
existence of the related records the cells name (resolved per column in bulk).
"""

import dataclasses
import gc
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from bureau import batch, permissions
from bureau.services import record_prepare, records_bulk_write
from imports.engine import normalise as norm
from imports.engine import widgets as w
from imports.engine.headers import (
    BoundColumn,
    find_header,
    missing_columns,
    missing_columns_error,
)
from imports.engine.normalise import EXAMPLE_MARK, CellError
from imports.engine.reader import NO_RESULT, ImportFileError, Sheet, read_sheets
from imports.engine.registry import Entity, get_entity
from imports.engine.screen import FieldScreen
from imports.engine.widgets import (
    BoolWidget,
    ChoiceWidget,
    DateWidget,
    LookupWidget,
    ManyLookupWidget,
)

SUMMARY_WORDS = ("合计", "总计", "小计", "总合计", "累计")
NOTE_WORDS = ("注：", "注:", "说明", "备注：", "填表", "制表", "审核人", "数据来源", "填报单位")
CHANGES_SAMPLE = 200
# The preview shows the file's first rows as they will be written; a fixed number, so the page
# (and the values it renders) costs the same for ten rows as for fifty thousand.
PREVIEW_ROWS = 20
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


@dataclasses.dataclass
class RowError:
    row: int
    column: str = ""
    header: str = ""
    message: str = ""

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def __str__(self):
        where = _("第%(row)d行") % {"row": self.row} if self.row else ""
        if self.column:
            where += _("第%(col)s列（%(h)s）") % {"col": self.column, "h": self.header}
        return f"{where}：{self.message}" if where else self.message


@dataclasses.dataclass
class ImportResult:
    entity: str
    file_name: str = ""
    sheet_name: str = ""
    header_row: int = 0
    total: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = dataclasses.field(default_factory=list)
    notices: list[str] = dataclasses.field(default_factory=list)
    changes: list[dict] = dataclasses.field(default_factory=list)
    # {"headers": [...], "rows": [{"row", "state", "cells": [[value, old or None], ...]}]}
    preview: dict = dataclasses.field(default_factory=dict)
    file_error: str = ""
    dry_run: bool = True
    skip_invalid: bool = False
    written: bool = False
    # Kept for the error report, not serialised.
    sheet: Sheet | None = dataclasses.field(default=None, repr=False)
    header_index: int = 0
    invalid_rows: list[int] = dataclasses.field(default_factory=list)

    @property
    def blocked(self) -> bool:
        """Nothing may be written: a file error, or invalid rows without ``skip_invalid``."""
        return bool(self.file_error) or (self.invalid > 0 and not self.skip_invalid)

    @property
    def ok(self) -> bool:
        return not self.blocked

    def summary(self) -> dict:
        return {
            "entity": self.entity,
            "file": self.file_name,
            "sheet": self.sheet_name,
            "header_row": self.header_row,
            "dry_run": self.dry_run,
            "skip_invalid": self.skip_invalid,
            "written": self.written,
            "ok": self.ok,
            "file_error": self.file_error,
            "counts": {
                "total": self.total,
                "new": self.new,
                "changed": self.changed,
                "unchanged": self.unchanged,
                "invalid": self.invalid,
            },
            "notices": list(self.notices),
            "errors": [error.as_dict() for error in self.errors],
        }


class _Row:
    __slots__ = ("number", "values", "instance", "state", "errors", "m2m", "key", "diff", "failed")

    def __init__(self, number):
        self.number = number
        self.values = {}
        self.instance = None
        self.state = None
        self.errors = []
        self.m2m = {}
        self.key = None
        self.diff = None
        self.failed = ()


@dataclasses.dataclass(slots=True)
class FieldChange:
    """A field a row changes on an existing record: its value before and in the file."""

    field: str
    old: object
    new: object


@dataclasses.dataclass(slots=True)
class ColumnStep:
    """How the importer reads one column of the sheet into one model field."""

    index: int  # the column's position in the sheet's rows
    widget: object  # the resource widget that turns a cell into a value
    target: str  # the model field it sets
    column: BoundColumn  # the sheet column it reads (letter and header, for messages)
    factor: Decimal | None = None  # the header's unit -> the field's (元 -> 万元)
    # An informational column (企业名称 beside 统一社会信用代码) read only when the column of
    # the field it falls back for is absent or blank in the row.
    is_fallback: bool = False
    memo: dict | None = None  # cell -> value, filled during one run (``memoisable`` steps)

    @property
    def memoisable(self) -> bool:
        """Its value depends on the cell alone (not on other cells of the row)."""
        return not self.is_fallback and _memoisable(self.widget, self.factor)


class Importer:
    """One import of one file into one entity on behalf of ``user`` (``None``: the system)."""

    # Prove the batch's fields valid column by column (``imports.engine.screen``) and run
    # ``clean_fields`` only on the rows it cannot prove; False runs it on every row (the tests
    # compare the two).
    screen_fields = True
    # On PostgreSQL, new rows are written while the file is being validated
    # (``_stream_write``), ``stream_chunk`` rows validated at a time; False: after it.
    stream_rows = True
    stream_chunk = 2000

    def __init__(
        self,
        entity: Entity | str,
        *,
        user=None,
        skip_invalid: bool = False,
        ignore_unknown: bool = False,
        file_name: str = "",
        progress=None,
    ):
        self.entity = get_entity(entity) if isinstance(entity, str) else entity
        self.resource = self.entity.resource()
        self.model = self.entity.model
        self.user = user
        self.skip_invalid = skip_invalid
        self.ignore_unknown = ignore_unknown
        self.file_name = file_name
        self.progress = progress or (lambda stage, done, total: None)
        self.reason = (_("Excel导入：%(f)s") % {"f": file_name or "-"})[:100]
        self._factory = None
        self._key_nullable = None
        self._screen = None

    # ---- the run ---------------------------------------------------------------------------

    def run(self, source, *, dry_run: bool = True) -> ImportResult:
        # A file makes a few objects per cell and per row, none of them cyclic: the cyclic
        # collector's passes over them (and over the whole sheet, each time) cost a fifth of
        # an import's CPU at 50,000 rows.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run(source, dry_run=dry_run)
        finally:
            if collecting:
                gc.enable()

    def _run(self, source, *, dry_run: bool) -> ImportResult:
        result = ImportResult(
            entity=self.entity.name,
            file_name=self.file_name,
            dry_run=dry_run,
            skip_invalid=self.skip_invalid,
        )
        try:
            self._check_permission()
            self.progress("read", 0, 0)
            sheets = read_sheets(source, filename=self.file_name)
            match = find_header(sheets, self.resource, ignore_unknown=self.ignore_unknown)
        except ImportFileError as error:
            result.file_error = str(error)
            return result
        result.sheet = match.sheet
        result.sheet_name = match.sheet.name
        result.header_index = match.row_index
        result.header_row = match.row_number
        result.notices.extend(match.notices)
        self.match = match
        self._bind(match)

        self.skipped_example = None
        rows = self._convert(match.sheet, match.row_index)
        if self.skipped_example:
            result.notices.append(
                _("第%(row)d行是模板的填写示例，未导入。") % {"row": self.skipped_example}
            )
        result.total = len(rows)
        if not rows:
            result.file_error = _("表头（第%(row)d行）下没有数据行。") % {"row": match.row_number}
            return result
        self._match_existing(rows)
        missing = missing_columns(match, self.resource, key_only=False)
        if missing and any(row.state == NEW for row in rows):
            result.file_error = missing_columns_error(
                self.resource, missing, row=match.row_number, for_new=True
            )
            return result
        streaming = self._streams(rows, dry_run)
        if not self.resource.row_by_row:
            if not streaming:
                self._validate(rows)
        else:
            # Saved one by one below, the valid ones; a row that already failed is not saved,
            # but is told every rule it breaks all the same.
            self._validate([row for row in rows if row.errors])
        if not streaming:
            self._check_unique(rows)
            self._tally(rows, result)
        try:
            with transaction.atomic():
                if self.resource.row_by_row:
                    self._write_row_by_row(rows, result)
                    self._tally(rows, result)
                elif streaming:
                    self._stream_write(rows, result)
                elif not result.blocked and not dry_run:
                    self._write(rows, result)
                if dry_run or result.blocked:
                    transaction.set_rollback(True)
                else:
                    result.written = True
        except (IntegrityError, DatabaseError) as error:
            result.written = False
            result.file_error = _(
                "写入数据库时发生冲突，已全部撤销（可能有人同时修改了相同记录），请重新导入。详情：%(e)s"
            ) % {"e": str(error).splitlines()[0][:200]}
        self.progress("done", result.total, result.total)
        return result

    def _write(self, rows: list[_Row], result: ImportResult, *, now=None, new=True):
        """The valid rows, checked already (``_validate``, ``_check_unique``), through the
        write service's batch write; ``new=False``: the changed rows only."""
        self.progress("write", 0, result.new + result.changed)
        valid = [r for r in rows if not r.errors]
        records_bulk_write(
            model=self.model,
            new=[r.instance for r in valid if r.state == NEW] if new else (),
            changed=[r.instance for r in valid if r.state == CHANGED],
            user=self.user,
            reason=self.reason,
            admin_only=self.entity.admin_only,
            prepared=True,
            now=now,
        )

    # ---- validating while writing ----------------------------------------------------------

    def _streams(self, rows: list[_Row], dry_run: bool) -> bool:
        """Whether the new rows are written while the file is validated (``_stream_write``):
        a bulk write on PostgreSQL of a file with new rows that nothing blocks yet, of a model
        whose validation asks the database nothing (a check constraint is validated by a
        query, and the connection is busy with the COPY)."""
        if dry_run or self.resource.row_by_row or not self.stream_rows:
            return False
        if not self.skip_invalid and any(row.errors for row in rows):
            return False  # blocked already: validated only to report, nothing to write
        if any(
            not isinstance(constraint, models.UniqueConstraint)
            for model in (self.model, *self.model._meta.all_parents)
            for constraint in model._meta.constraints
        ):
            return False
        return any(row.state == NEW and not row.errors for row in rows)

    def _stream_write(self, rows: list[_Row], result: ImportResult):
        """Validate the rows chunk by chunk inside the COPY that writes the new ones: each
        valid new row goes to PostgreSQL as soon as its chunk is checked, so the server inserts
        one chunk while Python checks the next (``records_bulk_write(stream=...)``). The whole-file
        checks (uniqueness) follow; whatever they or the rows find, the caller rolls every
        write back unless the file may be written, exactly as when the writing follows the
        checks.

        Two things send the file back the way it takes without streaming (the COPY rolled back
        to a savepoint, the rows' errors as before it): a validation that queries the database
        (``batch.QueryDuringCopy``: a model's ``clean()`` reading other records) and the COPY
        refused by the database (a unique index: the checks then word the error for the row,
        as they do when they run first). With ``skip_invalid``, a row written and only then
        found invalid by the whole-file checks (a deferred unique constraint) rolls the COPY
        back and the valid rows are written again, after the checks."""
        before = [len(row.errors) for row in rows]
        candidates = sum(1 for row in rows if row.state == NEW and not row.errors)
        checked = [row for row in rows if row.state is not None]
        emitted = []
        chunk = self.stream_chunk

        def valid_new():
            for start in range(0, len(checked), chunk):
                part = checked[start : start + chunk]
                self._validate(part)
                self.progress("write", start + len(part), len(checked))
                for row in part:
                    if row.state == NEW and not row.errors:
                        emitted.append(row)
                        yield row.instance

        now = batch.stamp()
        sid = transaction.savepoint()
        try:
            records_bulk_write(
                model=self.model,
                new=valid_new(),
                stream=candidates,
                per_read=chunk,
                user=self.user,
                reason=self.reason,
                admin_only=self.entity.admin_only,
                prepared=True,
                now=now,
            )
        except (batch.QueryDuringCopy, DatabaseError):
            transaction.savepoint_rollback(sid)
            for row, count in zip(rows, before, strict=True):
                del row.errors[count:]
            self._validate(rows)
            self._check_unique(rows)
            self._tally(rows, result)
            if not result.blocked:
                self._write(rows, result, now=now)
            return
        self._check_unique(rows, fresh={row.instance.pk for row in emitted})
        self._tally(rows, result)
        if result.blocked:
            return  # the caller rolls back
        if any(row.errors for row in emitted):
            transaction.savepoint_rollback(sid)
            for row in emitted:
                row.instance.pk = None
                row.instance._state.adding = True
            self._write(rows, result, now=now)
            return
        transaction.savepoint_commit(sid)
        self._write(rows, result, now=now, new=False)

    def _check_permission(self):
        if self.user is not None and not permissions.can_change_model(
            self.user, self.model, admin_only=self.entity.admin_only
        ):
            raise ImportFileError(
                _("您没有导入“%(m)s”的权限。") % {"m": self.model._meta.verbose_name}
            )

    # ---- columns ---------------------------------------------------------------------------

    def _bind(self, match):
        """Per column: the model field it sets, and the widget that reads it."""
        fields = self.resource.fields
        self.plan: list[ColumnStep] = []
        self.column_for = {}  # model field name -> bound column, for error messages
        for bc in match.columns:
            fallback = getattr(bc.column, "fallback_for", None)
            if bc.column.readonly and not fallback:
                continue
            if fallback:
                target = fields[fallback].attribute
                widget = fields[fallback].widget
            else:
                target = bc.column.attribute
                widget = bc.widget
            self.plan.append(
                ColumnStep(
                    index=bc.index,
                    widget=widget,
                    target=target,
                    column=bc,
                    factor=bc.factor,
                    is_fallback=bool(fallback),
                )
            )
            if not fallback or target not in self.column_for:
                self.column_for[target] = bc
        self.present = {step.target for step in self.plan}
        self.model_fields = {f.name: f for f in self.model._meta.get_fields() if f.concrete}

    # ---- cells -> values -------------------------------------------------------------------

    def _is_example(self, raw) -> bool:
        """The template's example row, left in by the person who filled it: the template marks
        it beside its last column (``EXAMPLE_MARK``). It is never imported."""
        return any(type(cell) is str and cell.strip() == EXAMPLE_MARK for cell in raw)

    def _data_rows(self, sheet: Sheet, header_index: int):
        for index in range(header_index + 1, len(sheet.rows)):
            raw = sheet.rows[index]
            if self._is_example(raw):
                self.skipped_example = index + 1
                continue
            # The first filled cell; the row's other cells are counted only for a note.
            head = _MISSING
            for c in raw:
                if c is not None and c != "" and not (type(c) is str and c.isspace()):
                    head = c
                    break
            if head is _MISSING:
                continue
            # Summary and note rows start with Chinese words: a number, a date or ASCII text
            # (a credit code) cannot, so only other text is compacted to be compared.
            if type(head) is str and not head.isascii():
                first = norm.compact(head)
                if first.startswith(SUMMARY_WORDS):
                    continue
                if first.startswith(NOTE_WORDS) and _filled_count(raw) == 1:
                    continue
            yield index + 1, raw

    def _convert(self, sheet: Sheet, header_index: int) -> list[_Row]:
        """Cells to values, one column at a time (each row's steps run in the plan's order, so
        a row ends as it would read cell by cell; a fallback column sees the row's values of
        the columns before it)."""
        data = list(self._data_rows(sheet, header_index))
        self._prepare_lookups(data)
        total = len(data)
        key_targets = [self.resource.fields[name].attribute for name in self.resource.natural_key()]
        rows = [_Row(number) for number, _raw in data]
        raws = [raw for _number, raw in data]
        failed = [()] * total
        self.progress("validate", 0, total)
        for done, step in enumerate(self.plan, 1):
            # Townships, yes/no, choices, dates repeat down a column: read each distinct cell
            # once.
            step.memo = {} if step.memoisable else None
            index = step.index
            cells = [raw[index] if index < len(raw) else None for raw in raws]
            self._convert_column(step, rows, cells, failed)
            self.progress("validate", total * done // (len(self.plan) + 1), total)
        for row, row_failed in zip(rows, failed, strict=True):
            row.failed = row_failed
            values = row.values
            key = []
            for target in key_targets:
                value = values.get(target)
                key.append(value.pk if isinstance(value, models.Model) else value)
            row.key = tuple(key)
        self.progress("validate", total, total)
        return rows

    def _convert_column(self, step: ColumnStep, rows: list[_Row], cells: list, failed: list):
        target = step.target
        widget = step.widget
        memo = step.memo
        factor = step.factor
        fallback = step.is_fallback
        # Plain text read as TextWidget reads it, without the call: printable text (so nothing
        # for ``bureau.text`` to strip) not starting with the export's quote, within the length.
        plain = type(widget) is w.TextWidget
        limit = getattr(widget, "max_length", None)
        for i, cell in enumerate(cells):
            row = rows[i]
            values = row.values
            if fallback and (
                values.get(target) is not None or target in failed[i] or norm.is_blank(cell)
            ):
                continue
            if plain and cell.__class__ is str and cell.isprintable():
                text = cell.strip()
                if text[:1] != "#" and text[:1] != "'" and len(text) <= limit:
                    values[target] = text
                    continue
            if cell.__class__ is CellError or (
                cell.__class__ is str and cell[:1] == "#" and norm.excel_error(cell)
            ):
                # Not a blank: a formula without a result, whatever the column holds.
                bc = step.column
                row.errors.append(RowError(row.number, bc.letter, bc.header, _cell_error(cell)))
                failed[i] = (*failed[i], target)
                continue
            try:
                if memo is not None:
                    value = memo.get(cell, _MISSING)
                    if value is _MISSING:
                        value = memo[cell] = widget.clean(cell, row=values)
                elif factor is not None:
                    value = widget.clean(cell, row=values, factor=factor)
                else:
                    value = widget.clean(cell, row=values)
            except ValueError as error:
                bc = step.column
                row.errors.append(RowError(row.number, bc.letter, bc.header, str(error)))
                failed[i] = (*failed[i], target)
                continue
            values[target] = value

    def _prepare_lookups(self, data):
        """Resolve every related record the file names with a few queries per column."""
        by_widget = defaultdict(list)
        widgets = {}
        for step in self.plan:
            widget, index = step.widget, step.index
            if isinstance(widget, LookupWidget):
                by_widget[id(widget)].extend(raw[index] for _n, raw in data if index < len(raw))
                widgets[id(widget)] = widget
        for key, widget in widgets.items():
            widget.prepare(by_widget[key], user=self.user)

    # ---- existing records ------------------------------------------------------------------

    def _key_attnames(self):
        names = []
        for name in self.resource.natural_key():
            f = self.model._meta.get_field(self.resource.fields[name].attribute)
            names.append(f.attname)
        return names

    def _match_existing(self, rows: list[_Row]):
        attnames = self._key_attnames()
        complete = [self._key_complete(r) for r in rows]
        firsts = sorted({r.key[0] for r, ok in zip(rows, complete, strict=True) if ok}, key=str)
        existing = {}
        chunk = settings.IMPORT_QUERY_CHUNK
        for start in range(0, len(firsts), chunk):
            for obj in self._existing(attnames[0], firsts[start : start + chunk]):
                existing[tuple(getattr(obj, a) for a in attnames)] = obj
        allowed = None
        if self.user is not None and self.user.is_liaison and existing:
            ids = [obj.pk for obj in existing.values()]
            allowed = set()
            for start in range(0, len(ids), chunk):
                allowed.update(
                    permissions.scope_queryset(
                        self.user,
                        self.model._default_manager.filter(pk__in=ids[start : start + chunk]),
                    ).values_list("pk", flat=True)
                )
        for row, ok in zip(rows, complete, strict=True):
            if not ok:
                self._key_error(row)
                continue
            obj = existing.get(row.key)
            if obj is None:
                row.state = NEW
                row.instance = self._new_instance(row)
                continue
            if allowed is not None and obj.pk not in allowed:
                self._refuse_hidden_match(row)
                continue
            diff = self._diff(obj, row)
            if diff:
                row.state = CHANGED
                row.diff = diff
                for name, value in row.values.items():
                    if self.model_fields[name].many_to_many:
                        row.m2m[name] = value
                    else:
                        setattr(obj, name, value)
            else:
                row.state = UNCHANGED
            row.instance = obj

    def _existing(self, attname: str, values: list):
        """The records whose ``attname`` is among ``values``, as model instances. A liaison's
        come with their township, m2m columns with their members and a manager's related
        records with them, through the ORM; else
        the rows are read as plain tuples and the instances made as ``Model.from_db`` makes
        them, without its per-row call overhead (a re-import reads every record it names)."""
        queryset = self.model._default_manager.all()
        # One array parameter instead of thousands of placeholders to compile and bind.
        column = connection.ops.quote_name(self.model._meta.get_field(attname).column)
        table = connection.ops.quote_name(self.model._meta.db_table)
        queryset = queryset.extra(where=[f"{table}.{column} = ANY(%s)"], params=[values])
        m2m = [n for n in self.present if self.model_fields[n].many_to_many]
        liaison = self.user is not None and self.user.is_liaison and self.model.township_lookup
        if m2m or liaison or queryset.query.select_related or not _plain_init(self.model):
            if liaison:
                queryset = queryset.select_related(self.model.township_lookup)
            if m2m:
                queryset = queryset.prefetch_related(*m2m)
            return list(queryset)
        fields = self.model._meta.concrete_fields
        names = [f.attname for f in fields]
        db = queryset.db
        model = self.model
        found = []
        for values_ in queryset.values_list(*names):
            obj = model.__new__(model)
            state = models.base.ModelState()
            state.adding = False
            state.db = db
            obj._state = state
            obj.__dict__.update(zip(names, values_, strict=True))
            found.append(obj)
        return found

    def _refuse_hidden_match(self, row):
        """A liaison's row names a record of another township. It is answered as the form
        answers the same row typed as a new record: refused for a township not theirs, else
        refused by the natural key's own uniqueness message (the form's). Nothing says where
        the record is: the township is never named, and a code unknown to the district and
        pointed at another township gets the very same answer."""
        candidate = self._new_instance(row)
        row.m2m = {}
        try:
            permissions.check_can_change(self.user, candidate, admin_only=self.entity.admin_only)
            candidate.validate_unique()
            candidate.validate_constraints()
        except PermissionDenied as error:
            row.errors.append(RowError(row.number, message=str(error)))
            return
        except ValidationError as error:
            self._add_validation_errors(row, error)
            return
        row.errors.append(RowError(row.number, message=_("与已有记录重复。")))

    def _key_complete(self, row) -> bool:
        if self._key_nullable is None:
            self._key_nullable = [
                self.model._meta.get_field(self.resource.fields[name].attribute).null
                for name in self.resource.natural_key()
            ]
        for value, nullable in zip(row.key, self._key_nullable, strict=True):
            if (value is None or value == "") and not nullable:
                return False
        return True

    def _key_error(self, row):
        for name, value in zip(self.resource.natural_key(), row.key, strict=True):
            column = self.resource.fields[name]
            if value in (None, "") and column.attribute not in row.failed:
                bc = self.column_for.get(column.attribute)
                row.errors.append(
                    RowError(
                        row.number,
                        bc.letter if bc else "",
                        bc.header if bc else column.column_name,
                        _("“%(h)s”不能为空：按它识别记录。") % {"h": column.column_name},
                    )
                )

    def _new_instance(self, row):
        if self._factory is None:
            self._factory = _InstanceFactory(self.model)
        return self._factory(row)

    def _diff(self, obj, row) -> list["FieldChange"]:
        diff = []
        for name, value in row.values.items():
            f = self.model_fields[name]
            if f.many_to_many:
                old = {o.pk for o in getattr(obj, name).all()}
                if old != {o.pk for o in value}:
                    diff.append(FieldChange(name, old, value))
                continue
            old = getattr(obj, f.attname)
            new = value.pk if isinstance(value, models.Model) else value
            if old != new and not (old in (None, "") and new in (None, "")):
                diff.append(FieldChange(name, getattr(obj, name) if f.is_relation else old, value))
        return diff

    # ---- validation ------------------------------------------------------------------------

    def _validate(self, rows: list[_Row]):
        """``record_prepare`` on every row, as ``record_save`` runs it for a form: the
        permission, the dates, ``full_clean`` and the check constraints. Two things are left
        to the batch: uniqueness (``_check_unique``, a few queries for the whole file) and the
        existence of related records the lookups have just found (one query per column)."""
        fk_fields = [f for f in self.model._meta.concrete_fields if f.is_relation]
        admin_only = self.entity.admin_only
        user = self.user
        screen = None
        if self.screen_fields:
            if self._screen is None:
                self._screen = FieldScreen(self.model)
            screen = self._screen.prove([row.instance for row in rows if row.state is not None])
        for row in rows:
            if row.state is None:
                continue
            instance = row.instance
            validate = row.state != UNCHANGED or bool(row.failed)
            try:
                record_prepare(
                    instance=instance,
                    user=user,
                    admin_only=admin_only,
                    validate=validate,
                    exclude=row.failed,
                    found=[f.name for f in fk_fields if getattr(instance, f.attname) is not None]
                    if validate
                    else (),
                    unique=False,
                    screen=screen,
                )
            except PermissionDenied as error:
                row.errors.append(RowError(row.number, message=str(error)))
            except ValidationError as error:
                self._add_validation_errors(row, error)

    def _add_validation_errors(self, row, error: ValidationError):
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                row.errors.append(RowError(row.number, message=str(message)))
            return
        for name, messages in error.message_dict.items():
            bc = self.column_for.get(name) if name != NON_FIELD_ERRORS else None
            label = ""
            if bc is None and name != NON_FIELD_ERRORS and name in self.model_fields:
                label = f"{self.model_fields[name].verbose_name}："
            for message in messages:
                row.errors.append(
                    RowError(
                        row.number,
                        bc.letter if bc else "",
                        bc.header if bc else "",
                        f"{label}{message}",
                    )
                )

    def _unique_sets(self) -> list[tuple[str, ...]]:
        sets = [
            (f.name,) for f in self.model._meta.concrete_fields if f.unique and not f.primary_key
        ]
        for constraint in self.model._meta.constraints:
            if (
                isinstance(constraint, models.UniqueConstraint)
                and constraint.fields
                and constraint.condition is None
            ):
                sets.append(tuple(constraint.fields))
        key = tuple(self.resource.fields[n].attribute for n in self.resource.natural_key())
        if key not in sets:
            sets.insert(0, key)
        return sets

    def _check_unique(self, rows: list[_Row], *, fresh: frozenset | set = frozenset()):
        """Duplicates inside the file, and clashes with other records in the database, for the
        natural key and every unique field or constraint: one query per constraint (per
        ``IMPORT_QUERY_CHUNK`` values), and one per related model the messages name. ``fresh``:
        the ids of this file's rows already written (``_stream_write``), which are no other
        record."""
        key = tuple(self.resource.fields[n].attribute for n in self.resource.natural_key())
        chunk = settings.IMPORT_QUERY_CHUNK
        clashes: list[_Clash] = []
        for names in self._unique_sets():
            fields = [self.model._meta.get_field(n) for n in names]
            attnames = [f.attname for f in fields]
            seen = defaultdict(list)
            for row in rows:
                if row.instance is None or row.errors and row.state is None:
                    continue
                values = tuple(getattr(row.instance, a) for a in attnames)
                if any(v in (None, "") for v in values):
                    continue
                seen[values].append(row)
            label = "、".join(str(f.verbose_name) for f in fields)
            column = self.column_for.get(names[0])
            for values, dupes in seen.items():
                if len(dupes) < 2:
                    continue
                numbers = [r.number for r in dupes]
                for row in dupes:
                    others = "、".join(str(n) for n in numbers if n != row.number)
                    clashes.append(_Clash(row, column, fields, values, label, others))
            if names == key:
                continue
            pending = {
                values: dupes[0]
                for values, dupes in seen.items()
                if dupes[0].state in (NEW, CHANGED) and not dupes[0].errors
            }
            if not pending:
                continue
            firsts = sorted({v[0] for v in pending}, key=str)
            for start in range(0, len(firsts), chunk):
                found = self.model._default_manager.filter(
                    **{f"{attnames[0]}__in": firsts[start : start + chunk]}
                ).values_list(*attnames, "pk")
                for *values, pk in found:
                    row = pending.get(tuple(values))
                    if row is not None and row.instance.pk != pk and pk not in fresh:
                        clashes.append(_Clash(row, column, fields, tuple(values), label))
        if not clashes:
            return
        named = self._related_names(clashes)
        for clash in clashes:
            shown = "、".join(
                named[f][v] if f.is_relation and v in named[f] else norm.cell_text(v)
                for f, v in zip(clash.fields, clash.values, strict=True)
            )
            if clash.others is not None:
                message = _("文件中有重复记录：与第%(rows)s行的%(label)s相同（%(v)s）。") % {
                    "rows": clash.others,
                    "label": clash.label,
                    "v": shown,
                }
            else:
                message = _("与已有记录重复：%(label)s为“%(v)s”的记录已存在。") % {
                    "label": clash.label,
                    "v": shown,
                }
            bc = clash.column
            clash.row.errors.append(
                RowError(
                    clash.row.number, bc.letter if bc else "", bc.header if bc else "", message
                )
            )

    @staticmethod
    def _related_names(clashes) -> dict:
        """``{field: {pk: str(record)}}`` for the related records the messages name, read with
        one query per foreign key however many rows clash."""
        wanted = defaultdict(set)
        for clash in clashes:
            for f, v in zip(clash.fields, clash.values, strict=True):
                if f.is_relation:
                    wanted[f].add(v)
        chunk = settings.IMPORT_QUERY_CHUNK
        named = {}
        for f, pks in wanted.items():
            pks = sorted(pks, key=str)
            named[f] = {}
            for start in range(0, len(pks), chunk):
                found = f.related_model._default_manager.in_bulk(pks[start : start + chunk])
                named[f].update({pk: str(obj) for pk, obj in found.items()})
        return named

    # ---- writing ---------------------------------------------------------------------------

    def _write_row_by_row(self, rows: list[_Row], result: ImportResult):
        """Entities with many-to-many columns, or a ``clean()`` reading other rows, are checked
        and saved one row at a time, in the file's order (``records_bulk_write(in_order=True)``:
        ``record_save`` each in a savepoint, so one bad row reports its error and the rest carry
        on); the caller rolls everything back when the import is blocked."""
        todo = [r for r in rows if r.state in (NEW, CHANGED) and not r.errors]
        new = [r for r in todo if r.state == NEW]
        changed = [r for r in todo if r.state == CHANGED]
        by_instance = {id(r.instance): r for r in todo}
        self.progress("write", 0, len(todo))
        outcome = records_bulk_write(
            model=self.model,
            new=[r.instance for r in new],
            changed=[r.instance for r in changed],
            links=[r.m2m or None for r in (*new, *changed)],
            user=self.user,
            reason=self.reason,
            admin_only=self.entity.admin_only,
            skip_invalid=True,
            in_order=True,
        )
        for instance, error in outcome.refused:
            row = by_instance[id(instance)]
            if isinstance(error, ValidationError):
                self._add_validation_errors(row, error)
            else:
                row.errors.append(RowError(row.number, message=str(error)))
        self.progress("write", len(todo), len(todo))
        admin_only = self.entity.admin_only
        for row in rows:
            if row.state == UNCHANGED and not row.errors:
                try:
                    record_prepare(
                        instance=row.instance, user=self.user, admin_only=admin_only, validate=False
                    )
                except PermissionDenied as error:
                    row.errors.append(RowError(row.number, message=str(error)))

    # ---- counts ----------------------------------------------------------------------------

    def _tally(self, rows: list[_Row], result: ImportResult):
        result.new = result.changed = result.unchanged = result.invalid = 0
        result.errors = []
        result.invalid_rows = []
        result.changes = []
        for row in rows:
            if row.errors:
                result.invalid += 1
                result.invalid_rows.append(row.number)
                result.errors.extend(
                    sorted(
                        row.errors, key=lambda e: (len(e.column), e.column) if e.column else (9, "")
                    )
                )
            elif row.state == NEW:
                result.new += 1
            elif row.state == CHANGED:
                result.changed += 1
                if len(result.changes) < CHANGES_SAMPLE:
                    result.changes.append(self._describe_change(row))
            elif row.state == UNCHANGED:
                result.unchanged += 1
        result.preview = self._preview(rows[:PREVIEW_ROWS])

    def _preview(self, rows: list[_Row]) -> dict:
        """The first rows as the values that will be written (as text, like the change
        sample), each with its state and, on a changed row, the old value of each cell it
        changes. Built from what the run holds already: no query of its own."""
        targets = list(dict.fromkeys(step.target for step in self.plan))
        headers = [self.column_for[t].header for t in targets]
        out = []
        for row in rows:
            old = {change.field: _show(change.old) for change in row.diff or ()}
            state = "invalid" if row.errors else row.state
            cells = [[_show(row.values[t]) if t in row.values else "", old.get(t)] for t in targets]
            out.append({"row": row.number, "state": state, "cells": cells})
        return {"headers": headers, "rows": out}

    def _describe_change(self, row) -> dict:
        fields = []
        for change in row.diff or ():
            bc = self.column_for.get(change.field)
            header = bc.header if bc else str(self.model_fields[change.field].verbose_name)
            fields.append([header, _show(change.old), _show(change.new)])
        key = "、".join(_show(getattr(row.instance, n)) for n in self._key_names())
        return {"row": row.number, "key": key, "fields": fields}

    def _key_names(self):
        return [self.resource.fields[n].attribute for n in self.resource.natural_key()]


_MISSING = object()


@dataclasses.dataclass(slots=True)
class _Clash:
    """A row whose values of a unique set (the natural key, a unique field or constraint) are
    those of another row of the file (``others``: their row numbers) or of another record."""

    row: _Row
    column: BoundColumn | None  # where the error is shown: the set's first column
    fields: list
    values: tuple
    label: str
    others: str | None = None


def _filled_count(raw) -> int:
    return sum(1 for c in raw if c is not None and c != "" and not (type(c) is str and c.isspace()))


def _cell_error(cell) -> str:
    code = norm.excel_error(cell)
    if code == NO_RESULT:
        return _(
            "单元格是公式，但文件中没有保存它的计算结果（常见于系统生成的表格），"
            "请在Excel中打开并保存后重新导入，或填写实际的值。"
        )
    return _("单元格是Excel错误值“%(c)s”（公式没有算出结果），请填写实际的值。") % {"c": code}


def _plain_init(model) -> bool:
    """``Model.__init__`` does nothing but set the fields: no override, no init signals."""
    return (
        model.__init__ is models.Model.__init__
        and not models.signals.pre_init.has_listeners(model)
        and not models.signals.post_init.has_listeners(model)
    )


def _memoisable(widget, factor) -> bool:
    """Widgets whose result depends on the cell alone (not on other cells of the row)."""
    if factor is not None or getattr(widget, "within", None):
        return False
    return isinstance(
        widget, LookupWidget | BoolWidget | ChoiceWidget | DateWidget
    ) and not isinstance(widget, ManyLookupWidget)


class _InstanceFactory:
    """Builds unsaved instances as ``Model(**values)`` would, several times faster: the field
    defaults are worked out once and related records go straight into the relation cache."""

    def __init__(self, model):
        self.model = model
        self.static = {}
        self.dynamic = []
        for f in model._meta.concrete_fields:
            if f.primary_key:
                self.static[f.attname] = None
            elif f.has_default() and callable(f.default):
                self.dynamic.append((f.attname, f.default))
            else:
                self.static[f.attname] = f.get_default()
        self.relations = {f.name: f.attname for f in model._meta.concrete_fields if f.is_relation}
        self.m2m = {f.name for f in model._meta.many_to_many}

    def __call__(self, row):
        obj = self.model.__new__(self.model)
        state = models.base.ModelState()
        obj._state = state
        data = obj.__dict__
        data.update(self.static)
        for attname, default in self.dynamic:
            data[attname] = default()
        relations = self.relations
        for name, value in row.values.items():
            if name in relations:
                data[relations[name]] = value.pk if value is not None else None
                if value is not None:
                    state.fields_cache[name] = value
            elif name in self.m2m:
                row.m2m[name] = value
            else:
                data[name] = value
        return obj


def _show(value) -> str:
    if isinstance(value, set):
        return "、".join(str(v) for v in sorted(value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return norm.cell_text(value)


def run_import(entity, source, *, user=None, dry_run=True, skip_invalid=False, **kwargs):
    """Shortcut: ``Importer(entity, user=user, ...).run(source, dry_run=dry_run)``."""
    return Importer(entity, user=user, skip_invalid=skip_invalid, **kwargs).run(
        source, dry_run=dry_run
    )
