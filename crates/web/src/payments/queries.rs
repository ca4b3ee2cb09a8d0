//! What a signed-in person asks of payments, answered within their scope and audited where the
//! rules require it. Pages and endpoints are thin shells over these.

use minsheng_app::china_time;
use minsheng_app::Clock;
use minsheng_core::access::Duty;
use minsheng_core::Month;
use minsheng_payments::PaymentsStore as _;

use crate::error::WebError;
use crate::payments::view::{CycleView, ProgramOwed, ReconcileView};
use crate::queries::{program_label, require};
use crate::session::Signed;
use crate::Web;

impl From<minsheng_payments::PayError> for WebError {
    fn from(e: minsheng_payments::PayError) -> Self {
        use minsheng_payments::PayError;
        match e {
            PayError::Store(e) => e.into(),
            PayError::Invalid { field, reason } => WebError::Invalid { field, reason },
            // An unreadable return file is bad input, not a fault of the service.
            PayError::File(e) => WebError::invalid("file", e.to_string()),
            PayError::Rows(rows) => WebError::Invalid {
                field: rows
                    .first()
                    .map_or_else(|| "file".to_string(), |r| r.field.clone()),
                reason: format!(
                    "{} 行被拒绝，未记录任何内容：{}",
                    rows.len(),
                    rows.iter()
                        .take(5)
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            },
            other => WebError::Internal(other.to_string()),
        }
    }
}

pub async fn cycle(web: &Web, who: &Signed, month: Month) -> Result<CycleView, WebError> {
    require(who, Duty::SeePayments)?;
    let cycle = web.store.payments().pay_cycle(month).await?;
    let status = web.store.payments().cycle_status(month).await?;
    Ok(CycleView {
        month: month.to_string(),
        computed: cycle.is_some(),
        frozen_at: cycle.as_ref().map(|c| china_time(c.frozen_at)),
        policy_digest: cycle.as_ref().map(|c| c.policy_digest.clone()),
        computed_by: cycle.as_ref().map(|c| c.computed_by.clone()),
        approved_by: cycle
            .as_ref()
            .and_then(|c| c.approved.as_ref().map(|(by, _)| by.clone())),
        approved_at: cycle
            .as_ref()
            .and_then(|c| c.approved.as_ref().map(|(_, at)| china_time(*at))),
        owed: status
            .owed
            .iter()
            .map(|(program, payees, amount)| ProgramOwed {
                program: program.clone(),
                label: program_label(web, program),
                payees: *payees,
                amount_fen: *amount,
                amount: amount.grouped(),
            })
            .collect(),
        payees: status.payees(),
        total_owed: status.total_owed.grouped(),
        batches: status.batches,
        sent: status.sent,
        confirmed: status.confirmed,
        returned: status.returned,
        outstanding: status.outstanding,
        net_paid: status.net_paid.grouped(),
    })
}

/// One step of the month's cycle, by someone whose role does it; every one is audited by the
/// use case it calls.
pub async fn run_cycle(
    web: &Web,
    who: &Signed,
    month: Month,
    step: &str,
    clock: Clock,
) -> Result<CycleView, WebError> {
    let actor = who.account.name();
    match step {
        "compute" => {
            require(who, Duty::RunPayments)?;
            minsheng_payments::compute(
                &web.store,
                &web.policy,
                month,
                false,
                actor,
                clock,
                &minsheng_app::Quiet,
            )
            .await?;
        }
        "approve" => {
            require(who, Duty::ApprovePayments)?;
            minsheng_payments::approve(&web.store, month, actor, clock).await?;
        }
        "disburse" => {
            require(who, Duty::RunPayments)?;
            minsheng_payments::disburse(&web.store, month, &web.bank_dir, actor, clock).await?;
        }
        other => {
            return Err(WebError::invalid(
                "step",
                format!("「{other}」不是 compute、approve 或 disburse"),
            ))
        }
    }
    cycle(web, who, month).await
}

/// A batch's bank file (full account details: audited).
pub async fn bank_file(
    web: &Web,
    who: &Signed,
    month: Month,
    batch: u32,
    clock: Clock,
) -> Result<Vec<u8>, WebError> {
    require(who, Duty::SeePayments)?;
    // Made from the ledger, byte for byte the file that was sent: whatever became of the
    // file on disk, every batch can be downloaded.
    let payments = web.store.payments().batch_payments(month, batch).await?;
    if payments.is_empty() {
        return Err(WebError::NotFound(format!("{month} 的批次 {batch}")));
    }
    let bytes = minsheng_payments::bank_file_bytes(&payments)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    web.store
        .audit(
            who.account.name(),
            "pay_download",
            &format!("pay:{month}"),
            &format!("batch={batch}"),
            clock.now,
        )
        .await?;
    Ok(bytes)
}

/// Records the bank's return file (CSV: reference,result,reason), all or nothing.
pub async fn reconcile(
    web: &Web,
    who: &Signed,
    file: &[u8],
    clock: Clock,
) -> Result<ReconcileView, WebError> {
    require(who, Duty::RunPayments)?;
    if file.is_empty() {
        return Err(WebError::invalid("file", "回盘文件为空"));
    }
    let dir = web.bank_dir.join("returns");
    std::fs::create_dir_all(&dir).map_err(|e| WebError::Internal(e.to_string()))?;
    // Kept: the bank's answer as received is part of the record.
    let path = dir.join(format!(
        "return-{}.csv",
        clock.now.format("%Y%m%dT%H%M%S%.6fZ")
    ));
    std::fs::write(&path, file).map_err(|e| WebError::Internal(e.to_string()))?;
    let report =
        minsheng_payments::reconcile(&web.store, &web.policy, &path, who.account.name(), clock)
            .await?;
    Ok(ReconcileView {
        confirmed: report.confirmed,
        returned: report.returned,
        already_recorded: report.already_recorded,
    })
}
