//! The registry (一人一档): persons, their households, and every fact about them over time.
//!
//! A person's identity (ID number, name) never changes; everything else is a [`PersonFacts`]
//! snapshot held in a bitemporal [`crate::timeline`] — when each fact became true, and when the
//! registry learnt it.

mod change;
mod codes;
pub mod describe;
mod duplicates;
mod facts;
mod household;
mod parent;

pub use change::FactChange;
pub use codes::{
    AbilityLevel, Code, DisabilityCategory, Employment, ExpenseKind, Hukou, Illness, IncomeKind,
    ParentSituation, Relation, SelfCareItem, Sex, WorkAbility,
};
pub use duplicates::{
    find_duplicates, DuplicateDetector, DuplicateFinding, DuplicateKind, IdentityKey,
};
pub use facts::{
    check_death_date, check_identity, Assets, CodeSet, Disability, Expenses, IllnessSet, Incomes,
    Person, PersonFacts, Registration, SelfCareSet,
};
pub use household::{HouseholdFile, MemberRecord};
pub use parent::{full_months, Parent};

/// Household codes are chosen by the bureau that issues them; we only insist that they are
/// short, printable and unambiguous in a file.
pub fn check_household_code(code: &str) -> Result<(), crate::FieldError> {
    let ok = !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(crate::FieldError::new(
            "household",
            format!("「{code}」不是户编号（1 至 40 个字母、数字、“-”或“_”）"),
        ))
    }
}
