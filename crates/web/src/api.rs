//! The JSON API under `/api/v1`: everything is documented in the OpenAPI document the same
//! routes produce (`utoipa-axum` registers a handler and its documentation together).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ErrorBody, WebError};
use crate::extract::{Json, Path, Query};
use crate::queries;
use crate::session::Signed;
use crate::view::{
    ApplicationInput, CaseDetail, CaseList, CycleView, Dashboard, DeclineInput, ExplanationView,
    FindingPage, HouseholdView, Me, ReconcileView, RequestInput, RequestView, RosterPage,
    SearchPage, StepInput, SubmittedView, WhatIfView,
};
use crate::Web;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Minsheng API",
        description = "The registry (一人一档), cases and policy explanations of Minsheng. \
            Sign in through `/login` (session cookie) or send `Authorization: Bearer <token>` \
            (`minsheng account token LOGIN --label ...`). Every list and search contains only what \
            the account's area (or, for a resident, their household) allows; a service provider \
            sees only its roster.",
        license(name = "Apache-2.0")
    ),
    components(schemas(ErrorBody)),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;
impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::session::SESSION_COOKIE,
            ))),
        );
    }
}

pub fn router() -> OpenApiRouter<Web> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me))
        .routes(routes!(search_households))
        .routes(routes!(household))
        .routes(routes!(explain))
        .routes(routes!(cases))
        .routes(routes!(case))
        .routes(routes!(step))
        .routes(routes!(apply))
        .routes(routes!(payment_cycle))
        .routes(routes!(payment_step))
        .routes(routes!(bank_file))
        .routes(routes!(bank_returns))
        .routes(routes!(dashboard))
        .routes(routes!(findings))
        .routes(routes!(open_case))
        .routes(routes!(what_if))
        .routes(routes!(list_requests, request_help))
        .routes(routes!(accept_request))
        .routes(routes!(decline_request))
        .routes(routes!(roster))
}

/// A browser's session must send its CSRF token with every change (header `X-CSRF-Token`
/// or the body's `csrf`); a bearer token needs none.
fn check_csrf(who: &Signed, headers: &HeaderMap, body: Option<&str>) -> Result<(), WebError> {
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .or(body)
        .unwrap_or("");
    who.check_csrf(sent)
}

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
async fn case(
    State(web): State<Web>,
    who: Signed,
    Path(id): Path<i64>,
) -> Result<JsonResponse<CaseDetail>, WebError> {
    Ok(JsonResponse(
        queries::case(&web, &who, id, web.clock()).await?,
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
async fn step(
    State(web): State<Web>,
    who: Signed,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(input): Json<StepInput>,
) -> Result<JsonResponse<CaseDetail>, WebError> {
    check_csrf(&who, &headers, input.csrf.as_deref())?;
    Ok(JsonResponse(
        queries::step(&web, &who, id, &input, web.clock()).await?,
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
async fn apply(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<ApplicationInput>,
) -> Result<(StatusCode, JsonResponse<SubmittedView>), WebError> {
    check_csrf(&who, &headers, input.csrf.as_deref())?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(queries::apply(&web, &who, &input, web.clock()).await?),
    ))
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, description = "not signed in", body = ErrorBody),
    ))]
async fn me(who: Signed) -> JsonResponse<Me> {
    JsonResponse(Me::of(&who.login, &who.account))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A household code, a member's ID number or a member's name (exact).
    q: Option<String>,
    /// From 1.
    page: Option<String>,
    /// 1 to 100; 20 if not given.
    per_page: Option<String>,
}

/// Households within the account's area that match a name, an ID number or a household code.
#[utoipa::path(get, path = "/api/v1/households", tag = "registry",
    params(SearchQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = SearchPage),
        (status = 401, body = ErrorBody),
        (status = 422, description = "bad query; `field` names it", body = ErrorBody),
    ))]
async fn search_households(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<SearchQuery>,
) -> Result<JsonResponse<SearchPage>, WebError> {
    let (page, per_page) = queries::parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(JsonResponse(
        queries::search(&web, &who, q.q.as_deref().unwrap_or(""), page, per_page).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// YYYY-MM; this month if not given.
    month: Option<String>,
    /// From 1.
    page: Option<String>,
    /// 1 to 100; 20 if not given.
    per_page: Option<String>,
}

/// A service provider's roster: the older residents of its area and the meal-aid and rural
/// consumption subsidies the rules grant each in the month. Masked ID numbers, nothing of
/// income or assets; for service-provider accounts only.
#[utoipa::path(get, path = "/api/v1/roster", tag = "eldercare",
    params(RosterQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = RosterPage),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a service provider", body = ErrorBody),
        (status = 422, description = "bad query; `field` names it", body = ErrorBody),
    ))]
async fn roster(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<RosterQuery>,
) -> Result<JsonResponse<RosterPage>, WebError> {
    let clock = web.clock();
    let month = queries::parse_month(q.month.as_deref(), clock)?;
    let (page, per_page) = queries::parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(JsonResponse(
        queries::roster(&web, &who, month, page, per_page, clock).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// The day the facts are shown for (YYYY-MM-DD); today if not given.
    on: Option<String>,
    /// `true` shows full ID numbers; the audit log records it.
    reveal: Option<String>,
}

/// One household's file: members as of a day, and every version of their facts.
#[utoipa::path(get, path = "/api/v1/households/{key}", tag = "registry",
    params(("key" = String, Path, description = "household code or a member's ID number"), HouseholdQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = HouseholdView),
        (status = 401, body = ErrorBody),
        (status = 404, description = "no such household within the account's area", body = ErrorBody),
        (status = 409, description = "clashes with what is recorded (a duplicate, or changed meanwhile); nothing written", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn household(
    State(web): State<Web>,
    who: Signed,
    Path(key): Path<String>,
    Query(q): Query<HouseholdQuery>,
) -> Result<JsonResponse<HouseholdView>, WebError> {
    let clock = web.clock();
    let on = queries::parse_day(q.on.as_deref(), clock)?;
    let reveal = match q.reveal.as_deref().map(str::trim) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(WebError::invalid(
                "reveal",
                format!("'{other}' is not true or false"),
            ))
        }
    };
    Ok(JsonResponse(
        queries::household(&web, &who, &key, on, reveal, clock).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// YYYY-MM; the current month if not given.
    month: Option<String>,
}

/// Why a household gets what it gets in a month: every program, every condition, every
/// parameter with its value, effective date and legal reference.
#[utoipa::path(get, path = "/api/v1/households/{key}/explain", tag = "policy",
    params(("key" = String, Path, description = "household code or a member's ID number"), MonthQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = ExplanationView),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn explain(
    State(web): State<Web>,
    who: Signed,
    Path(key): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<JsonResponse<ExplanationView>, WebError> {
    let clock = web.clock();
    let month = queries::parse_month(q.month.as_deref(), clock)?;
    Ok(JsonResponse(
        queries::explain(&web, &who, &key, month, None, clock).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// `true` (the default) lists open cases only.
    open: Option<String>,
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
async fn cases(
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
                format!("'{other}' is not true or false"),
            ))
        }
    };
    let (page, per_page) = queries::parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(JsonResponse(
        queries::cases(
            &web,
            &who.account.scope(),
            open_only,
            page,
            per_page,
            web.clock(),
        )
        .await?,
    ))
}

fn month_of(text: &str, clock: minsheng_app::Clock) -> Result<minsheng_core::Month, WebError> {
    queries::parse_month(Some(text), clock)
}

/// A month's payment cycle: frozen when, by whom, approved by whom, owed, sent, confirmed,
/// returned, outstanding. For the city's administrators and auditors.
#[utoipa::path(get, path = "/api/v1/payments/{month}", tag = "payments",
    params(("month" = String, Path, description = "YYYY-MM")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = CycleView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn payment_cycle(
    State(web): State<Web>,
    who: Signed,
    Path(month): Path<String>,
) -> Result<JsonResponse<CycleView>, WebError> {
    let month = month_of(&month, web.clock())?;
    Ok(JsonResponse(queries::cycle(&web, &who, month).await?))
}

/// `compute` freezes the registry and the rules and computes every entitlement; `approve`
/// (someone other than who computed); `disburse` sends what is outstanding as a new bank file
/// batch. Each is idempotent: repeating it changes nothing.
#[utoipa::path(post, path = "/api/v1/payments/{month}/{step}", tag = "payments",
    params(
        ("month" = String, Path, description = "YYYY-MM"),
        ("step" = String, Path, description = "compute, approve or disburse"),
    ),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "the cycle after the step", body = CycleView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "clashes with what is recorded (a duplicate, or changed meanwhile); nothing written", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn payment_step(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path((month, step)): Path<(String, String)>,
) -> Result<JsonResponse<CycleView>, WebError> {
    check_csrf(&who, &headers, None)?;
    let clock = web.clock();
    let month = month_of(&month, clock)?;
    Ok(JsonResponse(
        queries::run_cycle(&web, &who, month, &step, clock).await?,
    ))
}

/// A batch's bank file (CSV), as sent to the bank. Each download is audited.
#[utoipa::path(get, path = "/api/v1/payments/{month}/batches/{batch}", tag = "payments",
    params(
        ("month" = String, Path, description = "YYYY-MM"),
        ("batch" = u32, Path, description = "batch number, from 1"),
    ),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "the bank file", content_type = "text/csv", body = String),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn bank_file(
    State(web): State<Web>,
    who: Signed,
    Path((month, batch)): Path<(String, u32)>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    let clock = web.clock();
    let month = month_of(&month, clock)?;
    let bytes = queries::bank_file(&web, &who, month, batch, clock).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        bytes,
    )
        .into_response())
}

/// Records the bank's return file (`reference,result,reason` CSV as the body). A line that
/// cannot be matched rejects the whole file; the same file twice records nothing new;
/// returned payments go out again in the next batch.
#[utoipa::path(post, path = "/api/v1/payments/returns", tag = "payments",
    request_body(content = String, content_type = "text/csv"),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = ReconcileView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "rejected lines, nothing recorded", body = ErrorBody),
    ))]
async fn bank_returns(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<JsonResponse<ReconcileView>, WebError> {
    check_csrf(&who, &headers, None)?;
    Ok(JsonResponse(
        queries::reconcile(&web, &who, &body, web.clock()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// YYYY-MM; five months before `to` if not given.
    from: Option<String>,
    /// YYYY-MM; the current month if not given.
    to: Option<String>,
}

/// Amounts paid by month, program and district, low-income monitoring and open cases —
/// all within the account's area.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "payments",
    params(PeriodQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = Dashboard),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn dashboard(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<PeriodQuery>,
) -> Result<JsonResponse<Dashboard>, WebError> {
    let clock = web.clock();
    let (from, to) = queries::parse_period(q.from.as_deref(), q.to.as_deref(), clock)?;
    Ok(JsonResponse(
        queries::dashboard(&web, &who, from, to, clock).await?,
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
async fn findings(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<FindingsQuery>,
) -> Result<JsonResponse<FindingPage>, WebError> {
    let month = queries::parse_month(q.month.as_deref(), web.clock())?;
    let (page, per_page) = queries::parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(JsonResponse(
        queries::findings(&web, &who, month, page, per_page).await?,
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
async fn open_case(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<(StatusCode, JsonResponse<SubmittedView>), WebError> {
    check_csrf(&who, &headers, None)?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(queries::open_case(&web, &who, id, web.clock()).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WhatIfQuery {
    /// YYYY-MM; the current month if not given.
    month: Option<String>,
    /// Parameter changes, comma-separated: `dibao.standard.urban=+5%,dibao.standard.rural=850`.
    changes: Option<String>,
}

/// A reform against the rules in force over the whole registry: beneficiaries, monthly and
/// yearly cost, households gaining, losing and newly eligible, by program and district.
#[utoipa::path(get, path = "/api/v1/what-if", tag = "policy",
    params(WhatIfQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = WhatIfView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "a change that names no parameter, or a bad value", body = ErrorBody),
    ))]
async fn what_if(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<WhatIfQuery>,
) -> Result<JsonResponse<WhatIfView>, WebError> {
    let month = queries::parse_month(q.month.as_deref(), web.clock())?;
    let changes = queries::changes(q.changes.as_deref().unwrap_or(""));
    Ok(JsonResponse(
        queries::what_if(&web, &who, month, &changes).await?,
    ))
}

/// Residents' requests for help: a caseworker's waiting ones in their area, or a resident's
/// own with what became of them.
#[utoipa::path(get, path = "/api/v1/requests", tag = "cases",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = Vec<RequestView>),
        (status = 401, body = ErrorBody),
    ))]
async fn list_requests(
    State(web): State<Web>,
    who: Signed,
) -> Result<JsonResponse<Vec<RequestView>>, WebError> {
    let waiting_only = who.account.is_staff();
    Ok(JsonResponse(
        queries::requests(&web, &who, waiting_only).await?,
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
async fn request_help(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<RequestInput>,
) -> Result<(StatusCode, JsonResponse<RequestView>), WebError> {
    check_csrf(&who, &headers, input.csrf.as_deref())?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(queries::request_help(&web, &who, &input, web.clock()).await?),
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
async fn accept_request(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<(StatusCode, JsonResponse<SubmittedView>), WebError> {
    check_csrf(&who, &headers, None)?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(queries::accept_request(&web, &who, id, web.clock()).await?),
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
async fn decline_request(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<DeclineInput>,
) -> Result<JsonResponse<RequestView>, WebError> {
    check_csrf(&who, &headers, input.csrf.as_deref())?;
    Ok(JsonResponse(
        queries::decline_request(&web, &who, id, &input.reason, web.clock()).await?,
    ))
}
