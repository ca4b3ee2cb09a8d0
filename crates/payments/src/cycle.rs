//! The monthly payment cycle (`minsheng pay`): freeze, compute, approve, disburse, reconcile.
//!
//! 1. **Compute** freezes the inputs — the registry as known at this instant, under this
//!    policy (its digest is recorded) — and stores what each payee of each enrolled household
//!    is owed. A later registry edit cannot change a computed cycle.
//! 2. **Approve**: someone other than who computed it.
//! 3. **Disburse** sends every outstanding entitlement in a new batch (one transaction), then
//!    writes that batch's bank file from the ledger. A crash after the commit only loses the
//!    file, which the re-run writes again, identical; a crash before it loses nothing.
//! 4. **Reconcile** records the bank's return file; a returned payment is outstanding again
//!    and goes out in the next batch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use minsheng_app::{Clock, Progress};
use minsheng_core::registry::{IllnessSet, Person, Relation};
use minsheng_core::{Fen, Month};
use minsheng_exchange::{RosterError, RowError, WriteError};
use minsheng_policy::batch::{run, Population};
use minsheng_policy::inputs::member_values;
use minsheng_policy::{Entity, Policy, Program};
use minsheng_store::{NewAuditEntry, ScannedPerson, Store, StoreError};

use crate::bank::{check_folder, read_bank_returns, write_bank_file};
use crate::domain::{CycleStatus, EnrolledUnit, Entitlement, PaidTotal, PayCycle};
use crate::storage::{AnswerReport, PaymentsStore as _};

#[derive(Debug, thiserror::Error)]
pub enum PayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    File(#[from] RosterError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{} lines rejected, nothing recorded:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<RowError>),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error(transparent)]
    Money(#[from] minsheng_core::MoneyError),
}

/// An enrolled household the rules give nothing this month, or could not decide, or whose
/// program is held back because a member would receive it beside one that excludes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpaid {
    pub household: String,
    pub program: String,
    /// Empty when the rules say zero (no longer eligible: a review task); else the reason.
    pub error: String,
    /// The program it was held back against: the catalog says one person never has both.
    pub excluded_by: Option<String>,
}

impl Unpaid {
    fn error(household: &Household, program: &Program, error: &str) -> Unpaid {
        Unpaid {
            household: household.code.clone(),
            program: program.code.clone(),
            error: error.to_string(),
            excluded_by: None,
        }
    }
}

/// One entitlement of a household being computed, with the members it is paid for.
struct Line {
    program: usize,
    entitlement: Entitlement,
    /// Positions in the household of the members the amount is for.
    covered: Vec<usize>,
}

impl Line {
    fn new(program: usize, entitlement: Entitlement, covered: Vec<usize>) -> Line {
        Line {
            program,
            entitlement,
            covered,
        }
    }
}

/// Pairs of the household's programs that the catalog declares exclusive and that would both
/// be paid for one member. Neither is paid: which one the person keeps is a caseworker's
/// decision, never a silent choice. Each side is returned as held back, naming the other.
fn exclusive_overlaps(policy: &Policy, household: &Household, lines: &[Line]) -> Vec<Unpaid> {
    let mut held: Vec<Unpaid> = Vec::new();
    for (i, a) in lines.iter().enumerate() {
        for b in lines.iter().skip(i + 1) {
            if a.program == b.program {
                continue;
            }
            let (pa, pb) = (&a.entitlement.program, &b.entitlement.program);
            let Some(reference) = policy.exclusion(pa, pb) else {
                continue;
            };
            let Some(member) = a.covered.iter().find(|m| b.covered.contains(m)) else {
                continue;
            };
            let who = household
                .members
                .get(*member)
                .map(|m| m.person.id_number.masked())
                .unwrap_or_default();
            let label = |code: &String| {
                policy
                    .program(code)
                    .map_or_else(|| code.clone(), |p| p.label.clone())
            };
            for (this, other) in [(pa, pb), (pb, pa)] {
                if held.iter().any(|u| &u.program == this) {
                    continue;
                }
                held.push(Unpaid {
                    household: household.code.clone(),
                    program: this.clone(),
                    error: format!(
                        "成员 {who} 同时享受「{}」与「{}」, 两者不得兼得 ({reference}): 均暂停, 待复核",
                        label(this),
                        label(other)
                    ),
                    excluded_by: Some(other.clone()),
                });
            }
        }
    }
    held
}

#[derive(Debug, Clone)]
pub struct Computed {
    pub cycle: PayCycle,
    /// False when the month was computed before: nothing was recomputed.
    pub created: bool,
    pub status: CycleStatus,
    pub unpaid: Vec<Unpaid>,
    /// Programs enrolled that the policy no longer pays.
    pub unknown_programs: Vec<String>,
    /// Enrolments suspended for the month, not paid.
    pub suspended: u64,
}

/// Freezes and computes the month's cycle (or returns the one already computed; `recompute`
/// replaces a cycle not yet approved). Enrolments committed while it was computed (a decision,
/// a service accepted) make it compute again, up to three times, rather than miss them.
#[allow(clippy::too_many_arguments)]
pub async fn compute(
    store: &Store,
    policy: &Policy,
    month: Month,
    recompute: bool,
    actor: &str,
    clock: Clock,
    progress: &dyn Progress,
) -> Result<Computed, PayError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match compute_once(store, policy, month, recompute, actor, clock, progress).await {
            Err(PayError::Store(StoreError::Conflict { field, .. }))
                if field == crate::storage::ENROLMENTS_CHANGED && attempt < 3 => {}
            done => return done,
        }
    }
}

async fn compute_once(
    store: &Store,
    policy: &Policy,
    month: Month,
    recompute: bool,
    actor: &str,
    clock: Clock,
    progress: &dyn Progress,
) -> Result<Computed, PayError> {
    if let Some(cycle) = store.payments().pay_cycle(month).await? {
        if !recompute {
            let status = store.payments().cycle_status(month).await?;
            return Ok(Computed {
                cycle,
                created: false,
                status,
                unpaid: Vec::new(),
                unknown_programs: Vec::new(),
                suspended: 0,
            });
        }
    }
    let frozen_at = clock.now;
    let enrolled = store.payments().enrolled(month, frozen_at).await?;
    let read = enrolled.values().map(|units| units.len() as u64).sum();
    let mut unknown_programs: Vec<String> = enrolled
        .keys()
        .filter(|p| policy.program(p).is_none())
        .cloned()
        .collect();
    unknown_programs.sort();
    // household id → (program index, enrolment); a suspended enrolment is not paid.
    let mut enrolments: HashMap<i64, Vec<(usize, EnrolledUnit)>> = HashMap::new();
    let mut suspended = 0;
    for (index, program) in policy.programs.iter().enumerate() {
        for unit in enrolled.get(&program.code).into_iter().flatten() {
            if unit.suspended {
                suspended += 1;
                continue;
            }
            enrolments
                .entry(unit.household_id)
                .or_default()
                .push((index, *unit));
        }
    }
    let households = Households::read(store, policy, month, frozen_at, progress).await?;
    // One column per program's amount, in catalog order, then one per declared `covers`.
    let mut wanted: Vec<_> = policy.programs.iter().map(|p| p.amount).collect();
    let covers: Vec<Option<usize>> = policy
        .programs
        .iter()
        .map(|p| {
            p.covers.map(|id| {
                wanted.push(id);
                wanted.len() - 1
            })
        })
        .collect();
    let threads = minsheng_app::policy::threads();
    let result = run(
        policy,
        month.first_day(),
        &households.population,
        &wanted,
        threads,
    );
    let mut entitlements = Vec::new();
    let mut unpaid = Vec::new();
    for (h, household) in households.list.iter().enumerate() {
        let Some(units) = enrolments.get(&household.id) else {
            continue;
        };
        // `list` and `population` were built together, a household each. Were the rows
        // missing, the household's person amounts would come out empty, and so unpaid.
        let members = match households.population.member_start.get(h..h + 2) {
            Some(&[start, end]) => start..end,
            _ => 0..0,
        };
        // The household's lines, each with the members it is paid for.
        let mut lines: Vec<Line> = Vec::new();
        for &(index, unit) in units {
            let (enrolment_id, tapering, person) =
                (unit.enrolment_id, unit.tapering, unit.person_id);
            // `index` comes from enumerating `policy.programs` above.
            let Some(program) = policy.programs.get(index) else {
                continue;
            };
            // Whom a line paid to `member` is for: that person, or for a household amount the
            // members its `covers` names (all, if none).
            let covered = |member: usize| -> Vec<usize> {
                if program.entity == Entity::Member {
                    return vec![member];
                }
                let column = covers
                    .get(index)
                    .copied()
                    .flatten()
                    .and_then(|c| result.columns.get(c));
                members
                    .clone()
                    .filter(|&row| column.is_none_or(|(_, col)| col.get(row) != 0))
                    .map(|row| row - members.start)
                    .collect()
            };
            // 渐退: the amount fixed when the exit was decided, whatever the rules say now.
            if let Some(amount) = tapering {
                lines.extend(
                    household
                        .entitlement(program, enrolment_id, household.payee, amount)
                        .map(|e| Line::new(index, e, covered(household.payee))),
                );
                continue;
            }
            // `run` computed one column per wanted amount: one per program, in order.
            let Some((_, column)) = result.columns.get(index) else {
                unpaid.push(Unpaid::error(household, program, "no amount was computed"));
                continue;
            };
            let rows: Vec<(usize, usize)> = match program.entity {
                Entity::Group => vec![(h, household.payee)],
                Entity::Member => members
                    .clone()
                    .map(|row| (row, row - members.start))
                    .filter(|&(_, member)| {
                        person.is_none_or(|id| {
                            household.members.get(member).map(|m| m.id) == Some(id)
                        })
                    })
                    .collect(),
            };
            let before = lines.len();
            let mut error = None;
            for (row, member) in rows {
                if let Some(e) = column.errors.get(&row) {
                    error = Some(e.to_string());
                    continue;
                }
                let amount = column.get(row);
                if amount > 0 {
                    lines.extend(
                        household
                            .entitlement(program, enrolment_id, member, Fen(amount))
                            .map(|e| Line::new(index, e, covered(member))),
                    );
                }
            }
            if lines.len() == before || error.is_some() {
                let gone = person.is_some_and(|id| household.members.iter().all(|m| m.id != id));
                let reason = match error {
                    Some(e) => e,
                    None if gone => {
                        "the person it is for is no longer a member of the household".to_string()
                    }
                    None => String::new(),
                };
                unpaid.push(Unpaid::error(household, program, &reason));
            }
        }
        let held = exclusive_overlaps(policy, household, &lines);
        for line in lines {
            if held.iter().any(|u| u.program == line.entitlement.program) {
                continue;
            }
            entitlements.push(line.entitlement);
        }
        unpaid.extend(held);
    }
    let cycle = PayCycle {
        month,
        frozen_at,
        policy_digest: policy.digest.clone(),
        computed_by: actor.to_string(),
        approved: None,
    };
    let total = Fen::total(entitlements.iter().map(|e| e.amount))?;
    let audit = NewAuditEntry {
        actor: actor.into(),
        action: if recompute {
            "pay_recompute"
        } else {
            "pay_compute"
        }
        .into(),
        subject: subject(month),
        detail: format!(
            "payees={} total={total} unpaid_enrolments={} policy={}",
            entitlements.len(),
            unpaid.len(),
            policy.digest
        ),
        at: clock.now,
    };
    let created = store
        .payments()
        .store_pay_cycle(&cycle, &entitlements, recompute, Some(read), &audit)
        .await?;
    let status = store.payments().cycle_status(month).await?;
    if !created {
        // Another run computed the month meanwhile; report what is stored.
        let stored = store.payments().pay_cycle(month).await?.unwrap_or(cycle);
        return Ok(Computed {
            cycle: stored,
            created,
            status,
            unpaid: Vec::new(),
            unknown_programs,
            suspended,
        });
    }
    Ok(Computed {
        cycle,
        created,
        status,
        unpaid,
        unknown_programs,
        suspended,
    })
}

fn subject(month: Month) -> String {
    format!("pay:{month}")
}

/// The enrolled households as frozen, in the batch executor's shape.
struct Households {
    population: Population,
    list: Vec<Household>,
}

struct Household {
    id: i64,
    code: String,
    /// Index of the member a household amount is paid to.
    payee: usize,
    /// Each member, in population order.
    members: Vec<Member>,
}

struct Member {
    id: i64,
    person: Person,
    community: String,
}

impl Household {
    /// What `member` is owed under `program`; `None` if `member` is not one of this household's
    /// positions, which callers never pass.
    fn entitlement(
        &self,
        program: &Program,
        enrolment_id: i64,
        member: usize,
        amount: Fen,
    ) -> Option<Entitlement> {
        let payee = self.members.get(member)?;
        Some(Entitlement {
            program: program.code.clone(),
            enrolment_id,
            household_id: self.id,
            household_code: self.code.clone(),
            person_id: payee.id,
            payee: payee.person.clone(),
            area: payee.community.clone(),
            amount,
        })
    }
}

impl Households {
    async fn read(
        store: &Store,
        policy: &Policy,
        month: Month,
        known_at: chrono::DateTime<chrono::Utc>,
        progress: &dyn Progress,
    ) -> Result<Households, StoreError> {
        let mut out = Households {
            population: Population::new(policy.inputs.len()),
            list: Vec::new(),
        };
        let mut current: Vec<ScannedPerson> = Vec::new();
        progress.start("reading the enrolled households as frozen", None);
        store
            .payments()
            .frozen_members(month, known_at, |m| {
                progress.advance(1);
                if current
                    .first()
                    .is_some_and(|f| f.household_id != m.household_id)
                {
                    out.push(&current, month, policy.serious_illnesses);
                    current.clear();
                }
                current.push(m);
            })
            .await?;
        out.push(&current, month, policy.serious_illnesses);
        progress.finish();
        Ok(out)
    }

    fn push(&mut self, members: &[ScannedPerson], month: Month, serious: IllnessSet) {
        let Some(first) = members.first() else {
            return;
        };
        let values: Vec<_> = members
            .iter()
            .map(|m| {
                member_values(
                    &m.registration.person,
                    &m.registration.facts,
                    month,
                    serious,
                )
            })
            .collect();
        self.population.push(&values);
        // A household amount goes to the head while alive in the month, else to the first
        // living member (the registry lists the head first).
        let alive = |m: &ScannedPerson| {
            m.registration
                .facts
                .death_date
                .is_none_or(|d| d >= month.first_day())
        };
        let payee = members
            .iter()
            .position(|m| m.registration.facts.relation == Relation::Head && alive(m))
            .or_else(|| members.iter().position(alive))
            .unwrap_or(0);
        self.list.push(Household {
            id: first.household_id,
            code: first.registration.facts.household.clone(),
            payee,
            members: members
                .iter()
                .map(|m| Member {
                    id: m.person_id,
                    person: m.registration.person.clone(),
                    community: m.registration.facts.area.as_str().to_string(),
                })
                .collect(),
        });
    }
}

/// Approves the month's cycle. Returns false if it was approved already.
pub async fn approve(
    store: &Store,
    month: Month,
    actor: &str,
    clock: Clock,
) -> Result<bool, PayError> {
    // An approval fixes the computed entitlements: what they are now is what is approved.
    let status = store.payments().cycle_status(month).await?;
    let audit = NewAuditEntry {
        actor: actor.into(),
        action: "pay_approve".into(),
        subject: subject(month),
        detail: format!("payees={} total={}", status.payees(), status.total_owed),
        at: clock.now,
    };
    Ok(store
        .payments()
        .approve_pay_cycle(month, actor, clock.now, &audit)
        .await?)
}

#[derive(Debug, Clone)]
pub struct Disbursed {
    pub batch: u32,
    /// False when nothing was outstanding and the last batch's file was written again.
    pub new_batch: bool,
    pub payments: usize,
    pub total: Fen,
    pub file: PathBuf,
}

/// The bank file of a batch: `minsheng-pay-2025-06-batch1.csv` in `dir`.
pub fn bank_file(dir: &Path, month: Month, batch: u32) -> PathBuf {
    dir.join(format!("minsheng-pay-{month}-batch{batch}.csv"))
}

/// Sends what is outstanding in a new batch and writes its bank file into `dir`; with
/// nothing outstanding, writes the last batch's file again (the re-run after a crash).
pub async fn disburse(
    store: &Store,
    month: Month,
    dir: &Path,
    actor: &str,
    clock: Clock,
) -> Result<Option<Disbursed>, PayError> {
    // A batch committed with nowhere to write its file would wait for a re-run: look first.
    folder_ready(dir)?;
    let recorded = |batch: u32, payments: u64, total: Fen| NewAuditEntry {
        actor: actor.into(),
        action: "pay_disburse".into(),
        subject: subject(month),
        detail: format!("batch={batch} payments={payments} total={total}"),
        at: clock.now,
    };
    let (batch, new_batch) = match store
        .payments()
        .disburse(month, actor, clock.now, recorded)
        .await?
    {
        Some(batch) => (batch, true),
        None => match store.payments().last_batch(month).await? {
            Some(batch) => (batch, false),
            None => return Ok(None),
        },
    };
    let mut written = write_batch_file(store, month, batch, dir, actor, clock).await?;
    written.new_batch = new_batch;
    Ok(Some(written))
}

/// Writes batch `batch` of `month`'s bank file into `dir` again, from the ledger: the same
/// bytes as when it was sent. Audited, as every file with full ID numbers is.
pub async fn rewrite_bank_file(
    store: &Store,
    month: Month,
    batch: u32,
    dir: &Path,
    actor: &str,
    clock: Clock,
) -> Result<Disbursed, PayError> {
    folder_ready(dir)?;
    // Batches are numbered from 1: the last one's number is how many there are.
    let batches = store.payments().last_batch(month).await?.unwrap_or(0);
    if batch == 0 || batch > batches {
        return Err(PayError::Invalid {
            field: "batch".into(),
            reason: format!("{month} 共 {batches} 个批次，没有第 {batch} 批"),
        });
    }
    write_batch_file(store, month, batch, dir, actor, clock).await
}

/// Bank files can be written into `dir`, or the error names the folder and why not.
fn folder_ready(dir: &Path) -> Result<(), PayError> {
    check_folder(dir).map_err(|reason| PayError::Invalid {
        field: "dir".into(),
        reason,
    })
}

async fn write_batch_file(
    store: &Store,
    month: Month,
    batch: u32,
    dir: &Path,
    actor: &str,
    clock: Clock,
) -> Result<Disbursed, PayError> {
    let payments = store.payments().batch_payments(month, batch).await?;
    let file = bank_file(dir, month, batch);
    write_bank_file(&file, &payments)?;
    let total = Fen::total(payments.iter().map(|p| p.amount))?;
    store
        .audit(
            actor,
            "pay_bank_file",
            &subject(month),
            &format!(
                "batch={batch} payments={} total={total} file={} (full ID numbers of the payees, for the bank)",
                payments.len(),
                file.display()
            ),
            clock.now,
        )
        .await?;
    Ok(Disbursed {
        batch,
        new_batch: false,
        payments: payments.len(),
        total,
        file,
    })
}

/// Records a bank return file. A bad line, an unknown payment or a contradictory answer
/// rejects the whole file and records nothing.
/// Each payee whose payment came back is told, with the bank's reason, in the same transaction.
pub async fn reconcile(
    store: &Store,
    policy: &Policy,
    path: &Path,
    actor: &str,
    clock: Clock,
) -> Result<AnswerReport, PayError> {
    let answers = read_bank_returns(path)?.map_err(PayError::Rows)?;
    let notice = |r: &crate::ReturnedPayment| {
        let program = policy.program_label(&r.program);
        r.payee.clone().map(|to| returned_notice(r, to, program))
    };
    let report = store
        .payments()
        .record_bank_answers(
            &answers,
            actor,
            clock.now,
            |report| NewAuditEntry {
                actor: actor.into(),
                action: "pay_reconcile".into(),
                subject: path.display().to_string(),
                detail: format!(
                    "confirmed={} returned={} already_recorded={}",
                    report.confirmed, report.returned, report.already_recorded
                ),
                at: clock.now,
            },
            notice,
        )
        .await?;
    if !report.problems.is_empty() {
        return Err(PayError::Rows(
            report
                .problems
                .into_iter()
                .map(|(line, field, reason)| RowError {
                    line,
                    field,
                    reason,
                })
                .collect(),
        ));
    }
    Ok(report)
}

/// The payee's notice of a payment the bank returned.
fn returned_notice(
    r: &crate::ReturnedPayment,
    to: minsheng_core::IdNumber,
    program: &str,
) -> minsheng_notify::Notice {
    let month = r.reference.month;
    minsheng_notify::Notice {
        key: format!("payment:{}:returned", r.reference.ledger_id),
        kind: minsheng_notify::Kind::PaymentReturned,
        to,
        household: r.household.clone(),
        title: format!("{month} {program}发放被银行退回"),
        body: format!(
            "{}：您 {month} 的{program} {} 元（发放编号 {}）被银行退回，原因：{}。请持本人身份证和银行卡到社区核对收款账户，核对后将重新发放。",
            r.payee_name,
            r.amount,
            r.reference,
            r.reason
        ),
    }
}

/// Enrols one household in a program from a month (a decision recorded by a caseworker).
#[allow(clippy::too_many_arguments)]
pub async fn enrol(
    store: &Store,
    policy: &Policy,
    household: &str,
    program: &str,
    from: Month,
    basis: &str,
    actor: &str,
    clock: Clock,
) -> Result<crate::Enrolment, PayError> {
    match policy.program(program) {
        None => {
            let known: Vec<&str> = policy.programs.iter().map(|p| p.code.as_str()).collect();
            return Err(PayError::Invalid {
                field: "program".into(),
                reason: format!("「{program}」不是发放项目（可选：{}）", known.join(", ")),
            });
        }
        Some(p) if p.grant == minsheng_policy::Grant::Service => {
            return Err(PayError::Invalid {
                field: "program".into(),
                reason: format!("{program} 是服务项目：服务验收后为服务对象登记享受"),
            });
        }
        Some(_) => {}
    }
    if basis.trim().is_empty() {
        return Err(PayError::Invalid {
            field: "basis".into(),
            reason: "请写明理由（决定书编号或核查发现）".into(),
        });
    }
    let audit = NewAuditEntry {
        actor: actor.into(),
        action: "enrol".into(),
        subject: household.into(),
        detail: format!("program={program} from={from} basis={}", basis.trim()),
        at: clock.now,
    };
    Ok(store
        .payments()
        .enrol(
            household,
            program,
            from,
            basis.trim(),
            actor,
            clock.now,
            &audit,
        )
        .await?)
}

/// Enrols every household the rules find entitled in `month` in each paid program: the
/// caseload a city carries over from its previous system (the demo city's starting point).
/// Returns program code → households enrolled.
pub async fn enrol_caseload(
    store: &Store,
    policy: &Policy,
    month: Month,
    basis: &str,
    actor: &str,
    clock: Clock,
    progress: &dyn Progress,
) -> Result<Vec<(String, u64)>, PayError> {
    let registry = minsheng_app::policy::load(store, policy, month, true, progress).await?;
    let wanted: Vec<_> = policy.programs.iter().map(|p| p.amount).collect();
    let result = registry.evaluate(policy, month, &wanted);
    let mut out = Vec::new();
    for (program, (_, column)) in policy.programs.iter().zip(&result.columns) {
        // A service is granted by its own procedure, to one person, once accepted.
        if program.grant == minsheng_policy::Grant::Service {
            continue;
        }
        let mut units = Vec::new();
        for (h, code) in registry.households.iter().enumerate() {
            if registry
                .owed(program.entity, column, h)
                .is_ok_and(|o| o > Fen::ZERO)
            {
                units.push((code.as_str(), program.code.as_str()));
            }
        }
        let audit = |n: u64| NewAuditEntry {
            actor: actor.into(),
            action: "enrol_caseload".into(),
            subject: subject(month),
            detail: format!("{}={n} basis={basis}", program.code),
            at: clock.now,
        };
        let n = store
            .payments()
            .enrol_households(&units, month, basis, actor, clock.now, audit)
            .await?;
        out.push((program.code.clone(), n));
    }
    Ok(out)
}

/// Net amounts sent by month, program and district (累计发放).
/// Net amounts paid and payees by month, program and district, within `scope`.
pub async fn totals(
    store: &Store,
    from: Month,
    to: Month,
    scope: &minsheng_core::access::Scope,
) -> Result<Vec<PaidTotal>, PayError> {
    Ok(store.payments().paid_totals(from, to, scope).await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    /// A catalog whose rules forget an exclusion it declares: the cycle must catch it.
    fn policy() -> Policy {
        let variables = "\
support_amount:
  label: S
  entity: person
  period: month
  type: money
  reference: R
  formula: 100元
family_amount:
  label: F
  entity: household
  period: month
  type: money
  reference: R
  formula: 300元
counted:
  label: C
  entity: person
  period: month
  type: bool
  reference: R
  formula: 'true'
";
        let programs = "\
support:
  label: 供养金
  amount: support_amount
  grant: automatic
  reference: R
  excludes:
    family: 《某办法》第十五条
family:
  label: 家庭补助
  amount: family_amount
  grant: automatic
  reference: R
  covers: counted
other:
  label: 其他补贴
  amount: support_amount
  grant: automatic
  reference: R
";
        let files = vec![
            ("variables/v.yaml".to_string(), variables.to_string()),
            ("programs.yaml".to_string(), programs.to_string()),
        ];
        Policy::from_files(Path::new("."), &files).unwrap()
    }

    fn household() -> Household {
        let member = |id: i64, number: &str| Member {
            id,
            person: Person {
                id_number: minsheng_core::IdNumber::parse(number).unwrap(),
                name: "某".into(),
            },
            community: "370202001001".into(),
        };
        Household {
            id: 7,
            code: "H7".into(),
            payee: 0,
            members: vec![
                member(1, "11010519491231002X"),
                member(2, "110105200501010012"),
            ],
        }
    }

    fn line(policy: &Policy, h: &Household, code: &str, member: usize, covered: &[usize]) -> Line {
        let index = policy.programs.iter().position(|p| p.code == code).unwrap();
        let program = &policy.programs[index];
        let e = h.entitlement(program, 1, member, Fen(100)).unwrap();
        Line::new(index, e, covered.to_vec())
    }

    #[test]
    fn two_programs_that_exclude_each_other_are_both_held_back_for_one_person() {
        let (policy, h) = (policy(), household());
        // Member 0 has the support and is among those the family amount is for.
        let lines = [
            line(&policy, &h, "support", 0, &[0]),
            line(&policy, &h, "family", 0, &[0, 1]),
            line(&policy, &h, "other", 0, &[0]),
        ];
        let held = exclusive_overlaps(&policy, &h, &lines);
        let programs: Vec<(&str, Option<&str>)> = held
            .iter()
            .map(|u| (u.program.as_str(), u.excluded_by.as_deref()))
            .collect();
        assert_eq!(
            programs,
            [("support", Some("family")), ("family", Some("support"))]
        );
        let message = &held[0].error;
        assert!(
            message.contains("供养金") && message.contains("家庭补助"),
            "{message}"
        );
        assert!(message.contains("《某办法》第十五条"), "{message}");
        assert!(message.contains("110105********002X"), "masked: {message}");
        assert!(!message.contains("11010519491231002X"));
    }

    #[test]
    fn a_household_amount_not_paid_for_the_person_does_not_overlap() {
        let (policy, h) = (policy(), household());
        // The family amount is for member 1 only (member 0 is supported alone).
        let lines = [
            line(&policy, &h, "support", 0, &[0]),
            line(&policy, &h, "family", 0, &[1]),
        ];
        assert!(exclusive_overlaps(&policy, &h, &lines).is_empty());
        // The support of member 1 would overlap.
        let lines = [
            line(&policy, &h, "support", 1, &[1]),
            line(&policy, &h, "family", 0, &[1]),
        ];
        assert_eq!(exclusive_overlaps(&policy, &h, &lines).len(), 2);
    }
}
