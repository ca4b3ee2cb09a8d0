//! Local stand-ins for the gateways, on loopback ports: an SMS gateway speaking the adapter's
//! HTTP protocol and an SMTP server, each keeping what it received. The tests and
//! `minsheng bench notify` start them; nothing in production does.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A message the SMS stub accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub key: String,
    pub to: String,
    pub text: String,
}

#[derive(Default)]
struct SmsState {
    key: String,
    /// Requests to answer 503 before accepting any.
    fail_first: AtomicUsize,
    requests: AtomicUsize,
    seen: Mutex<HashSet<String>>,
    accepted: Mutex<Vec<Sms>>,
}

/// An SMS gateway on `127.0.0.1`: it takes `POST /messages` with the adapter's JSON and a
/// bearer key, answers 503 to the first `fail_first` requests, 400 to a number that is not 11
/// digits, and keeps each message once by its idempotency key (a repeat is answered 200 and
/// not kept again), as a real gateway honouring the key does.
#[derive(Clone)]
pub struct SmsStub {
    pub url: String,
    state: Arc<SmsState>,
}

impl SmsStub {
    pub async fn start(key: &str, fail_first: usize) -> std::io::Result<SmsStub> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/messages", listener.local_addr()?);
        let state = Arc::new(SmsState {
            key: key.to_string(),
            fail_first: AtomicUsize::new(fail_first),
            ..SmsState::default()
        });
        let served = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = served.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(answer_sms(&state, request).await) }
                    });
                    // A connection that breaks off is the client's business.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(SmsStub { url, state })
    }

    /// The messages accepted, once each, in order of arrival.
    pub fn messages(&self) -> Vec<Sms> {
        self.state
            .accepted
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Every request received, refused and repeated ones included.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

async fn answer_sms(state: &SmsState, request: Request<Incoming>) -> Response<Full<Bytes>> {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let reply = |status: StatusCode, text: &str| {
        let mut response = Response::new(Full::new(Bytes::from(text.to_string())));
        *response.status_mut() = status;
        response
    };
    let authorised = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {}", state.key));
    if !authorised {
        return reply(StatusCode::UNAUTHORIZED, "bad key");
    }
    let take_failure = state
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if take_failure {
        return reply(StatusCode::SERVICE_UNAVAILABLE, "busy");
    }
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return reply(StatusCode::BAD_REQUEST, "unreadable body"),
    };
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return reply(StatusCode::BAD_REQUEST, "not JSON");
    };
    let field = |name: &str| {
        json.get(name)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let sms = Sms {
        key: field("id"),
        to: field("to"),
        text: field("text"),
    };
    if sms.to.len() != 11 || !sms.to.bytes().all(|b| b.is_ascii_digit()) || sms.key.is_empty() {
        return reply(StatusCode::BAD_REQUEST, "bad number");
    }
    let new = state
        .seen
        .lock()
        .map(|mut seen| seen.insert(sms.key.clone()))
        .unwrap_or(false);
    if new {
        if let Ok(mut accepted) = state.accepted.lock() {
            accepted.push(sms);
        }
    }
    reply(StatusCode::OK, "{\"status\":\"accepted\"}")
}

/// An email the SMTP stub received: the envelope's recipients and the raw message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    /// A header's value as sent (an encoded word stays encoded).
    pub fn header(&self, name: &str) -> Option<&str> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l.get(prefix.len()..).unwrap_or("").trim())
    }
}

/// An SMTP server on `127.0.0.1` that accepts every message (EHLO, MAIL, RCPT, DATA, RSET,
/// NOOP, QUIT) and keeps it.
#[derive(Clone)]
pub struct SmtpStub {
    /// `smtp://127.0.0.1:<port>`, as `MINSHENG_SMTP_URL` takes it.
    pub url: String,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpStub {
    pub async fn start() -> std::io::Result<SmtpStub> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("smtp://{}", listener.local_addr()?);
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let mails = kept.clone();
                tokio::spawn(async move {
                    // A session that breaks off keeps nothing.
                    let _ = smtp_session(stream, &mails).await;
                });
            }
        });
        Ok(SmtpStub { url, mails })
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

async fn smtp_session(
    stream: tokio::net::TcpStream,
    mails: &Mutex<Vec<Mail>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 stub ESMTP\r\n").await?;
    let mut to = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-stub\r\n250 8BITMIME\r\n",
            "HELO" => b"250 stub\r\n",
            "MAIL" => {
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                let address = line
                    .split_once('<')
                    .and_then(|(_, rest)| rest.split_once('>'))
                    .map(|(address, _)| address.to_string())
                    .unwrap_or_default();
                to.push(address);
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end with .\r\n").await?;
                let mut data = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push('\n');
                }
                if let Ok(mut mails) = mails.lock() {
                    mails.push(Mail {
                        to: std::mem::take(&mut to),
                        data,
                    });
                }
                b"250 OK queued\r\n"
            }
            "RSET" | "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}
