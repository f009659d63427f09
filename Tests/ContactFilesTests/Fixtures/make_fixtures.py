#!/usr/bin/env python3
"""Writes the ContactFiles test fixtures: the same contact rows as the CSV that
Excel would export, and as two workbooks made by real spreadsheet libraries, so
that they are laid out as spreadsheet programs write them:

- contacts.xlsx, by XlsxWriter, which writes as Excel does: shared strings
  (rich text as runs), numbers for phones, dates as styled serial numbers, no
  cells for empty ones and no row for an empty row;
- contacts-inline.xlsx, by openpyxl, which writes every string inline
  (`t="inlineStr"`) and part names as absolute paths.

    pip install openpyxl==3.1.5 XlsxWriter==3.3.1
    python3 make_fixtures.py        # from this folder

The tests compare both files' contacts, so edit ROWS here, not the outputs.
"""
import csv
import datetime
import os

import openpyxl
import xlsxwriter
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

HERE = os.path.dirname(os.path.abspath(__file__))

HEADER = ["Full Name", "Mobile", "E-mail", "Stage", "Tags", "City", "Lead Score", "Joined"]
# Row 2 onwards. None is an empty cell; a row of Nones is a blank row (the
# workbook gets no <row> for it, the CSV a line of commas).
ROWS = [
    ["Asha Rao", 9876543210, "Asha@Example.test", "Qualified", "vip; mumbai", "Pune", 80, datetime.date(2024, 1, 15)],
    ["Ravi Kumar", "+91-91234-56789", None, "new", None, "Mumbai", None, None],
    ["Ravi K", "09123456789", "ravi@example.test", None, "hot-lead, VIP", None, 55.0, None],
    ["Bad Phone", "12345", None, None, None, None, None, None],
    [None, None, None, None, None, None, None, None],
    [None, 919988776655, None, "contacted", None, None, None, None],
    ["Bad Stage", 9876500000, None, "maybe", None, None, None, None],
    ["Float Phone", 9876512345.0, None, None, None, "Delhi, NCR", None, None],
    ["Quote \"Q\" Person", "+91 (987) 650-1111", None, None, None, "Line one\nline two", None, None],
    ["No Phone", None, "nophone@example.test", None, None, None, None, None],
    ["Bad Email", 9876502222, "x@", None, None, None, None, None],
]


def csv_text(value):
    """A cell as Excel's CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_excel_like_workbook():
    workbook = xlsxwriter.Workbook(os.path.join(HERE, "contacts.xlsx"))
    sheet = workbook.add_worksheet("Leads")
    date = workbook.add_format({"num_format": "dd/mm/yyyy"})
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(ROWS, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime.date):
                sheet.write_datetime(index, column, datetime.datetime.combine(value, datetime.time()), date)
            else:
                sheet.write(index, column, value)
    # Rich text (two runs) in a name, as when part of a cell is bold.
    sheet.write_rich_string(1, 0, bold, "Asha", " Rao")
    other = workbook.add_worksheet("Notes")  # a second sheet, which an import ignores
    other.write_row(0, 0, ["Phone", "Name"])
    other.write_row(1, 0, [9000000000, "Not imported"])
    workbook.close()


def write_inline_workbook():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Leads"
    sheet.append(HEADER)
    for row in ROWS:
        if all(value is None for value in row):
            sheet.append([])  # openpyxl writes no cells, as Excel does for an empty row
            continue
        sheet.append(row)
    for cell in sheet["H"][1:]:
        if cell.value is not None:
            cell.number_format = "dd/mm/yyyy"
    # Rich text (two runs) in a name, as when part of a cell is bold.
    sheet["A2"] = CellRichText([TextBlock(InlineFont(b=True), "Asha"), " Rao"])
    # A second sheet, which an import ignores.
    other = workbook.create_sheet("Notes")
    other.append(["Phone", "Name"])
    other.append([9000000000, "Not imported"])
    workbook.save(os.path.join(HERE, "contacts-inline.xlsx"))


def write_csv():
    with open(os.path.join(HERE, "contacts.csv"), "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(HEADER)
        for row in ROWS:
            writer.writerow([csv_text(value) for value in row])


def write_hidden_first_sheet():
    """The first tab is hidden: an import takes the first visible one."""
    workbook = openpyxl.Workbook()
    hidden = workbook.active
    hidden.title = "Lookup"
    hidden.append(["Code", "Value"])
    hidden.sheet_state = "hidden"
    leads = workbook.create_sheet("Leads")
    leads.append(["Name", "Phone"])
    leads.append(["Visible", 9876543210])
    workbook.save(os.path.join(HERE, "hidden-first-sheet.xlsx"))


def write_windows_1252_csv():
    """What Excel's plain "CSV (Comma delimited)" writes on Windows: not UTF-8."""
    with open(os.path.join(HERE, "windows-1252.csv"), "w", newline="", encoding="cp1252") as file:
        file.write("Name,Phone\r\nJosé Müller,9876543210\r\n")


if __name__ == "__main__":
    write_excel_like_workbook()
    write_inline_workbook()
    write_csv()
    write_hidden_first_sheet()
    write_windows_1252_csv()
