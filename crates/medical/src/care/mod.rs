//! Long-term care insurance (长期护理保险): designated care providers, insured persons
//! qualified for care by a disability assessment (医保办发〔2021〕37号; or the older person's
//! ability level the registry holds, the assessments being recognised by each other), a
//! provider's month of care claimed, settled person by person by the rules
//! (`policies/qingdao-ltc`), approved by the medical-insurance staff and paid to the provider
//! through the payments context's ledger, once.
//!
//! - [`domain`]: the forms of care, a month's stretches as the provider sends them, checked
//!   field by field, and one person's month settled by the rules (no IO);
//! - [`storage`]: providers, qualifications and months, reached as `store.care()`;
//! - [`synthetic`]: the synthetic city's month of care, set beside the published figures;
//! - this module: the use cases, each checking who may act before the store is touched.
//!
//! Architecture invariant: a month is checked against what it reads in its own transaction —
//! each person's qualification with the provider, cover, stays in hospital and death — and
//! recorded with its audit entry there; nothing of a month with one bad stretch is recorded.
//! An approval and the due it records for the payments context commit together, so the fund's
//! share is owed once and paid once.

pub mod domain;
pub mod storage;
pub mod synthetic;

use std::path::Path;

use chrono::NaiveDate;
use minsheng_app::Clock;
use minsheng_core::access::{Account, Role, Scope};
use minsheng_core::{AreaCode, Fen, FieldError, IdNumber, Month};
use minsheng_payments::providers::{self, ProviderBatch, ProviderDue};
use minsheng_payments::PayError;
use minsheng_policy::Policy;
use minsheng_store::{NewAuditEntry, Store, Tx};

pub use domain::{Form, Provider, Qualification, Sent};
pub use storage::{Care, CareMonth, CareStore, LongTermCare, Stretch};

use crate::domain::SettleError;
use crate::settlement::ClaimError;
use crate::storage::covers_of;

/// The program long-term care insurance's dues to providers are paid under.
pub const PROGRAM: &str = "ltc_insurance";

fn invalid(field: &str, reason: impl Into<String>) -> ClaimError {
    ClaimError::field(field, reason)
}

/// District or city staff; the area they act over.
fn officer<'a>(who: &'a Account, what: &str) -> Result<&'a AreaCode, ClaimError> {
    match who {
        Account::Staff(s) if matches!(s.role, Role::District | Role::City) => Ok(&s.area),
        _ => Err(invalid("actor", format!("{what}由区或市医保经办人员办理"))),
    }
}

/// Registers a designated care provider: district staff for their district, city staff for
/// any. Refused with the field: a code taken or empty (`code`), no name (`name`), an area
/// outside the officer's or unknown (`area`), no form of care (`forms`), no bank account
/// (`bank_account`).
pub async fn register(
    store: &Store,
    who: &Account,
    p: &Provider,
    clock: Clock,
) -> Result<(), ClaimError> {
    let over = officer(who, "定点护理机构登记")?;
    let mut errors = Vec::new();
    if p.code.trim().is_empty() || p.code.chars().count() > 32 {
        errors.push(FieldError::new("code", "机构编码必填，至多32个字符"));
    }
    if p.name.trim().is_empty() {
        errors.push(FieldError::new("name", "必填"));
    }
    if !p.area.is_within(over) {
        errors.push(FieldError::new(
            "area",
            format!("{} 不在你的辖区 {over} 内", p.area),
        ));
    } else if !store.areas().await?.iter().any(|a| a.code == p.area) {
        errors.push(FieldError::new("area", format!("没有区划 {}", p.area)));
    }
    if p.forms.is_empty() {
        errors.push(FieldError::new("forms", "至少一种护理服务形式"));
    }
    if p.bank_account.trim().is_empty() {
        errors.push(FieldError::new(
            "bank_account",
            "必填：基金支付到机构的账户",
        ));
    }
    if !errors.is_empty() {
        return Err(ClaimError::Invalid(errors));
    }
    let audit = NewAuditEntry {
        actor: who.name().into(),
        action: "ltc.provider.register".into(),
        subject: format!("ltc_provider:{}", p.code),
        detail: format!(
            "{} {} 区划 {} 服务形式 {}",
            p.code,
            p.name,
            p.area,
            p.forms
                .iter()
                .map(|f| f.label())
                .collect::<Vec<_>>()
                .join("、")
        ),
        at: clock.now,
    };
    if store
        .care()
        .add_provider(p, (who.name(), clock.now), audit)
        .await?
    {
        Ok(())
    } else {
        Err(invalid("code", format!("机构编码 {} 已登记", p.code)))
    }
}

/// Lets a service provider's account act for a care provider (claim its months): staff who
/// may register the provider.
pub async fn link(
    store: &Store,
    who: &Account,
    staff: &str,
    provider: &str,
    clock: Clock,
) -> Result<(), ClaimError> {
    let over = officer(who, "机构账号关联")?;
    let care = store.care();
    let Some(p) = care.provider(provider).await? else {
        return Err(invalid("provider", format!("没有定点护理机构 {provider}")));
    };
    if !p.area.is_within(over) {
        return Err(invalid("provider", format!("{} 不在你的辖区内", p.code)));
    }
    match store.staff(staff).await? {
        Some(s) if s.role == Role::Provider => {}
        Some(_) => return Err(invalid("staff", format!("{staff} 不是服务机构账号"))),
        None => return Err(invalid("staff", format!("{staff} 不在工作人员名册中"))),
    }
    let audit = NewAuditEntry {
        actor: who.name().into(),
        action: "ltc.provider.staff".into(),
        subject: format!("ltc_provider:{}", p.code),
        detail: format!("staff={staff}"),
        at: clock.now,
    };
    Ok(care.link_staff(staff, &p.code, audit).await?)
}

/// A qualification as the medical-insurance office files it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualify {
    pub id_number: IdNumber,
    pub provider: String,
    pub form: Form,
    /// The disability assessment: its grade (0–5), the assessing institution, the day.
    pub grade: u8,
    pub assessed_by: String,
    pub assessed_on: NaiveDate,
    pub from: NaiveDate,
}

/// The parameter: how many days a disability assessment stands for a new qualification.
pub const ASSESSMENT_VALID_DAYS: &str = "ltc.care.assessment_valid_days";

/// Qualifies an insured person for long-term care with a provider and a form, from `from`,
/// with the audit entry, in one transaction: district or city staff, for a resident of their
/// area. The rules decide on the assessment's grade and on the ability level the registry
/// holds for `from`. A qualification running then with another provider or form ends the day
/// before. Refused with the field, nothing filed: a grade outside 0–5 or one the rules do not
/// qualify (`disability_grade`), no assessing institution (`assessed_by`), an assessment in
/// the future or older at `from` than the rules' [`ASSESSMENT_VALID_DAYS`] (`assessed_on`), a start before the
/// assessment or before this month (`from`), no cover on `from` (`from`), a provider unknown
/// or not designated for the form (`provider`, `form`), someone not a resident of the
/// officer's area (`id_number`), a qualification of the person beginning on or after `from`,
/// or one ended under which care was claimed from `from` on (`from`), someone who died
/// (`id_number`).
pub async fn qualify(
    store: &Store,
    policy: &Policy,
    who: &Account,
    q: &Qualify,
    clock: Clock,
) -> Result<i64, ClaimError> {
    officer(who, "长护待遇资格认定")?;
    let valid_days = policy
        .count(ASSESSMENT_VALID_DAYS, q.from)
        .map(i64::from)
        .ok_or_else(|| SettleError::Rule(format!("长护规则没有参数 {ASSESSMENT_VALID_DAYS}")))?;
    let scope = who.scope();
    let mut errors = Vec::new();
    if usize::from(q.grade) >= domain::GRADES.len() {
        errors.push(FieldError::new("disability_grade", "失能等级为 0 至 5"));
    }
    if q.assessed_by.trim().is_empty() {
        errors.push(FieldError::new("assessed_by", "必填：评估机构"));
    }
    if q.assessed_on > clock.today {
        errors.push(FieldError::new(
            "assessed_on",
            format!("评估日 {} 在今天之后", q.assessed_on),
        ));
    } else if (q.from - q.assessed_on).num_days() > valid_days {
        errors.push(FieldError::new(
            "assessed_on",
            format!(
                "评估日 {} 距待遇起始日超过 {valid_days} 天，须重新评估",
                q.assessed_on
            ),
        ));
    }
    if q.from < q.assessed_on {
        errors.push(FieldError::new(
            "from",
            format!("待遇起始日 {} 早于评估日 {}", q.from, q.assessed_on),
        ));
    } else if Month::containing(q.from) < Month::containing(clock.today) {
        errors.push(FieldError::new(
            "from",
            format!("待遇起始日 {} 早于本月：资格自认定的当月起", q.from),
        ));
    }
    let care = store.care();
    match care.provider(&q.provider).await? {
        None => errors.push(FieldError::new(
            "provider",
            format!("没有定点护理机构 {}", q.provider),
        )),
        Some(p) if !p.forms.contains(&q.form) => errors.push(FieldError::new(
            "form",
            format!(
                "{} 定点的服务形式是 {}，没有{}",
                p.name,
                p.forms
                    .iter()
                    .map(|f| f.label())
                    .collect::<Vec<_>>()
                    .join("、"),
                q.form.label()
            ),
        )),
        Some(_) => {}
    }
    let mut tx = Tx::write_only(store).await?;
    let person = storage::cared_in(&mut tx, &q.id_number)
        .await?
        .filter(|c| match &scope {
            Scope::Everything => true,
            Scope::Area(area) => c.area.is_within(area),
            Scope::Resident(_) | Scope::Nothing => false,
        });
    let Some(person) = person else {
        errors.push(FieldError::new(
            "id_number",
            format!("你的辖区内没有在册居民 {}", q.id_number.masked()),
        ));
        return Err(ClaimError::Invalid(errors));
    };
    if let Some(died) = person.died.filter(|d| *d <= q.from) {
        errors.push(FieldError::new(
            "id_number",
            format!("{} 已于 {died} 死亡", q.id_number.masked()),
        ));
    }
    let covered = covers_of(&mut tx, person.person_id)
        .await?
        .into_iter()
        .find(|(_, c)| c.from <= q.from && q.from <= c.to);
    let ability = storage::ability_on(&mut tx, person.person_id, q.from).await?;
    drop(tx);
    let Some((_, cover)) = covered else {
        errors.push(FieldError::new(
            "from",
            format!("{} 在 {} 没有医保参保", q.id_number.masked(), q.from),
        ));
        return Err(ClaimError::Invalid(errors));
    };
    if errors.is_empty() {
        let facts = domain::CareFacts {
            scheme: cover.scheme,
            grade: q.grade,
            ability,
            stretches: Vec::new(),
        };
        let mut evaluation = domain::evaluation(policy, q.from, &facts, false)?;
        let settled = domain::settle(&mut evaluation, 0)?;
        if !settled.qualified {
            errors.push(FieldError::new(
                "disability_grade",
                format!(
                    "失能等级 {}（{}）、老年人能力等级 {} 不符合长护待遇条件",
                    q.grade,
                    domain::grade_label(q.grade),
                    ability.map_or("未评估", |a| a.label_zh())
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ClaimError::Invalid(errors));
    }
    let filed = Qualification {
        id: 0,
        person_id: person.person_id,
        provider: q.provider.trim().to_string(),
        form: q.form,
        grade: q.grade,
        ability,
        assessed_by: q.assessed_by.trim().to_string(),
        assessed_on: q.assessed_on,
        from: q.from,
        to: None,
        recorded_at: clock.now,
        recorded_by: who.name().to_string(),
    };
    let audit = |id: i64, ended: Option<&Qualification>| NewAuditEntry {
        actor: who.name().into(),
        action: "ltc.qualify".into(),
        subject: format!("person {}", person.person_id),
        detail: format!(
            "{} 长护待遇资格 {id}：{} {}，自 {}；{} {} 评估为{}{}",
            q.id_number.masked(),
            filed.provider,
            q.form.label(),
            q.from,
            q.assessed_on,
            filed.assessed_by,
            domain::grade_label(q.grade),
            ended.map_or(String::new(), |e| format!("；资格 {} 止于前一日", e.id))
        ),
        at: clock.now,
    };
    match care.qualify(&filed, audit).await? {
        Ok(id) => Ok(id),
        Err(other) => Err(invalid(
            "from",
            format!(
                "与资格 {}（{} {}，自 {}）冲突：它自 {} 起或其下已结算到 {} 以后的护理",
                other.id,
                other.provider,
                other.form.label(),
                other.from,
                other.from,
                q.from
            ),
        )),
    }
}

/// Ends a qualification on `on` (death, moving away, recovery): district or city staff of the
/// person's area. Refused: unknown (`qualification`), a day before it began or after it ended
/// (`on`), care claimed under it after `on` (`on`).
pub async fn end(
    store: &Store,
    who: &Account,
    id: i64,
    on: NaiveDate,
    reason: &str,
    clock: Clock,
) -> Result<(), ClaimError> {
    officer(who, "长护待遇终止")?;
    let care = store.care();
    let Some(q) = care.qualification(id).await? else {
        return Err(invalid("qualification", format!("没有长护待遇资格 {id}")));
    };
    let mut tx = Tx::write_only(store).await?;
    let area = storage::area_of(&mut tx, q.person_id).await?;
    drop(tx);
    let in_scope = match (who.scope(), area) {
        (Scope::Everything, _) => true,
        (Scope::Area(over), Some(area)) => area.is_within(&over),
        _ => false,
    };
    if !in_scope {
        return Err(invalid(
            "qualification",
            format!("资格 {id} 的参保人不在你的辖区内"),
        ));
    }
    if on < q.from || q.to.is_some_and(|to| on > to) {
        return Err(invalid(
            "on",
            format!(
                "资格 {id} 自 {} 至 {}，{on} 不在其中",
                q.from,
                q.to.map_or("今".to_string(), |t| t.to_string())
            ),
        ));
    }
    if reason.trim().is_empty() {
        return Err(invalid("reason", "须写明终止原因"));
    }
    let audit = NewAuditEntry {
        actor: who.name().into(),
        action: "ltc.end".into(),
        subject: format!("person {}", q.person_id),
        detail: format!("长护待遇资格 {id} 止于 {on}：{}", reason.trim()),
        at: clock.now,
    };
    match care.end_qualification(id, on, audit).await? {
        Ok(()) => Ok(()),
        Err(last) => Err(invalid(
            "on",
            format!("资格 {id} 下已结算到 {last} 的护理，不能止于 {on}"),
        )),
    }
}

/// The provider a service provider's account acts for.
async fn own_provider(store: &Store, who: &Account) -> Result<String, ClaimError> {
    match who {
        Account::Staff(s) if s.role == Role::Provider => {
            match store.care().provider_of(&s.name).await? {
                Some(code) => Ok(code),
                None => Err(invalid(
                    "actor",
                    format!("{} 未登记为任何定点护理机构的账号", s.name),
                )),
            }
        }
        _ => Err(invalid("actor", "护理费用由定点护理机构申报")),
    }
}

/// One person's stretches in a month's claim, with what the rules are given.
struct Person {
    person_id: i64,
    id_number: IdNumber,
    stretches: Vec<(Sent, Qualification)>,
    facts: domain::CareFacts,
}

/// A provider's month of care (a month that has ended), claimed by its account: every stretch
/// checked and each person's month settled by the rules, recorded in one transaction with its
/// audit entry. Refused with the field, nothing recorded: a month not yet over or already
/// claimed (`month`), and for each stretch (`stretches[i]…`) a bad ID number or date, someone
/// not a resident, not qualified with this provider on every day of it, not covered on every
/// day of it, dead before its end, or in hospital on one of its days.
pub async fn claim(
    store: &Store,
    policy: &Policy,
    who: &Account,
    month: Month,
    rows: &[(String, String, String)],
    clock: Clock,
) -> Result<CareMonth, ClaimError> {
    let provider = own_provider(store, who).await?;
    claim_for(store, policy, (&provider, who.name()), month, rows, clock).await
}

/// [`claim`] for `provider`, by `by`: what the provider's account does, and the synthetic
/// city's operator for each provider.
pub(crate) async fn claim_for(
    store: &Store,
    policy: &Policy,
    (provider, by): (&str, &str),
    month: Month,
    rows: &[(String, String, String)],
    clock: Clock,
) -> Result<CareMonth, ClaimError> {
    let provider = provider.to_string();
    if month.last_day() >= clock.today {
        return Err(invalid("month", format!("{month} 尚未结束，月末后再申报")));
    }
    let sent = domain::read_stretches(month, rows).map_err(ClaimError::Invalid)?;
    let mut tx = Tx::write_only(store).await?;
    if storage::month_claimed(&mut tx, &provider, month).await? {
        return Err(ClaimError::Conflict {
            field: "month".into(),
            reason: format!("{provider} 的 {month} 已申报"),
        });
    }
    let mut errors = Vec::new();
    // Each person's stretches, in the order of their first.
    let mut people: Vec<Person> = Vec::new();
    for (i, s) in sent.iter().enumerate() {
        let field = |name: &str| format!("stretches[{i}].{name}");
        let Some(person) = storage::cared_in(&mut tx, &s.id_number).await? else {
            errors.push(FieldError::new(
                field("id_number"),
                format!("没有在册居民 {}", s.id_number.masked()),
            ));
            continue;
        };
        if let Some(died) = person.died.filter(|d| *d < s.to) {
            errors.push(FieldError::new(
                field("to"),
                format!("{} 已于 {died} 死亡", s.id_number.masked()),
            ));
            continue;
        }
        let qualifications =
            storage::qualifications_in(&mut tx, person.person_id, &provider, (s.from, s.to))
                .await?;
        let Some(q) = qualifications.iter().find(|q| q.holds(s.from, s.to)) else {
            errors.push(FieldError::new(
                field("id_number"),
                match qualifications.first() {
                    None => format!(
                        "{} 在 {} 至 {} 没有本机构的长护待遇资格",
                        s.id_number.masked(),
                        s.from,
                        s.to
                    ),
                    Some(q) => format!(
                        "{} 在本机构的长护待遇资格自 {} 至 {}，不含 {} 至 {} 的每一天（形式变了请分段申报）",
                        s.id_number.masked(),
                        q.from,
                        q.to.map_or("今".to_string(), |t| t.to_string()),
                        s.from,
                        s.to
                    ),
                },
            ));
            continue;
        };
        let covers = covers_of(&mut tx, person.person_id).await?;
        let Some((_, cover)) = covers
            .iter()
            .find(|(_, c)| c.from <= s.from && s.to <= c.to)
        else {
            errors.push(FieldError::new(
                field("from"),
                format!(
                    "{} 在 {} 至 {} 未全程参保",
                    s.id_number.masked(),
                    s.from,
                    s.to
                ),
            ));
            continue;
        };
        if let Some((hospital, number, admitted, discharged)) =
            storage::stays_in(&mut tx, person.person_id, (s.from, s.to))
                .await?
                .into_iter()
                .next()
        {
            errors.push(FieldError::new(
                field("from"),
                format!(
                    "{} 自 {admitted} 住院至 {discharged} 出院（{hospital} 结算单 {number}）：住院期间长护保险不支付，请去掉住院的日子",
                    s.id_number.masked()
                ),
            ));
            continue;
        }
        let facts = domain::CareFacts {
            scheme: cover.scheme,
            grade: q.grade,
            ability: q.ability,
            stretches: Vec::new(),
        };
        match people.iter_mut().find(|p| p.person_id == person.person_id) {
            Some(p) => {
                p.stretches.push((s.clone(), q.clone()));
                // The person's latest qualification and cover decide.
                p.facts = facts;
            }
            None => people.push(Person {
                person_id: person.person_id,
                id_number: s.id_number.clone(),
                stretches: vec![(s.clone(), q.clone())],
                facts,
            }),
        }
    }
    if !errors.is_empty() {
        return Err(ClaimError::Invalid(errors));
    }
    let mut cares = Vec::new();
    for Person {
        person_id,
        id_number,
        stretches,
        mut facts,
    } in people
    {
        facts.stretches = (stretches.iter())
            .map(|(s, q)| (q.form, s.days()))
            .collect();
        let mut evaluation = domain::evaluation(policy, month.first_day(), &facts, false)?;
        let settled = domain::settle(&mut evaluation, stretches.len())?;
        let last = stretches.last().map_or(0, |(_, q)| q.id);
        cares.push(Care {
            person_id,
            id_number,
            qualification_id: last,
            scheme: facts.scheme,
            grade: facts.grade,
            ability: facts.ability,
            cost: settled.cost,
            fund: settled.fund,
            person: settled.person,
            stretches: (stretches.iter().zip(&settled.stretch_costs))
                .map(|((s, q), cost)| Stretch {
                    qualification_id: q.id,
                    form: q.form,
                    from: s.from,
                    to: s.to,
                    days: s.days(),
                    cost: *cost,
                })
                .collect(),
        });
    }
    let sum = |part: fn(&Care) -> Fen| {
        cares
            .iter()
            .try_fold(Fen::ZERO, |t, c| t.checked_add(part(c)))
            .ok_or_else(|| invalid("stretches", "合计金额溢出"))
    };
    let mut record = CareMonth {
        id: 0,
        provider: provider.clone(),
        month,
        total: sum(|c| c.cost)?,
        fund: sum(|c| c.fund)?,
        person: sum(|c| c.person)?,
        policy_digest: policy.digest.clone(),
        claimed_at: clock.now,
        claimed_by: by.to_string(),
        approved: None,
        cares,
    };
    record.id = storage::insert_month(&mut tx, &record).await?;
    tx.append_audit(&[NewAuditEntry {
        actor: by.into(),
        action: "ltc.claim".into(),
        subject: format!("ltc_month:{}", record.id),
        detail: format!(
            "{provider} {month}：{} 人 {} 天，费用 {}，基金 {}，个人 {}",
            record.cares.len(),
            record
                .cares
                .iter()
                .flat_map(|c| &c.stretches)
                .map(|s| s.days)
                .sum::<i64>(),
            record.total,
            record.fund,
            record.person
        ),
        at: clock.now,
    }])
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// Approves a provider's month: district or city staff over the provider's area. What the fund
/// owes the provider becomes a due of the payments context, in the same transaction.
pub async fn approve(
    store: &Store,
    who: &Account,
    id: i64,
    clock: Clock,
) -> Result<CareMonth, ClaimError> {
    let over = officer(who, "长护费用审核")?;
    let care = store.care();
    let Some(month) = care.month(id).await? else {
        return Err(invalid("month", format!("没有长护申报 {id}")));
    };
    let Some(provider) = care.provider(&month.provider).await? else {
        return Err(invalid(
            "month",
            format!("申报 {id} 的机构 {} 未登记", month.provider),
        ));
    };
    if !provider.area.is_within(over) {
        return Err(invalid(
            "month",
            format!("{} 不在你的辖区内", provider.name),
        ));
    }
    let mut tx = minsheng_payments::storage::begin_locked(store).await?;
    let at = (who.name(), clock.now);
    if !storage::mark_approved(&mut tx, id, at).await? {
        return Err(ClaimError::Conflict {
            field: "month".into(),
            reason: format!("长护申报 {id} 已审核"),
        });
    }
    let due = ProviderDue {
        month: month.month,
        program: PROGRAM.into(),
        source_id: id,
        payee_code: provider.code.clone(),
        payee_name: provider.name.clone(),
        bank_account: provider.bank_account.clone(),
        amount: month.fund,
        detail: format!(
            "{} 长护保险基金支付：{} 人，护理费用 {} 元，个人负担 {} 元",
            month.month,
            month.cares.len(),
            month.total,
            month.person
        ),
    };
    providers::add_due_in(&mut tx, &due, who.name(), clock.now).await?;
    let record = storage::month_in(&mut tx, id)
        .await?
        .ok_or_else(|| minsheng_store::corrupt("ltc_month", id))?;
    tx.append_audit(&[NewAuditEntry {
        actor: who.name().into(),
        action: "ltc.approve".into(),
        subject: format!("ltc_month:{id}"),
        detail: format!("{} {}：基金支付 {}", provider.code, month.month, month.fund),
        at: clock.now,
    }])
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// Pays the month's approved dues not yet paid — long-term care and every other provider's —
/// as a new batch of the providers' bank file: district or city staff.
pub async fn pay(
    store: &Store,
    who: &Account,
    month: Month,
    dir: &Path,
    clock: Clock,
) -> Result<Option<ProviderBatch>, PayError> {
    if officer(who, "拨付").is_err() {
        return Err(PayError::Invalid {
            field: "actor".into(),
            reason: "拨付由区或市医保经办人员办理".into(),
        });
    }
    providers::disburse(store, month, dir, who.name(), clock).await
}

/// One person's month explained: every rule, parameter value, date and reference, as text
/// (the fund's share and the person's), and whether the rules are still the ones it was
/// settled under.
pub fn explain(
    policy: &Policy,
    month: &CareMonth,
    care: &Care,
) -> Result<(Vec<String>, bool), ClaimError> {
    let facts = domain::CareFacts {
        scheme: care.scheme,
        grade: care.grade,
        ability: care.ability,
        stretches: care.stretches.iter().map(|s| (s.form, s.days)).collect(),
    };
    let mut evaluation = domain::evaluation(policy, month.month.first_day(), &facts, true)?;
    domain::settle(&mut evaluation, care.stretches.len())?;
    let roots: Vec<(usize, Option<usize>)> = ["fund_pays", "person_pays"]
        .iter()
        .filter_map(|n| policy.variable(n))
        .map(|id| (id, None))
        .collect();
    let names: Vec<String> = (care.stretches.iter())
        .map(|s| format!("{} 至 {} {}", s.from, s.to, s.form.label()))
        .collect();
    Ok((
        minsheng_policy::explain::render_together(policy, &evaluation.computations, &roots, &names),
        policy.digest == month.policy_digest,
    ))
}
