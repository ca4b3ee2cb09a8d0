#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Rosters as spreadsheets open them: a cell that would run as a formula is written as text and
//! read back as it was; a workbook's formulas are refused, not read as their cached values; a
//! workbook named .csv is named for what it is.

use chrono::NaiveDate;
use csv::StringRecord;
use minsheng_core::IdNumber;
use minsheng_exchange::{open_roster, parse_row, Layout, RosterError, RosterWriter, COLUMNS};

fn header() -> Vec<String> {
    COLUMNS.iter().map(|c| c.code.to_string()).collect()
}

fn row(name: &str) -> Vec<String> {
    let born = NaiveDate::from_ymd_opt(1950, 3, 8).unwrap();
    let id = IdNumber::from_parts(370212, born, 23).unwrap();
    let mut row = vec![String::new(); COLUMNS.len()];
    for (code, value) in [
        ("id_number", id.as_str()),
        ("name", name),
        ("sex", "男"),
        ("birth_date", "1950-03-08"),
        ("household", "H1"),
        ("relation", "head"),
        ("hukou", "rural"),
        ("area", "370212001001"),
        ("work_ability", "none"),
        ("employment", "retired"),
    ] {
        let i = COLUMNS.iter().position(|c| c.code == code).unwrap();
        row[i] = value.to_string();
    }
    row
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
}

#[test]
fn a_name_that_starts_a_formula_is_exported_as_text_and_imported_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.csv");
    let layout = Layout::from_header(&header()).unwrap();
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"点此\")",
        "+1",
        "-1",
        "@A1",
        "\t=1",
        "王建国",
    ];
    let registrations: Vec<_> = names
        .iter()
        .map(|name| parse_row(&layout, &StringRecord::from(row(name)), 2, today()).unwrap())
        .collect();
    let mut writer = RosterWriter::create(&path).unwrap();
    for r in &registrations {
        writer.write(r).unwrap();
    }
    writer.finish().unwrap();
    // No cell of the file starts a formula.
    let mut file = csv::Reader::from_path(&path).unwrap();
    for record in file.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("'=HYPERLINK("), "{text}");
    // And every name comes back exactly.
    let roster = open_roster(&path).unwrap();
    let read: Vec<String> = roster
        .rows
        .map(|r| {
            let (line, record) = r.unwrap();
            parse_row(&roster.layout, &record, line, today())
                .unwrap()
                .person
                .name
        })
        .collect();
    let registered: Vec<String> = registrations
        .iter()
        .map(|r| r.person.name.clone())
        .collect();
    assert_eq!(read, registered);
    assert_eq!(registered[0], names[0]);
}

/// A roster workbook of one person; with `formula`, their deposits cell holds it instead of
/// a value (with 0 as the value Excel last computed).
fn workbook(path: &std::path::Path, formula: Option<&str>) -> (u32, u16) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, code) in header().iter().enumerate() {
        sheet.write_string(0, c as u16, code).unwrap();
    }
    for (c, value) in row("王建国").iter().enumerate() {
        sheet.write_string(1, c as u16, value).unwrap();
    }
    let deposits = COLUMNS.iter().position(|c| c.code == "deposits").unwrap() as u16;
    if let Some(formula) = formula {
        let formula = rust_xlsxwriter::Formula::new(formula).set_result("0");
        sheet.write_formula(1, deposits, formula).unwrap();
    }
    book.save(path).unwrap();
    (1, deposits)
}

#[test]
fn a_formula_cell_in_a_workbook_is_refused_with_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.xlsx");
    let (row, column) = workbook(&path, Some("=[other.xlsx]Sheet1!A1"));
    let cell = rust_xlsxwriter::utility::row_col_to_cell(row, column);
    match open_roster(&path) {
        Err(RosterError::Malformed { line, reason }) => {
            assert_eq!(line, 2);
            assert!(
                reason.contains(&format!("单元格 {cell} 是公式")),
                "{reason}"
            );
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a formula cell was read"),
    }
    // Without the formula the same sheet reads.
    workbook(&path, None);
    assert_eq!(open_roster(&path).unwrap().rows.count(), 1);
}

#[test]
fn a_workbook_named_csv_is_named_as_a_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.csv");
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .write_string(0, 0, "id_number")
        .unwrap();
    book.save(&path).unwrap();
    match open_roster(&path) {
        Err(e @ RosterError::WorkbookNamedCsv(_)) => {
            assert!(e.to_string().contains("is an Excel workbook"), "{e}");
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a workbook was read as CSV"),
    }
}
