//! The JSON API of social assistance, documented in the OpenAPI document by the same routes.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::check_csrf;
use crate::assistance::view::{
    ApplicationInput, CaseDetail, CaseList, DeclineInput, FindingPage, RequestInput, RequestList,
    RequestView, StepInput, SubmittedView,
};
use crate::error::{ErrorBody, WebError};
use crate::extract::{Json, Path, Query};
use crate::session::Signed;
use crate::Web;

/// A case with its history, objections and the steps the account may take now.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "case number")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = CaseDetail),
        (status = 401, body = ErrorBody),
        (status = 404, description = "no such case within the account's area", body = ErrorBody),
        (status = 422, description = "a case number that is not a number", body = ErrorBody),
    ))]
pub(crate) async fn case(
    State(web): State<Web>,
    who: Signed,
    Path(id): Path<i64>,
) -> Result<JsonResponse<CaseDetail>, WebError> {
    Ok(JsonResponse(
        crate::assistance::queries::case(&web, &who, id, web.clock()).await?,
    ))
}

/// Takes a step of the MCA procedure: the procedure, the role, the area, the day and the
/// objections decide whether it is allowed.
#[utoipa::path(post, path = "/api/v1/cases/{id}/steps", tag = "cases",
    params(("id" = i64, Path, description = "case number")),
    request_body = StepInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "the case after the step", body = CaseDetail),
        (status = 401, body = ErrorBody),
        (status = 403, description = "a resident, or a session without its CSRF token", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "the step is not allowed now; `field` and `message` say why", body = ErrorBody),
        (status = 409, description = "clashes with what is recorded (a duplicate, or changed meanwhile); nothing written", body = ErrorBody),
    ))]
pub(crate) async fn step(
    State(web): State<Web>,
    who: Signed,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(input): Json<StepInput>,
) -> Result<JsonResponse<CaseDetail>, WebError> {
    check_csrf(&who, &headers, input.csrf.as_deref())?;
    Ok(JsonResponse(
        crate::assistance::queries::step(&web, &who, id, &input, web.clock()).await?,
    ))
}

/// A one-thing application (一件事): one household, several programs, one case each. The
/// answer says what the rules give the household now for each program, and why.
#[utoipa::path(post, path = "/api/v1/applications", tag = "cases",
    request_body = ApplicationInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, body = SubmittedView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "no such household within the account's area", body = ErrorBody),
        (status = 409, description = "clashes with what is recorded (a duplicate, or changed meanwhile); nothing written", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn apply(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<ApplicationInput>,
) -> Result<(StatusCode, JsonResponse<SubmittedView>), WebError> {
    check_csrf(&who, &headers, input.csrf.as_deref())?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(crate::assistance::queries::apply(&web, &who, &input, web.clock()).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// `true` (the default) lists open cases only.
    open: Option<String>,
    /// Only this program's cases (its code, e.g. `dibao`).
    program: Option<String>,
    /// Only cases at this stage (`accepted`, `surveyed`, `posted`, `approved`, `refused`,
    /// `closed`).
    stage: Option<String>,
    /// `true`: only cases whose current step is overdue.
    overdue: Option<String>,
    /// Page number, from 1.
    page: Option<String>,
    /// Cases per page (default 20, at most 100).
    per_page: Option<String>,
}

/// Cases within the account's area (a resident: their household's), overdue first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    params(CasesQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = CaseList),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn cases(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<CasesQuery>,
) -> Result<JsonResponse<CaseList>, WebError> {
    let open_only = match q.open.as_deref().map(str::trim) {
        None | Some("") | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(WebError::invalid(
                "open",
                format!("「{other}」应为 true 或 false"),
            ))
        }
    };
    let (page, per_page) = crate::queries::parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    let filter = crate::assistance::queries::case_filter(
        &web,
        q.program.as_deref(),
        q.stage.as_deref(),
        q.overdue.as_deref(),
        web.clock(),
    )?;
    Ok(JsonResponse(
        crate::assistance::queries::cases(
            &web,
            &who.account.scope(),
            open_only,
            &filter,
            page,
            per_page,
            web.clock(),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingsQuery {
    /// YYYY-MM; the current month if not given.
    month: Option<String>,
    /// From 1.
    page: Option<String>,
    /// 1 to 100; 20 if not given.
    per_page: Option<String>,
}

/// Open findings of a month (sweeps and registry events) within the account's area: eligible
/// households not yet enrolled first.
#[utoipa::path(get, path = "/api/v1/findings", tag = "discovery",
    params(FindingsQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = FindingPage),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn findings(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<FindingsQuery>,
) -> Result<JsonResponse<FindingPage>, WebError> {
    let month = crate::queries::parse_month(q.month.as_deref(), web.clock())?;
    let (page, per_page) = crate::queries::parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(JsonResponse(
        crate::assistance::queries::findings(&web, &who, month, page, per_page).await?,
    ))
}

/// Opens a case from an eligible household's finding (主动发现 → 立案).
#[utoipa::path(post, path = "/api/v1/findings/{id}/case", tag = "discovery",
    params(("id" = i64, Path, description = "finding number")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, body = SubmittedView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "the household receives the program or has a case under way", body = ErrorBody),
        (status = 422, description = "not an open eligible finding", body = ErrorBody),
    ))]
pub(crate) async fn open_case(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<(StatusCode, JsonResponse<SubmittedView>), WebError> {
    check_csrf(&who, &headers, None)?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(crate::assistance::queries::open_case(&web, &who, id, web.clock()).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// Page number, from 1.
    page: Option<String>,
    /// Requests per page (default 20, at most 100).
    per_page: Option<String>,
}

/// Residents' requests for help, a page at a time: a caseworker's waiting ones in their area,
/// or a resident's own with what became of them.
#[utoipa::path(get, path = "/api/v1/requests", tag = "cases",
    params(RequestsQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = RequestList),
        (status = 401, body = ErrorBody),
        (status = 422, description = "a bad page or page size", body = ErrorBody),
    ))]
pub(crate) async fn list_requests(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<RequestsQuery>,
) -> Result<JsonResponse<RequestList>, WebError> {
    let waiting_only = who.account.is_staff();
    let (page, per_page) = crate::queries::parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(JsonResponse(
        crate::assistance::queries::requests(&web, &who, waiting_only, page, per_page).await?,
    ))
}

/// A resident asks for help for their own household; the community accepts it as a
/// one-thing application, or declines it with a reason.
#[utoipa::path(post, path = "/api/v1/requests", tag = "cases",
    request_body = RequestInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, body = RequestView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "staff use applications", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "clashes with what is recorded (a duplicate, or changed meanwhile); nothing written", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn request_help(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<RequestInput>,
) -> Result<(StatusCode, JsonResponse<RequestView>), WebError> {
    check_csrf(&who, &headers, input.csrf.as_deref())?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(
            crate::assistance::queries::request_help(&web, &who, &input, web.clock()).await?,
        ),
    ))
}

/// 受理: a waiting request becomes a one-thing application with the resident as applicant.
#[utoipa::path(post, path = "/api/v1/requests/{id}/accept", tag = "cases",
    params(("id" = i64, Path, description = "request number")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, body = SubmittedView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "clashes with what is recorded (a duplicate, or changed meanwhile); nothing written", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn accept_request(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<(StatusCode, JsonResponse<SubmittedView>), WebError> {
    check_csrf(&who, &headers, None)?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(
            crate::assistance::queries::accept_request(&web, &who, id, web.clock()).await?,
        ),
    ))
}

/// 不予受理, with the reason the resident reads.
#[utoipa::path(post, path = "/api/v1/requests/{id}/decline", tag = "cases",
    params(("id" = i64, Path, description = "request number")),
    request_body = DeclineInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = RequestView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "clashes with what is recorded (a duplicate, or changed meanwhile); nothing written", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn decline_request(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<DeclineInput>,
) -> Result<JsonResponse<RequestView>, WebError> {
    check_csrf(&who, &headers, input.csrf.as_deref())?;
    Ok(JsonResponse(
        crate::assistance::queries::decline_request(&web, &who, id, &input.reason, web.clock())
            .await?,
    ))
}
