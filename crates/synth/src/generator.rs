//! The household generator. One ChaCha stream per seed, consumed in a fixed order, so the same
//! seed and size always give the same city, whatever the batch size.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use minsheng_core::area::Area;
use minsheng_core::registry::{
    AbilityLevel, Assets, Disability, DisabilityCategory, Employment, Expenses, Hukou, Illness,
    IllnessSet, IncomeKind, Incomes, Parent, ParentSituation, Person, PersonFacts, Registration,
    Relation, SelfCareItem, SelfCareSet, Sex, WorkAbility,
};
use minsheng_core::{AreaLevel, Fen, IdNumber};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::areas::{area_tree, DISTRICTS};
use crate::calibration::residents_basic_pension;
use crate::{names, reference_date};

#[derive(Debug, Clone, Copy)]
pub struct GeneratorConfig {
    pub people: u64,
    pub seed: u64,
    /// Households per batch yielded by the iterator.
    pub batch_households: usize,
}

impl GeneratorConfig {
    pub fn new(people: u64, seed: u64) -> Self {
        GeneratorConfig {
            people,
            seed,
            batch_households: 4096,
        }
    }
}

/// Probability that a household is in economic hardship (long-term unemployment, illness,
/// disability, no family support): the tail that social assistance exists for. Tuned so the
/// share below the dibao line matches the seeds (see docs/calibration.md).
const HARDSHIP_URBAN: f64 = 0.0018;
const HARDSHIP_RURAL: f64 = 0.0033;
/// Elders living on their own are poor more often than families with earners.
const HARDSHIP_ELDERS_ONLY_FACTOR: f64 = 6.2;
/// Share of grandparent-led households whose grandchildren's parents cannot raise them. Tuned
/// so a full-size city has about the 2,891 orphans and children without de-facto carers of
/// 民政局2023综述 (see docs/calibration.md).
const ABSENT_PARENTS: f64 = 0.035;

/// First day of the synthetic registry: facts are recorded as holding from here (or from
/// birth, for those born later).
fn registry_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default()
}

/// A parent's situation with the dates a caseworker would record: situations that count only
/// once they last began a year before the registry starts (so they count from its first month),
/// and a sentence runs six years. Fixed dates keep the random stream, and so the city, as it was.
fn dated(situation: ParentSituation) -> Parent {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let mut parent = Parent::new(situation);
    if Parent::lasts(situation) {
        parent.since = day(2022, 1, 1);
    }
    if situation == ParentSituation::Imprisoned {
        parent.until = day(2027, 12, 31);
    }
    parent
}

struct Community {
    code: minsheng_core::AreaCode,
    urban: bool,
    next_household: u32,
}

pub struct Generator {
    rng: ChaCha8Rng,
    remaining: u64,
    batch_households: usize,
    /// Per district: its communities and the cumulative district weight.
    communities: Vec<Vec<Community>>,
    district_weights: Vec<f64>,
    sequences: HashMap<(u32, NaiveDate), [u16; 2]>,
    today: NaiveDate,
    areas: Vec<Area>,
    /// The residents' basic pension in force on `today`, as the catalog gives it.
    basic_pension: Fen,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Composition {
    SingleAdult,
    SingleElder,
    Couple,
    ElderCouple,
    CoupleWithChildren,
    ThreeGenerations,
    SingleParent,
    AdultWithParents,
    /// 隔代家庭: grandparents raising grandchildren whose parents live elsewhere — and, in a
    /// few, cannot raise them (orphans, children without de-facto carers).
    GrandparentsWithGrandchildren,
}

struct Member {
    age: u32,
    sex: Sex,
    relation: Relation,
}

impl Generator {
    pub fn new(config: GeneratorConfig) -> Generator {
        let areas = area_tree(config.seed);
        let mut communities: Vec<Vec<Community>> = DISTRICTS.iter().map(|_| Vec::new()).collect();
        for area in areas.iter().filter(|a| a.level() == AreaLevel::Community) {
            let district = &area.code.as_str()[..6];
            if let Some((_, list)) = DISTRICTS
                .iter()
                .zip(communities.iter_mut())
                .find(|(d, _)| d.code.to_string() == district)
            {
                list.push(Community {
                    code: area.code.clone(),
                    urban: area.urban,
                    next_household: 0,
                });
            }
        }
        let total: f64 = DISTRICTS.iter().map(|d| f64::from(d.population)).sum();
        let mut acc = 0.0;
        let district_weights = DISTRICTS
            .iter()
            .map(|d| {
                acc += f64::from(d.population) / total;
                acc
            })
            .collect();
        Generator {
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            remaining: config.people,
            batch_households: config.batch_households.max(1),
            communities,
            district_weights,
            sequences: HashMap::new(),
            today: reference_date(),
            areas,
            // The catalog file is compiled in, and a test reads it: it cannot fail here.
            basic_pension: residents_basic_pension(reference_date()).unwrap_or_default(),
        }
    }

    /// The area tree the generated residents live in.
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    fn composition(&mut self, urban: bool) -> Composition {
        use Composition::*;
        let table: [(Composition, f64, f64); 9] = [
            (SingleAdult, 0.13, 0.08),
            (SingleElder, 0.08, 0.09),
            (Couple, 0.15, 0.12),
            (ElderCouple, 0.12, 0.15),
            (CoupleWithChildren, 0.33, 0.29),
            (GrandparentsWithGrandchildren, 0.01, 0.02),
            (ThreeGenerations, 0.11, 0.17),
            (SingleParent, 0.04, 0.04),
            (AdultWithParents, 0.02, 0.04),
        ];
        let mut u: f64 = self.rng.gen();
        for (kind, w_urban, w_rural) in table {
            let w = if urban { w_urban } else { w_rural };
            if u < w {
                return kind;
            }
            u -= w;
        }
        CoupleWithChildren
    }

    fn sex(&mut self) -> Sex {
        if self.rng.gen_bool(0.5) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    fn members(&mut self, kind: Composition) -> Vec<Member> {
        use Composition::*;
        let mut m = Vec::new();
        let head_sex = self.sex();
        let other = |s: Sex| {
            if s == Sex::Male {
                Sex::Female
            } else {
                Sex::Male
            }
        };
        let children = |g: &mut Generator, parent_age: u32, m: &mut Vec<Member>| {
            let n = if g.rng.gen_bool(0.55) { 1 } else { 2 };
            for _ in 0..n {
                let max = parent_age.saturating_sub(20).clamp(1, 24);
                let age = g.rng.gen_range(0..max);
                let sex = g.sex();
                m.push(Member {
                    age,
                    sex,
                    relation: Relation::Child,
                });
            }
        };
        match kind {
            SingleAdult => m.push(Member {
                age: self.rng.gen_range(20..60),
                sex: head_sex,
                relation: Relation::Head,
            }),
            SingleElder => m.push(Member {
                age: elder_age(&mut self.rng),
                sex: head_sex,
                relation: Relation::Head,
            }),
            Couple => {
                let age = self.rng.gen_range(23..60);
                m.push(Member {
                    age,
                    sex: head_sex,
                    relation: Relation::Head,
                });
                m.push(Member {
                    age: spouse_age(&mut self.rng, age, 20),
                    sex: other(head_sex),
                    relation: Relation::Spouse,
                });
            }
            ElderCouple => {
                let age = elder_age(&mut self.rng);
                m.push(Member {
                    age,
                    sex: head_sex,
                    relation: Relation::Head,
                });
                m.push(Member {
                    age: spouse_age(&mut self.rng, age, 58),
                    sex: other(head_sex),
                    relation: Relation::Spouse,
                });
            }
            CoupleWithChildren | ThreeGenerations => {
                let age = self.rng.gen_range(25..52);
                m.push(Member {
                    age,
                    sex: head_sex,
                    relation: Relation::Head,
                });
                m.push(Member {
                    age: spouse_age(&mut self.rng, age, 22),
                    sex: other(head_sex),
                    relation: Relation::Spouse,
                });
                children(self, age, &mut m);
                if let ThreeGenerations = kind {
                    let elders = if self.rng.gen_bool(0.5) { 1 } else { 2 };
                    for i in 0..elders {
                        let age = (age + self.rng.gen_range(22..34)).min(100);
                        let sex = if i == 0 {
                            self.sex()
                        } else {
                            // The second elder is the spouse of the first, just pushed.
                            other(m.last().map_or(head_sex, |first| first.sex))
                        };
                        m.push(Member {
                            age: age.max(60),
                            sex,
                            relation: Relation::Parent,
                        });
                    }
                }
            }
            SingleParent => {
                let age = self.rng.gen_range(25..55);
                m.push(Member {
                    age,
                    sex: head_sex,
                    relation: Relation::Head,
                });
                children(self, age, &mut m);
            }
            GrandparentsWithGrandchildren => {
                let age = elder_age(&mut self.rng).min(85);
                m.push(Member {
                    age,
                    sex: head_sex,
                    relation: Relation::Head,
                });
                if self.rng.gen_bool(0.6) {
                    m.push(Member {
                        age: spouse_age(&mut self.rng, age, 58),
                        sex: other(head_sex),
                        relation: Relation::Spouse,
                    });
                }
                let n = if self.rng.gen_bool(0.6) { 1 } else { 2 };
                for _ in 0..n {
                    let age = self.rng.gen_range(0..18);
                    let sex = self.sex();
                    m.push(Member {
                        age,
                        sex,
                        relation: Relation::Grandchild,
                    });
                }
            }
            AdultWithParents => {
                let age = self.rng.gen_range(28..58);
                m.push(Member {
                    age,
                    sex: head_sex,
                    relation: Relation::Head,
                });
                let parents = if self.rng.gen_bool(0.6) { 1 } else { 2 };
                for _ in 0..parents {
                    let age = (age + self.rng.gen_range(22..34)).clamp(60, 100);
                    let sex = self.sex();
                    m.push(Member {
                        age,
                        sex,
                        relation: Relation::Parent,
                    });
                }
            }
        }
        m
    }

    fn birth_date(&mut self, age: u32) -> NaiveDate {
        let days_back = i64::from(age) * 365 + self.rng.gen_range(0..365);
        self.today - Duration::days(days_back)
    }

    fn id_number(&mut self, district: u32, birth: NaiveDate, sex: Sex) -> IdNumber {
        // Sequence numbers are odd for men, even for women; 500 of each per region and day.
        let regions = std::iter::once(district)
            .chain(DISTRICTS.iter().map(|d| d.code).filter(|c| *c != district));
        let parity = u16::from(sex == Sex::Male);
        for region in regions {
            let [women, men] = self.sequences.entry((region, birth)).or_insert([0, 0]);
            let counter = if sex == Sex::Male { men } else { women };
            if *counter < 500 {
                let sequence = *counter * 2 + parity;
                *counter += 1;
                if let Some(id) = IdNumber::from_parts(region, birth, sequence) {
                    return id;
                }
            }
        }
        // Ten regions × 500 numbers per sex and day cannot be exhausted by ten million people
        // spread over a century of birth dates; fall back to the city code all the same.
        IdNumber::from_parts(370200, birth, parity)
            .unwrap_or_else(|| self.id_number(370202, birth, sex))
    }

    /// Draws a district by population, then one of its communities: the district's code and
    /// the community.
    #[expect(
        clippy::indexing_slicing,
        reason = "`district_weights` and `communities` hold one entry per district of \
                  `DISTRICTS`, and `gen_range(0..n)` stays below `n`"
    )]
    fn community(&mut self) -> (u32, &mut Community) {
        let u: f64 = self.rng.gen();
        let district = self
            .district_weights
            .iter()
            .position(|w| u < *w)
            .unwrap_or(DISTRICTS.len() - 1);
        let n_communities = self.communities[district].len();
        let community_index = self.rng.gen_range(0..n_communities);
        (
            DISTRICTS[district].code,
            &mut self.communities[district][community_index],
        )
    }

    fn household(&mut self) -> Vec<Registration> {
        let (district_code, community) = self.community();
        community.next_household += 1;
        let household_code = format!("{}-{:05}", community.code, community.next_household);
        let area = community.code.clone();
        let area_urban = community.urban;

        let hukou = if self.rng.gen_bool(if area_urban { 0.93 } else { 0.05 }) {
            Hukou::Urban
        } else {
            Hukou::Rural
        };
        let urban = hukou == Hukou::Urban;
        let kind = self.composition(urban);
        let elders_only = matches!(kind, Composition::SingleElder | Composition::ElderCouple);
        let base = if urban {
            HARDSHIP_URBAN
        } else {
            HARDSHIP_RURAL
        };
        let hardship = self.rng.gen_bool(if elders_only {
            base * HARDSHIP_ELDERS_ONLY_FACTOR
        } else {
            base
        });
        let members = self.members(kind);
        let parents = if kind == Composition::GrandparentsWithGrandchildren
            && self.rng.gen_bool(ABSENT_PARENTS)
        {
            let (father, mother) = self.absent_parents();
            (dated(father), dated(mother))
        } else {
            (Parent::ABLE, Parent::ABLE)
        };
        let has_vehicle = self.rng.gen_bool(if hardship {
            0.02
        } else if urban {
            0.42
        } else {
            0.30
        });
        let second_home = !hardship && self.rng.gen_bool(0.12);
        let mut people = Vec::with_capacity(members.len());

        // Children and the head's parents carry the family surname: the father's.
        let head_surname = names::surname(&mut self.rng);
        let spouse_surname = names::surname(&mut self.rng);
        let family_surname = if members.first().is_some_and(|head| head.sex == Sex::Male) {
            head_surname
        } else {
            spouse_surname
        };
        // Parents working elsewhere send money home for the children their own parents raise.
        let grandchildren = members
            .iter()
            .filter(|m| m.relation == Relation::Grandchild)
            .count();
        let remittance = if grandchildren > 0 && parents.0 == Parent::ABLE {
            let per_child = if hardship { 400.0 } else { 1_500.0 };
            yuan(lognormal(
                &mut self.rng,
                per_child * grandchildren as f64,
                0.5,
            ))
        } else {
            Fen::ZERO
        };
        for (i, m) in members.iter().enumerate() {
            let birth = self.birth_date(m.age);
            let id = self.id_number(district_code, birth, m.sex);
            let surname = match m.relation {
                Relation::Head => head_surname,
                Relation::Spouse => spouse_surname,
                Relation::Child | Relation::Grandchild => family_surname,
                Relation::Parent if m.sex == Sex::Male => head_surname,
                _ => names::surname(&mut self.rng),
            };
            let name = format!(
                "{surname}{}",
                names::given(&mut self.rng, m.sex == Sex::Male)
            );
            let disability = self.disability(m.age, hardship);
            let illnesses = self.illnesses(m.age, hardship);
            let severe = disability.is_some_and(|d| d.grade() <= 2);
            let work_ability = if m.age < 16 || m.age >= 70 || severe {
                WorkAbility::None
            } else if m.age >= 60
                || disability.is_some()
                || illnesses.contains(Illness::Cancer)
                || illnesses.contains(Illness::Uremia)
            {
                WorkAbility::Partial
            } else {
                WorkAbility::Full
            };
            let (employment, mut income) = self.income(m.age, urban, hardship, work_ability);
            if i == 0 {
                let transfer = income.get(IncomeKind::Transfer).checked_add(remittance);
                income.set(IncomeKind::Transfer, transfer.unwrap_or(remittance));
            }
            let self_care_lost = self.self_care_lost(m.age, severe);
            let expenses = self.expenses(m.age, employment, disability, illnesses);
            let (father, mother) = if m.relation == Relation::Grandchild {
                parents
            } else {
                (Parent::ABLE, Parent::ABLE)
            };
            let deposits = if m.age < 18 {
                Fen::ZERO
            } else {
                let median = if hardship {
                    1_500.0
                } else if urban {
                    40_000.0
                } else {
                    20_000.0
                };
                yuan(lognormal(&mut self.rng, median, 1.0))
            };
            let death_date = (m.age >= 75 && self.rng.gen_bool(0.004))
                .then(|| self.today - Duration::days(self.rng.gen_range(1..180)));
            let is_head = i == 0;
            let lives_together = is_head || !self.rng.gen_bool(0.02);
            people.push(Registration {
                person: Person {
                    id_number: id,
                    name,
                },
                sex: m.sex,
                birth_date: birth,
                facts: PersonFacts {
                    household: household_code.clone(),
                    relation: m.relation,
                    lives_together,
                    hukou,
                    area: area.clone(),
                    death_date,
                    disability,
                    illnesses,
                    work_ability,
                    employment,
                    income,
                    assets: Assets {
                        deposits,
                        vehicles: u8::from(is_head && has_vehicle),
                        homes: if is_head {
                            if hardship && urban && self.rng.gen_bool(0.4) {
                                0
                            } else {
                                1 + u8::from(second_home)
                            }
                        } else {
                            0
                        },
                    },
                    self_care_lost,
                    father,
                    mother,
                    institutional_care: false,
                    ability: assessed_ability(m.age, self_care_lost),
                    expenses,
                },
                effective_from: registry_start().max(birth),
            });
        }
        people
    }

    /// Why a grandchild's parents cannot raise them: both dead or missing (an orphan) or, for a
    /// child without de-facto carers, each parent in one of the recognised situations.
    fn absent_parents(&mut self) -> (ParentSituation, ParentSituation) {
        use ParentSituation::*;
        if self.rng.gen_bool(0.4) {
            let gone = |rng: &mut ChaCha8Rng| if rng.gen_bool(0.9) { Deceased } else { Missing };
            return (gone(&mut self.rng), gone(&mut self.rng));
        }
        let situations = [
            Deceased,
            SevereDisability,
            SeriousIllness,
            Imprisoned,
            Detained,
            Unreachable,
            GuardianshipRevoked,
        ];
        loop {
            let father = self.rng.gen_range(0..situations.len());
            let mother = self.rng.gen_range(0..situations.len());
            // Both indices are drawn below the length: the fallbacks are never taken.
            let father = situations.get(father).copied().unwrap_or(Deceased);
            let mother = situations.get(mother).copied().unwrap_or(Unreachable);
            if !(father == Deceased && mother == Deceased) {
                return (father, mother);
            }
        }
    }

    /// Activities of daily living lost, in the order they are usually lost (Katz): bathing
    /// first, eating last.
    fn self_care_lost(&mut self, age: u32, severe_disability: bool) -> SelfCareSet {
        const ORDER: [SelfCareItem; 6] = [
            SelfCareItem::Bathing,
            SelfCareItem::Dressing,
            SelfCareItem::Toileting,
            SelfCareItem::BedTransfer,
            SelfCareItem::IndoorWalking,
            SelfCareItem::Eating,
        ];
        let base: f64 = match age {
            0..=59 => 0.0,
            60..=69 => 0.03,
            70..=79 => 0.08,
            _ => 0.22,
        };
        let p = if severe_disability { base + 0.25 } else { base };
        if p == 0.0 || !self.rng.gen_bool(p) {
            return SelfCareSet::default();
        }
        let lost = if self.rng.gen_bool(0.65) {
            self.rng.gen_range(1..=3)
        } else {
            self.rng.gen_range(4..=6)
        };
        ORDER.iter().take(lost).copied().collect()
    }

    /// Rigid spending over the last twelve months: medical for the ill, education for
    /// students, rehabilitation for some of the disabled.
    fn expenses(
        &mut self,
        age: u32,
        employment: Employment,
        disability: Option<Disability>,
        illnesses: IllnessSet,
    ) -> Expenses {
        let rng = &mut self.rng;
        let serious = [
            Illness::Cancer,
            Illness::Uremia,
            Illness::Leukemia,
            Illness::OrganTransplant,
            Illness::SevereMentalDisorder,
        ]
        .iter()
        .any(|i| illnesses.contains(*i));
        let medical = if serious {
            yuan(lognormal(rng, 20_000.0, 0.8))
        } else if !illnesses.is_empty() && rng.gen_bool(0.4) {
            yuan(lognormal(rng, 1_500.0, 0.8))
        } else {
            Fen::ZERO
        };
        let education = match (employment, age) {
            (Employment::Student, 15..) => yuan(lognormal(rng, 5_000.0, 0.6)),
            (Employment::Student, _) if rng.gen_bool(0.3) => yuan(lognormal(rng, 1_500.0, 0.8)),
            _ => Fen::ZERO,
        };
        let rehabilitation = if disability.is_some() && rng.gen_bool(0.3) {
            yuan(lognormal(rng, 3_000.0, 0.9))
        } else {
            Fen::ZERO
        };
        Expenses {
            medical,
            education,
            rehabilitation,
        }
    }

    fn disability(&mut self, age: u32, hardship: bool) -> Option<Disability> {
        let base = match age {
            0..=17 => 0.006,
            18..=59 => 0.020,
            60..=79 => 0.050,
            _ => 0.110,
        };
        let p: f64 = if hardship {
            (base * 4.0_f64).min(0.6)
        } else {
            base
        };
        if !self.rng.gen_bool(p) {
            return None;
        }
        let grade = match self.rng.gen_range(0..100) {
            0..=11 => 1,
            12..=36 => 2,
            37..=64 => 3,
            _ => 4,
        };
        let category = match self.rng.gen_range(0..100) {
            0..=44 => DisabilityCategory::Physical,
            45..=56 => DisabilityCategory::Visual,
            57..=71 => DisabilityCategory::Hearing,
            72..=72 => DisabilityCategory::Speech,
            73..=80 => DisabilityCategory::Intellectual,
            81..=91 => DisabilityCategory::Mental,
            _ => DisabilityCategory::Multiple,
        };
        Disability::new(category, grade).ok()
    }

    fn illnesses(&mut self, age: u32, hardship: bool) -> IllnessSet {
        let mut set = IllnessSet::default();
        let factor = if hardship { 2.5 } else { 1.0 };
        let table: &[(Illness, f64, f64)] = &[
            // (illness, prevalence 35–59, prevalence 60+)
            (Illness::Hypertension, 0.15, 0.45),
            (Illness::Diabetes, 0.06, 0.18),
            (Illness::CoronaryHeartDisease, 0.02, 0.10),
            (Illness::Copd, 0.01, 0.06),
            (Illness::StrokeSequelae, 0.005, 0.04),
            (Illness::Cancer, 0.004, 0.02),
            (Illness::Uremia, 0.0005, 0.001),
            (Illness::SevereMentalDisorder, 0.004, 0.004),
        ];
        if age < 35 {
            return set;
        }
        for (illness, middle, old) in table {
            let p: f64 = (if age >= 60 { *old } else { *middle } * factor).min(0.9);
            if self.rng.gen_bool(p) {
                set.insert(*illness);
            }
        }
        set
    }

    fn income(
        &mut self,
        age: u32,
        urban: bool,
        hardship: bool,
        ability: WorkAbility,
    ) -> (Employment, Incomes) {
        let mut income = Incomes::default();
        let basic_pension = self.basic_pension;
        let rng = &mut self.rng;
        let employment = match age {
            0..=5 => Employment::NotApplicable,
            6..=15 => Employment::Student,
            16..=22 if rng.gen_bool(0.8) => {
                if rng.gen_bool(0.05) {
                    income.set(IncomeKind::Scholarship, yuan(lognormal(rng, 300.0, 0.5)));
                }
                Employment::Student
            }
            16..=59 => {
                if ability == WorkAbility::None
                    || (hardship && rng.gen_bool(0.6))
                    || rng.gen_bool(0.02)
                {
                    if !hardship && rng.gen_bool(0.8) {
                        income.set(IncomeKind::Transfer, yuan(lognormal(rng, 1_500.0, 0.6)));
                    }
                    Employment::Unemployed
                } else if hardship {
                    income.set(IncomeKind::Wage, yuan(lognormal(rng, 700.0, 0.5)));
                    Employment::Employed
                } else if !urban && rng.gen_bool(0.35) {
                    income.set(IncomeKind::Business, yuan(lognormal(rng, 3_000.0, 0.45)));
                    Employment::Farming
                } else if rng.gen_bool(0.1) {
                    income.set(IncomeKind::Business, yuan(lognormal(rng, 5_000.0, 0.7)));
                    Employment::SelfEmployed
                } else {
                    let median = if urban { 5_200.0 } else { 3_600.0 };
                    income.set(IncomeKind::Wage, yuan(lognormal(rng, median, 0.5)));
                    Employment::Employed
                }
            }
            _ => {
                let employee_pension = if urban {
                    if hardship {
                        0.25
                    } else {
                        0.85
                    }
                } else {
                    0.10
                };
                if rng.gen_bool(employee_pension) {
                    let median = if hardship {
                        1_300.0
                    } else if urban {
                        3_300.0
                    } else {
                        2_200.0
                    };
                    income.set(IncomeKind::Pension, yuan(lognormal(rng, median, 0.35)));
                } else {
                    income.set(IncomeKind::ResidentsBasicPension, basic_pension);
                    // Support from children living elsewhere (赡养费); in hardship often none.
                    if !hardship {
                        let median = if urban { 1_800.0 } else { 1_500.0 };
                        income.set(IncomeKind::Transfer, yuan(lognormal(rng, median, 0.4)));
                    } else if rng.gen_bool(0.2) {
                        income.set(IncomeKind::Transfer, yuan(lognormal(rng, 150.0, 0.6)));
                    }
                    if !urban && age < 70 && ability != WorkAbility::None {
                        let farming = if hardship { 100.0 } else { 600.0 };
                        income.set(IncomeKind::Business, yuan(lognormal(rng, farming, 0.6)));
                    }
                }
                if !urban && age < 70 && ability != WorkAbility::None && rng.gen_bool(0.3) {
                    Employment::Farming
                } else {
                    Employment::Retired
                }
            }
        };
        (employment, income)
    }
}

fn elder_age(rng: &mut impl Rng) -> u32 {
    // Older ages are rarer: a triangular-ish draw over 60–99.
    let a = rng.gen_range(0..40);
    let b = rng.gen_range(0..40);
    60 + a.min(b)
}

fn spouse_age(rng: &mut impl Rng, age: u32, min: u32) -> u32 {
    let delta = rng.gen_range(0..7);
    (age + 3).saturating_sub(delta).max(min)
}

/// A log-normal draw with the given median (yuan).
fn lognormal(rng: &mut impl Rng, median: f64, sigma: f64) -> f64 {
    // Box–Muller for a standard normal.
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    median * (sigma * z).exp()
}

/// Synthetic amounts are drawn as reals and rounded once, here, to whole fen; from then on the
/// registry holds exact integers.
fn yuan(amount: f64) -> Fen {
    Fen((amount * 100.0).round() as i64)
}

impl Iterator for Generator {
    type Item = Vec<Registration>;

    /// A batch of whole households, members contiguous.
    fn next(&mut self) -> Option<Vec<Registration>> {
        if self.remaining == 0 {
            return None;
        }
        let mut batch = Vec::with_capacity(self.batch_households * 3);
        for _ in 0..self.batch_households {
            let mut household = self.household();
            if household.len() as u64 > self.remaining {
                household.truncate(self.remaining as usize);
            }
            self.remaining -= household.len() as u64;
            batch.extend(household);
            if self.remaining == 0 {
                break;
            }
        }
        Some(batch)
    }
}

/// Age in whole years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// The level an older person's last ability assessment found, read from the activities of
/// daily living they have lost, without a draw of its own (so the rest of the city stays as the
/// seed made it). Everyone who has lost one is assessed (care and its subsidies need the level);
/// of those who have lost none, the oldest (80 and over) are, and are found mildly impaired —
/// the standard's other domains (memory, senses) decline with age before self-care does.
fn assessed_ability(age: u32, lost: SelfCareSet) -> Option<AbilityLevel> {
    if age < 60 {
        return None;
    }
    match lost.len() {
        0 if age >= 80 => Some(AbilityLevel::Mild),
        0 => None,
        1..=3 => Some(AbilityLevel::Moderate),
        4 | 5 => Some(AbilityLevel::Severe),
        _ => Some(AbilityLevel::Complete),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// At each threshold: under 60 never; none lost, assessed only from 80 (mildly); 1–3 lost
    /// moderately, 4–5 severely, all 6 completely.
    #[test]
    fn older_residents_carry_the_level_their_self_care_implies() {
        use AbilityLevel::*;
        use SelfCareItem::*;
        let lost = |n: usize| -> SelfCareSet {
            [
                Bathing,
                Dressing,
                Toileting,
                BedTransfer,
                IndoorWalking,
                Eating,
            ]
            .into_iter()
            .take(n)
            .collect()
        };
        assert_eq!(assessed_ability(59, lost(6)), None);
        assert_eq!(assessed_ability(79, lost(0)), None);
        assert_eq!(assessed_ability(80, lost(0)), Some(Mild));
        assert_eq!(assessed_ability(60, lost(1)), Some(Moderate));
        assert_eq!(assessed_ability(60, lost(3)), Some(Moderate));
        assert_eq!(assessed_ability(60, lost(4)), Some(Severe));
        assert_eq!(assessed_ability(60, lost(5)), Some(Severe));
        assert_eq!(assessed_ability(60, lost(6)), Some(Complete));
    }

    #[test]
    fn same_seed_same_city_whatever_the_batch_size() {
        let a: Vec<_> = Generator::new(GeneratorConfig::new(3_000, 42))
            .flatten()
            .collect();
        let b: Vec<_> = Generator::new(GeneratorConfig {
            batch_households: 7,
            ..GeneratorConfig::new(3_000, 42)
        })
        .flatten()
        .collect();
        assert_eq!(a.len(), 3_000);
        assert_eq!(a, b);
        let c: Vec<_> = Generator::new(GeneratorConfig::new(3_000, 43))
            .flatten()
            .collect();
        assert_ne!(a, c);
    }

    #[test]
    fn generated_people_pass_the_registry_checks_and_are_unique() {
        let people: Vec<_> = Generator::new(GeneratorConfig::new(20_000, 1))
            .flatten()
            .collect();
        let today = reference_date();
        let mut ids = HashSet::new();
        for p in &people {
            assert_eq!(p.check(today), vec![], "{:?}", p.person);
            assert!(ids.insert(p.person.id_number.clone()), "duplicate id");
        }
        // Every household has exactly one head, first.
        let mut heads: HashMap<&str, usize> = HashMap::new();
        for p in &people {
            if p.facts.relation == Relation::Head {
                *heads.entry(&p.facts.household).or_default() += 1;
            }
        }
        let households: HashSet<&str> = people.iter().map(|p| p.facts.household.as_str()).collect();
        // The last household may have been cut short (its head is always kept: it comes first).
        assert_eq!(heads.len(), households.len());
        assert!(heads.values().all(|n| *n == 1));
    }

    #[test]
    fn ages_are_counted_in_whole_years() {
        let birth = NaiveDate::from_ymd_opt(1960, 7, 1).unwrap();
        assert_eq!(
            age_on(birth, NaiveDate::from_ymd_opt(2020, 6, 30).unwrap()),
            59
        );
        assert_eq!(
            age_on(birth, NaiveDate::from_ymd_opt(2020, 7, 1).unwrap()),
            60
        );
    }
}
