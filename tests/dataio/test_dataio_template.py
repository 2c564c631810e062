"""The import template: Chinese headers with field names, Select values listed, an example row
that imports as it stands once copied into the data sheet."""

from __future__ import annotations

from openpyxl import load_workbook

from townflow.dataio.importer import import_file
from townflow.dataio.template import write_template


def test_template_round_trips_through_import(site, admin, people, tmp_path):
    target = tmp_path / "person-template.xlsx"
    write_template(site, site.metas.get("Person"), target)
    book = load_workbook(target)
    assert book.sheetnames == ["数据 Data", "示例 Example", "说明 Help"]
    header = [c.value for c in book["数据 Data"][1]]
    assert "姓名 (full_name)" in header and "gender (gender)" in header
    assert "village (village)" not in header  # filled in from the household, not imported
    help_rows = {r[0]: r for r in book["说明 Help"].iter_rows(min_row=2, values_only=True)}
    assert help_rows["gender"][5] == "Female (女); Male (男)" and help_rows["full_name"][4] == "是 yes"
    assert any(v.formula1 == '"Female,Male"' for v in book["数据 Data"].data_validations.dataValidation)

    example = [c.value for c in book["示例 Example"][2]]
    id_column = header.index("id_number (id_number)")
    assert example[id_column] == people["p1"]["id_number"]  # a valid ID: the fixture's person has it
    example[id_column] = "110105198001010024"
    book["数据 Data"].append(example)
    book.save(target)
    result = import_file(admin, "Person", target)
    assert len(result.inserted) == 1, result.failed
    stored = admin.get("Person", result.inserted[0])
    assert stored["full_name"] == "姓名" and stored["household"] == people["h1"]["name"]
