//! The page of a resident's notices and contact preferences.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;

use crate::error::{PageError, WebError};
// The templates' `t` filter.
use crate::i18n::filters;
use crate::notices::view::{ContactView, NoticeView};
use crate::pages::Frame;
use crate::session::{OnPage, Signed};
use crate::Web;

struct NoticeRow {
    title: String,
    kind: String,
    /// When it was written, in China's time.
    when: String,
    body: String,
    read: bool,
    deliveries: Vec<String>,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    frame: Option<Frame>,
    notices: Vec<NoticeRow>,
    contact: ContactView,
    message: Option<String>,
}

/// The page; `typed` is a refused form, shown again as the resident filled it.
async fn page(
    web: &Web,
    who: &Signed,
    message: Option<String>,
    typed: Option<ContactView>,
) -> Result<Html<String>, PageError> {
    let clock = web.clock();
    let contact = match typed {
        Some(typed) => typed,
        None => crate::notices::queries::contact(web, who).await?,
    };
    let notices = crate::notices::queries::notices(web, who, clock).await?;
    let page = NoticesPage {
        frame: Frame::of(who),
        notices: notices
            .into_iter()
            .map(|n: NoticeView| NoticeRow {
                when: minsheng_app::china_time(n.created_at),
                title: n.title,
                kind: n.kind,
                body: n.body,
                read: n.read,
                deliveries: n.deliveries,
            })
            .collect(),
        contact,
        message,
    };
    Ok(Html(page.render()?))
}

pub async fn notices(
    State(web): State<Web>,
    OnPage(who): OnPage,
) -> Result<Html<String>, PageError> {
    page(&web, &who, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct ContactForm {
    csrf: Option<String>,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    /// A ticked box sends `on`; an unticked one sends nothing.
    use_sms: Option<String>,
    use_email: Option<String>,
}

pub async fn set_contact(
    State(web): State<Web>,
    OnPage(who): OnPage,
    axum_extra::extract::Form(form): axum_extra::extract::Form<ContactForm>,
) -> Result<Html<String>, PageError> {
    who.check_csrf(form.csrf.as_deref().unwrap_or(""))?;
    let input = ContactView {
        phone: form.phone,
        email: form.email,
        use_sms: form.use_sms.is_some(),
        use_email: form.use_email.is_some(),
        csrf: None,
    };
    match crate::notices::queries::set_contact(&web, &who, &input, web.clock()).await {
        Ok(_) => page(&web, &who, Some("通知方式已保存。".to_string()), None).await,
        Err(e @ WebError::Invalid { .. }) => {
            let message = crate::i18n::current().message(&format!("未保存：{e}"));
            page(&web, &who, Some(message), Some(input)).await
        }
        Err(e) => Err(e.into()),
    }
}
