#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step is a failed test
//! A caseworker's day, on both backends: a one-thing application found by a sweep goes through
//! every step of the MCA procedure — survey, review, posting with an objection, the district's
//! decision, the notice — to its first payment; wrong roles, wrong areas, steps out of order and
//! duplicate applications are refused and change nothing. The procedure runs on dates of its
//! own (the app takes the clock as a value); the CLI's wiring is checked on today's date.

mod common;

use minsheng_assistance::storage::CasesStore as _;
use minsheng_assistance::storage::DiscoveryStore as _;
use minsheng_assistance::storage::RequestsStore as _;
use minsheng_payments::PaymentsStore as _;
use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use common::{catalog, Db};
use minsheng_app::{Clock, Quiet};
use minsheng_assistance::cases::{step, submit, ApplicationForm, CaseError};
use minsheng_assistance::FindingKind;
use minsheng_assistance::{Action, Stage};
use minsheng_core::access::{Role, Staff};
use minsheng_core::{AreaCode, Month};
use minsheng_policy::Policy;
use minsheng_store::Store;
use minsheng_test_support::{allow, refuse};

/// 10:00 China time on a day.
fn on(day: &str) -> Clock {
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    Clock::at(DateTime::<Utc>::from_naive_utc_and_offset(
        date.and_hms_opt(2, 0, 0).unwrap(),
        Utc,
    ))
}

fn refused_field(r: Result<impl std::fmt::Debug, CaseError>) -> String {
    match r {
        Err(CaseError::Invalid { field, .. }) => field,
        Err(CaseError::Store(
            minsheng_store::StoreError::Invalid { field, .. }
            | minsheng_store::StoreError::Conflict { field, .. },
        )) => field,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn staff(store: &Store, name: &str, role: Role, area: &str) -> String {
    let s = Staff {
        name: name.into(),
        role,
        area: AreaCode::parse(area).unwrap(),
    };
    store.add_staff(&s, "admin", Utc::now()).await.unwrap();
    name.into()
}

async fn an_application_goes_through_every_step_to_its_first_payment(db: Db) {
    // The city is registered before the dates the procedure runs on.
    let store = Store::open(&db.url).await.unwrap();
    minsheng_app::generate::generate(&store, 4000, 13, on("2025-08-01"), &Quiet)
        .await
        .unwrap();
    let policy = Policy::load(Path::new(&catalog())).unwrap();
    minsheng_assistance::calendar::load_bundled(&store, &policy, "admin", on("2025-09-01"))
        .await
        .unwrap();

    // A sweep finds a household the rules say should have dibao; a caseworker invites it to apply.
    let september = Month::new(2025, 9).unwrap();
    let found = minsheng_assistance::discovery::sweep(
        &store,
        &policy,
        september,
        "analyst",
        on("2025-09-01"),
        &Quiet,
    )
    .await
    .unwrap();
    let finding = found
        .record
        .new
        .iter()
        .find(|f| f.kind == FindingKind::Eligible && f.program == "dibao")
        .unwrap()
        .clone();
    let file = store.household_file(&finding.household).await.unwrap();
    let community = file.area.as_str().to_string();
    let applicant = file.members[0].person.id_number.as_str().to_string();
    let worker = staff(&store, "王社工", Role::Community, &community).await;
    let reviewer = staff(&store, "李审核", Role::Street, &community[..9]).await;
    let approver = staff(&store, "赵科长", Role::District, &community[..6]).await;
    let elsewhere = if &community[..6] == "370211" {
        "370212"
    } else {
        "370211"
    };
    let stranger = staff(&store, "钱科长", Role::District, elsewhere).await;

    let form = ApplicationForm {
        household: finding.household.clone(),
        programs: vec!["dibao".into()],
        applicant: applicant.clone(),
        proxy: "孙某 (女儿)".into(),
        changes: vec![(applicant.clone(), vec!["employment=unemployed".into()])],
        facts_from: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
    };
    let thursday = on("2025-09-25");
    assert_eq!(
        refused_field(submit(&store, &policy, &form, &approver, thursday).await),
        "actor",
        "the district does not accept applications"
    );
    let submitted = submit(&store, &policy, &form, &worker, thursday)
        .await
        .unwrap();
    assert!(
        submitted.provisional.is_empty(),
        "{:?}",
        submitted.provisional
    );
    let (case, program, owed, _) = submitted.cases[0].clone();
    assert_eq!(
        (program.as_str(), owed),
        ("dibao", finding.owed),
        "told on the spot what the rules say"
    );
    assert_eq!(
        refused_field(submit(&store, &policy, &form, &worker, thursday).await),
        "programs",
        "a duplicate"
    );
    let (record, events, _) = store.cases().case(case).await.unwrap();
    assert_eq!(record.case.stage, Stage::Accepted);
    // The survey is due three working days later, the swapped Sunday 28 September counting.
    assert_eq!(record.due_on, NaiveDate::from_ymd_opt(2025, 9, 29));
    // The whole procedure: 30 working days, the eight days of National Day off and two swapped
    // weekend days worked: 12 November.
    assert_eq!(record.final_due_on, NaiveDate::from_ymd_opt(2025, 11, 12));
    assert_eq!(events.len(), 1);

    let go = |action: Action, who: &str, day: &str| {
        let (store, policy, who, clock) = (&store, &policy, who.to_string(), on(day));
        async move { step(store, policy, case, &action, &who, clock).await }
    };
    let decide = || Action::Decide {
        approve: true,
        reason: "人均收入低于低保标准, 财产符合规定".into(),
    };
    assert_eq!(
        refused_field(go(decide(), &approver, "2025-09-26").await),
        "stage",
        "out of order"
    );
    let one = Action::Survey {
        surveyors: vec![worker.clone()],
        report: "入户".into(),
    };
    assert_eq!(
        refused_field(go(one, &worker, "2025-09-26").await),
        "surveyors"
    );
    let survey = Action::Survey {
        surveyors: vec![worker.clone(), "刘网格员".into()],
        report: "入户核实收入与财产".into(),
    };
    go(survey, &worker, "2025-09-26").await.unwrap();
    let review = Action::Review {
        pass: true,
        reason: "初审通过".into(),
    };
    assert_eq!(
        refused_field(go(review.clone(), &worker, "2025-09-30").await),
        "actor",
        "the street reviews"
    );
    let (posted, _) = go(review, &reviewer, "2025-09-30").await.unwrap();
    assert_eq!(posted.case.stage, Stage::Posted);
    assert_eq!(
        posted.due_on,
        NaiveDate::from_ymd_opt(2025, 10, 21),
        "10 working days after the posting, past the National Day holiday"
    );
    go(
        Action::Object {
            by: "邻居".into(),
            text: "家中有经营收入".into(),
        },
        &worker,
        "2025-10-02",
    )
    .await
    .unwrap();
    assert_eq!(
        refused_field(go(decide(), &approver, "2025-10-09").await),
        "objections"
    );
    let (_, _, objections) = store.cases().case(case).await.unwrap();
    let resolve = Action::Resolve {
        objection: objections[0].id,
        upheld: false,
        reason: "经营已于2024年停止, 核实税务记录".into(),
    };
    go(resolve, &reviewer, "2025-10-09").await.unwrap();
    assert_eq!(
        refused_field(go(decide(), &stranger, "2025-10-09").await),
        "actor",
        "another district"
    );
    let (approved, _) = go(decide(), &approver, "2025-10-09").await.unwrap();
    assert_eq!(approved.case.stage, Stage::Approved);
    assert!(approved.enrolment_id.is_some());
    let enrolments = store
        .payments()
        .enrolments(&finding.household)
        .await
        .unwrap();
    assert_eq!(
        enrolments
            .last()
            .map(|e| (e.program.as_str(), e.first_month)),
        Some(("dibao", Month::new(2025, 11).unwrap())),
        "paid from the month after approval"
    );
    let (closed, _) = go(
        Action::Notify {
            text: "批准通知书已送达".into(),
        },
        &reviewer,
        "2025-10-10",
    )
    .await
    .unwrap();
    assert_eq!(
        (closed.case.stage, closed.outcome.as_str()),
        (Stage::Closed, "granted")
    );
    let (_, history, _) = store.cases().case(case).await.unwrap();
    let steps: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        steps,
        ["accept", "survey", "review", "object", "resolve", "decide", "notify"]
    );
    assert!(
        history.iter().all(|e| !e.detail.contains(&applicant)),
        "ID numbers are masked in the history"
    );

    // October pays nothing yet; November pays the household.
    let october = minsheng_payments::compute(
        &store,
        &policy,
        Month::new(2025, 10).unwrap(),
        false,
        "caseworker",
        on("2025-10-28"),
        &Quiet,
    )
    .await
    .unwrap();
    assert!(october.status.owed.iter().all(|(p, ..)| p != "dibao"));
    let november = minsheng_payments::compute(
        &store,
        &policy,
        Month::new(2025, 11).unwrap(),
        false,
        "caseworker",
        on("2025-11-25"),
        &Quiet,
    )
    .await
    .unwrap();
    assert!(
        november
            .status
            .owed
            .iter()
            .any(|(p, n, _)| p == "dibao" && *n == 1),
        "{:?}",
        november.status
    );

    // Periodic review: due a review period after the first month, then after each review.
    let due = |day: &'static str| {
        let (store, policy, reviewer) = (&store, &policy, reviewer.clone());
        async move {
            minsheng_assistance::cases::reviews_due(store, policy, &reviewer, on(day))
                .await
                .unwrap()
                .into_iter()
                .find(|(r, _)| r.enrolment_id == approved.enrolment_id.unwrap())
                .map(|(r, next)| (r.can_work, next))
                .unwrap()
        }
    };
    let (can_work, first_due) = due("2025-11-26").await;
    let months = if can_work { 6 } else { 12 };
    assert_eq!(
        first_due,
        NaiveDate::from_ymd_opt(2025, 11, 1)
            .unwrap()
            .checked_add_months(chrono::Months::new(months))
            .unwrap()
    );
    // Ten days before, the household is told; telling again adds nothing.
    let before = (first_due - chrono::Duration::days(10)).to_string();
    let reminded =
        minsheng_assistance::cases::remind_reviews(&store, &policy, 30, &reviewer, on(&before))
            .await
            .unwrap();
    assert!(reminded >= 1, "{reminded}");
    let again =
        minsheng_assistance::cases::remind_reviews(&store, &policy, 30, &reviewer, on(&before))
            .await
            .unwrap();
    assert_eq!(again, 0, "one reminder per review");
    let by_worker = minsheng_assistance::cases::review(
        &store,
        approved.enrolment_id.unwrap(),
        "入户核查",
        &worker,
        on("2026-01-15"),
    )
    .await;
    assert_eq!(
        refused_field(by_worker),
        "actor",
        "the street or the district reviews"
    );
    minsheng_assistance::cases::review(
        &store,
        approved.enrolment_id.unwrap(),
        "入户核查: 情况无变化",
        &reviewer,
        on("2026-01-15"),
    )
    .await
    .unwrap();
    let (_, after) = due("2026-01-16").await;
    assert_eq!(
        after,
        NaiveDate::from_ymd_opt(2026, 1, 15)
            .unwrap()
            .checked_add_months(chrono::Months::new(months))
            .unwrap()
    );

    // The district suspends the benefit; it stays suspended until resumed, then ends.
    use minsheng_assistance::cases::{decide_enrolment, EnrolmentDecision};
    let enrolment = approved.enrolment_id.unwrap();
    let month = |y, m| Month::new(y, m).unwrap();
    // What the month's cycle owes under dibao: (payees, amount).
    let dibao = |m: Month, day: &'static str| {
        let (store, policy) = (&store, &policy);
        async move {
            let c =
                minsheng_payments::compute(store, policy, m, false, "caseworker", on(day), &Quiet)
                    .await
                    .unwrap();
            c.status
                .owed
                .iter()
                .find(|(p, ..)| p == "dibao")
                .map_or((0, minsheng_core::Fen::ZERO), |(_, n, a)| (*n, *a))
        }
    };
    let dibao_payees = |m: Month, day: &'static str| {
        let dibao = &dibao;
        async move { dibao(m, day).await.0 }
    };
    let suspend = EnrolmentDecision::Suspend {
        from: month(2025, 12),
    };
    let street_try = decide_enrolment(
        &store,
        &policy,
        enrolment,
        &suspend,
        "外出务工未报告",
        &reviewer,
        on("2025-11-26"),
    )
    .await;
    assert_eq!(refused_field(street_try), "actor");
    decide_enrolment(
        &store,
        &policy,
        enrolment,
        &suspend,
        "外出务工未报告",
        &approver,
        on("2025-11-26"),
    )
    .await
    .unwrap();
    let again = decide_enrolment(
        &store,
        &policy,
        enrolment,
        &suspend,
        "again",
        &approver,
        on("2025-11-27"),
    )
    .await;
    assert_eq!(refused_field(again), "from");
    assert_eq!(dibao_payees(month(2025, 12), "2025-12-20").await, 0);
    assert_eq!(
        dibao_payees(month(2026, 1), "2026-01-20").await,
        0,
        "a suspension stays until resumed"
    );
    let resume = EnrolmentDecision::Resume {
        from: month(2026, 2),
    };
    decide_enrolment(
        &store,
        &policy,
        enrolment,
        &resume,
        "已核实返乡",
        &approver,
        on("2026-01-25"),
    )
    .await
    .unwrap();
    assert_eq!(dibao_payees(month(2026, 2), "2026-02-20").await, 1);
    // Work lifts the household's income above the line from March: a gradual exit of two
    // months keeps February's amount, then the benefit ends.
    let (_, kept) = dibao(month(2026, 2), "2026-02-21").await;
    minsheng_app::registry::record_change(
        &store,
        &applicant,
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        &[
            "income_wage=99999".to_string(),
            "employment=employed".to_string(),
        ],
        &worker,
        on("2026-03-05"),
    )
    .await
    .unwrap();
    let too_long = EnrolmentDecision::Taper {
        from: month(2026, 3),
        months: 7,
    };
    assert_eq!(
        refused_field(
            decide_enrolment(
                &store,
                &policy,
                enrolment,
                &too_long,
                "就业",
                &approver,
                on("2026-03-10")
            )
            .await
        ),
        "months",
        "at most six months"
    );
    let taper = EnrolmentDecision::Taper {
        from: month(2026, 3),
        months: 2,
    };
    decide_enrolment(
        &store,
        &policy,
        enrolment,
        &taper,
        "就业后收入超过标准, 渐退2个月",
        &approver,
        on("2026-03-10"),
    )
    .await
    .unwrap();
    assert_eq!(
        dibao(month(2026, 3), "2026-03-20").await,
        (1, kept),
        "the rules say nothing is owed; 渐退 keeps paying"
    );
    assert_eq!(dibao(month(2026, 4), "2026-04-20").await, (1, kept));
    assert_eq!(dibao_payees(month(2026, 5), "2026-05-20").await, 0);
    let event = minsheng_assistance::discovery::reevaluate(
        &store,
        &policy,
        &finding.household,
        month(2026, 4),
        "test",
        "analyst",
        on("2026-04-02"),
    )
    .await
    .unwrap();
    assert!(
        event.record.new.iter().all(|f| f.program != "dibao"),
        "no review task for a decided exit: {:?}",
        event.record.new
    );
    let end = EnrolmentDecision::End {
        last: month(2026, 6),
    };
    assert_eq!(
        refused_field(
            decide_enrolment(
                &store,
                &policy,
                enrolment,
                &end,
                "x",
                &approver,
                on("2026-04-10")
            )
            .await
        ),
        "last",
        "it has ended already"
    );

    // An application is refused with reasons, and notified.
    let second = ApplicationForm {
        programs: vec!["tekun_basic".into()],
        changes: vec![],
        ..form.clone()
    };
    let tekun = submit(&store, &policy, &second, &worker, on("2025-10-13"))
        .await
        .unwrap()
        .cases[0]
        .0;
    let go2 = |action: Action, who: &str, day: &str| {
        let (store, policy, who, clock) = (&store, &policy, who.to_string(), on(day));
        async move { step(store, policy, tekun, &action, &who, clock).await }
    };
    go2(
        Action::Survey {
            surveyors: vec!["甲".into(), "乙".into()],
            report: "r".into(),
        },
        &worker,
        "2025-10-14",
    )
    .await
    .unwrap();
    let refused = go2(
        Action::Review {
            pass: false,
            reason: "有赡养能力的子女共同生活".into(),
        },
        &reviewer,
        "2025-10-15",
    )
    .await
    .unwrap()
    .0;
    assert_eq!(
        (refused.case.stage, refused.due_on),
        (Stage::Refused, NaiveDate::from_ymd_opt(2025, 10, 20))
    );
    // The inbox, a week later: the refusal's notice is overdue.
    let inbox = store
        .cases()
        .cases_within(
            &minsheng_core::access::Scope::Area(AreaCode::parse(&community[..9]).unwrap()),
            true,
            &Default::default(),
            100,
            0,
        )
        .await
        .unwrap();
    assert_eq!(
        inbox.0.iter().map(|c| c.case.id).collect::<Vec<_>>(),
        [tekun]
    );
    assert_eq!(inbox.1, 1);
    let calendar = store.work_calendar().await.unwrap();
    assert!(
        calendar.working_days_between(
            NaiveDate::from_ymd_opt(2025, 10, 22).unwrap(),
            refused.due_on.unwrap()
        ) < 0
    );
    let (done, _) = go2(
        Action::Notify {
            text: "不予批准告知书: 有赡养能力的子女共同生活".into(),
        },
        &reviewer,
        "2025-10-22",
    )
    .await
    .unwrap();
    assert_eq!(done.outcome, "refused");
    store.close().await;

    // The CLI's wiring, on today's date.
    let out = db.ok_as(&reviewer, &["case", &case.to_string()]);
    assert!(out.contains("outcome granted"), "{out}");
    let inbox = db.ok_as(&reviewer, &["cases", "--all"]);
    assert!(inbox.contains(&finding.household), "{inbox}");
    // Filtered as the web's inbox is: by program, stage, overdue; a bad filter named.
    let closed = db.ok_as(&reviewer, &["cases", "--all", "--stage", "closed"]);
    assert!(closed.contains(&finding.household), "{closed}");
    let posted = db.ok_as(&reviewer, &["cases", "--all", "--stage", "posted"]);
    assert!(!posted.contains(&finding.household), "{posted}");
    let other = db.ok_as(
        &reviewer,
        &["cases", "--all", "--program", "child_basic_living"],
    );
    assert!(!other.contains(&finding.household), "{other}");
    let bad = db.run_as(&reviewer, &["cases", "--stage", "someday"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'someday' is not a stage"));
    let bad = db.run_as(&reviewer, &["cases", "--program", "nothing"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("program: 'nothing' is not a program"));
    let nobody = db.run_as("nobody", &["cases"]);
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("不在工作人员名册中"));
    // A step acts as the reviewer's account: refused without one, then judged on its merits.
    let notify = ["case", &case.to_string(), "notify", "--text", "再次告知"];
    let unproven = db.run_as(&reviewer, &notify);
    let stderr = String::from_utf8_lossy(&unproven.stderr).to_string();
    assert!(stderr.contains("password (or token) is wrong"), "{stderr}");
    db.ok(&["account", "add", "--staff", &reviewer]);
    let proven = db.run_as(&reviewer, &notify);
    let stderr = String::from_utf8_lossy(&proven.stderr).to_string();
    assert!(
        !proven.status.success() && !stderr.contains("password"),
        "{stderr}"
    );
    let audit = db.ok(&["audit", "verify"]);
    assert!(audit.contains("chain intact"), "{audit}");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_an_application_goes_through_every_step_to_its_first_payment() {
    an_application_goes_through_every_step_to_its_first_payment(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_application_goes_through_every_step_to_its_first_payment() {
    an_application_goes_through_every_step_to_its_first_payment(Db::postgres().await).await;
}

/// A small city recorded now, one of its households, and its community's caseworker.
struct Town {
    store: Store,
    clock: Clock,
    policy: Policy,
    code: String,
    file: minsheng_core::registry::HouseholdFile,
    worker: String,
}

async fn town(db: &Db, seed: u64) -> Town {
    let store = Store::open(&db.url).await.unwrap();
    let clock = Clock::system();
    minsheng_app::generate::generate(&store, 300, seed, clock, &Quiet)
        .await
        .unwrap();
    let policy = Policy::load(Path::new(&catalog())).unwrap();
    let code = store.sample_household_codes(1).await.unwrap()[0].clone();
    let file = store.household_file(&code).await.unwrap();
    let worker = staff(&store, "王社工", Role::Community, file.area.as_str()).await;
    Town {
        store,
        clock,
        policy,
        code,
        file,
        worker,
    }
}

/// A deadline that runs into a year whose holiday notice is not loaded is counted there on the
/// Monday–Friday rule and marked provisional; loading the notice counts it again. Run on the
/// real day, whatever it is: no calendar is loaded until the test writes one.
async fn a_notice_loaded_later_settles_provisional_deadlines(db: Db) {
    let Town {
        store,
        clock,
        policy,
        code,
        worker,
        ..
    } = town(&db, 17).await;
    let form = ApplicationForm {
        household: code,
        programs: vec!["dibao".into()],
        applicant: String::new(),
        proxy: String::new(),
        changes: Vec::new(),
        facts_from: clock.today,
    };
    let submitted = submit(&store, &policy, &form, &worker, clock)
        .await
        .unwrap();
    let year = clock.today.year();
    assert_eq!(submitted.provisional, [year]);
    let case = submitted.cases[0].0;
    let (guessed, _, _) = store.cases().case(case).await.unwrap();
    let calendar = store.work_calendar().await.unwrap();
    let deadlines = minsheng_assistance::cases::Deadlines::of(&guessed, &calendar);
    assert_eq!(deadlines.step.and_then(|d| d.provisional), Some(year));
    assert_eq!(deadlines.whole.and_then(|d| d.provisional), Some(year));

    // The notice: the first weekday after today is a holiday (and a day off on 1 January of
    // each year, so each year the deadlines reach is loaded).
    let mut first_weekday = clock.today.succ_opt().unwrap();
    while first_weekday.weekday().number_from_monday() > 5 {
        first_weekday = first_weekday.succ_opt().unwrap();
    }
    let mut rows = vec![format!("{first_weekday},holiday,测试")];
    for y in year..=year + 1 {
        let new_year = NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        if new_year != first_weekday {
            rows.push(format!("{new_year},holiday,元旦"));
        }
    }
    let notice = db.path("notice.csv");
    std::fs::write(
        &notice,
        format!("date,kind,occasion\n{}\n", rows.join("\n")),
    )
    .unwrap();
    let loaded =
        minsheng_assistance::calendar::import_calendar(&store, &policy, &notice, "admin", clock)
            .await
            .unwrap();
    assert_eq!(loaded.years, [year, year + 1]);
    assert_eq!(loaded.recounted, 1);
    let (settled, _, _) = store.cases().case(case).await.unwrap();
    let calendar = store.work_calendar().await.unwrap();
    let procedure = minsheng_assistance::Procedure::of(&policy, "dibao", clock.today).unwrap();
    assert_eq!(
        settled.due_on,
        Some(
            calendar
                .add_working_days(clock.today, procedure.survey)
                .unwrap()
                .on
        )
    );
    assert!(settled.due_on > guessed.due_on, "the holiday moves it on");
    assert_eq!(
        settled.final_due_on,
        Some(
            calendar
                .add_working_days(clock.today, procedure.total)
                .unwrap()
                .on
        )
    );
    let deadlines = minsheng_assistance::cases::Deadlines::of(&settled, &calendar);
    assert_eq!(deadlines.provisional().count(), 0, "{deadlines:?}");
    store.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_notice_loaded_later_settles_provisional_deadlines() {
    a_notice_loaded_later_settles_provisional_deadlines(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_notice_loaded_later_settles_provisional_deadlines() {
    a_notice_loaded_later_settles_provisional_deadlines(Db::postgres().await).await;
}

/// A change and the audit entry that records it commit together: when the entry cannot be
/// written, the registry change, the application and the case's step are not made either.
async fn a_change_that_cannot_be_audited_is_not_made(db: Db) {
    let Town {
        store,
        clock,
        policy,
        code,
        file,
        worker,
    } = town(&db, 19).await;
    let form = |program: &str| ApplicationForm {
        household: code.clone(),
        programs: vec![program.into()],
        applicant: String::new(),
        proxy: String::new(),
        changes: Vec::new(),
        facts_from: clock.today,
    };
    let open = submit(&store, &policy, &form("dibao"), &worker, clock)
        .await
        .unwrap()
        .cases[0]
        .0;
    let person = file.members[0].person.id_number.as_str().to_string();
    let versions = |f: &minsheng_core::registry::HouseholdFile| {
        f.members.iter().map(|m| m.versions.len()).sum::<usize>()
    };
    let before = versions(&file);
    let month = minsheng_core::Month::containing(clock.today);
    minsheng_payments::enrol_caseload(
        &store,
        &policy,
        month,
        "现有在保对象",
        "admin",
        clock,
        &Quiet,
    )
    .await
    .unwrap();

    refuse(&store, "audit_refused", "INSERT", "audit_log").await;
    let change = minsheng_app::registry::record_change(
        &store,
        &person,
        clock.today,
        &["income_wage=1234".into()],
        "王社工",
        clock,
    )
    .await;
    assert!(
        change
            .as_ref()
            .is_err_and(|e| e.to_string().contains("audit_refused")),
        "{change:?}"
    );
    let after = store.household_file(&code).await.unwrap();
    assert_eq!(versions(&after), before, "the change was made unaudited");

    let applied = submit(&store, &policy, &form("tekun_basic"), &worker, clock).await;
    assert!(applied.is_err(), "{applied:?}");
    let cases = store
        .cases()
        .cases_within(
            &minsheng_core::access::Scope::Area(file.area.clone()),
            false,
            &Default::default(),
            100,
            0,
        )
        .await
        .unwrap();
    assert_eq!(
        cases.0.iter().map(|c| c.case.id).collect::<Vec<_>>(),
        [open],
        "the application was made unaudited"
    );

    let withdrawn = step(
        &store,
        &policy,
        open,
        &Action::Withdraw {
            reason: "申请人撤回".into(),
        },
        "王社工",
        clock,
    )
    .await;
    assert!(withdrawn.is_err(), "{withdrawn:?}");
    let (case, events, _) = store.cases().case(open).await.unwrap();
    assert_eq!((case.case.stage, events.len()), (Stage::Accepted, 1));

    let computed =
        minsheng_payments::compute(&store, &policy, month, false, "admin", clock, &Quiet).await;
    assert!(computed.is_err(), "{:?}", computed.map(|c| c.status));
    assert!(
        store.payments().pay_cycle(month).await.unwrap().is_none(),
        "a month was computed unaudited"
    );

    let swept =
        minsheng_assistance::discovery::sweep(&store, &policy, month, "admin", clock, &Quiet).await;
    assert!(swept.is_err(), "{:?}", swept.map(|r| r.sweep.id));
    assert!(
        store
            .discovery()
            .monitoring(month, &minsheng_core::access::Scope::Everything)
            .await
            .unwrap()
            .is_none(),
        "a sweep was recorded unaudited"
    );

    let calendar =
        minsheng_assistance::calendar::load_bundled(&store, &policy, "admin", clock).await;
    assert!(calendar.is_err(), "{:?}", calendar.map(|l| l.years));
    assert_eq!(
        store.work_calendar().await.unwrap().years().count(),
        0,
        "a calendar was loaded unaudited"
    );

    let holder = minsheng_store::AccountHolder::Staff("王社工".into());
    let account = minsheng_app::accounts::add_account(
        &store,
        "王社工",
        "long enough pass",
        &holder,
        "admin",
        clock,
    )
    .await;
    assert!(
        account
            .as_ref()
            .is_err_and(|e| e.to_string().contains("audit_refused")),
        "{account:?}"
    );
    assert!(
        store.account("王社工").await.unwrap().is_none(),
        "an account was made unaudited"
    );
    store.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_change_that_cannot_be_audited_is_not_made() {
    a_change_that_cannot_be_audited_is_not_made(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_change_that_cannot_be_audited_is_not_made() {
    a_change_that_cannot_be_audited_is_not_made(Db::postgres().await).await;
}

/// A resident's request becomes one application, once, or none: accepting it and marking it
/// accepted are one transaction. A second request while one waits is refused.
async fn a_request_becomes_one_application_or_none(db: Db) {
    let Town {
        store,
        clock,
        policy,
        file,
        worker,
        ..
    } = town(&db, 23).await;
    let resident = file.members[0].person.id_number.clone();
    let scope = minsheng_core::access::Scope::Area(file.area.clone());
    let programs = ["dibao".to_string()];
    let ask = || {
        minsheng_assistance::requests::ask(
            &store,
            &policy,
            &resident,
            "居民",
            &scope,
            &programs,
            "家里有困难",
            clock,
        )
    };
    let request = ask().await.unwrap();
    assert_eq!(refused_field(ask().await), "programs", "one waits already");

    // Marking the request fails: no application is made, and the request still waits.
    refuse(&store, "request_refused", "UPDATE", "application_request").await;
    let accept = || {
        minsheng_assistance::requests::accept(&store, &policy, request.id, &scope, &worker, clock)
    };
    assert!(accept().await.is_err());
    let stored = store.cases();
    let cases = || stored.household_cases(&file.code, &scope);
    assert!(
        cases().await.unwrap().is_empty(),
        "an application without its request"
    );
    assert_eq!(
        store
            .requests()
            .request_within(request.id, &scope)
            .await
            .unwrap()
            .status,
        "waiting"
    );

    allow(&store, "request_refused", "application_request").await;
    let submitted = accept().await.unwrap();
    assert_eq!(refused_field(accept().await), "request", "accepted once");
    let handled = store
        .requests()
        .request_within(request.id, &scope)
        .await
        .unwrap();
    assert_eq!(
        (handled.status.as_str(), handled.application_id),
        ("accepted", Some(submitted.application_id))
    );
    assert_eq!(cases().await.unwrap().len(), 1);
    let (listed, total) = store
        .cases()
        .cases_within(&scope, false, &Default::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!((listed.len(), total), (1, 1));

    // Declined: the resident is told why, in the decline's own transaction — when the notice
    // cannot be written, the request is not declined either.
    let second = minsheng_assistance::requests::ask(
        &store,
        &policy,
        &resident,
        "居民",
        &scope,
        &["tekun_basic".to_string()],
        "",
        clock,
    )
    .await;
    let Ok(second) = second else {
        panic!("{second:?}");
    };
    let decline = || {
        minsheng_assistance::requests::decline(
            &store,
            &policy,
            second.id,
            &scope,
            "家庭成员中有劳动能力人员，不符合特困人员认定条件",
            &worker,
            clock,
        )
    };
    refuse(&store, "notice_refused", "INSERT", "notice").await;
    assert!(decline().await.is_err());
    use minsheng_notify::OutboxStore as _;
    assert!(store
        .outbox()
        .inbox(&resident, 10)
        .await
        .unwrap()
        .is_empty());
    allow(&store, "notice_refused", "notice").await;
    assert_eq!(decline().await.unwrap().status, "declined");
    let told = store.outbox().inbox(&resident, 10).await.unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].title, "您的特困人员基本生活费申请未予受理");
    assert!(
        told[0].body.contains("不符合特困人员认定条件"),
        "{}",
        told[0].body
    );
    store.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_request_becomes_one_application_or_none() {
    a_request_becomes_one_application_or_none(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_request_becomes_one_application_or_none() {
    a_request_becomes_one_application_or_none(Db::postgres().await).await;
}

/// Case lists come a page at a time with their total, a household's cases by its code, and
/// the dashboard's counts from SQL — the same on both backends.
async fn case_lists_are_paged_and_counted(db: Db) {
    let Town {
        store,
        clock,
        policy,
        ..
    } = town(&db, 29).await;
    let everything = minsheng_core::access::Scope::Everything;
    let mut opened = Vec::new();
    for (i, code) in store
        .sample_household_codes(3)
        .await
        .unwrap()
        .into_iter()
        .enumerate()
    {
        let file = store.household_file(&code).await.unwrap();
        let worker = staff(
            &store,
            &format!("社工{i}"),
            Role::Community,
            file.area.as_str(),
        )
        .await;
        let form = ApplicationForm {
            household: code.clone(),
            programs: vec!["dibao".into()],
            applicant: String::new(),
            proxy: String::new(),
            changes: Vec::new(),
            facts_from: clock.today,
        };
        let submitted = submit(&store, &policy, &form, &worker, clock)
            .await
            .unwrap();
        opened.push((code, submitted.cases[0].0));
    }
    let (first, total) = store
        .cases()
        .cases_within(&everything, true, &Default::default(), 2, 0)
        .await
        .unwrap();
    let (second, again) = store
        .cases()
        .cases_within(&everything, true, &Default::default(), 2, 2)
        .await
        .unwrap();
    assert_eq!((first.len(), second.len(), total, again), (2, 1, 3, 3));
    let mut ids: Vec<i64> = first.iter().chain(&second).map(|c| c.case.id).collect();
    ids.sort_unstable();
    let mut expected: Vec<i64> = opened.iter().map(|(_, id)| *id).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected, "every case once over the pages");
    let (code, id) = &opened[1];
    let theirs = store
        .cases()
        .household_cases(code, &everything)
        .await
        .unwrap();
    assert_eq!(theirs.iter().map(|c| c.case.id).collect::<Vec<_>>(), [*id]);
    // Nothing is overdue today; a year on, every step's deadline has passed.
    assert_eq!(
        store
            .cases()
            .open_case_counts(&everything, clock.today)
            .await
            .unwrap(),
        (3, 0)
    );
    let later = clock.today + chrono::Duration::days(365);
    assert_eq!(
        store
            .cases()
            .open_case_counts(&everything, later)
            .await
            .unwrap(),
        (3, 3)
    );
    let (from, to) = store
        .cases()
        .open_case_span(&everything)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(from, clock.today);
    assert!(to > clock.today);
    store.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_case_lists_are_paged_and_counted() {
    case_lists_are_paged_and_counted(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_case_lists_are_paged_and_counted() {
    case_lists_are_paged_and_counted(Db::postgres().await).await;
}
