//! Home care beds and refits on the web: the applications of one's area (or, for a provider,
//! those assigned to it), a new one filed, and one application with its steps and the forms
//! for the steps the signed-in account may take. Reading an application is audited.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;

use minsheng_app::Clock;
use minsheng_core::access::{Account, Role};
use minsheng_eldercare::applications::{
    self, ApplicationError, ApplicationForm, ApplicationRecord, ApplicationsStore as _, Step,
};

use crate::error::{PageError, WebError};
use crate::extract::{PagePath, PageQuery};
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::Frame;
use crate::registry::queries::read_entry;
use crate::session::{OnPage, Signed};
use crate::Web;

/// An application in a list.
#[derive(Debug, Serialize)]
pub struct ApplicationRow {
    pub id: i64,
    pub program: String,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub household: String,
    pub area: String,
    pub stage: &'static str,
    pub due: Option<String>,
    pub overdue: bool,
    /// Counted Monday to Friday: a year whose holidays are not loaded.
    pub provisional: bool,
}

impl ApplicationRow {
    fn of(web: &Web, a: &ApplicationRecord, clock: Clock) -> ApplicationRow {
        ApplicationRow {
            id: a.id,
            program: web.policy.program_label(&a.program).to_string(),
            name: a.name.clone(),
            id_number: a.id_number.masked(),
            household: a.household.clone(),
            area: a.area.to_string(),
            stage: a.stage.label(),
            due: a.due.map(|d| d.on.to_string()),
            overdue: a.due.is_some_and(|d| d.on < clock.today),
            provisional: a.due.is_some_and(|d| d.provisional.is_some()),
        }
    }
}

/// A step taken, as the page shows it.
#[derive(Debug, Serialize)]
pub struct StepView {
    pub taken_on: String,
    pub step: &'static str,
    pub stage: &'static str,
    pub by: String,
    pub reason: String,
    pub detail: String,
}

pub(crate) fn step_label(step: &str) -> &'static str {
    match step {
        "apply" => "申请",
        "assess" => "上门评估",
        "assign" => "确定服务机构",
        "start" => "开始服务",
        "accept" => "验收",
        "withdraw" => "撤回",
        _ => "其他",
    }
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ListPage {
    frame: Option<Frame>,
    csrf: String,
    rows: Vec<ApplicationRow>,
    /// All the applications on every page, and the open ones among them.
    total: u64,
    open: u64,
    page: u32,
    /// Whether a next page has any.
    more: bool,
    /// The services one may apply for (code, label), for staff who file.
    services: Vec<(String, String)>,
    may_file: bool,
    sent: HashMap<String, String>,
    message: Option<String>,
}

impl ListPage {
    fn sent(&self, name: &str) -> &str {
        self.sent.get(name).map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "application.html")]
struct OnePage {
    frame: Option<Frame>,
    csrf: String,
    row: ApplicationRow,
    applied_on: String,
    provider: Option<String>,
    enrolment: Option<i64>,
    steps: Vec<StepView>,
    /// The rules' explanation of the finding at filing.
    explanation: Vec<String>,
    offered: Vec<&'static str>,
    providers: Vec<String>,
    today: String,
    message: Option<String>,
}

impl OnePage {
    fn offers(&self, step: &str) -> bool {
        self.offered.contains(&step)
    }
}

fn application_error(e: ApplicationError) -> WebError {
    match e {
        ApplicationError::Invalid(e) => WebError::invalid(&e.field, e.reason),
        ApplicationError::Store(e) => e.into(),
    }
}

/// The name a provider is known by, for the applications assigned to it.
fn provider_name(who: &Signed) -> Option<&str> {
    who.account.service_area().map(|_| who.account.name())
}

/// Applications are for staff and providers: a resident has none to see.
fn not_for_residents(who: &Signed) -> Result<(), WebError> {
    if matches!(who.account, Account::Resident { .. }) {
        return Err(WebError::Forbidden("服务申请由工作人员办理".into()));
    }
    Ok(())
}

/// The applications the account's list holds: its area's, or a provider's assigned ones; a
/// resident has none.
async fn listed(web: &Web, who: &Signed) -> Result<Vec<ApplicationRecord>, WebError> {
    not_for_residents(who)?;
    Ok(web
        .store
        .applications()
        .list(&who.account.scope(), provider_name(who))
        .await?)
}

async fn list_page(
    web: &Web,
    who: &Signed,
    page: u32,
    sent: HashMap<String, String>,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    not_for_residents(who)?;
    let clock = web.clock();
    let per_page = crate::queries::PER_PAGE;
    let (records, total, open) = web
        .store
        .applications()
        .list_page(
            &who.account.scope(),
            provider_name(who),
            per_page,
            (page - 1).saturating_mul(per_page),
        )
        .await
        .map_err(WebError::from)?;
    let rows: Vec<ApplicationRow> = records
        .iter()
        .map(|a| ApplicationRow::of(web, a, clock))
        .collect();
    let page = ListPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        open,
        total,
        page,
        more: u64::from(page) * u64::from(per_page) < total,
        rows,
        services: web
            .policy
            .programs
            .iter()
            .filter(|p| p.grant == minsheng_policy::Grant::Service)
            .map(|p| (p.code.clone(), p.label.clone()))
            .collect(),
        may_file: matches!(who.account.role(), Some(Role::Community | Role::Street)),
        sent,
        message,
    };
    Ok(Html(page.render()?))
}

/// The export of applications: its columns, and its sheet's name.
pub const EXPORT_HEADERS: [&str; 9] = [
    "申请",
    "服务项目",
    "姓名",
    "身份证号",
    "家庭",
    "区域",
    "环节",
    "本环节期限",
    "家庭养老床位和适老化改造",
];

/// The list as an Excel workbook, ID numbers masked as on the page, the export audited.
pub async fn list_xlsx(
    State(web): State<Web>,
    OnPage(who): OnPage,
) -> Result<axum::response::Response, PageError> {
    let clock = web.clock();
    let records = listed(&web, &who).await?;
    let t = |text: &str| crate::i18n::current().translate(text).into_owned();
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|a| {
            let r = ApplicationRow::of(&web, a, clock);
            vec![
                r.id.to_string(),
                t(&r.program),
                r.name,
                r.id_number,
                r.household,
                r.area,
                t(r.stage),
                r.due.unwrap_or_default(),
            ]
        })
        .collect();
    let headers = EXPORT_HEADERS.map(t);
    Ok(crate::pages::xlsx_download(
        &web,
        &who,
        "applications",
        &headers,
        &rows,
        "export_applications",
        String::new(),
    )
    .await?)
}

/// The applications of the signed-in staff member's area, or a provider's assigned ones.
pub async fn list(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<ListParams>,
) -> Result<Html<String>, PageError> {
    let (page, _) = crate::queries::parse_page(params.page.as_deref(), None)?;
    list_page(&web, &who, page, HashMap::new(), None).await
}

#[derive(Debug, serde::Deserialize)]
pub struct ListParams {
    page: Option<String>,
}

/// A new application filed (by ID number, or by household and member from the entitlements
/// page) and shown, or the list again with what is wrong.
pub async fn file(
    State(web): State<Web>,
    OnPage(who): OnPage,
    axum_extra::extract::Form(sent): axum_extra::extract::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let clock = web.clock();
    let get = |name: &str| sent.get(name).map_or("", String::as_str).trim();
    let filed = async {
        let id_number = match (get("household"), get("member")) {
            ("", _) => get("id_number").to_string(),
            (household, member) => {
                let member: usize = member
                    .parse()
                    .map_err(|_| WebError::invalid("member", "不是家庭成员的序号"))?;
                let file = web
                    .store
                    .household_file_within(household, &who.account.scope())
                    .await?;
                let day = minsheng_core::Month::containing(clock.today).first_day();
                let members = file.as_of(day, clock.now);
                let (person, _) = members
                    .get(member)
                    .ok_or_else(|| WebError::NotFound(format!("户 {household} 的成员 {member}")))?;
                person.id_number.as_str().to_string()
            }
        };
        let form = ApplicationForm {
            program: get("program"),
            id_number: &id_number,
            applied_on: clock.today,
            request: get("request"),
        };
        applications::apply(&web.store, &web.policy, &who.account, &form, clock)
            .await
            .map_err(application_error)
    }
    .await;
    match filed {
        Ok(filed) => {
            Ok(Redirect::to(&format!("/eldercare/applications/{}", filed.id)).into_response())
        }
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let page = list_page(
                &web,
                &who,
                1,
                sent.clone(),
                Some(e.message(crate::i18n::current())),
            )
            .await?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn one_page(
    web: &Web,
    who: &Signed,
    id: i64,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    not_for_residents(who)?;
    let clock = web.clock();
    let store = web.store.applications();
    let (record, steps) = store
        .get(id, &who.account.scope(), provider_name(who))
        .await?;
    web.audit
        .record(read_entry(
            who,
            "read_service_application",
            &format!("service:{id}"),
            "via=web".into(),
            clock,
        ))
        .await?;
    let offered = match who.account.role() {
        Some(role) => Step::offered(record.stage, role),
        None => Vec::new(),
    };
    let providers = if offered.contains(&"assign") {
        store.providers_serving(&record.area).await?
    } else {
        Vec::new()
    };
    // The rules' explanation names the household's members and their means: for staff, not
    // for the provider doing the work.
    let staff = who.account.is_staff();
    let mut explanation = Vec::new();
    let steps = steps
        .iter()
        .map(|s| {
            let mut lines = s.detail.lines();
            let first = lines.next().unwrap_or_default().to_string();
            if s.step == "apply" && staff {
                explanation = lines.map(str::to_string).collect();
            }
            StepView {
                taken_on: s.taken_on.to_string(),
                step: step_label(&s.step),
                stage: s.stage.label(),
                by: s.recorded_by.clone(),
                reason: s.reason.clone(),
                detail: first,
            }
        })
        .collect();
    let page = OnePage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        row: ApplicationRow::of(web, &record, clock),
        applied_on: record.applied_on.to_string(),
        provider: record.provider.clone(),
        enrolment: record.enrolment_id,
        steps,
        explanation,
        offered,
        providers,
        today: clock.today.to_string(),
        message,
    };
    Ok(Html(page.render()?))
}

/// One application with its steps and the forms for the steps the account may take.
pub async fn one(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    one_page(&web, &who, id, None).await
}

/// A step taken and the application shown again, with what is wrong if it was refused.
pub async fn step(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
    axum_extra::extract::Form(sent): axum_extra::extract::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let clock = web.clock();
    let get = |name: &str| sent.get(name).cloned().unwrap_or_default();
    let step = match get("step").as_str() {
        "assess" => Ok(Step::Assess {
            assessors: get("assessors")
                .split(['、', ',', '，', ' '])
                .map(str::to_string)
                .collect(),
            report: get("report"),
        }),
        "assign" => Ok(Step::Assign {
            provider: get("provider"),
        }),
        "start" => match get("on").trim() {
            "" => Ok(clock.today),
            on => on.parse().map_err(|_| {
                WebError::invalid("on", format!("「{on}」不是日期（应为 YYYY-MM-DD）"))
            }),
        }
        .map(|on| Step::Start {
            on,
            note: get("note"),
        }),
        "accept" => Ok(Step::Accept {
            report: get("report"),
        }),
        "withdraw" => Ok(Step::Withdraw {
            reason: get("reason"),
        }),
        other => Err(WebError::invalid(
            "step",
            format!("「{other}」不是办理环节"),
        )),
    };
    let taken = match step {
        Ok(step) => {
            applications::take_step(&web.store, &web.policy, &who.account, id, &step, clock)
                .await
                .map_err(application_error)
        }
        Err(e) => Err(e),
    };
    match taken {
        Ok(_) => Ok(Redirect::to(&format!("/eldercare/applications/{id}")).into_response()),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let page = one_page(&web, &who, id, Some(e.message(crate::i18n::current()))).await?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
