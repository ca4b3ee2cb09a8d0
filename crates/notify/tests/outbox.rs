#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step is a failed test
//! The outbox on both backends: notices written with their event or not at all, once per
//! event; delivered through a local SMS gateway and a local SMTP server, retried with backoff,
//! once per notice and channel even when a dispatcher dies mid-send; every send audited.

use std::time::Duration;

use minsheng_core::IdNumber;
use minsheng_notify::stub::{SmsStub, SmtpStub};
use minsheng_notify::{ChannelConfig, Contact, Dispatcher, Kind, Notice, OutboxStore as _, Secret};
use minsheng_store::{Store, Tx};
use minsheng_test_support::{execute, instant as t, noted};

minsheng_test_support::on_both_backends!(
    a_notice_commits_with_its_event_once_and_reaches_the_chosen_channels,
    a_busy_gateway_is_retried_later_and_a_refusal_is_not,
    a_dispatcher_that_dies_mid_send_does_not_send_twice,
);

const KEY: &str = "test-gateway-key";

fn resident(n: u16) -> IdNumber {
    IdNumber::from_parts(
        370202,
        chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
        n,
    )
    .unwrap()
}

fn notice(key: &str, to: &IdNumber) -> Notice {
    Notice {
        key: key.into(),
        kind: Kind::Decision,
        to: to.clone(),
        household: "H-1".into(),
        title: "低保申请已批准".into(),
        body: "您家申请的低保已经审批同意，自 2026-01 起按月发放。".into(),
    }
}

async fn choose(store: &Store, who: &IdNumber, phone: &str, email: &str) {
    let contact = Contact::checked(phone, email, !phone.is_empty(), !email.is_empty()).unwrap();
    store
        .outbox()
        .set_contact(who, &contact, "resident", t(0), &noted("set_contact"))
        .await
        .unwrap();
}

async fn enqueue(store: &Store, notices: &[Notice], at: chrono::DateTime<chrono::Utc>) -> u64 {
    let mut tx = Tx::write_only(store).await.unwrap();
    let n = minsheng_notify::enqueue_in(&mut tx, notices, at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    n
}

fn dispatcher(sms: Option<&SmsStub>, smtp: Option<&SmtpStub>) -> Dispatcher {
    Dispatcher::new(&ChannelConfig {
        sms_url: sms.map(|s| s.url.clone()),
        sms_key: Some(Secret::new(KEY)),
        smtp_url: smtp.map(|s| Secret::new(s.url.clone())),
        mail_from: Some("青岛市民政局 <noreply@mz.example.cn>".into()),
    })
    .unwrap()
}

async fn a_notice_commits_with_its_event_once_and_reaches_the_chosen_channels(store: &Store) {
    let (both, sms_only, quiet) = (resident(11), resident(12), resident(13));
    choose(store, &both, "13812345678", "zhang@example.cn").await;
    choose(store, &sms_only, "13900001111", "").await;

    // An event whose transaction rolls back leaves no notice.
    let mut tx = Tx::write_only(store).await.unwrap();
    minsheng_notify::enqueue_in(&mut tx, &[notice("case:1:decided", &both)], t(10))
        .await
        .unwrap();
    drop(tx);
    assert!(store.outbox().inbox(&both, 10).await.unwrap().is_empty());

    // Written with the event; the same event again adds nothing.
    let notices = [
        notice("case:1:decided", &both),
        notice("case:2:decided", &sms_only),
        notice("case:3:decided", &quiet),
    ];
    assert_eq!(enqueue(store, &notices, t(10)).await, 3);
    assert_eq!(enqueue(store, &notices, t(11)).await, 0);
    let status = store.outbox().status().await.unwrap();
    assert_eq!(status.notices, 3);
    assert_eq!(
        status.deliveries,
        vec![
            ("email".to_string(), "pending".to_string(), 1),
            ("sms".to_string(), "pending".to_string(), 2),
        ]
    );

    let sms = SmsStub::start(KEY, 0).await.unwrap();
    let smtp = SmtpStub::start().await.unwrap();
    let round = dispatcher(Some(&sms), Some(&smtp))
        .drain(store, t(20))
        .await
        .unwrap();
    assert_eq!((round.sent, round.retrying, round.failed), (3, 0, 0));

    let mut texts = sms.messages();
    texts.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(texts.len(), 2);
    assert_eq!(texts[0].to, "13812345678");
    assert_eq!(texts[1].to, "13900001111");
    assert!(
        texts[0].text.contains("低保申请已批准"),
        "{}",
        texts[0].text
    );
    assert!(
        texts[0].text.contains("2026-01 起按月发放"),
        "{}",
        texts[0].text
    );
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["zhang@example.cn".to_string()]);
    let id = mails[0].header("Message-ID").unwrap();
    assert!(
        id.starts_with("<minsheng-notice-") && id.ends_with("-email@minsheng>"),
        "{id}"
    );

    // Nothing is due any more; a second run sends nothing.
    let again = dispatcher(Some(&sms), Some(&smtp))
        .drain(store, t(3600))
        .await
        .unwrap();
    assert_eq!(again.total(), 0);
    assert_eq!(sms.requests(), 2);

    // The inbox has every notice, with how far each channel got; the sends are audited with
    // the addresses masked.
    let inbox = store.outbox().inbox(&both, 10).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].deliveries.len(), 2);
    assert!(inbox[0].deliveries.iter().all(|(_, s)| s == "sent"));
    assert_eq!(store.outbox().unread(&both).await.unwrap(), 1);
    store.outbox().mark_read(&both, t(30)).await.unwrap();
    assert_eq!(store.outbox().unread(&both).await.unwrap(), 0);
    assert_eq!(store.outbox().inbox(&quiet, 10).await.unwrap().len(), 1);
    let sends = store.audit_entries("H-1").await.unwrap();
    let sends: Vec<_> = sends.iter().filter(|e| e.action == "send_notice").collect();
    assert_eq!(sends.len(), 3);
    assert!(sends.iter().any(|e| e.detail.contains("to=138****5678")));
    assert!(sends
        .iter()
        .any(|e| e.detail.contains("to=z***@example.cn")));
    assert!(sends.iter().all(|e| !e.detail.contains("13812345678")));
    assert!(sends.iter().all(|e| e.actor == "system:outbox"));
}

async fn a_busy_gateway_is_retried_later_and_a_refusal_is_not(store: &Store) {
    let (a, b) = (resident(21), resident(22));
    choose(store, &a, "13812345678", "").await;
    choose(store, &b, "13912345678", "").await;
    enqueue(store, &[notice("n:a", &a), notice("n:b", &b)], t(0)).await;
    // The gateway will refuse b's number (as one it cannot deliver to).
    execute(
        store,
        "UPDATE notice_delivery SET address = '139' WHERE notice_id = (SELECT id FROM notice WHERE key = 'n:b')",
    )
    .await;

    // Busy for the first request: a's attempt waits 30 seconds; b's is refused for good.
    let sms = SmsStub::start(KEY, 1).await.unwrap();
    let mut d = dispatcher(Some(&sms), None);
    d.concurrency = 1;
    let first = d.drain(store, t(100)).await.unwrap();
    assert_eq!(first.failed, 1);
    assert_eq!(first.sent + first.retrying, 1);
    let retried = first.retrying;
    // Not due again before its backoff.
    assert_eq!(d.drain(store, t(100)).await.unwrap().total(), 0);
    let later = d.drain(store, t(100 + 31)).await.unwrap();
    assert_eq!(later.sent, retried);
    assert_eq!(sms.messages().len(), 1);
    assert_eq!(sms.messages()[0].to, "13812345678");
    let status = store.outbox().status().await.unwrap();
    assert_eq!(
        status.deliveries,
        vec![
            ("sms".to_string(), "failed".to_string(), 1),
            ("sms".to_string(), "sent".to_string(), 1),
        ]
    );
    assert_eq!(status.oldest_waiting, None);

    // A gateway that never answers: eight attempts with growing waits, then failed.
    let c = resident(23);
    choose(store, &c, "13700000000", "").await;
    enqueue(store, &[notice("n:c", &c)], t(1000)).await;
    let gone = Dispatcher::new(&ChannelConfig {
        sms_url: Some("http://127.0.0.1:9/messages".into()),
        sms_key: Some(Secret::new(KEY)),
        ..ChannelConfig::default()
    })
    .unwrap();
    let mut now = t(1000);
    let mut attempts = 0;
    while attempts < 20 {
        let round = gone.drain(store, now).await.unwrap();
        attempts += round.total();
        if round.failed == 1 {
            break;
        }
        now += chrono::Duration::hours(1);
    }
    assert_eq!(attempts, minsheng_notify::domain::MAX_ATTEMPTS as u64);
    let status = store.outbox().status().await.unwrap();
    assert!(status
        .deliveries
        .contains(&("sms".into(), "failed".into(), 2)));
}

async fn a_dispatcher_that_dies_mid_send_does_not_send_twice(store: &Store) {
    let a = resident(31);
    choose(store, &a, "13812345678", "").await;
    enqueue(store, &[notice("n:crash", &a)], t(0)).await;
    let sms = SmsStub::start(KEY, 0).await.unwrap();

    // A run claims the delivery and sends it, then dies before recording the outcome: the
    // claim is held for the lease and the message reached the gateway once.
    let claimed = store
        .outbox()
        .claim(
            &[minsheng_notify::Channel::Sms],
            t(10),
            t(310),
            10,
            "dead-run",
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let client = reqwest::Client::new();
    client
        .post(&sms.url)
        .bearer_auth(KEY)
        .json(&serde_json::json!({
            "id": claimed[0].idempotency_key(),
            "to": claimed[0].address,
            "text": "first attempt",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(sms.messages().len(), 1);

    // Within the lease nobody else takes it; after it, the next run sends it again with the same
    // key, and the gateway keeps one message.
    let d = dispatcher(Some(&sms), None);
    assert_eq!(d.drain(store, t(100)).await.unwrap().total(), 0);
    let after = d.drain(store, t(311)).await.unwrap();
    assert_eq!(after.sent, 1);
    assert_eq!(sms.requests(), 2);
    assert_eq!(sms.messages().len(), 1);
    // The dead run's late record changes nothing.
    store
        .outbox()
        .finish(
            "dead-run",
            &[(
                claimed[0].clone(),
                minsheng_notify::domain::Next::RetryIn(Duration::from_secs(30)),
                "late".into(),
            )],
            t(400),
            &[],
        )
        .await
        .unwrap();
    let status = store.outbox().status().await.unwrap();
    assert_eq!(status.deliveries, vec![("sms".into(), "sent".into(), 1)]);
}
