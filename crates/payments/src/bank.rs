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

/// Writes a batch's payments to `path` whole or not at all: into a temporary file beside it,
/// flushed to disk, then renamed over `path`. A crash leaves either the previous file or the
/// complete new one, never half a file the bank could read.
pub fn write_bank_file(path: &Path, payments: &[Payment]) -> Result<(), WriteError> {
    let io = |e: &dyn std::fmt::Display| WriteError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io(&e))?;
    {
        let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(temp.as_file_mut()));
        writer.write_record(BANK_FILE_COLUMNS).map_err(|e| io(&e))?;
        for p in payments {
            writer
                .write_record([
                    p.reference.to_string(),
                    p.batch.to_string(),
                    p.attempt.to_string(),
                    p.program.clone(),
                    p.household.clone(),
                    p.payee.clone(),
                    p.id_number.as_str().to_string(),
                    p.area.clone(),
                    p.amount.to_string(),
                ])
                .map_err(|e| io(&e))?;
        }
        writer.flush().map_err(|e| io(&e))?;
    }
    temp.as_file_mut().flush().map_err(|e| io(&e))?;
    temp.as_file().sync_all().map_err(|e| io(&e))?;
    temp.persist(path).map_err(|e| io(&e.error))?;
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
