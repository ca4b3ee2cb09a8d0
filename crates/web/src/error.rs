//! One error type for every endpoint and page, mapped to a response in one place.
//!
//! Each error has a stable, machine-readable code (the API's contract; the table is in
//! `docs/api-errors.md`), a message for people and, for bad input, the field at fault.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use minsheng_app::accounts::AccountError;
use minsheng_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::Lang;

/// The input fields errors name, by their names in Chinese (English in the interface catalog).
/// The API's `field` stays the code; a person reads the name. A field not listed shows its code.
pub const FIELDS: [(&str, &str); 90] = [
    ("month", "月份"),
    ("programs", "救助项目"),
    ("program", "项目"),
    ("id_number", "身份证号"),
    ("household", "户"),
    ("from", "起始日期"),
    ("to", "截止日期"),
    ("area", "区域"),
    ("file", "文件"),
    ("changes", "变更"),
    ("change", "变更"),
    ("on", "日期"),
    ("name", "姓名"),
    ("request", "申请事项"),
    ("reason", "理由"),
    ("policy", "政策"),
    ("password", "密码"),
    ("login", "登录名"),
    ("date", "日期"),
    ("code", "编号"),
    ("batch", "批次"),
    ("actor", "操作人"),
    ("stage", "环节"),
    ("staff", "工作人员"),
    ("reference", "依据"),
    ("query", "查询"),
    ("persons", "人员"),
    ("objection", "异议"),
    ("note", "说明"),
    ("member", "家庭成员"),
    ("inspected_on", "检查日期"),
    ("findings", "发现"),
    ("facts_from", "情况日期"),
    ("effective_from", "生效日期"),
    ("csrf", "表单令牌"),
    ("calendar", "工作日历"),
    ("basis", "依据"),
    ("assessors", "评估人员"),
    ("assessed_on", "评估日期"),
    ("seed", "随机种子"),
    ("text", "内容"),
    ("verdict", "意见"),
    ("surveyors", "调查人员"),
    ("by", "提出人"),
    ("body", "请求内容"),
    ("path", "地址"),
    ("objections", "异议"),
    ("item", "检查项目"),
    ("enrolment", "享受记录"),
    ("finding", "发现线索"),
    ("report", "报告"),
    ("how", "调整方式"),
    ("parameter", "参数"),
    ("amount", "幅度或新值"),
    ("phone", "手机号"),
    ("email", "电子邮箱"),
    ("canteen", "助餐点"),
    ("slot", "餐次"),
    ("dish", "菜品"),
    ("service", "用餐方式"),
    ("day", "用餐日期"),
    ("settlement", "结算单"),
    ("approver", "审核人"),
    ("relative_id_number", "亲属身份证号"),
    ("relative_name", "亲属姓名"),
    ("order", "订单"),
    ("person", "探访对象"),
    ("visitor", "探访人"),
    ("found", "探访所见"),
    ("needs", "转办"),
    ("mode", "方式"),
    ("outcome", "办理结果"),
    ("referral", "转办事项"),
    ("kind", "类别"),
    ("area_code", "区划代码"),
    ("claim_number", "结算单号"),
    ("hospital", "定点医疗机构"),
    ("visit", "就医类型"),
    ("place", "就医地"),
    ("total", "费用总额"),
    ("lines", "费用明细"),
    ("number", "信息表编号"),
    ("other_area", "转出地"),
    ("to_area", "转入地"),
    ("scheme", "险种"),
    ("covered_since", "连续参保起始日"),
    ("covered_until", "参保截止日"),
    ("contribution_months", "缴费月数"),
    ("account_balance", "个人账户余额"),
    ("application", "网上申请编号"),
];

/// A field's name for people, in Chinese: its code where none is listed.
pub fn field_label(field: &str) -> &str {
    FIELDS
        .iter()
        .find(|(code, _)| *code == field)
        .map_or(field, |(_, name)| *name)
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("请先登录")]
    NotSignedIn,
    #[error("登录名或密码错误")]
    WrongCredentials,
    #[error("该登录名登录失败次数过多，请 {retry_after_secs} 秒后再试")]
    Throttled { retry_after_secs: u64 },
    #[error("表单已过期或不是本站发出的，请刷新页面后重试")]
    CsrfRejected,
    #[error("{0}")]
    Forbidden(String),
    /// What was not found, as a noun phrase: "案件 12".
    #[error("未找到{0}")]
    NotFound(String),
    #[error("{}：{reason}", field_label(.field))]
    Invalid { field: String, reason: String },
    #[error("{}：{reason}", field_label(.field))]
    Conflict { field: String, reason: String },
    #[error("系统繁忙，请 {retry_after_secs} 秒后再试")]
    Busy { retry_after_secs: u64 },
    #[error("内部错误，详情已记入服务器日志")]
    Internal(String),
}

/// What every API error looks like.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code, e.g. `not_found`, `invalid_input`.
    pub code: &'static str,
    pub message: String,
    /// The input field at fault, for `invalid_input` and `conflict`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl WebError {
    /// Every code `code()` can return: the table in `docs/api-errors.md`.
    pub const CODES: [&'static str; 10] = [
        "not_signed_in",
        "wrong_credentials",
        "too_many_attempts",
        "csrf_rejected",
        "forbidden",
        "not_found",
        "invalid_input",
        "conflict",
        "busy",
        "internal",
    ];

    pub fn invalid(field: &str, reason: impl Into<String>) -> WebError {
        WebError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            WebError::NotSignedIn => "not_signed_in",
            WebError::WrongCredentials => "wrong_credentials",
            WebError::Throttled { .. } => "too_many_attempts",
            WebError::CsrfRejected => "csrf_rejected",
            WebError::Forbidden(_) => "forbidden",
            WebError::NotFound(_) => "not_found",
            WebError::Invalid { .. } => "invalid_input",
            WebError::Conflict { .. } => "conflict",
            WebError::Busy { .. } => "busy",
            WebError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotSignedIn | WebError::WrongCredentials => StatusCode::UNAUTHORIZED,
            WebError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::CsrfRejected | WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict { .. } => StatusCode::CONFLICT,
            WebError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What a person reads, in `lang`: the field by its name, then the reason.
    pub fn message(&self, lang: Lang) -> String {
        lang.message(&self.to_string())
    }

    /// The error as the API answers it, in the language of the request.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.message(crate::i18n::current()),
            field: match self {
                WebError::Invalid { field, .. } | WebError::Conflict { field, .. } => {
                    Some(field.clone())
                }
                _ => None,
            },
        }
    }

    pub(crate) fn with_headers(&self, mut response: Response) -> Response {
        if let WebError::Throttled { retry_after_secs } | WebError::Busy { retry_after_secs } = self
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// How long a client is asked to wait when the service is busy: long enough for a queue of
/// requests or a long write to clear, short enough that a person retrying barely notices.
pub const BUSY_RETRY_SECS: u64 = 2;

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => WebError::NotFound(what),
            StoreError::Invalid { field, reason } => WebError::Invalid { field, reason },
            StoreError::Conflict { field, reason } => WebError::Conflict { field, reason },
            other if other.is_busy() => {
                tracing::warn!(error = %other, "database busy; answered 503");
                WebError::Busy {
                    retry_after_secs: BUSY_RETRY_SECS,
                }
            }
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<AccountError> for WebError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::WrongCredentials => WebError::WrongCredentials,
            AccountError::Invalid { field, reason } => WebError::Invalid { field, reason },
            AccountError::Store(e) => e.into(),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(format!("template: {e}"))
    }
}

fn log(e: &WebError) {
    if let WebError::Internal(detail) = e {
        tracing::error!(%detail, "request failed");
    }
}

/// The API's answer: JSON.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        log(&self);
        self.with_headers((self.status(), Json(self.body())).into_response())
    }
}

/// The same error on a page: a page saying what went wrong, or the sign-in page.
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        log(&e);
        if matches!(e, WebError::NotSignedIn) {
            return Redirect::to("/login").into_response();
        }
        let page = crate::pages::error_page(&e);
        e.with_headers((e.status(), page).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_listed_code_and_its_own_status() {
        let all = [
            WebError::NotSignedIn,
            WebError::WrongCredentials,
            WebError::Throttled {
                retry_after_secs: 1,
            },
            WebError::CsrfRejected,
            WebError::Forbidden(String::new()),
            WebError::NotFound(String::new()),
            WebError::invalid("f", "r"),
            WebError::Conflict {
                field: "g".into(),
                reason: "r".into(),
            },
            WebError::Busy {
                retry_after_secs: 2,
            },
            WebError::Internal(String::new()),
        ];
        let codes: Vec<&str> = all.iter().map(WebError::code).collect();
        assert_eq!(codes, WebError::CODES);
        assert_eq!(all[6].body().field.as_deref(), Some("f"));
        assert_eq!(all[7].body().field.as_deref(), Some("g"));
        assert_eq!(all[7].status(), StatusCode::CONFLICT);
        assert!(all
            .iter()
            .all(|e| e.status().is_client_error() || e.status().is_server_error()));
    }

    fn has_chinese(text: &str) -> bool {
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// Every error reads in Chinese on a Chinese page and in English on an English one, the
    /// field by its name, the parts of a message (a case number, a household) in their place.
    #[test]
    fn every_error_reads_in_either_language() {
        let all = [
            WebError::NotSignedIn,
            WebError::WrongCredentials,
            WebError::Throttled {
                retry_after_secs: 30,
            },
            WebError::CsrfRejected,
            WebError::NotFound("案件 12".into()),
            WebError::NotFound("户 370212001003-00012 的成员 3".into()),
            WebError::NotFound("该页面或接口".into()),
            WebError::invalid("month", "未找到户「x」"),
            WebError::Busy {
                retry_after_secs: 2,
            },
            WebError::Internal("detail".into()),
        ];
        for e in &all {
            let zh = e.message(Lang::Chinese);
            let en = e.message(Lang::English);
            assert!(has_chinese(&zh), "{zh}");
            assert!(!has_chinese(&en), "Chinese in the English of {zh}: {en}");
        }
        assert_eq!(all[4].message(Lang::English), "Not found: case 12");
        assert_eq!(
            all[5].message(Lang::English),
            "Not found: member 3 of household 370212001003-00012"
        );
        assert_eq!(all[7].message(Lang::Chinese), "月份：未找到户「x」");
        assert_eq!(
            all[7].message(Lang::English),
            "Month: Not found: household 'x'"
        );
        assert_eq!(
            all[2].message(Lang::English),
            "Too many failed sign-ins for this login; try again in 30 s"
        );
        // The API's field stays the code.
        assert_eq!(all[7].body().field.as_deref(), Some("month"));
    }

    #[test]
    fn the_error_table_documents_every_code() {
        let table = include_str!("../../../docs/api-errors.md");
        for code in WebError::CODES {
            assert!(
                table.contains(&format!("| `{code}` |")),
                "docs/api-errors.md lacks {code}"
            );
        }
    }
}
