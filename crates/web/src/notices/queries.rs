//! A resident's notices and contact preferences. Staff have no inbox of their own here: a
//! household's notices are the household's.

use minsheng_app::Clock;
use minsheng_core::access::Account;
use minsheng_core::IdNumber;
use minsheng_notify::{Contact, OutboxStore};
use minsheng_store::NewAuditEntry;

use crate::error::WebError;
use crate::notices::view::{ContactView, NoticeView};
use crate::session::Signed;
use crate::Web;

/// The most recent notices shown.
const SHOWN: i64 = 200;

fn resident(who: &Signed) -> Result<&IdNumber, WebError> {
    match &who.account {
        Account::Resident { id_number, .. } => Ok(id_number),
        Account::Staff(_) => Err(WebError::Forbidden(
            "“我的消息”是居民本人的消息；工作人员在家庭档案中查看办理情况".into(),
        )),
    }
}

/// The resident's notices, newest first; listing them marks them read.
pub async fn notices(web: &Web, who: &Signed, clock: Clock) -> Result<Vec<NoticeView>, WebError> {
    let me = resident(who)?;
    let notices = web.store.outbox().inbox(me, SHOWN).await?;
    web.store.outbox().mark_read(me, clock.now).await?;
    Ok(notices.iter().map(NoticeView::of).collect())
}

pub async fn contact(web: &Web, who: &Signed) -> Result<ContactView, WebError> {
    let me = resident(who)?;
    Ok(ContactView::of(&web.store.outbox().contact(me).await?))
}

/// Stores the resident's choice, checked (a chosen channel needs its address), audited with the
/// addresses masked.
pub async fn set_contact(
    web: &Web,
    who: &Signed,
    input: &ContactView,
    clock: Clock,
) -> Result<ContactView, WebError> {
    let me = resident(who)?;
    let contact = Contact::checked(&input.phone, &input.email, input.use_sms, input.use_email)
        .map_err(minsheng_store::StoreError::from)?;
    let audit = NewAuditEntry {
        actor: who.login.clone(),
        action: "set_contact".into(),
        subject: who.login.clone(),
        detail: format!(
            "phone={} email={} sms={} email_notices={} via=web",
            minsheng_notify::domain::mask_phone(&contact.phone),
            minsheng_notify::domain::mask_email(&contact.email),
            contact.use_sms,
            contact.use_email
        ),
        at: clock.now,
    };
    web.store
        .outbox()
        .set_contact(me, &contact, &who.login, clock.now, &audit)
        .await?;
    Ok(ContactView::of(&contact))
}
