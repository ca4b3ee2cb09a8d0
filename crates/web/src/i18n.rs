//! The interface in Chinese (the default) or English, chosen by the person and kept in a cookie.
//!
//! Templates are written in Chinese and pass each text through the `t` filter; the English is in
//! `locales/interface.yml`, keyed by the Chinese text itself (as gettext does), so a template
//! reads naturally and a text without English shows in Chinese, never as a key. Labels the
//! domain gives (roles, stages, relations, programs …) go through the same filter. What people
//! wrote (names, reasons, reports), area names, the rules' summaries and explanation trees
//! (their words are the rule texts') and the messages sent to residents (kept as sent) stay as
//! recorded; the last two are marked `lang="zh-CN"` so that a screen reader on the English side
//! reads them as Chinese. A test fails when a template's text or a domain label has no English.
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

    /// A message with variable parts (a refusal naming a case, a date, an amount) in this
    /// language: the catalog's text for it whole, else the catalog's pattern it fits
    /// (`"案件 {id} 不存在"`) with each part put in its place, itself translated where it can
    /// be; else the Chinese.
    pub fn message(self, text: &str) -> String {
        match self {
            Lang::Chinese => text.to_string(),
            Lang::English => english_message(text, 0),
        }
    }
}

/// How deep a message's parts are translated in turn: a part is a name or a label, rarely a
/// message of its own, never a loop.
const MESSAGE_DEPTH: usize = 3;

fn english_message(text: &str, depth: usize) -> String {
    if let Some(exact) = crate::_rust_i18n_try_translate("en", text) {
        return exact.into_owned();
    }
    if depth >= MESSAGE_DEPTH {
        return text.to_string();
    }
    for pattern in PATTERNS.iter() {
        if let Some(parts) = pattern.captures(text) {
            let mut out = pattern.english.clone();
            for (name, value) in parts {
                out = out.replace(&format!("{{{name}}}"), &english_message(value, depth + 1));
            }
            return out;
        }
    }
    text.to_string()
}

/// A catalog text with variable parts, `{name}`, and its English with the same parts.
struct Pattern {
    parts: Vec<Part>,
    english: String,
}

enum Part {
    Text(String),
    Slot(String),
}

impl Pattern {
    fn parse(chinese: &str, english: &str) -> Option<Pattern> {
        let mut parts = Vec::new();
        let mut rest = chinese;
        while let Some(open) = rest.find('{') {
            let close = open + rest[open..].find('}')?;
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            parts.push(Part::Slot(rest[open + 1..close].to_string()));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        // Two parts side by side could be split anywhere: such a pattern is refused.
        let adjacent = parts
            .windows(2)
            .any(|w| matches!(w, [Part::Slot(_), Part::Slot(_)]));
        (!adjacent && parts.iter().any(|p| matches!(p, Part::Slot(_)))).then(|| Pattern {
            parts,
            english: english.to_string(),
        })
    }

    /// The variable parts of `text` by name, if it is this pattern: each part is as short as
    /// lets the text after it follow, the last takes what the closing text leaves.
    fn captures<'t>(&self, text: &'t str) -> Option<Vec<(&str, &'t str)>> {
        let mut rest = text;
        let mut found = Vec::new();
        let mut open: Option<&str> = None;
        let last = self.parts.len().saturating_sub(1);
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Slot(name) => open = Some(name),
                Part::Text(t) => match open.take() {
                    None => rest = rest.strip_prefix(t.as_str())?,
                    Some(name) => {
                        let at = if i == last {
                            rest.strip_suffix(t.as_str())?.len()
                        } else {
                            rest.find(t.as_str())?
                        };
                        let (value, after) = rest.split_at(at);
                        if value.is_empty() {
                            return None;
                        }
                        found.push((name, value));
                        rest = &after[t.len()..];
                    }
                },
            }
        }
        match open {
            Some(name) if !rest.is_empty() => found.push((name, rest)),
            Some(_) => return None,
            None if !rest.is_empty() => return None,
            None => {}
        }
        Some(found)
    }
}

/// The catalog's texts with variable parts, read once from the catalog the `t` filter uses.
static PATTERNS: std::sync::LazyLock<Vec<Pattern>> = std::sync::LazyLock::new(|| {
    let catalog: std::collections::BTreeMap<String, serde_yaml::Value> =
        serde_yaml::from_str(include_str!("../locales/interface.yml")).unwrap_or_default();
    let mut patterns = catalog
        .iter()
        .filter(|(key, _)| key.contains('{'))
        .filter_map(|(key, value)| {
            let english = value.get("en")?.as_str()?;
            Pattern::parse(key, english)
        })
        .collect::<Vec<_>>();
    // The most specific first: "未提交：{reason}" before "{field}：{reason}", which fits it too.
    patterns.sort_by_key(|p| {
        std::cmp::Reverse(
            p.parts
                .iter()
                .map(|part| match part {
                    Part::Text(t) => t.chars().count(),
                    Part::Slot(_) => 0,
                })
                .sum::<usize>(),
        )
    });
    patterns
});

tokio::task_local! {
    static LANG: Lang;
    static ELDER: bool;
}

/// The cookie that keeps the elder-friendly view (长辈版: large type, high contrast, fewer
/// elements) for a reader who chose it.
pub const ELDER_COOKIE: &str = "minsheng_elder";

/// Whether the request being answered asked for the elder-friendly view.
pub fn elder() -> bool {
    ELDER.try_with(|e| *e).unwrap_or(false)
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
    let elder = jar.get(ELDER_COOKIE).is_some_and(|c| c.value() == "1");
    LANG.scope(lang, ELDER.scope(elder, next.run(request)))
        .await
}

#[derive(Debug, Deserialize)]
pub struct ElderSwitch {
    on: Option<String>,
}

/// `GET /elder?on=1` (or `0`): remembers whether the reader wants the elder-friendly view and
/// goes back to the page it came from, as the language switch does.
pub async fn switch_elder(
    jar: CookieJar,
    headers: HeaderMap,
    Query(switch): Query<ElderSwitch>,
) -> Response {
    let on = switch.on.as_deref() == Some("1");
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(same_site_path)
        .unwrap_or_else(|| "/".to_string());
    let cookie = Cookie::build((ELDER_COOKIE, if on { "1" } else { "0" }))
        .path("/")
        .same_site(SameSite::Lax)
        .permanent()
        .build();
    (jar.add(cookie), Redirect::to(&back)).into_response()
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
    let switch = path.starts_with("/language") || path.starts_with("/elder");
    (!path.starts_with("//") && !switch).then(|| path.to_string())
}

/// The templates' filters.
pub mod filters {
    /// `{{ households|n }}`: a count with its thousands grouped (1,234,567).
    #[askama::filter_fn]
    pub fn n(value: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        let text = value.to_string();
        Ok(text.parse::<i64>().map_or(text, crate::charts::count))
    }

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
    fn a_message_with_parts_is_translated_by_its_pattern() {
        let p =
            Pattern::parse("案件 {id} 已由 {who} 办结", "case {id} was closed by {who}").unwrap();
        assert_eq!(
            p.captures("案件 12 已由 张三 办结"),
            Some(vec![("id", "12"), ("who", "张三")])
        );
        assert_eq!(p.captures("案件 12 已由 张三"), None);
        assert_eq!(p.captures("案件  已由 张三 办结"), None, "an empty part");
        let tail = Pattern::parse("{field}：{reason}", "{field}: {reason}").unwrap();
        assert_eq!(
            tail.captures("月份：不是 2025-06 这样的月份"),
            Some(vec![
                ("field", "月份"),
                ("reason", "不是 2025-06 这样的月份")
            ])
        );
        assert!(Pattern::parse("{a}{b}", "x").is_none(), "adjacent parts");
        assert!(Pattern::parse("没有变量", "none").is_none());
        // Every pattern of the catalog parses, and names in English the parts it has.
        let catalog: std::collections::BTreeMap<String, serde_yaml::Value> =
            serde_yaml::from_str(include_str!("../locales/interface.yml")).unwrap();
        let patterns = catalog.keys().filter(|k| k.contains('{')).count();
        assert_eq!(
            PATTERNS.len(),
            patterns,
            "a pattern of the catalog does not parse"
        );
        for p in PATTERNS.iter() {
            for part in &p.parts {
                if let Part::Slot(name) = part {
                    assert!(
                        p.english.contains(&format!("{{{name}}}")),
                        "{} lacks {name}",
                        p.english
                    );
                }
            }
        }
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
            .chain(crate::error::FIELDS.map(|(_, name)| name))
            .chain(crate::assistance::view::PROGRESS_STEPS)
            .chain(
                minsheng_assistance::Stage::ALL
                    .iter()
                    .map(|s| crate::assistance::view::next_step(*s)),
            )
            .chain(crate::assistance::view::EVENT_ACTIONS.map(|(_, name)| name))
            .chain(crate::assistance::view::OUTCOMES.map(|(_, name)| name))
            .chain(crate::registry::view::AUDIT_ACTIONS.map(|(_, name)| name))
            .chain(crate::assistance::pages::EXPORT_HEADERS)
            .chain(crate::assistance::pages::FINDING_HEADERS)
            .chain(crate::eldercare::applications::EXPORT_HEADERS)
            .chain(crate::medical::pages::PAYERS)
            .chain(minsheng_medical::Visit::ALL.iter().map(|v| v.label()))
            .chain(minsheng_medical::Scheme::ALL.iter().map(|v| v.label()))
            .chain(minsheng_medical::Level::ALL.iter().map(|v| v.label()))
            .chain(minsheng_medical::Class::ALL.iter().map(|v| v.label()))
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
            .chain(minsheng_notify::Kind::ALL.map(|k| k.label()))
            .chain(
                crate::assistance::pages::APPLICATION_FACTS
                    .iter()
                    .map(|(_, label)| *label),
            )
            .chain(["通知"])
            .chain(minsheng_eldercare::meals::Slot::ALL.map(|s| s.label()))
            .chain(minsheng_eldercare::meals::Misuse::LABELS)
            .chain(
                [
                    minsheng_eldercare::meals::Service::DineIn,
                    minsheng_eldercare::meals::Service::Delivered,
                ]
                .map(|s| s.label()),
            )
            .chain(
                [
                    minsheng_eldercare::meals::Status::Ordered,
                    minsheng_eldercare::meals::Status::Served,
                    minsheng_eldercare::meals::Status::Cancelled,
                ]
                .map(|s| s.label()),
            )
            .chain(
                [
                    minsheng_eldercare::meals::Channel::Canteen,
                    minsheng_eldercare::meals::Channel::Relative,
                ]
                .map(|c| c.label()),
            )
            .chain({
                use minsheng_eldercare::visits::{Mode, Need, Standing, VisitorKind};
                [
                    Standing::Upcoming,
                    Standing::Due,
                    Standing::Overdue(1),
                    Standing::Escalated(1),
                ]
                .map(|s| s.label())
                .into_iter()
                .chain(Need::ALL.map(|n| n.label()))
                .chain(VisitorKind::ALL.map(|k| k.label()))
                .chain([Mode::Home, Mode::Phone].map(|m| m.label()))
                .chain(["合计"])
            })
            .chain(minsheng_eldercare::circle::PointKind::ALL.map(|k| k.label()))
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
