#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step is a failed test
//! The `minsheng` binary as an operator uses it, on both backends.

use std::path::{Path, PathBuf};

mod common;

use common::{catalog, path_str, Db};

/// A source city: generated, with its areas and its roster exported.
fn source_city(people: &str) -> (Db, PathBuf, PathBuf) {
    let source = Db::sqlite();
    source.ok(&["generate", "--people", people, "--seed", "11"]);
    let areas = source.path("areas.csv");
    let roster = source.path("roster.csv");
    source.ok(&["areas", "export", path_str(&areas)]);
    source.ok(&["export", path_str(&roster), "--on", "2025-06-30"]);
    (source, areas, roster)
}

async fn bad_rows_are_reported_and_nothing_changes(target: Db) {
    let (_source, areas, roster) = source_city("300");
    target.ok(&["areas", "import", path_str(&areas)]);
    let text = std::fs::read_to_string(&roster).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let header: Vec<String> = lines[0].split(',').map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let set = |line: &mut String, name: &str, value: &str| {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        cells[col(name)] = value.to_string();
        *line = cells.join(",");
    };
    // Line numbers in the file: the header is line 1.
    let id_of = |line: &str| line.split(',').next().unwrap().to_string();
    let mut bad_id = id_of(&lines[1]);
    let last = bad_id.pop().unwrap();
    bad_id.push(if last == '0' { '1' } else { '0' });
    set(&mut lines[1], "id_number", &bad_id);
    set(&mut lines[2], "birth_date", "1901-01-01");
    set(&mut lines[3], "area", "370212999999");
    set(&mut lines[4], "effective_from", "2999-01-01");
    // A head whose household has other members, so that --valid-only must hold them back.
    let cell = |line: &str, name: &str| line.split(',').nth(col(name)).unwrap().to_string();
    let head = (7..lines.len() - 1)
        .find(|i| {
            cell(&lines[*i], "relation") == "head"
                && cell(&lines[*i + 1], "household") == cell(&lines[*i], "household")
        })
        .expect("a household of two or more");
    set(&mut lines[head], "income_wage", "-5.00");
    // A second row claiming to head another such household: rejected on its own, while the
    // household's real head and other members stay importable.
    let headed = (head + 2..lines.len() - 1)
        .find(|i| {
            cell(&lines[*i], "relation") == "head"
                && cell(&lines[*i + 1], "household") == cell(&lines[*i], "household")
        })
        .expect("a second household of two or more");
    set(&mut lines[headed + 1], "relation", "head");
    let headed_code = cell(&lines[headed], "household");
    // The person on line 8 again, in another household: one person in two households.
    let mut twice = lines[7].clone();
    set(&mut twice, "household", "ANOTHER-HOUSEHOLD");
    set(&mut twice, "relation", "head");
    lines.push(twice);
    lines.push("not,a,roster,row".into());
    let bad = target.path("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let rows = lines.len() - 1;

    let out = target.run(&["import", path_str(&bad)]);
    assert!(!out.status.success(), "an import with bad rows must fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "line 2: id_number: 校验码",
        "line 3: birth_date: 1901-01-01 与身份证号不符",
        "line 4: area: 370212999999 不是已登记的区域代码",
        "line 5: effective_from: 2999-01-01 是将来的日期",
        &format!("line {}: income_wage: -5.00 为负数", head + 1),
        &format!(
            "line {}: relation: 户 {headed_code} 在第 {} 行已有户主",
            headed + 2,
            headed + 1
        ),
        &format!("line {}: id_number: 与第 8 行的身份证号相同", rows),
        &format!("line {}: (row): 有 4 列", rows + 1),
        "Nothing was imported",
    ] {
        assert!(
            stderr.contains(expected),
            "missing «{expected}» in:\n{stderr}"
        );
    }
    assert_eq!(target.persons(), 0, "a rejected import changes nothing");

    // Importing only the valid rows keeps whole households: members of a household whose head
    // was rejected are held back too.
    let out = target.run(&["import", path_str(&bad), "--valid-only"]);
    assert!(!out.status.success(), "rows were still rejected");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let imported = target.persons();
    assert!(
        imported > 250 && imported < 295,
        "{imported} imported; {stdout}"
    );
    assert!(stdout.contains(&format!("{imported} imported")), "{stdout}");
    let registered = |line: &str| {
        target
            .run(&["registry", "show", &id_of(line)])
            .status
            .success()
    };
    assert!(registered(&lines[headed]), "the real head is imported");
    assert!(
        !registered(&lines[headed + 1]),
        "the second claimant is not"
    );
    assert!(!registered(&lines[head]), "a rejected head is not");
    assert!(
        !registered(&lines[head + 1]),
        "nor the members it holds back"
    );

    // The same file again: everyone valid is now already registered.
    let out = target.run(&["import", path_str(&roster)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is already registered"));
    assert_eq!(target.persons(), imported);
    target.cleanup().await;
}

async fn a_roster_round_trips_through_excel_and_csv(target: Db) {
    let (source, areas, roster) = source_city("400");
    let xlsx = source.path("roster.xlsx");
    source.ok(&["export", path_str(&xlsx), "--on", "2025-06-30"]);
    target.ok(&["areas", "import", path_str(&areas)]);
    let out = target.ok(&["import", path_str(&xlsx)]);
    assert!(out.contains("400 imported"), "{out}");
    let again = target.path("again.csv");
    target.ok(&["export", path_str(&again), "--on", "2025-06-30"]);
    assert_eq!(
        std::fs::read_to_string(&again).unwrap(),
        std::fs::read_to_string(&roster).unwrap()
    );
    target.cleanup().await;
}

/// Into an empty registry rows are written while the file is still being read; a problem that
/// shows only at the end of the file (a household that never got a head) must still undo the
/// tens of thousands of rows already written.
async fn a_late_error_undoes_a_streamed_import(target: Db) {
    let (_source, areas, roster) = source_city("25000");
    target.ok(&["areas", "import", path_str(&areas)]);
    let mut text = std::fs::read_to_string(&roster).unwrap();
    let last = text.lines().last().unwrap().to_string();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let mut cells: Vec<String> = last.split(',').map(String::from).collect();
    let id = IdNumberFor::new(&cells[0]);
    cells[0] = id.sibling();
    cells[header.iter().position(|h| *h == "name").unwrap()] = "孤立成员".into();
    cells[header.iter().position(|h| *h == "household").unwrap()] = "NO-HEAD-HOUSEHOLD".into();
    cells[header.iter().position(|h| *h == "relation").unwrap()] = "child".into();
    text.push_str(&cells.join(","));
    text.push('\n');
    let bad = target.path("late.csv");
    std::fs::write(&bad, &text).unwrap();
    let rows = text.lines().count() - 1;
    assert!(rows > 20_000, "more rows than one load batch");

    let out = target.run(&["import", path_str(&bad)]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "line {}: household: 新户 NO-HEAD-HOUSEHOLD 没有与户主关系为“户主”的成员",
        rows + 1
    );
    assert!(
        stderr.contains(&expected),
        "missing «{expected}» in:\n{stderr}"
    );
    assert_eq!(
        target.persons(),
        0,
        "the rows written before the error are undone"
    );
    // And the registry takes the good file afterwards: the failed load left no lock behind.
    target.ok(&["import", path_str(&roster)]);
    assert_eq!(target.persons(), rows as i64 - 1);
    target.cleanup().await;
}

/// Another valid ID number with the same birth date and area as `id`.
struct IdNumberFor(minsheng_core::IdNumber);

impl IdNumberFor {
    fn new(id: &str) -> IdNumberFor {
        IdNumberFor(minsheng_core::IdNumber::parse(id).unwrap())
    }

    fn sibling(&self) -> String {
        let id = &self.0;
        let area: u32 = id.as_str()[..6].parse().unwrap();
        let sequence: u16 = id.as_str()[14..17].parse().unwrap();
        let other = (sequence + 2) % 1000;
        minsheng_core::IdNumber::from_parts(area, id.birth_date(), other)
            .unwrap()
            .as_str()
            .to_string()
    }
}

#[tokio::test]
async fn sqlite_a_late_error_undoes_a_streamed_import() {
    a_late_error_undoes_a_streamed_import(Db::sqlite()).await;
}

#[tokio::test]
async fn postgres_a_late_error_undoes_a_streamed_import() {
    a_late_error_undoes_a_streamed_import(Db::postgres().await).await;
}

#[tokio::test]
async fn sqlite_bad_rows_are_reported_and_nothing_changes() {
    bad_rows_are_reported_and_nothing_changes(Db::sqlite()).await;
}

#[tokio::test]
async fn postgres_bad_rows_are_reported_and_nothing_changes() {
    bad_rows_are_reported_and_nothing_changes(Db::postgres().await).await;
}

#[tokio::test]
async fn sqlite_a_roster_round_trips_through_excel_and_csv() {
    a_roster_round_trips_through_excel_and_csv(Db::sqlite()).await;
}

#[tokio::test]
async fn postgres_a_roster_round_trips_through_excel_and_csv() {
    a_roster_round_trips_through_excel_and_csv(Db::postgres().await).await;
}

#[test]
fn a_recorded_change_keeps_one_head_and_a_possible_death_date() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "200"]);
    let roster = db.path("r.csv");
    db.ok(&["export", path_str(&roster), "--on", "2025-06-30"]);
    let text = std::fs::read_to_string(&roster).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    let col = |name: &str| rows[0].iter().position(|h| *h == name).unwrap();
    let (id, household, relation) = (col("id_number"), col("household"), col("relation"));
    // A head with a second member, and the head of another household.
    let head = (1..rows.len() - 1)
        .find(|&i| rows[i][relation] == "head" && rows[i + 1][household] == rows[i][household])
        .expect("a household of two or more");
    let (head_id, member_id, code) = (rows[head][id], rows[head + 1][id], rows[head][household]);
    let other_head = rows[1..]
        .iter()
        .find(|r| r[relation] == "head" && r[household] != code)
        .unwrap()[id];
    let record = |who: &str, change: &str| {
        db.run(&["registry", "record", who, "--from", "2025-06-01", change])
    };
    let refused = |out: std::process::Output, expected: &str| {
        assert!(!out.status.success(), "accepted: {expected}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(expected),
            "missing «{expected}» in:\n{stderr}"
        );
    };

    refused(
        record(member_id, "death_date=2999-01-01"),
        "death_date: 2999-01-01 是将来的日期",
    );
    refused(
        record(member_id, "death_date=1800-01-01"),
        "death_date: 1800-01-01 早于出生日期",
    );
    let second_head = format!("户 {code} 在 2025-06-01 已有户主");
    refused(record(member_id, "relation=head"), &second_head);
    let moved = record(other_head, &format!("household={code}"));
    refused(moved, &second_head);
    // Members are listed by relation; the history below them may name relations too.
    let heads = || {
        let shown = db.ok(&["registry", "show", code, "--on", "2025-06-30"]);
        let members = shown.split("历史").next().unwrap().to_string();
        members
            .lines()
            .filter(|l| l.trim_start().starts_with("户主"))
            .count()
    };
    assert_eq!(heads(), 1);

    // A new head in two steps: the old head's relation first.
    db.ok(&[
        "registry",
        "record",
        head_id,
        "--from",
        "2025-06-01",
        "relation=spouse",
    ]);
    db.ok(&[
        "registry",
        "record",
        member_id,
        "--from",
        "2025-06-01",
        "relation=head",
    ]);
    assert_eq!(heads(), 1, "still one head");
    db.accounts(&[("市管理员", "city", "370200")]);
    let shown = db.ok_as(
        "市管理员",
        &["registry", "show", code, "--on", "2025-06-30", "--reveal"],
    );
    let head_line = shown
        .lines()
        .find(|l| l.trim_start().starts_with("户主"))
        .unwrap();
    assert!(head_line.contains(member_id), "{shown}");
}

#[tokio::test]
async fn household_view_masks_ids_and_audits_reads() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "200"]);
    let roster = db.path("r.csv");
    db.ok(&["export", path_str(&roster), "--on", "2025-06-30"]);
    let first = std::fs::read_to_string(&roster)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    let id = first.split(',').next().unwrap().to_string();
    let household = first.split(',').nth(4).unwrap().to_string();

    let shown = db.ok(&["registry", "show", &household, "--on", "2025-06-30"]);
    assert!(shown.contains(&format!("户 {household}")), "{shown}");
    assert!(
        !shown.contains(&id),
        "full ID numbers are masked by default"
    );
    assert!(
        shown.contains(&format!("{}********{}", &id[..6], &id[14..])),
        "{shown}"
    );
    // Revealing acts as an account, and only within its area.
    let reveal = [
        "registry",
        "show",
        id.as_str(),
        "--on",
        "2025-06-30",
        "--reveal",
    ];
    let elsewhere = std::fs::read_to_string(&roster)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap()[..12].to_string())
        .find(|community| community[..] != household[..12])
        .unwrap();
    db.accounts(&[
        ("区审批", "district", &household[..6]),
        ("别处社工", "community", &elsewhere),
    ]);
    let unknown = db.run(&reveal);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("password (or token) is wrong"));
    let outside = db.run_as("别处社工", &reveal);
    assert!(
        !outside.status.success(),
        "revealed outside the account's area"
    );
    let revealed = db.ok_as("区审批", &reveal);
    assert!(revealed.contains(&id));
    // Before the registry started, the household had no recorded members.
    let early = db.ok(&["registry", "show", &household, "--month", "2022-06"]);
    assert!(early.contains("成员 0 人"), "{early}");

    // A caseworker records a raise from March 2025; the file shows it on both time axes.
    let recorded = db.ok(&[
        "registry",
        "record",
        &id,
        "--from",
        "2025-03-01",
        "income_wage=3500",
        "employment=employed",
    ]);
    assert!(
        recorded.contains("1 earlier version(s) superseded"),
        "{recorded}"
    );
    let after = db.ok(&["registry", "show", &household, "--on", "2025-06-30"]);
    assert!(after.contains("工资性收入 3,500.00"), "{after}");
    assert!(after.contains("2025-03-01 → 至今"), "{after}");
    assert!(
        after.contains("被更正"),
        "the superseded version is kept and marked: {after}"
    );
    let before = db.ok(&["registry", "show", &household, "--on", "2025-02-28"]);
    // The head (first in the roster and in the view) earned their original wage before March.
    let original_wage = first.split(',').nth(16).unwrap().to_string();
    let head_income = before
        .lines()
        .find(|l| l.contains("月收入"))
        .unwrap()
        .to_string();
    assert_eq!(
        head_income.contains("工资性收入 3,500.00"),
        original_wage == "3500.00",
        "{before}"
    );
    let bad = db.run(&[
        "registry",
        "record",
        &id,
        "--from",
        "2999-01-01",
        "income_wage=-1",
        "name=x",
    ]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("from: 2999-01-01 是将来的日期")
            && stderr.contains("income_wage")
            && stderr.contains("「name」是身份信息"),
        "{stderr}"
    );

    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.url))
        .await
        .unwrap();
    let reads: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, action FROM audit_log WHERE subject = ? ORDER BY id")
            .bind(&household)
            .fetch_all(&pool)
            .await
            .unwrap();
    let expected = [
        ("tester", "read_household"),
        ("区审批", "reveal_household"),
        ("tester", "read_household"),
        ("tester", "record_change"),
        ("tester", "read_household"),
        ("tester", "read_household"),
    ];
    assert_eq!(
        reads
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect::<Vec<_>>(),
        expected
    );

    // The log verifies, and its head is witnessed in a file kept apart; a second run adds
    // nothing new, a file that is not a list of heads is refused by line.
    let anchor = db.path("audit-heads.txt");
    let anchor_arg = anchor.to_str().unwrap();
    let verified = db.ok(&["audit", "verify", "--anchor", anchor_arg]);
    assert!(verified.contains("chain intact"), "{verified}");
    let heads = std::fs::read_to_string(&anchor).unwrap();
    assert_eq!(heads.lines().count(), 1, "{heads}");
    let again = db.ok(&["audit", "verify", "--anchor", anchor_arg]);
    assert!(again.contains("1 witnessed head(s) still in it"), "{again}");
    assert_eq!(std::fs::read_to_string(&anchor).unwrap(), heads);
    let garbled = db.path("garbled.txt");
    std::fs::write(&garbled, "# heads\n12 not-a-hash\n").unwrap();
    let out = db.run(&["audit", "verify", "--anchor", garbled.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2: not a witnessed head"), "{stderr}");

    // The log refuses changes; an entry changed behind Minsheng's back by someone who first
    // drops the guard is found and fails the command.
    let refused = sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
    sqlx::query("DROP TRIGGER audit_log_append_only_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
        .execute(&pool)
        .await
        .unwrap();
    let out = db.run(&["audit", "verify"]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("entry 2: its fields do not match its hash"),
        "{stdout}"
    );

    let missing = db.run(&["registry", "show", "NO-SUCH"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("未找到"));
    // A mistyped ID number is named as such, not merely missing.
    let mut mistyped = id.clone();
    let last = mistyped.pop().unwrap();
    mistyped.push(if last == '0' { '1' } else { '0' });
    let out = db.run(&["registry", "show", &mistyped]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("id_number: 校验码"),
        "{stderr}"
    );
}

#[test]
fn deadlines_count_working_days_of_the_loaded_calendar_provisionally_without_it() {
    let db = Db::sqlite();
    // No calendar for 2025 yet: Monday to Friday, and said to be provisional.
    let guessed = db.ok(&[
        "calendar",
        "deadline",
        "--from",
        "2025-09-30",
        "--working-days",
        "3",
    ]);
    assert!(
        guessed.contains(": 2025-10-03") && guessed.contains("provisional: no calendar for 2025"),
        "{guessed}"
    );

    let notice = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../calendar/cn-2025.csv");
    let loaded = db.ok(&["calendar", "import", path_str(&notice)]);
    assert!(loaded.contains("Calendar loaded for 2025"), "{loaded}");
    // 1–8 October 2025 off, Saturday 11 October worked.
    let national_day = |db: &Db| {
        let due = db.ok(&[
            "calendar",
            "deadline",
            "--from",
            "2025-09-30",
            "--working-days",
            "3",
        ]);
        assert!(
            due.contains(": 2025-10-11") && !due.contains("provisional"),
            "{due}"
        );
    };
    national_day(&db);

    // A bad file is reported row by row and changes nothing.
    let rejected = |name: &str, text: &str| -> String {
        let file = db.path(name);
        std::fs::write(&file, text).unwrap();
        let out = db.run(&["calendar", "import", path_str(&file)]);
        assert!(!out.status.success(), "{name} was accepted");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = rejected(
        "bad.csv",
        "date,kind,occasion\n2025-10-01,workday,国庆节\n2025-13-01,holiday,?\n",
    );
    assert!(stderr.contains("line 3: date"), "{stderr}");
    national_day(&db);
    let stderr = rejected(
        "weekday.csv",
        "date,kind,occasion\n2025-10-09,workday,国庆节\n",
    );
    assert!(stderr.contains("2025-10-09"), "{stderr}");
}

#[test]
fn generate_refuses_a_database_that_holds_people() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "50"]);
    let out = db.run(&["generate", "--people", "50"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds 50 persons"));
    assert_eq!(db.persons(), 50);
}

#[test]
fn demo_generates_once_and_shows_a_household() {
    let db = Db::sqlite();
    let first = db.ok(&["demo", "--people", "300", "--no-serve"]);
    assert!(first.contains("below dibao line"), "{first}");
    assert!(first.contains("One household of the demo city"), "{first}");
    assert!(
        first.contains("Holiday calendar loaded for 2024, 2025, 2026"),
        "{first}"
    );
    assert!(first.contains("password minsheng-demo"), "{first}");
    assert!(
        first.contains("within 15 minutes' walk of a service point"),
        "{first}"
    );
    // A care provider's last month claimed, approved and paid through the providers' file.
    let care = first
        .lines()
        .find(|l| l.starts_with("Long-term care insurance: 颐养护理院"))
        .unwrap_or_else(|| panic!("{first}"));
    assert!(care.contains("minsheng-providers-"), "{care}");
    let second = db.ok(&["demo", "--people", "300", "--no-serve"]);
    assert!(second.contains("already in"), "{second}");
    assert!(!second.contains("Holiday calendar loaded"), "{second}");
    assert_eq!(db.persons(), 300);
    // The built-in 2026 calendar: 1–7 October off, Saturday 10 October worked.
    let due = db.ok(&[
        "calendar",
        "deadline",
        "--from",
        "2026-09-30",
        "--working-days",
        "3",
    ]);
    assert!(due.contains(": 2026-10-10"), "{due}");
}

#[test]
fn unreadable_input_is_a_clear_error() {
    let db = Db::sqlite();
    let out = db.run(&["import", "/nonexistent/roster.csv"]);
    assert!(!out.status.success());
    // Said once: an error that quotes its cause is not followed by the cause again.
    let said = |out: &std::process::Output, what: &str| {
        String::from_utf8_lossy(&out.stderr).matches(what).count()
    };
    assert_eq!(said(&out, "cannot read /nonexistent/roster.csv"), 1);
    let odd = db.path("roster.json");
    std::fs::write(&odd, "{}").unwrap();
    let out = db.run(&["import", path_str(&odd)]);
    assert_eq!(said(&out, "only .csv and .xlsx"), 1);
    let headerless = db.path("h.csv");
    std::fs::write(&headerless, "idnumber,name\n1,2\n").unwrap();
    let out = db.run(&["import", path_str(&headerless)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("没有「idnumber」这一列") && stderr.contains("缺少必填列「hukou」"),
        "{stderr}"
    );
    assert_eq!(said(&out, "没有「idnumber」这一列"), 1, "{stderr}");
}

#[test]
fn policy_rules_explain_and_simulate_on_a_generated_city() {
    let city = Db::sqlite();
    city.ok(&["generate", "--people", "3000", "--seed", "5"]);
    let policy = catalog();
    let out = city.ok(&["policy", "--policy", &policy, "test"]);
    assert!(out.contains("0 failed"), "{out}");

    // Explain a household as JSON: every program is there, with its steps and references.
    let roster = city.path("roster.csv");
    city.ok(&["export", path_str(&roster)]);
    let text = std::fs::read_to_string(&roster).unwrap();
    let mut lines = text.lines();
    let column = lines
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == "household")
        .unwrap();
    let household = lines.next().unwrap().split(',').nth(column).unwrap();
    let code = city.ok(&["registry", "show", household]);
    assert!(code.contains(household), "{code}");
    let json = city.ok(&[
        "policy", "--policy", &policy, "explain", household, "--month", "2025-06", "--json",
    ]);
    let explained: serde_json::Value = serde_json::from_str(&json).unwrap();
    let computations = explained["computations"].as_array().unwrap();
    let dibao = computations
        .iter()
        .find(|c| c["variable"] == "dibao_standard")
        .unwrap();
    assert!(dibao["reference"]
        .as_str()
        .unwrap()
        .contains("青岛市民政局2023年工作综述"));
    let text = city.ok(&[
        "policy", "--policy", &policy, "explain", household, "--month", "2025-06",
    ]);
    assert!(text.contains("低保金"), "{text}");
    // 2025's standard is a placeholder until the published figure is entered, and says so.
    assert!(
        text.contains("(地方参数占位值), 自 2025-01-01 起"),
        "{text}"
    );
    // The income test of dibao is explained once, under dibao; the near-poor, single-person
    // and temporary-assistance programs that use it refer back to it (见上).
    let income_tests = text
        .lines()
        .filter(|l| l.contains("家庭人均月收入") && l.contains(" 低保标准 "))
        .count();
    assert_eq!(income_tests, 1, "{text}");
    assert!(text.contains("(见上)"), "{text}");

    // A reform of +0% changes nothing; +10% on both standards gains someone, loses no one.
    let same = city.ok(&[
        "policy",
        "--policy",
        &policy,
        "simulate",
        "--month",
        "2025-06",
        "--set",
        "dibao.standard.urban=+0%",
    ]);
    let city_line = |report: &str, program: &str| -> Vec<String> {
        let section = report.split(program).nth(1).unwrap();
        let line = section
            .lines()
            .find(|l| l.trim_start().starts_with("全市"))
            .unwrap();
        line.split_whitespace().map(String::from).collect()
    };
    let line = city_line(&same, "(dibao_amount)");
    assert_eq!(line[1], line[2], "{same}");
    assert_eq!(&line[6..], ["0", "0", "0"], "{same}");
    let raised = city.ok(&[
        "policy",
        "--policy",
        &policy,
        "simulate",
        "--month",
        "2025-06",
        "--set",
        "dibao.standard.urban=+10%",
        "--set",
        "dibao.standard.rural=+10%",
    ]);
    let line = city_line(&raised, "(dibao_amount)");
    let before: u64 = line[1].parse().unwrap();
    let after: u64 = line[2].parse().unwrap();
    assert!(after >= before && before > 0, "{raised}");
    assert_eq!(
        line[7], "0",
        "no one loses from a higher standard: {raised}"
    );
    let bad = city.run(&[
        "policy",
        "--policy",
        &policy,
        "simulate",
        "--month",
        "2025-06",
        "--set",
        "no.such=1",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'no.such' is not a parameter"));
}

/// A backup is taken while the database is open, never overwrites, and is checked; a restore
/// never overwrites a database either, checks the copy, records itself in the restored audit
/// log, and says so when the backup's audit log was changed.
#[tokio::test]
async fn backup_and_restore_check_what_they_copy() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "300"]);
    let persons = db.persons();
    // A reader holds the database open throughout, as a running service would (in WAL mode,
    // as `serve` leaves it).
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.url))
        .await
        .unwrap();
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&pool)
        .await
        .unwrap();
    let mut reading = pool.begin().await.unwrap();
    let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM person")
        .fetch_one(&mut *reading)
        .await
        .unwrap();
    let backup = db.path("backups/monday.db");
    std::fs::create_dir_all(backup.parent().unwrap()).unwrap();
    let out = db.ok(&["backup", path_str(&backup)]);
    assert!(
        out.contains("integrity ok") && out.contains("chain intact"),
        "{out}"
    );
    assert!(!db.path("backups/monday.db.partial").exists());
    reading.rollback().await.unwrap();
    let again = db.run(&["backup", path_str(&backup)]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
    // The source's log says who took a copy of everyone's data.
    let log: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(log, [("tester".to_string(), "backup".to_string())]);

    // Restored under a new name: the same city, an intact log that ends with the restore.
    let restored = Db::sqlite();
    let existing = restored.run(&["restore", path_str(&backup)]);
    assert!(
        existing.status.success(),
        "{}",
        String::from_utf8_lossy(&existing.stderr)
    );
    assert_eq!(restored.persons(), persons);
    let verified = restored.ok(&["audit", "verify"]);
    assert!(verified.contains("chain intact"), "{verified}");
    let into_existing = restored.run(&["restore", path_str(&backup)]);
    assert!(!into_existing.status.success());
    assert!(String::from_utf8_lossy(&into_existing.stderr).contains("move it aside first"));

    // A backup whose audit log was changed restores, and says it cannot be relied on.
    let tampered = sqlx::SqlitePool::connect(&format!("sqlite:{}", backup.display()))
        .await
        .unwrap();
    for sql in [
        "DROP TRIGGER audit_log_append_only_update",
        "UPDATE audit_log SET actor = 'mallory' WHERE id = 1",
    ] {
        sqlx::query(sql).execute(&tampered).await.unwrap();
    }
    tampered.close().await;
    let elsewhere = Db::sqlite();
    let out = elsewhere.run(&["restore", path_str(&backup)]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("audit entry 1: its fields do not match its hash"),
        "{stdout}"
    );
    assert!(stdout.contains("do not rely on it"), "{stdout}");
}

#[tokio::test]
async fn postgres_is_backed_up_with_its_own_tools() {
    let db = Db::postgres().await;
    let out = db.run(&["backup", path_str(&db.path("b.db"))]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    let out = db.run(&["restore", path_str(&db.path("b.db"))]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_restore"));
}

/// Transfers of the insurance relation at the command line: the platform's sheets filed from a
/// file, each on its own — a bad one reported by row and field, the good one filed, and filed
/// once however often the file is read — and a resident's insurance sent out with its sheet.
#[tokio::test]
async fn insurance_is_transferred_in_from_a_file_and_out_by_id() {
    use minsheng_medical::MedicalStore as _;
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "2000", "--seed", "7"]);
    db.ok(&["medical", "synthetic"]);
    let store = minsheng_store::Store::open(&db.url).await.unwrap();
    let year = chrono::Datelike::year(&minsheng_app::Clock::system().today);
    let covered = store.medical().covered_persons(year).await.unwrap();
    let resident = covered
        .iter()
        .find(|(_, _, _, c)| c.scheme == minsheng_medical::Scheme::Resident)
        .unwrap();
    let (employee_id, employee, _, _) = covered
        .iter()
        .find(|(_, _, _, c)| c.scheme == minsheng_medical::Scheme::Employee && !c.retired)
        .unwrap();
    let (_, balance) = store
        .medical()
        .year(*employee_id, year, minsheng_medical::Scheme::Employee)
        .await
        .unwrap();
    drop(store);

    let sheets = db.path("sheets.csv");
    std::fs::write(
        &sheets,
        format!(
            "number,id_number,other_area,scheme,covered_since,covered_until,contribution_months,account_balance,application\n\
             370102-7,{id},370102,resident,2020-01-01,{year_before}-12-31,,,\n\
             370211-8,{id},370211,resident,2020-01-01,{year_before}-12-31,,,\n",
            id = resident.1.as_str(),
            year_before = year - 1
        ),
    )
    .unwrap();
    let out = db.run(&["medical", "transfer-in", path_str(&sheets)]);
    assert!(!out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("省内转移（免申即享）"), "{stdout}");
    assert!(stdout.contains("第 3 行未办理：other_area"), "{stdout}");
    assert!(
        !stdout.contains(resident.1.as_str()),
        "ID numbers are masked"
    );
    let again = db.run(&["medical", "transfer-in", path_str(&sheets)]);
    let again = String::from_utf8(again.stdout).unwrap();
    assert!(
        again.contains("转入 0 人，重复 1 份，未办理 1 份"),
        "{again}"
    );

    let sent = db.ok(&[
        "medical",
        "transfer-out",
        employee.as_str(),
        "--to",
        "370102",
    ]);
    assert!(sent.contains("参保人员基本医疗保险信息表"), "{sent}");
    assert!(
        sent.contains(&format!("个人账户划转 {balance}")),
        "{balance}: {sent}"
    );
    let refused = db.run(&[
        "medical",
        "transfer-out",
        employee.as_str(),
        "--to",
        "440305",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("application"));
}

/// Long-term care at the command line on the demo city: the provider's account claims a month
/// from a CSV file; a file with another header, a person it does not care for and a month
/// claimed before are refused, saying why; the month shows each person's care, ID numbers
/// masked, and the rules behind it.
#[test]
fn a_care_providers_month_is_claimed_from_a_file() {
    let db = Db::sqlite();
    let demo = db.ok(&["demo", "--people", "300", "--no-serve"]);
    let line = demo
        .lines()
        .find(|l| l.starts_with("Long-term care insurance: 颐养护理院"))
        .unwrap_or_else(|| panic!("{demo}"));
    let code = line
        .split(['(', ')'])
        .nth(1)
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let last = line
        .split(" in ")
        .nth(1)
        .and_then(|t| t.get(..7))
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let provider = |args: &[&str]| {
        db.command("颐养护理院", args)
            .env("MINSHENG_PASSWORD", "minsheng-demo")
            .output()
            .unwrap()
    };
    let earlier = {
        let (y, m) = last.split_once('-').unwrap();
        let (y, m): (i32, u32) = (y.parse().unwrap(), m.parse().unwrap());
        if m == 1 {
            format!("{}-12", y - 1)
        } else {
            format!("{y}-{:02}", m - 1)
        }
    };
    let file = db.path("care.csv");
    std::fs::write(&file, "id,from,to\n").unwrap();
    let out = provider(&[
        "medical",
        "care",
        "claim",
        "--month",
        &earlier,
        path_str(&file),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        stderr.contains("the header is id_number,from,to"),
        "{stderr}"
    );
    std::fs::write(
        &file,
        format!("id_number,from,to\n110101199003070011,{earlier}-01,{earlier}-10\n"),
    )
    .unwrap();
    let out = provider(&[
        "medical",
        "care",
        "claim",
        "--month",
        &earlier,
        path_str(&file),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(stderr.contains("stretches[0].id_number"), "{stderr}");
    std::fs::write(
        &file,
        format!("id_number,from,to\n110101199003070011,{last}-01,{last}-10\n"),
    )
    .unwrap();
    let out = provider(&[
        "medical",
        "care",
        "claim",
        "--month",
        &last,
        path_str(&file),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(stderr.contains("已申报"), "{stderr}");
    let month = db.ok(&[
        "medical",
        "care",
        "month",
        "--provider",
        &code,
        "--month",
        &last,
        "--why",
    ]);
    assert!(month.contains("已由 赵科长"), "{month}");
    assert!(month.contains("********"), "{month}");
    assert!(
        month.contains("p.ltc.care.daily.institutional = 54.00 元"),
        "{month}"
    );
}
