//! A case's printable notices, as PDFs: the 受理回执及一次性告知书 handed over at acceptance and
//! the 决定书 at the decision; and a street's 公示 list of the cases it posts. Each print is a
//! read of the household's record, and audited as one.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use minsheng_assistance::domain::notices;
use minsheng_assistance::storage::{CaseFilter, CasesStore as _};
use minsheng_assistance::Stage;
use minsheng_core::Month;
use minsheng_letters::{
    Change, Decision, Heading, Letter, Posting, PostingRow, Receipt, ReceiptStep,
};
use minsheng_payments::PaymentsStore as _;
use serde::Deserialize;

use crate::error::{PageError, WebError};
use crate::extract::{PagePath, PageQuery};
use crate::registry::queries::read_entry;
use crate::session::{OnPage, Signed};
use crate::Web;

/// A posting list holds at most this many households: a street's month, many times over.
const POSTING_LIMIT: u32 = 10_000;

fn written(day: NaiveDate) -> String {
    minsheng_letters::written_date(day.year(), day.month(), day.day())
}

fn written_month(month: Month) -> String {
    let day = month.first_day();
    format!("{}年{}月", day.year(), day.month())
}

/// `{district}民政局`, `{district}人民政府` and `{street}办事处` for an area, by the registry's names.
struct Offices {
    bureau: String,
    government: String,
    street: String,
}

async fn offices(web: &Web, area: &minsheng_core::AreaCode) -> Result<Offices, WebError> {
    let district = area
        .district()
        .map(|d| d.as_str().to_string())
        .unwrap_or_default();
    let street = area
        .as_str()
        .get(..9)
        .map(str::to_string)
        .unwrap_or_default();
    let names = web.store.area_names(&[&district, &street]).await?;
    let name = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    Ok(Offices {
        bureau: format!("{}民政局", name(&district)),
        government: format!("{}人民政府", name(&district)),
        street: format!("{}办事处", name(&street)),
    })
}

/// The letter typeset, as the PDF a browser shows and prints.
fn pdf(web: &Web, letter: &Letter, name: &str) -> Result<Response, WebError> {
    let bytes = web
        .letters()?
        .render(letter)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /cases/{id}/letters/{kind}` (`receipt` or `decision`).
pub async fn case_letter(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath((id, kind)): PagePath<(i64, String)>,
) -> Result<Response, PageError> {
    let letter = case_letter_of(&web, &who, id, &kind).await?;
    Ok(pdf(&web, &letter, &format!("case-{id}-{kind}"))?)
}

/// The letter's data, from the case, its household and the rules' summary.
pub async fn case_letter_of(
    web: &Web,
    who: &Signed,
    id: i64,
    kind: &str,
) -> Result<Letter, WebError> {
    let clock = web.clock();
    let scope = who.account.scope();
    let (record, events, _) = web.store.cases().case_within(id, &scope).await?;
    let file = web
        .store
        .household_file_within(&record.household, &scope)
        .await?;
    let members = file.as_of(clock.today, clock.now);
    let Some((head, _)) = members.first() else {
        return Err(WebError::NotFound(format!(
            "户 {} 在 {} 的成员",
            file.code,
            Month::containing(clock.today)
        )));
    };
    let program = web.policy.program_label(&record.case.program).to_string();
    let offices = offices(web, &record.case.area).await?;
    let year = clock.today.year();
    let letter = match kind {
        "receipt" => {
            let calendar = web.store.work_calendar().await?;
            let detail = crate::assistance::view::CaseDetail::of(
                &record,
                &events,
                &[],
                Vec::new(),
                &web.policy,
                &calendar,
                clock.today,
            );
            Letter::Receipt(Receipt {
                heading: Heading {
                    title: "受理回执及一次性告知书".into(),
                    number: format!("〔{year}〕受理第 {id} 号"),
                    issuer: offices.street,
                    date: written(record.case.accepted_on),
                },
                applicant: head.name.clone(),
                id_number: head.id_number.masked(),
                household: file.code.clone(),
                case: id.to_string(),
                program,
                accepted_on: written(record.case.accepted_on),
                materials: notices::MATERIALS.iter().map(|m| m.to_string()).collect(),
                materials_basis: notices::MATERIALS_BASIS.into(),
                steps: detail
                    .progress
                    .iter()
                    .filter(|p| p.state != "skipped")
                    .map(|p| ReceiptStep {
                        step: p.step.into(),
                        by: notices::office(p.step).into(),
                        due: p.due.or(p.on).map(written).unwrap_or_else(|| "—".into()),
                    })
                    .collect(),
                final_due: record
                    .final_due_on
                    .map(written)
                    .unwrap_or_else(|| "—".into()),
                deadline_basis: procedure_basis(
                    web,
                    &record.case.program,
                    "total",
                    record.case.accepted_on,
                ),
                next: crate::assistance::view::next_step(record.case.stage).into(),
            })
        }
        "decision" => {
            let Some(decided) = events.iter().rev().find(|e| e.action == "decide") else {
                return Err(WebError::Conflict {
                    field: "stage".into(),
                    reason: format!("案件 {id} 尚未作出审批决定"),
                });
            };
            let approved = decided.to == Stage::Approved.as_str();
            let first = Month::containing(decided.on_day).next();
            // The rules' reading of the first month paid: the conditions with their figures.
            let mut explained = minsheng_policy::explain::household(
                &web.policy,
                first,
                &file.as_of(first.first_day(), clock.now),
            );
            let summary = web
                .policy
                .program(&record.case.program)
                .map(|p| explained.summaries_of(p.amount))
                .unwrap_or_default();
            let amount = summary
                .iter()
                .filter_map(|s| s.amount)
                .map(|a| a.0)
                .sum::<i64>();
            let mut reasons: Vec<String> = summary
                .iter()
                .flat_map(|s| s.reasons.iter().chain(s.arithmetic.iter()).cloned())
                .collect();
            reasons.push(format!("审批意见：{}", decided.reason));
            let basis: Vec<String> = summary.iter().flat_map(|s| s.basis.iter().cloned()).fold(
                Vec::new(),
                |mut all, b| {
                    if !all.contains(&b) {
                        all.push(b);
                    }
                    all
                },
            );
            Letter::Decision(Decision {
                heading: Heading {
                    title: if approved {
                        format!("{program}审批决定书")
                    } else {
                        format!("不予批准{program}决定书")
                    },
                    number: format!("〔{year}〕决定第 {id} 号"),
                    issuer: offices.bureau,
                    date: written(decided.on_day),
                },
                applicant: head.name.clone(),
                id_number: head.id_number.masked(),
                household: file.code.clone(),
                case: id.to_string(),
                program,
                accepted_on: written(record.case.accepted_on),
                approved,
                from_month: written_month(first),
                amount: minsheng_core::Fen(amount).grouped(),
                reasons,
                basis,
                review_body: offices.government,
            })
        }
        other => {
            return Err(WebError::NotFound(format!("通知书「{other}」")));
        }
    };
    web.audit
        .record(read_entry(
            who,
            "print_letter",
            &file.code,
            format!("case={id} letter={kind} via=web"),
            clock,
        ))
        .await?;
    Ok(letter)
}

/// `GET /enrolments/{id}/letter`: the notice of the latest decision on a running benefit —
/// its suspension, its gradual exit or its end.
pub async fn enrolment_letter(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    let letter = enrolment_letter_of(&web, &who, id).await?;
    Ok(pdf(&web, &letter, &format!("enrolment-{id}"))?)
}

pub async fn enrolment_letter_of(web: &Web, who: &Signed, id: i64) -> Result<Letter, WebError> {
    let clock = web.clock();
    let scope = who.account.scope();
    let (enrolment, area, pauses, end_reason) =
        web.store.payments().enrolment_decisions(id).await?;
    // Within the reader's scope, or not found, as any record outside it.
    let file = web
        .store
        .household_file_within(&enrolment.household, &scope)
        .await?;
    let members = file.as_of(clock.today, clock.now);
    let Some((head, _)) = members.first() else {
        return Err(WebError::NotFound(format!("享受记录 {id}")));
    };
    let area =
        minsheng_core::AreaCode::parse(&area).map_err(|e| WebError::Internal(e.to_string()))?;
    let program = web.policy.program_label(&enrolment.program).to_string();
    let open_pause = pauses
        .iter()
        .rev()
        .find(|(_, resumed, _)| resumed.is_none());
    let (title, decision, reason, amount, until) =
        match (enrolment.last_month, enrolment.taper, open_pause) {
            (Some(last), Some((from, fen)), _) => (
                format!("{program}渐退通知书"),
                format!(
                    "自{}起渐退，{}后终止",
                    written_month(from),
                    written_month(last)
                ),
                end_reason.unwrap_or_default(),
                fen.grouped(),
                written_month(last),
            ),
            (Some(last), None, _) => (
                format!("{program}终止通知书"),
                format!("{}后终止发放", written_month(last)),
                end_reason.unwrap_or_default(),
                String::new(),
                String::new(),
            ),
            (None, _, Some((from, _, why))) => (
                format!("{program}暂停发放通知书"),
                format!("自{}起暂停发放", written_month(*from)),
                why.clone(),
                String::new(),
                String::new(),
            ),
            (None, _, None) => {
                return Err(WebError::Conflict {
                    field: "enrolment".into(),
                    reason: format!("享受记录 {id} 没有暂停、渐退或终止的决定"),
                })
            }
        };
    let offices = offices(web, &area).await?;
    web.audit
        .record(read_entry(
            who,
            "print_letter",
            &file.code,
            format!("enrolment={id} via=web"),
            clock,
        ))
        .await?;
    Ok(Letter::Change(Change {
        heading: Heading {
            title,
            number: format!("〔{}〕变更第 {id} 号", clock.today.year()),
            issuer: offices.bureau,
            date: written(clock.today),
        },
        applicant: head.name.clone(),
        id_number: head.id_number.masked(),
        household: file.code.clone(),
        program,
        since: written_month(enrolment.first_month),
        decision,
        reason,
        amount,
        until,
        review_body: offices.government,
    }))
}

/// A deadline of the program's procedure in force on `on`, as the catalog gives it: its
/// description, value and source (`procedure.<name>.<step>`); empty for a program without one.
fn procedure_basis(web: &Web, program: &str, step: &str, on: NaiveDate) -> String {
    let Some(name) = web
        .policy
        .program(program)
        .and_then(|p| p.procedure.as_ref())
    else {
        return String::new();
    };
    let leaf = web
        .policy
        .parameters
        .leaves
        .get(&format!("procedure.{name}.{step}"));
    match leaf.and_then(|p| Some((p, p.at(on)?))) {
        Some((p, dated)) => match dated.value {
            Some(value) => format!("{} {value}；{}", p.description, dated.reference),
            None => String::new(),
        },
        None => String::new(),
    }
}

#[derive(Debug, Deserialize)]
pub struct PostingParams {
    program: Option<String>,
}

/// `GET /cases/posting.pdf?program=dibao`: the cases of a program posted now within the
/// reader's area, one row each, ID numbers masked.
pub async fn posting(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<PostingParams>,
) -> Result<Response, PageError> {
    let letter = posting_of(&web, &who, params.program.as_deref().unwrap_or("dibao")).await?;
    Ok(pdf(&web, &letter, "posting")?)
}

pub async fn posting_of(web: &Web, who: &Signed, program: &str) -> Result<Letter, WebError> {
    let clock = web.clock();
    let area = match &who.account {
        minsheng_core::access::Account::Staff(s) if who.account.is_staff() => s.area.clone(),
        _ => return Err(WebError::Forbidden("公示名单由工作人员打印".into())),
    };
    let Some(p) = web.policy.program(program) else {
        return Err(WebError::invalid(
            "program",
            format!("「{program}」不是救助项目"),
        ));
    };
    let filter = CaseFilter {
        program: Some(program.to_string()),
        stage: Some(Stage::Posted),
        overdue_on: None,
    };
    let scope = who.account.scope();
    let (records, _) = web
        .store
        .cases()
        .cases_within(&scope, true, &filter, POSTING_LIMIT, 0)
        .await?;
    let mut rows = Vec::with_capacity(records.len());
    let (mut from, mut until): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    for record in &records {
        let file = web
            .store
            .household_file_within(&record.household, &scope)
            .await?;
        let month = Month::containing(clock.today).next();
        let members = file.as_of(month.first_day(), clock.now);
        let Some((head, _)) = members.first() else {
            continue;
        };
        let mut explained = minsheng_policy::explain::household(&web.policy, month, &members);
        let amount: i64 = explained
            .summaries_of(p.amount)
            .iter()
            .filter_map(|s| s.amount)
            .map(|a| a.0)
            .sum();
        from = from
            .min(Some(record.case.stage_since))
            .or(Some(record.case.stage_since));
        until = until.max(record.due_on);
        rows.push(PostingRow {
            applicant: head.name.clone(),
            id_number: head.id_number.masked(),
            members: u32::try_from(members.len()).unwrap_or(u32::MAX),
            amount: minsheng_core::Fen(amount).grouped(),
        });
    }
    let offices = offices(web, &area).await?;
    web.audit
        .record(read_entry(
            who,
            "print_letter",
            area.as_str(),
            format!(
                "posting program={program} households={} via=web",
                rows.len()
            ),
            clock,
        ))
        .await?;
    Ok(Letter::Posting(Posting {
        heading: Heading {
            title: format!("{}审核结果公示", p.label),
            number: format!("〔{}〕公示", clock.today.year()),
            issuer: offices.street,
            date: written(clock.today),
        },
        program: p.label.clone(),
        from: from.map(written).unwrap_or_else(|| "—".into()),
        until: until.map(written).unwrap_or_else(|| "—".into()),
        posting_basis: procedure_basis(web, program, "posting_days", clock.today),
        rows,
    }))
}
