#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Signing in costs the same whether or not the login exists: the answer's timing must not
//! tell an outsider which logins are real. (Counted in password checks, not timed: the
//! suite measures no time.) This binary holds this one test, so the process-wide count is
//! its own.

use minsheng_app::{accounts, Clock};
use minsheng_core::access::Role;
use minsheng_test_support::TestDb;

#[tokio::test]
async fn an_unknown_login_costs_the_same_password_check_as_a_known_one() {
    let db = TestDb::sqlite().await;
    let clock = Clock::system();
    let area = |code: &str, name: &str| minsheng_core::area::Area {
        code: minsheng_core::AreaCode::parse(code).unwrap(),
        name: name.into(),
        urban: true,
    };
    let areas = [area("370200", "青岛市"), area("370212", "崂山区")];
    db.store
        .insert_areas(&areas, |_| minsheng_test_support::noted("areas"))
        .await
        .unwrap();
    let staff = minsheng_core::access::Staff {
        name: "王社工".into(),
        role: Role::District,
        area: minsheng_core::AreaCode::parse("370212").unwrap(),
    };
    db.store
        .add_staff(&staff, "tester", clock.now)
        .await
        .unwrap();
    let holder = minsheng_store::AccountHolder::Staff("王社工".into());
    accounts::add_account(
        &db.store,
        "王社工",
        "correct horse",
        &holder,
        "tester",
        clock,
    )
    .await
    .unwrap();
    let before = accounts::password_checks();
    let wrong = accounts::sign_in(&db.store, "王社工", "not it", clock).await;
    assert!(matches!(
        wrong,
        Err(accounts::AccountError::WrongCredentials)
    ));
    assert_eq!(accounts::password_checks(), before + 1);
    let unknown = accounts::sign_in(&db.store, "nobody", "not it", clock).await;
    assert!(matches!(
        unknown,
        Err(accounts::AccountError::WrongCredentials)
    ));
    assert_eq!(accounts::password_checks(), before + 2);
    let right = accounts::sign_in(&db.store, "王社工", "correct horse", clock).await;
    assert!(right.is_ok());
    assert_eq!(accounts::password_checks(), before + 3);
}
