#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step is a failed test
//! The procedure deadlines the repository's catalog declares, as the assistance context reads
//! them.

use minsheng_assistance::Procedure;

#[test]
fn the_catalog_gives_each_applied_for_program_its_procedure() {
    let policy = minsheng_test_support::policy();
    let june = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    let days = |p: &str| {
        let d = Procedure::of(&policy, p, june).unwrap();
        [d.survey, d.posting_days, d.decision, d.notice, d.total]
    };
    assert_eq!(
        days("dibao"),
        [3, 7, 10, 3, 30],
        "the dibao workflow of 《最低生活保障审核确认办法》(民发〔2021〕57号)"
    );
    assert_eq!(days("tekun_basic"), [15, 7, 15, 3, 35]);
    assert!(
        Procedure::of(&policy, "disability_care", june).is_none(),
        "免申即享: no procedure"
    );
}
