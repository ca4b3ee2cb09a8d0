//! The pages of payments: server-rendered HTML, every form with the session's CSRF token.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use crate::error::{PageError, WebError};
use crate::extract::{PagePath, PageQuery};
use crate::Web;
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::Frame;
use crate::pages::MonthParams;
use crate::payments::view::CycleView;
use crate::session::{OnPage, Signed};

#[derive(Template)]
#[template(path = "payments.html")]
struct PaymentsPage {
    frame: Option<Frame>,
    csrf: String,
    cycle: CycleView,
    /// The signed-in account computed the month, so another approves it.
    computed_it: bool,
    can_run: bool,
    can_approve: bool,
    message: Option<String>,
}

async fn payments_page(
    web: &Web,
    who: &Signed,
    month: minsheng_core::Month,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    use minsheng_core::access::Duty;
    let cycle = crate::payments::queries::cycle(web, who, month).await?;
    let computed_it = cycle.computed_by.as_deref() == Some(who.account.name());
    let page = PaymentsPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        cycle,
        computed_it,
        can_run: who.account.may(Duty::RunPayments),
        // Not by who computed it (审核与审批分离): the form would only be refused.
        can_approve: who.account.may(Duty::ApprovePayments) && !computed_it,
        message,
    };
    Ok(Html(page.render()?))
}

pub async fn payments(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<MonthParams>,
) -> Result<Html<String>, PageError> {
    let month = crate::queries::parse_month(params.month.as_deref(), web.clock())?;
    payments_page(&web, &who, month, None).await
}

#[derive(Debug, Deserialize)]
pub struct CycleForm {
    month: String,
    csrf: String,
}

/// compute, approve, disburse: each a form on the payments page.
pub async fn cycle_step(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(step): PagePath<String>,
    Form(form): Form<CycleForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let clock = web.clock();
    let month = crate::queries::parse_month(Some(&form.month), clock)?;
    match crate::payments::queries::run_cycle(&web, &who, month, &step, clock).await {
        Ok(_) => Ok(Redirect::to(&format!("/payments?month={month}")).into_response()),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let status = e.status();
            Ok((
                status,
                payments_page(&web, &who, month, Some(e.message(crate::i18n::current()))).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn bank_file(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath((month, batch)): PagePath<(String, String)>,
) -> Result<Response, PageError> {
    let clock = web.clock();
    let month = crate::queries::parse_month(Some(&month), clock)?;
    let batch: u32 = batch
        .strip_suffix(".csv")
        .and_then(|b| b.parse().ok())
        .ok_or_else(|| WebError::invalid("batch", "不是批次号"))?;
    let bytes = crate::payments::queries::bank_file(&web, &who, month, batch, clock).await?;
    let name = format!("attachment; filename=\"minsheng-pay-{month}-batch{batch}.csv\"");
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

/// The bank's return file, uploaded from the payments page.
pub async fn reconcile(
    State(web): State<Web>,
    OnPage(who): OnPage,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let (mut csrf, mut month, mut file) = (String::new(), None, Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::invalid("file", e.body_text()))?
    {
        match field.name() {
            Some("csrf") => {
                csrf = field
                    .text()
                    .await
                    .map_err(|e| WebError::invalid("csrf", e.body_text()))?
            }
            Some("month") => {
                month = Some(
                    field
                        .text()
                        .await
                        .map_err(|e| WebError::invalid("month", e.body_text()))?,
                )
            }
            Some("file") => {
                file = field
                    .bytes()
                    .await
                    .map_err(|e| WebError::invalid("file", e.body_text()))?
                    .to_vec()
            }
            _ => {}
        }
    }
    who.check_csrf(&csrf)?;
    let clock = web.clock();
    let month = crate::queries::parse_month(month.as_deref(), clock)?;
    let message = match crate::payments::queries::reconcile(&web, &who, &file, clock).await {
        Ok(r) => crate::i18n::current().message(&format!(
            "回盘已导入：确认 {}，退回 {}（将在下一批次重新发送），此前已记录 {}。",
            r.confirmed, r.returned, r.already_recorded
        )),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            crate::i18n::current().message(&format!("回盘文件未导入：{e}"))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(payments_page(&web, &who, month, Some(message))
        .await?
        .into_response())
}
