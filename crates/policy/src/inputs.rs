//! What rules read from the registry: the input variables, and how one household's facts for a
//! month become their values. This is the only place the policy engine knows registry types.

use chrono::{Datelike, NaiveDate};
use minsheng_core::registry::{
    Employment, ExpenseKind, Hukou, IllnessSet, IncomeKind, ParentSituation, Person, PersonFacts,
    Relation, WorkAbility,
};
use minsheng_core::{Fen, Month};

use crate::value::{EnumType, Type, Value};

pub static HUKOU: EnumType = EnumType {
    name: "hukou",
    variants: &["urban", "rural"],
};
pub static DISABILITY_CATEGORY: EnumType = EnumType {
    name: "disability_category",
    variants: &[
        "none",
        "visual",
        "hearing",
        "speech",
        "physical",
        "intellectual",
        "mental",
        "multiple",
    ],
};
pub static RELATION: EnumType = EnumType {
    name: "relation",
    variants: &[
        "head",
        "spouse",
        "child",
        "parent",
        "grandchild",
        "grandparent",
        "sibling",
        "child_in_law",
        "other",
    ],
};
pub static WORK_ABILITY: EnumType = EnumType {
    name: "work_ability",
    variants: &["full", "partial", "none"],
};
pub static EMPLOYMENT: EnumType = EnumType {
    name: "employment",
    variants: &[
        "employed",
        "self_employed",
        "farming",
        "unemployed",
        "retired",
        "student",
        "not_applicable",
    ],
};

pub static PARENT_SITUATION: EnumType = EnumType {
    name: "parent_situation",
    variants: &[
        "able",
        "deceased",
        "missing",
        "severe_disability",
        "serious_illness",
        "imprisoned",
        "detained",
        "unreachable",
        "guardianship_revoked",
    ],
};

/// The ability level of the last confirmed assessment; `none` for a person never assessed.
pub static ABILITY_LEVEL: EnumType = EnumType {
    name: "ability_level",
    variants: &["none", "intact", "mild", "moderate", "severe", "complete"],
};

pub static ENUM_TYPES: &[&EnumType] = &[
    &HUKOU,
    &DISABILITY_CATEGORY,
    &RELATION,
    &WORK_ABILITY,
    &EMPLOYMENT,
    &PARENT_SITUATION,
    &ABILITY_LEVEL,
];

pub fn enum_type(name: &str) -> Option<&'static EnumType> {
    ENUM_TYPES.iter().copied().find(|e| e.name == name)
}

/// An input: a fact of each member, read from the registry.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: &'static str,
    pub label: &'static str,
    pub ty: Type,
}

macro_rules! inputs {
    ($($name:literal, $label:literal, $ty:expr;)+) => {
        pub fn inputs() -> Vec<Input> {
            vec![$(Input { name: $name, label: $label, ty: $ty }),+]
        }
    };
}

// The order is the order of `member_values`.
inputs! {
    "age", "年龄 (周岁, 当月末日)", Type::Int;
    "alive", "在世 (当月首日)", Type::Bool;
    "hukou", "户籍类型", Type::Enum(&HUKOU);
    "relation", "与户主关系", Type::Enum(&RELATION);
    "lives_together", "共同生活", Type::Bool;
    "disability_category", "残疾类别", Type::Enum(&DISABILITY_CATEGORY);
    "disability_grade", "残疾等级 (0 为无残疾证)", Type::Int;
    "serious_illness", "患重特大疾病", Type::Bool;
    "chronic_illness", "患慢性病", Type::Bool;
    "work_ability", "劳动能力", Type::Enum(&WORK_ABILITY);
    "employment", "就业状况", Type::Enum(&EMPLOYMENT);
    "income_wage", "工资性收入 (月)", Type::Money;
    "income_business", "经营净收入 (月)", Type::Money;
    "income_property", "财产净收入 (月)", Type::Money;
    "income_transfer", "转移净收入 (月)", Type::Money;
    "income_pension", "养老金 (月)", Type::Money;
    "income_residents_basic_pension", "城乡居民基础养老金 (月)", Type::Money;
    "income_social_assistance", "社会救助金 (月)", Type::Money;
    "income_scholarship", "奖学金 (月)", Type::Money;
    "income_family_planning_reward", "计划生育奖励 (月)", Type::Money;
    "income_bravery_award", "见义勇为奖励 (月)", Type::Money;
    "deposits", "存款等金融资产", Type::Money;
    "vehicles", "机动车数量", Type::Int;
    "homes", "住房数量", Type::Int;
    "self_care_items_lost", "生活自理能力丧失项数 (六项日常生活活动, 0–6)", Type::Int;
    "father", "父亲抚养能力", Type::Enum(&PARENT_SITUATION);
    "father_months", "父亲情形已持续月数 (当月末日)", Type::Int;
    "father_term_months", "父亲被限制人身自由的期限月数 (无终止日期的, 为已持续月数)", Type::Int;
    "mother", "母亲抚养能力", Type::Enum(&PARENT_SITUATION);
    "mother_months", "母亲情形已持续月数 (当月末日)", Type::Int;
    "mother_term_months", "母亲被限制人身自由的期限月数 (无终止日期的, 为已持续月数)", Type::Int;
    "institutional_care", "集中供养 (机构养育)", Type::Bool;
    "ability_level", "老年人能力等级 (GB/T 42195-2022; none 为未评估)", Type::Enum(&ABILITY_LEVEL);
    "expense_medical", "近12个月医疗自付支出", Type::Money;
    "expense_education", "近12个月教育支出", Type::Money;
    "expense_rehabilitation", "近12个月康复支出", Type::Money;
}

fn code<T: Copy + PartialEq>(all: &[T], value: T, ty: &'static EnumType) -> Value {
    let index = all.iter().position(|v| *v == value).unwrap_or(0);
    Value::Enum(ty, index as u16)
}

/// Full years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i64 {
    let mut age = i64::from(on.year() - birth.year());
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// The input values of one member for `month`, in the order of [`inputs`]. `serious` is the
/// catalog's list of serious illnesses (`illnesses.yaml`, [`crate::Policy::serious_illnesses`]):
/// a member with one has `serious_illness`, with any other recorded illness `chronic_illness`.
pub fn member_values(
    person: &Person,
    facts: &PersonFacts,
    month: Month,
    serious: IllnessSet,
) -> Vec<Value> {
    let (first, last) = (month.first_day(), month.last_day());
    let mut values = vec![
        Value::Int(age_on(person.birth_date(), last)),
        Value::Bool(facts.death_date.is_none_or(|d| d > first)),
        code(Hukou::ALL, facts.hukou, &HUKOU),
        code(Relation::ALL, facts.relation, &RELATION),
        Value::Bool(facts.lives_together),
        match facts.disability {
            Some(d) => Value::Enum(&DISABILITY_CATEGORY, d.category.index() as u16 + 1),
            None => Value::Enum(&DISABILITY_CATEGORY, 0),
        },
        Value::Int(facts.disability.map_or(0, |d| i64::from(d.grade()))),
        Value::Bool(facts.illnesses.intersects(serious)),
        Value::Bool(!facts.illnesses.without(serious).is_empty()),
        code(WorkAbility::ALL, facts.work_ability, &WORK_ABILITY),
        code(Employment::ALL, facts.employment, &EMPLOYMENT),
    ];
    values.extend(
        IncomeKind::ALL
            .iter()
            .map(|k| Value::Money(facts.income.get(*k))),
    );
    values.extend([
        Value::Money(facts.assets.deposits),
        Value::Int(i64::from(facts.assets.vehicles)),
        Value::Int(i64::from(facts.assets.homes)),
        Value::Int(facts.self_care_lost.len() as i64),
    ]);
    for parent in [&facts.father, &facts.mother] {
        values.extend([
            code(ParentSituation::ALL, parent.situation, &PARENT_SITUATION),
            Value::Int(parent.months_lasted(last)),
            Value::Int(parent.term_months(last)),
        ]);
    }
    values.extend([
        Value::Bool(facts.institutional_care),
        match facts.ability {
            Some(level) => Value::Enum(&ABILITY_LEVEL, level.index() as u16 + 1),
            None => Value::Enum(&ABILITY_LEVEL, 0),
        },
    ]);
    values.extend(
        ExpenseKind::ALL
            .iter()
            .map(|k| Value::Money(facts.expenses.get(*k))),
    );
    values
}

/// Default values of an input not given in a rule test: nothing unusual (an urban adult head,
/// living together, no card, no illness, able to work, no income, no assets).
pub fn default_value(input: &Input) -> Value {
    match input.name {
        "age" => Value::Int(40),
        "alive" | "lives_together" => Value::Bool(true),
        _ => match &input.ty {
            Type::Bool => Value::Bool(false),
            Type::Int => Value::Int(0),
            Type::Number => Value::Number(crate::value::Number(0)),
            Type::Money => Value::Money(Fen(0)),
            Type::Enum(_) => Value::Enum(enum_type_of(input), 0),
        },
    }
}

fn enum_type_of(input: &Input) -> &'static EnumType {
    match &input.ty {
        Type::Enum(e) => e,
        _ => &HUKOU,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minsheng_core::registry::{AbilityLevel, DisabilityCategory};

    #[test]
    fn enum_lists_follow_the_registry_codes() {
        let codes = |all: Vec<&'static str>| all;
        assert_eq!(
            HUKOU.variants,
            codes(Hukou::ALL.iter().map(|v| v.as_str()).collect())
        );
        assert_eq!(
            RELATION.variants,
            codes(Relation::ALL.iter().map(|v| v.as_str()).collect())
        );
        assert_eq!(
            WORK_ABILITY.variants,
            codes(WorkAbility::ALL.iter().map(|v| v.as_str()).collect())
        );
        assert_eq!(
            EMPLOYMENT.variants,
            codes(Employment::ALL.iter().map(|v| v.as_str()).collect())
        );
        assert_eq!(
            PARENT_SITUATION.variants,
            codes(ParentSituation::ALL.iter().map(|v| v.as_str()).collect())
        );
        assert_eq!(
            ABILITY_LEVEL.variants[1..],
            codes(AbilityLevel::ALL.iter().map(|v| v.as_str()).collect())
        );
        assert_eq!(
            DISABILITY_CATEGORY.variants[1..],
            codes(DisabilityCategory::ALL.iter().map(|v| v.as_str()).collect())
        );
        let names: Vec<String> = inputs().iter().map(|i| i.name.to_string()).collect();
        let incomes: Vec<String> = IncomeKind::ALL
            .iter()
            .map(|k| format!("income_{}", k.as_str()))
            .collect();
        assert_eq!(names[11..21], incomes[..]);
        let expenses: Vec<String> = ExpenseKind::ALL
            .iter()
            .map(|k| format!("expense_{}", k.as_str()))
            .collect();
        assert_eq!(names[names.len() - expenses.len()..], expenses[..]);
        let parents: Vec<String> = ["father", "mother"]
            .iter()
            .flat_map(|p| {
                [
                    p.to_string(),
                    format!("{p}_months"),
                    format!("{p}_term_months"),
                ]
            })
            .collect();
        assert_eq!(names[25..31], parents[..]);
    }

    #[test]
    fn age_counts_full_years() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(age_on(d(1965, 6, 30), d(2025, 6, 30)), 60);
        assert_eq!(age_on(d(1965, 7, 1), d(2025, 6, 30)), 59);
        assert_eq!(age_on(d(2008, 2, 29), d(2025, 2, 28)), 16);
    }
}
