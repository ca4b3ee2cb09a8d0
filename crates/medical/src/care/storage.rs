//! Long-term care insurance's tables: providers and their staff, qualifications, and the
//! providers' months with each person's care and stretches, reached as `store.care()`; and the
//! reads a month's claim makes inside its transaction.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::registry::AbilityLevel;
use minsheng_core::{AreaCode, Fen, IdNumber, Month};
use minsheng_store::{
    corrupt, micros, timestamp, with_pool, Cell, Columns, NewAuditEntry, Result, Statements, Tx,
};

use super::domain::{Form, Provider, Qualification};
use crate::domain::Scheme;
use crate::storage::parsed;

minsheng_store::context_store!(
    /// Long-term care insurance's providers, qualifications and months: `store.care()`.
    LongTermCare,
    CareStore,
    care
);

/// A provider's month as claimed: each person's care, settled, and whether it was approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareMonth {
    pub id: i64,
    pub provider: String,
    pub month: Month,
    pub total: Fen,
    pub fund: Fen,
    pub person: Fen,
    pub policy_digest: String,
    pub claimed_at: DateTime<Utc>,
    pub claimed_by: String,
    pub approved: Option<(DateTime<Utc>, String)>,
    pub cares: Vec<Care>,
}

/// One person's month at the provider, with the facts it was settled on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Care {
    pub person_id: i64,
    pub id_number: IdNumber,
    pub qualification_id: i64,
    pub scheme: Scheme,
    pub grade: u8,
    pub ability: Option<AbilityLevel>,
    pub cost: Fen,
    pub fund: Fen,
    pub person: Fen,
    pub stretches: Vec<Stretch>,
}

/// A stretch of days of care at one form, under one qualification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stretch {
    pub qualification_id: i64,
    pub form: Form,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
    pub cost: Fen,
}

/// The person an ID number names, as a claim of care needs them: the registry's current
/// resident, their area now and the day they died, if they did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cared {
    pub person_id: i64,
    pub area: AreaCode,
    pub died: Option<NaiveDate>,
}

fn forms_text(forms: &[Form]) -> String {
    forms
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn ability_text(a: Option<AbilityLevel>) -> &'static str {
    a.map_or("none", |a| a.as_str())
}

fn ability_of(r: &(impl Columns + ?Sized), col: &str) -> Result<Option<AbilityLevel>> {
    match r.text(col)?.as_str() {
        "none" => Ok(None),
        code => AbilityLevel::parse(code)
            .map(Some)
            .map_err(|e| corrupt(col, e)),
    }
}

fn grade_of(r: &(impl Columns + ?Sized)) -> Result<u8> {
    u8::try_from(r.small("disability_grade")?).map_err(|e| corrupt("disability_grade", e))
}

const PROVIDER_COLUMNS: &str = "code, name, area_code, forms, bank_account, registered_on";

fn decode_provider(r: &(impl Columns + ?Sized)) -> Result<Provider> {
    let forms = r.text("forms")?;
    Ok(Provider {
        code: r.text("code")?,
        name: r.text("name")?,
        area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
        forms: forms
            .split(',')
            .map(|f| Form::parse("forms", f).map_err(|e| corrupt("forms", e)))
            .collect::<Result<_>>()?,
        bank_account: r.text("bank_account")?,
        registered_on: r.date("registered_on")?,
    })
}

const QUALIFICATION_COLUMNS: &str = "id, person_id, provider_code, form, disability_grade, \
    ability, assessed_by, assessed_on, valid_from, valid_to, recorded_at, recorded_by";

fn decode_qualification(r: &(impl Columns + ?Sized)) -> Result<Qualification> {
    Ok(Qualification {
        id: r.int("id")?,
        person_id: r.int("person_id")?,
        provider: r.text("provider_code")?,
        form: parsed(r, "form", Form::parse)?,
        grade: grade_of(r)?,
        ability: ability_of(r, "ability")?,
        assessed_by: r.text("assessed_by")?,
        assessed_on: r.date("assessed_on")?,
        from: r.date("valid_from")?,
        to: r.opt_date("valid_to")?,
        recorded_at: timestamp(r.int("recorded_at")?)?,
        recorded_by: r.text("recorded_by")?,
    })
}

fn decode_month(r: &(impl Columns + ?Sized)) -> Result<CareMonth> {
    let approved = match (r.opt_int("approved_at")?, r.opt_text("approved_by")?) {
        (Some(at), Some(by)) => Some((timestamp(at)?, by)),
        _ => None,
    };
    Ok(CareMonth {
        id: r.int("id")?,
        provider: r.text("provider_code")?,
        month: r.text("month")?.parse().map_err(|e| corrupt("month", e))?,
        total: Fen(r.int("total")?),
        fund: Fen(r.int("fund")?),
        person: Fen(r.int("person")?),
        policy_digest: r.text("policy_digest")?,
        claimed_at: timestamp(r.int("claimed_at")?)?,
        claimed_by: r.text("claimed_by")?,
        approved,
        cares: Vec::new(),
    })
}

fn decode_care(r: &(impl Columns + ?Sized)) -> Result<(i64, Care)> {
    Ok((
        r.int("id")?,
        Care {
            person_id: r.int("person_id")?,
            id_number: IdNumber::parse(&r.text("id_number")?)
                .map_err(|e| corrupt("id_number", e))?,
            qualification_id: r.int("qualification_id")?,
            scheme: parsed(r, "scheme", Scheme::parse)?,
            grade: grade_of(r)?,
            ability: ability_of(r, "ability")?,
            cost: Fen(r.int("cost")?),
            fund: Fen(r.int("fund")?),
            person: Fen(r.int("person")?),
            stretches: Vec::new(),
        },
    ))
}

fn decode_stretch(r: &(impl Columns + ?Sized)) -> Result<(i64, Stretch)> {
    Ok((
        r.int("care_id")?,
        Stretch {
            qualification_id: r.int("qualification_id")?,
            form: parsed(r, "form", Form::parse)?,
            from: r.date("day_from")?,
            to: r.date("day_to")?,
            days: r.int("days")?,
            cost: Fen(r.int("cost")?),
        },
    ))
}

impl LongTermCare<'_> {
    /// Registers a provider with its audit entry; `false` if its code is taken (nothing
    /// written).
    pub async fn add_provider(
        &self,
        p: &Provider,
        (by, at): (&str, DateTime<Utc>),
        audit: NewAuditEntry,
    ) -> Result<bool> {
        let mut tx = Tx::write_only(self).await?;
        if provider_in(&mut tx, &p.code).await?.is_some() {
            return Ok(false);
        }
        Statements::execute(
            &mut tx,
            "INSERT INTO ltc_provider (code, name, area_code, forms, bank_account, \
             registered_on, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                Cell::Text(p.code.clone()),
                Cell::Text(p.name.clone()),
                Cell::Text(p.area.as_str().to_string()),
                Cell::Text(forms_text(&p.forms)),
                Cell::Text(p.bank_account.clone()),
                Cell::from(p.registered_on),
                Cell::Int(micros(at)),
                Cell::Text(by.to_string()),
            ],
        )
        .await?;
        tx.append_audit(&[audit]).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn provider(&self, code: &str) -> Result<Option<Provider>> {
        let sql = format!("SELECT {PROVIDER_COLUMNS} FROM ltc_provider WHERE code = $1");
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(code.trim()).fetch_optional(pool).await?
                .as_ref().map(decode_provider).transpose()
        })
    }

    /// The providers, by code.
    pub async fn providers(&self) -> Result<Vec<Provider>> {
        let sql = format!("SELECT {PROVIDER_COLUMNS} FROM ltc_provider ORDER BY code");
        with_pool!(self, pool => {
            sqlx::query(&sql).fetch_all(pool).await?.iter().map(decode_provider).collect()
        })
    }

    /// Makes `staff` act for the provider `code` (replacing any provider it acted for).
    pub async fn link_staff(&self, staff: &str, code: &str, audit: NewAuditEntry) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        Statements::execute(
            &mut tx,
            "DELETE FROM ltc_provider_staff WHERE staff_name = $1",
            &[Cell::Text(staff.to_string())],
        )
        .await?;
        Statements::execute(
            &mut tx,
            "INSERT INTO ltc_provider_staff (staff_name, provider_code) VALUES ($1, $2)",
            &[Cell::Text(staff.to_string()), Cell::Text(code.to_string())],
        )
        .await?;
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// The provider a staff account acts for.
    pub async fn provider_of(&self, staff: &str) -> Result<Option<String>> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT provider_code FROM ltc_provider_staff WHERE staff_name = $1")
                .bind(staff).fetch_optional(pool).await?)
        })
    }

    /// Files a qualification with the audit entry `audit` makes of its id and of the
    /// qualification it ends. A qualification of the person still running on `q.from` that
    /// began before it ends the day before (the person changed provider or form), unless care
    /// under it was claimed for a day from then on; one that begins on or after `q.from` is in
    /// the way. Err: the qualification in the way (nothing written).
    pub async fn qualify(
        &self,
        q: &Qualification,
        audit: impl FnOnce(i64, Option<&Qualification>) -> NewAuditEntry,
    ) -> Result<std::result::Result<i64, Qualification>> {
        let mut tx = Tx::write_only(self).await?;
        let running = tx
            .rows(
                &format!(
                    "SELECT {QUALIFICATION_COLUMNS} FROM ltc_qualification WHERE person_id = $1 \
                     AND (valid_to IS NULL OR valid_to >= $2) ORDER BY valid_from"
                ),
                &[Cell::Int(q.person_id), Cell::from(q.from)],
                |r| decode_qualification(r),
            )
            .await?;
        if let Some(later) = running.iter().find(|r| r.from >= q.from) {
            return Ok(Err(later.clone()));
        }
        let ended = running.into_iter().next();
        if let Some(old) = &ended {
            if claimed_until(&mut tx, old.id).await? >= Some(q.from) {
                return Ok(Err(old.clone()));
            }
            Statements::execute(
                &mut tx,
                "UPDATE ltc_qualification SET valid_to = $1 WHERE id = $2",
                &[Cell::from(q.from.pred_opt()), Cell::Int(old.id)],
            )
            .await?;
        }
        let id = tx
            .row(
                "INSERT INTO ltc_qualification (person_id, provider_code, form, disability_grade, \
                 ability, assessed_by, assessed_on, valid_from, valid_to, recorded_at, \
                 recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                &[
                    Cell::Int(q.person_id),
                    Cell::Text(q.provider.clone()),
                    Cell::Code(q.form.as_str()),
                    Cell::Int(q.grade.into()),
                    Cell::Code(ability_text(q.ability)),
                    Cell::Text(q.assessed_by.clone()),
                    Cell::from(q.assessed_on),
                    Cell::from(q.from),
                    Cell::from(q.to),
                    Cell::Int(micros(q.recorded_at)),
                    Cell::Text(q.recorded_by.clone()),
                ],
                |r| r.int("id"),
            )
            .await?
            .ok_or_else(|| corrupt("ltc_qualification", "the insert returned no id"))?;
        tx.append_audit(&[audit(id, ended.as_ref())]).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Ends a qualification on `on` (the last day of care it pays), unless care under it was
    /// claimed for a later day: Err, the last such day. Refused as not found or already ended
    /// before `on` by the caller's checks on [`Self::qualification`].
    pub async fn end_qualification(
        &self,
        id: i64,
        on: NaiveDate,
        audit: NewAuditEntry,
    ) -> Result<std::result::Result<(), NaiveDate>> {
        let mut tx = Tx::write_only(self).await?;
        if let Some(last) = claimed_until(&mut tx, id).await? {
            if last > on {
                return Ok(Err(last));
            }
        }
        Statements::execute(
            &mut tx,
            "UPDATE ltc_qualification SET valid_to = $1 WHERE id = $2",
            &[Cell::from(on), Cell::Int(id)],
        )
        .await?;
        tx.append_audit(&[audit]).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    pub async fn qualification(&self, id: i64) -> Result<Option<Qualification>> {
        let sql = format!("SELECT {QUALIFICATION_COLUMNS} FROM ltc_qualification WHERE id = $1");
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(id).fetch_optional(pool).await?
                .as_ref().map(decode_qualification).transpose()
        })
    }

    /// A person's qualifications, the earliest first.
    pub async fn qualifications(&self, person_id: i64) -> Result<Vec<Qualification>> {
        let sql = format!(
            "SELECT {QUALIFICATION_COLUMNS} FROM ltc_qualification WHERE person_id = $1 \
             ORDER BY valid_from"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(person_id).fetch_all(pool).await?
                .iter().map(decode_qualification).collect()
        })
    }

    /// The qualifications with a provider that hold on some day of `month`, with the person's
    /// ID number and the day they died, if they did: whom the provider cares for that month.
    pub async fn cared_for(
        &self,
        provider: &str,
        month: Month,
    ) -> Result<Vec<(Qualification, IdNumber, Option<NaiveDate>)>> {
        let columns = QUALIFICATION_COLUMNS
            .split(", ")
            .map(|c| format!("q.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns}, p.id_number, v.death_date FROM ltc_qualification q \
             JOIN person p ON p.id = q.person_id \
             LEFT JOIN person_version v ON v.person_id = p.id AND v.superseded_at IS NULL \
             AND v.valid_to IS NULL WHERE q.provider_code = $1 \
             AND q.valid_from <= $2 AND (q.valid_to IS NULL OR q.valid_to >= $3) \
             ORDER BY p.id_number, q.valid_from"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(provider).bind(month.last_day()).bind(month.first_day())
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok((
                    decode_qualification(r)?,
                    IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
                    r.opt_date("death_date")?,
                )))
                .collect()
        })
    }

    /// Current residents alive and covered on `day` whom the registry's ability assessment
    /// finds 重度 or 完全失能 that day: person, area now, level.
    pub async fn severely_disabled(
        &self,
        day: NaiveDate,
    ) -> Result<Vec<(i64, AreaCode, AbilityLevel)>> {
        with_pool!(self, pool => {
            sqlx::query(
                "SELECT v.person_id, s.area_code, v.ability_level FROM person_version v \
                 JOIN resident_search s ON s.person_id = v.person_id \
                 WHERE v.superseded_at IS NULL AND v.valid_from <= $1 \
                 AND (v.valid_to IS NULL OR v.valid_to > $1) \
                 AND v.ability_level IN ('severe', 'complete') \
                 AND (v.death_date IS NULL OR v.death_date > $1) \
                 AND EXISTS (SELECT 1 FROM medical_cover c WHERE c.person_id = v.person_id \
                 AND c.covered_from <= $1 AND c.covered_to >= $1) ORDER BY v.person_id",
            )
            .bind(day)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.int("person_id")?,
                    AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
                    AbilityLevel::parse(&r.text("ability_level")?)
                        .map_err(|e| corrupt("ability_level", e))?,
                ))
            })
            .collect()
        })
    }

    /// A month by its id, with its care.
    pub async fn month(&self, id: i64) -> Result<Option<CareMonth>> {
        with_pool!(self, pool => {
            let Some(m) = sqlx::query(MONTH_SQL).bind(id).fetch_optional(pool).await? else {
                return Ok(None);
            };
            let cares = sqlx::query(CARES_SQL).bind(id).fetch_all(pool).await?
                .iter().map(decode_care).collect::<Result<Vec<_>>>()?;
            let stretches = sqlx::query(STRETCHES_SQL).bind(id).fetch_all(pool).await?
                .iter().map(decode_stretch).collect::<Result<Vec<_>>>()?;
            Ok(Some(assembled(decode_month(&m)?, cares, &stretches)))
        })
    }

    /// A provider's month, with its care.
    pub async fn month_of(&self, provider: &str, month: Month) -> Result<Option<CareMonth>> {
        let id: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM ltc_month WHERE provider_code = $1 AND month = $2")
                .bind(provider).bind(month.to_string()).fetch_optional(pool).await?
        });
        match id {
            Some(id) => self.month(id).await,
            None => Ok(None),
        }
    }

    /// The months claimed for `month`, by provider (without their care).
    pub async fn months(&self, month: Month) -> Result<Vec<CareMonth>> {
        let sql =
            "SELECT id, provider_code, month, total, fund, person, policy_digest, claimed_at, \
             claimed_by, approved_at, approved_by FROM ltc_month WHERE month = $1 \
             ORDER BY provider_code";
        with_pool!(self, pool => {
            sqlx::query(sql).bind(month.to_string()).fetch_all(pool).await?
                .iter().map(decode_month).collect()
        })
    }
}

/// The provider `code`, read within `tx`.
pub async fn provider_in(tx: &mut impl Statements, code: &str) -> Result<Option<Provider>> {
    tx.row(
        &format!("SELECT {PROVIDER_COLUMNS} FROM ltc_provider WHERE code = $1"),
        &[Cell::Text(code.trim().to_string())],
        |r| decode_provider(r),
    )
    .await
}

/// The last day of care claimed under a qualification, if any.
async fn claimed_until(tx: &mut impl Statements, qualification: i64) -> Result<Option<NaiveDate>> {
    Ok(tx
        .row(
            "SELECT MAX(day_to) AS last FROM ltc_stretch WHERE qualification_id = $1",
            &[Cell::Int(qualification)],
            |r| r.opt_date("last"),
        )
        .await?
        .flatten())
}

/// The person an ID number names, for a claim of care (None: not a current resident).
pub async fn cared_in(tx: &mut impl Statements, id_number: &IdNumber) -> Result<Option<Cared>> {
    tx.row(
        "SELECT p.id, s.area_code, v.death_date FROM person p \
         JOIN resident_search s ON s.person_id = p.id \
         JOIN person_version v ON v.person_id = p.id AND v.superseded_at IS NULL \
         AND v.valid_to IS NULL WHERE p.id_number = $1",
        &[Cell::Text(id_number.as_str().to_string())],
        |r| {
            Ok(Cared {
                person_id: r.int("id")?,
                area: AreaCode::parse(&r.text("area_code")?)
                    .map_err(|e| corrupt("area_code", e))?,
                died: r.opt_date("death_date")?,
            })
        },
    )
    .await
}

/// A person's area now (None: not a current resident).
pub async fn area_of(tx: &mut impl Statements, person_id: i64) -> Result<Option<AreaCode>> {
    tx.row(
        "SELECT area_code FROM resident_search WHERE person_id = $1",
        &[Cell::Int(person_id)],
        |r| AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e)),
    )
    .await
}

/// The older person's ability level the registry holds for `day` (None: never assessed).
pub async fn ability_on(
    tx: &mut impl Statements,
    person_id: i64,
    day: NaiveDate,
) -> Result<Option<AbilityLevel>> {
    let level = tx
        .row(
            "SELECT ability_level FROM person_version WHERE person_id = $1 \
             AND superseded_at IS NULL AND valid_from <= $2 \
             AND (valid_to IS NULL OR valid_to > $2)",
            &[Cell::Int(person_id), Cell::from(day)],
            |r| r.opt_text("ability_level"),
        )
        .await?
        .flatten();
    level
        .map(|l| AbilityLevel::parse(&l).map_err(|e| corrupt("ability_level", e)))
        .transpose()
}

/// A person's qualifications with `provider` that hold on some day from `from` to `to`.
pub async fn qualifications_in(
    tx: &mut impl Statements,
    person_id: i64,
    provider: &str,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<Qualification>> {
    tx.rows(
        &format!(
            "SELECT {QUALIFICATION_COLUMNS} FROM ltc_qualification WHERE person_id = $1 \
             AND provider_code = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to >= $4) \
             ORDER BY valid_from"
        ),
        &[
            Cell::Int(person_id),
            Cell::Text(provider.to_string()),
            Cell::from(to),
            Cell::from(from),
        ],
        |r| decode_qualification(r),
    )
    .await
}

/// A person's stays in hospital (settled inpatient claims not reversed that say the day of
/// admission) with a day from `from` to `to`: the hospital, the claim number, the day of
/// admission and of discharge. The days in hospital are the admission's to the day before the
/// discharge (the hospital's bed-days).
pub async fn stays_in(
    tx: &mut impl Statements,
    person_id: i64,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<(String, String, NaiveDate, NaiveDate)>> {
    tx.rows(
        "SELECT hospital_code, claim_number, admitted, day FROM medical_claim \
         WHERE person_id = $1 AND visit = 'inpatient' AND reversed_at IS NULL \
         AND admitted IS NOT NULL AND admitted <= $2 AND day > $3 ORDER BY admitted",
        &[Cell::Int(person_id), Cell::from(to), Cell::from(from)],
        |r| {
            Ok((
                r.text("hospital_code")?,
                r.text("claim_number")?,
                r.date("admitted")?,
                r.date("day")?,
            ))
        },
    )
    .await
}

/// Whether the provider's month was claimed.
pub async fn month_claimed(tx: &mut impl Statements, provider: &str, month: Month) -> Result<bool> {
    Ok(tx
        .row(
            "SELECT id FROM ltc_month WHERE provider_code = $1 AND month = $2",
            &[
                Cell::Text(provider.to_string()),
                Cell::Text(month.to_string()),
            ],
            |r| r.int("id"),
        )
        .await?
        .is_some())
}

/// Records a provider's month and every person's care in it; its id.
pub async fn insert_month(tx: &mut impl Statements, m: &CareMonth) -> Result<i64> {
    let id = tx
        .row(
            "INSERT INTO ltc_month (provider_code, month, total, fund, person, policy_digest, \
             claimed_at, claimed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                Cell::Text(m.provider.clone()),
                Cell::Text(m.month.to_string()),
                Cell::Int(m.total.0),
                Cell::Int(m.fund.0),
                Cell::Int(m.person.0),
                Cell::Text(m.policy_digest.clone()),
                Cell::Int(micros(m.claimed_at)),
                Cell::Text(m.claimed_by.clone()),
            ],
            |r| r.int("id"),
        )
        .await?
        .ok_or_else(|| corrupt("ltc_month", "the insert returned no id"))?;
    for c in &m.cares {
        let care_id = tx
            .row(
                "INSERT INTO ltc_care (month_id, person_id, id_number, qualification_id, scheme, \
                 disability_grade, ability, cost, fund, person) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    Cell::Int(id),
                    Cell::Int(c.person_id),
                    Cell::Text(c.id_number.as_str().to_string()),
                    Cell::Int(c.qualification_id),
                    Cell::Code(c.scheme.as_str()),
                    Cell::Int(c.grade.into()),
                    Cell::Code(ability_text(c.ability)),
                    Cell::Int(c.cost.0),
                    Cell::Int(c.fund.0),
                    Cell::Int(c.person.0),
                ],
                |r| r.int("id"),
            )
            .await?
            .ok_or_else(|| corrupt("ltc_care", "the insert returned no id"))?;
        for s in &c.stretches {
            tx.execute(
                "INSERT INTO ltc_stretch (care_id, qualification_id, form, day_from, day_to, \
                 days, cost) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    Cell::Int(care_id),
                    Cell::Int(s.qualification_id),
                    Cell::Code(s.form.as_str()),
                    Cell::from(s.from),
                    Cell::from(s.to),
                    Cell::Int(s.days),
                    Cell::Int(s.cost.0),
                ],
            )
            .await?;
        }
    }
    Ok(id)
}

const MONTH_SQL: &str = "SELECT id, provider_code, month, total, fund, person, policy_digest, \
    claimed_at, claimed_by, approved_at, approved_by FROM ltc_month WHERE id = $1";
const CARES_SQL: &str = "SELECT id, person_id, id_number, qualification_id, scheme, \
    disability_grade, ability, cost, fund, person FROM ltc_care WHERE month_id = $1 ORDER BY id";
const STRETCHES_SQL: &str = "SELECT care_id, qualification_id, form, day_from, day_to, days, \
    cost FROM ltc_stretch WHERE care_id IN (SELECT id FROM ltc_care WHERE month_id = $1) \
    ORDER BY care_id, day_from";

fn assembled(mut m: CareMonth, cares: Vec<(i64, Care)>, stretches: &[(i64, Stretch)]) -> CareMonth {
    m.cares = cares
        .into_iter()
        .map(|(care_id, mut c)| {
            c.stretches = (stretches.iter())
                .filter(|(of, _)| *of == care_id)
                .map(|(_, s)| s.clone())
                .collect();
            c
        })
        .collect();
    m
}

/// A month with its care, read within `tx`.
pub async fn month_in(tx: &mut impl Statements, id: i64) -> Result<Option<CareMonth>> {
    let Some(m) = tx
        .row(MONTH_SQL, &[Cell::Int(id)], |r| decode_month(r))
        .await?
    else {
        return Ok(None);
    };
    let cares = tx
        .rows(CARES_SQL, &[Cell::Int(id)], |r| decode_care(r))
        .await?;
    let stretches = tx
        .rows(STRETCHES_SQL, &[Cell::Int(id)], |r| decode_stretch(r))
        .await?;
    Ok(Some(assembled(m, cares, &stretches)))
}

/// Marks a month approved, unless it was: false then (nothing written).
pub async fn mark_approved(
    tx: &mut impl Statements,
    id: i64,
    (by, at): (&str, DateTime<Utc>),
) -> Result<bool> {
    let changed = tx
        .execute(
            "UPDATE ltc_month SET approved_at = $1, approved_by = $2 \
             WHERE id = $3 AND approved_at IS NULL",
            &[
                Cell::Int(micros(at)),
                Cell::Text(by.to_string()),
                Cell::Int(id),
            ],
        )
        .await?;
    Ok(changed == 1)
}
