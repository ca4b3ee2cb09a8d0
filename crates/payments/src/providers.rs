//! Paying service providers (服务机构): what the government owes an organisation — a meal-aid
//! canteen's approved month, say — and the bank file that pays each due once.
//!
//! A context records a due in the transaction that approves what it is for
//! ([`add_due_in`]); [`disburse`] sends every due not yet paid as the month's next batch and
//! writes its bank file. The ledger (`provider_ledger`) is append-only and holds at most one
//! entry per due (a unique key), so a re-run — after a crash between the commit and the file,
//! say — finds nothing outstanding and writes the last batch's file again, from the ledger.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use minsheng_app::Clock;
use minsheng_core::{Fen, Month};
use minsheng_store::{micros, on_tx, with_pool, NewAuditEntry, Result, Store, StoreError, Tx};

use crate::bank::{check_folder, write_whole};
use crate::storage::begin_locked;
use crate::PayError;

/// What is owed to a provider, as the context that owes it records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderDue {
    pub month: Month,
    /// The program it is paid under (`meal_aid`), and the id of the record it pays for there.
    pub program: String,
    pub source_id: i64,
    pub payee_code: String,
    pub payee_name: String,
    pub bank_account: String,
    pub amount: Fen,
    /// A line for the bank file's reader: what the amount is for.
    pub detail: String,
}

/// A due as paid: its ledger entry's reference and batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPayment {
    pub reference: String,
    pub batch: u32,
    pub due: ProviderDue,
}

pub const PROVIDER_FILE_COLUMNS: [&str; 8] = [
    "reference",
    "batch",
    "program",
    "payee_code",
    "payee_name",
    "bank_account",
    "amount",
    "detail",
];

/// Records a due within `tx`; a second due for the same record of the same program is refused
/// (field `source_id`). A due of nothing is not recorded. Returns its id.
pub async fn add_due_in(
    tx: &mut Tx,
    due: &ProviderDue,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Option<i64>> {
    if due.amount <= Fen::ZERO {
        return Ok(None);
    }
    let existing: Option<i64> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM provider_due WHERE program = $1 AND source_id = $2")
            .bind(&due.program)
            .bind(due.source_id)
            .fetch_optional(&mut *conn)
            .await?
    });
    if let Some(id) = existing {
        return Err(StoreError::conflict(
            "source_id",
            format!("{} {} 已有应付记录 {id}", due.program, due.source_id),
        ));
    }
    let id: i64 = on_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO provider_due (month, program, source_id, payee_code, payee_name, \
             bank_account, amount, detail, recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(due.month.to_string())
        .bind(&due.program)
        .bind(due.source_id)
        .bind(&due.payee_code)
        .bind(&due.payee_name)
        .bind(&due.bank_account)
        .bind(due.amount.0)
        .bind(&due.detail)
        .bind(micros(at))
        .bind(by)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(Some(id))
}

/// A provider batch as sent: its file, how many dues it pays and their total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderBatch {
    pub batch: u32,
    pub new_batch: bool,
    pub payments: Vec<ProviderPayment>,
    pub total: Fen,
    pub file: PathBuf,
}

/// The bank file of a providers' batch: `minsheng-providers-2025-06-batch1.csv` in `dir`.
pub fn provider_file(dir: &Path, month: Month, batch: u32) -> PathBuf {
    dir.join(format!("minsheng-providers-{month}-batch{batch}.csv"))
}

type Row = (i64, i64, String, i64, String, String, String, i64, String);

const PAID_COLUMNS: &str = "l.id, l.batch, d.program, d.source_id, d.payee_code, d.payee_name, \
    d.bank_account, d.amount, d.detail";

fn payment(month: Month, row: Row) -> Result<ProviderPayment> {
    let (id, batch, program, source_id, payee_code, payee_name, bank_account, amount, detail) = row;
    Ok(ProviderPayment {
        reference: format!("MP-{:04}{:02}-{id}", month.year(), month.month()),
        batch: u32::try_from(batch).map_err(|e| minsheng_store::corrupt("batch", e))?,
        due: ProviderDue {
            month,
            program,
            source_id,
            payee_code,
            payee_name,
            bank_account,
            amount: Fen(amount),
            detail,
        },
    })
}

/// Pays every due of `month` not yet paid, as a new batch, and writes its bank file into
/// `dir`; with nothing outstanding, writes the last batch's file again. `None`: the month has
/// no batch at all.
pub async fn disburse(
    store: &Store,
    month: Month,
    dir: &Path,
    actor: &str,
    clock: Clock,
) -> Result<Option<ProviderBatch>, PayError> {
    check_folder(dir).map_err(|reason| PayError::Invalid {
        field: "dir".into(),
        reason,
    })?;
    let Some((batch, new_batch)) = send_batch(store, month, actor, clock).await? else {
        return Ok(None);
    };
    let batch = u32::try_from(batch).map_err(|e| minsheng_store::corrupt("batch", e))?;
    let payments = batch_payments(store, month, batch).await?;
    let file = provider_file(dir, month, batch);
    write_whole(&file, &file_bytes(&payments)?)?;
    let total = Fen::total(payments.iter().map(|p| p.due.amount))?;
    store
        .audit(
            actor,
            "providers_bank_file",
            &format!("providers:{month}"),
            &format!(
                "batch={batch} payments={} total={total} file={}",
                payments.len(),
                file.display()
            ),
            clock.now,
        )
        .await?;
    Ok(Some(ProviderBatch {
        batch,
        new_batch,
        payments,
        total,
        file,
    }))
}

/// Appends a ledger entry for every unpaid due of `month` as its next batch, with the audit
/// entry, in one transaction under the payments' lock. Returns the batch to write and whether
/// it is new; `None` when the month has no batch at all.
async fn send_batch(
    store: &Store,
    month: Month,
    actor: &str,
    clock: Clock,
) -> Result<Option<(i64, bool)>> {
    let mut tx = begin_locked(store).await?;
    let key = month.to_string();
    let last: Option<i64> = on_tx!(&mut tx, conn => {
        sqlx::query_scalar("SELECT MAX(batch) FROM provider_ledger WHERE month = $1")
            .bind(&key)
            .fetch_one(&mut *conn)
            .await?
    });
    let next = last.unwrap_or(0) + 1;
    let paid = on_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO provider_ledger (due_id, month, batch, amount, at, recorded_by) \
             SELECT d.id, d.month, $2, d.amount, $3, $4 FROM provider_due d \
             WHERE d.month = $1 AND NOT EXISTS \
                 (SELECT 1 FROM provider_ledger l WHERE l.due_id = d.id)",
        )
        .bind(&key)
        .bind(next)
        .bind(micros(clock.now))
        .bind(actor)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    let (batch, new_batch) = if paid > 0 {
        (next, true)
    } else {
        match last {
            Some(batch) => (batch, false),
            None => return Ok(None),
        }
    };
    if new_batch {
        let total: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM provider_ledger \
                 WHERE month = $1 AND batch = $2",
            )
            .bind(&key)
            .bind(batch)
            .fetch_one(&mut *conn)
            .await?
        });
        tx.append_audit(&[NewAuditEntry {
            actor: actor.into(),
            action: "providers_disburse".into(),
            subject: format!("providers:{month}"),
            detail: format!("batch={batch} payments={paid} total={}", Fen(total)),
            at: clock.now,
        }])
        .await?;
    }
    tx.commit().await?;
    Ok(Some((batch, new_batch)))
}

/// The payments of one batch, in ledger order.
pub async fn batch_payments(
    store: &Store,
    month: Month,
    batch: u32,
) -> Result<Vec<ProviderPayment>> {
    let rows: Vec<Row> = with_pool!(store, pool => {
        sqlx::query_as(&format!(
            "SELECT {PAID_COLUMNS} FROM provider_ledger l JOIN provider_due d ON d.id = l.due_id \
             WHERE l.month = $1 AND l.batch = $2 ORDER BY l.id"
        ))
        .bind(month.to_string())
        .bind(i64::from(batch))
        .fetch_all(pool)
        .await?
    });
    rows.into_iter().map(|r| payment(month, r)).collect()
}

/// Which of `program`'s records (by source id) are paid, and in which batch.
pub async fn paid_sources(
    store: &Store,
    program: &str,
    month: Month,
) -> Result<Vec<(i64, String)>> {
    let rows: Vec<(i64, i64)> = with_pool!(store, pool => {
        sqlx::query_as(
            "SELECT d.source_id, l.id FROM provider_due d JOIN provider_ledger l ON l.due_id = d.id \
             WHERE d.program = $1 AND d.month = $2",
        )
        .bind(program)
        .bind(month.to_string())
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(source, id)| {
            (
                source,
                format!("MP-{:04}{:02}-{id}", month.year(), month.month()),
            )
        })
        .collect())
}

fn file_bytes(payments: &[ProviderPayment]) -> Result<Vec<u8>, PayError> {
    let invalid = |e: &dyn std::fmt::Display| PayError::Invalid {
        field: "file".into(),
        reason: e.to_string(),
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(PROVIDER_FILE_COLUMNS)
        .map_err(|e| invalid(&e))?;
    for p in payments {
        writer
            .write_record([
                p.reference.clone(),
                p.batch.to_string(),
                p.due.program.clone(),
                p.due.payee_code.clone(),
                p.due.payee_name.clone(),
                p.due.bank_account.clone(),
                p.due.amount.to_string(),
                p.due.detail.clone(),
            ])
            .map_err(|e| invalid(&e))?;
    }
    writer.into_inner().map_err(|e| invalid(&e.into_error()))
}
