//! `scales/*.yaml`: scored instruments such as the older person's ability assessment (老年人能力
//! 评估, GB/T 42195-2022). A scale lists its domains and items, each item's options with their
//! scores and words, the levels the total falls into, the conditions the form records beside
//! the items (coma, a diagnosis, events), and the adjustments those conditions make to the
//! level. Code names no item, score or level: a policy officer reads and changes them here.
//!
//! How adjustments combine: an adjustment that sets a level (`to`) makes the level at least
//! that bad; one that worsens (`worse_by`) counts from the level the total gives (the standard's
//! "在原有能力级别上提高一个等级"), so several that apply worsen it once, by the most any of them
//! says, not by their sum. The level is the worst of the total's, the worsened and the set.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::{Diagnostics, Location};

/// A scored instrument, as loaded and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    pub code: String,
    pub label: String,
    pub reference: String,
    pub domains: Vec<Domain>,
    /// From the best to the worst, each with the lowest total that reaches it.
    pub levels: Vec<Level>,
    pub conditions: Vec<Condition>,
    pub adjustments: Vec<Adjustment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub code: String,
    pub label: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub code: String,
    pub label: String,
    /// The words of each score from 0 to the item's highest, in order.
    pub options: Vec<String>,
}

impl Item {
    pub fn max(&self) -> u8 {
        u8::try_from(self.options.len().saturating_sub(1)).unwrap_or(u8::MAX)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub code: String,
    pub label: String,
    pub min: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    /// Yes or no (0 or 1 on the form).
    Bool,
    /// A number of events.
    Count,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub code: String,
    pub label: String,
    pub kind: ConditionKind,
}

/// A condition that makes an adjustment apply: a yes/no condition that holds, or a count at or
/// above a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When {
    pub condition: String,
    pub at_least: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The level is at least this bad (an index into [`Scale::levels`]).
    To(usize),
    /// The level is this many steps worse than the total's.
    WorseBy(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    pub label: String,
    pub reference: String,
    /// It applies when any of these holds.
    pub when: Vec<When>,
    pub effect: Effect,
}

/// A filled-in form: each item's score, each condition's value (1 or 0 for yes or no).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub scores: HashMap<String, u8>,
    pub conditions: HashMap<String, u32>,
}

/// Something wrong with a form: the item or condition at fault, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    pub field: String,
    pub reason: String,
}

/// A form scored, with what explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub total: u16,
    pub max: u16,
    /// Each domain's score and highest score, in the scale's order.
    pub domains: Vec<(u16, u16)>,
    /// Items below their highest score: domain and item positions, the score.
    pub lost: Vec<(usize, usize, u8)>,
    /// The level the total gives.
    pub by_total: usize,
    /// The adjustments that applied, each with the level it would make.
    pub applied: Vec<(usize, usize)>,
    /// The level: the worst of the total's and the adjustments'.
    pub level: usize,
}

impl Scale {
    pub fn max(&self) -> u16 {
        self.items().map(|(_, i)| u16::from(i.max())).sum()
    }

    fn items(&self) -> impl Iterator<Item = (&Domain, &Item)> {
        self.domains
            .iter()
            .flat_map(|d| d.items.iter().map(move |i| (d, i)))
    }

    pub fn level_of(&self, code: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.code == code)
    }

    /// Scores a form. Every item must be answered within its options and every condition
    /// given (a yes/no as 0 or 1); nothing unknown may be on it. All problems are reported.
    pub fn score(&self, answers: &Answers) -> Result<Scored, Vec<FormError>> {
        let mut errors = Vec::new();
        let mut total = 0u16;
        let mut domains = Vec::with_capacity(self.domains.len());
        let mut lost = Vec::new();
        for (d, domain) in self.domains.iter().enumerate() {
            let (mut got, mut max) = (0u16, 0u16);
            for (i, item) in domain.items.iter().enumerate() {
                max += u16::from(item.max());
                match answers.scores.get(&item.code) {
                    None => errors.push(FormError {
                        field: item.code.clone(),
                        reason: format!("{} 未作答", item.label),
                    }),
                    Some(&score) if score > item.max() => errors.push(FormError {
                        field: item.code.clone(),
                        reason: format!(
                            "{}：{score} 不是可选的分值（0 至 {}）",
                            item.label,
                            item.max()
                        ),
                    }),
                    Some(&score) => {
                        got += u16::from(score);
                        if score < item.max() {
                            lost.push((d, i, score));
                        }
                    }
                }
            }
            total += got;
            domains.push((got, max));
        }
        for code in answers.scores.keys() {
            if !self.items().any(|(_, i)| &i.code == code) {
                errors.push(FormError {
                    field: code.clone(),
                    reason: format!("{} 没有 {code} 这一项", self.label),
                });
            }
        }
        for condition in &self.conditions {
            match (answers.conditions.get(&condition.code), condition.kind) {
                (None, _) => errors.push(FormError {
                    field: condition.code.clone(),
                    reason: format!("{} 未记录", condition.label),
                }),
                (Some(&v), ConditionKind::Bool) if v > 1 => errors.push(FormError {
                    field: condition.code.clone(),
                    reason: format!("{}：{v} 应为 是（1）或 否（0）", condition.label),
                }),
                _ => {}
            }
        }
        for code in answers.conditions.keys() {
            if !self.conditions.iter().any(|c| &c.code == code) {
                errors.push(FormError {
                    field: code.clone(),
                    reason: format!("{} 没有 {code} 这一情况", self.label),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let worst = self.levels.len().saturating_sub(1);
        let by_total = self
            .levels
            .iter()
            .position(|l| total >= l.min)
            .unwrap_or(worst);
        let mut applied = Vec::new();
        for (a, adjustment) in self.adjustments.iter().enumerate() {
            let holds = adjustment.when.iter().any(|w| {
                answers
                    .conditions
                    .get(&w.condition)
                    .is_some_and(|&v| v >= w.at_least)
            });
            if holds {
                let level = match adjustment.effect {
                    Effect::To(level) => level,
                    Effect::WorseBy(steps) => (by_total + steps).min(worst),
                };
                applied.push((a, level));
            }
        }
        let level = applied
            .iter()
            .map(|&(_, level)| level)
            .fold(by_total, usize::max);
        Ok(Scored {
            total,
            max: self.max(),
            domains,
            lost,
            by_total,
            applied,
            level,
        })
    }

    /// The explanation of a scored form, in the words of the scale: the total and the level it
    /// gives, each domain, each item that lost points with the option chosen, each adjustment
    /// that applied and the level it made, and the level.
    pub fn explain(&self, scored: &Scored) -> Vec<String> {
        let level = |i: usize| self.levels.get(i).map_or("?", |l| l.label.as_str());
        let mut lines = vec![format!(
            "{}: 总分 {} / {}, 按总分为「{}」",
            self.label,
            scored.total,
            scored.max,
            level(scored.by_total)
        )];
        for (d, (domain, (got, max))) in self.domains.iter().zip(&scored.domains).enumerate() {
            lines.push(format!("  {} {got} / {max}", domain.label));
            for &(_, i, score) in scored.lost.iter().filter(|(at, _, _)| *at == d) {
                let Some(item) = domain.items.get(i) else {
                    continue;
                };
                let words = item
                    .options
                    .get(usize::from(score))
                    .map_or("", String::as_str);
                lines.push(format!(
                    "    {} {score} / {} (失 {} 分): {words}",
                    item.label,
                    item.max(),
                    item.max() - score
                ));
            }
        }
        for &(a, to) in &scored.applied {
            if let Some(adjustment) = self.adjustments.get(a) {
                lines.push(format!(
                    "  调整: {} → 「{}」 ({})",
                    adjustment.label,
                    level(to),
                    adjustment.reference
                ));
            }
        }
        lines.push(format!("  能力等级: {}", level(scored.level)));
        lines
    }
}

/// The scale whose level the registry keeps as a fact of each person (`ability_level`).
pub const ABILITY: &str = "ability";

/// The ability scale's levels are the registry's: the same codes, in the same order, so that a
/// confirmed assessment's level can be recorded and every rule can read it.
pub(crate) fn check_registry_levels(scale: &Scale, diagnostics: &mut Diagnostics) {
    let registry = crate::inputs::ABILITY_LEVEL
        .variants
        .get(1..)
        .unwrap_or_default();
    let levels: Vec<&str> = scale.levels.iter().map(|l| l.code.as_str()).collect();
    if levels != registry {
        diagnostics.push(
            Location::unknown(&format!("scales/{}.yaml", scale.code)),
            format!(
                "the levels ({}) must be the registry's ability levels, best first: {}",
                levels.join(", "),
                registry.join(", ")
            ),
        );
    }
}

// ------------------------------------------------------------------------------------------
// Reading and checking a scale file.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScaleFile {
    label: String,
    reference: String,
    domains: Vec<DomainFile>,
    levels: Vec<LevelFile>,
    #[serde(default)]
    conditions: Vec<ConditionFile>,
    #[serde(default)]
    adjustments: Vec<AdjustmentFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainFile {
    code: String,
    label: String,
    items: Vec<ItemFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemFile {
    code: String,
    label: String,
    options: BTreeMap<u8, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelFile {
    code: String,
    label: String,
    min: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionFile {
    code: String,
    label: String,
    #[serde(rename = "type")]
    kind: ConditionKind,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdjustmentFile {
    label: String,
    reference: String,
    when: Vec<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    worse_by: Option<u8>,
}

/// Reads `scales/<code>.yaml`; every problem goes to `diagnostics`, with `None` for the scale.
pub(crate) fn read(
    file: &str,
    code: &str,
    text: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Scale> {
    let parsed: ScaleFile = crate::typed_yaml(file, text, diagnostics)?;
    let at = Location::unknown(file);
    let before = diagnostics.0.len();
    let mut problem = |message: String| diagnostics.push(at.clone(), message);
    let is_code = crate::is_code;
    let mut codes = std::collections::HashSet::new();
    let mut domains = Vec::new();
    for d in parsed.domains {
        let mut items = Vec::new();
        for i in d.items {
            if !is_code(&i.code) || !codes.insert(i.code.clone()) {
                problem(format!(
                    "item '{}': a code is unique, lower-case letters, digits and '_'",
                    i.code
                ));
            }
            let scores: Vec<u8> = i.options.keys().copied().collect();
            let expected: Vec<u8> = (0..u8::try_from(scores.len()).unwrap_or(u8::MAX)).collect();
            if scores != expected || scores.len() < 2 {
                problem(format!(
                    "item {}: the options score 0, 1, … up to the highest, each once (found {scores:?})",
                    i.code
                ));
            }
            items.push(Item {
                code: i.code,
                label: i.label,
                options: i.options.into_values().collect(),
            });
        }
        if !is_code(&d.code) || !codes.insert(d.code.clone()) {
            problem(format!(
                "domain '{}': a code is unique, lower-case letters, digits and '_'",
                d.code
            ));
        }
        domains.push(Domain {
            code: d.code,
            label: d.label,
            items,
        });
    }
    let levels: Vec<Level> = parsed
        .levels
        .into_iter()
        .map(|l| Level {
            code: l.code,
            label: l.label,
            min: l.min,
        })
        .collect();
    let max: u16 = domains
        .iter()
        .flat_map(|d| &d.items)
        .map(|i| u16::from(i.max()))
        .sum();
    let descending = levels.windows(2).all(|w| match w {
        [a, b] => a.min > b.min,
        _ => true,
    });
    if levels.is_empty() || !descending || levels.last().is_some_and(|l| l.min != 0) {
        problem(
            "levels go from the best to the worst, each reached at a lower total, the last at 0"
                .into(),
        );
    }
    if levels.first().is_some_and(|l| l.min > max) {
        problem(format!(
            "the best level needs more than the highest total ({max})"
        ));
    }
    let conditions: Vec<Condition> = parsed
        .conditions
        .into_iter()
        .map(|c| Condition {
            code: c.code,
            label: c.label,
            kind: c.kind,
        })
        .collect();
    let mut adjustments = Vec::new();
    for a in parsed.adjustments {
        let mut when = Vec::new();
        for w in &a.when {
            let (name, at_least) = match w.split_once(">=") {
                Some((name, n)) => (name.trim(), n.trim().parse::<u32>().ok()),
                None => (w.trim(), Some(1)),
            };
            let kind = conditions.iter().find(|c| c.code == name).map(|c| c.kind);
            match (kind, at_least, w.contains(">=")) {
                (Some(ConditionKind::Bool), Some(_), false)
                | (Some(ConditionKind::Count), Some(_), true) => when.push(When {
                    condition: name.to_string(),
                    at_least: at_least.unwrap_or(1),
                }),
                _ => problem(format!(
                    "adjustment '{}': '{w}' is neither a yes/no condition nor 'count >= N' of the scale",
                    a.label
                )),
            }
        }
        let effect = match (&a.to, a.worse_by) {
            (Some(to), None) => match levels.iter().position(|l| &l.code == to) {
                Some(level) => Some(Effect::To(level)),
                None => {
                    problem(format!("adjustment '{}': no level '{to}'", a.label));
                    None
                }
            },
            (None, Some(steps)) if steps > 0 => Some(Effect::WorseBy(usize::from(steps))),
            _ => {
                problem(format!(
                    "adjustment '{}': give either 'to' (a level) or 'worse_by' (steps)",
                    a.label
                ));
                None
            }
        };
        if let Some(path) = crate::file_cited(&a.reference) {
            problem(format!("adjustment '{}': the reference names a file ({path}); cite the document by title, number and article", a.label));
        }
        if let Some(effect) = effect {
            adjustments.push(Adjustment {
                label: a.label,
                reference: a.reference,
                when,
                effect,
            });
        }
    }
    if let Some(path) = crate::file_cited(&parsed.reference) {
        problem(format!(
            "the reference names a file ({path}); cite the document by title, number and article"
        ));
    }
    (diagnostics.0.len() == before).then(|| Scale {
        code: code.to_string(),
        label: parsed.label,
        reference: parsed.reference,
        domains,
        levels,
        conditions,
        adjustments,
    })
}
