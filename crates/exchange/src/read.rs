use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use calamine::{Data, Reader};
use chrono::{Duration, NaiveDate};
use csv::StringRecord;

use crate::columns::Layout;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn from_path(path: &Path) -> Result<Format, RosterError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Ok(Format::Csv),
            Some("xlsx") | Some("xlsm") | Some("xls") => Ok(Format::Xlsx),
            _ => Err(RosterError::UnsupportedFormat(path.display().to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("{0}: only .csv and .xlsx files are supported")]
    UnsupportedFormat(String),
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the header row is not a roster header:\n  {}", .0.join("\n  "))]
    Header(Vec<String>),
    #[error("line {line}: {reason}")]
    Malformed { line: u64, reason: String },
    #[error(
        "{0} is an Excel workbook, not CSV text: name it .xlsx, or save it from Excel as CSV UTF-8"
    )]
    WorkbookNamedCsv(String),
}

/// How a zip archive (.xlsx) and an OLE compound file (.xls) begin.
const WORKBOOK_MAGIC: [&[u8]; 2] = [b"PK\x03\x04", &[0xD0, 0xCF, 0x11, 0xE0]];

/// One data row of a roster: its line number and cells, or why it could not be read.
pub type RosterRow = Result<(u64, StringRecord), RosterError>;

type Rows = Box<dyn Iterator<Item = RosterRow>>;

/// A roster file opened for reading: its layout and its data rows with their line numbers.
pub struct Roster {
    pub layout: Layout,
    pub rows: Rows,
    /// About how many data rows the file holds, for sizing what a reader keeps per row: exact
    /// for a workbook; for CSV, the file's size over the length of its first rows.
    pub expected_rows: usize,
}

/// CSV rows measured for [`Roster::expected_rows`].
const SAMPLED_ROWS: usize = 1_000;

/// Only a hint: a file whose first rows are unusually short must not make a reader set aside
/// gigabytes it will never fill.
const MAX_EXPECTED_ROWS: u64 = 20_000_000;

/// The data rows of a CSV file of `file_len` bytes whose header ends at byte `header_end`, when
/// its first `sampled` rows take `sampled_bytes`.
fn estimated_rows(file_len: u64, header_end: u64, sampled: usize, sampled_bytes: u64) -> usize {
    if sampled < SAMPLED_ROWS {
        return sampled; // the whole file was sampled
    }
    let per_row = (sampled_bytes / sampled as u64).max(1);
    (file_len.saturating_sub(header_end) / per_row).min(MAX_EXPECTED_ROWS) as usize
}

pub fn open_roster(path: &Path) -> Result<Roster, RosterError> {
    let unreadable = |reason: String| RosterError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    match Format::from_path(path)? {
        Format::Csv => {
            let file = File::open(path).map_err(|e| unreadable(e.to_string()))?;
            let file_len = file.metadata().map_or(0, |m| m.len());
            let mut file = BufReader::with_capacity(1 << 20, file);
            let start = file.fill_buf().map_err(|e| unreadable(e.to_string()))?;
            if WORKBOOK_MAGIC.iter().any(|magic| start.starts_with(magic)) {
                return Err(RosterError::WorkbookNamedCsv(path.display().to_string()));
            }
            let reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(file);
            let mut records = reader.into_records();
            let header: Vec<String> = match records.next() {
                Some(Ok(h)) => h.iter().map(String::from).collect(),
                Some(Err(e)) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                    return Err(RosterError::Malformed {
                        line: 1,
                        reason: NOT_UTF8.into(),
                    })
                }
                Some(Err(e)) => return Err(unreadable(e.to_string())),
                None => return Err(RosterError::Header(vec!["the file is empty".into()])),
            };
            let width = header.len();
            let layout = Layout::from_header(&header).map_err(RosterError::Header)?;
            let header_end = records.reader().position().byte();
            let sample: Vec<_> = records.by_ref().take(SAMPLED_ROWS).collect();
            let sampled_bytes = records.reader().position().byte() - header_end;
            let expected_rows = estimated_rows(file_len, header_end, sample.len(), sampled_bytes);
            let records = sample.into_iter().chain(records);
            let rows = records.enumerate().filter_map(move |(i, record)| {
                let line = i as u64 + 2;
                let record = match record {
                    Ok(r) => r,
                    Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                        return Some(Err(RosterError::Malformed {
                            line,
                            reason: NOT_UTF8.into(),
                        }))
                    }
                    Err(e) => {
                        return Some(Err(RosterError::Malformed {
                            line,
                            reason: e.to_string(),
                        }))
                    }
                };
                if record.iter().all(|c| c.trim().is_empty()) {
                    return None;
                }
                if record.len() != width {
                    let reason = format!("有 {} 列，表头有 {width} 列", record.len());
                    return Some(Err(RosterError::Malformed { line, reason }));
                }
                Some(Ok((line, record)))
            });
            Ok(Roster {
                layout,
                rows: Box::new(rows),
                expected_rows,
            })
        }
        Format::Xlsx => {
            let mut workbook =
                calamine::open_workbook_auto(path).map_err(|e| unreadable(e.to_string()))?;
            let range = workbook
                .worksheet_range_at(0)
                .ok_or_else(|| unreadable("the workbook has no sheet".into()))?
                .map_err(|e| unreadable(e.to_string()))?;
            // A formula's cell holds the value Excel last computed, which may be stale or
            // come from another sheet or file: the roster takes values only.
            if let Some(sheet) = workbook.sheet_names().first().cloned() {
                let formulas = workbook
                    .worksheet_formula(&sheet)
                    .map_err(|e| unreadable(e.to_string()))?;
                let (top, left) = formulas.start().unwrap_or((0, 0));
                if let Some((row, column, formula)) =
                    formulas.used_cells().find(|(_, _, f)| !f.is_empty())
                {
                    let (row, column) = (top + row as u32, left + column as u32);
                    return Err(RosterError::Malformed {
                        line: u64::from(row) + 1,
                        reason: format!(
                            "单元格 {} 是公式（={formula}）：请填写值本身",
                            // The reference a person sees in Excel, such as C5.
                            rust_xlsxwriter::utility::row_col_to_cell(
                                row,
                                u16::try_from(column).unwrap_or(u16::MAX)
                            )
                        ),
                    });
                }
            }
            let first_row = range.start().map_or(0, |(r, _)| u64::from(r));
            let mut rows = range
                .rows()
                .map(|r| r.iter().map(cell_text).collect::<Vec<String>>())
                .collect::<Vec<_>>()
                .into_iter();
            let header = rows
                .next()
                .ok_or_else(|| RosterError::Header(vec!["the sheet is empty".into()]))?;
            let layout = Layout::from_header(&header).map_err(RosterError::Header)?;
            let expected_rows = rows.len();
            let rows = rows
                .enumerate()
                .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
                .map(move |(i, cells)| Ok((first_row + i as u64 + 2, StringRecord::from(cells))));
            Ok(Roster {
                layout,
                rows: Box::new(rows),
                expected_rows,
            })
        }
    }
}

const NOT_UTF8: &str = "is not valid UTF-8 text (save the file as UTF-8 CSV)";

/// Excel cells as the text a person sees. Whole numbers lose no digits; dates become
/// YYYY-MM-DD. An 18-digit ID number typed as a number has already lost its last digits in
/// Excel; it will fail the check-digit test and be reported.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64())
            .map(|d| d.to_string())
            .unwrap_or_else(|| dt.as_f64().to_string()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn excel_date(serial: f64) -> Option<NaiveDate> {
    // Excel's day 0 is 1899-12-30 once its 1900 leap-year bug is accounted for.
    NaiveDate::from_ymd_opt(1899, 12, 30).map(|epoch| epoch + Duration::days(serial.floor() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serials_are_dates() {
        assert_eq!(excel_date(45_292.0), NaiveDate::from_ymd_opt(2024, 1, 1));
    }

    #[test]
    fn expected_rows_scale_the_sample_to_the_file() {
        // A small file is counted, not estimated.
        assert_eq!(estimated_rows(5_000, 100, 37, 4_900), 37);
        // 1,000 rows of 150 bytes after a 400-byte header: a 150,400,400-byte file has 1M.
        assert_eq!(
            estimated_rows(150_000_400, 400, SAMPLED_ROWS, 150_000),
            1_000_000
        );
        // Short first rows cannot ask for more than the cap.
        assert_eq!(
            estimated_rows(u64::MAX, 400, SAMPLED_ROWS, 1_000),
            MAX_EXPECTED_ROWS as usize
        );
    }

    #[test]
    fn a_csv_roster_reads_every_row_after_its_sample() {
        let dir = std::env::temp_dir().join(format!("minsheng-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("roster.csv");
        let codes: Vec<&str> = crate::columns::COLUMNS.iter().map(|c| c.code).collect();
        let header = codes.join(",");
        let row = vec!["x"; codes.len()].join(",");
        let rows = SAMPLED_ROWS * 2 + 5;
        let mut text = format!("{header}\n");
        for _ in 0..rows {
            text.push_str(&row);
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        let roster = open_roster(&path).unwrap();
        assert_eq!(roster.expected_rows, rows);
        let lines: Vec<u64> = roster.rows.map(|r| r.unwrap().0).collect();
        assert_eq!(lines, (2..rows as u64 + 2).collect::<Vec<_>>());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unsupported_extensions_are_named() {
        assert!(matches!(
            Format::from_path(Path::new("a.json")),
            Err(RosterError::UnsupportedFormat(_))
        ));
    }
}
