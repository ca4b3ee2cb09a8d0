//! The area list as a CSV file: `code,name,urban`, one area per row, parents before children
//! or anywhere in the file. An operator loads the city's official list with it.

use std::fs::File;
use std::path::Path;

use minsheng_core::area::Area;
use minsheng_core::AreaCode;

use crate::columns::RowError;
use crate::read::RosterError;
use crate::write::WriteError;

pub const AREA_COLUMNS: [&str; 3] = ["code", "name", "urban"];

/// A data row of a small CSV file: its file line, and the record or why it is not one.
pub type TableRow = (u64, Result<csv::StringRecord, String>);

/// The rows of a small CSV file with exactly the columns `columns`, numbered by file line (the
/// header is line 1). A row that is not CSV comes back as its error, for the row report.
pub fn read_table(path: &Path, columns: &[&str]) -> Result<Vec<TableRow>, RosterError> {
    let file = File::open(path).map_err(|e| RosterError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    table_rows(file, &path.display().to_string(), columns)
}

/// [`read_table`] over any reader; `name` names it in errors.
pub fn table_rows(
    input: impl std::io::Read,
    name: &str,
    columns: &[&str],
) -> Result<Vec<TableRow>, RosterError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| RosterError::Unreadable {
            path: name.to_string(),
            reason: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    if header != columns {
        return Err(RosterError::Header(vec![format!(
            "expected the columns {}, found {}",
            columns.join(","),
            header.join(",")
        )]));
    }
    Ok(reader
        .records()
        .enumerate()
        .map(|(i, r)| (i as u64 + 2, r.map_err(|e| e.to_string())))
        .collect())
}

/// Reads an area list. Every bad row is reported; any bad row and no area is returned.
pub fn read_areas(path: &Path) -> Result<Result<Vec<Area>, Vec<RowError>>, RosterError> {
    let mut areas = Vec::new();
    let mut errors = Vec::new();
    for (line, record) in read_table(path, &AREA_COLUMNS)? {
        let record = match record {
            Ok(r) => r,
            Err(reason) => {
                errors.push(RowError {
                    line,
                    field: "(row)".into(),
                    reason,
                });
                continue;
            }
        };
        // `table_rows` checked the header, and the reader rejects rows of another width, so
        // every column is there.
        let code = match AreaCode::parse(record.get(0).unwrap_or_default()) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(RowError {
                    line,
                    field: "code".into(),
                    reason: e.to_string(),
                });
                None
            }
        };
        let name = crate::formula::restored(record.get(1).unwrap_or_default().trim()).to_string();
        if name.is_empty() {
            errors.push(RowError {
                line,
                field: "name".into(),
                reason: "不能为空".into(),
            });
        }
        let urban = match record
            .get(2)
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "true" | "1" | "yes" | "是" => Some(true),
            "false" | "0" | "no" | "否" => Some(false),
            other => {
                errors.push(RowError {
                    line,
                    field: "urban".into(),
                    reason: format!("「{other}」应为 yes 或 no"),
                });
                None
            }
        };
        if let (Some(code), Some(urban)) = (code, urban) {
            areas.push(Area { code, name, urban });
        }
    }
    Ok(if errors.is_empty() {
        Ok(areas)
    } else {
        Err(errors)
    })
}

pub fn write_areas(path: &Path, areas: &[Area]) -> Result<(), WriteError> {
    let io = |e: &dyn std::fmt::Display| WriteError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut writer = csv::Writer::from_path(path).map_err(|e| io(&e))?;
    writer.write_record(AREA_COLUMNS).map_err(|e| io(&e))?;
    for a in areas {
        writer
            .write_record([
                a.code.as_str(),
                crate::formula::neutralised(&a.name).as_ref(),
                if a.urban { "true" } else { "false" },
            ])
            .map_err(|e| io(&e))?;
    }
    writer.flush().map_err(|e| io(&e))
}
