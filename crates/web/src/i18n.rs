//! The interface in Chinese (the default) or English, chosen by the person and kept in a cookie.
//!
//! Templates are written in Chinese and pass each text through the `t` filter; the English is in
//! `locales/interface.yml`, keyed by the Chinese text itself (as gettext does), so a template
//! reads naturally and a text without English shows in Chinese, never as a key. Labels the
//! domain gives (roles, stages, relations, programs …) go through the same filter. What people
//! wrote (names, reasons, reports), area names and the rules' explanation trees stay as
//! recorded. A test fails when a template's text or a domain label has no English.
//!
//! The language is request-scoped: [`middleware`] reads the cookie and runs the request with it
//! as a task-local, which the `t` filter reads while a page renders; handlers need not pass it.

use std::borrow::Cow;

use axum::extract::{Query, Request};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Chinese,
    English,
}

pub const LANG_COOKIE: &str = "minsheng_lang";

impl Lang {
    /// The BCP 47 tag: `zh-CN` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Chinese => "zh-CN",
            Lang::English => "en",
        }
    }

    /// The language's name in itself, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Chinese => "中文",
            Lang::English => "English",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Chinese => Lang::English,
            Lang::English => Lang::Chinese,
        }
    }

    pub fn parse(tag: &str) -> Option<Lang> {
        match tag.trim() {
            "zh-CN" | "zh" => Some(Lang::Chinese),
            "en" => Some(Lang::English),
            _ => None,
        }
    }

    /// `text` (Chinese) in this language; the Chinese itself where there is no translation.
    pub fn translate(self, text: &str) -> Cow<'_, str> {
        match self {
            Lang::Chinese => Cow::Borrowed(text),
            Lang::English => rust_i18n::t!(text, locale = "en"),
        }
    }
}

tokio::task_local! {
    static LANG: Lang;
}

/// The language of the request being answered (Chinese outside a request).
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or(Lang::Chinese)
}

/// Runs each request in the language its cookie asks for.
pub async fn middleware(jar: CookieJar, request: Request, next: Next) -> Response {
    let lang = jar
        .get(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .unwrap_or(Lang::Chinese);
    LANG.scope(lang, next.run(request)).await
}

#[derive(Debug, Deserialize)]
pub struct Switch {
    to: Option<String>,
}

/// `GET /language?to=en`: remembers the choice and goes back to the page it came
/// from (same site only). A preference, not a change of data: no CSRF token needed.
pub async fn switch(jar: CookieJar, headers: HeaderMap, Query(switch): Query<Switch>) -> Response {
    let lang = switch
        .to
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::Chinese);
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(same_site_path)
        .unwrap_or_else(|| "/".to_string());
    let cookie = Cookie::build((LANG_COOKIE, lang.tag()))
        .path("/")
        .same_site(SameSite::Lax)
        .permanent()
        .build();
    (jar.add(cookie), Redirect::to(&back)).into_response()
}

/// The path and query of a referring URL of this site (`http://host/x?y` → `/x?y`), never
/// another site's address.
fn same_site_path(referer: &str) -> Option<String> {
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = &rest[rest.find('/')?..];
    (!path.starts_with("//") && !path.starts_with("/language")).then(|| path.to_string())
}

/// The templates' filters.
pub mod filters {
    /// `{{ "待办"|t }}`: the text in the request's language.
    #[askama::filter_fn]
    pub fn t(text: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::current().translate(&text.to_string()).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_english(text: &str) -> bool {
        crate::_rust_i18n_try_translate("en", text).is_some()
    }

    #[test]
    fn a_referer_leads_back_only_within_the_site() {
        assert_eq!(
            same_site_path("http://127.0.0.1:8080/cases/3?x=1").as_deref(),
            Some("/cases/3?x=1")
        );
        assert_eq!(same_site_path("https://evil.example//evil.example/"), None);
        assert_eq!(same_site_path("http://h/language?to=en"), None);
        assert_eq!(same_site_path("javascript:alert(1)"), None);
    }

    /// Every text a template passes to `t`, and every label of the domain a page shows, has
    /// English: a page switched to English never shows a stray Chinese label.
    #[test]
    fn every_text_has_english() {
        use minsheng_core::registry::{Employment, Hukou, Relation, Sex, WorkAbility};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts: Vec<String> = Vec::new();
        for entry in std::fs::read_dir(root.join("templates")).unwrap() {
            let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for piece in source.split("{{ \"").skip(1) {
                if let Some((text, _)) = piece.split_once("\"|t }}") {
                    texts.push(text.to_string());
                }
            }
        }
        assert!(
            texts.len() > 200,
            "{} texts found in the templates",
            texts.len()
        );
        let labels = minsheng_core::access::Role::ALL
            .iter()
            .map(|r| r.label())
            .chain(["居民"])
            .chain(minsheng_assistance::Stage::ALL.iter().map(|s| s.label()))
            .chain(
                minsheng_assistance::FindingKind::ALL
                    .iter()
                    .map(|k| k.label()),
            )
            .chain(Sex::ALL.iter().map(|c| c.label_zh()))
            .chain(Hukou::ALL.iter().map(|c| c.label_zh()))
            .chain(Relation::ALL.iter().map(|c| c.label_zh()))
            .chain(WorkAbility::ALL.iter().map(|c| c.label_zh()))
            .chain(Employment::ALL.iter().map(|c| c.label_zh()))
            .chain(
                ["waiting", "accepted", "declined"]
                    .map(crate::assistance::queries::request_status_label),
            )
            .chain(["未找到", "无权操作", "输入有误", "尝试次数过多", "出错了"])
            .chain(crate::assistance::view::PROGRESS_STEPS)
            .chain(crate::assistance::view::EVENT_ACTIONS.map(|(_, name)| name))
            .chain(crate::assistance::view::OUTCOMES.map(|(_, name)| name))
            .chain(crate::registry::view::AUDIT_ACTIONS.map(|(_, name)| name))
            .chain(crate::assistance::pages::EXPORT_HEADERS)
            .chain(
                minsheng_eldercare::applications::Stage::ALL
                    .iter()
                    .map(|s| s.label()),
            )
            .chain(
                ["apply", "assess", "assign", "start", "accept", "withdraw"]
                    .map(crate::eldercare::applications::step_label),
            )
            .chain(crate::payments::view::BENEFIT_STATUSES.map(|(_, label)| label))
            .chain(
                [
                    minsheng_payments::PaymentState::Owed,
                    minsheng_payments::PaymentState::Sent,
                    minsheng_payments::PaymentState::Confirmed,
                    minsheng_payments::PaymentState::Returned,
                ]
                .map(|s| s.label()),
            )
            .map(str::to_string);
        let policy = minsheng_policy::Policy::load(&root.join("../../policies/qingdao")).unwrap();
        let programs = policy
            .programs
            .iter()
            .map(|p| p.label.clone())
            .chain(policy.monitoring.iter().map(|c| c.label.clone()))
            .chain(
                policy
                    .programs()
                    .into_iter()
                    .map(|id| policy.variables[id].label.clone()),
            );
        let missing: Vec<String> = texts
            .into_iter()
            .chain(labels)
            .chain(programs)
            .filter(|t| !has_english(t))
            .collect();
        assert!(
            missing.is_empty(),
            "no English in locales/interface.yml for {missing:?}"
        );
    }

    #[test]
    fn english_is_there_and_chinese_is_the_source() {
        assert_eq!(Lang::English.translate("待办"), "Inbox");
        assert_eq!(Lang::Chinese.translate("待办"), "待办");
        // Without a translation, the Chinese shows rather than a key.
        assert_eq!(Lang::English.translate("没有这句话"), "没有这句话");
        assert!(!has_english("没有这句话"));
    }
}
