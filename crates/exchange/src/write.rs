use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use minsheng_core::registry::Registration;
use rust_xlsxwriter::Workbook;

use crate::columns::{to_record, COLUMNS};
use crate::formula::neutralised;
use crate::read::{Format, RosterError};

/// Excel's sheet limit, less the header row.
const XLSX_MAX_ROWS: u32 = 1_048_575;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Format(#[from] RosterError),
    #[error("cannot write {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("an Excel sheet holds at most {XLSX_MAX_ROWS} rows; export to .csv instead")]
    TooManyRows,
}

/// Writes a roster, in the format its file name says.
pub enum RosterWriter {
    Csv {
        writer: Box<csv::Writer<BufWriter<File>>>,
        path: PathBuf,
    },
    Xlsx {
        workbook: Box<Workbook>,
        row: u32,
        path: PathBuf,
    },
}

impl RosterWriter {
    pub fn create(path: &Path) -> Result<RosterWriter, WriteError> {
        let io = |e: &dyn std::fmt::Display| WriteError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        match Format::from_path(path)? {
            Format::Csv => {
                let file = File::create(path).map_err(|e| io(&e))?;
                let mut writer = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file));
                writer
                    .write_record(COLUMNS.iter().map(|c| c.code))
                    .map_err(|e| io(&e))?;
                Ok(RosterWriter::Csv {
                    writer: Box::new(writer),
                    path: path.to_path_buf(),
                })
            }
            Format::Xlsx => {
                let mut workbook = Box::new(Workbook::new());
                let sheet = workbook
                    .add_worksheet_with_constant_memory()
                    .map_err(|e| io(&e))?;
                for (c, column) in COLUMNS.iter().enumerate() {
                    sheet
                        .write_string(0, c as u16, column.code)
                        .map_err(|e| io(&e))?;
                }
                Ok(RosterWriter::Xlsx {
                    workbook,
                    row: 0,
                    path: path.to_path_buf(),
                })
            }
        }
    }

    pub fn write(&mut self, registration: &Registration) -> Result<(), WriteError> {
        match self {
            RosterWriter::Csv { writer, path } => {
                let io = |e: csv::Error| WriteError::Io {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                };
                for cell in to_record(registration) {
                    writer
                        .write_field(neutralised(&cell).as_bytes())
                        .map_err(io)?;
                }
                writer.write_record(None::<&[u8]>).map_err(io)
            }
            RosterWriter::Xlsx {
                workbook,
                row,
                path,
            } => {
                if *row >= XLSX_MAX_ROWS {
                    return Err(WriteError::TooManyRows);
                }
                *row += 1;
                let io = |e: rust_xlsxwriter::XlsxError| WriteError::Io {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                };
                let sheet = workbook.worksheet_from_index(0).map_err(io)?;
                // Everything as text: ID numbers must not become numbers, amounts stay exact.
                for (c, value) in to_record(registration).iter().enumerate() {
                    if !value.is_empty() {
                        sheet.write_string(*row, c as u16, value).map_err(io)?;
                    }
                }
                Ok(())
            }
        }
    }

    pub fn finish(self) -> Result<(), WriteError> {
        match self {
            RosterWriter::Csv { mut writer, path } => writer.flush().map_err(|e| WriteError::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
            RosterWriter::Xlsx {
                mut workbook, path, ..
            } => workbook.save(&path).map_err(|e| WriteError::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }
}

/// A list as a one-sheet workbook (.xlsx) in memory: a header row, then each row's cells as
/// text, any a spreadsheet would run as a formula neutralised. For a page's "export" of what
/// its reader may see.
pub fn table_xlsx(
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, WriteError> {
    let io = |e: &dyn std::fmt::Display| WriteError::Io {
        path: sheet.to_string(),
        reason: e.to_string(),
    };
    if rows.len() >= XLSX_MAX_ROWS as usize {
        return Err(WriteError::TooManyRows);
    }
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).map_err(|e| io(&e))?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, header) in (0u16..).zip(headers) {
        worksheet
            .write_string_with_format(0, c, *header, &bold)
            .map_err(|e| io(&e))?;
    }
    for (r, row) in (1u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            worksheet
                .write_string(r, c, neutralised(cell).as_ref())
                .map_err(|e| io(&e))?;
        }
    }
    workbook.save_to_buffer().map_err(|e| io(&e))
}
