//! Bank files: the disbursement file Minsheng writes for a batch, and the return file the bank
//! sends back (`reference,result,reason`: 成功, or 失败 with the bank's reason).

use std::io::Write as _;
use std::path::Path;

use minsheng_exchange::{read_table, table_rows, RosterError, RowError, TableRow, WriteError};

use crate::domain::{BankAnswer, Outcome, Payment};

pub const BANK_FILE_COLUMNS: [&str; 9] = [
    "reference",
    "batch",
    "attempt",
    "program",
    "household",
    "payee",
    "id_number",
    "area",
    "amount",
];

pub const BANK_RETURN_COLUMNS: [&str; 3] = ["reference", "result", "reason"];

/// A batch's bank file as bytes: the header, then one line per payment in ledger order. The
/// same ledger always gives the same bytes, so a batch's file can be made again at any time.
pub fn bank_file_bytes(payments: &[Payment]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(BANK_FILE_COLUMNS)?;
    for p in payments {
        writer.write_record([
            p.reference.to_string(),
            p.batch.to_string(),
            p.attempt.to_string(),
            p.program.clone(),
            p.household.clone(),
            p.payee.clone(),
            p.id_number.as_str().to_string(),
            p.area.clone(),
            p.amount.to_string(),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Where a bank file is written before it is renamed into place.
pub fn partial_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    name.into()
}

/// Checks that bank files can be written into `dir` (it exists, is a folder, takes a file)
/// before a batch is committed whose file would have nowhere to go.
pub fn check_folder(dir: &Path) -> Result<(), String> {
    if !dir.is_dir() {
        return Err(format!(
            "{} is not a folder (create it first)",
            dir.display()
        ));
    }
    let probe = dir.join(".minsheng-write-check");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| format!("{} cannot be written to: {e}", dir.display()))
}

/// Writes a batch's payments to `path` whole or not at all: into `path` plus `.partial`,
/// flushed to disk, then renamed over `path`. A crash leaves either the previous file or the
/// complete new one, never half a file the bank could read; a `.partial` it leaves (full ID
/// numbers) is removed by the next write of that file, which a re-run after a crash makes.
pub fn write_bank_file(path: &Path, payments: &[Payment]) -> Result<(), WriteError> {
    let bytes = bank_file_bytes(payments).map_err(|e| io_error(path, &e))?;
    write_whole(path, &bytes)
}

fn io_error(path: &Path, e: &dyn std::fmt::Display) -> WriteError {
    WriteError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Writes `bytes` to `path` whole or not at all (see [`write_bank_file`]).
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let io = |e: &dyn std::fmt::Display| io_error(path, e);
    let partial = partial_path(path);
    let mut file = std::fs::File::create(&partial).map_err(|e| io(&e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io(&e))?;
    drop(file);
    std::fs::rename(&partial, path).map_err(|e| io(&e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename is on disk once the folder is.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

type Answers = Result<Vec<BankAnswer>, Vec<RowError>>;

/// Reads a bank return file. Every bad line is reported; any bad line and no answer is
/// returned.
pub fn read_bank_returns(path: &Path) -> Result<Answers, RosterError> {
    Ok(answers(read_table(path, &BANK_RETURN_COLUMNS)?))
}

/// [`read_bank_returns`] over the text of a file (`name` names it in errors).
pub fn parse_bank_returns(text: &str, name: &str) -> Result<Answers, RosterError> {
    Ok(answers(table_rows(
        text.as_bytes(),
        name,
        &BANK_RETURN_COLUMNS,
    )?))
}

fn answers(rows: Vec<TableRow>) -> Answers {
    let mut answers = Vec::new();
    let mut errors = Vec::new();
    for (line, record) in rows {
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
        let column = |i| record.get(i).unwrap_or_default();
        let reference = column(0).parse().map_err(|reason| RowError {
            line,
            field: "reference".into(),
            reason,
        });
        let outcome = Outcome::parse(column(1), column(2)).map_err(|e| RowError {
            line,
            field: e.field,
            reason: e.reason,
        });
        match (reference, outcome) {
            (Ok(reference), Ok(outcome)) => answers.push(BankAnswer {
                line,
                reference,
                outcome,
            }),
            (r, o) => errors.extend(r.err().into_iter().chain(o.err())),
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_file_is_read_whole_or_every_bad_line_is_named() {
        let good = "reference,result,reason\nMS-202506-1,成功,\nMS-202506-2,失败,账户已冻结\n";
        let answers = parse_bank_returns(good, "r.csv").unwrap_or_else(|e| panic!("{e}"));
        let answers = answers.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[1].line, 3);
        assert_eq!(answers[1].reference.ledger_id, 2);
        assert_eq!(
            answers[1].outcome,
            Outcome::Returned {
                reason: "账户已冻结".into()
            }
        );
        let bad = "reference,result,reason\nMS-202506-1,成功,\nX-1,失败,\nMS-202506-3,也许,\n";
        let errors = parse_bank_returns(bad, "r.csv")
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(text[0].starts_with("line 3: reference:"), "{text:?}");
        assert!(text[1].starts_with("line 3: reason:"), "{text:?}");
        assert!(text[2].starts_with("line 4: result:"), "{text:?}");
    }
}
