#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step is a failed test
//! The monthly payment cycle from the CLI, on both backends: a month paid from caseload to bank
//! file and reconciliation, frozen against later registry edits; and runs killed (SIGKILL) at
//! random points, re-run, ending with every entitlement paid exactly once.

mod common;

use minsheng_payments::PaymentsStore as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{path_str, Db};
use minsheng_core::{Fen, Month};
use minsheng_store::Store;
use rand::{Rng, SeedableRng};

/// The amount on the cycle's "合计" line.
fn total(out: &str) -> Fen {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("合计"))
        .unwrap_or_else(|| panic!("no total in:\n{out}"));
    Fen::parse_yuan(line.split_whitespace().last().unwrap()).unwrap()
}

/// A bank file's lines as (reference, program, household, id_number, amount).
fn bank_lines(path: &Path) -> Vec<(String, String, String, String, Fen)> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        minsheng_payments::BANK_FILE_COLUMNS
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_string(),
                r[3].to_string(),
                r[4].to_string(),
                r[6].to_string(),
                Fen::parse_yuan(&r[8]).unwrap(),
            )
        })
        .collect()
}

async fn a_month_is_paid_once_and_stays_as_frozen(db: Db) {
    db.ok(&["generate", "--people", "3000", "--seed", "7"]);
    db.payment_staff();
    let caseload = db.ok_as("operator", &["caseload", "--month", "2025-06"]);
    assert!(caseload.contains("(dibao):"), "{caseload}");
    let computed = db.ok_as("caseworker", &["pay", "--month", "2025-06"]);
    assert!(computed.contains("awaiting approval"), "{computed}");
    let owed = total(&computed);
    assert!(owed > Fen::ZERO);

    let dir = db.path("bank");
    std::fs::create_dir_all(&dir).unwrap();
    let disburse = [
        "pay",
        "disburse",
        "--month",
        "2025-06",
        "--dir",
        path_str(&dir),
    ];
    let early = db.run_as("operator", &disburse);
    assert!(!early.status.success());
    assert!(String::from_utf8_lossy(&early.stderr).contains("尚未审批"));
    let own = db.run_as("caseworker", &["pay", "approve", "--month", "2025-06"]);
    assert!(!own.status.success());
    assert!(String::from_utf8_lossy(&own.stderr).contains("审核与审批分离"));
    db.ok_as("approver", &["pay", "approve", "--month", "2025-06"]);

    // A folder that is not there is found before anything is sent: no batch, all outstanding.
    let missing = db.path("no-such-folder");
    let nowhere = db.run_as(
        "operator",
        &[
            "pay",
            "disburse",
            "--month",
            "2025-06",
            "--dir",
            path_str(&missing),
        ],
    );
    assert!(!nowhere.status.success());
    let stderr = String::from_utf8_lossy(&nowhere.stderr);
    assert!(
        stderr.contains("dir:") && stderr.contains("is not a folder"),
        "{stderr}"
    );
    let status = db.ok(&["pay", "status", "--month", "2025-06"]);
    assert!(status.contains("2025-06: 0 batch(es)"), "{status}");

    let sent = db.ok_as("operator", &disburse);
    assert!(sent.contains("Sent batch 1"), "{sent}");
    let batch1 = bank_lines(&dir.join("minsheng-pay-2025-06-batch1.csv"));
    assert_eq!(Fen::total(batch1.iter().map(|l| l.4)), Ok(owed));
    assert!(
        batch1.iter().all(|l| l.3.len() == 18),
        "the bank needs full ID numbers"
    );
    let again = db.ok_as("operator", &disburse);
    assert!(again.contains("Nothing outstanding"), "{again}");
    assert_eq!(
        bank_lines(&dir.join("minsheng-pay-2025-06-batch1.csv")),
        batch1
    );

    // A payee's income rises after the freeze: June stays as computed, July sees it.
    let (_, _, household, id_number, _) = batch1.iter().find(|l| l.1 == "dibao").unwrap().clone();
    db.ok(&[
        "registry",
        "record",
        &id_number,
        "--from",
        "2025-06-01",
        "income_wage=99999",
    ]);
    let june = db.ok_as("caseworker", &["pay", "--month", "2025-06"]);
    assert!(june.contains("computed before"), "{june}");
    assert_eq!(total(&june), owed);
    let dibao = |explanation: &str| {
        let line = explanation
            .lines()
            .find(|l| l.contains("(dibao_amount) ="))
            .unwrap_or_else(|| panic!("no dibao line in:\n{explanation}"));
        let amount = line.split("(dibao_amount) = ").nth(1).unwrap();
        Fen::parse_yuan(amount.split_whitespace().next().unwrap()).unwrap()
    };
    let frozen = db.ok_as(
        "caseworker",
        &["pay", "explain", &id_number, "--month", "2025-06"],
    );
    assert!(
        dibao(&frozen) > Fen::ZERO,
        "June's explanation uses the frozen registry:\n{frozen}"
    );
    let now = db.ok_as(
        "caseworker",
        &["policy", "explain", &id_number, "--month", "2025-06"],
    );
    assert_eq!(
        dibao(&now),
        Fen::ZERO,
        "today's explanation sees the change"
    );
    let july = db.ok_as("caseworker", &["pay", "--month", "2025-07"]);
    assert!(
        july.contains(&household),
        "July lists the household for review:\n{july}"
    );

    // The bank returns one payment; it goes out again in batch 2.
    let returns = db.path("returns.csv");
    let mut text = String::from("reference,result,reason\n");
    for (i, line) in batch1.iter().enumerate() {
        text.push_str(&if i == 0 {
            format!("{},失败,账户已销户\n", line.0)
        } else {
            format!("{},成功,\n", line.0)
        });
    }
    std::fs::write(&returns, &text).unwrap();
    let reconciled = db.ok_as("operator", &["pay", "reconcile", path_str(&returns)]);
    assert!(reconciled.contains("1 returned"), "{reconciled}");
    let unknown = db.path("unknown.csv");
    std::fs::write(
        &unknown,
        "reference,result,reason\nMS-202506-999999,成功,\n",
    )
    .unwrap();
    let refused = db.run_as("operator", &["pay", "reconcile", path_str(&unknown)]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("line 2: reference: MS-202506-999999: no such payment was sent"));
    db.ok_as("operator", &disburse);
    let batch2 = bank_lines(&dir.join("minsheng-pay-2025-06-batch2.csv"));
    assert_eq!(batch2.len(), 1);
    assert_eq!((&batch2[0].2, batch2[0].4), (&batch1[0].2, batch1[0].4));

    let totals = db.ok(&["pay", "totals", "--from", "2025-01", "--to", "2025-12"]);
    let paid = totals.lines().last().unwrap();
    assert_eq!(paid, format!("  合计 {} 元", owed.grouped()));
    let verify = db.ok(&["audit", "verify"]);
    assert!(verify.contains("chain intact"), "{verify}");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_month_is_paid_once_and_stays_as_frozen() {
    a_month_is_paid_once_and_stays_as_frozen(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_month_is_paid_once_and_stays_as_frozen() {
    a_month_is_paid_once_and_stays_as_frozen(Db::postgres().await).await;
}

/// One month's steps, in order. The return file is made from batch 1 when its step comes.
fn steps(month: &str, dir: &Path) -> Vec<(&'static str, Vec<String>)> {
    let s = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    let dir = path_str(dir);
    let returns = format!("{dir}/returns.csv");
    vec![
        ("caseworker", s(&["pay", "--month", month])),
        ("approver", s(&["pay", "approve", "--month", month])),
        (
            "operator",
            s(&["pay", "disburse", "--month", month, "--dir", dir]),
        ),
        ("operator", s(&["pay", "reconcile", &returns])),
        (
            "operator",
            s(&["pay", "disburse", "--month", month, "--dir", dir]),
        ),
    ]
}

/// The bank fails the first payment of batch 1 and pays the rest.
fn write_returns(month: &str, dir: &Path) {
    let batch1 = bank_lines(&dir.join(format!("minsheng-pay-{month}-batch1.csv")));
    let mut text = String::from("reference,result,reason\n");
    for (i, line) in batch1.iter().enumerate() {
        let result = if i == 0 {
            "失败,户名不符"
        } else {
            "成功,"
        };
        text.push_str(&format!("{},{result}\n", line.0));
    }
    std::fs::write(dir.join("returns.csv"), text).unwrap();
}

fn run_step(db: &Db, month: &str, dir: &Path, step: usize) {
    if step == 3 {
        write_returns(month, dir);
    }
    let (actor, args) = &steps(month, dir)[step];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    db.ok_as(actor, &args);
}

/// What must hold after a month is run to the end, whatever crashed on the way: every
/// entitlement has exactly one standing payment, the failed one went out twice, the money sent
/// equals the money owed, and each batch's file on disk is that batch as the ledger has it.
async fn check_exactly_once(store: &Store, month: Month, dir: &Path) {
    let status = store.payments().cycle_status(month).await.unwrap();
    assert_eq!(status.outstanding, 0, "{month}: {status:?}");
    assert_eq!(status.sent, status.payees(), "{month}: {status:?}");
    assert_eq!(status.returned, 1, "{month}: {status:?}");
    assert_eq!(status.net_paid, status.total_owed, "{month}: {status:?}");
    assert_eq!(status.batches, 2, "{month}: {status:?}");
    for batch in 1..=2 {
        let ledger: Vec<String> = store
            .payments()
            .batch_payments(month, batch)
            .await
            .unwrap()
            .iter()
            .map(|p| p.reference.to_string())
            .collect();
        let file: Vec<String> =
            bank_lines(&dir.join(format!("minsheng-pay-{month}-batch{batch}.csv")))
                .into_iter()
                .map(|l| l.0)
                .collect();
        assert_eq!(file, ledger, "{month} batch {batch}");
    }
}

/// Every batch's file made again from the ledger is the file that was sent, byte for byte,
/// and no partial file (full ID numbers) is left in the folder.
fn check_files_remade(db: &Db, month: Month, dir: &Path) {
    let again = dir.join("again");
    std::fs::create_dir_all(&again).unwrap();
    for batch in 1..=2 {
        let name = format!("minsheng-pay-{month}-batch{batch}.csv");
        let m = month.to_string();
        let b = batch.to_string();
        let args = [
            "pay",
            "bank-file",
            "--month",
            &m,
            "--batch",
            &b,
            "--dir",
            path_str(&again),
        ];
        db.ok_as("operator", &args);
        assert_eq!(
            std::fs::read(again.join(&name)).unwrap(),
            std::fs::read(dir.join(&name)).unwrap(),
            "{name}"
        );
    }
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial") || n.starts_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{month}: {left:?}");
    let none = db.run_as(
        "operator",
        &[
            "pay",
            "bank-file",
            "--month",
            &month.to_string(),
            "--batch",
            "3",
            "--dir",
            path_str(&again),
        ],
    );
    assert!(String::from_utf8_lossy(&none.stderr).contains("没有第 3 批"));
}

/// Runs months one after another; in each, one step is killed with SIGKILL after a random
/// delay within its usual running time, then the whole month is run again from the start.
/// Forty kills a backend put each of the five steps down about eight times at random points;
/// the suite runs twice in CI (the second time a year and a half ahead), so eighty.
async fn killed_runs_pay_exactly_once(db: Db, kills: usize) {
    db.ok(&["generate", "--people", "2000", "--seed", "3"]);
    db.payment_staff();
    db.ok_as("operator", &["caseload", "--month", "2025-01"]);
    let store = Store::open(&db.url).await.unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20251123);
    let mut month = Month::new(2025, 1).unwrap();
    // One clean month measures how long each step takes.
    let dir = db.path(&month.to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let mut usual = Vec::new();
    for step in 0..5 {
        let started = Instant::now();
        run_step(&db, &month.to_string(), &dir, step);
        usual.push(started.elapsed());
    }
    check_exactly_once(&store, month, &dir).await;
    check_files_remade(&db, month, &dir);
    let mut landed = 0;
    let mut tries = 0;
    while landed < kills {
        tries += 1;
        assert!(
            tries < kills * 4,
            "only {landed} of {tries} kills landed while running"
        );
        month = month.next();
        let m = month.to_string();
        let dir = db.path(&m);
        std::fs::create_dir_all(&dir).unwrap();
        let victim = rng.gen_range(0..5);
        for step in 0..victim {
            run_step(&db, &m, &dir, step);
        }
        if victim == 3 {
            write_returns(&m, &dir);
        }
        let (actor, args) = &steps(&m, &dir)[victim];
        let mut child = db
            .command(actor, &args.iter().map(String::as_str).collect::<Vec<_>>())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let limit = usual[victim].as_micros() as u64 * 5 / 4;
        std::thread::sleep(Duration::from_micros(rng.gen_range(0..=limit)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            landed += 1;
        }
        child.wait().unwrap();
        for step in 0..5 {
            run_step(&db, &m, &dir, step);
        }
        check_exactly_once(&store, month, &dir).await;
        check_files_remade(&db, month, &dir);
    }
    store.close().await;
    let verify = db.ok(&["audit", "verify"]);
    assert!(verify.contains("chain intact"), "{verify}");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_killed_runs_pay_exactly_once() {
    killed_runs_pay_exactly_once(Db::sqlite(), 40).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_runs_pay_exactly_once() {
    killed_runs_pay_exactly_once(Db::postgres().await, 40).await;
}

/// Rules that forget an exclusion the catalog declares (the living subsidy's 特困 exception
/// removed): the cycle pays neither program to a 特困 person with a disability card, and says
/// which two and why, rather than paying both or choosing one.
#[test]
fn a_cycle_holds_back_two_programs_that_exclude_each_other() {
    let db = Db::sqlite();
    let forgetful = db.path("forgetful-policy");
    let copied = std::process::Command::new("cp")
        .args(["-r", &common::catalog(), path_str(&forgetful)])
        .status()
        .unwrap();
    assert!(copied.success());
    let rules = forgetful.join("variables/disability.yaml");
    let text = std::fs::read_to_string(&rules).unwrap();
    let start = text.find("      exceptions:").unwrap();
    let end = text.find("disability_care_subsidy:").unwrap();
    std::fs::write(&rules, format!("{}\n{}", &text[..start], &text[end..])).unwrap();
    let as_forgetful = |actor: &str, args: &[&str]| {
        let out = db
            .command(actor, args)
            .env("MINSHENG_POLICY", &forgetful)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    db.ok(&["generate", "--people", "20000", "--seed", "7"]);
    db.payment_staff();
    as_forgetful("operator", &["caseload", "--month", "2025-06"]);
    let computed = as_forgetful("caseworker", &["pay", "--month", "2025-06"]);
    let held: Vec<&str> = computed
        .lines()
        .filter(|l| l.contains("held back"))
        .collect();
    assert!(!held.is_empty(), "{computed}");
    assert!(
        held.iter().any(|l| l.contains("(disability_living)")
            && l.contains("特困人员基本生活费")
            && l.contains("国发〔2015〕52号")),
        "{computed}"
    );
    assert!(
        held.iter()
            .any(|l| l.contains("(tekun_basic)") && l.contains("困难残疾人生活补贴")),
        "{computed}"
    );
    // Under the catalog's own rules nothing overlaps, so nothing is held back.
    let fair = db.ok_as("caseworker", &["pay", "--month", "2025-06", "--recompute"]);
    assert!(!fair.contains("held back"), "{fair}");
}

/// Computing and approving a month act as accounts, proven by password or token: a name with a
/// trailing space, the default `operator` without an account, a wrong password and another
/// role are refused before anything is written, and the approval records the token's account.
#[tokio::test]
async fn payments_act_as_authenticated_accounts_and_duties_compare_accounts() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "2000", "--seed", "3"]);
    db.ok(&["caseload", "--month", "2025-06"]);
    let refused = |actor: &str, password: &str, args: &[&str], says: &str| {
        let out = db
            .command(actor, args)
            .env("MINSHENG_PASSWORD", password)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{actor:?} {args:?} was accepted");
        assert!(stderr.contains(says), "{actor:?} {args:?}: {stderr}");
    };
    let compute = ["pay", "--month", "2025-06"];
    let wrong = "the login or the password (or token) is wrong";
    refused("operator", common::PASSWORD, &compute, wrong);
    db.payment_staff();
    db.accounts(&[("区审批", "district", "370212")]);
    refused("caseworker ", common::PASSWORD, &compute, wrong);
    refused("caseworker", "not-the-password", &compute, wrong);
    refused(
        "区审批",
        common::PASSWORD,
        &compute,
        "only the city's administrators",
    );
    let none = db.run(&["pay", "status", "--month", "2025-06"]);
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("2025-06 还没有发放周期"),
        "a refused computation wrote a cycle"
    );

    db.ok_as("caseworker", &compute);
    let approve = ["pay", "approve", "--month", "2025-06"];
    refused("caseworker ", common::PASSWORD, &approve, wrong);
    refused("caseworker", common::PASSWORD, &approve, "审核与审批分离");

    // A token is issued by its own account's holder, and then stands in for the password.
    let token_args = ["account", "token", "approver", "--label", "审批终端"];
    refused("approver", "not-the-password", &token_args, wrong);
    let token = db.ok_as("approver", &token_args).trim().to_string();
    assert_eq!(token.len(), 64, "{token}");
    let by_token = db
        .command("operator", &approve)
        .env("MINSHENG_PASSWORD", "")
        .env("MINSHENG_TOKEN", &token)
        .output()
        .unwrap();
    assert!(
        by_token.status.success(),
        "{}",
        String::from_utf8_lossy(&by_token.stderr)
    );
    let status = db.ok(&["pay", "status", "--month", "2025-06"]);
    assert!(status.contains("computed by caseworker"), "{status}");
    assert!(status.contains("approved by approver"), "{status}");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.url))
        .await
        .unwrap();
    let failed: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor, detail FROM audit_log WHERE action = 'sign_in_failed' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected = [
        ("operator", "unknown login via=command line"),
        ("caseworker ", "unknown login via=command line"),
        ("caseworker", "wrong password via=command line"),
        ("caseworker ", "unknown login via=command line"),
        ("approver", "wrong password via=command line"),
    ];
    let failed: Vec<(&str, &str)> = failed
        .iter()
        .map(|(a, d)| (a.as_str(), d.as_str()))
        .collect();
    assert_eq!(failed, expected);
}
