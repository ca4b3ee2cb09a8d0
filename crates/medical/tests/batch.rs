#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The batch settles a city's claims exactly as settling them one by one would: every share
//! to the fen, every person's year and account balance after the last claim, across a change
//! of the rules in the middle of the claims.

use chrono::NaiveDate;
use minsheng_core::{Fen, Month};
use minsheng_medical::batch::{self, Claims, Insured, Shares};
use minsheng_medical::domain::{self, Aid, Claim, Scheme};
use minsheng_medical::{enrolment, synthetic, YearToDate};
use minsheng_policy::Policy;
use minsheng_test_support::{medical_policy, synthetic_city};

/// Half a year of a small city's claims and the persons insured: by person then date, or
/// (`numbered`) in the order of their numbers — month by month, persons interleaved, a
/// person's claims of a month by visit type whatever their dates.
fn half_year(seed: u64, numbered: bool) -> (Vec<Insured>, Vec<(String, Claim)>, Claims) {
    let (_, people) = synthetic_city(600, seed);
    let mut insured = Vec::new();
    let mut sent: Vec<(u32, String, Claim)> = Vec::new();
    for (k, r) in people.iter().enumerate() {
        let id = i64::try_from(k).unwrap();
        let Some(cover) = enrolment::suggested_cover(id, r, 2025) else {
            continue;
        };
        let mut theirs: Vec<(String, Claim)> = Vec::new();
        for m in 1..=6 {
            let month = Month::new(2025, m).unwrap();
            // Four draws a month: more claims a person than the city's mix, so that caps,
            // supplements and empty accounts are reached.
            for s in 0..4 {
                theirs.extend(synthetic::claims_of(
                    seed * 10 + s,
                    id,
                    &r.person.id_number,
                    &r.facts.area,
                    &cover,
                    month,
                    month.last_day(),
                ));
            }
        }
        theirs.sort_by(|a, b| (a.1.date, &a.1.number).cmp(&(b.1.date, &b.1.number)));
        let n = u32::try_from(insured.len()).unwrap();
        let balance = match cover.scheme {
            Scheme::Employee => Fen(id % 5 * 60_000),
            Scheme::Resident => Fen(0),
        };
        // Half of them objects of medical assistance, of every category.
        let aid = Aid::ALL.get(id as usize % 12).copied().unwrap_or(Aid::None);
        insured.push(Insured {
            cover,
            year: YearToDate::default(),
            balance,
            aid,
        });
        sent.extend(theirs.into_iter().map(|(h, c)| (n, h, c)));
    }
    if numbered {
        sent.sort_by(|a, b| a.2.number.cmp(&b.2.number));
    }
    let mut claims = Claims::default();
    for (n, hospital, claim) in &sent {
        synthetic::pend(&mut claims, *n, hospital, claim);
    }
    let sent = sent.into_iter().map(|(_, h, c)| (h, c)).collect();
    (insured, sent, claims)
}

/// The same claims, one at a time through the interpreter.
fn one_by_one(
    policy: &Policy,
    insured: &mut [Insured],
    sent: &[(String, Claim)],
    claims: &Claims,
) -> Vec<Shares> {
    sent.iter()
        .zip(&claims.claims)
        .map(|((hospital, claim), pending)| {
            let person = &mut insured[pending.insured as usize];
            let classes: Vec<_> = claim
                .lines
                .iter()
                .map(|l| synthetic::class_of(&l.item))
                .collect();
            let facts = domain::facts(
                policy,
                claim,
                &person.cover,
                synthetic::level_of(hospital),
                &classes,
                (&person.year, person.balance, false),
                person.aid,
            )
            .unwrap();
            let mut evaluation = domain::evaluation(policy, claim.date, facts, false);
            let s = domain::settle(&mut evaluation, claim, &classes).unwrap();
            person.year = person.year.apply(claim.visit, &s, 1).unwrap();
            person.balance = Fen(person.balance.0 - s.account.0);
            Shares::of(&s)
        })
        .collect()
}

#[test]
fn a_batch_settles_as_one_claim_after_another_in_any_order_across_a_change_of_rules() {
    let from = NaiveDate::from_ymd_opt(2025, 3, 16).unwrap();
    let policy = medical_policy()
        .with_changes(
            &[
                "medical.ratio.general_outpatient.resident=0.5".into(),
                "medical.supplement.employee.threshold=3000".into(),
            ],
            from,
        )
        .unwrap();
    for (seed, numbered) in [(3, false), (4, true)] {
        let (start, sent, claims) = half_year(seed, numbered);
        assert!(claims.len() > 3_000, "{} claims", claims.len());
        let mut by_batch = start.clone();
        let settled = batch::settle(&policy, &claims, &mut by_batch, 2).unwrap();
        assert!(settled.refused.is_empty(), "{:?}", settled.refused.first());
        assert!(
            settled.rounds > 6,
            "a person's claims run one round after another"
        );
        let mut in_turn = start.clone();
        let expected = one_by_one(&policy, &mut in_turn, &sent, &claims);
        for (i, (got, want)) in settled.shares.iter().zip(&expected).enumerate() {
            assert_eq!(got, want, "claim {i}: {:?}", sent[i].1);
        }
        for (got, want) in by_batch.iter().zip(&in_turn) {
            assert_eq!((got.year, got.balance), (want.year, want.balance));
        }
        let reached = |f: fn(&Shares) -> Fen| expected.iter().filter(|s| f(s).0 > 0).count();
        assert!(reached(|s| s.supplement) > 0, "a supplement is paid");
        assert!(reached(|s| s.aid) > 0, "medical assistance pays");
        assert!(reached(|s| s.account) > 0, "an account pays");
        let drained = in_turn
            .iter()
            .filter(|p| p.cover.scheme == Scheme::Employee && p.balance.0 == 0)
            .count();
        assert!(drained > 0, "an account is emptied");
    }
}

#[test]
fn a_claim_the_rules_cannot_settle_is_refused_and_moves_nothing() {
    let policy = medical_policy();
    let (insured, sent, _) = half_year(5, false);
    let first = &sent[0];
    let person = insured[0].clone();
    // The catalog's parameters start in 2025: a claim of 2024 has none to be settled by.
    let mut early = first.1.clone();
    early.date = NaiveDate::from_ymd_opt(2024, 12, 20).unwrap();
    let mut claims = Claims::default();
    synthetic::pend(&mut claims, 0, &first.0, &early);
    synthetic::pend(&mut claims, 0, &first.0, &first.1);
    let mut by_batch = vec![person.clone()];
    let settled = batch::settle(&policy, &claims, &mut by_batch, 2).unwrap();
    assert_eq!(settled.refused.len(), 1);
    assert_eq!(settled.refused[0].0, 0);
    assert!(
        settled.refused[0].1.contains("medical."),
        "{}",
        settled.refused[0].1
    );
    assert_eq!(settled.shares[0], Shares::default());
    let mut alone = Claims::default();
    synthetic::pend(&mut alone, 0, &first.0, &first.1);
    let mut fresh = vec![person];
    let expected = batch::settle(&policy, &alone, &mut fresh, 1).unwrap();
    assert_eq!(settled.shares[1], expected.shares[0]);
    assert_eq!(by_batch[0].year, fresh[0].year);
    assert!(expected.shares[0].total.0 > 0);
}

/// The synthetic claims against the city's published figures (docs/calibration.md): June 2025
/// settled on the year January to May left, on a city of 30,000.
#[test]
fn the_synthetic_claims_land_near_the_city_s_published_figures() {
    let policy = medical_policy();
    let (_, people) = synthetic_city(30_000, 2023);
    let months: Vec<Month> = (1..=6).map(|m| Month::new(2025, m).unwrap()).collect();
    let (mut insured, claims) =
        synthetic::insured_city(&policy, people, 2025, &months, 2023).unwrap();
    let mut last = None;
    for month in &claims {
        last = Some(batch::settle(&policy, month, &mut insured, 2).unwrap());
    }
    let (june, settled) = (claims.last().unwrap(), last.unwrap());
    assert!(settled.refused.is_empty());
    let f = synthetic::Figures::of(&insured, june, &settled);
    let [employees, residents] = f.inpatient_shares();
    let report = format!(
        "{:.3} a person, {:.1} yuan a person, inpatient {:.3} / {:.3}",
        f.per_insured(),
        f.funds_per_insured(),
        employees,
        residents
    );
    eprintln!("{report}");
    // 90.11M settlements and 21.866 bn yuan in nine months over 9.39M insured (医保发布会);
    // the funds' shares of in-catalogue inpatient cost 88.6% and 72.7% (十四五发布会).
    assert!((f.per_insured() - 1.066).abs() <= 0.03, "{report}");
    assert!(
        (f.funds_per_insured() - 258.7).abs() <= 258.7 * 0.05,
        "{report}"
    );
    assert!((employees - 0.886).abs() <= 0.015, "{report}");
    assert!((residents - 0.727).abs() <= 0.015, "{report}");
}
