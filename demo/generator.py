"""Deterministic demo records, built block by block without touching the database.

A *block* is one county: 12 townships with their villages, about 400 enterprises, and every
record that hangs off them for the last three years (yearly figures, hi-tech applications, SME
evaluations, contracts, communities, talent projects, foreign experts, platforms, R&D coverage,
key villages and their visits, work activities). Block 0 is the demo district 青河区 itself and
also carries the district-wide records (industries, departments, coverage milestones, annual
targets, external figures). The district scale is block 0; city and province add blocks 1, 2 ...

Each kind of record in each block draws from its own ``random.Random(f"{seed}:{kind}:{block}")``,
so block ``b`` comes out the same whatever the scale: a city run after a district run finds
block 0 already there and adds only the other blocks. Names that must be unique across blocks
(townships, communities, platforms ...) carry the county's name outside block 0, so blocks need
nothing from each other and can be written by parallel workers.
"""

import datetime
import itertools
import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from bureau.models import (
    AnnualTarget,
    Department,
    ExternalFigure,
    Industry,
    Township,
    Village,
    WorkActivity,
)
from bureau.validators import years_after
from demo import names as N
from enterprises.models import (
    IP_CLASS_ONE_KINDS,
    Enterprise,
    EnterpriseYearlyFigure,
    HiTechApplication,
    InnovationCommunity,
    IntellectualProperty,
    IpKind,
    SmeEvaluation,
    TechContract,
)
from platforms.models import CoverageMilestone, Level, Platform, RdCoverage
from poverty.models import (
    Achievement,
    AgriStation,
    Commissioner,
    DemoBase,
    KeyVillage,
    ServiceVisit,
)
from talents.models import ForeignExpert, IntroProject, TalentProject, TalentStage, WorkPermit

SCALE_BLOCKS = {"district": 1, "city": 50, "province": 500}
ENTERPRISES_PER_BLOCK = 400
# Credit-code serials are spaced per block so a test's smaller blocks never collide.
SERIAL_STRIDE = 1000

Stage = TalentStage.Step
IP_TITLE_SUFFIX = {
    IpKind.INVENTION: "的方法",
    IpKind.PLANT_VARIETY: "新品种",
    IpKind.NEW_DRUG: "药物组合物",
    IpKind.UTILITY_MODEL: "装置",
    IpKind.SOFTWARE: "管理软件V1.0",
    IpKind.DESIGN: "外观设计",
}
Result = TalentStage.Result


@dataclass
class Row:
    obj: Model
    m2m: dict[str, list[Model]] = field(default_factory=dict)


@dataclass
class Link:
    """Many-to-many targets to add to a record that may already exist (departments)."""

    obj: Model
    field_name: str
    targets: list[Model]


@dataclass
class Block:
    index: int
    rows: dict[type[Model], list[Row]] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)

    def add(self, obj: Model, **m2m: list[Model]) -> Model:
        self.rows.setdefault(type(obj), []).append(Row(obj, m2m))
        return obj

    @property
    def marker(self) -> list[str]:
        """Credit codes of the block's enterprises: all present means the block was seeded."""
        return [row.obj.credit_code for row in self.rows.get(Enterprise, [])]


@dataclass
class Firm:
    """An enterprise of the block with what the generator knows about it."""

    obj: Enterprise
    brand: str
    short: str
    industry: str
    innovative: bool
    industrial: bool
    founded_year: int
    figures: dict[int, EnterpriseYearlyFigure] = field(default_factory=dict)
    certified_until: int = 0
    # (class-I held, class-II count) the SME scores were drawn with; None when not drawn
    ip: tuple[bool, int] | None = None


@dataclass
class BlockStart:
    """A block's first part (``DemoGenerator.block_start``) and what its rest is made from."""

    block: Block
    townships: list[Township]
    villages: dict[str, list[Village]]
    firms: list[Firm]
    claimed: dict[str, set]
    prefix: str


M = TypeVar("M", bound=Model)
# Per model: every field's default by attname, and how each keyword is set (see ``_plan``).
_PLANS: dict[type[Model], tuple[dict[str, object], dict[str, tuple | None]]] = {}
# Per model and keywords given, in their order: the function building the instance.
_MAKERS: dict[tuple, Callable[[dict], Model]] = {}


def new(model: type[M], **values) -> M:
    """``model(**values)``, built without ``Model.__init__``.

    A province is 2.6 million records, and ``Model.__init__`` (about 23 µs: signals, every
    field looked up and set through its descriptor) was half the generator's time; this takes
    about 1.5 µs. The result is the same instance: every field set in ``__dict__``, defaults
    for the fields not given, a related record cached and its id copied to the attname as the
    foreign key's descriptor does (``None`` while the parent is unsaved; the writers fill it
    in), a one-to-one's reverse side cached too. The generated models have no callable
    defaults and no ``pre_init`` / ``post_init`` receivers; ``tests/demo`` compares whole
    blocks built both ways.

    Each call site gives the same keywords every time, so the setting of each is written out
    once per model and keywords (``_maker``), as ``pgcopy`` writes out its lines.
    """
    key = (model, *values)
    make = _MAKERS.get(key)
    if make is None:
        make = _MAKERS[key] = _maker(model, key[1:])
    return make(values)


def _maker(model: type[Model], names: tuple[str, ...]) -> Callable[[dict], Model]:
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = _plan(model)
    defaults, fields = plan
    body = [
        "def make(values):",
        "    obj = create(model)",
        "    d = obj.__dict__",
        "    d.update(defaults)",
        "    state = d['_state'] = ModelState()",
    ]
    for name in names:
        if name not in fields:
            raise TypeError(f"{model.__name__}() got an unexpected argument {name!r}")
        relation = fields[name]
        if relation is None:
            body.append(f"    d[{name!r}] = values[{name!r}]")
            continue
        attname, reverse, target = relation
        body += [
            f"    v = values[{name!r}]",
            f"    d[{attname!r}] = None if v is None else v.{target}",
            f"    state.fields_cache[{name!r}] = v",
        ]
        if reverse:
            body.append(f"    if v is not None: v._state.fields_cache[{reverse!r}] = obj")
    body.append("    return obj")
    namespace = {
        "create": model.__new__,
        "model": model,
        "defaults": defaults,
        "ModelState": ModelState,
    }
    exec("\n".join(body), namespace)  # noqa: S102 - names are the model's own field names
    return namespace["make"]


def _plan(model: type[Model]) -> tuple[dict[str, object], dict[str, tuple | None]]:
    """Defaults by attname; per keyword None (a plain value) or, for a relation, (attname,
    the reverse cache name of a one-to-one, the attname of the field it points at)."""
    if model_has_init_receivers(model):
        raise TypeError(f"{model.__name__} has pre_init / post_init receivers")
    defaults, names = {}, {}
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            raise TypeError(f"{model.__name__}.{f.name}: a callable default needs Model.__init__")
        defaults[f.attname] = None if f.is_relation else f.get_default()
        names[f.attname] = None
        if f.is_relation:
            reverse = f.remote_field.cache_name if f.one_to_one else None
            names[f.name] = (f.attname, reverse, f.target_field.attname)
    return defaults, names


def model_has_init_receivers(model: type[Model]) -> bool:
    return pre_init.has_listeners(model) or post_init.has_listeners(model)


def cumulative(weights: Iterable[float]) -> list[float]:
    """Weights as ``random.choices(cum_weights=...)`` takes them, to sum them once per list
    rather than on every draw (the draws are the same)."""
    return list(itertools.accumulate(weights))


def money(value: float) -> Decimal:
    return Decimal(f"{max(value, 0):.2f}")


class DemoGenerator:
    """Builds the demo blocks for ``seed``; years are the two before ``today``'s and its own."""

    def __init__(
        self,
        *,
        seed: int = 2026,
        today: datetime.date | None = None,
        enterprises_per_block: int = ENTERPRISES_PER_BLOCK,
    ):
        self.seed = seed
        self.today = today or datetime.date.today()
        self.year = self.today.year
        self.years = (self.year - 2, self.year - 1, self.year)
        self.per_block = min(enterprises_per_block, SERIAL_STRIDE)
        # Block volumes (visits, contracts, activities) follow the number of enterprises.
        self.volume = self.per_block / ENTERPRISES_PER_BLOCK
        start = datetime.date(self.year, 1, 1)
        self.year_fraction = max((self.today - start).days / 365, 0.1)
        self._claimed: dict[str, set] = {}
        self._spans: dict[tuple, tuple[datetime.date, int]] = {}
        self.prefix = ""
        self.industries: dict[str, Industry] = {}
        self.departments: list[Department] = []

    # -- helpers ---------------------------------------------------------------------------

    def rng(self, kind: str, block: int) -> random.Random:
        return random.Random(f"{self.seed}:{kind}:{block}")

    def claim(self, space: str, candidates: Iterator[str] | list[str]) -> str:
        """The first candidate not yet used in ``space`` within the block."""
        used = self._claimed.setdefault(space, set())
        last = None
        for name in candidates:
            last = name
            if name not in used:
                used.add(name)
                return name
        n = 2
        while f"{last}{n}" in used:
            n += 1
        used.add(f"{last}{n}")
        return f"{last}{n}"

    def date(self, rng: random.Random, year: int, start=(1, 1), end=(12, 31)) -> datetime.date:
        """A day of ``year`` between ``start`` and ``end`` (month, day), never after today."""
        key = (year, start, end)
        span = self._spans.get(key)
        if span is None:  # the first day and the number of days, worked out once
            hi = min(datetime.date(year, *end), self.today)
            lo = min(datetime.date(year, *start), hi)
            span = self._spans[key] = (lo, (hi - lo).days + 1)
        return span[0] + datetime.timedelta(days=rng.randrange(span[1]))

    def count(self, rng: random.Random, year: int, lo: int, hi: int) -> int:
        """A yearly count scaled by block volume and, this year, by the part of it gone by."""
        factor = self.volume * (self.year_fraction if year == self.year else 1)
        return max(1, round(rng.randint(lo, hi) * factor))

    @staticmethod
    def pick(rng: random.Random, firms: list[Firm], test: Callable[[Firm], bool]) -> Firm:
        chosen = [f for f in firms if test(f)]
        return rng.choice(chosen or firms)

    # -- blocks ----------------------------------------------------------------------------

    def block_marker(self, b: int) -> tuple[list[str], str]:
        """Codes that only block ``b`` writes, known without generating it: its townships'
        division codes and the registration number of its first technology contract."""
        county = N.county_code(b)
        townships = [county + suffix for suffix in N.TOWNSHIP_SUFFIXES]
        return townships, self.contract_number(b, self.years[0], 1)

    def contract_number(self, b: int, year: int, seq: int) -> str:
        return f"{year}{N.county_code(b)}{seq:06d}"

    def blocks(self, count: int) -> Iterator[Block]:
        for index in range(count):
            yield self.block(index)

    def block(self, b: int) -> Block:
        return self.block_rest(self.block_start(b))

    def ensure_shared(self) -> None:
        """The industries and departments every other block points at, made once (block 0
        makes and holds its own)."""
        if not self.industries:
            self._industries(Block(index=-1))
        if not self.departments:
            self.departments = [new(Department, name=name) for name in N.DEPARTMENTS]

    def block_start(self, b: int) -> BlockStart:
        """The first part of block ``b``: its townships, villages and enterprises (and the
        links of departments to the townships), with what the rest is generated from.

        ``block_rest`` adds the other records, in another process if need be: a loader
        can then write every county's enterprises, and index them, while the rest is made.
        """
        block = Block(index=b)
        self._claimed = {}
        # Outside the district, names that must be unique start with the county's name.
        self.prefix = "" if b == 0 else N.county_name(b)
        if b == 0 or not self.industries:
            self._industries(block if b == 0 else Block(index=b))
        if b > 0 and not self.departments:
            self.departments = [new(Department, name=name) for name in N.DEPARTMENTS]
        townships, villages = self._townships(block, b)
        if b == 0:
            self._departments(block, townships)
        else:
            for i, department in enumerate(self.departments):
                block.links.append(Link(department, "townships", townships[i::4]))
        firms = self._enterprises(block, b, townships, villages)
        return BlockStart(block, townships, villages, firms, self._claimed, self.prefix)

    def block_rest(self, start: BlockStart) -> Block:
        """Block ``start.block`` completed: every other record of it added."""
        block, b = start.block, start.block.index
        townships, villages, firms = start.townships, start.villages, start.firms
        self._claimed, self.prefix = start.claimed, start.prefix
        self._figures(block, b, firms)
        self._hitech(block, b, firms)
        self._sme(block, b, firms)
        self._ip(block, b, firms)
        self._contracts(block, b, firms)
        self._communities(block, b, firms)
        self._talents(block, b, firms)
        self._foreign(block, b, firms)
        self._platforms(block, b, firms)
        self._coverage(block, b, firms)
        self._poverty(block, b, townships, villages, firms)
        self._activities(block, b, townships)
        if b == 0:
            self._milestones(block, townships)
            self._targets(block)
            self._external(block)
        return block

    # -- reference data --------------------------------------------------------------------

    def _industries(self, block: Block) -> None:
        for spec in N.INDUSTRIES:
            self.industries[spec.name] = block.add(
                new(Industry, name=spec.name, is_key_chain=spec.key_chain)
            )

    def _townships(self, block: Block, b: int):
        rng = self.rng("township", b)
        county = N.county_code(b)
        townships = []
        for suffix, fixed_name in N.DISTRICT_TOWNSHIPS:
            kind = "街道" if suffix < "100" else "镇" if suffix < "200" else "乡"
            if b == 0:
                name = self.claim("township", [fixed_name])
            else:
                names = (self.prefix + N.place_name(rng) + kind for _ in range(50))
                name = self.claim("township", names)
            townships.append(block.add(new(Township, code=county + suffix, name=name)))
        villages: dict[str, list[Village]] = {}
        for township in townships:
            urban = township.code[6:] < "100"
            count = rng.randint(5, 8) if urban else rng.randint(8, 14)
            used: set[str] = set()
            villages[township.code] = []
            for i in range(count):
                suffixes = N.COMMUNITY_SUFFIXES if urban else N.VILLAGE_SUFFIXES
                name = N.place_name(rng) + rng.choice(suffixes)
                while name in used:
                    name = N.place_name(rng) + rng.choice(suffixes)
                used.add(name)
                code = f"{township.code}{(1 if urban else 201) + i:03d}"
                villages[township.code].append(
                    block.add(new(Village, township=township, code=code, name=name))
                )
        return townships, villages

    def _departments(self, block: Block, townships: list[Township]) -> None:
        self.departments = []
        for i, name in enumerate(N.DEPARTMENTS):
            department = new(Department, name=name)
            self.departments.append(department)
            block.add(department, townships=townships[i::4])

    # -- enterprises and their figures -----------------------------------------------------

    def _enterprises(self, block, b, townships, villages) -> list[Firm]:
        rng = self.rng("enterprise", b)
        county = N.county_code(b)
        county_name = N.county_name(b)
        # Townships outside the district already start with their county's name.
        place_of_county = f"{N.CITY}{N.DISTRICT}" if b == 0 else N.PROVINCE
        # Cumulative weights, summed once: the same draws as weights summed on every call.
        weights = cumulative(spec.share for spec in N.INDUSTRIES)
        township_weights = {
            spec.name: cumulative(self._township_weight(t, spec.name) for t in townships)
            for spec in N.INDUSTRIES
        }
        firms = []
        for k in range(self.per_block):
            spec = rng.choices(N.INDUSTRIES, cum_weights=weights)[0]
            industry, words = spec.name, spec.words
            industrial = industry not in N.SERVICE_INDUSTRIES
            township = rng.choices(townships, cum_weights=township_weights[industry])[0]
            village = rng.choice(villages[township.code]) if rng.random() < 0.5 else None
            if rng.random() < 0.06:
                founded_year = rng.choice(self.years)
                above = False
            else:
                founded_year = rng.randint(1990, self.years[0] - 1)
                above = rng.random() < spec.above_share
            founded = self.date(rng, founded_year)
            brand = N.brand(rng)
            word = rng.choice(words)
            # Outside the district every name starts with its county's, so none repeats.
            place = (
                rng.choice([N.PROVINCE_SHORT, N.CITY_SHORT, county_name[:2], ""])
                if b == 0
                else county_name[:2]
            )
            form = rng.choice(N.ORG_FORMS)
            name = self.claim(
                "enterprise",
                (f"{place}{brand if i == 0 else N.brand(rng)}{word}{form}" for i in range(20)),
            )
            innovative = rng.random() < (0.45 if above else 0.25) + (
                0.2 if industry in ("电子信息", "科技服务", "新材料", "生物医药") else 0
            )
            code = N.credit_code(
                county_code=county,
                serial=b * SERIAL_STRIDE + k,
                salt=self.seed,
                modern=founded_year >= 2015,
            )
            road = village.name if village else rng.choice(N.ROADS)
            obj = new(
                Enterprise,
                credit_code=code,
                name=name,
                township=township,
                village=village,
                industry=self.industries[industry],
                is_above_scale=above and industrial,
                founded_on=founded,
                legal_representative=N.person_name(rng),
                contact_person=N.person_name(rng),
                contact_phone=N.mobile_phone(rng),
                address=f"{place_of_county}{township.name}{road}{rng.randint(1, 299)}号",
            )
            firms.append(
                Firm(
                    obj=block.add(obj),
                    brand=brand,
                    short=brand + word,
                    industry=industry,
                    innovative=innovative,
                    industrial=industrial,
                    founded_year=founded_year,
                )
            )
        return firms

    @staticmethod
    def _township_weight(township: Township, industry: str) -> float:
        suffix = township.code[6:]
        kind = 0 if suffix < "100" else 1 if suffix < "200" else 2
        if industry in ("科技服务", "电子信息"):
            return (4, 1, 0.3)[kind]
        if industry == "高效生态农业":
            return (0.3, 2, 3)[kind]
        return (1, 3, 1)[kind]

    def _figures(self, block, b, firms: list[Firm]) -> None:
        rng = self.rng("figures", b)
        for firm in firms:
            if firm.obj.is_above_scale:
                sales = max(2200, rng.lognormvariate(math.log(12000), 0.9))
            else:
                sales = min(1900, rng.lognormvariate(math.log(500), 0.9))
            growth = rng.gauss(0.08, 0.07)
            per_head = rng.uniform(50, 150)
            tech_share = rng.uniform(0.12, 0.32) if firm.innovative else rng.uniform(0.03, 0.11)
            rd_share = rng.uniform(0.035, 0.07) if firm.innovative else rng.uniform(0.004, 0.025)
            hitech_share = rng.uniform(0.6, 0.92) if firm.innovative else rng.uniform(0, 0.3)
            assets_ratio = rng.uniform(0.6, 1.5)
            for year in self.years:
                if year < firm.founded_year:
                    continue
                if year > self.years[0]:
                    sales *= 1 + growth + rng.gauss(0, 0.03)
                    hitech_share = min(hitech_share * rng.uniform(1.0, 1.08), 0.97)
                staff = max(5, round(sales / per_head))
                output = sales * rng.uniform(0.97, 1.1) if firm.industrial else None
                figure = new(
                    EnterpriseYearlyFigure,
                    enterprise=firm.obj,
                    year=year,
                    staff_total=staff,
                    tech_staff=max(1, round(staff * tech_share)),
                    sales_revenue=money(sales),
                    total_assets=money(sales * assets_ratio),
                    total_costs=money(sales * rng.uniform(0.82, 0.96)),
                    rd_expense=money(sales * rd_share * rng.uniform(0.9, 1.15)),
                    hitech_product_income=money(sales * hitech_share),
                    industrial_output=money(output) if output is not None else None,
                    hitech_output=money(output * hitech_share) if output is not None else None,
                    # the year's classification: the enterprise's, which the demo never changes
                    is_above_scale=firm.obj.is_above_scale,
                    township=firm.obj.township,
                    industry=firm.obj.industry,
                )
                firm.figures[year] = block.add(figure)

    # -- hi-tech applications and SME evaluations ------------------------------------------

    def _hitech(self, block, b, firms: list[Firm]) -> None:
        rng = self.rng("hitech", b)
        Status = HiTechApplication.Status
        current = [Status.PUBLICITY] * 6 + [Status.REVIEW] * 5 + [Status.APPLIED] * 3
        current += [Status.CERTIFIED] * 3 + [Status.REJECTED]
        for k, firm in enumerate(firms):
            tech_field = rng.choice(N.INDUSTRY[firm.industry].tech_fields)
            first = self.year
            if firm.innovative:
                # First certified some year of the last six; a certificate lasts three years,
                # so every innovative enterprise applies once in the window (first or renewal).
                first = rng.randint(self.year - 5, self.year)
                due = [y for y in (first, first + 3) if y in self.years and y >= firm.founded_year]
                if due and due[0] > first:
                    firm.certified_until = due[0]
            elif rng.random() < 0.08 and firm.founded_year < self.year:
                due = [self.year]  # a candidate the bureau is cultivating for next year
            else:
                due = []
            before = first - 1
            if firm.innovative and first == self.year and before in self.years:
                if before >= firm.founded_year:
                    # Applying for the first time this year: cultivated by the bureau the year
                    # before (no draw taken, so the other records stay as they were).
                    block.add(
                        new(
                            HiTechApplication,
                            enterprise=firm.obj,
                            year=before,
                            kind=HiTechApplication.Kind.FIRST,
                            tech_field=tech_field,
                            status=Status.CULTIVATING,
                        )
                    )
            for year in due:
                if not firm.innovative:
                    status = Status.CULTIVATING
                elif year == self.year:
                    status = rng.choice(current)
                else:
                    status = Status.CERTIFIED if rng.random() < 0.78 else Status.REJECTED
                app = new(
                    HiTechApplication,
                    enterprise=firm.obj,
                    year=year,
                    kind=HiTechApplication.Kind.RENEWAL
                    if year > first
                    else HiTechApplication.Kind.FIRST,
                    tech_field=tech_field,
                    status=status,
                )
                if status == Status.CERTIFIED:
                    app.certificate_number = f"GR{year}37{b * SERIAL_STRIDE + k:06d}"
                    app.issued_on = self.date(rng, year, (10, 20), (12, 20))
                    firm.certified_until = year + 3
                block.add(app)

    def _sme(self, block, b, firms: list[Firm]) -> None:
        rng = self.rng("sme", b)
        Status = SmeEvaluation.Status
        for k, firm in enumerate(firms):
            if not firm.innovative and rng.random() > 0.08:
                continue
            class_one_ip = rng.random() < (0.55 if firm.innovative else 0.15)
            class_two_ip = rng.randint(0, 5)
            firm.ip = (class_one_ip, class_two_ip)
            for year, fig in firm.figures.items():
                sales, assets = float(fig.sales_revenue), float(fig.total_assets)
                if fig.staff_total > 500 or sales > 20000 or assets > 20000:
                    continue
                if firm.innovative and rng.random() > 0.6:
                    continue
                score = sme_score(fig, class_one_ip=class_one_ip, class_two_ip=class_two_ip)
                staff_points = sme_score(fig, class_one_ip=False, class_two_ip=0, part="staff")
                passed = (score >= 60 and staff_points > 0) or firm.certified_until >= year
                status = Status.REGISTERED if passed else Status.REJECTED
                if passed and year < self.year and rng.random() < 0.03:
                    status = Status.REVOKED
                number = f"{year}{N.county_code(b)}{'0' if passed else '9'}{k:04d}"
                block.add(
                    new(
                        SmeEvaluation,
                        enterprise=firm.obj,
                        year=year,
                        status=status,
                        registration_number=number if status != Status.REJECTED else "",
                        score=score,
                    )
                )

    def _ip(self, block, b, firms: list[Firm]) -> None:
        """知识产权 on a stream of its own (the other kinds' records do not move): the firms
        whose SME scores were drawn hold the IP those scores assumed, valid over the three
        years; of the others most hold none, a few one to three class-II items. Some hold an
        item that lapsed or was transferred along the way."""
        rng = self.rng("ip", b)
        Status = IntellectualProperty.Status
        class_one = [IpKind.INVENTION] * 8 + [IpKind.PLANT_VARIETY, IpKind.NEW_DRUG]
        class_two = [IpKind.UTILITY_MODEL] * 6 + [IpKind.SOFTWARE] * 3 + [IpKind.DESIGN]
        seq = 0
        for firm in firms:
            if firm.ip is not None:
                ones, twos = (1 if firm.ip[0] else 0), firm.ip[1]
            elif rng.random() < 0.12:
                ones, twos = 0, rng.randint(1, 3)
            else:
                continue
            kinds = [rng.choice(class_one) for _ in range(ones)]
            kinds += [rng.choice(class_two) for _ in range(twos)]
            lapsed = 1 if rng.random() < 0.15 else 0
            kinds += [rng.choice(class_two) for _ in range(lapsed)]
            topics = N.INDUSTRY[firm.industry].topics
            for i, kind in enumerate(kinds):
                seq += 1
                first = max(firm.founded_year, self.years[0] - 12)
                if first < self.years[0]:
                    granted_year = rng.randint(first, self.years[0] - 1)
                else:
                    granted_year = firm.founded_year
                granted = self.date(rng, granted_year, (1, 1), (6, 30))
                term = 20 if kind in IP_CLASS_ONE_KINDS else 10
                if kind == IpKind.SOFTWARE:
                    term = 50
                valid_until = years_after(granted, term) - datetime.timedelta(days=1)
                status, lapsed_on = Status.VALID, None
                if i >= ones + twos:  # the extra item: let lapse or transferred in a past year
                    status = rng.choice([Status.LAPSED, Status.TRANSFERRED])
                    lapsed_on = self.date(rng, self.years[0], (1, 1), (6, 30))
                    if lapsed_on <= granted:
                        lapsed_on = granted + datetime.timedelta(days=30)
                prefix = {IpKind.SOFTWARE: "RZ", IpKind.PLANT_VARIETY: "PZ"}.get(kind, "ZL")
                block.add(
                    new(
                        IntellectualProperty,
                        enterprise=firm.obj,
                        kind=kind,
                        number=f"{prefix}{granted.year}{N.county_code(b)}{seq:06d}",
                        title=f"{rng.choice(topics)}{IP_TITLE_SUFFIX[kind]}",
                        granted_on=granted,
                        valid_until=valid_until,
                        status=status,
                        lapsed_on=lapsed_on,
                    )
                )

    # -- technology contracts and innovation communities -----------------------------------

    def _contracts(self, block, b, firms: list[Firm]) -> None:
        rng = self.rng("contract", b)
        kinds = list(N.CONTRACT_KIND_SUFFIX)
        sellers = [f for f in firms if f.innovative or f.industry == "科技服务"] or firms
        weights = cumulative(3 if f.obj.is_above_scale else 1 for f in sellers)
        kind_weights = cumulative([40, 15, 10, 10, 25])
        # A few 亿元 a year, growing: about 2.6, 3.3 and (to date) 4.0 亿元 for a district.
        total = rng.uniform(24000, 28000)
        seq = 0
        for year in self.years:
            target = total * self.volume
            signed_sum = 0.0
            while signed_sum < target:
                seller = rng.choices(sellers, cum_weights=weights)[0]
                kind = rng.choices(kinds, cum_weights=kind_weights)[0]
                topics = N.INDUSTRY[seller.industry].topics
                amount = min(max(rng.lognormvariate(math.log(90), 1.0), 5), 3000)
                signed = self.date(rng, year, (1, 1), (12, 5))
                registered = min(
                    signed + datetime.timedelta(days=rng.randint(3, 25)),
                    datetime.date(year, 12, 31),
                    max(self.today, signed),
                )
                if rng.random() < 0.6:
                    buyer = rng.choice(N.BUYER_INSTITUTES)
                else:
                    place = rng.choice([N.PROVINCE_SHORT, N.CITY_SHORT])
                    trade = rng.choice(["制造", "科技", "实业", "集团"])
                    buyer = f"{place}{N.brand(rng)}{trade}有限公司"
                seq += 1
                block.add(
                    new(
                        TechContract,
                        registration_number=self.contract_number(b, year, seq),
                        title=f"{rng.choice(topics)}{N.CONTRACT_KIND_SUFFIX[kind]}合同",
                        kind=kind,
                        seller=seller.obj,
                        buyer=buyer,
                        contract_amount=money(amount),
                        tech_amount=money(amount * rng.uniform(0.75, 1.0)),
                        signed_on=signed,
                        registered_on=registered,
                    )
                )
                signed_sum += amount
            total *= rng.uniform(1.2, 1.3)

    def _communities(self, block, b, firms: list[Firm]) -> None:
        rng = self.rng("community", b)
        Status = InnovationCommunity.Status
        for i, year in enumerate(self.years):
            chains = [N.KEY_CHAINS[(i + j) % 4] for j in range(2 if year < self.year else 3)]
            for j, chain in enumerate(chains):
                members = [f for f in firms if f.industry == chain] or firms
                lead = self.pick(rng, members, lambda f: f.obj.is_above_scale)
                others = [f for f in members if f is not lead]
                chosen = rng.sample(others, min(len(others), rng.randint(2, 5)))
                if year == self.year:
                    status = Status.PLANNING if j == 2 else Status.APPLIED
                else:
                    status = rng.choice([Status.APPROVED, Status.APPROVED, Status.REJECTED])
                name = self.claim(
                    f"community{year}",
                    [
                        f"{self.prefix or N.CITY_SHORT}{lead.brand}{chain}创新创业共同体",
                        f"{self.prefix}{lead.short}{chain}创新创业共同体",
                    ],
                )
                community = new(
                    InnovationCommunity,
                    name=name,
                    year=year,
                    lead_enterprise=lead.obj,
                    industry=self.industries[chain],
                    member_units="\n".join(rng.sample(N.BUYER_INSTITUTES, 2)),
                    status=status,
                )
                block.add(community, member_enterprises=[f.obj for f in chosen])

    # -- talents ---------------------------------------------------------------------------

    STEP_WINDOWS = {
        Stage.DISTRICT: ((3, 1), (3, 31)),
        Stage.CITY_REVIEW: ((4, 10), (5, 20)),
        Stage.ONLINE_REVIEW: ((6, 1), (7, 15)),
        Stage.PANEL_REVIEW: ((6, 1), (7, 15)),
        Stage.DEFENCE: ((8, 1), (9, 10)),
        Stage.SITE_VISIT: ((9, 20), (11, 10)),
        Stage.PUBLICITY: ((11, 15), (12, 5)),
        Stage.FINAL: ((12, 10), (12, 28)),
    }
    # The city's own programme runs earlier in the year and is settled by the autumn.
    CITY_STEP_WINDOWS = {
        Stage.DISTRICT: ((2, 1), (2, 28)),
        Stage.CITY_REVIEW: ((3, 1), (3, 31)),
        Stage.PANEL_REVIEW: ((4, 1), (4, 30)),
        Stage.DEFENCE: ((5, 10), (5, 31)),
        Stage.SITE_VISIT: ((6, 10), (6, 30)),
        Stage.PUBLICITY: ((7, 10), (7, 20)),
        Stage.FINAL: ((8, 1), (8, 20)),
    }
    # Where this year's projects stand today, one for each report line (applied, failed at the
    # city review, awaiting defence, awaiting the site visit, in publicity ...).
    # (programme, number of steps reached, result of the last one)
    CURRENT_PATHS = [
        ("taishan_traditional", 2, Result.PENDING),
        ("taishan_startup", 2, Result.FAILED),
        ("taishan_startup", 3, Result.PASSED),
        ("taishan_traditional", 5, Result.PENDING),
        ("taishan_agri", 5, Result.PENDING),
        ("taishan_traditional", 6, Result.PENDING),
        ("city", 3, Result.FAILED),
        ("city", 7, Result.SELECTED),
        ("taishan_traditional", 4, Result.FAILED),
    ]
    # Earlier years are settled, but for a site visit the province postponed.
    PAST_PATHS = [
        ("taishan_traditional", 2, Result.FAILED),
        ("taishan_startup", 4, Result.FAILED),
        ("taishan_startup", 7, Result.SELECTED),
        ("taishan_traditional", 5, Result.PENDING),
        ("taishan_traditional", 7, Result.SELECTED),
        ("taishan_agri", 7, Result.NOT_SELECTED),
        ("city", 3, Result.FAILED),
    ]

    def _talents(self, block, b, firms: list[Firm]) -> None:
        rng = self.rng("talent", b)
        for year in self.years:
            if year == self.year:
                paths = list(self.CURRENT_PATHS)
            else:
                extra = [rng.choice(self.PAST_PATHS) for _ in range(rng.randint(0, 2))]
                paths = self.PAST_PATHS + extra
            for programme, length, last_result in paths:
                if programme == "taishan_agri":
                    firm = self.pick(rng, firms, lambda f: f.industry == "高效生态农业")
                elif programme == "taishan_startup":
                    firm = self.pick(
                        rng, firms, lambda f: f.innovative and not f.obj.is_above_scale
                    )
                else:
                    firm = self.pick(rng, firms, lambda f: f.innovative and f.obj.is_above_scale)
                topics = N.INDUSTRY[firm.industry].topics
                project = block.add(
                    new(
                        TalentProject,
                        programme=programme,
                        year=year,
                        enterprise=firm.obj,
                        candidate=N.person_name(rng),
                        title=f"{rng.choice(topics)}关键技术研发及产业化",
                    )
                )
                review = (
                    Stage.ONLINE_REVIEW if programme == "taishan_startup" else Stage.PANEL_REVIEW
                )
                steps = [Stage.DISTRICT, Stage.CITY_REVIEW, review, Stage.DEFENCE]
                steps += [Stage.SITE_VISIT, Stage.PUBLICITY, Stage.FINAL]
                previous = datetime.date(year, 1, 1)
                for n, step in enumerate(steps[:length], start=1):
                    windows = self.CITY_STEP_WINDOWS if programme == "city" else self.STEP_WINDOWS
                    lo, hi = windows[step]
                    if datetime.date(year, *lo) > self.today:
                        break  # not reached yet this year
                    day = max(self.date(rng, year, lo, hi), previous)
                    previous = day
                    result = Result.PASSED
                    if n == length:
                        result = last_result
                    if step == Stage.FINAL and result == Result.PASSED:
                        result = Result.SELECTED
                    block.add(new(TalentStage, project=project, step=step, date=day, result=result))

    def _foreign(self, block, b, firms: list[Firm]) -> None:
        rng = self.rng("foreign", b)
        Business = WorkPermit.Business
        y = self.year
        hired = [y - 4, y - 3, y - 2, y - 2, y - 1, y - 1, y, y, y]
        experts = []
        for k, hire_year in enumerate(hired):
            agri = k % 4 == 1
            employer = self.pick(
                rng,
                firms,
                (lambda f: f.industry == "高效生态农业")
                if agri
                else (lambda f: f.obj.is_above_scale and f.innovative),
            )
            nationality = rng.choice(["荷兰", "以色列", "日本"] if agri else list(N.FOREIGN_NAMES))
            given, family = N.FOREIGN_NAMES[nationality]
            serial = b * 100 + k
            expert = block.add(
                new(
                    ForeignExpert,
                    name=f"{rng.choice(given)} {rng.choice(family)}",
                    nationality=nationality,
                    passport_number=f"{rng.choice('CEGKMNPT')}{N.permute(serial, 10**8, self.seed):08d}",
                    employer=employer.obj,
                    specialty="草莓育种" if agri else rng.choice(N.EXPERT_SPECIALTIES),
                )
            )
            experts.append((expert, employer, agri))
            category = rng.choices("ABC", [2, 7, 1])[0]
            for year in self.years:
                if year < hire_year:
                    continue
                business = Business.NEW if year == hire_year else Business.EXTENSION
                if k == 2 and year == self.year:
                    business = Business.CANCELLATION
                elif k == 0 and year == self.years[1]:
                    business = Business.CHANGE
                issued = self.date(rng, year, (1, 5), (11, 30))
                block.add(
                    new(
                        WorkPermit,
                        expert=expert,
                        permit_number=f"{N.county_code(b)}{year}{k:02d}{rng.randrange(1000):03d}",
                        category=category,
                        business=business,
                        issued_on=issued,
                        valid_from=issued,
                        valid_to=issued + datetime.timedelta(days=364),
                    )
                )
        Status = IntroProject.Status
        for year in self.years:
            # One agricultural project a year (the sample's strawberry one), this year also an
            # industrial one.
            chosen = [rng.choice([e for e in experts if e[2]])]
            if year == self.year:
                chosen.append(rng.choice([e for e in experts if not e[2]]))
            for expert, employer, agri in chosen:
                if agri:
                    title = f"{rng.choice(['草莓', '樱桃', '番茄', '蓝莓'])}新品种引进、高效种植及加工新技术研发"
                else:
                    title = f"{expert.specialty}关键技术引进与示范推广"
                title = self.claim(
                    f"intro{year}", [self.prefix + title, f"{self.prefix}{employer.short}{title}"]
                )
                status = (
                    rng.choice([Status.APPLIED, Status.APPROVED])
                    if year == self.year
                    else rng.choice([Status.APPROVED, Status.FINISHED, Status.REJECTED])
                )
                block.add(
                    new(
                        IntroProject,
                        title=title,
                        host=employer.obj,
                        expert_names=f"{expert.nationality}{expert.specialty}专家{expert.name}",
                        year=year,
                        status=status,
                    ),
                    experts=[expert],
                )

    # -- platforms and R&D coverage --------------------------------------------------------

    PLATFORM_NAMES = {
        "maker_space": ["{brand}科创众创空间", "{brand}创客众创空间", "{short}众创空间"],
        "incubator": ["{brand}科技企业孵化器", "{short}科技企业孵化器"],
        "star_space": ["{brand}星创天地", "{short}星创天地"],
        "new_rd": ["{city}{field}研究院", "{short}{field}研究院"],
        "key_lab": ["{city}{field}企业重点实验室", "{short}{field}企业重点实验室"],
        "innovation_centre": ["{city}{field}技术创新中心", "{short}{field}技术创新中心"],
        "engineering_centre": [
            "{province}{field}工程技术研究中心",
            "{short}{field}工程技术研究中心",
        ],
        "academician": ["{name}院士工作站"],
        "rd_platform": ["{short}{field}研发中心"],
    }

    def _platform_plan(self, year: int) -> list[tuple[str, str, str, bool]]:
        """(kind, level, status, upgraded) of the platform records of ``year``."""
        S = Platform.Status
        if year == self.year:
            return [
                ("maker_space", "national", S.RECOGNISED, False),
                ("maker_space", "provincial", S.RECOMMENDED, False),
                ("maker_space", "provincial", S.RECOMMENDED, False),
                ("maker_space", "provincial", S.APPLIED, False),
                ("maker_space", "city", S.RECOGNISED, False),
                ("incubator", "city", S.REVIEW_PASSED, False),
                ("star_space", "provincial", S.APPLIED, False),
                ("new_rd", "provincial", S.RECOMMENDED, False),
                ("new_rd", "provincial", S.RECOMMENDED, False),
                ("key_lab", "city", S.RECOGNISED, False),
                ("key_lab", "city", S.APPLIED, False),
                ("innovation_centre", "city", S.APPLIED, False),
                ("innovation_centre", "city", S.RECOGNISED, False),
                ("engineering_centre", "city", S.RECOGNISED, False),
                ("academician", "provincial", S.CULTIVATING, False),
                ("rd_platform", "city", S.RECOGNISED, True),
                ("rd_platform", "city", S.RECOGNISED, True),
            ]
        return [
            ("maker_space", "national", S.RECOGNISED, False),
            ("maker_space", "provincial", S.RECOGNISED, False),
            ("maker_space", "provincial", S.REJECTED, False),
            ("incubator", "provincial", S.RECOGNISED, False),
            ("star_space", "city", S.RECOGNISED, False),
            ("new_rd", "provincial", S.RECOGNISED, False),
            ("new_rd", "provincial", S.REJECTED, False),
            ("key_lab", "city", S.RECOGNISED, False),
            ("key_lab", "city", S.REJECTED, False),
            ("innovation_centre", "city", S.RECOGNISED, False),
            ("engineering_centre", "provincial", S.RECOGNISED, False),
            ("academician", "provincial", S.RECOGNISED, False),
            ("rd_platform", "city", S.RECOGNISED, True),
            ("rd_platform", "city", S.RECOGNISED, True),
        ]

    DOCUMENT_PREFIX = {
        "national": "国科火字",
        "provincial": "鲁科字",
        "city": "鲁川科字",
        "district": "青科字",
    }

    def _platforms(self, block, b, firms: list[Firm]) -> None:
        rng = self.rng("platform", b)
        spaces = lambda f: f.industry == "科技服务"  # noqa: E731 - a short filter, named for reading
        agri = lambda f: f.industry == "高效生态农业"  # noqa: E731
        strong = lambda f: f.obj.is_above_scale and f.innovative  # noqa: E731
        tests = {"maker_space": spaces, "incubator": spaces, "star_space": agri}
        for year in self.years:
            for n, (kind, level, status, upgraded) in enumerate(self._platform_plan(year), start=1):
                host = self.pick(rng, firms, tests.get(kind, strong))
                values = {
                    "brand": host.brand,
                    "short": host.short,
                    "name": host.obj.name,
                    "city": N.CITY,
                    "province": N.PROVINCE_SHORT,
                    "field": rng.choice(N.INDUSTRY[host.industry].fields),
                }
                candidates = [t.format(**values) for t in self.PLATFORM_NAMES[kind]]
                name = self.claim(
                    f"platform{kind}{level}{year}", [self.prefix + c for c in candidates]
                )
                platform = new(
                    Platform,
                    name=name,
                    kind=kind,
                    level=level,
                    host=host.obj,
                    status=status,
                    year=year,
                    upgraded=upgraded,
                )
                if status == Platform.Status.RECOGNISED:
                    platform.document_number = (
                        f"{self.DOCUMENT_PREFIX[level]}〔{year}〕{10 + n + b % 80}号"
                    )
                    platform.recognised_on = self.date(rng, year, (6, 1), (11, 20))
                block.add(platform)

    def _coverage(self, block, b, firms: list[Firm]) -> None:
        rng = self.rng("coverage", b)
        Type = RdCoverage.InstitutionType
        labels = {
            Type.RD_CENTRE: "研发中心",
            Type.TECH_CENTRE: "企业技术中心",
            Type.ENG_CENTRE: "工程技术研究中心",
            Type.KEY_LAB: "重点实验室",
        }
        for firm in firms:
            if not firm.obj.is_above_scale:
                continue
            # The campaign raises coverage from under half to nearly all in three years.
            u = rng.random()
            since = (
                self.years[0] - 1
                if u < 0.45
                else self.years[1]
                if u < 0.72
                else self.year
                if u < 0.93
                else None
            )
            kind = rng.choices(list(labels), [4, 3, 1, 1])[0]
            established = None
            level = rng.choices(
                [Level.DISTRICT, Level.CITY, Level.PROVINCIAL, Level.NATIONAL], [4, 4, 2, 0.3]
            )[0]
            if since is not None and since < self.years[0]:
                established = self.date(rng, rng.randint(max(firm.founded_year, 2010), since))
            elif since is not None:
                established = self.date(rng, since, (3, 1), (11, 30))
            for year in self.years:
                if year < firm.founded_year:
                    continue
                has = since is not None and since <= year
                block.add(
                    new(
                        RdCoverage,
                        enterprise=firm.obj,
                        year=year,
                        has_institution=has,
                        institution_name=f"{firm.short}{labels[kind]}" if has else "",
                        institution_type=kind if has else "",
                        level=level if has else "",
                        established_on=established if has else None,
                    )
                )

    def _milestones(self, block, townships: list[Township]) -> None:
        rng = self.rng("milestone", 0)
        Kind = CoverageMilestone.Kind
        plan = f"《{N.CITY}{N.DISTRICT}规模以上工业企业研发机构全覆盖行动方案》"
        for i, year in enumerate(self.years):
            steps = [
                (
                    Kind.MOBILISATION,
                    (3, 5),
                    "规模以上工业企业研发机构全覆盖工作动员会议",
                    "区直有关部门、各乡镇（街道）、重点企业分管领导",
                    "",
                ),
                (
                    Kind.REPORT,
                    (4, 1),
                    f"在区政府第{rng.choice('五六七八九十')}次常务会议上作全覆盖工作专题汇报",
                    "区政府常务会议",
                    plan,
                ),
                (
                    Kind.PLAN,
                    (4, 10),
                    "印发研发机构全覆盖行动方案",
                    "区政府办公室",
                    plan if i == 0 else f"《{year}年规上工业企业研发机构全覆盖工作要点》",
                ),
                (
                    Kind.DEPLOYMENT,
                    (4, 25),
                    "规模以上工业企业研发机构全覆盖工作专题部署会议",
                    "相关区直部门与乡镇（街道）分管负责人",
                    plan,
                ),
                (
                    Kind.TRAINING,
                    (5, 20),
                    "全区规上工业企业研发机构全覆盖工作培训动员会",
                    "市政府研发机构建设督导组、规上工业企业",
                    "",
                ),
            ]
            for kind, (month, day), title, participants, document in steps:
                start = datetime.date(year, month, day) + datetime.timedelta(days=rng.randrange(21))
                date = min(start, self.today)
                block.add(
                    new(
                        CoverageMilestone,
                        year=year,
                        date=date,
                        kind=kind,
                        title=title,
                        participants=participants,
                        key_enterprises=rng.randint(15, 40) if kind == Kind.MOBILISATION else 0,
                        document=document,
                    )
                )
            for township in rng.sample(townships, 3):
                block.add(
                    new(
                        CoverageMilestone,
                        year=year,
                        date=self.date(rng, year, (6, 1), (11, 20)),
                        kind=Kind.INSPECTION,
                        title=f"{township.name}研发机构建设督导检查",
                        participants="区科技局、帮包部门",
                        township=township,
                    )
                )

    # -- poverty aid -----------------------------------------------------------------------

    def _poverty(self, block, b, townships, villages, firms: list[Firm]) -> None:
        rng = self.rng("poverty", b)
        rural = [v for t in townships if t.code[6:] >= "100" for v in villages[t.code]]
        keys = []
        for village in sorted(rng.sample(rural, min(20, len(rural))), key=lambda v: v.code):
            keys.append(
                block.add(
                    new(
                        KeyVillage,
                        village=village,
                        designated_year=rng.randint(2016, 2019),
                        households=rng.randint(20, 120),
                        note=f"{rng.choice(N.CROPS)}特色种植",
                    )
                )
            )
        commissioners = []
        for k in range(24):
            serial = b * 100 + k
            commissioners.append(
                block.add(
                    new(
                        Commissioner,
                        name=N.person_name(rng),
                        sending_unit=rng.choice(N.COMMISSIONER_UNITS),
                        specialty=rng.choice(N.COMMISSIONER_SPECIALTIES),
                        phone=f"13{rng.choice('5689')}{N.permute(serial, 10**8, self.seed):08d}",
                        is_active=rng.random() < 0.9,
                    )
                )
            )
        Mode = ServiceVisit.Mode
        trained = {
            Mode.ON_SITE: (3, 20),
            Mode.TRAINING: (20, 80),
            Mode.REMOTE: (0, 5),
            Mode.DEMONSTRATION: (10, 40),
        }
        for year in self.years:
            seen = set()
            for _ in range(self.count(rng, year, 280, 340)):
                village = rng.choice(keys)
                mode = rng.choices(list(trained), [5, 2, 1, 1])[0]
                what = "培训" if mode == Mode.TRAINING else "技术指导"
                content = f"{rng.choice(N.CROPS)}{rng.choice(N.PRACTICES)}{what}"
                day = self.date(rng, year)
                if (day, village.village.code, content) in seen:
                    continue
                seen.add((day, village.village.code, content))
                block.add(
                    new(
                        ServiceVisit,
                        date=day,
                        village=village,
                        mode=mode,
                        content=content,
                        farmers_trained=rng.randint(*trained[mode]),
                    ),
                    commissioners=rng.sample(commissioners, rng.randint(1, 3)),
                )
        # Agri-tech stations: a few before the window, two or three new each year.
        free = list(keys)
        rng.shuffle(free)
        for year in [self.years[0] - 2, self.years[0] - 1, *self.years]:
            for _ in range(rng.randint(2, 3)):
                if not free:
                    break
                key = free.pop()
                village = key.village
                block.add(
                    new(
                        AgriStation,
                        name=self.claim(
                            "station", [f"{village.township.name}{village.name}农科驿站"]
                        ),
                        village=key,
                        host=f"{village.name}{rng.choice(N.CROPS)}种植专业合作社",
                        built_on=self.date(rng, year, (3, 1), (11, 15)),
                    )
                )
        agri = [f for f in firms if f.industry == "高效生态农业"] or firms
        for year in self.years:
            statuses = [DemoBase.Status.SELECTED, DemoBase.Status.SELECTED]
            statuses.append(
                DemoBase.Status.APPLIED if year == self.year else DemoBase.Status.REJECTED
            )
            for status in statuses:
                key = rng.choice(keys)
                crop = rng.choice(N.CROPS)
                block.add(
                    new(
                        DemoBase,
                        name=self.claim(
                            f"base{year}",
                            [
                                f"{key.village.township.name}{key.village.name}{crop}科技扶贫示范基地"
                            ],
                        ),
                        village=key,
                        operator=rng.choice(agri).obj.name,
                        year=year,
                        status=status,
                    )
                )
            for status in [Achievement.Status.SELECTED] * 2 + [Achievement.Status.REJECTED]:
                crop, practice = rng.choice(N.CROPS), rng.choice(N.PRACTICES)
                holder = rng.choice(N.COMMISSIONER_UNITS + [rng.choice(agri).obj.name])
                block.add(
                    new(
                        Achievement,
                        title=self.claim(
                            f"achievement{year}",
                            [
                                f"{self.prefix}{crop}{practice}技术集成与示范",
                                f"{self.prefix}{crop}{practice}关键技术研究与应用",
                            ],
                        ),
                        holder=holder,
                        village=rng.choice(keys),
                        year=year,
                        status=status,
                    )
                )

    # -- work ledger -----------------------------------------------------------------------

    def _activities(self, block, b, townships: list[Township]) -> None:
        rng = self.rng("activity", b)
        Kind = WorkActivity.Kind
        for year in self.years:
            seen = set()
            plan = [
                (Kind.TRAINING, 3, 6),
                (Kind.POLICY_VISIT, 25, 45),
                (Kind.MEETING, 4, 8),
                (Kind.INSPECTION, 3, 6),
            ]
            for kind, lo, hi in plan:
                for _ in range(self.count(rng, year, lo, hi)):
                    township = rng.choice(townships)
                    # District-wide activities (no township) belong to the district alone.
                    district_wide = b == 0 and rng.random() < 0.7
                    activity_kind = kind
                    if kind == Kind.TRAINING:
                        # The year's first training is on R&D input (the report counts those).
                        first = not any(k[1] == Kind.TRAINING for k in seen)
                        topics = N.RD_TRAINING_TOPICS if first else N.TRAINING_TOPICS
                        topic, people = rng.choice(topics), rng.randint(40, 150)
                        township = None if district_wide else township
                        if topic in N.RD_TRAINING_TOPICS:
                            activity_kind = Kind.RD_TRAINING
                    elif kind == Kind.POLICY_VISIT:
                        topic = f"送政策上门：{rng.choice(N.POLICY_TOPICS)}"
                        people = rng.randint(2, 12)
                    elif kind == Kind.MEETING:
                        topic = rng.choice(
                            ["科技工作推进会", "高企培育工作调度会", "科技扶贫工作会议"]
                        )
                        people = rng.randint(15, 60)
                        township = None if district_wide else township
                    else:
                        topic = rng.choice(
                            ["科技扶贫自查评估", "研发机构建设督导", "科技项目现场检查"]
                        )
                        people = rng.randint(3, 10)
                    day = self.date(rng, year)
                    key = (day, kind, topic, township.code if township else None)
                    if key in seen:
                        continue
                    seen.add(key)
                    block.add(
                        new(
                            WorkActivity,
                            date=day,
                            kind=activity_kind,
                            topic=topic,
                            township=township,
                            participants=people,
                            organiser="区科技局",
                        )
                    )

    def _targets(self, block: Block) -> None:
        rng = self.rng("target", 0)
        # Targets for each year of the window and the next (the report's plans quote it).
        for i, year in enumerate([*self.years, self.year + 1]):
            # Keys are those of the indicator registry (reports.indicators), values in its units.
            values = {
                "sme_registered": (60 + 5 * i + rng.randint(0, 5), "科技型中小企业评价入库（家）"),
                "hitech_applications": (40 + 4 * i + rng.randint(0, 3), "申报高新技术企业（家）"),
                "hitech_certified": (25 + 3 * i + rng.randint(0, 3), "认定高新技术企业（家）"),
                "work_permits_issued": (2 + i // 3, "办理外国人来华工作许可（人）"),
                "new_platforms_city_and_above": (8 + i, "新增市级以上创新平台（家）"),
                "coverage_rate": (min(100, 60 + 15 * i), "规上工业企业研发机构覆盖率（%）"),
                "tech_contract_amount": (round(2.5 * 1.2**i, 1), "技术合同登记额（亿元）"),
            }
            for indicator, (value, note) in values.items():
                block.add(
                    new(
                        AnnualTarget,
                        year=year,
                        indicator=indicator,
                        value=Decimal(str(value)),
                        note=note,
                    )
                )

    def _external(self, block: Block) -> None:
        rng = self.rng("external", 0)
        for year in self.years:
            as_of = min(datetime.date(year, 10, 31), self.today)
            source = f"{N.CITY}科学技术局通报"
            for key, value, unit in [
                ("hitech_output_share_rank", rng.randint(1, 5), "位"),
                ("tech_contract_growth_rank", rng.randint(1, 3), "位"),
                ("maker_space_city_quota", rng.randint(4, 6), "家"),
                ("hitech_output_share_city", round(rng.uniform(45, 55), 2), "%"),
            ]:
                block.add(
                    new(
                        ExternalFigure,
                        year=year,
                        key=key,
                        value=Decimal(str(value)),
                        unit=unit,
                        source=source,
                        as_of=as_of,
                    )
                )


def sme_score(
    fig: EnterpriseYearlyFigure, *, class_one_ip: bool, class_two_ip: int, part: str = "all"
) -> int:
    """The 科技型中小企业 score (out of 100) of one year's figures, by the published rules."""
    staff_share = (fig.tech_staff or 0) / fig.staff_total if fig.staff_total else 0
    staff_points = next(
        (p for t, p in [(0.3, 20), (0.25, 16), (0.2, 12), (0.15, 8), (0.1, 4)] if staff_share >= t),
        0,
    )
    if part == "staff":
        return staff_points
    rd = float(fig.rd_expense or 0)
    sales, costs = float(fig.sales_revenue or 0), float(fig.total_costs or 0)
    by_sales = rd / sales if sales else 0
    by_costs = rd / costs if costs else 0
    rd_points = max(
        next(
            (
                p
                for t, p in [(0.06, 50), (0.05, 40), (0.04, 30), (0.03, 20), (0.02, 10)]
                if by_sales >= t
            ),
            0,
        ),
        next(
            (
                p
                for t, p in [(0.3, 50), (0.25, 40), (0.2, 30), (0.15, 20), (0.1, 10)]
                if by_costs >= t
            ),
            0,
        ),
    )
    ip_points = 30 if class_one_ip else min(class_two_ip, 4) * 6
    return staff_points + rd_points + ip_points
