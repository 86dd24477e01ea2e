"""Templates that guide: every choice and reference-data column has a drop-down of the current
values (villages within the row's township, by a named range per township), and the example
row's credit code is a valid one of this district."""

import io

import pytest
from openpyxl import load_workbook

from bureau.validators import validate_credit_code
from imports.engine import export as exporting
from imports.engine import widgets as w
from imports.engine.registry import entities, get_entity
from tests import factories as f

pytestmark = pytest.mark.django_db


def template(name):
    buffer = io.BytesIO()
    exporting.write_template(get_entity(name).resource(), buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def validations(sheet) -> dict[str, str]:
    """Column letter -> the list formula of its drop-down."""
    return {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1
        for dv in sheet.data_validations.dataValidation
    }


@pytest.fixture
def reference(township, other_township):
    f.IndustryFactory(name="铝电")
    f.IndustryFactory(name="汽车零部件")
    f.VillageFactory(township=township, code=f"{township.code}001", name="东关村")
    f.VillageFactory(township=township, code=f"{township.code}002", name="西关村")
    f.VillageFactory(township=other_township, code=f"{other_township.code}001", name="南山村")


def test_the_enterprise_template_offers_townships_villages_and_industries(reference, township):
    workbook = template("enterprise")
    sheet, lists = workbook.worksheets[0], workbook["选项"]
    headers = {c.value: c.column_letter for c in sheet[1] if c.value}
    dv = validations(sheet)
    township_list = dv[headers["乡镇（街道）"]]
    values = [c.value for c in lists[township_list.split("!")[1].replace("$", "").split(":")[0][0]]]
    assert {"城关街道", "东山镇"} <= set(values)
    assert dv[headers["所属产业"]].startswith("'选项'!")
    village = dv[headers["村（社区）"]]
    assert village.startswith("INDIRECT(VLOOKUP($" + headers["乡镇（街道）"] + "2,")
    # each township's villages under a name, which the table beside them maps the township to
    table = {
        row[0].value: row[1].value
        for row in lists.iter_rows()
        if row[0].value in {"城关街道", "东山镇"} and len(row) > 1
    }
    names = {}
    for key, defined in workbook.defined_names.items():
        sheet_name, cells = next(defined.destinations)
        names[key] = [c.value for row in workbook[sheet_name][cells.replace("$", "")] for c in row]
    found = {}
    for row in lists.iter_rows():
        for i, cell in enumerate(row[:-1]):
            if cell.value in {"城关街道", "东山镇"} and row[i + 1].value in names:
                found[cell.value] = names[row[i + 1].value]
    assert found == {"城关街道": ["东关村", "西关村"], "东山镇": ["南山村"]}, (found, table)


def test_every_choice_and_reference_column_of_every_template_has_a_drop_down(reference):
    for name in sorted(entities()):
        resource = get_entity(name).resource()
        sheet = template(name).worksheets[0]
        dv = validations(sheet)
        for index, column in enumerate(exporting.export_columns(resource), 1):
            if column.readonly:
                continue
            widget = column.widget
            wanted = isinstance(widget, w.ChoiceWidget | w.BoolWidget) or (
                isinstance(widget, w.LookupWidget)
                and not isinstance(widget, w.ManyLookupWidget)
                and w._is_reference(widget.model)
            )
            letter = sheet.cell(row=1, column=index).column_letter
            assert not wanted or letter in dv, (name, column.column_name)


def test_the_example_credit_code_is_a_valid_code_of_this_district(township):
    sheet = template("enterprise").worksheets[0]
    code = sheet["A2"].value
    validate_credit_code(code)
    assert code[2:8] == township.code[:6] and code != "91350100M000100Y43"
    talent = template("talentproject").worksheets[0]
    codes = [c.value for c in talent[2] if isinstance(c.value, str) and c.value[:2] == "91"]
    assert codes and all(c[2:8] == township.code[:6] for c in codes)
