#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The batch executor and the explaining interpreter give the same value — or the same error —
//! for every variable of the Qingdao catalog, on random households.

use std::path::Path;

use minsheng_policy::batch::{decode, run, Population};
use minsheng_policy::inputs::{default_value, inputs};
use minsheng_policy::{Entity, Evaluation, Policy, Value};
use proptest::prelude::*;

fn catalog() -> Policy {
    Policy::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao"))
        .unwrap_or_else(|d| panic!("{d}"))
}

/// One member's inputs from a few random draws, covering every threshold region.
fn member(
    head: bool,
    (age, rural, together, category, grade): (i64, bool, bool, u16, i64),
    (wage, pension, basic, deposits, vehicles, homes, able): (i64, i64, i64, i64, i64, i64, u16),
    (lost, father, mother, institution, medical, education, rehabilitation): Care,
) -> Vec<Value> {
    inputs()
        .iter()
        .map(|i| match (i.name, &i.ty) {
            ("age", _) => Value::Int(age),
            ("hukou", minsheng_policy::Type::Enum(e)) => Value::Enum(e, u16::from(rural)),
            ("relation", minsheng_policy::Type::Enum(e)) => {
                Value::Enum(e, if head { 0 } else { 2 })
            }
            ("lives_together", _) => Value::Bool(together || head),
            ("disability_category", minsheng_policy::Type::Enum(e)) => Value::Enum(e, category),
            ("disability_grade", _) => Value::Int(if category == 0 { 0 } else { grade }),
            ("work_ability", minsheng_policy::Type::Enum(e)) => Value::Enum(e, able),
            ("income_wage", _) => Value::Money(minsheng_core::Fen(wage)),
            ("income_pension", _) => Value::Money(minsheng_core::Fen(pension)),
            ("income_residents_basic_pension", _) => Value::Money(minsheng_core::Fen(basic)),
            ("deposits", _) => Value::Money(minsheng_core::Fen(deposits)),
            ("vehicles", _) => Value::Int(vehicles),
            ("homes", _) => Value::Int(homes),
            ("self_care_items_lost", _) => Value::Int(lost),
            ("father", minsheng_policy::Type::Enum(e)) => Value::Enum(e, father),
            ("mother", minsheng_policy::Type::Enum(e)) => Value::Enum(e, mother),
            ("institutional_care", _) => Value::Bool(institution),
            ("expense_medical", _) => Value::Money(minsheng_core::Fen(medical)),
            ("expense_education", _) => Value::Money(minsheng_core::Fen(education)),
            ("expense_rehabilitation", _) => Value::Money(minsheng_core::Fen(rehabilitation)),
            _ => default_value(i),
        })
        .collect()
}

type Care = (i64, u16, u16, bool, i64, i64, i64);
type Draw = (
    (i64, bool, bool, u16, i64),
    (i64, i64, i64, i64, i64, i64, u16),
    Care,
);

fn member_strategy() -> impl Strategy<Value = Draw> {
    (
        (
            0i64..100,
            any::<bool>(),
            prop::bool::weighted(0.9),
            0u16..8,
            1i64..5,
        ),
        (
            prop_oneof![Just(0i64), 0i64..300_000, 104_000i64..105_000],
            prop_oneof![Just(0i64), 0i64..200_000],
            0i64..30_000,
            prop_oneof![Just(0i64), 0i64..5_000_000],
            prop_oneof![9 => Just(0i64), 1 => Just(1i64)],
            prop_oneof![Just(1i64), Just(0i64), Just(2i64)],
            0u16..3,
        ),
        (
            prop_oneof![3 => Just(0i64), 1 => 0i64..7],
            prop_oneof![3 => Just(0u16), 1 => 0u16..9],
            prop_oneof![3 => Just(0u16), 1 => 0u16..9],
            prop::bool::weighted(0.1),
            prop_oneof![Just(0i64), 0i64..5_000_000],
            prop_oneof![Just(0i64), 0i64..1_000_000],
            prop_oneof![Just(0i64), 0i64..1_000_000],
        ),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn batch_and_interpreter_agree(
        households in prop::collection::vec(prop::collection::vec(member_strategy(), 1..6), 1..9000),
        year in prop_oneof![Just(2023), Just(2025)],
    ) {
        let policy = catalog();
        let month = minsheng_core::Month::new(year, 6).unwrap();
        let mut population = Population::new(policy.inputs.len());
        let built: Vec<Vec<Vec<Value>>> = households
            .iter()
            .map(|members| members.iter().enumerate().map(|(i, (a, b, c))| member(i == 0, *a, *b, *c)).collect())
            .collect();
        for h in &built {
            population.push(h);
        }
        let all: Vec<usize> = (0..policy.variables.len()).collect();
        let result = run(&policy, month.first_day(), &population, &all, 2);
        for (h, members) in built.iter().enumerate() {
            let mut e = Evaluation::new(&policy, month.first_day(), members.clone(), false);
            for (id, column) in &result.columns {
                let v = &policy.variables[*id];
                let targets: Vec<(Option<usize>, usize)> = match v.entity {
                    Entity::Group => vec![(None, h)],
                    Entity::Member => (0..members.len())
                        .map(|m| (Some(m), population.member_start[h] + m))
                        .collect(),
                };
                for (member, row) in targets {
                    let interpreted = e.variable(*id, member);
                    let batched = match column.errors.get(&row) {
                        Some(err) => Err(err.clone()),
                        None => Ok(decode(&v.ty, column.get(row))),
                    };
                    prop_assert_eq!(&interpreted, &batched, "{} of household {} member {:?}", v.name, h, member);
                }
            }
        }
    }
}
