//! Registry queries. Each is written once and run on both backends through [`with_pool!`] or
//! [`on_tx!`].

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::area::Area;
use minsheng_core::registry::{
    AbilityLevel, Assets, Disability, DisabilityCategory, Employment, Expenses, HouseholdFile,
    Hukou, IllnessSet, IncomeKind, Incomes, MemberRecord, Parent, Person, PersonFacts,
    Registration, Relation, SelfCareSet, Sex, WorkAbility,
};
use minsheng_core::timeline::{self, Recorded, Version};
use minsheng_core::{AreaCode, Fen, IdNumber};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::bulk::{micros, version_cells, Cell, Tx, PERSON_VERSION};
use crate::{on_tx, with_pool, Backend, Result, Store, StoreError};
use minsheng_core::access::Scope;

/// Both backends may bind at least this many parameters in one statement.
const IN_LIST_CHUNK: usize = 500;

/// `$from, …, $(from+n-1)`. Only parameter syntax differs between the backends' SQL, so it
/// is written here: SQLite looks named parameters up in a linear list (binding `$500` costs
/// 500 steps) and gets plain `?` instead, which binds positionally in the same order.
fn placeholders(backend: Backend, from: usize, n: usize) -> String {
    match backend {
        Backend::Sqlite => vec!["?"; n].join(","),
        Backend::Postgres => (from..from + n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// Typed column access shared by both backends' rows.
pub trait Columns {
    fn text(&self, col: &str) -> Result<String>;
    fn opt_text(&self, col: &str) -> Result<Option<String>>;
    fn int(&self, col: &str) -> Result<i64>;
    fn opt_int(&self, col: &str) -> Result<Option<i64>>;
    fn small(&self, col: &str) -> Result<i16>;
    fn opt_small(&self, col: &str) -> Result<Option<i16>>;
    fn date(&self, col: &str) -> Result<NaiveDate>;
    fn opt_date(&self, col: &str) -> Result<Option<NaiveDate>>;
    fn boolean(&self, col: &str) -> Result<bool>;
}

macro_rules! impl_columns {
    ($row:ty) => {
        impl Columns for $row {
            fn text(&self, col: &str) -> Result<String> {
                Ok(self.try_get(col)?)
            }
            fn opt_text(&self, col: &str) -> Result<Option<String>> {
                Ok(self.try_get(col)?)
            }
            fn int(&self, col: &str) -> Result<i64> {
                Ok(self.try_get(col)?)
            }
            fn opt_int(&self, col: &str) -> Result<Option<i64>> {
                Ok(self.try_get(col)?)
            }
            fn small(&self, col: &str) -> Result<i16> {
                Ok(self.try_get(col)?)
            }
            fn opt_small(&self, col: &str) -> Result<Option<i16>> {
                Ok(self.try_get(col)?)
            }
            fn date(&self, col: &str) -> Result<NaiveDate> {
                Ok(self.try_get(col)?)
            }
            fn opt_date(&self, col: &str) -> Result<Option<NaiveDate>> {
                Ok(self.try_get(col)?)
            }
            fn boolean(&self, col: &str) -> Result<bool> {
                Ok(self.try_get(col)?)
            }
        }
    };
}
impl_columns!(SqliteRow);
impl_columns!(PgRow);

/// The income columns, in the order of `IncomeKind::ALL` (a test holds them together).
const INCOME_COLUMNS: [&str; 10] = [
    "income_wage",
    "income_business",
    "income_property",
    "income_transfer",
    "income_pension",
    "income_residents_basic_pension",
    "income_social_assistance",
    "income_scholarship",
    "income_family_planning_reward",
    "income_bravery_award",
];

pub fn corrupt(col: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{col}: {e}"))
}

fn coded<T>(r: &impl Columns, col: &str, parse: fn(&str) -> Result<T, String>) -> Result<T> {
    parse(&r.text(col)?).map_err(|e| corrupt(col, e))
}

/// Columns selected with every person version: the version, the person and the household code.
pub const VERSION_COLUMNS: &str = "v.id AS version_id, v.person_id, v.valid_from, v.valid_to, v.recorded_at, \
    v.superseded_at, v.recorded_by, v.relation, v.lives_together, v.hukou, v.area_code, v.death_date, \
    v.disability_category, v.disability_grade, v.illnesses, v.work_ability, v.employment, \
    v.income_wage, v.income_business, v.income_property, v.income_transfer, v.income_pension, \
    v.income_residents_basic_pension, v.income_social_assistance, v.income_scholarship, \
    v.income_family_planning_reward, v.income_bravery_award, v.deposits, v.vehicles, v.homes, \
    v.self_care_lost, v.father, v.mother, v.institutional_care, v.expense_medical, \
    v.expense_education, v.expense_rehabilitation, v.ability_level, \
    p.id_number, p.name, p.birth_date, p.sex, h.code AS household_code";

pub const VERSION_FROM: &str =
    "FROM person_version v JOIN person p ON p.id = v.person_id JOIN household h ON h.id = v.household_id";

/// Version rows ordered by person, gathered into members, each with their versions.
#[derive(Default)]
struct Members {
    members: Vec<MemberRecord>,
    last_person: Option<i64>,
}

impl Members {
    fn push(&mut self, r: &impl Columns) -> Result<()> {
        let person_id = r.int("person_id")?;
        if self.last_person != Some(person_id) {
            self.members.push(MemberRecord {
                person: decode_person(r)?,
                versions: Vec::new(),
            });
            self.last_person = Some(person_id);
        }
        if let Some(m) = self.members.last_mut() {
            m.versions.push(decode_recorded(r)?);
        }
        Ok(())
    }
}

fn members_of<R: Columns>(rows: &[R]) -> Result<Vec<MemberRecord>> {
    let mut members = Members::default();
    for r in rows {
        members.push(r)?;
    }
    Ok(members.members)
}

fn decode_person(r: &impl Columns) -> Result<Person> {
    let id_number = IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?;
    Ok(Person {
        id_number,
        name: r.text("name")?,
    })
}

fn decode_facts(r: &impl Columns) -> Result<PersonFacts> {
    let disability = match (
        r.opt_text("disability_category")?,
        r.opt_small("disability_grade")?,
    ) {
        (Some(category), Some(grade)) => {
            let category = DisabilityCategory::parse(&category)
                .map_err(|e| corrupt("disability_category", e))?;
            let grade = u8::try_from(grade).map_err(|e| corrupt("disability_grade", e))?;
            Some(Disability::new(category, grade).map_err(|e| corrupt("disability_grade", e))?)
        }
        _ => None,
    };
    let mut income = Incomes::default();
    for (kind, column) in IncomeKind::ALL.iter().zip(INCOME_COLUMNS) {
        income.set(*kind, Fen(r.int(column)?));
    }
    let count =
        |col: &str| -> Result<u8> { u8::try_from(r.small(col)?).map_err(|e| corrupt(col, e)) };
    Ok(PersonFacts {
        household: r.text("household_code")?,
        relation: coded(r, "relation", Relation::parse)?,
        lives_together: r.boolean("lives_together")?,
        hukou: coded(r, "hukou", Hukou::parse)?,
        area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
        death_date: r.opt_date("death_date")?,
        disability,
        illnesses: IllnessSet::parse_codes(&r.text("illnesses")?)
            .map_err(|e| corrupt("illnesses", e))?,
        work_ability: coded(r, "work_ability", WorkAbility::parse)?,
        employment: coded(r, "employment", Employment::parse)?,
        income,
        assets: Assets {
            deposits: Fen(r.int("deposits")?),
            vehicles: count("vehicles")?,
            homes: count("homes")?,
        },
        self_care_lost: SelfCareSet::parse_codes(&r.text("self_care_lost")?)
            .map_err(|e| corrupt("self_care_lost", e))?,
        father: coded(r, "father", Parent::parse)?,
        mother: coded(r, "mother", Parent::parse)?,
        institutional_care: r.boolean("institutional_care")?,
        ability: r
            .opt_text("ability_level")?
            .map(|code| AbilityLevel::parse(&code).map_err(|e| corrupt("ability_level", e)))
            .transpose()?,
        expenses: Expenses {
            medical: Fen(r.int("expense_medical")?),
            education: Fen(r.int("expense_education")?),
            rehabilitation: Fen(r.int("expense_rehabilitation")?),
        },
    })
}

pub(crate) fn decode_registration(r: &impl Columns) -> Result<Registration> {
    Ok(Registration {
        person: decode_person(r)?,
        sex: coded(r, "sex", Sex::parse)?,
        birth_date: r.date("birth_date")?,
        facts: decode_facts(r)?,
        effective_from: r.date("valid_from")?,
    })
}

pub fn timestamp(micros: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| corrupt("recorded_at", micros))
}

fn decode_recorded(r: &impl Columns) -> Result<Recorded<PersonFacts>> {
    Ok(Recorded {
        version: Version {
            valid_from: r.date("valid_from")?,
            valid_to: r.opt_date("valid_to")?,
            facts: decode_facts(r)?,
        },
        recorded_at: timestamp(r.int("recorded_at")?)?,
        superseded_at: r.opt_int("superseded_at")?.map(timestamp).transpose()?,
        recorded_by: r.text("recorded_by")?,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegistryCounts {
    pub areas: i64,
    pub households: i64,
    pub persons: i64,
    pub versions: i64,
}

/// One person as exported: their current facts as a registration that re-imports as is.
pub type ExportedPerson = Registration;

pub fn household_ids_sql(backend: Backend, n: usize) -> String {
    format!(
        "SELECT id, code FROM household WHERE code IN ({})",
        placeholders(backend, 1, n)
    )
}

/// Household ids for these codes, among those that exist.
pub async fn household_ids(tx: &mut Tx, codes: &[&str]) -> Result<HashMap<String, i64>> {
    let mut found = HashMap::new();
    for chunk in codes.chunks(IN_LIST_CHUNK) {
        let sql = household_ids_sql(tx.backend(), chunk.len());
        on_tx!(tx, conn => {
            let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
            for code in chunk {
                query = query.bind(*code);
            }
            found.extend(query.fetch_all(&mut *conn).await?.into_iter().map(|(id, code)| (code, id)));
        });
    }
    Ok(found)
}

/// Nothing under `key`; when it has the shape of an ID number but is not a valid one, why.
fn not_found(key: &str) -> StoreError {
    let id_shaped = match key.as_bytes() {
        [digits @ .., last] if digits.len() == 17 => {
            digits.iter().all(u8::is_ascii_digit)
                && (last.is_ascii_digit() || matches!(last, b'X' | b'x'))
        }
        _ => false,
    };
    match IdNumber::parse(key) {
        Err(e) if id_shaped => StoreError::Invalid {
            field: "id_number".into(),
            reason: e.to_string(),
        },
        _ => StoreError::NotFound(format!("户或人员「{key}」")),
    }
}

impl Store {
    /// The key of a household, by code.
    pub async fn household_id(&self, code: &str) -> Result<i64> {
        let id: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM household WHERE code = $1")
                .bind(code)
                .fetch_optional(pool)
                .await?
        });
        id.ok_or_else(|| StoreError::NotFound(format!("户「{code}」")))
    }

    /// Adds areas that are not there yet; existing codes are left as they are.
    /// Adds the areas not yet known (parents before children), with the audit entry made from
    /// the number added, in one transaction.
    pub async fn insert_areas(
        &self,
        areas: &[Area],
        audit: impl FnOnce(u64) -> crate::NewAuditEntry,
    ) -> Result<u64> {
        let mut tx = Tx::begin(self).await?;
        let mut added = 0;
        on_tx!(&mut tx, conn => {
            for area in areas {
                added += sqlx::query(
                    "INSERT INTO area (code, name, level, parent_code, urban) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (code) DO NOTHING",
                )
                .bind(area.code.as_str())
                .bind(&area.name)
                .bind(area.level().as_str())
                .bind(area.code.parent().map(|p| p.as_str().to_string()))
                .bind(area.urban)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            }
        });
        tx.append_audit(&[audit(added)]).await?;
        tx.commit().await?;
        Ok(added)
    }

    pub async fn areas(&self) -> Result<Vec<Area>> {
        with_pool!(self, pool => {
            let rows = sqlx::query("SELECT code, name, urban FROM area ORDER BY code").fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    Ok(Area {
                        code: AreaCode::parse(&r.text("code")?).map_err(|e| corrupt("code", e))?,
                        name: r.text("name")?,
                        urban: r.boolean("urban")?,
                    })
                })
                .collect()
        })
    }

    /// Names of these areas (codes not found are left out).
    pub async fn area_names(&self, codes: &[&str]) -> Result<HashMap<String, String>> {
        let mut names = HashMap::new();
        for chunk in codes.chunks(IN_LIST_CHUNK) {
            let sql = format!(
                "SELECT code, name FROM area WHERE code IN ({})",
                placeholders(self.backend(), 1, chunk.len())
            );
            with_pool!(self, pool => {
                let mut query = sqlx::query_as::<_, (String, String)>(&sql);
                for code in chunk {
                    query = query.bind(*code);
                }
                names.extend(query.fetch_all(pool).await?);
            });
        }
        Ok(names)
    }

    /// Up to `n` household codes spread over the registry, for sampling (benchmarks, demos).
    pub async fn sample_household_codes(&self, n: i64) -> Result<Vec<String>> {
        with_pool!(self, pool => {
            let total: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM household").fetch_one(pool).await?;
            let step = (total / n.max(1)).max(1);
            Ok(sqlx::query_scalar("SELECT code FROM household WHERE id % $1 = 0 ORDER BY id LIMIT $2")
                .bind(step)
                .bind(n)
                .fetch_all(pool)
                .await?)
        })
    }

    pub async fn counts(&self) -> Result<RegistryCounts> {
        with_pool!(self, pool => {
            let (areas, households, persons, versions): (i64, i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM area), (SELECT COUNT(*) FROM household), \
                 (SELECT COUNT(*) FROM person), (SELECT COUNT(*) FROM person_version)",
            )
            .fetch_one(pool)
            .await?;
            Ok(RegistryCounts { areas, households, persons, versions })
        })
    }

    /// True when no person has ever been registered.
    pub async fn registry_is_empty(&self) -> Result<bool> {
        with_pool!(self, pool => {
            let any: Option<i64> = sqlx::query_scalar("SELECT id FROM person LIMIT 1").fetch_optional(pool).await?;
            Ok(any.is_none())
        })
    }

    /// Which of these ID numbers are already registered.
    pub async fn registered_id_numbers(&self, ids: &[&str]) -> Result<HashSet<String>> {
        let mut found = HashSet::new();
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            let sql = format!(
                "SELECT id_number FROM person WHERE id_number IN ({})",
                placeholders(self.backend(), 1, chunk.len())
            );
            with_pool!(self, pool => {
                let mut query = sqlx::query_scalar::<_, String>(&sql);
                for id in chunk {
                    query = query.bind(*id);
                }
                found.extend(query.fetch_all(pool).await?);
            });
        }
        Ok(found)
    }

    /// Current residents with one of these (name, birth date, area): candidates for "probably
    /// the same person". Read through `resident_search`'s index of names within an area.
    pub async fn persons_named(
        &self,
        keys: &[(&str, NaiveDate, &str)],
    ) -> Result<Vec<(String, NaiveDate, AreaCode, IdNumber)>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(IN_LIST_CHUNK / 4) {
            let rows = (0..chunk.len())
                .map(|i| format!("({})", placeholders(self.backend(), 4 * i + 1, 4)))
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!(
                "WITH k (first_two, area_code, name, birth_date) AS (VALUES {rows}) \
                 SELECT r.name, p.birth_date, r.area_code, r.id_number FROM k \
                 JOIN resident_search r ON substr(r.name, 1, 2) = k.first_two \
                 AND r.area_code = k.area_code AND r.name = k.name \
                 JOIN person p ON p.id = r.person_id AND p.birth_date = k.birth_date"
            );
            with_pool!(self, pool => {
                let mut query = sqlx::query(&sql);
                for (name, birth, area) in chunk {
                    let first_two: String = name.chars().take(2).collect();
                    query = query.bind(first_two).bind(*area).bind(*name).bind(*birth);
                }
                for r in query.fetch_all(pool).await? {
                    found.push((
                        r.text("name")?,
                        r.date("birth_date")?,
                        AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
                        IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
                    ));
                }
            });
        }
        Ok(found)
    }

    /// For each existing household code: whether it currently has a head.
    pub async fn household_heads(&self, codes: &[&str]) -> Result<HashMap<String, bool>> {
        let mut found = HashMap::new();
        for chunk in codes.chunks(IN_LIST_CHUNK) {
            let sql = format!(
                "SELECT h.code, EXISTS (SELECT 1 FROM person_version v WHERE v.household_id = h.id \
                   AND v.relation = 'head' AND v.superseded_at IS NULL AND v.valid_to IS NULL) AS has_head \
                 FROM household h WHERE h.code IN ({})",
                placeholders(self.backend(), 1, chunk.len())
            );
            with_pool!(self, pool => {
                let mut query = sqlx::query(&sql);
                for code in chunk {
                    query = query.bind(*code);
                }
                for r in query.fetch_all(pool).await? {
                    found.insert(r.text("code")?, r.boolean("has_head")?);
                }
            });
        }
        Ok(found)
    }

    /// Every area from the city down to `area`, named: "青岛市 › 崂山区 › …".
    pub async fn area_path(&self, area: &AreaCode) -> Result<String> {
        let mut chain = Vec::new();
        let mut next = Some(area.clone());
        while let Some(a) = next {
            next = a.parent();
            chain.push(a);
        }
        chain.reverse();
        let codes: Vec<&str> = chain.iter().map(AreaCode::as_str).collect();
        let names = self.area_names(&codes).await?;
        Ok(chain
            .iter()
            .filter_map(|c| names.get(c.as_str()).cloned())
            .collect::<Vec<_>>()
            .join(" › "))
    }

    /// The household file for a household code, or for the household of an ID number.
    pub async fn household_file(&self, key: &str) -> Result<HouseholdFile> {
        self.find_household_file(key, None).await
    }

    /// [`Store::household_file`] for someone who may see only `scope`: a household outside it
    /// is not found, exactly as one that does not exist.
    pub async fn household_file_within(&self, key: &str, scope: &Scope) -> Result<HouseholdFile> {
        self.find_household_file(key, Some(scope)).await
    }

    async fn find_household_file(&self, key: &str, scope: Option<&Scope>) -> Result<HouseholdFile> {
        let key = key.trim();
        // By household code, the file in one query (the common case: every page and explain
        // request); by a member's ID number, the household first.
        if let Some(file) = self.household_file_by_code(key, scope).await? {
            return Ok(file);
        }
        let (within, bound) = match scope.map(|s| crate::access::scope_condition(s, 2)) {
            Some((sql, value)) => (format!("AND {sql}"), Some(value)),
            // Every query binds the same parameters; without a scope the condition is void.
            None => ("AND $2 IS NULL".to_string(), None),
        };
        let household: Option<(i64, String, String)> = with_pool!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT h.id, h.code, h.area_code FROM person p \
                 JOIN person_version v ON v.person_id = p.id AND v.superseded_at IS NULL \
                 JOIN household h ON h.id = v.household_id \
                 WHERE p.id_number = $1 {within} ORDER BY v.valid_from DESC LIMIT 1",
            ))
            .bind(key.to_ascii_uppercase())
            .bind(bound.as_deref())
            .fetch_optional(pool)
            .await?
        });
        let Some((household_id, code, area)) = household else {
            return Err(not_found(key));
        };
        let sql = format!(
            "SELECT {VERSION_COLUMNS} {VERSION_FROM} WHERE v.person_id IN \
             (SELECT person_id FROM person_version WHERE household_id = $1) \
             ORDER BY v.person_id, v.recorded_at, v.valid_from"
        );
        let members = with_pool!(self, pool => {
            members_of(&sqlx::query(&sql).bind(household_id).fetch_all(pool).await?)?
        });
        Ok(HouseholdFile {
            code,
            area: AreaCode::parse(&area).map_err(|e| corrupt("area_code", e))?,
            members,
        })
    }

    /// The file of the household with code `code` within `scope`, if there is one: every
    /// version of everyone who has ever been a member, with the household, in one query.
    async fn household_file_by_code(
        &self,
        code: &str,
        scope: Option<&Scope>,
    ) -> Result<Option<HouseholdFile>> {
        let (sql, bound) = household_file_sql(scope);
        let file = |area: Option<String>, members: Vec<MemberRecord>| -> Result<_> {
            area.map(|area| {
                Ok(HouseholdFile {
                    code: code.to_string(),
                    area: AreaCode::parse(&area).map_err(|e| corrupt("area_code", e))?,
                    members,
                })
            })
            .transpose()
        };
        match self {
            // The read behind every household page and explain request: inline, on a kept
            // connection (see `reader`).
            Store::Sqlite(_, direct) => direct.read(|conn| {
                let mut statement = conn.prepare_cached(&sql)?;
                crate::direct::bind(
                    &mut statement,
                    &[
                        Cell::Text(code.into()),
                        bound.map_or(Cell::Null, Cell::Text),
                    ],
                )?;
                let names = crate::direct::column_names(&statement);
                let mut rows = statement.raw_query();
                let (mut area, mut members) = (None, Members::default());
                while let Some(row) = rows.next()? {
                    let row = crate::direct::Row { row, names: &names };
                    if area.is_none() {
                        area = Some(row.text("file_area")?);
                    }
                    members.push(&row)?;
                }
                file(area, members.members)
            }),
            Store::Postgres(pool) => {
                let rows = sqlx::query(&sql)
                    .bind(code)
                    .bind(bound.as_deref())
                    .fetch_all(pool)
                    .await?;
                let area = rows.first().map(|r| r.text("file_area")).transpose()?;
                file(area, members_of(&rows)?)
            }
        }
    }

    /// Records that `change` holds for a person from `from` on (see [`timeline::amend`]).
    /// Returns how many versions were superseded; 0 means the change changed nothing.
    pub async fn amend_person(
        &self,
        id_number: &IdNumber,
        from: NaiveDate,
        change: impl Fn(&mut PersonFacts),
        recorded_by: &str,
        now: DateTime<Utc>,
        audit: &[crate::NewAuditEntry],
    ) -> Result<usize> {
        let mut tx = Tx::begin(self).await?;
        let superseded = self
            .amend_person_in(&mut tx, id_number, from, change, recorded_by, now)
            .await?;
        tx.append_audit(audit).await?;
        tx.commit().await?;
        Ok(superseded)
    }

    /// [`Store::amend_person`] within `tx`, for a context whose record and the fact it sets
    /// commit together (an assessment and the level it finds). The caller writes the audit
    /// entry and commits.
    pub async fn amend_person_in(
        &self,
        tx: &mut Tx,
        id_number: &IdNumber,
        from: NaiveDate,
        change: impl Fn(&mut PersonFacts),
        recorded_by: &str,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} {VERSION_FROM} WHERE p.id_number = $1 AND v.superseded_at IS NULL ORDER BY v.valid_from"
        );
        let (person_id, ids, current) = on_tx!(&mut *tx, conn => {
            let rows = sqlx::query(&sql).bind(id_number.as_str()).fetch_all(&mut *conn).await?;
            let mut person_id = None;
            let mut ids = Vec::new();
            let mut current = Vec::new();
            for r in &rows {
                person_id = Some(r.int("person_id")?);
                ids.push(r.int("version_id")?);
                current.push(decode_recorded(r)?.version);
            }
            (person_id, ids, current)
        });
        let person_id = person_id
            .ok_or_else(|| StoreError::NotFound(format!("身份证号为 {id_number} 的人员")))?;
        let amendment =
            timeline::amend(&current, from, change).map_err(|e| StoreError::Invalid {
                field: "effective_from".into(),
                reason: e.to_string(),
            })?;
        if amendment.is_empty() {
            // Nothing to record, but the attempt is: the caller's audit entry alone.
            return Ok(0);
        }
        let codes: Vec<&str> = amendment
            .insert
            .iter()
            .map(|v| v.facts.household.as_str())
            .collect();
        let households = household_ids(&mut *tx, &codes).await?;
        let at = micros(now);
        let mut rows = Vec::with_capacity(amendment.insert.len());
        // `supersede` indexes `current`, which was read row by row with `ids`.
        let superseded_ids = amendment
            .supersede
            .iter()
            .map(|&i| {
                ids.get(i).copied().ok_or_else(|| {
                    StoreError::invalid("effective_from", format!("没有可替代的现行版本 {i}"))
                })
            })
            .collect::<Result<Vec<i64>>>()?;
        let next_id: i64 = on_tx!(&mut *tx, conn => {
            let superseded = placeholders(self.backend(), 2, superseded_ids.len());
            let at_param = placeholders(self.backend(), 1, 1);
            let sql = format!("UPDATE person_version SET superseded_at = {at_param} WHERE id IN ({superseded})");
            let mut update = sqlx::query(&sql).bind(at);
            for id in &superseded_ids {
                update = update.bind(*id);
            }
            update.execute(&mut *conn).await?;
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM person_version").fetch_one(&mut *conn).await?
        });
        for (i, version) in amendment.insert.iter().enumerate() {
            if !version
                .facts
                .area
                .level()
                .eq(&minsheng_core::AreaLevel::Community)
            {
                return Err(StoreError::Invalid {
                    field: "area".into(),
                    reason: format!("{} is not a 社区/村", version.facts.area),
                });
            }
            let household_id =
                *households
                    .get(&version.facts.household)
                    .ok_or_else(|| StoreError::Invalid {
                        field: "household".into(),
                        reason: format!("没有户 {}", version.facts.household),
                    })?;
            rows.push(version_cells(
                next_id + i as i64,
                person_id,
                household_id,
                version,
                at,
                recorded_by,
            ));
        }
        tx.write(&PERSON_VERSION, rows).await?;
        crate::access::refresh_search_row(tx, person_id).await?;
        Ok(amendment.supersede.len())
    }

    /// Streams every person as the registry currently describes them on `on`, household by
    /// household, to `sink`.
    pub async fn export<E>(
        &self,
        on: NaiveDate,
        mut sink: impl FnMut(ExportedPerson) -> Result<(), E>,
    ) -> Result<u64, E>
    where
        E: From<StoreError>,
    {
        self.scan_registry(on, |p| sink(p.registration)).await
    }

    /// [`Store::export`] with the store's person and household keys.
    pub async fn scan_registry<E>(
        &self,
        on: NaiveDate,
        sink: impl FnMut(crate::ScannedPerson) -> Result<(), E>,
    ) -> Result<u64, E>
    where
        E: From<StoreError>,
    {
        if let Store::Postgres(pool) = self {
            return crate::pg_copy::scan_registry(pool, on, sink).await;
        }
        let sql = format!(
            "SELECT {VERSION_COLUMNS}, v.household_id {VERSION_FROM} WHERE v.superseded_at IS NULL \
             AND v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1) \
             ORDER BY v.household_id, v.person_id"
        );
        crate::scan::scan(self, sql, vec![Cell::from(on)], sink).await
    }
}

/// The query behind [`Store::household_file_by_code`], `$1` the code and `$2` the scope's bound
/// value: every version of everyone who has ever been a member, with the household's area.
fn household_file_sql(scope: Option<&Scope>) -> (String, Option<String>) {
    let (within, bound) = match scope.map(|s| crate::access::scope_on(s, "f.area_code", "f.id", 2))
    {
        Some((sql, value)) => (format!("AND {sql}"), Some(value)),
        None => ("AND $2 IS NULL".to_string(), None),
    };
    // The members are found by the code again rather than by `f.id`: PostgreSQL cannot turn a
    // sub-select that names a table of the outer query into a join, and filtered every version
    // in the registry through it (3.6 s a file at 1M residents).
    let sql = format!(
        "SELECT {VERSION_COLUMNS}, f.area_code AS file_area {VERSION_FROM} \
         JOIN household f ON f.code = $1 {within} \
         WHERE v.person_id IN (SELECT m.person_id FROM person_version m \
         JOIN household g ON g.id = m.household_id WHERE g.code = $1) \
         ORDER BY v.person_id, v.recorded_at, v.valid_from"
    );
    (sql, bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn income_columns_follow_the_income_kinds() {
        let names: Vec<String> = IncomeKind::ALL
            .iter()
            .map(|k| format!("income_{k}"))
            .collect();
        assert_eq!(names, INCOME_COLUMNS);
    }

    /// A household page must not read the whole registry: on PostgreSQL the file's query is
    /// planned with joins only, never a sub-plan run once per version row.
    #[tokio::test]
    async fn a_household_file_is_joined_not_filtered_row_by_row_on_postgres() {
        let url = std::env::var("MINSHENG_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let store = Store::open_postgres(&url, Some(&schema)).await.unwrap();
        let Store::Postgres(pool) = &store else {
            unreachable!()
        };
        let area = Scope::Area(AreaCode::parse("370202").unwrap());
        for scope in [None, Some(&Scope::Everything), Some(&area)] {
            let (sql, bound) = household_file_sql(scope);
            let plan: Vec<(String,)> = sqlx::query_as(&format!("EXPLAIN {sql}"))
                .bind("370202001001-00001")
                .bind(bound)
                .fetch_all(pool)
                .await
                .unwrap();
            let plan: Vec<String> = plan.into_iter().map(|(line,)| line).collect();
            assert!(
                !plan.iter().any(|line| line.contains("SubPlan")),
                "{scope:?}: {}",
                plan.join("\n")
            );
        }
        store.close().await;
        Store::drop_postgres_schema(&url, &schema).await.unwrap();
    }
}
