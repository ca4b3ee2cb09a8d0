//! The channels beyond the web inbox: an SMS gateway over HTTP and email over SMTP, each
//! configured by the operator and each answering one attempt with an [`Outcome`].

use std::fmt;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::domain::Outcome;
use crate::storage::Claimed;
use crate::NotifyError;

/// A secret (an API key, an SMTP URL with its password) that never shows in a log or a debug
/// print.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where the channels are, as the operator configures them (flags or `MINSHENG_SMS_URL`,
/// `MINSHENG_SMS_KEY`, `MINSHENG_SMTP_URL`, `MINSHENG_MAIL_FROM`). A channel left out is not
/// dispatched: its deliveries wait until it is configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelConfig {
    /// The SMS gateway's endpoint, e.g. `https://sms.example.gov.cn/v1/messages`.
    pub sms_url: Option<String>,
    /// Sent as `Authorization: Bearer <key>`.
    pub sms_key: Option<Secret>,
    /// `smtp://host:25`, `smtp://user:password@host:587?tls=required` or `smtps://…:465`.
    pub smtp_url: Option<Secret>,
    /// The sender of emails, e.g. `青岛市民政局 <noreply@mz.qingdao.gov.cn>`.
    pub mail_from: Option<String>,
}

impl ChannelConfig {
    /// Reads the environment variables named above; empty ones count as unset.
    pub fn from_env() -> ChannelConfig {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ChannelConfig {
            sms_url: var("MINSHENG_SMS_URL"),
            sms_key: var("MINSHENG_SMS_KEY").map(Secret),
            smtp_url: var("MINSHENG_SMTP_URL").map(Secret),
            mail_from: var("MINSHENG_MAIL_FROM"),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.sms_url.is_none() && self.smtp_url.is_none()
    }
}

/// An SMS gateway reached over HTTP: each message is a `POST` of
/// `{"id": <idempotency key>, "to": <mobile number>, "text": <message>}` with the same key in
/// an `Idempotency-Key` header. A 2xx answer is sent; 429, a 5xx or no answer is tried again
/// later; any other 4xx is a refusal (a number the gateway will not take), not tried again.
pub struct SmsGateway {
    url: String,
    key: Option<Secret>,
    client: reqwest::Client,
}

impl SmsGateway {
    pub fn new(url: &str, key: Option<Secret>) -> Result<SmsGateway, NotifyError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(NotifyError::config(
                "sms_url",
                format!("短信网关地址应以 http:// 或 https:// 开头：{url}"),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| NotifyError::config("sms_url", e.to_string()))?;
        Ok(SmsGateway {
            url: url.to_string(),
            key,
            client,
        })
    }

    pub async fn send(&self, c: &Claimed) -> Outcome {
        let key = c.idempotency_key();
        let mut request = self
            .client
            .post(&self.url)
            .header("Idempotency-Key", &key)
            .json(&serde_json::json!({
                "id": key,
                "to": c.address,
                "text": sms_text(c),
            }));
        if let Some(secret) = &self.key {
            request = request.bearer_auth(secret.expose());
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    Outcome::Sent
                } else if status.as_u16() == 429 || status.is_server_error() {
                    Outcome::Retry(format!("网关答复 {status}"))
                } else {
                    let text = response.text().await.unwrap_or_default();
                    Outcome::Refused(format!("网关拒收 {status} {}", clip(&text)))
                }
            }
            Err(e) => Outcome::Retry(format!("无法连接短信网关：{}", clip(&e.to_string()))),
        }
    }
}

/// The text of a notice as an SMS: its heading, then its body.
pub fn sms_text(c: &Claimed) -> String {
    format!("【民生】{}：{}", c.title, c.body)
}

/// Email through an SMTP server. Each email's `Message-ID` is made from the idempotency key,
/// so a repeated attempt is recognisably the same message.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(url: &Secret, from: Option<&str>) -> Result<Mailer, NotifyError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .map_err(|e| NotifyError::config("smtp_url", format!("SMTP 地址无法使用：{e}")))?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        let from = from
            .unwrap_or("民生 <noreply@minsheng.localhost>")
            .parse::<Mailbox>()
            .map_err(|e| NotifyError::config("mail_from", format!("发件人地址不正确：{e}")))?;
        Ok(Mailer { transport, from })
    }

    pub async fn send(&self, c: &Claimed) -> Outcome {
        let to = match c.address.parse::<Mailbox>() {
            Ok(to) => to,
            Err(e) => return Outcome::Refused(format!("收件地址不正确：{e}")),
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(c.title.clone())
            .message_id(Some(format!("<{}@minsheng>", c.idempotency_key())))
            .header(ContentType::TEXT_PLAIN)
            .body(format!(
                "{}\n\n——\n此邮件由民生平台发送，请勿直接回复。消息也可在网上办事大厅“我的消息”中查看。\n",
                c.body
            ));
        let message = match message {
            Ok(m) => m,
            Err(e) => return Outcome::Refused(format!("邮件无法生成：{e}")),
        };
        match self.transport.send(message).await {
            Ok(_) => Outcome::Sent,
            Err(e) if e.is_permanent() => {
                Outcome::Refused(format!("邮件服务器拒收：{}", clip(&e.to_string())))
            }
            Err(e) => Outcome::Retry(format!("邮件未送出：{}", clip(&e.to_string()))),
        }
    }
}

/// At most 200 characters of a peer's answer, for the delivery's `last_error`.
fn clip(text: &str) -> String {
    text.chars().take(200).collect()
}
