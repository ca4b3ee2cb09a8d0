//! The pages of elderly care: server-rendered HTML, every form with the session's CSRF token.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::eldercare::view::{
    AssessFormView, AssessmentReportView, DrawView, EntitlementsView, InspectFormView, RosterPage,
    ServicesView, SupervisionView,
};
use crate::error::{PageError, WebError};
use crate::extract::{PagePath, PageQuery};
use crate::Web;
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::Frame;
use crate::session::{OnPage, Signed};

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterView {
    frame: Option<Frame>,
    roster: RosterPage,
}

#[derive(Debug, Deserialize)]
pub struct RosterParams {
    month: Option<String>,
    page: Option<String>,
}

/// A service provider's roster of older residents.
pub async fn roster(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<RosterParams>,
) -> Result<Html<String>, PageError> {
    let clock = web.clock();
    let month = crate::queries::parse_month(params.month.as_deref(), clock)?;
    let (page, per_page) = crate::queries::parse_page(params.page.as_deref(), None)?;
    let roster =
        crate::eldercare::queries::roster(&web, &who, month, page, per_page, clock).await?;
    let page = RosterView {
        frame: Frame::of(&who),
        roster,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "assess.html")]
struct AssessPage {
    frame: Option<Frame>,
    csrf: String,
    form: AssessFormView,
    message: Option<String>,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct ReportPage {
    frame: Option<Frame>,
    report: AssessmentReportView,
}

#[derive(Debug, Deserialize)]
pub struct AssessParams {
    household: String,
    member: usize,
    /// The day of the household file the member was picked from; default today.
    on: Option<chrono::NaiveDate>,
}

/// The assessor's form, blank or as `sent` with what was wrong with it.
async fn form_page(
    web: &Web,
    who: &Signed,
    params: &AssessParams,
    sent: Option<&HashMap<String, String>>,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    let clock = web.clock();
    let on = params.on.unwrap_or(clock.today);
    let form = crate::eldercare::queries::assess_form(
        web,
        who,
        &params.household,
        params.member,
        on,
        sent,
        clock,
    )
    .await?;
    let page = AssessPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        form,
        message,
    };
    Ok(Html(page.render()?))
}

/// The assessor's form for one older member of a household.
pub async fn assess_form(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<AssessParams>,
) -> Result<Html<String>, PageError> {
    form_page(&web, &who, &params, None, None).await
}

/// The form handed in: recorded and its report shown, or the form again with what is wrong.
pub async fn assess(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<AssessParams>,
    axum_extra::extract::Form(sent): axum_extra::extract::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let clock = web.clock();
    let on = params.on.unwrap_or(clock.today);
    let (household, member) = (&params.household, params.member);
    match crate::eldercare::queries::assess(&web, &who, household, member, on, &sent, clock).await {
        Ok(id) => Ok(Redirect::to(&format!("/eldercare/assessments/{id}")).into_response()),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let page = form_page(
                &web,
                &who,
                &params,
                Some(&sent),
                Some(e.message(crate::i18n::current())),
            )
            .await?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// An assessment's report, to print and sign.
pub async fn report(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let report = crate::eldercare::queries::report(&web, &who, id, web.clock()).await?;
    let page = ReportPage {
        frame: Frame::of(&who),
        report,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "entitlements.html")]
struct EntitlementsPage {
    frame: Option<Frame>,
    view: EntitlementsView,
}

#[derive(Debug, Deserialize)]
pub struct EntitlementsParams {
    household: String,
    member: usize,
    month: Option<String>,
}

/// What the basic elderly service list grants one older person in a month, to read or print.
pub async fn entitlements(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<EntitlementsParams>,
) -> Result<Html<String>, PageError> {
    let clock = web.clock();
    let month = crate::queries::parse_month(params.month.as_deref(), clock)?;
    let view = crate::eldercare::queries::entitlements(
        &web,
        &who,
        &params.household,
        params.member,
        month,
        clock,
    )
    .await?;
    let page = EntitlementsPage {
        frame: Frame::of(&who),
        view,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    frame: Option<Frame>,
    view: ServicesView,
}

#[derive(Debug, Deserialize)]
pub struct ServicesParams {
    on: Option<chrono::NaiveDate>,
    month: Option<String>,
}

/// The basic elderly service list and its published counts: public, no sign-in.
pub async fn services(
    State(web): State<Web>,
    PageQuery(params): PageQuery<ServicesParams>,
) -> Result<Html<String>, PageError> {
    let clock = web.clock();
    let month = match params.month.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => Some(crate::queries::parse_month(Some(m), clock)?),
        None => None,
    };
    let view =
        crate::eldercare::queries::services(&web, params.on.unwrap_or(clock.today), month).await?;
    let page = ServicesPage { frame: None, view };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionPage {
    frame: Option<Frame>,
    view: SupervisionView,
}

/// Care institutions and their random inspections: public, no sign-in.
pub async fn supervision(State(web): State<Web>) -> Result<Html<String>, PageError> {
    let view = crate::eldercare::queries::supervision(&web).await?;
    let page = SupervisionPage { frame: None, view };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "draw.html")]
struct DrawPage {
    frame: Option<Frame>,
    view: DrawView,
}

/// One draw in full, to draw again and compare: public, no sign-in.
pub async fn draw(
    State(web): State<Web>,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let view = crate::eldercare::queries::draw(&web, id, web.clock()).await?;
    let page = DrawPage { frame: None, view };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "draw_form.html")]
struct DrawFormPage {
    frame: Option<Frame>,
    csrf: String,
    plan: String,
    area: String,
    seed: String,
    reason: String,
    message: Option<String>,
}

/// The form for a supervision draw, blank (the staff member's own area) or as sent.
fn draw_form_page(
    who: &Signed,
    sent: Option<&HashMap<String, String>>,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    let field = |name: &str| sent.and_then(|s| s.get(name)).cloned().unwrap_or_default();
    let area = match sent {
        Some(_) => field("area"),
        None => match &who.account {
            minsheng_core::access::Account::Staff(s) => s.area.to_string(),
            _ => String::new(),
        },
    };
    let page = DrawFormPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        plan: field("plan"),
        area,
        seed: field("seed"),
        reason: field("reason"),
        message,
    };
    Ok(Html(page.render()?))
}

/// A staff member's form for a supervision draw.
pub async fn draw_form(OnPage(who): OnPage) -> Result<Html<String>, PageError> {
    if !who.account.is_staff() {
        return Err(WebError::Forbidden("监督抽查由工作人员抽取".into()).into());
    }
    draw_form_page(&who, None, None)
}

/// The draw made and its public page shown, or the form again with what is wrong.
pub async fn make_draw(
    State(web): State<Web>,
    OnPage(who): OnPage,
    axum_extra::extract::Form(sent): axum_extra::extract::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let get = |name: &str| sent.get(name).map_or("", String::as_str);
    let made = crate::eldercare::queries::make_draw(
        &web,
        &who,
        get("plan"),
        get("area"),
        get("seed"),
        get("reason"),
        web.clock(),
    )
    .await;
    match made {
        Ok(id) => Ok(Redirect::to(&format!("/supervision/{id}")).into_response()),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let page = draw_form_page(&who, Some(&sent), Some(e.message(crate::i18n::current())))?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "inspect_form.html")]
struct InspectPage {
    frame: Option<Frame>,
    csrf: String,
    form: InspectFormView,
    today: String,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct InspectParams {
    institution: String,
}

async fn inspect_page(
    web: &Web,
    who: &Signed,
    draw: i64,
    institution: &str,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    let form = crate::eldercare::queries::inspect_form(web, who, draw, institution).await?;
    let page = InspectPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        form,
        today: web.clock().today.to_string(),
        message,
    };
    Ok(Html(page.render()?))
}

/// The checklist form of a drawn institution, for one of its drawn inspectors.
pub async fn inspect_form(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(draw): PagePath<i64>,
    PageQuery(params): PageQuery<InspectParams>,
) -> Result<Html<String>, PageError> {
    inspect_page(&web, &who, draw, &params.institution, None).await
}

/// The inspection recorded and the draw's page shown, or the form again with what is wrong.
pub async fn inspect(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(draw): PagePath<i64>,
    PageQuery(params): PageQuery<InspectParams>,
    axum_extra::extract::Form(sent): axum_extra::extract::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let done = crate::eldercare::queries::inspect(
        &web,
        &who,
        draw,
        &params.institution,
        &sent,
        web.clock(),
    )
    .await;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/supervision/{draw}")).into_response()),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let page = inspect_page(
                &web,
                &who,
                draw,
                &params.institution,
                Some(e.message(crate::i18n::current())),
            )
            .await?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "rectify_form.html")]
struct RectifyPage {
    frame: Option<Frame>,
    csrf: String,
    draw: i64,
    institution: String,
    item: String,
}

#[derive(Debug, Deserialize)]
pub struct RectifyParams {
    institution: String,
    item: String,
}

/// The form to accept a failed item as rectified (staff over the institution).
pub async fn rectify_form(
    OnPage(who): OnPage,
    PagePath(draw): PagePath<i64>,
    PageQuery(params): PageQuery<RectifyParams>,
) -> Result<Html<String>, PageError> {
    if !who.account.is_staff() {
        return Err(WebError::Forbidden("整改由工作人员验收".into()).into());
    }
    let page = RectifyPage {
        frame: Frame::of(&who),
        csrf: who.csrf().to_string(),
        draw,
        institution: params.institution,
        item: params.item,
    };
    Ok(Html(page.render()?))
}

/// The rectification accepted and the draw's page shown.
pub async fn rectify(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(draw): PagePath<i64>,
    PageQuery(params): PageQuery<RectifyParams>,
    axum_extra::extract::Form(sent): axum_extra::extract::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let note = sent.get("note").map_or("", String::as_str);
    crate::eldercare::queries::rectified(
        &web,
        &who,
        draw,
        &params.institution,
        &params.item,
        note,
        web.clock(),
    )
    .await?;
    Ok(Redirect::to(&format!("/supervision/{draw}")).into_response())
}
