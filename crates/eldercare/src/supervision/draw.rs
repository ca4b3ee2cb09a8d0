//! The random draw of 双随机、一公开 (国办发〔2015〕58号): which institutions are inspected and by
//! whom, drawn so that anyone can draw again and get the same result. No IO.
//!
//! The draw is a function of what was drawn from, nothing else: the seed (announced before the
//! draw, or written down at it), the institutions' codes and the inspectors' names, each list
//! sorted. Its random numbers come from SHA-256 in counter mode, which any language has:
//!
//! ```text
//! base  = SHA-256("minsheng-draw-v1" ‖ 0x0A ‖ seed ‖ 0x0A ‖ codes joined by 0x0A ‖ 0x0A 0x0A ‖ names joined by 0x0A)
//! r(t)  = the first 8 bytes, big-endian, of SHA-256(base ‖ t as 8 bytes big-endian), t = 0, 1, 2, …
//! pick j from i..n as i + r(t) mod (n − i), each time with the next t (a partial Fisher–Yates shuffle)
//! ```
//!
//! The institutions are shuffled for the first `k` places (`k` = the share of `n`, rounded up,
//! at least one); then, for each drawn institution in draw order, the inspectors are shuffled
//! afresh for the first `per_institution` places, continuing the same counter.
//! [`REDRAW_PROGRAM`] is the same in Python, as the public page prints it.

use sha2::{Digest, Sha256};

/// The draw in twenty lines of Python, for anyone to run against a published draw.
pub const REDRAW_PROGRAM: &str = include_str!("redraw.py");

/// What a draw draws from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawInput {
    pub seed: String,
    /// Institution codes, sorted, each once.
    pub institutions: Vec<String>,
    /// Inspector names, sorted, each once.
    pub inspectors: Vec<String>,
    /// The share of institutions drawn, in thousandths.
    pub share_permille: u32,
    /// Inspectors sent to each drawn institution.
    pub per_institution: usize,
}

/// The drawn institutions, in draw order, each with its inspectors.
pub type Drawn = Vec<(String, Vec<String>)>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("seed: a draw needs a seed, announced or written down before it is made")]
    NoSeed,
    #[error("institutions: there is no institution to draw from in the area")]
    NoInstitutions,
    #[error("inspectors: {found} inspector(s) in the area; each institution needs {needed}")]
    TooFewInspectors { found: usize, needed: usize },
    #[error("share: the share drawn is between 1 and 1000 thousandths, not {0}")]
    Share(u32),
}

impl DrawInput {
    /// Sorts and de-duplicates the lists, as the draw reads them.
    pub fn new(
        seed: &str,
        mut institutions: Vec<String>,
        mut inspectors: Vec<String>,
        share_permille: u32,
        per_institution: usize,
    ) -> DrawInput {
        institutions.sort();
        institutions.dedup();
        inspectors.sort();
        inspectors.dedup();
        DrawInput {
            seed: seed.trim().to_string(),
            institutions,
            inspectors,
            share_permille,
            per_institution,
        }
    }

    /// How many institutions the share draws: rounded up, at least one.
    pub fn count(&self) -> usize {
        let n = self.institutions.len();
        (n * self.share_permille as usize)
            .div_ceil(1000)
            .clamp(1, n.max(1))
    }

    /// SHA-256 of everything drawn from: what the draw's random numbers start from, and what a
    /// published draw is checked against.
    pub fn base(&self) -> [u8; 32] {
        let mut text = format!("minsheng-draw-v1\n{}\n", self.seed);
        text.push_str(&self.institutions.join("\n"));
        text.push_str("\n\n");
        text.push_str(&self.inspectors.join("\n"));
        Sha256::digest(text.as_bytes()).into()
    }
}

/// Numbers drawn from SHA-256 in counter mode.
struct Counter {
    base: [u8; 32],
    t: u64,
}

impl Counter {
    fn next(&mut self) -> u64 {
        let mut hash = Sha256::new();
        hash.update(self.base);
        hash.update(self.t.to_be_bytes());
        self.t += 1;
        let out = hash.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(out.get(..8).unwrap_or(&[0; 8]));
        u64::from_be_bytes(first)
    }

    /// The first `k` places of a partial Fisher–Yates shuffle of `0..n`.
    fn shuffle(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        for i in 0..k.min(n) {
            let span = (n - i) as u64;
            let j = i + (self.next() % span) as usize;
            order.swap(i, j);
        }
        order.truncate(k.min(n));
        order
    }
}

/// Draws: the institutions and, for each, its inspectors.
pub fn draw(input: &DrawInput) -> Result<Drawn, DrawError> {
    if input.seed.is_empty() {
        return Err(DrawError::NoSeed);
    }
    if input.institutions.is_empty() {
        return Err(DrawError::NoInstitutions);
    }
    if !(1..=1000).contains(&input.share_permille) {
        return Err(DrawError::Share(input.share_permille));
    }
    if input.inspectors.len() < input.per_institution.max(1) {
        return Err(DrawError::TooFewInspectors {
            found: input.inspectors.len(),
            needed: input.per_institution.max(1),
        });
    }
    let mut counter = Counter {
        base: input.base(),
        t: 0,
    };
    let picked = counter.shuffle(input.institutions.len(), input.count());
    let mut drawn = Vec::with_capacity(picked.len());
    for i in picked {
        let team = counter
            .shuffle(input.inspectors.len(), input.per_institution)
            .into_iter()
            .filter_map(|j| input.inspectors.get(j).cloned())
            .collect();
        if let Some(code) = input.institutions.get(i) {
            drawn.push((code.clone(), team));
        }
    }
    Ok(drawn)
}

/// A draw's result as one line per institution, `code=name,name`: how it is stored and
/// published, and what a re-run is compared with.
pub fn result_text(drawn: &Drawn) -> String {
    drawn
        .iter()
        .map(|(code, team)| format!("{code}={}", team.join(",")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(seed: &str, institutions: usize, inspectors: usize, share: u32) -> DrawInput {
        DrawInput::new(
            seed,
            (0..institutions).map(|i| format!("JG{i:04}")).collect(),
            (0..inspectors).map(|i| format!("检查员{i:02}")).collect(),
            share,
            2,
        )
    }

    #[test]
    fn the_same_inputs_draw_the_same_whatever_their_order() {
        let a = input("2026-12-05 公证 7391", 297, 12, 200);
        let mut reversed = a.clone();
        reversed.institutions.reverse();
        reversed.inspectors.reverse();
        let b = DrawInput::new(&a.seed, reversed.institutions, reversed.inspectors, 200, 2);
        assert_eq!(draw(&a).unwrap(), draw(&b).unwrap());
        assert_eq!(a.base(), b.base());
    }

    #[test]
    fn a_draw_takes_the_share_rounded_up_with_two_different_inspectors_each() {
        let drawn = draw(&input("seed", 297, 12, 200)).unwrap();
        assert_eq!(drawn.len(), 60, "297 × 20% = 59.4, rounded up");
        let mut codes: Vec<&String> = drawn.iter().map(|(c, _)| c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 60, "no institution twice");
        for (_, team) in &drawn {
            assert_eq!(team.len(), 2);
            assert_ne!(team[0], team[1]);
        }
        assert_eq!(
            draw(&input("seed", 3, 2, 1)).unwrap().len(),
            1,
            "at least one"
        );
        assert_eq!(draw(&input("seed", 3, 2, 1000)).unwrap().len(), 3, "all");
    }

    #[test]
    fn another_seed_or_another_list_draws_otherwise() {
        let base = draw(&input("seed-1", 100, 10, 100)).unwrap();
        assert_ne!(base, draw(&input("seed-2", 100, 10, 100)).unwrap());
        assert_ne!(base, draw(&input("seed-1", 101, 10, 100)).unwrap());
    }

    /// The first numbers of a fixed input, so that a change of the algorithm cannot pass
    /// unnoticed: every published draw would stop verifying. Computed independently with
    /// Python's hashlib (docs/supervision.md).
    #[test]
    fn the_algorithm_is_the_published_one() {
        let drawn = draw(&input("示例", 10, 4, 300)).unwrap();
        assert_eq!(result_text(&drawn), EXPECTED);
    }

    const EXPECTED: &str =
        "JG0005=检查员01,检查员02\nJG0004=检查员03,检查员00\nJG0001=检查员02,检查员00";

    #[test]
    fn a_draw_without_seed_institutions_or_enough_inspectors_is_refused() {
        assert_eq!(draw(&input(" ", 10, 4, 300)), Err(DrawError::NoSeed));
        assert_eq!(draw(&input("s", 0, 4, 300)), Err(DrawError::NoInstitutions));
        assert_eq!(
            draw(&input("s", 10, 1, 300)),
            Err(DrawError::TooFewInspectors {
                found: 1,
                needed: 2
            })
        );
        assert_eq!(draw(&input("s", 10, 4, 0)), Err(DrawError::Share(0)));
    }
}
