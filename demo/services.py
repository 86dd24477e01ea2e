"""Writing the demo data: per row through ``record_save`` or in validated bulk batches.

``demo_seed`` is what ``manage.py seed_demo`` runs. Every record has a natural key
(``NATURAL_KEYS``); a record whose key is already in the database is left alone, so running the
command twice adds nothing, and a city run after a district run adds only the other counties.
"""

import datetime
import gc
import itertools
import multiprocessing
import os
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from queue import Empty

from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bureau.models import (
    AnnualTarget,
    BureauProfile,
    Department,
    ExternalFigure,
    Industry,
    Role,
    Township,
    User,
    Village,
    WorkActivity,
)
from bureau.services import (
    bureau_profile_update,
    record_prepare,
    record_save,
    records_bulk_write,
)
from demo import pgcopy
from demo.benefits import benefits_seed
from demo.generator import SCALE_BLOCKS, Block, BlockStart, DemoGenerator, Row
from demo.names import CITY, DISTRICT
from enterprises.models import (
    Enterprise,
    EnterpriseYearlyFigure,
    HiTechApplication,
    InnovationCommunity,
    IntellectualProperty,
    SmeEvaluation,
    TechContract,
)
from platforms.models import CoverageMilestone, Platform, RdCoverage
from poverty.models import (
    Achievement,
    AgriStation,
    Commissioner,
    DemoBase,
    KeyVillage,
    ServiceVisit,
)
from talents.models import ForeignExpert, IntroProject, TalentProject, TalentStage, WorkPermit

# Parents before children; the order records are written in.
NATURAL_KEYS: dict[type[Model], tuple[str, ...]] = {
    Industry: ("name",),
    Township: ("code",),
    Village: ("code",),
    Department: ("name",),
    Enterprise: ("credit_code",),
    EnterpriseYearlyFigure: ("enterprise__credit_code", "year"),
    HiTechApplication: ("enterprise__credit_code", "year"),
    SmeEvaluation: ("enterprise__credit_code", "year"),
    IntellectualProperty: ("number",),
    TechContract: ("registration_number",),
    InnovationCommunity: ("name", "year"),
    TalentProject: ("enterprise__credit_code", "programme", "year", "candidate"),
    TalentStage: (
        "project__enterprise__credit_code",
        "project__programme",
        "project__year",
        "project__candidate",
        "step",
    ),
    ForeignExpert: ("passport_number",),
    WorkPermit: ("permit_number",),
    IntroProject: ("title", "year"),
    Platform: ("name", "kind", "level", "year"),
    RdCoverage: ("enterprise__credit_code", "year"),
    KeyVillage: ("village__code",),
    Commissioner: ("phone",),
    ServiceVisit: ("village__village__code", "date", "content"),
    AgriStation: ("name",),
    DemoBase: ("name", "year"),
    Achievement: ("title", "year"),
    WorkActivity: ("date", "kind", "topic", "township__code"),
    CoverageMilestone: ("year", "kind", "title", "date"),
    AnnualTarget: ("year", "indicator"),
    ExternalFigure: ("year", "key"),
}
# Records later blocks point at; resolved even when their block is skipped.
SHARED_MODELS = (Industry, Department)
BULK_BATCH_SIZE = 2000
# The COPY path checks every record's clean() and, of each kind in each chunk, the first record
# and every thousandth with every check of record_prepare (see seed_by_copy).
COPY_VALIDATE_EVERY = 1000
BLOCKS_PER_CHUNK = 10
CHANGE_REASON = gettext_lazy("演示数据")

DEMO_PASSWORD = "Bureau-2026"
DEMO_ACCOUNTS = [
    # username, role, full name, is superuser. The portal's administrator is not a superuser:
    # only a superuser may change one (bureau.accounts), and none is needed to run the portal.
    ("admin", Role.ADMIN, "系统管理员", False),
    ("staff", Role.STAFF, "科室工作人员", False),
    ("liaison", Role.LIAISON, "城关街道联络员", False),
    ("leader", Role.LEADER, "局领导", False),
]
LIAISON_TOWNSHIP_CODE = "370302001"


@dataclass
class SeedResult:
    scale: str
    added: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    blocks_skipped: int = 0
    blocks_uncounted: int = 0  # skipped without being generated: not in the counters
    seconds: float = 0.0

    def merge(self, other: "SeedResult") -> None:
        self.added.update(other.added)
        self.existing.update(other.existing)
        self.blocks_skipped += other.blocks_skipped
        self.blocks_uncounted += other.blocks_uncounted

    @property
    def total_added(self) -> int:
        return sum(self.added.values())


@dataclass
class Prepared:
    """Blocks ready to be copied: the COPY data of each table, in the order to write it."""

    numbers: list[int]
    copies: list[pgcopy.Copy]
    added: Counter


def demo_seed(
    *,
    scale: str = "district",
    seed: int = 2026,
    today: datetime.date | None = None,
    enterprises_per_block: int | None = None,
    history: bool = False,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> SeedResult:
    """Write the demo data of ``scale`` (district, city or province) for ``seed``.

    The district (one block, about 4,700 records) goes row by row through
    ``bureau.services.record_save``, exactly as the forms do, history included. City and
    province (50 and 500 blocks) add the other counties: those some of whose records are there
    through ``seed_in_bulk`` (``records_bulk_write``, looking each record up by its natural
    key), ten blocks to a transaction; the counties not yet in the database are copied in one
    transaction (``_copy_counties``), prepared by ``workers`` processes (default: one per
    CPU, at most four): an interrupted run leaves none of them, and the next starts them
    over. Their history rows are written only with ``history=True``.
    """
    started = time.monotonic()
    params = {"seed": seed, "today": today or datetime.date.today()}
    if enterprises_per_block:
        params["enterprises_per_block"] = enterprises_per_block
    generator = DemoGenerator(**params)
    result = SeedResult(scale=scale)
    district = generator.block(0)
    if scale == "district":
        seed_with_services(block=district, result=result)
    else:
        # Block 0 first: it holds the industries and departments every other block uses.
        with _collector_paused():
            _seed_blocks(generator, [district], result=result, history=history)
        total = SCALE_BLOCKS[scale]
        counted = [1]  # blocks done, the district's first

        def done(blocks: int) -> None:
            before, counted[0] = counted[0], counted[0] + blocks
            step = max(total // 10, 1)
            if progress and (counted[0] // step > before // step or counted[0] == total):
                elapsed = time.monotonic() - started
                progress(
                    _("已处理 %(done)s/%(total)s 个区县（%(seconds).0f 秒）")
                    % {"done": counted[0], "total": total, "seconds": elapsed}
                )

        numbers = list(range(1, total))
        analysed = _copy_counties(generator, params, numbers, result, history, workers, done)
        if result.total_added:
            pgcopy.finish(NATURAL_KEYS, history=history, analysed=analysed)
    benefits_seed(seed=seed, today=params["today"], result=result)  # the district's, after it
    demo_profile_ensure()
    result.seconds = time.monotonic() - started
    return result


def demo_profile_ensure() -> None:
    """The demo bureau's identity (鲁川市青河区科学技术局), unless an administrator set one."""
    if BureauProfile.objects.exists():
        return
    bureau_profile_update(
        user=None,
        data={
            "city_name": CITY,
            "district_name": DISTRICT,
            "bureau_name": f"{CITY}{DISTRICT}科学技术局",
            "bureau_short_name": f"{DISTRICT}科技局",
            "issuing_unit": f"{CITY}{DISTRICT}科学技术局",
            "signing_date": None,
        },
    )


def _copy_counties(
    generator: DemoGenerator,
    params: dict,
    numbers: list[int],
    result: SeedResult,
    history: bool,
    workers: int | None,
    done: Callable[[int], None],
) -> list[type[Model]]:
    """Write counties ``numbers`` on PostgreSQL (block 0, the district, is there already);
    the tables it has analysed.

    Counties written before are skipped without being generated; those some of whose
    records are there (typed in, or of another seed) go through ``seed_in_bulk``, ten to a
    transaction. The others, nearly always all of them, are written in one transaction, ten
    counties to a chunk, in two passes. Worker processes make each chunk's townships,
    villages and enterprises (``DemoGenerator.block_start``) and prepare their COPY data
    (``copy_prepare``: checks, ids from the sequences, the lines); this process copies them
    as they come, then hands each chunk back to the workers for the rest of its records
    (``block_rest``), which it copies in turn. Each copy is in a savepoint: a chunk meeting
    a record already there is rolled back and written in bulk instead.

    When the load is at least as large as what the tables hold, the indexes no constraint
    needs are built after it rather than kept up row by row (``pgcopy.indexes_deferred``):
    those of the first pass's tables (the enterprises' trigram and short-text indexes, most
    of the building) while the workers make the second pass, the others at the end. Being in
    the same transaction, an interrupted load leaves the tables, indexes included, as they
    were before it.
    """
    seeded, touched = _blocks_found(generator, numbers)
    result.blocks_skipped += len(seeded)
    result.blocks_uncounted += len(seeded)
    done(len(seeded))
    partial = [b for b in numbers if b in touched and b not in seeded]
    for start in range(0, len(partial), BLOCKS_PER_CHUNK):
        chunk = partial[start : start + BLOCKS_PER_CHUNK]
        with _collector_paused(), transaction.atomic():
            seed_in_bulk(blocks=[generator.block(b) for b in chunk], result=result, history=history)
        done(len(chunk))
    fresh = [b for b in numbers if b not in touched]
    if not fresh:
        return []
    chunks = [
        fresh[start : start + BLOCKS_PER_CHUNK] for start in range(0, len(fresh), BLOCKS_PER_CHUNK)
    ]
    large = len(fresh) * generator.per_block >= Enterprise.objects.count()
    tables = pgcopy.tables_written(NATURAL_KEYS, history=history)
    first = pgcopy.tables_written(START_MODELS, history=history)
    later = [table for table in _county_tables(history) if table not in first]
    failed: list[int] = []  # blocks whose first pass met a record already there
    half_written: dict[int, Counter] = {}  # chunks whose second pass did, by first block

    def write(prepared: Prepared) -> bool:
        try:
            with transaction.atomic():
                copy_write(prepared)
        except IntegrityError:
            return False
        result.added.update(prepared.added)
        return True

    with _passes(generator, params, chunks, history, workers) as passes, transaction.atomic():
        deferred = pgcopy.indexes_deferred if large else _nothing_deferred
        with deferred(later), pgcopy.row_triggers_skipped() as check:
            largest = pgcopy.largest_ids(tables) if check else {}
            started: dict[int, Counter] = {}
            early: list[Prepared] = []  # second passes done before the last first pass
            with deferred(first):
                firsts = 0
                for kind, prepared in passes:
                    if kind == "rest":
                        early.append(prepared)
                        continue
                    if write(prepared):
                        started[prepared.numbers[0]] = prepared.added
                    else:
                        failed += prepared.numbers
                    firsts += 1
                    if firsts == len(chunks):
                        break
            # The first pass's indexes are built, and its tables analysed, while the workers
            # make the second.
            pgcopy.analyse(first)
            for prepared in itertools.chain(early, (p for _, p in passes)):
                low = prepared.numbers[0]
                if low not in started:
                    continue  # its first pass failed: the bulk path writes it whole
                if not write(prepared):
                    half_written[low] = started[low]
                done(len(prepared.numbers))
            if check:
                pgcopy.check_added(largest)
        # A record of these counties is there after all under its natural key: the bulk
        # path finds it and adds the others (with the row triggers on, as they are here).
        for start in range(0, len(failed), BLOCKS_PER_CHUNK):
            chunk = failed[start : start + BLOCKS_PER_CHUNK]
            with _collector_paused():
                blocks = [generator.block(b) for b in chunk]
                seed_in_bulk(blocks=blocks, result=result, history=history)
            done(len(chunk))
        for low, written in half_written.items():
            # Its first pass is in: found by the bulk path, and counted once, as added.
            chunk = chunks[[c[0] for c in chunks].index(low)]
            with _collector_paused():
                blocks = [generator.block(b) for b in chunk]
                seed_in_bulk(blocks=blocks, result=result, history=history, skip_seeded=False)
            result.existing.subtract(written)
    # Those of the first pass, unless a bulk write came after.
    return [] if failed or half_written else first


# The kinds the first pass of a chunk writes (``DemoGenerator.block_start``).
START_MODELS = (Township, Village, Enterprise)


@contextmanager
def _nothing_deferred(models: Iterable[type[Model]]) -> Iterator[list[str]]:
    yield []


@contextmanager
def _passes(
    generator: DemoGenerator,
    params: dict,
    chunks: list[list[int]],
    history: bool,
    workers: int | None,
) -> Iterator[Iterator[tuple[str, Prepared]]]:
    """The two passes of ``chunks`` prepared, as ("start" | "rest", ``Prepared``) in the order
    they come, every chunk's first before its second.

    In worker processes when the database allows it, each with its own connection (for the
    ids) and its share of the chunks: it makes the first pass of all of them, keeping what
    their rest is made from, then the second (``_pass_worker``); only COPY data crosses
    between processes. Else here, the first passes then the seconds, as they are read.
    """
    workers = min(workers or min(os.cpu_count() or 1, 4), len(chunks))
    parallel = (
        workers > 1
        and not connection.in_atomic_block  # workers could not see uncommitted rows
        and "fork" in multiprocessing.get_all_start_methods()
    )
    if not parallel:
        yield _passes_here(generator, params, chunks, history)
        return
    connections.close_all()  # each worker opens its own connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [
        context.Process(target=_pass_worker, args=(params, chunks[w::workers], history, queue))
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        yield _received(queue, processes, 2 * len(chunks))
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()


def _passes_here(
    generator: DemoGenerator | None, params: dict, chunks: list[list[int]], history: bool
) -> Iterator[tuple[str, Prepared]]:
    starts = []
    for numbers in chunks:
        prepared, begun = _first_pass(params, numbers, history, generator)
        starts.append(begun)
        yield "start", prepared
    for begun in starts:
        yield "rest", _second_pass(params, begun, history, generator)


def _pass_worker(params: dict, chunks: list[list[int]], history: bool, queue) -> None:
    gc.disable()  # as _collector_paused: it would go over the first passes kept, repeatedly
    try:
        for item in _passes_here(None, params, chunks, history):  # its own generator
            queue.put(item)
    except BaseException:  # noqa: BLE001 - handed to the loading process, which raises it
        queue.put(("error", traceback.format_exc()))


def _received(queue, processes: list, count: int) -> Iterator[tuple[str, Prepared]]:
    """``count`` results of the workers from ``queue``; a worker's failure raised here."""
    for _n in range(count):
        while True:
            try:
                kind, value = queue.get(timeout=1)
                break
            except Empty:
                if any(p.exitcode not in (None, 0) for p in processes):
                    raise RuntimeError("a seed_demo worker process died") from None
        if kind == "error":
            raise RuntimeError(f"a seed_demo worker failed:\n{value}")
        yield kind, value


# A worker process keeps one generator for all the chunks it is given.
_worker_generator: DemoGenerator | None = None


def _generator(params: dict, generator: DemoGenerator | None) -> DemoGenerator:
    global _worker_generator
    if generator is not None:
        return generator
    if _worker_generator is None:
        _worker_generator = DemoGenerator(**params)
    return _worker_generator


def _first_pass(
    params: dict, numbers: list[int], history: bool, generator: DemoGenerator | None = None
) -> tuple[Prepared, list[BlockStart]]:
    """The first pass of blocks ``numbers``: their townships, villages and enterprises
    prepared for COPY, and what the second pass makes the rest from (ids given)."""
    generator = _generator(params, generator)
    with _collector_paused():
        starts = [generator.block_start(b) for b in numbers]
        _resolve_shared(generator)
        return copy_prepare([start.block for start in starts], history=history), starts


def _second_pass(
    params: dict, starts: list[BlockStart], history: bool, generator: DemoGenerator | None = None
) -> Prepared:
    """The second pass: the other records of the blocks begun by ``_first_pass``."""
    generator = _generator(params, generator)
    with _collector_paused():
        generator.ensure_shared()  # a worker given no first pass has not made them
        _resolve_shared(generator)
        for start in starts:  # written by the first pass
            for model in START_MODELS:
                start.block.rows.pop(model, None)
            start.block.links = []
        blocks = [generator.block_rest(start) for start in starts]
        return copy_prepare(blocks, history=history)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a chunk is built and written: its passes over
    the tens of thousands of records held cost a quarter of the generator's time, and the
    records hold no cycles worth collecting before the chunk is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _seed_blocks(
    generator: DemoGenerator, blocks: list[Block], *, result: SeedResult, history: bool
) -> None:
    """Write ``blocks``: with COPY those none of whose records are in the database, the
    others in bulk, finding what is there by natural key."""
    touched = _blocks_touched(blocks)
    fresh = [block for block in blocks if block.index not in touched]
    rest = [block for block in blocks if block.index in touched]
    if fresh:
        copied = SeedResult(scale=result.scale)
        try:
            with transaction.atomic():
                seed_by_copy(blocks=fresh, result=copied, history=history)
            result.merge(copied)
        except IntegrityError:
            # A record of these counties is there after all under its natural key (typed in,
            # or of another seed): the bulk path finds it and adds the others. The blocks are
            # built again, as the attempt gave their records ids that were rolled back.
            rest += [generator.block(block.index) for block in fresh]
    if rest:
        seed_in_bulk(blocks=rest, result=result, history=history)


def _blocks_touched(blocks: list[Block]) -> set[int]:
    """Blocks of which a township or the first technology contract is in the database."""
    townships = {row.obj.code: block.index for block in blocks for row in block.rows[Township]}
    contracts = {
        block.rows[TechContract][0].obj.registration_number: block.index
        for block in blocks
        if block.rows.get(TechContract)
    }
    found = Township.objects.filter(code__in=townships).values_list("code", flat=True)
    touched = {townships[code] for code in found}
    found = TechContract.objects.filter(registration_number__in=contracts).values_list(
        "registration_number", flat=True
    )
    return touched | {contracts[number] for number in found}


def _blocks_found(generator: DemoGenerator, numbers: Iterable[int]) -> tuple[set[int], set[int]]:
    """Of blocks ``numbers``, those written before (their townships and first contract are
    all in the database) and those of which any of these is there.

    A chunk is written in one transaction, so these records mean the whole block is there;
    such blocks are skipped without being generated, which keeps a second run quick.
    """
    markers = {b: generator.block_marker(b) for b in numbers}
    codes = [code for townships, _ in markers.values() for code in townships]
    contracts = [contract for _, contract in markers.values()]
    have_codes = set(Township.objects.filter(code__in=codes).values_list("code", flat=True))
    have_contracts = set(
        TechContract.objects.filter(registration_number__in=contracts).values_list(
            "registration_number", flat=True
        )
    )
    seeded, touched = set(), set()
    for b, (townships, contract) in markers.items():
        if contract in have_contracts and have_codes.issuperset(townships):
            seeded.add(b)
        if contract in have_contracts or not have_codes.isdisjoint(townships):
            touched.add(b)
    return seeded, touched


def _resolve_shared(generator: DemoGenerator) -> None:
    # In a worker the industries and departments block 0 wrote are known by name only.
    for model, objs in (
        (Industry, list(generator.industries.values())),
        (Department, generator.departments),
    ):
        missing = [obj for obj in objs if obj.pk is None]
        if missing:
            found = dict(
                model.objects.filter(name__in=[o.name for o in missing]).values_list("name", "pk")
            )
            for obj in missing:
                _mark_saved(obj, found[obj.name])


@transaction.atomic
def seed_with_services(*, block: Block, result: SeedResult) -> None:
    """Write one block row by row through ``record_save`` (full validation, history)."""
    if _block_exists(block, result):
        return
    for model, rows in _ordered(block):
        for row in _resolve(model, rows, result):
            _attach(row.obj)
            record_save(instance=row.obj, user=None, m2m=row.m2m or None)
    for link in block.links:
        getattr(link.obj, link.field_name).add(*link.targets)


@transaction.atomic
def seed_in_bulk(
    *, blocks: list[Block], result: SeedResult, history: bool = False, skip_seeded: bool = True
) -> None:
    """Write ``blocks`` in bulk: the path for the city and province scales.

    Per-row ``record_save`` would take hours for 200,000 enterprises. Here each new record goes
    through ``record_save``'s checks (``bureau.services.record_prepare``: dates, field
    validators, the model's ``clean``, check constraints, uniqueness over the batch), written
    by the write service's batch write (``bureau.services.records_bulk_write``) with their
    history rows, many-to-many links included, whatever ``history`` says. A block whose
    enterprises are all there is taken as written and skipped, unless not ``skip_seeded``.
    """
    todo = [block for block in blocks if not (skip_seeded and _block_exists(block, result))]
    if not todo:
        return
    merged = _merged(todo)
    for model, rows in _ordered(merged):
        new = _resolve(model, rows, result)
        if not new:
            continue
        outcome = records_bulk_write(
            model=model,
            new=[row.obj for row in new],
            links=[row.m2m for row in new],
            reason=str(CHANGE_REASON),
            # A stage's clean() reads the project's stages before it.
            in_order=model is TalentStage,
        )
        if outcome.refused:
            raise outcome.refused[0][1]
    # Links to records that were there before (a department's townships).
    _bulk_link([(link.obj, link.field_name, link.targets) for link in merged.links])


def seed_by_copy(*, blocks: list[Block], result: SeedResult, history: bool = False) -> None:
    """Write ``blocks``, none of whose records are in the database, with COPY (PostgreSQL):
    ``copy_prepare`` then ``copy_write``, with the row triggers skipped where the role may
    and the references checked instead before the caller's transaction commits."""
    with pgcopy.row_triggers_skipped() as check:
        tables = pgcopy.tables_written(NATURAL_KEYS, history=history)
        largest = pgcopy.largest_ids(tables) if check else {}
        prepared = copy_prepare(blocks, history=history)
        copy_write(prepared)
        if check:
            pgcopy.check_added(largest)
    result.added.update(prepared.added)


def copy_prepare(blocks: list[Block], *, history: bool = False) -> Prepared:
    """Check ``blocks``' records, give them ids and format their COPY data, without writing.

    What ``seed_in_bulk`` checks on every record costs about 700 µs a record, mostly one
    query per check constraint; at province scale (2.6 million records) that alone is half an
    hour of one core. Here:

    - every record passes its model's ``clean()`` (the rules across its fields, and what it
      derives, such as a certificate's expiry), in memory; the stage logs of the new talent
      projects pass ``TalentStage.clean``'s rules as a whole (``_validate_new_stages``);
    - of each kind of record in the chunk, the first and every ``COPY_VALIDATE_EVERY``-th go
      through all of ``record_prepare`` (dates, field validators, check constraints), as
      ``seed_in_bulk`` does for all of them: the records all come out of the same generator,
      which the district scale runs through ``record_save`` in full and which the tests
      check record by record (``tests/demo``);
    - the database checks, on COPY as on any insert, not-null, check constraints and unique
      indexes; a natural key already there fails the chunk, which the caller then writes
      through ``seed_in_bulk``. Foreign keys too: by their per-row triggers, or, where the
      role may skip those (``pgcopy.row_triggers_skipped``: 40% of the database's time), by
      one anti-join per column over the rows written (``pgcopy.check_added``).

    Records are taken kind by kind, parents first, each kind given its ids from its table's
    sequence (the only query), with their creation history rows when ``history``;
    many-to-many links last. A worker process prepares while the loading one writes.
    """
    merged = _merged(blocks)
    stamp = timezone.now()
    links = [(link.obj, link.field_name, link.targets) for link in merged.links]
    added: Counter = Counter()
    copies: list[pgcopy.Copy] = []
    for model, rows in _ordered(merged):
        table = pgcopy.Table(model, now=stamp, reason=str(CHANGE_REASON))
        objs = [row.obj for row in rows]
        table.attach(objs)
        if model is TalentStage:
            _validate_new_stages(objs)
        else:
            for obj in objs:
                obj.clean()
        relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
        for obj in objs[::COPY_VALIDATE_EVERY]:
            record_prepare(instance=obj, user=None, found=relations, unique=False, clean=False)
        pgcopy.allocate_ids(model, objs)
        copies += table.copies(objs, history=history)
        links += [(row.obj, name, to) for row in rows for name, to in row.m2m.items()]
        added[model] += len(objs)
    copies += pgcopy.link_copies(links)
    return Prepared(numbers=[block.index for block in blocks], copies=copies, added=added)


def copy_write(prepared: Prepared) -> None:
    for copy in prepared.copies:
        pgcopy.copy_data(*copy)


def _county_tables(history: bool) -> list[type[Model]]:
    """Every table the COPY of a county other than the district writes to: not those of the
    industries and departments, which the district alone adds (the links of departments to
    townships, yes)."""
    tables = pgcopy.tables_written(NATURAL_KEYS, history=history)
    return [table for table in tables if table not in SHARED_MODELS]


def _merged(blocks: list[Block]) -> Block:
    """One block holding the records and links of ``blocks``, each kind in block order."""
    merged = Block(index=blocks[0].index)
    for block in blocks:
        for model, rows in block.rows.items():
            merged.rows.setdefault(model, []).extend(rows)
        merged.links.extend(block.links)
    return merged


def _ordered(block: Block) -> Iterable[tuple[type[Model], list[Row]]]:
    for model in NATURAL_KEYS:
        if block.rows.get(model):
            yield model, block.rows[model]


def _block_exists(block: Block, result: SeedResult) -> bool:
    """True when every enterprise of the block is already there: the block was seeded."""
    marker = block.marker
    if not marker or Enterprise.objects.filter(credit_code__in=marker).count() < len(marker):
        return False
    for model in SHARED_MODELS:
        if block.rows.get(model):
            _resolve(model, block.rows[model], SeedResult(scale=result.scale))
    result.blocks_skipped += 1
    for model, rows in block.rows.items():
        result.existing[model] += len(rows)
    return True


def natural_key(obj: Model, fields: tuple[str, ...]) -> tuple:
    values = []
    for path in fields:
        value = obj
        for part in path.split("__"):
            value = getattr(value, part, None) if value is not None else None
        values.append(value)
    return tuple(values)


def _resolve(model: type[Model], rows: list[Row], result: SeedResult) -> list[Row]:
    """The rows whose natural key is not in the database yet; the others get their pk."""
    fields = NATURAL_KEYS[model]
    keys = [natural_key(row.obj, fields) for row in rows]
    condition = Q()
    for i, name in enumerate(fields):
        values = {key[i] for key in keys}
        part = Q(**{f"{name}__in": [v for v in values if v is not None]})
        if None in values:
            part |= Q(**{f"{name}__isnull": True})
        condition &= part
    found = {
        tuple(found[1:]): found[0]
        for found in model._default_manager.filter(condition).values_list("pk", *fields)
    }
    new = []
    for row, key in zip(rows, keys, strict=True):
        pk = found.get(key)
        if pk is None:
            new.append(row)
        else:
            _mark_saved(row.obj, pk)
            result.existing[model] += 1
        _attach(row.obj)
    result.added[model] += len(new)
    return new


def _mark_saved(obj: Model, pk: int) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = "default"


def _attach(obj: Model) -> None:
    # A record built with an unsaved parent holds the parent but no parent id yet; once the
    # parent is written (or found), assigning it again fills in the id.
    for f in obj._meta.concrete_fields:
        if f.is_relation and getattr(obj, f.attname) is None:
            parent = getattr(obj, f.name, None)
            if parent is not None and parent.pk is not None:
                setattr(obj, f.name, parent)


def _validate_new_stages(stages: list[TalentStage]) -> None:
    """``TalentStage``'s rules for the stages of projects not yet in the database, each given
    the other stages of its project's log, written at once (``TalentStage.check_log``, what
    ``clean()`` checks against the database)."""
    logs: dict[int, list[TalentStage]] = {}
    for stage in stages:
        logs.setdefault(id(stage.project), []).append(stage)
    for log in logs.values():
        for stage in log:
            stage.check_log([other for other in log if other is not stage])


def _bulk_link(links: list[tuple[Model, str, list[Model]]]) -> None:
    by_through: dict[type[Model], list[Model]] = {}
    for obj, name, targets in links:
        m2m = obj._meta.get_field(name)
        through = m2m.remote_field.through
        source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        by_through.setdefault(through, []).extend(
            through(**{f"{source}_id": obj.pk, f"{target}_id": t.pk}) for t in targets
        )
    for through, objs in by_through.items():
        through.objects.bulk_create(objs, batch_size=BULK_BATCH_SIZE, ignore_conflicts=True)


@transaction.atomic
def demo_accounts_ensure() -> list[tuple[User, bool]]:
    """The four demo accounts (password ``Bureau-2026``); existing ones are left as they are."""
    township = Township.objects.filter(code=LIAISON_TOWNSHIP_CODE).first()
    accounts = []
    for username, role, full_name, superuser in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is not None:
            accounts.append((user, False))
            continue
        user = User(
            username=username,
            role=role,
            full_name=full_name,
            township=township if role == Role.LIAISON else None,
            is_staff=superuser,
            is_superuser=superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        accounts.append((user, True))
    return accounts
