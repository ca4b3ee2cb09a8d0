use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use std::marker::PhantomData;

use super::codes::{
    AbilityLevel, Code, DisabilityCategory, Employment, ExpenseKind, Hukou, Illness, IncomeKind,
    Relation, SelfCareItem, Sex, WorkAbility,
};
use super::parent::Parent;
use crate::{AreaCode, AreaLevel, Fen, FieldError, IdNumber};

/// Who a person is. Never versioned: an ID number or a birth date does not "change from a date";
/// a wrong one is a data-entry error corrected by an audited fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id_number: IdNumber,
    pub name: String,
}

impl Person {
    pub fn birth_date(&self) -> NaiveDate {
        self.id_number.birth_date()
    }

    pub fn sex(&self) -> Sex {
        self.id_number.sex()
    }
}

/// A disability certificate (残疾人证): category and grade 1 (most severe) to 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Disability {
    pub category: DisabilityCategory,
    grade: u8,
}

impl Disability {
    pub fn new(category: DisabilityCategory, grade: u8) -> Result<Disability, FieldError> {
        if (1..=4).contains(&grade) {
            Ok(Disability { category, grade })
        } else {
            Err(FieldError::new(
                "disability_grade",
                format!("残疾等级应为 1 至 4，填的是 {grade}"),
            ))
        }
    }

    pub fn grade(self) -> u8 {
        self.grade
    }
}

/// A set of codes ([`Illness`]es, lost [`SelfCareItem`]s), stored as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CodeSet<T> {
    bits: u16,
    #[serde(skip)]
    kind: PhantomData<T>,
}

pub type IllnessSet = CodeSet<Illness>;
pub type SelfCareSet = CodeSet<SelfCareItem>;

impl<T> Default for CodeSet<T> {
    fn default() -> Self {
        CodeSet {
            bits: 0,
            kind: PhantomData,
        }
    }
}

impl<T: Code> CodeSet<T> {
    pub fn insert(&mut self, code: T) {
        self.bits |= 1 << code.index();
    }

    pub fn contains(self, code: T) -> bool {
        self.bits & (1 << code.index()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// Whether any code is in both sets.
    pub fn intersects(self, other: CodeSet<T>) -> bool {
        self.bits & other.bits != 0
    }

    /// The codes of this set that are not in `other`.
    pub fn without(self, other: CodeSet<T>) -> CodeSet<T> {
        CodeSet {
            bits: self.bits & !other.bits,
            kind: PhantomData,
        }
    }

    pub fn len(self) -> usize {
        self.bits.count_ones() as usize
    }

    pub fn iter(self) -> impl Iterator<Item = T> {
        T::ALL.iter().copied().filter(move |c| self.contains(*c))
    }

    /// `hypertension;diabetes` — the form used in files and the database.
    pub fn to_codes(self) -> String {
        self.iter().map(T::as_str).collect::<Vec<_>>().join(";")
    }

    pub fn parse_codes(text: &str) -> Result<CodeSet<T>, String> {
        let mut set = CodeSet::default();
        for part in text
            .split([';', '；', ','])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            set.insert(T::parse(part)?);
        }
        Ok(set)
    }
}

impl<T: Code> FromIterator<T> for CodeSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = CodeSet::default();
        for code in iter {
            set.insert(code);
        }
        set
    }
}

/// Monthly income by kind, in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Incomes([Fen; IncomeKind::ALL.len()]);

impl Incomes {
    // One slot per kind: `kind.index()` is always below `IncomeKind::ALL.len()`.
    pub fn get(&self, kind: IncomeKind) -> Fen {
        self.0.get(kind.index()).copied().unwrap_or_default()
    }

    pub fn set(&mut self, kind: IncomeKind, amount: Fen) {
        if let Some(slot) = self.0.get_mut(kind.index()) {
            *slot = amount;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (IncomeKind, Fen)> + '_ {
        IncomeKind::ALL.iter().copied().zip(self.0.iter().copied())
    }
}

/// What a person owns, for asset tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Assets {
    /// Deposits and financial assets.
    pub deposits: Fen,
    pub vehicles: u8,
    pub homes: u8,
}

/// Out-of-pocket rigid spending over the last twelve months, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Expenses {
    pub medical: Fen,
    pub education: Fen,
    pub rehabilitation: Fen,
}

impl Expenses {
    pub fn get(&self, kind: ExpenseKind) -> Fen {
        match kind {
            ExpenseKind::Medical => self.medical,
            ExpenseKind::Education => self.education,
            ExpenseKind::Rehabilitation => self.rehabilitation,
        }
    }

    pub fn set(&mut self, kind: ExpenseKind, amount: Fen) {
        match kind {
            ExpenseKind::Medical => self.medical = amount,
            ExpenseKind::Education => self.education = amount,
            ExpenseKind::Rehabilitation => self.rehabilitation = amount,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (ExpenseKind, Fen)> + '_ {
        ExpenseKind::ALL.iter().map(|k| (*k, self.get(*k)))
    }
}

/// Everything about a person that can change over time, as one snapshot. A change to any field
/// makes a new version of the whole snapshot (see [`crate::timeline`]).
///
/// Household membership is a field here, not a separate relation: a person is in exactly one
/// household at any moment, and this makes "in two households at once" unrepresentable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonFacts {
    pub household: String,
    pub relation: Relation,
    /// 共同生活: whether the person actually lives with the household (art. 7).
    pub lives_together: bool,
    pub hukou: Hukou,
    /// The community (社区/村) where the person lives.
    pub area: AreaCode,
    pub death_date: Option<NaiveDate>,
    pub disability: Option<Disability>,
    pub illnesses: IllnessSet,
    pub work_ability: WorkAbility,
    pub employment: Employment,
    pub income: Incomes,
    pub assets: Assets,
    /// Activities of daily living the person can no longer do (特困 care assessment); empty
    /// when all are met or no assessment is on record.
    pub self_care_lost: SelfCareSet,
    /// Whether each parent can raise the person, and since when; read for minors only.
    pub father: Parent,
    pub mother: Parent,
    /// Supported in an institution (集中供养 / 机构养育) rather than at home.
    pub institutional_care: bool,
    /// The ability level of the last confirmed assessment (GB/T 42195-2022); none when the
    /// person was never assessed.
    pub ability: Option<AbilityLevel>,
    /// Rigid spending over the last twelve months.
    pub expenses: Expenses,
}

/// A person entering the registry: identity, first facts, and the date those facts hold from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub person: Person,
    /// Sex and birth date as written on the form; they must agree with the ID number.
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub facts: PersonFacts,
    pub effective_from: NaiveDate,
}

impl Registration {
    /// Cross-field rules. `today` is passed in: the core never reads the clock.
    pub fn check(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let id = &self.person.id_number;
        let name = self.person.name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            errors.push(FieldError::new("name", "应为 1 至 50 个字"));
        }
        errors.extend(check_identity(
            id,
            self.sex,
            self.birth_date,
            self.effective_from,
            self.facts.death_date,
            today,
        ));
        if self.facts.area.level() != AreaLevel::Community {
            errors.push(FieldError::new(
                "area",
                format!(
                    "{} 是{}；居民应登记在社区/村（12 位代码）",
                    self.facts.area,
                    self.facts.area.level().label_zh()
                ),
            ));
        }
        if let Err(e) = super::check_household_code(&self.facts.household) {
            errors.push(e);
        }
        for (kind, amount) in self.facts.income.iter() {
            if amount.is_negative() {
                errors.push(FieldError::new(
                    format!("income_{kind}"),
                    format!("{amount} 为负数"),
                ));
            }
        }
        for (kind, amount) in self.facts.expenses.iter() {
            if amount.is_negative() {
                errors.push(FieldError::new(
                    format!("expense_{kind}"),
                    format!("{amount} 为负数"),
                ));
            }
        }
        errors.extend(self.facts.father.check("father", today));
        errors.extend(self.facts.mother.check("mother", today));
        if self.facts.assets.deposits.is_negative() {
            errors.push(FieldError::new(
                "deposits",
                format!("{} 为负数", self.facts.assets.deposits),
            ));
        }
        errors
    }
}

/// The rules on who a person is and on the dates of their registration, which need no other
/// fact: an import still reports them on a row whose other cells failed.
pub fn check_identity(
    id: &IdNumber,
    sex: Sex,
    birth_date: NaiveDate,
    effective_from: NaiveDate,
    death_date: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if birth_date != id.birth_date() {
        errors.push(FieldError::new(
            "birth_date",
            format!(
                "{} 与身份证号不符（身份证号为 {}）",
                birth_date,
                id.birth_date()
            ),
        ));
    }
    if sex != id.sex() {
        errors.push(FieldError::new(
            "sex",
            format!("{} 与身份证号不符（身份证号为 {}）", sex, id.sex()),
        ));
    }
    if id.birth_date() > today {
        errors.push(FieldError::new(
            "birth_date",
            format!("{} 是将来的日期", id.birth_date()),
        ));
    }
    if effective_from > today {
        errors.push(FieldError::new(
            "effective_from",
            format!("{} 是将来的日期", effective_from),
        ));
    }
    if effective_from < id.birth_date() {
        errors.push(FieldError::new("effective_from", "早于本人出生日期"));
    }
    if let Some(death) = death_date {
        errors.extend(check_death_date(id, death, today));
    }
    errors
}

/// A death date may lie neither ahead of today nor before the birth its ID number gives: for a
/// registration and for a recorded change alike.
pub fn check_death_date(id: &IdNumber, death: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if death > today {
        errors.push(FieldError::new(
            "death_date",
            format!("{death} 是将来的日期"),
        ));
    }
    if death < id.birth_date() {
        errors.push(FieldError::new(
            "death_date",
            format!("{death} 早于出生日期 {}", id.birth_date()),
        ));
    }
    errors
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    pub(crate) fn sample() -> Registration {
        let id = IdNumber::from_parts(370212, date(1950, 3, 8), 23).unwrap();
        Registration {
            person: Person {
                id_number: id,
                name: "王秀英".into(),
            },
            sex: Sex::Male,
            birth_date: date(1950, 3, 8),
            facts: PersonFacts {
                household: "370212001001-000001".into(),
                relation: Relation::Head,
                lives_together: true,
                hukou: Hukou::Rural,
                area: AreaCode::parse("370212001001").unwrap(),
                death_date: None,
                disability: None,
                illnesses: IllnessSet::default(),
                work_ability: WorkAbility::None,
                employment: Employment::Retired,
                income: Incomes::default(),
                assets: Assets::default(),
                self_care_lost: SelfCareSet::default(),
                father: Parent::ABLE,
                mother: Parent::ABLE,
                institutional_care: false,
                ability: None,
                expenses: Expenses::default(),
            },
            effective_from: date(2024, 1, 1),
        }
    }

    #[test]
    fn a_consistent_registration_passes() {
        assert_eq!(sample().check(date(2025, 1, 1)), vec![]);
    }

    #[test]
    fn each_inconsistency_names_its_field() {
        let today = date(2025, 1, 1);
        let fields = |r: &Registration| {
            r.check(today)
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };

        let mut r = sample();
        r.birth_date = date(1950, 3, 9);
        assert_eq!(fields(&r), ["birth_date"]);

        let mut r = sample();
        r.sex = Sex::Female;
        assert_eq!(fields(&r), ["sex"]);

        let mut r = sample();
        r.facts.death_date = Some(date(2025, 1, 2));
        assert_eq!(fields(&r), ["death_date"]);

        let mut r = sample();
        r.effective_from = date(2025, 1, 2);
        assert_eq!(fields(&r), ["effective_from"]);

        let mut r = sample();
        r.facts.income.set(IncomeKind::Wage, Fen(-1));
        assert_eq!(fields(&r), ["income_wage"]);

        let mut r = sample();
        r.facts.expenses.set(ExpenseKind::Medical, Fen(-1));
        assert_eq!(fields(&r), ["expense_medical"]);

        let mut r = sample();
        r.facts.area = AreaCode::parse("370212001").unwrap();
        assert_eq!(fields(&r), ["area"]);
    }

    #[test]
    fn disability_grades_are_one_to_four() {
        assert!(Disability::new(DisabilityCategory::Visual, 1).is_ok());
        assert!(Disability::new(DisabilityCategory::Visual, 4).is_ok());
        assert_eq!(
            Disability::new(DisabilityCategory::Visual, 0)
                .unwrap_err()
                .field,
            "disability_grade"
        );
        assert!(Disability::new(DisabilityCategory::Visual, 5).is_err());
    }

    #[test]
    fn illness_codes_round_trip() {
        let set = IllnessSet::parse_codes("diabetes; 高血压").unwrap();
        assert!(set.contains(Illness::Diabetes) && set.contains(Illness::Hypertension));
        assert_eq!(set.to_codes(), "hypertension;diabetes");
        assert_eq!(IllnessSet::parse_codes(&set.to_codes()), Ok(set));
        assert!(IllnessSet::parse_codes("flu").is_err());
        let lost = SelfCareSet::parse_codes("bathing;室内自主行走").unwrap();
        assert_eq!(lost.len(), 2);
        assert_eq!(lost.to_codes(), "indoor_walking;bathing");
    }
}
