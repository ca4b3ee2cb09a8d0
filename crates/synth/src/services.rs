//! Home care beds and refits for a synthetic city: as many a year as Qingdao's 2025, scaled to
//! the city's size — 9,034 new home care beds and 19,700 age-friendly refits for about ten
//! million residents (《年终捷报：15件市办实事全部办"妥"》, 青岛市2025年市办实事 第5件:
//! 完成居家适老化改造1.97万户; 新增签约家庭养老床位9034张). Who receives them is for the rules to
//! say; here only how many, and which of those the rules qualify, with the day each applied.
//! Deterministic for a seed; drawn apart from the residents, so it changes nobody.

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// New home care beds and refits a year, per ten million residents (2025).
pub const BEDS_PER_10M: u64 = 9_034;
pub const REFITS_PER_10M: u64 = 19_700;

/// The year the figures are for, whose applications the synthetic city holds.
pub const YEAR: i32 = 2025;

/// How many of a year's `per_10m` a city of `people` has (rounded to the nearest).
pub fn yearly(per_10m: u64, people: u64) -> u64 {
    (per_10m * people + 5_000_000) / 10_000_000
}

/// One drawn applicant: a position in the pool of those the rules qualify, and the day of the
/// application in [`YEAR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    pub candidate: usize,
    pub applied_on: NaiveDate,
}

/// Draws `wanted` of a pool of `pool` candidates (all of them if fewer), each with a day of
/// [`YEAR`], for `program` (each program draws apart). The same seed draws the same.
pub fn draw(pool: usize, wanted: u64, program: &str, seed: u64) -> Vec<Drawn> {
    let salt = program.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ salt);
    let n = usize::try_from(wanted).unwrap_or(usize::MAX).min(pool);
    let mut order: Vec<usize> = (0..pool).collect();
    let first = NaiveDate::from_ymd_opt(YEAR, 1, 1).unwrap_or_default();
    let days = i64::from(
        first
            .with_year(YEAR + 1)
            .map_or(365, |next| (next - first).num_days() as i32),
    );
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let j = rng.gen_range(i..pool);
        order.swap(i, j);
        let day = first + Duration::days(rng.gen_range(0..days));
        if let Some(&candidate) = order.get(i) {
            out.push(Drawn {
                candidate,
                applied_on: day,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_city_has_its_share_of_the_year_and_draws_it_again_alike() {
        assert_eq!(yearly(BEDS_PER_10M, 10_000_000), 9_034);
        assert_eq!(yearly(REFITS_PER_10M, 10_000_000), 19_700);
        assert_eq!(yearly(REFITS_PER_10M, 100_000), 197);
        assert_eq!(yearly(BEDS_PER_10M, 100_000), 90);
        assert_eq!(yearly(BEDS_PER_10M, 1_000), 1);
        let a = draw(500, 90, "home_care_bed", 7);
        assert_eq!(a, draw(500, 90, "home_care_bed", 7));
        assert_ne!(a, draw(500, 90, "home_refit", 7));
        assert_eq!(a.len(), 90);
        let mut seen: Vec<usize> = a.iter().map(|d| d.candidate).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 90, "each candidate at most once");
        assert!(a
            .iter()
            .all(|d| d.applied_on.year() == YEAR && d.candidate < 500));
        assert_eq!(
            draw(3, 90, "home_care_bed", 7).len(),
            3,
            "the pool is all there is"
        );
    }
}
