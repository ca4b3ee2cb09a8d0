use chrono::NaiveDate;

use super::codes::{
    AbilityLevel, Employment, ExpenseKind, Hukou, IncomeKind, Relation, WorkAbility,
};
use super::facts::{Disability, IllnessSet, PersonFacts, SelfCareSet};
use super::parent::Parent;
use crate::{AreaCode, Fen};

/// One fact changed, as a caseworker records it ("wage is 3,500 from March").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactChange {
    Household(String),
    Relation(Relation),
    LivesTogether(bool),
    Hukou(Hukou),
    Area(AreaCode),
    DeathDate(Option<NaiveDate>),
    Disability(Option<Disability>),
    Illnesses(IllnessSet),
    WorkAbility(WorkAbility),
    Employment(Employment),
    Income(IncomeKind, Fen),
    Deposits(Fen),
    Vehicles(u8),
    Homes(u8),
    SelfCareLost(SelfCareSet),
    Father(Parent),
    Mother(Parent),
    InstitutionalCare(bool),
    Expense(ExpenseKind, Fen),
    Ability(Option<AbilityLevel>),
}

impl FactChange {
    pub fn apply(&self, f: &mut PersonFacts) {
        match self {
            FactChange::Household(h) => f.household = h.clone(),
            FactChange::Relation(r) => f.relation = *r,
            FactChange::LivesTogether(b) => f.lives_together = *b,
            FactChange::Hukou(h) => f.hukou = *h,
            FactChange::Area(a) => f.area = a.clone(),
            FactChange::DeathDate(d) => f.death_date = *d,
            FactChange::Disability(d) => f.disability = *d,
            FactChange::Illnesses(i) => f.illnesses = *i,
            FactChange::WorkAbility(w) => f.work_ability = *w,
            FactChange::Employment(e) => f.employment = *e,
            FactChange::Income(kind, amount) => f.income.set(*kind, *amount),
            FactChange::Deposits(d) => f.assets.deposits = *d,
            FactChange::Vehicles(v) => f.assets.vehicles = *v,
            FactChange::Homes(h) => f.assets.homes = *h,
            FactChange::SelfCareLost(s) => f.self_care_lost = *s,
            FactChange::Father(p) => f.father = *p,
            FactChange::Mother(p) => f.mother = *p,
            FactChange::InstitutionalCare(b) => f.institutional_care = *b,
            FactChange::Expense(kind, amount) => f.expenses.set(*kind, *amount),
            FactChange::Ability(level) => f.ability = *level,
        }
    }
}
