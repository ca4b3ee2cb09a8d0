//! Applications for the elderly-care service subsidies (家庭养老床位, 适老化改造; 崂办字〔2024〕
//! 12号 第六条、第七条): the person applies, the rules say whether they qualify, a home visit
//! assesses, the street assigns a provider, the provider starts, street or district staff accept
//! the result, and the subsidy is paid through the payment ledger — monthly for a bed, once for
//! a refit — to the person it is for.
//!
//! Architecture invariant: each step, its audit entry and, on acceptance, the person's enrolment
//! in the ledger commit in one transaction, under the payments' lock; a second acceptance finds
//! the application accepted and changes nothing.

pub mod domain;
pub mod storage;

use chrono::NaiveDate;
use minsheng_app::Clock;
use minsheng_core::access::{Account, Role, Scope};
use minsheng_core::{FieldError, IdNumber, Month};
use minsheng_policy::eval::Evaluation;
use minsheng_policy::{Grant, Policy, Program, Value};
use minsheng_store::{NewAuditEntry, Store, StoreError};

pub use domain::{Application, Deadlines, Stage, Step, Transition};
pub use storage::{ApplicationRecord, Applications, ApplicationsStore, StepRecord};

#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FieldError> for ApplicationError {
    fn from(e: FieldError) -> Self {
        ApplicationError::Invalid(e)
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> ApplicationError {
    ApplicationError::Invalid(FieldError::new(field, reason))
}

/// The staff behind an account, or why it may not act on applications.
fn staff(who: &Account) -> Result<&minsheng_core::access::Staff, ApplicationError> {
    match who {
        Account::Staff(s) => Ok(s),
        Account::Resident { name, .. } => Err(invalid(
            "actor",
            format!("{name} 是居民；申请由工作人员登记和办理"),
        )),
    }
}

/// A service program of the catalog, by code.
pub fn service<'p>(policy: &'p Policy, code: &str) -> Result<&'p Program, ApplicationError> {
    let services: Vec<&str> = policy
        .programs
        .iter()
        .filter(|p| p.grant == Grant::Service)
        .map(|p| p.code.as_str())
        .collect();
    policy
        .program(code.trim())
        .filter(|p| p.grant == Grant::Service)
        .ok_or_else(|| {
            invalid(
                "program",
                format!("「{code}」不是服务项目（可选：{}）", services.join(", ")),
            )
        })
}

fn deadlines(
    policy: &Policy,
    program: &Program,
    on: NaiveDate,
) -> Result<Deadlines, ApplicationError> {
    Deadlines::of(policy, program, on).ok_or_else(|| {
        invalid(
            "program",
            format!("{}：政策中没有 {on} 有效的办理时限", program.code),
        )
    })
}

/// An application as a caseworker files it.
pub struct ApplicationForm<'a> {
    pub program: &'a str,
    /// The older person's ID number.
    pub id_number: &'a str,
    pub applied_on: NaiveDate,
    /// What the person asks for, in their words.
    pub request: &'a str,
}

/// A filed application, and the rules' explanation of whether the person qualifies.
#[derive(Debug, Clone)]
pub struct Filed {
    pub id: i64,
    pub stage: Stage,
    /// The rules' finding in a line (eligible, and for how much).
    pub finding: String,
    pub explanation: Vec<String>,
}

/// Files an application: community or street staff of the person's area. The rules in force
/// for the month of the application decide at once whether the person qualifies; one who does
/// not is kept, closed as ineligible, with the rules' reasons.
pub async fn apply(
    store: &Store,
    policy: &Policy,
    who: &Account,
    form: &ApplicationForm<'_>,
    clock: Clock,
) -> Result<Filed, ApplicationError> {
    let actor = staff(who)?;
    let program = service(policy, form.program)?;
    if !matches!(actor.role, Role::Community | Role::Street) {
        return Err(invalid(
            "actor",
            format!(
                "{} is {}; applications are filed by 社区经办 or 街道审核",
                actor.name,
                actor.role.label()
            ),
        ));
    }
    let id_number =
        IdNumber::parse(form.id_number.trim()).map_err(|e| invalid("id_number", e.to_string()))?;
    if form.applied_on > clock.today {
        return Err(invalid(
            "applied_on",
            format!("{} 晚于今天", form.applied_on),
        ));
    }
    let request = form.request.trim();
    if request.is_empty() {
        return Err(invalid("request", "请写明申请人的诉求"));
    }
    let file = store
        .household_file_within(id_number.as_str(), &Scope::Area(actor.area.clone()))
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => invalid(
                "id_number",
                format!(
                    "{} 不是 {} 管辖区域（{}）的居民",
                    id_number.masked(),
                    actor.name,
                    actor.area
                ),
            ),
            other => ApplicationError::Store(other),
        })?;
    let month = Month::containing(form.applied_on);
    let members = file.as_of(month.first_day(), clock.now);
    let member = members
        .iter()
        .position(|(p, _)| p.id_number == id_number)
        .ok_or_else(|| {
            invalid(
                "id_number",
                format!(
                    "{} 在 {2} 不是户 {1} 的成员",
                    id_number.masked(),
                    file.code,
                    month.first_day()
                ),
            )
        })?;
    let name = members
        .get(member)
        .map(|(p, _)| p.name.clone())
        .unwrap_or_default();
    let area = members
        .get(member)
        .map_or_else(|| file.area.clone(), |(_, f)| f.area.clone());
    let mut evaluation = Evaluation::of_household(policy, month, &members, true);
    let amount = evaluation.variable(program.amount, Some(member));
    let names: Vec<String> = members.iter().map(|(p, _)| p.name.clone()).collect();
    let explanation = minsheng_policy::explain::render_together(
        policy,
        &evaluation.computations,
        &[(program.amount, Some(member))],
        &names,
    );
    let qualifies = matches!(amount, Ok(Value::Money(fen)) if fen > minsheng_core::Fen::ZERO);
    let (stage, due) = if qualifies {
        let calendar = store.work_calendar().await?;
        let due = deadlines(policy, program, form.applied_on)?.due(
            Stage::Applied,
            form.applied_on,
            &calendar,
        )?;
        (Stage::Applied, due)
    } else {
        (Stage::Ineligible, None)
    };
    let finding = match &amount {
        Ok(Value::Money(fen)) if qualifies => format!(
            "符合条件: {} {} 元{} ({month} 的规则)",
            program.label,
            fen.grouped(),
            if program.once { ", 一次性" } else { "/月" }
        ),
        Ok(_) => format!("不符合条件 ({month} 的规则)"),
        Err(e) => format!("规则无法判定: {e}"),
    };
    let detail = format!("{finding}\n{}", explanation.join("\n"));
    let id = store
        .applications()
        .file(
            &storage::NewApplication {
                program: &program.code,
                once: program.once,
                id_number: &id_number,
                name: &name,
                household: &file.code,
                area: &area,
                applied_on: form.applied_on,
                stage,
                due,
                reason: request,
                detail: &detail,
            },
            who.name(),
            clock.now,
            |id| NewAuditEntry {
                actor: who.name().into(),
                action: "service_apply".into(),
                subject: format!("service:{id}"),
                detail: format!(
                    "program={} person={} household={} stage={stage}",
                    program.code,
                    id_number.masked(),
                    file.code
                ),
                at: clock.now,
            },
        )
        .await?;
    Ok(Filed {
        id,
        stage,
        finding,
        explanation,
    })
}

/// What a step did: the application's new stage and, on acceptance, the enrolment and the
/// month the subsidy is first paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub stage: Stage,
    pub enrolled: Option<(i64, Month)>,
}

/// Takes a step on an application. The provider named by an assignment must be a provider
/// account whose area holds the person's.
pub async fn take_step(
    store: &Store,
    policy: &Policy,
    who: &Account,
    id: i64,
    step: &Step,
    clock: Clock,
) -> Result<Taken, ApplicationError> {
    let actor = staff(who)?;
    let applications = store.applications();
    let (record, _) = applications
        .get(
            id,
            &who.scope(),
            who.service_area().map(|_| actor.name.as_str()),
        )
        .await?;
    let program = service(policy, &record.program)?;
    let deadlines = deadlines(policy, program, clock.today)?;
    let calendar = store.work_calendar().await?;
    let machine = record.machine();
    let t = machine.transition(step, actor, clock.today, &deadlines, &calendar)?;
    if let Step::Assign { provider } = step {
        let found = store.staff(provider.trim()).await?;
        match found {
            Some(p) if p.role == Role::Provider && record.area.is_within(&p.area) => {}
            _ => {
                return Err(invalid(
                    "provider",
                    format!(
                        "{} 不是服务 {} 的服务机构账号",
                        provider.trim(),
                        record.area
                    ),
                ))
            }
        }
    }
    let enrolled = applications
        .record_step(
            &machine,
            step.name(),
            &t,
            program.once,
            who.name(),
            clock.now,
            |enrolled| NewAuditEntry {
                actor: who.name().into(),
                action: format!("service_{}", step.name()),
                subject: format!("service:{id}"),
                detail: match enrolled {
                    Some((enrolment, from)) => format!(
                        "to={} program={} enrolment={enrolment} paid_from={from}{}",
                        t.to,
                        program.code,
                        if program.once { " once" } else { "" }
                    ),
                    None => format!("to={} program={}", t.to, program.code),
                },
                at: clock.now,
            },
        )
        .await?;
    Ok(Taken {
        stage: t.to,
        enrolled,
    })
}

/// Files the home care beds and refits of a synthetic city of `people` (the demo): a year's
/// worth at Qingdao's 2025 rate ([`minsheng_synth::services`]), each person drawn from those the
/// rules qualify in the month the synthetic registry describes, each application gone through
/// every step within its deadlines and enrolled in the ledger — unless there are applications
/// already. Returns how many beds and refits were filed.
pub async fn file_synthetic(
    store: &Store,
    policy: &Policy,
    people: u64,
    seed: u64,
    actor: &str,
    clock: Clock,
) -> Result<(usize, usize), ApplicationError> {
    use minsheng_synth::services::{draw, yearly, BEDS_PER_10M, REFITS_PER_10M};
    let applications = store.applications();
    if applications.count().await? > 0 {
        return Ok((0, 0));
    }
    let month = Month::containing(minsheng_synth::reference_date());
    let programs = [
        ("home_care_bed", BEDS_PER_10M),
        ("home_refit", REFITS_PER_10M),
    ];
    let mut wanted = Vec::new();
    for (code, _) in programs {
        wanted.push(service(policy, code)?);
    }
    let registry =
        minsheng_app::policy::load(store, policy, month, true, &minsheng_app::Quiet).await?;
    let amounts: Vec<_> = wanted.iter().map(|p| p.amount).collect();
    let result = registry.evaluate(policy, month, &amounts);
    let calendar = store.work_calendar().await?;
    let starts = &registry.population.member_start;
    let mut list = Vec::new();
    let mut filed = [0usize; 2];
    // A subsidy paid once is once a household.
    let mut once_in: std::collections::HashSet<(usize, usize)> = Default::default();
    for (k, ((program, (code, per_10m)), (_, column))) in
        wanted.iter().zip(programs).zip(&result.columns).enumerate()
    {
        let pool: Vec<usize> = column
            .iter()
            .enumerate()
            .filter(|(_, v)| *v > 0)
            .map(|(row, _)| row)
            .collect();
        let deadlines = deadlines(policy, program, month.first_day())?;
        // The whole pool in a drawn order, until the year's number is filed (a refit's second
        // person of a household is passed over: once a household).
        let target = usize::try_from(yearly(per_10m, people)).unwrap_or(usize::MAX);
        for drawn in draw(pool.len(), pool.len() as u64, code, seed) {
            if filed.get(k).is_some_and(|&n| n >= target) {
                break;
            }
            let Some(&row) = pool.get(drawn.candidate) else {
                continue;
            };
            let h = starts.partition_point(|&s| s <= row).saturating_sub(1);
            if program.once && !once_in.insert((k, h)) {
                continue;
            }
            let Some(household) = registry.households.get(h) else {
                continue;
            };
            // The member the row is, as the household file lists them that month: the
            // population keeps the same members, so the same position among the qualified.
            // `pool` is in row order: the household's qualified rows before this one, by two
            // searches rather than a walk of the whole pool for each person drawn.
            let first = starts.get(h).copied().unwrap_or(row);
            let nth = pool.partition_point(|&r| r < row) - pool.partition_point(|&r| r < first);
            let file = store.household_file(household).await?;
            let members = file.as_of(month.first_day(), clock.now);
            let mut evaluation = Evaluation::of_household(policy, month, &members, false);
            let qualified: Vec<usize> = (0..members.len())
                .filter(|&m| {
                    matches!(evaluation.variable(program.amount, Some(m)),
                        Ok(Value::Money(f)) if f > minsheng_core::Fen::ZERO)
                })
                .collect();
            let Some((person, facts)) = qualified.get(nth).and_then(|&m| members.get(m)) else {
                continue;
            };
            let mut day = drawn.applied_on;
            let mut steps = vec![(
                "apply",
                Stage::Applied,
                day,
                format!("申请{}", program.label),
                format!("符合条件 ({month} 的规则; 合成数据)"),
            )];
            let provider = format!("{}服务机构", facts.area.as_str().get(..9).unwrap_or(""));
            for (step, stage, days, reason) in [
                (
                    "assess",
                    Stage::Assessed,
                    deadlines.assess,
                    "上门评估: 需要",
                ),
                ("assign", Stage::Assigned, deadlines.assign, "确定服务机构"),
                ("start", Stage::Started, deadlines.start, "开始"),
                ("accept", Stage::Accepted, deadlines.accept, "验收合格"),
            ] {
                // Each step half-way to its deadline.
                day = calendar
                    .add_working_days(day, days.div_ceil(2))
                    .map_or(day, |d| d.on);
                steps.push((step, stage, day, reason.to_string(), String::new()));
            }
            list.push(storage::SyntheticApplication {
                program: program.code.clone(),
                once: program.once,
                id_number: person.id_number.clone(),
                name: person.name.clone(),
                household: file.code.clone(),
                area: facts.area.clone(),
                provider,
                steps,
            });
            if let Some(n) = filed.get_mut(k) {
                *n += 1;
            }
        }
    }
    let [beds, refits] = filed;
    applications
        .record_synthetic(
            &list,
            actor,
            clock.now,
            NewAuditEntry {
                actor: actor.into(),
                action: "service_synthetic".into(),
                subject: "service:synthetic".into(),
                detail: format!("beds={beds} refits={refits} seed={seed} people={people}"),
                at: clock.now,
            },
        )
        .await?;
    Ok((beds, refits))
}
