//! Settling a claim (就医结算): checked against the registry, the person's cover, the hospital
//! and the catalogue; settled by the catalog's rules on the person's year so far; recorded with
//! the year it moves and its audit entry in one transaction. Posting the same claim again answers
//! the first settlement; a reversal (冲正) takes its amounts back out of the year.

use chrono::{DateTime, Datelike, Utc};
use minsheng_core::{Fen, FieldError};
use minsheng_policy::Policy;
use minsheng_store::{NewAuditEntry, Statements, Store, StoreError, Tx};
use std::sync::Arc;

use crate::domain::{self, Aid, Claim, Class, Place, Scheme, SettleError};
use crate::elsewhere::storage::registered_on as elsewhere_on;
use crate::storage::{self, ClaimRecord};

#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The claim names something wrong: each field and why. Nothing was recorded.
    #[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The same claim number was settled before with other contents, or a reversal of a claim
    /// already reversed. Nothing was recorded.
    #[error("{field}: {reason}")]
    Conflict { field: String, reason: String },
    #[error("结算规则无法结算: {0}")]
    Rule(#[from] SettleError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ClaimError {
    pub(crate) fn field(field: &str, reason: impl Into<String>) -> ClaimError {
        ClaimError::Invalid(vec![FieldError::new(field, reason)])
    }
}

/// What posting a claim did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// Settled now.
    Settled(ClaimRecord),
    /// Settled before with the same contents: the first settlement, unchanged.
    Again(ClaimRecord),
}

impl Posted {
    pub fn record(&self) -> &ClaimRecord {
        match self {
            Posted::Settled(r) | Posted::Again(r) => r,
        }
    }
}

/// Settles `claim` sent by `hospital`, as `actor` at `at`.
pub async fn settle(
    store: &Store,
    policy: &Policy,
    hospital: &str,
    claim: &Claim,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Posted, ClaimError> {
    let mut tx = Tx::write_only(store).await?;
    let (posted, audit) = settle_in(&mut tx, policy, hospital, claim, actor, at).await?;
    tx.append_audit(audit.as_slice()).await?;
    tx.commit().await?;
    Ok(posted)
}

/// Settles many claims in one transaction, in the order given (a hospital's file of a day, or
/// the synthetic city's month): all or none; a refusal names the claim it stopped at.
pub async fn settle_all(
    store: &Store,
    policy: &Policy,
    claims: &[(String, Claim)],
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Vec<Posted>, ClaimError> {
    let mut tx = Tx::write_only(store).await?;
    let mut out = Vec::with_capacity(claims.len());
    let mut audit = Vec::with_capacity(claims.len());
    for (hospital, claim) in claims {
        let (posted, entry) = settle_in(&mut tx, policy, hospital, claim, actor, at)
            .await
            .map_err(|e| match e {
                ClaimError::Invalid(mut errors) => {
                    for error in &mut errors {
                        error.reason = format!("{} {}: {}", hospital, claim.number, error.reason);
                    }
                    ClaimError::Invalid(errors)
                }
                other => other,
            })?;
        out.push(posted);
        audit.extend(entry);
    }
    tx.append_audit(&audit).await?;
    tx.commit().await?;
    Ok(out)
}

/// A claim to settle: sent by `hospital`, as `actor` at `at`.
#[derive(Debug, Clone)]
pub struct Request {
    pub hospital: String,
    pub claim: Claim,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// Settles claims that arrived at the same moment (a server's concurrent requests) together:
/// one transaction, each claim in a savepoint of its own — a refused claim leaves nothing
/// behind and the others stand — and one commit and one append to the audit log for all,
/// which is what lets one writer settle a thousand claims a second. One outcome per request,
/// in order, each what [`settle`] would have answered in that order. Should a group of
/// several fail to commit, its claims are settled again one by one, each with its own
/// outcome; a lone claim's failure is its outcome.
///
/// On SQLite the group runs on the store's kept writer connection ([`minsheng_store::Direct::transaction`]),
/// each statement a call rather than a hand-off to sqlx's worker thread; on PostgreSQL, in a
/// transaction of the pool's.
pub async fn settle_together(
    store: &Store,
    policy: &Arc<Policy>,
    requests: Vec<Request>,
) -> Vec<Result<Posted, ClaimError>> {
    let requests: Arc<[Request]> = requests.into();
    match settle_grouped(store, policy, &requests).await {
        Ok(outcomes) => return outcomes,
        Err(e) if requests.len() == 1 => return vec![Err(e.into())],
        Err(e) => tracing::warn!(
            error = %e,
            claims = requests.len(),
            "a group of claims did not commit; settling them one by one"
        ),
    }
    let mut outcomes = Vec::with_capacity(requests.len());
    for r in requests.iter() {
        outcomes.push(settle(store, policy, &r.hospital, &r.claim, &r.actor, r.at).await);
    }
    outcomes
}

async fn settle_grouped(
    store: &Store,
    policy: &Arc<Policy>,
    requests: &Arc<[Request]>,
) -> Result<Vec<Result<Posted, ClaimError>>, StoreError> {
    let (policy, requests) = (policy.clone(), requests.clone());
    minsheng_store::write_tx!(store, move |tx| settle_each(tx, &policy, &requests).await)
}

/// Settles `requests` in order within `tx`, each in a savepoint, and appends the audit entries
/// of those settled.
async fn settle_each(
    tx: &mut impl Statements,
    policy: &Policy,
    requests: &[Request],
) -> Result<Vec<Result<Posted, ClaimError>>, StoreError> {
    let mut outcomes = Vec::with_capacity(requests.len());
    let mut audit = Vec::with_capacity(requests.len());
    for r in requests {
        // Not released after: a savepoint of the same name hides the one before, and all go
        // with the commit — a statement fewer a claim.
        tx.execute("SAVEPOINT claim", &[]).await?;
        match settle_in(tx, policy, &r.hospital, &r.claim, &r.actor, r.at).await {
            Ok((posted, entry)) => {
                audit.extend(entry);
                outcomes.push(Ok(posted));
            }
            Err(refused) => {
                tx.execute("ROLLBACK TO SAVEPOINT claim", &[]).await?;
                outcomes.push(Err(refused));
            }
        }
    }
    tx.append_audit(&audit).await?;
    Ok(outcomes)
}

/// Settles one claim within `tx`; what it posted and, when it settled now, the audit entry
/// to append with it.
async fn settle_in(
    tx: &mut impl Statements,
    policy: &Policy,
    hospital: &str,
    claim: &Claim,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(Posted, Option<NewAuditEntry>), ClaimError> {
    let digest = claim.digest();
    if claim.date > minsheng_app::Clock::at(at).today {
        return Err(ClaimError::field(
            "date",
            format!("{} 晚于今天，不能结算", claim.date),
        ));
    }
    if let Some(first) = storage::claim_by_number(tx, hospital, &claim.number).await? {
        return Ok((same_or_conflict(first, &digest, &claim.number)?, None));
    }
    let year = claim.year();
    let against = storage::against_in(tx, hospital, &claim.id_number, claim.date).await?;
    let Some(level) = against.level else {
        return Err(ClaimError::field(
            "hospital",
            format!("「{hospital}」不是已登记的定点医疗机构"),
        ));
    };
    let Some(insured) = against.insured else {
        return Err(ClaimError::field(
            "id_number",
            format!("登记中没有在册居民 {}", claim.id_number.masked()),
        ));
    };
    let cover = match against.cover {
        Some(c) if c.from <= claim.date && claim.date <= c.to => c,
        Some(c) => {
            return Err(ClaimError::field(
                "date",
                format!("{} 不在参保期内（{} 至 {}）", claim.date, c.from, c.to),
            ))
        }
        None => {
            return Err(ClaimError::field(
                "date",
                format!("{} 年度未参保，{} 无医保待遇", year, claim.date),
            ))
        }
    };
    // Care out of the province is settled as registered or not by what is on file for the
    // day (异地就医备案), whatever the hospital said.
    let resolved;
    let claim = match claim.place {
        Place::RegisteredElsewhere | Place::UnregisteredElsewhere => {
            let place = if elsewhere_on(tx, insured.person_id, claim.date).await? {
                Place::RegisteredElsewhere
            } else {
                Place::UnregisteredElsewhere
            };
            resolved = Claim {
                place,
                ..claim.clone()
            };
            &resolved
        }
        Place::InCity | Place::InProvince => claim,
    };
    let codes: Vec<&str> = claim.lines.iter().map(|l| l.item.as_str()).collect();
    let known = storage::classes_in(tx, &codes).await?;
    let mut classes = Vec::new();
    let mut unknown = Vec::new();
    for (i, line) in claim.lines.iter().enumerate() {
        match known.get(&line.item) {
            Some(c) => classes.push(*c),
            None => unknown.push(FieldError::new(
                item_field(i),
                format!("「{}」不是医保目录中的编码", line.item),
            )),
        }
    }
    if !unknown.is_empty() {
        return Err(ClaimError::Invalid(unknown));
    }
    let (mut before, balance) =
        storage::year_locked(tx, insured.person_id, year, cover.scheme).await?;
    // A resident has no account of their own; bound to an employee's (家庭共济), the claim may
    // draw on that one, locked like the person's year.
    let (account_holder, balance) = match (claim.use_account, cover.scheme) {
        (true, Scheme::Resident) => {
            match storage::account_holder_on(tx, insured.person_id, claim.date).await? {
                Some(holder) => (Some(holder), storage::account_locked(tx, holder).await?),
                None => (None, balance),
            }
        }
        _ => (None, balance),
    };
    let aided_as = storage::aid_on(tx, insured.person_id, claim.date).await?;
    if aided_as != Aid::None {
        (before.aid_deductible, before.aid) =
            storage::aid_year_locked(tx, insured.person_id, year).await?;
    }
    let facts = domain::facts(
        policy,
        claim,
        &cover,
        level,
        &classes,
        (&before, balance, account_holder.is_some()),
        aided_as,
    )?;
    let mut evaluation = domain::evaluation(policy, claim.date, facts, false);
    let settlement = domain::settle(&mut evaluation, claim, &classes)?;
    let after = before
        .apply(claim.visit, &settlement, 1)
        .ok_or_else(|| SettleError::Rule("金额过大".into()))?;
    let mut record = ClaimRecord {
        id: 0,
        hospital: hospital.to_string(),
        number: claim.number.clone(),
        digest,
        person_id: insured.person_id,
        id_number: claim.id_number.clone(),
        area: insured.area,
        day: claim.date,
        admitted: claim.admitted,
        visit: claim.visit,
        place: claim.place,
        use_account: claim.use_account,
        cover,
        level,
        aided_as,
        before,
        balance_before: balance,
        account_holder,
        settlement,
        policy_digest: policy.digest.clone(),
        settled_at: at,
        settled_by: actor.to_string(),
        reversed_at: None,
        reversed_by: None,
        reversal_reason: None,
    };
    let Some(id) = storage::insert_claim(tx, &record).await? else {
        // Posted twice at once (PostgreSQL; SQLite's writer lock was held from the start): the
        // second waited for the first's lock on the person's year and its number, wrote
        // nothing, and answers what the first settled.
        return match storage::claim_by_number(tx, hospital, &claim.number).await? {
            Some(first) => Ok((
                same_or_conflict(first, &record.digest, &claim.number)?,
                None,
            )),
            None => Err(ClaimError::Conflict {
                field: "claim_number".into(),
                reason: format!("结算单号 {} 正在另一笔结算中使用，请稍后重试", claim.number),
            }),
        };
    };
    record.id = id;
    storage::put_year(
        tx,
        insured.person_id,
        (year, record.cover.scheme),
        &after,
        1,
    )
    .await?;
    if aided_as != Aid::None {
        storage::put_aid_year(tx, insured.person_id, year, &after).await?;
    }
    let drawn_on = record.account_holder.unwrap_or(insured.person_id);
    storage::move_account(tx, drawn_on, Fen(-record.settlement.account.0)).await?;
    let s = &record.settlement;
    let entry = NewAuditEntry {
        actor: actor.to_string(),
        action: "medical.settle".into(),
        subject: format!("claim {hospital}/{}", claim.number),
        detail: format!(
            "{} {} {}: 总额 {} 统筹 {} 大额/大病 {} 医疗救助 {} 个人账户 {}{} 个人现金 {}{}",
            claim.id_number.masked(),
            claim.date,
            claim.visit.label(),
            s.total,
            s.fund,
            s.supplement,
            s.aid,
            s.account,
            record.account_holder.map_or(String::new(), |h| format!(
                "（家庭共济：person {h} 的账户）"
            )),
            s.person,
            match aided_as {
                Aid::None => String::new(),
                aid => format!("（{}）", aid.label()),
            }
        ),
        at,
    };
    Ok((Posted::Settled(record), Some(entry)))
}

/// The field of line `i`'s catalogue code.
fn item_field(i: usize) -> String {
    format!("lines[{i}].item")
}

/// A number settled before: the first answer when the contents are the same, else a conflict
/// (a correction is reversed first and posted under a new number).
fn same_or_conflict(first: ClaimRecord, digest: &str, number: &str) -> Result<Posted, ClaimError> {
    if first.digest == digest {
        Ok(Posted::Again(first))
    } else {
        Err(ClaimError::Conflict {
            field: "claim_number".into(),
            reason: format!(
                "结算单号 {number} 已于 {} 结算，内容不同；更正请先冲正，再以新单号结算",
                first.settled_at.format("%Y-%m-%d %H:%M")
            ),
        })
    }
}

/// Reverses (冲正) the claim `hospital` numbered `number`: the claim stays, marked, and its
/// amounts leave the person's year and return to the account, with the audit entry, in one
/// transaction. Later claims of the year keep their settlements (they were paid as settled).
pub async fn reverse(
    store: &Store,
    hospital: &str,
    number: &str,
    reason: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<ClaimRecord, ClaimError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ClaimError::field("reason", "冲正须写明原因"));
    }
    let mut tx = Tx::write_only(store).await?;
    let Some(mut claim) = storage::claim_by_number(&mut tx, hospital, number).await? else {
        return Err(ClaimError::field(
            "claim_number",
            format!("{hospital} 没有结算单号 {number} 的结算，无从冲正"),
        ));
    };
    if claim.reversed_at.is_some() {
        return Err(ClaimError::Conflict {
            field: "claim_number".into(),
            reason: format!("结算单号 {number} 已冲正"),
        });
    }
    let year = claim.day.year();
    let scheme = claim.cover.scheme;
    let (now, _) = storage::year_locked(&mut tx, claim.person_id, year, scheme).await?;
    let after = now
        .apply(claim.visit, &claim.settlement, -1)
        .ok_or_else(|| SettleError::Rule("金额过大".into()))?;
    if !storage::mark_reversed(&mut tx, claim.id, actor, at, reason).await? {
        return Err(ClaimError::Conflict {
            field: "claim_number".into(),
            reason: format!("结算单号 {number} 已冲正"),
        });
    }
    storage::put_year(&mut tx, claim.person_id, (year, scheme), &after, -1).await?;
    if claim.aided_as != Aid::None {
        let (deductible, paid) = storage::aid_year_locked(&mut tx, claim.person_id, year).await?;
        let mut aid_year = now;
        (aid_year.aid_deductible, aid_year.aid) = (deductible, paid);
        let aid_after = aid_year
            .apply(claim.visit, &claim.settlement, -1)
            .ok_or_else(|| SettleError::Rule("金额过大".into()))?;
        storage::put_aid_year(&mut tx, claim.person_id, year, &aid_after).await?;
    }
    let drawn_on = claim.account_holder.unwrap_or(claim.person_id);
    storage::move_account(&mut tx, drawn_on, claim.settlement.account).await?;
    tx.append_audit(&[NewAuditEntry {
        actor: actor.to_string(),
        action: "medical.reverse".into(),
        subject: format!("claim {hospital}/{number}"),
        detail: format!("{} 冲正: {reason}", claim.id_number.masked()),
        at,
    }])
    .await?;
    tx.commit().await?;
    claim.reversed_at = Some(at);
    claim.reversed_by = Some(actor.to_string());
    claim.reversal_reason = Some(reason.to_string());
    Ok(claim)
}

/// A settled claim explained: the rules run again on the facts it was settled on, traced.
pub struct Explained {
    /// One tree per payer (统筹基金, 大额/大病, 医疗救助 for its objects, 个人账户, 个人现金), as
    /// text.
    pub trees: Vec<String>,
    /// Every computation, with each parameter's value, date and reference.
    pub json: serde_json::Value,
    /// Whether the catalog is still the one the claim was settled under.
    pub same_rules: bool,
}

/// A stored claim settled again under `policy`, on the year `so_far` and the account balance
/// it was settled on: what its explanation (on its own year) and a what-if (on a replayed one)
/// run.
pub(crate) fn settle_again<'p>(
    policy: &'p Policy,
    claim: &ClaimRecord,
    so_far: &domain::YearToDate,
    tracing: bool,
) -> Result<(minsheng_policy::Evaluation<'p>, domain::Settlement), SettleError> {
    let classes: Vec<Class> = claim.settlement.lines.iter().map(|l| l.class).collect();
    let as_sent = Claim {
        number: claim.number.clone(),
        id_number: claim.id_number.clone(),
        date: claim.day,
        admitted: claim.admitted,
        visit: claim.visit,
        place: claim.place,
        use_account: claim.use_account,
        total: claim.settlement.total,
        lines: (claim.settlement.lines.iter())
            .map(|l| domain::Line {
                item: l.item.clone(),
                amount: l.amount,
            })
            .collect(),
    };
    let facts = domain::facts(
        policy,
        &as_sent,
        &claim.cover,
        claim.level,
        &classes,
        (so_far, claim.balance_before, claim.account_holder.is_some()),
        claim.aided_as,
    )?;
    let mut evaluation = domain::evaluation(policy, claim.day, facts, tracing);
    let settlement = domain::settle(&mut evaluation, &as_sent, &classes)?;
    Ok((evaluation, settlement))
}

/// Explains a stored claim under `policy`.
pub fn explain(policy: &Policy, claim: &ClaimRecord) -> Result<Explained, ClaimError> {
    let (evaluation, _) = settle_again(policy, claim, &claim.before, true)?;
    let aided = claim.aided_as != Aid::None;
    let roots: Vec<(usize, Option<usize>)> = [
        "fund_pays",
        "supplement_pays",
        "assistance_pays",
        "account_pays",
        "person_pays",
    ]
    .iter()
    .filter(|n| aided || **n != "assistance_pays")
    .filter_map(|n| policy.variable(n))
    .map(|id| (id, None))
    .collect();
    let names: Vec<String> = claim
        .settlement
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("明细{} {} {}", i + 1, l.item, l.class.label()))
        .collect();
    let computations = &evaluation.computations;
    Ok(Explained {
        trees: minsheng_policy::explain::render_together(policy, computations, &roots, &names),
        json: minsheng_policy::explain::to_json(policy, computations),
        same_rules: policy.digest == claim.policy_digest,
    })
}
