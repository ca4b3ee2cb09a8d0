//! Residents' own requests for help (居民自助申请): a resident asks on the web for their
//! household; the community's caseworker accepts the request (受理) as a one-thing
//! application or declines it with a reason the resident reads. Each is one transaction with
//! its audit entry.

use minsheng_core::access::Role;
use minsheng_core::access::Scope;
use minsheng_core::IdNumber;
use minsheng_policy::{Grant, Policy};
use minsheng_store::{NewAuditEntry, Store};

use crate::cases::{
    acting, conflict, invalid, submit_accepting, ApplicationForm, CaseError, Submitted,
};
use minsheng_app::Clock;

use crate::storage::{RequestRecord, RequestsStore as _};

/// The longest note a resident may add, in characters.
pub const NOTE_LIMIT: usize = 2000;

/// A resident asks for `programs` (codes of programs granted on application; the others come
/// without asking, 免申即享) for their own household, within `scope`; `actor` is the name
/// their account is audited under.
#[allow(clippy::too_many_arguments)]
pub async fn ask(
    store: &Store,
    policy: &Policy,
    resident: &IdNumber,
    actor: &str,
    scope: &Scope,
    programs: &[String],
    note: &str,
    clock: Clock,
) -> Result<RequestRecord, CaseError> {
    if programs.is_empty() {
        return Err(invalid("programs", "至少选择一个救助项目"));
    }
    if let Some(unknown) = programs.iter().find(|code| {
        !policy
            .program(code)
            .is_some_and(|p| p.grant == Grant::Application)
    }) {
        return Err(invalid(
            "programs",
            format!("「{unknown}」不是依申请给予的救助项目"),
        ));
    }
    let note = note.trim();
    if note.chars().count() > NOTE_LIMIT {
        return Err(invalid("note", "不超过 2,000 字"));
    }
    // Refused now rather than when the caseworker accepts it: a program already under way.
    let household = store
        .household_file_within(resident.as_str(), scope)
        .await?
        .code;
    let asked: Vec<&str> = programs.iter().map(String::as_str).collect();
    crate::cases::under_way(store, policy, &household, &asked).await?;
    let id = store
        .requests()
        .add_request(
            resident.as_str(),
            scope,
            programs,
            resident.as_str(),
            note,
            clock.now,
            |id, household| NewAuditEntry {
                actor: actor.into(),
                action: "request_help".into(),
                subject: household.into(),
                detail: format!("request={id} programs={}", programs.join(",")),
                at: clock.now,
            },
        )
        .await?;
    Ok(store.requests().request_within(id, scope).await?)
}

/// 受理: the waiting request `id` becomes a one-thing application by the resident as applicant,
/// and is marked accepted in the same transaction (so accepting twice makes one application).
pub async fn accept(
    store: &Store,
    policy: &Policy,
    id: i64,
    scope: &Scope,
    actor: &str,
    clock: Clock,
) -> Result<Submitted, CaseError> {
    let request = store.requests().request_within(id, scope).await?;
    if request.status != "waiting" {
        return Err(conflict(
            "request",
            format!("求助 {id} 已经{}", request.status),
        ));
    }
    let form = ApplicationForm {
        household: request.household.clone(),
        programs: request.programs.clone(),
        applicant: request.requested_by.clone(),
        proxy: format!("居民网上申请 (request {id})"),
        changes: Vec::new(),
        facts_from: clock.today,
    };
    submit_accepting(store, policy, &form, Some(id), actor, clock).await
}

/// 不予受理: declines the waiting request `id` with `reason`, which the resident will read.
/// Community and street staff answer requests.
pub async fn decline(
    store: &Store,
    policy: &Policy,
    id: i64,
    scope: &Scope,
    reason: &str,
    actor: &str,
    clock: Clock,
) -> Result<RequestRecord, CaseError> {
    let staff = acting(store, actor).await?;
    if !matches!(staff.role, Role::Community | Role::Street) {
        return Err(invalid("actor", "求助由社区和街道工作人员答复"));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("reason", "请写明理由，告知居民"));
    }
    let request = store.requests().request_within(id, scope).await?;
    let audit = NewAuditEntry {
        actor: actor.into(),
        action: "decline_request".into(),
        subject: request.household.clone(),
        detail: format!("request={id} reason={reason}"),
        at: clock.now,
    };
    // The resident who asked is told, with the reason.
    let programs: Vec<&str> = request
        .programs
        .iter()
        .map(|p| policy.program_label(p))
        .collect();
    let notices: Vec<_> = minsheng_core::IdNumber::parse(&request.requested_by)
        .ok()
        .map(|to| {
            crate::domain::notices::request_declined(
                id,
                to,
                &request.household,
                &programs.join("、"),
                reason,
            )
        })
        .into_iter()
        .collect();
    store
        .requests()
        .decline_request(id, reason, actor, clock.now, &audit, &notices)
        .await?;
    Ok(store.requests().request_within(id, scope).await?)
}
