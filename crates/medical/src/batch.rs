//! Many claims settled at once — a month of a whole city's, or the same month under a reform —
//! by the batch executor, with every person's year still kept in claim order (no IO).
//!
//! A settlement reads the person's year so far, so a person's claims cannot run side by side.
//! Different persons' can: the claims go in rounds, the first claim of everyone in one batch,
//! then everyone's second on the years the first ones left, and so on (a month has a handful
//! of rounds, most of them small). Where the rules change between the dates of a round's
//! claims, the round runs in parts, each on its own date.

use chrono::NaiveDate;
use minsheng_core::Fen;
use minsheng_policy::batch::{Column, Population};
use minsheng_policy::{Policy, VarId};

use crate::domain::{
    Aid, Class, Cover, Layout, Level, Place, SettleError, Settlement, Situation, Visit, YearToDate,
};

/// One insured person as the batch carries them: the cover, the year so far and the personal
/// account's balance, both moved by each settled claim, and their category of medical
/// assistance for the claims' month.
#[derive(Debug, Clone)]
pub struct Insured {
    pub cover: Cover,
    pub year: YearToDate,
    pub balance: Fen,
    pub aid: Aid,
}

/// A claim waiting to be settled: its person (an index into the insured) and its own facts.
#[derive(Debug, Clone, Copy)]
pub struct Pending {
    pub insured: u32,
    pub date: NaiveDate,
    pub visit: Visit,
    pub level: Level,
    pub place: Place,
    pub use_account: bool,
}

/// Claims in the order they are settled (each person's in their order; different persons'
/// may come in any order among each other), with their lines laid end to end: claim `i`'s
/// lines are `starts[i]..starts[i + 1]`.
#[derive(Debug, Clone)]
pub struct Claims {
    pub claims: Vec<Pending>,
    pub starts: Vec<usize>,
    pub classes: Vec<Class>,
    pub amounts: Vec<Fen>,
}

impl Default for Claims {
    fn default() -> Claims {
        Claims {
            claims: Vec::new(),
            starts: vec![0],
            classes: Vec::new(),
            amounts: Vec::new(),
        }
    }
}

impl Claims {
    /// Adds a claim after every earlier one of its person.
    pub fn push(&mut self, claim: Pending, lines: impl IntoIterator<Item = (Class, Fen)>) {
        for (class, amount) in lines {
            self.classes.push(class);
            self.amounts.push(amount);
        }
        self.claims.push(claim);
        self.starts.push(self.classes.len());
    }

    pub fn len(&self) -> usize {
        self.claims.len()
    }

    pub fn is_empty(&self) -> bool {
        self.claims.is_empty()
    }

    fn lines(&self, i: usize) -> impl Iterator<Item = (Class, Fen)> + '_ {
        let range = match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(a), Some(b)) => *a..*b,
            _ => 0..0,
        };
        let classes = self.classes.get(range.clone()).unwrap_or_default();
        let amounts = self.amounts.get(range).unwrap_or_default();
        classes.iter().copied().zip(amounts.iter().copied())
    }
}

/// Who pays what of one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shares {
    pub total: Fen,
    /// The part of the total within the catalogue's policy (what the fund's share is of).
    pub in_policy: Fen,
    pub fund: Fen,
    pub supplement: Fen,
    /// What medical assistance paid.
    pub aid: Fen,
    pub account: Fen,
    pub person: Fen,
}

impl Shares {
    pub fn of(s: &Settlement) -> Shares {
        Shares {
            total: s.total,
            in_policy: s.in_policy,
            fund: s.fund,
            supplement: s.supplement,
            aid: s.aid,
            account: s.account,
            person: s.person,
        }
    }
}

/// The claims settled, in the order given; a refused claim has no shares and moved nothing.
#[derive(Debug, Clone, Default)]
pub struct Settled {
    pub shares: Vec<Shares>,
    /// Claims the rules could not settle, with the reason, by index.
    pub refused: Vec<(usize, String)>,
    /// How many batches the claims took (rounds, and their parts where the rules changed).
    pub rounds: usize,
}

/// The variables a settlement reads, by name.
const OUTPUTS: [&str; 10] = [
    "total",
    "in_policy",
    "deductible_applied",
    "fund_pays",
    "supplement_pays",
    "account_pays",
    "person_pays",
    "self_paid_in_policy_now",
    "assistance_deductible_applied",
    "assistance_pays",
];

/// Settles `claims` under `policy` on `threads` threads, moving each person's year and balance
/// in `insured` as the claims settle. Equal to settling them one by one, in order.
pub fn settle(
    policy: &Policy,
    claims: &Claims,
    insured: &mut [Insured],
    threads: usize,
) -> Result<Settled, SettleError> {
    let layout = Layout::of(policy)?;
    let outputs: Vec<VarId> = (OUTPUTS.iter())
        .map(|name| {
            policy
                .variable(name)
                .ok_or_else(|| SettleError::Rule(format!("目录没有变量 {name}")))
        })
        .collect::<Result<_, _>>()?;
    let mut settled = Settled {
        shares: vec![Shares::default(); claims.len()],
        ..Settled::default()
    };
    for (on, round) in rounds(policy, &claims.claims) {
        let mut population =
            Population::of_groups(policy.inputs.len(), policy.entities.group_inputs.len());
        for &i in &round {
            let Some(c) = claims.claims.get(i) else {
                continue;
            };
            let Some(person) = insured.get(c.insured as usize) else {
                continue;
            };
            let situation = Situation {
                cover: &person.cover,
                visit: c.visit,
                level: c.level,
                place: c.place,
                use_account: c.use_account,
                year: &person.year,
                balance: person.balance,
                // The batch settles each person on their own account.
                family_account: false,
                aid: person.aid,
            };
            for (column, raw) in population
                .group_inputs
                .iter_mut()
                .zip(layout.group_row(&situation))
            {
                column.push(raw);
            }
            let mut end = population.persons();
            for (class, amount) in claims.lines(i) {
                for (column, raw) in population
                    .inputs
                    .iter_mut()
                    .zip(layout.line_row(class, amount))
                {
                    column.push(raw);
                }
                end += 1;
            }
            population.member_start.push(end);
        }
        let result = minsheng_policy::batch::run(policy, on, &population, &outputs, threads);
        let columns: Vec<&Column> = result.columns.iter().map(|(_, c)| c).collect();
        let values: Vec<Vec<i64>> = columns.iter().map(|c| c.iter().collect()).collect();
        for (row, &i) in round.iter().enumerate() {
            let (Some(c), Some(shares)) = (claims.claims.get(i), settled.shares.get_mut(i)) else {
                continue;
            };
            if let Some(e) = columns.iter().find_map(|c| c.errors.get(&row)) {
                settled.refused.push((i, e.to_string()));
                continue;
            }
            let value =
                |k: usize| Fen(values.get(k).and_then(|c| c.get(row)).copied().unwrap_or(0));
            let s = Settlement {
                total: value(0),
                in_policy: value(1),
                deductible_applied: value(2),
                fund: value(3),
                supplement: value(4),
                account: value(5),
                person: value(6),
                self_paid_in_policy: value(7),
                aid_deductible_applied: value(8),
                aid: value(9),
                lines: Vec::new(),
            };
            let parts = s
                .parts()
                .iter()
                .try_fold(0_i64, |sum, f| sum.checked_add(f.0));
            let sent: i64 = claims.lines(i).map(|(_, a)| a.0).sum();
            if parts != Some(s.total.0) || s.total.0 != sent {
                settled.refused.push((
                    i,
                    SettleError::Unbalanced {
                        total: Fen(sent),
                        parts: Fen(parts.unwrap_or(0)),
                    }
                    .to_string(),
                ));
                continue;
            }
            let Some(person) = insured.get_mut(c.insured as usize) else {
                continue;
            };
            let Some(year) = person.year.apply(c.visit, &s, 1) else {
                settled.refused.push((i, "金额过大".into()));
                continue;
            };
            person.year = year;
            person.balance = Fen(person.balance.0 - s.account.0);
            *shares = Shares::of(&s);
        }
        settled.rounds += 1;
    }
    settled.refused.sort_by_key(|(i, _)| *i);
    Ok(settled)
}

/// The claims in the order they may run, as (date to run on, claim indices): round `r` holds
/// each person's `r`-th claim in the order given, split where the rules change between their
/// dates. A person's claims need not be next to each other, nor in date order: a round holds
/// at most one claim of each person, so its parts may run in any order.
fn rounds(policy: &Policy, claims: &[Pending]) -> Vec<(NaiveDate, Vec<usize>)> {
    let (Some(first), Some(last)) = (
        claims.iter().map(|c| c.date).min(),
        claims.iter().map(|c| c.date).max(),
    ) else {
        return Vec::new();
    };
    let changes = policy.changes_between(first, last);
    let stretch = |day: NaiveDate| changes.partition_point(|c| *c <= day);
    let persons = claims
        .iter()
        .map(|c| c.insured as usize + 1)
        .max()
        .unwrap_or(0);
    let mut seen = vec![0_usize; persons];
    let mut out: Vec<Vec<Vec<usize>>> = Vec::new();
    for (i, c) in claims.iter().enumerate() {
        let Some(count) = seen.get_mut(c.insured as usize) else {
            continue;
        };
        let r = *count;
        *count += 1;
        if out.len() <= r {
            out.resize_with(r + 1, || vec![Vec::new(); changes.len() + 1]);
        }
        if let Some(part) = out
            .get_mut(r)
            .and_then(|round| round.get_mut(stretch(c.date)))
        {
            part.push(i);
        }
    }
    let starts: Vec<NaiveDate> = std::iter::once(first)
        .chain(changes.iter().copied())
        .collect();
    out.into_iter()
        .flat_map(|round| starts.iter().copied().zip(round).collect::<Vec<_>>())
        .filter(|(_, part)| !part.is_empty())
        .collect()
}
