//! Long-term care insurance's domain (no IO): the forms of care, a provider's month as it sends
//! it, checked field by field, and one insured person's month settled by the rules
//! (`policies/qingdao-ltc`: the group `care`, its members `stretches`).

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::registry::AbilityLevel;
use minsheng_core::{AreaCode, Fen, FieldError, IdNumber, Month};
use minsheng_policy::{Evaluation, Policy, Value};

use crate::domain::{codes, Scheme, SettleError};

codes!(
    /// How the care is given (护理服务形式).
    Form, "护理服务形式" {
        Institutional => "institutional", "机构护理";
        Home => "home", "居家上门护理";
        Family => "family", "家庭成员照护";
    }
);

/// The grades of 《长期护理失能等级评估标准（试行）》(医保办发〔2021〕37号), 0 to 5.
pub const GRADES: [&str; 6] = [
    "基本正常",
    "轻度失能",
    "中度失能",
    "重度失能Ⅰ级",
    "重度失能Ⅱ级",
    "重度失能Ⅲ级",
];

/// A grade's name; an unknown grade as its number.
pub fn grade_label(grade: u8) -> String {
    GRADES
        .get(usize::from(grade))
        .map_or_else(|| format!("{grade} 级"), |g| (*g).to_string())
}

/// A designated care provider (长期护理保险定点护理机构).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub code: String,
    pub name: String,
    pub area: AreaCode,
    /// The forms of care it is designated for.
    pub forms: Vec<Form>,
    pub bank_account: String,
    pub registered_on: NaiveDate,
}

/// An insured person qualified for long-term care (长护待遇资格): the disability assessment it
/// rests on, the older person's ability level the registry held that day, and the provider and
/// form of care chosen, from `from` to `to` (both included; `None`: until ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualification {
    pub id: i64,
    pub person_id: i64,
    pub provider: String,
    pub form: Form,
    pub grade: u8,
    pub ability: Option<AbilityLevel>,
    pub assessed_by: String,
    pub assessed_on: NaiveDate,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl Qualification {
    /// Whether it holds on every day from `from` to `to`.
    pub fn holds(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.from <= from && self.to.is_none_or(|end| to <= end)
    }
}

/// One stretch of days of care as the provider sends it: whom, from which day to which (both
/// included, within the month claimed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub id_number: IdNumber,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Sent {
    /// The number of days of care.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// Reads the stretches of `month` a provider sends (`id_number`, `from`, `to` as text), every
/// problem named by field (`stretches[2].to`): a bad ID number or date, a day outside the month,
/// a stretch that ends before it begins, two stretches of one person that share a day.
pub fn read_stretches(
    month: Month,
    rows: &[(String, String, String)],
) -> Result<Vec<Sent>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if rows.is_empty() {
        errors.push(FieldError::new("stretches", "至少一段护理"));
    }
    let mut sent: Vec<(usize, Sent)> = Vec::new();
    for (i, (id, from, to)) in rows.iter().enumerate() {
        let field = |name: &str| format!("stretches[{i}].{name}");
        let id_number = IdNumber::parse(id.trim())
            .map_err(|e| errors.push(FieldError::new(field("id_number"), e.to_string())))
            .ok();
        let mut day = |name: &str, text: &str| {
            let parsed = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                FieldError::new(
                    field(name),
                    format!("「{}」不是日期（如 2026-11-03）", text.trim()),
                )
            });
            match parsed {
                Ok(d) if Month::containing(d) != month => {
                    errors.push(FieldError::new(field(name), format!("{d} 不在 {month} 内")));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        };
        let (from, to) = (day("from", from), day("to", to));
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                errors.push(FieldError::new(
                    field("to"),
                    format!("止于 {to}，早于起始日 {from}"),
                ));
                continue;
            }
            if let Some(id_number) = id_number {
                let s = Sent {
                    id_number,
                    from,
                    to,
                };
                if let Some((j, other)) = sent
                    .iter()
                    .find(|(_, o)| o.id_number == s.id_number && o.from <= s.to && s.from <= o.to)
                {
                    errors.push(FieldError::new(
                        field("from"),
                        format!(
                            "与第 {} 段（{} 至 {}）重叠：同一人同一天只能结算一次",
                            j + 1,
                            other.from,
                            other.to
                        ),
                    ));
                } else {
                    sent.push((i, s));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(sent.into_iter().map(|(_, s)| s).collect())
    } else {
        Err(errors)
    }
}

/// What the rules are given for one person's month: the scheme of their cover, the assessment's
/// grade, the registry's ability level, and each stretch's form and days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareFacts {
    pub scheme: Scheme,
    pub grade: u8,
    pub ability: Option<AbilityLevel>,
    pub stretches: Vec<(Form, i64)>,
}

/// One person's month as the rules settle it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub qualified: bool,
    pub cost: Fen,
    pub fund: Fen,
    pub person: Fen,
    /// Each stretch's cost, in order.
    pub stretch_costs: Vec<Fen>,
}

fn filled(
    inputs: &[minsheng_policy::inputs::Input],
    entity: &str,
    value: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Value>, SettleError> {
    inputs
        .iter()
        .map(|input| {
            value(input.name)
                .and_then(|text| Value::parse(&input.ty, &text))
                .ok_or_else(|| {
                    SettleError::Rule(format!("长护规则的 {entity}.{} 无法由结算填写", input.name))
                })
        })
        .collect()
}

/// The evaluation of one person's month under `policy` on `on` (tracing if asked, for an
/// explanation).
pub fn evaluation<'p>(
    policy: &'p Policy,
    on: NaiveDate,
    facts: &CareFacts,
    tracing: bool,
) -> Result<Evaluation<'p>, SettleError> {
    let group = filled(&policy.entities.group_inputs, "care", |name| match name {
        "scheme" => Some(facts.scheme.as_str().to_string()),
        "disability_grade" => Some(facts.grade.to_string()),
        "ability" => Some(facts.ability.map_or("none", |a| a.as_str()).to_string()),
        _ => None,
    })?;
    let members = (facts.stretches.iter())
        .map(|(form, days)| {
            filled(&policy.inputs, "stretch", |name| match name {
                "form" => Some(form.as_str().to_string()),
                "days" => Some(days.to_string()),
                _ => None,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Evaluation::new(policy, on, members, tracing).with_group(group))
}

/// Settles one person's month: the rules' figures, checked to add up.
pub fn settle(evaluation: &mut Evaluation<'_>, stretches: usize) -> Result<Settled, SettleError> {
    let policy = evaluation.policy;
    let mut value = |name: &str, member: Option<usize>| -> Result<Value, SettleError> {
        let id = policy
            .variable(name)
            .ok_or_else(|| SettleError::Rule(format!("长护规则没有变量 {name}")))?;
        evaluation
            .variable(id, member)
            .map_err(|e| SettleError::Rule(e.to_string()))
    };
    let money = |v: Value, name: &str| match v {
        Value::Money(f) => Ok(f),
        other => Err(SettleError::Rule(format!("{name} 算得 {other}，不是金额"))),
    };
    let qualified = match value("qualified", None)? {
        Value::Bool(b) => b,
        other => {
            return Err(SettleError::Rule(format!(
                "qualified 算得 {other}，不是是否"
            )))
        }
    };
    let cost = money(value("care_cost", None)?, "care_cost")?;
    let fund = money(value("fund_pays", None)?, "fund_pays")?;
    let person = money(value("person_pays", None)?, "person_pays")?;
    let stretch_costs = (0..stretches)
        .map(|i| money(value("stretch_cost", Some(i))?, "stretch_cost"))
        .collect::<Result<Vec<_>, _>>()?;
    let parts = fund.checked_add(person);
    if parts != Some(cost)
        || stretch_costs
            .iter()
            .try_fold(Fen::ZERO, |s, c| s.checked_add(*c))
            != Some(cost)
    {
        return Err(SettleError::Unbalanced {
            total: cost,
            parts: parts.unwrap_or(Fen::ZERO),
        });
    }
    Ok(Settled {
        qualified,
        cost,
        fund,
        person,
        stretch_costs,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn month() -> Month {
        Month::new(2026, 11).unwrap()
    }

    fn row(id: &str, from: &str, to: &str) -> (String, String, String) {
        (id.into(), from.into(), to.into())
    }

    const ID: &str = "370202195001010017";

    #[test]
    fn stretches_are_read_with_their_days() {
        let s = read_stretches(month(), &[row(ID, "2026-11-01", "2026-11-30")]).unwrap();
        assert_eq!(s[0].days(), 30);
        let s = read_stretches(month(), &[row(ID, "2026-11-30", "2026-11-30")]).unwrap();
        assert_eq!(s[0].days(), 1);
    }

    #[test]
    fn every_bad_stretch_is_named_by_its_field() {
        let e = read_stretches(
            month(),
            &[
                row("370202195001010018", "2026-11-01", "2026-11-02"),
                row(ID, "2026-10-31", "2026-11-02"),
                row(ID, "2026-11-05", "2026-11-04"),
                row(ID, "2026-11-03", "2026-12-01"),
                row(ID, "11/3", "2026-11-04"),
            ],
        )
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "stretches[0].id_number",
                "stretches[1].from",
                "stretches[2].to",
                "stretches[3].to",
                "stretches[4].from"
            ]
        );
        assert!(read_stretches(month(), &[]).is_err());
    }

    #[test]
    fn two_stretches_of_one_person_may_not_share_a_day() {
        let e = read_stretches(
            month(),
            &[
                row(ID, "2026-11-01", "2026-11-10"),
                row(ID, "2026-11-10", "2026-11-20"),
            ],
        )
        .unwrap_err();
        assert_eq!(e[0].field, "stretches[1].from");
        assert!(read_stretches(
            month(),
            &[
                row(ID, "2026-11-01", "2026-11-10"),
                row(ID, "2026-11-11", "2026-11-20"),
            ],
        )
        .is_ok());
    }
}
