"""Hand-built 后备高企 for the registry's and the dashboard's tests."""

import datetime
from decimal import Decimal

from enterprises.models import IpKind
from tests import factories as f

D = datetime.date


def reserve_firm(township, name, *, ip=True, tech_staff=30, years=(2023, 2024, 2025), **kw):
    """An enterprise founded in 2010 in a national field (a rejected 2022 application says so),
    with figures for ``years`` that meet every decidable 高企 condition by hand: 科技人员 30 of
    100 (≥10%), R&D 60 of sales 1,000 each year (6% ≥ 5% for sales ≤ 5,000万元), hi-tech income
    700 (70% ≥ 60%), one invention patent (class Ⅰ ≥ 1) unless ``ip`` is False."""
    firm = f.EnterpriseFactory(township=township, name=name, founded_on=D(2010, 1, 1), **kw)
    for year in years:
        f.YearlyFigureFactory(
            enterprise=firm,
            year=year,
            staff_total=100,
            tech_staff=tech_staff,
            sales_revenue=Decimal("1000"),
            rd_expense=Decimal("60"),
            hitech_product_income=Decimal("700"),
        )
    if ip:
        f.IntellectualPropertyFactory(
            enterprise=firm, kind=IpKind.INVENTION, granted_on=D(2020, 3, 1)
        )
    f.HiTechApplicationFactory(enterprise=firm, year=2022, status="rejected")
    return firm
