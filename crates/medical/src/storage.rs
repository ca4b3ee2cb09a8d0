//! The medical context's tables, on the store's shared infrastructure: `store.medical()`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::{AreaCode, Fen, IdNumber};
use minsheng_store::{
    corrupt, micros, on_tx, timestamp, with_pool, Cell, Columns, NewAuditEntry, Result, Statements,
    StoreError, Tx,
};

use crate::domain::{Aid, Class, Cover, Level, Place, Scheme, Settlement, Tier, Visit, YearToDate};

minsheng_store::context_store!(
    /// Medical insurance's hospitals, catalogue, cover, years and claims: `store.medical()`.
    Medical,
    MedicalStore,
    medical
);

/// A designated hospital.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hospital {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub area: AreaCode,
}

/// A catalogue item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub code: String,
    pub name: String,
    pub class: Class,
}

/// The insured person a claim names, as the registry has them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insured {
    pub person_id: i64,
    pub area: AreaCode,
}

/// A recognition of the civil-affairs bureau: the person is an object of medical assistance
/// of `category` from `from` to `to` (both included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognition {
    pub id: i64,
    pub person_id: i64,
    pub category: Aid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub basis: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

const RECOGNITION_COLUMNS: &str =
    "id, person_id, category, valid_from, valid_to, basis, recorded_at, recorded_by";

fn decode_recognition(r: &(impl Columns + ?Sized)) -> Result<Recognition> {
    Ok(Recognition {
        id: r.int("id")?,
        person_id: r.int("person_id")?,
        category: parsed(r, "category", Aid::parse)?,
        from: r.date("valid_from")?,
        to: r.date("valid_to")?,
        basis: r.text("basis")?,
        recorded_at: timestamp(r.int("recorded_at")?)?,
        recorded_by: r.text("recorded_by")?,
    })
}

const BINDING_COLUMNS: &str =
    "id, holder_id, relative_id, relation, valid_from, valid_to, recorded_at, recorded_by";

fn decode_binding(r: &(impl Columns + ?Sized)) -> Result<crate::family::Binding> {
    Ok(crate::family::Binding {
        id: r.int("id")?,
        holder_id: r.int("holder_id")?,
        relative_id: r.int("relative_id")?,
        kin: parsed(r, "relation", crate::family::Kin::parse)?,
        from: r.date("valid_from")?,
        to: r.opt_date("valid_to")?,
        recorded_at: timestamp(r.int("recorded_at")?)?,
        recorded_by: r.text("recorded_by")?,
    })
}

/// A claim as stored: what was settled, on which facts, and whether it was reversed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRecord {
    pub id: i64,
    pub hospital: String,
    pub number: String,
    pub digest: String,
    pub person_id: i64,
    pub id_number: IdNumber,
    pub area: AreaCode,
    pub day: NaiveDate,
    /// A stay's day of admission, when the hospital sent it.
    pub admitted: Option<NaiveDate>,
    pub visit: Visit,
    pub place: Place,
    pub use_account: bool,
    pub cover: Cover,
    pub level: Level,
    /// The person's category of medical assistance on the claim's day.
    pub aided_as: Aid,
    /// The person's year before this claim, and the account balance then.
    pub before: YearToDate,
    pub balance_before: Fen,
    /// The employee whose account paid, when it was not the person's own (family mutual aid).
    pub account_holder: Option<i64>,
    pub settlement: Settlement,
    pub policy_digest: String,
    pub settled_at: DateTime<Utc>,
    pub settled_by: String,
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversed_by: Option<String>,
    pub reversal_reason: Option<String>,
}

pub(crate) fn parsed<T>(
    r: &(impl Columns + ?Sized),
    col: &str,
    parse: fn(&str, &str) -> std::result::Result<T, minsheng_core::FieldError>,
) -> Result<T> {
    let text = r.text(col)?;
    parse(col, &text).map_err(|e| corrupt(col, e))
}

const CLAIM_COLUMNS: &str = "id, hospital_code, claim_number, digest, person_id, id_number, \
    area_code, day, visit, place, use_account, scheme, tier, retired, two_diseases, covered_from, \
    covered_to, level, deductible_before, fund_before, outpatient_fund_before, self_paid_before, supplement_before, \
    balance_before, total, in_policy, deductible_applied, fund, supplement, account, person, \
    self_paid_in_policy, policy_digest, settled_at, settled_by, reversed_at, reversed_by, \
    reversal_reason, aided_as, aid_deductible_before, aid_before, aid_deductible_applied, aid, \
    admitted, account_holder";

fn decode_claim(r: &(impl Columns + ?Sized)) -> Result<ClaimRecord> {
    let visit = parsed(r, "visit", Visit::parse)?;
    let fen = |col: &str| r.int(col).map(Fen);
    let mut before = YearToDate {
        fund: fen("fund_before")?,
        outpatient_fund: fen("outpatient_fund_before")?,
        self_paid_in_policy: fen("self_paid_before")?,
        supplement: fen("supplement_before")?,
        aid_deductible: fen("aid_deductible_before")?,
        aid: fen("aid_before")?,
        ..YearToDate::default()
    };
    if let Some(slot) = Visit::ALL
        .iter()
        .position(|v| *v == visit)
        .and_then(|i| before.deductible.get_mut(i))
    {
        *slot = fen("deductible_before")?;
    }
    let day = r.date("day")?;
    Ok(ClaimRecord {
        id: r.int("id")?,
        hospital: r.text("hospital_code")?,
        number: r.text("claim_number")?,
        digest: r.text("digest")?,
        person_id: r.int("person_id")?,
        id_number: IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
        area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
        day,
        admitted: r.opt_date("admitted")?,
        visit,
        place: parsed(r, "place", Place::parse)?,
        use_account: r.boolean("use_account")?,
        cover: Cover {
            scheme: parsed(r, "scheme", Scheme::parse)?,
            tier: parsed(r, "tier", Tier::parse)?,
            retired: r.boolean("retired")?,
            two_diseases: r.boolean("two_diseases")?,
            from: r.date("covered_from")?,
            to: r.date("covered_to")?,
        },
        level: parsed(r, "level", Level::parse)?,
        aided_as: parsed(r, "aided_as", Aid::parse)?,
        before,
        balance_before: fen("balance_before")?,
        account_holder: r.opt_int("account_holder")?,
        settlement: Settlement {
            total: fen("total")?,
            in_policy: fen("in_policy")?,
            deductible_applied: fen("deductible_applied")?,
            fund: fen("fund")?,
            supplement: fen("supplement")?,
            aid_deductible_applied: fen("aid_deductible_applied")?,
            aid: fen("aid")?,
            account: fen("account")?,
            person: fen("person")?,
            self_paid_in_policy: fen("self_paid_in_policy")?,
            lines: Vec::new(),
        },
        policy_digest: r.text("policy_digest")?,
        settled_at: timestamp(r.int("settled_at")?)?,
        settled_by: r.text("settled_by")?,
        reversed_at: r.opt_int("reversed_at")?.map(timestamp).transpose()?,
        reversed_by: r.opt_text("reversed_by")?,
        reversal_reason: r.opt_text("reversal_reason")?,
    })
}

const YEAR_COLUMNS: &str = "deductible_general, deductible_chronic, deductible_inpatient, \
    deductible_maternity, fund, outpatient_fund, self_paid_in_policy, supplement";

fn decode_year(r: &(impl Columns + ?Sized)) -> Result<YearToDate> {
    let fen = |col: &str| r.int(col).map(Fen);
    Ok(YearToDate {
        deductible: [
            fen("deductible_general")?,
            fen("deductible_chronic")?,
            fen("deductible_inpatient")?,
            fen("deductible_maternity")?,
        ],
        fund: fen("fund")?,
        outpatient_fund: fen("outpatient_fund")?,
        self_paid_in_policy: fen("self_paid_in_policy")?,
        supplement: fen("supplement")?,
        aid_deductible: Fen(0),
        aid: Fen(0),
    })
}

impl Medical<'_> {
    /// Files hospitals (a code filed again takes the new name, level and area), with one
    /// audit entry.
    pub async fn add_hospitals(
        &self,
        list: &[Hospital],
        by: &str,
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        for h in list {
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO medical_hospital (code, name, level, area_code, recorded_at, recorded_by) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET \
                     name = excluded.name, level = excluded.level, area_code = excluded.area_code, \
                     recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
                )
                .bind(&h.code)
                .bind(&h.name)
                .bind(h.level.as_str())
                .bind(h.area.as_str())
                .bind(micros(audit.at))
                .bind(by)
                .execute(&mut *conn)
                .await?;
            });
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    pub async fn hospital(&self, code: &str) -> Result<Option<Hospital>> {
        Ok(self
            .hospitals_where("WHERE code = $1", Some(code))
            .await?
            .into_iter()
            .next())
    }

    /// Every hospital, by area and code.
    pub async fn hospitals(&self) -> Result<Vec<Hospital>> {
        self.hospitals_where("", None).await
    }

    async fn hospitals_where(&self, condition: &str, code: Option<&str>) -> Result<Vec<Hospital>> {
        let sql = format!(
            "SELECT code, name, level, area_code FROM medical_hospital {condition} \
             ORDER BY area_code, code"
        );
        with_pool!(self, pool => {
            let mut q = sqlx::query(&sql);
            if let Some(code) = code {
                q = q.bind(code);
            }
            q.fetch_all(pool).await?.iter().map(|r| Ok(Hospital {
                code: r.text("code")?,
                name: r.text("name")?,
                level: parsed(r, "level", Level::parse)?,
                area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
            })).collect()
        })
    }

    /// Makes `staff` (a service provider's account) act for `hospital`, with its audit entry.
    pub async fn link_staff(
        &self,
        staff: &str,
        hospital: &str,
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        if hospital_in(&mut tx, hospital).await?.is_none() {
            return Err(StoreError::invalid(
                "hospital",
                format!("「{hospital}」不是已登记的定点医疗机构"),
            ));
        }
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO medical_hospital_staff (staff_name, hospital_code) VALUES ($1, $2) \
                 ON CONFLICT (staff_name) DO UPDATE SET hospital_code = excluded.hospital_code",
            )
            .bind(staff)
            .bind(hospital)
            .execute(&mut *conn)
            .await?;
        });
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// The hospital an account acts for.
    /// Read on every claim a hospital posts.
    pub async fn hospital_of(&self, staff: &str) -> Result<Option<String>> {
        self.read_row(
            "SELECT hospital_code FROM medical_hospital_staff WHERE staff_name = $1",
            &[Cell::Text(staff.to_string())],
            |r| r.text("hospital_code"),
        )
        .await
    }

    /// Files catalogue items (a code filed again takes the new name and class), with one audit
    /// entry.
    pub async fn add_items(&self, list: &[Item], by: &str, audit: NewAuditEntry) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        for item in list {
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO medical_item (code, name, class, recorded_at, recorded_by) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET \
                     name = excluded.name, class = excluded.class, \
                     recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
                )
                .bind(&item.code)
                .bind(&item.name)
                .bind(item.class.as_str())
                .bind(micros(audit.at))
                .bind(by)
                .execute(&mut *conn)
                .await?;
            });
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Every catalogue item, by code.
    pub async fn items(&self) -> Result<Vec<Item>> {
        with_pool!(self, pool => {
            sqlx::query("SELECT code, name, class FROM medical_item ORDER BY code")
                .fetch_all(pool).await?.iter().map(|r| Ok(Item {
                    code: r.text("code")?,
                    name: r.text("name")?,
                    class: parsed(r, "class", Class::parse)?,
                })).collect()
        })
    }

    /// Records each person's cover for a year with its contribution, all or none, with one
    /// audit entry. A person already covered for that year is refused, naming them.
    pub async fn enrol(
        &self,
        covers: &[(i64, Cover, crate::enrolment::Contribution)],
        by: &str,
        audit: NewAuditEntry,
    ) -> Result<()> {
        let (covers, by) = (covers.to_vec(), by.to_string());
        minsheng_store::write_tx!(self, move |tx| enrol_in(tx, &covers, &by, audit).await)
    }

    /// The current resident an ID number names: key, household key and household code.
    pub async fn resident(&self, id_number: &IdNumber) -> Result<Option<(i64, i64, String)>> {
        with_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT person_id, household_id, household_code FROM resident_search \
                 WHERE id_number = $1",
            )
            .bind(id_number.as_str())
            .fetch_optional(pool)
            .await?)
        })
    }

    /// The sheets received for a person, the latest cover's end first.
    pub async fn transfers_received(&self, person_id: i64) -> Result<Vec<crate::transfer::Sheet>> {
        let sql = person_transfers_sql();
        with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(person_id)
                .bind(crate::transfer::Direction::In.as_str())
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(decode_transfer(r)?.2))
                .collect()
        })
    }

    /// Every cover a person held here, by year, the latest first.
    pub async fn history(&self, person_id: i64) -> Result<Vec<(i32, Cover)>> {
        with_pool!(self, pool => {
            sqlx::query(COVERS_OF_SQL)
                .bind(person_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(decode_year_cover)
                .collect()
        })
    }

    /// A person's covers of `year`, the earliest first, each with its contribution (a cover
    /// stopped within the year, 停保, and the one that followed it).
    pub async fn covers(
        &self,
        person_id: i64,
        year: i32,
    ) -> Result<Vec<(Cover, crate::enrolment::Contribution)>> {
        with_pool!(self, pool => {
            sqlx::query(COVERS_SQL)
                .bind(person_id)
                .bind(year)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((decode_cover(r)?, decode_contribution(r)?)))
                .collect()
        })
    }

    /// Current residents covered for `year - 1` and not for `year`, by key; not those whose
    /// insurance was transferred out since that cover began (they are insured elsewhere).
    pub async fn lapses(&self, year: i32) -> Result<Vec<crate::enrolment::Lapse>> {
        with_pool!(self, pool => {
            sqlx::query(
                &to_remind_sql(
                    "c.year = $1 AND NOT EXISTS (SELECT 1 FROM medical_cover n \
                     WHERE n.person_id = c.person_id AND (n.year = $2 OR (n.year = c.year \
                     AND n.covered_from > c.covered_from)))",
                ),
            )
            .bind(year - 1)
            .bind(year)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| decode_lapse(r, crate::enrolment::Cause::Lapsed))
            .collect()
        })
    }

    /// Current residents born in `first..=last` with no cover for `year`: key and birth date.
    pub async fn uncovered_born(
        &self,
        year: i32,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<(i64, NaiveDate)>> {
        let rows: Vec<(i64, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT s.person_id, s.id_number FROM resident_search s WHERE NOT EXISTS \
                 (SELECT 1 FROM medical_cover c WHERE c.person_id = s.person_id AND c.year = $1) \
                 ORDER BY s.person_id",
            )
            .bind(year)
            .fetch_all(pool)
            .await?
        });
        let mut out = Vec::new();
        for (person_id, id) in rows {
            let born = IdNumber::parse(&id)
                .map_err(|e| corrupt("id_number", e))?
                .birth_date();
            if first <= born && born <= last {
                out.push((person_id, born));
            }
        }
        Ok(out)
    }

    /// Current residents whose last cover of `year` stopped before the year's end (停保) and
    /// no later cover followed: not those who moved their insurance away nor those who died.
    pub async fn stopped(&self, year: i32) -> Result<Vec<crate::enrolment::Lapse>> {
        let last = NaiveDate::from_ymd_opt(year, 12, 31)
            .ok_or_else(|| StoreError::invalid("year", format!("{year} 不是有效年度")))?;
        with_pool!(self, pool => {
            sqlx::query(
                &to_remind_sql(
                    "c.year = $1 AND c.covered_to < $2 AND NOT EXISTS (SELECT 1 FROM medical_cover n \
                     WHERE n.person_id = c.person_id AND n.covered_from > c.covered_from) \
                     AND NOT EXISTS (SELECT 1 FROM person_version v WHERE v.person_id = c.person_id \
                     AND v.superseded_at IS NULL AND v.death_date IS NOT NULL)",
                ),
            )
            .bind(year)
            .bind(last)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| decode_lapse(r, crate::enrolment::Cause::Stopped))
            .collect()
        })
    }

    /// Employees' covers of `year` running to its end (not retirees'), of persons the registry
    /// records as neither employed nor retired since the cover began, each with the person's
    /// current versions in order: what [`crate::stop::ends`] reads.
    pub async fn employee_covers_running(
        &self,
        year: i32,
    ) -> Result<Vec<(i64, Cover, Vec<crate::stop::Held>)>> {
        let last = NaiveDate::from_ymd_opt(year, 12, 31)
            .ok_or_else(|| StoreError::invalid("year", format!("{year} 不是有效年度")))?;
        let rows = with_pool!(self, pool => {
            sqlx::query(
                "SELECT c.person_id, c.scheme, c.tier, c.retired, c.two_diseases, c.covered_from, \
                 c.covered_to, v.valid_from, v.employment, v.death_date FROM medical_cover c \
                 JOIN person_version v ON v.person_id = c.person_id AND v.superseded_at IS NULL \
                 WHERE c.year = $1 AND c.scheme = 'employee' AND NOT c.retired AND c.covered_to = $2 \
                 AND EXISTS (SELECT 1 FROM person_version w WHERE w.person_id = c.person_id \
                 AND w.superseded_at IS NULL AND w.valid_from > c.covered_from \
                 AND w.employment NOT IN ('employed', 'retired')) \
                 ORDER BY c.person_id, v.valid_from",
            )
            .bind(year)
            .bind(last)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                let held = crate::stop::Held {
                    from: r.date("valid_from")?,
                    employment: minsheng_core::registry::Employment::parse(&r.text("employment")?)
                        .map_err(|e| corrupt("employment", e))?,
                    died: r.opt_date("death_date")?.is_some(),
                };
                Ok((r.int("person_id")?, decode_cover(r)?, held))
            })
            .collect::<Result<Vec<_>>>()?
        });
        let mut out: Vec<(i64, Cover, Vec<crate::stop::Held>)> = Vec::new();
        for (person_id, cover, held) in rows {
            match out.last_mut() {
                Some((p, _, versions)) if *p == person_id => versions.push(held),
                _ => out.push((person_id, cover, vec![held])),
            }
        }
        Ok(out)
    }

    /// Ends each cover on its day (停保), with the audit entry, in one transaction; a cover
    /// changed since it was read (ended already, or moved away) is left. Those stopped.
    pub async fn stop(
        &self,
        stops: Vec<crate::stop::Stopping>,
        audit: NewAuditEntry,
    ) -> Result<Vec<crate::stop::Stopping>> {
        minsheng_store::write_tx!(self, move |tx| {
            let mut done = Vec::with_capacity(stops.len());
            for s in &stops {
                let changed = Statements::execute(
                    tx,
                    "UPDATE medical_cover SET covered_to = $4 WHERE person_id = $1 \
                     AND year = $2 AND covered_from = $3 AND covered_to = $5",
                    &[
                        Cell::Int(s.person_id),
                        Cell::Int(chrono::Datelike::year(&s.cover.from).into()),
                        Cell::from(s.cover.from),
                        Cell::from(s.ends),
                        Cell::from(s.cover.to),
                    ],
                )
                .await?;
                if changed > 0 {
                    done.push(s.clone());
                }
            }
            tx.append_audit(&[audit]).await?;
            Ok::<_, StoreError>(done)
        })
    }

    /// Writes the lapse reminders to the notifications outbox with their audit entry, in one
    /// transaction (a key already written adds nothing); how many were new.
    pub async fn queue_reminders(
        &self,
        notices: &[minsheng_notify::Notice],
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<u64> {
        let mut tx = Tx::write_only(self).await?;
        let written = minsheng_notify::storage::enqueue_in(&mut tx, notices, at).await?;
        tx.append_audit(&[audit]).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Per district: current residents, and those covered for `year`.
    pub async fn coverage(&self, year: i32) -> Result<Vec<(String, i64, i64)>> {
        with_pool!(self, pool => {
            let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                "SELECT substr(s.area_code, 1, 6) AS district, COUNT(*) AS residents, \
                 COUNT(c.person_id) AS covered FROM resident_search s \
                 LEFT JOIN medical_cover c ON c.person_id = s.person_id AND c.year = $1 \
                 AND NOT EXISTS (SELECT 1 FROM medical_cover n WHERE n.person_id = c.person_id \
                 AND n.year = c.year AND n.covered_from > c.covered_from) \
                 GROUP BY substr(s.area_code, 1, 6) ORDER BY district",
            )
            .bind(year)
            .fetch_all(pool)
            .await?;
            Ok(rows)
        })
    }

    /// Adds to employees' personal accounts, with one audit entry.
    pub async fn credit_accounts(
        &self,
        credits: &[(i64, Fen)],
        audit: NewAuditEntry,
    ) -> Result<()> {
        let credits = credits.to_vec();
        minsheng_store::write_tx!(self, move |tx| {
            for (person_id, amount) in &credits {
                move_account(tx, *person_id, *amount).await?;
            }
            tx.append_audit(&[audit]).await
        })
    }

    /// How many persons are covered for `year` (for some of it).
    pub async fn covered(&self, year: i32) -> Result<i64> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT COUNT(DISTINCT person_id) FROM medical_cover WHERE year = $1")
                .bind(year)
                .fetch_one(pool)
                .await?)
        })
    }

    /// Everyone covered for `year` who is a current resident: key, ID number, area and their
    /// last cover of the year, by key.
    pub async fn covered_persons(
        &self,
        year: i32,
    ) -> Result<Vec<(i64, IdNumber, AreaCode, Cover)>> {
        with_pool!(self, pool => {
            sqlx::query(
                "SELECT c.person_id, p.id_number, s.area_code, c.scheme, c.tier, c.retired, \
                 c.two_diseases, c.covered_from, c.covered_to FROM medical_cover c \
                 JOIN person p ON p.id = c.person_id JOIN resident_search s ON s.person_id = c.person_id \
                 WHERE c.year = $1 AND NOT EXISTS (SELECT 1 FROM medical_cover n \
                 WHERE n.person_id = c.person_id AND n.year = c.year AND n.covered_from > c.covered_from) \
                 ORDER BY c.person_id",
            )
            .bind(year)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.int("person_id")?,
                    IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
                    AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
                    decode_cover(r)?,
                ))
            })
            .collect()
        })
    }

    /// The claims of persons who have one dated in `from..=to`, with every earlier claim of
    /// their year, standing ones only, in settlement order per person (what a what-if
    /// replays), with their lines.
    pub async fn claims_for_replay(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ClaimRecord>> {
        let year = chrono::Datelike::year(&from);
        let sql = format!(
            "SELECT {CLAIM_COLUMNS} FROM medical_claim WHERE year = $1 AND day <= $3 \
             AND reversed_at IS NULL AND person_id IN (SELECT person_id FROM medical_claim \
             WHERE day >= $2 AND day <= $3 AND reversed_at IS NULL) ORDER BY person_id, id"
        );
        let lines_sql = "SELECT l.claim_id, l.item_code, l.class, l.amount, l.in_policy, \
            l.first_self_paid FROM medical_claim_line l JOIN medical_claim c ON c.id = l.claim_id \
            WHERE c.year = $1 AND c.day <= $3 AND c.reversed_at IS NULL AND c.person_id IN \
            (SELECT person_id FROM medical_claim WHERE day >= $2 AND day <= $3 AND reversed_at IS NULL) \
            ORDER BY l.claim_id, l.ordinal";
        let (mut claims, lines) = with_pool!(self, pool => {
            let claims = sqlx::query(&sql).bind(year).bind(from).bind(to).fetch_all(pool).await?
                .iter().map(decode_claim).collect::<Result<Vec<_>>>()?;
            let lines = sqlx::query(lines_sql).bind(year).bind(from).bind(to).fetch_all(pool).await?
                .iter().map(|r| Ok((r.int("claim_id")?, decode_line(r)?))).collect::<Result<Vec<_>>>()?;
            (claims, lines)
        });
        let mut by_claim: HashMap<i64, Vec<crate::domain::LineSettlement>> = HashMap::new();
        for (id, line) in lines {
            by_claim.entry(id).or_default().push(line);
        }
        for c in &mut claims {
            c.settlement.lines = by_claim.remove(&c.id).unwrap_or_default();
        }
        Ok(claims)
    }

    /// A person's last cover of `year` (the one in force at its end, unless it stopped).
    pub async fn cover(&self, person_id: i64, year: i32) -> Result<Option<Cover>> {
        Ok(self.covers(person_id, year).await?.pop().map(|(c, _)| c))
    }

    /// The insured person an ID number names (the registry's current resident).
    pub async fn insured(&self, id_number: &IdNumber) -> Result<Option<Insured>> {
        with_pool!(self, pool => {
            let row: Option<(i64, String)> = sqlx::query_as(INSURED_SQL)
                .bind(id_number.as_str())
                .fetch_optional(pool)
                .await?;
            row.map(|(person_id, area)| Ok(Insured {
                person_id,
                area: AreaCode::parse(&area).map_err(|e| corrupt("area_code", e))?,
            })).transpose()
        })
    }

    /// Files a recognition with its audit entry unless one of the person's overlaps it (checked
    /// in the same transaction): its id, or the one in the way.
    pub async fn recognise(
        &self,
        r: &Recognition,
        audit: NewAuditEntry,
    ) -> Result<std::result::Result<i64, Recognition>> {
        let mut tx = Tx::write_only(self).await?;
        let overlapping = tx
            .row(
                &format!(
                    "SELECT {RECOGNITION_COLUMNS} FROM medical_aid_recognition \
                     WHERE person_id = $1 AND valid_from <= $2 AND valid_to >= $3 \
                     ORDER BY valid_from LIMIT 1"
                ),
                &[Cell::Int(r.person_id), Cell::from(r.to), Cell::from(r.from)],
                |row| decode_recognition(row),
            )
            .await?;
        if let Some(other) = overlapping {
            return Ok(Err(other));
        }
        let id = tx
            .row(
                "INSERT INTO medical_aid_recognition (person_id, category, valid_from, valid_to, \
                 basis, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    Cell::Int(r.person_id),
                    Cell::Code(r.category.as_str()),
                    Cell::from(r.from),
                    Cell::from(r.to),
                    Cell::Text(r.basis.clone()),
                    Cell::Int(micros(r.recorded_at)),
                    Cell::Text(r.recorded_by.clone()),
                ],
                |row| row.int("id"),
            )
            .await?
            .ok_or_else(|| corrupt("medical_aid_recognition", "the insert returned no id"))?;
        tx.append_audit(&[audit]).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// A current resident as a binding needs them: their household and relation to its head
    /// now, and the scheme of their cover on `day`.
    pub async fn member(
        &self,
        id_number: &IdNumber,
        day: NaiveDate,
    ) -> Result<Option<crate::family::Member>> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT p.id, v.household_id, v.relation, (SELECT c.scheme FROM medical_cover c \
                 WHERE c.person_id = p.id AND c.covered_from <= $2 AND c.covered_to >= $2 \
                 ORDER BY c.covered_from DESC LIMIT 1) AS scheme FROM person p \
                 JOIN resident_search s ON s.person_id = p.id \
                 JOIN person_version v ON v.person_id = p.id AND v.superseded_at IS NULL \
                 AND v.valid_to IS NULL WHERE p.id_number = $1",
            )
            .bind(id_number.as_str())
            .bind(day)
            .fetch_optional(pool)
            .await?;
            row.map(|r| Ok(crate::family::Member {
                person_id: r.int("id")?,
                household_id: r.int("household_id")?,
                relation: minsheng_core::registry::Relation::parse(&r.text("relation")?)
                    .map_err(|e| corrupt("relation", e))?,
                scheme: r.opt_text("scheme")?
                    .map(|t| Scheme::parse("scheme", &t).map_err(|e| corrupt("scheme", e)))
                    .transpose()?,
            }))
            .transpose()
        })
    }

    /// A person's ID number.
    pub async fn id_number_of(&self, person_id: i64) -> Result<Option<IdNumber>> {
        let id: Option<String> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id_number FROM person WHERE id = $1")
                .bind(person_id).fetch_optional(pool).await?
        });
        id.map(|t| IdNumber::parse(&t).map_err(|e| corrupt("id_number", e)))
            .transpose()
    }

    /// Files a binding with the audit entry `audit` makes of its id, unless the relative is
    /// bound already (Err: that binding; nothing written).
    pub async fn bind(
        &self,
        b: &crate::family::Binding,
        audit: impl FnOnce(i64) -> NewAuditEntry,
    ) -> Result<std::result::Result<i64, crate::family::Binding>> {
        let mut tx = Tx::write_only(self).await?;
        let standing = tx
            .row(
                &format!(
                    "SELECT {BINDING_COLUMNS} FROM medical_family_binding WHERE relative_id = $1 \
                     AND valid_to IS NULL LIMIT 1"
                ),
                &[Cell::Int(b.relative_id)],
                |r| decode_binding(r),
            )
            .await?;
        if let Some(other) = standing {
            return Ok(Err(other));
        }
        let id = tx
            .row(
                "INSERT INTO medical_family_binding (holder_id, relative_id, relation, valid_from, \
                 recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    Cell::Int(b.holder_id),
                    Cell::Int(b.relative_id),
                    Cell::Code(b.kin.as_str()),
                    Cell::from(b.from),
                    Cell::Int(micros(b.recorded_at)),
                    Cell::Text(b.recorded_by.clone()),
                ],
                |r| r.int("id"),
            )
            .await?
            .ok_or_else(|| corrupt("medical_family_binding", "the insert returned no id"))?;
        tx.append_audit(&[audit(id)]).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Ends a standing binding on `on`; false if it had ended (nothing written).
    pub async fn end_binding(&self, id: i64, on: NaiveDate, audit: NewAuditEntry) -> Result<bool> {
        let mut tx = Tx::write_only(self).await?;
        let changed = Statements::execute(
            &mut tx,
            "UPDATE medical_family_binding SET valid_to = $1 WHERE id = $2 AND valid_to IS NULL",
            &[Cell::from(on), Cell::Int(id)],
        )
        .await?;
        if changed != 1 {
            return Ok(false);
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn binding(&self, id: i64) -> Result<Option<crate::family::Binding>> {
        let sql = format!("SELECT {BINDING_COLUMNS} FROM medical_family_binding WHERE id = $1");
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(id).fetch_optional(pool).await?
                .as_ref().map(decode_binding).transpose()
        })
    }

    /// The bindings a person is in, as holder or relative, the latest first.
    pub async fn bindings(&self, person_id: i64) -> Result<Vec<crate::family::Binding>> {
        let sql = format!(
            "SELECT {BINDING_COLUMNS} FROM medical_family_binding \
             WHERE holder_id = $1 OR relative_id = $1 ORDER BY valid_from DESC, id DESC"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(person_id).fetch_all(pool).await?
                .iter().map(decode_binding).collect()
        })
    }

    /// Persons who bore at least `min` — cash and personal account, over the claims settled
    /// and not reversed from `from` to `to` — with their area now and the registry's medical
    /// spending of the last twelve months on `to`, the most first.
    pub async fn burdens(
        &self,
        (from, to): (NaiveDate, NaiveDate),
        min: Fen,
    ) -> Result<Vec<(i64, IdNumber, AreaCode, Fen, Fen)>> {
        with_pool!(self, pool => {
            sqlx::query(
                "SELECT c.person_id, p.id_number, s.area_code, \
                 CAST(SUM(c.person + c.account) AS BIGINT) AS borne, \
                 v.expense_medical FROM medical_claim c JOIN person p ON p.id = c.person_id \
                 JOIN resident_search s ON s.person_id = c.person_id \
                 JOIN person_version v ON v.person_id = c.person_id AND v.superseded_at IS NULL \
                 AND v.valid_from <= $2 AND (v.valid_to IS NULL OR v.valid_to > $2) \
                 WHERE c.day >= $1 AND c.day <= $2 AND c.reversed_at IS NULL \
                 GROUP BY c.person_id, p.id_number, s.area_code, v.expense_medical \
                 HAVING SUM(c.person + c.account) >= $3 ORDER BY borne DESC, c.person_id",
            )
            .bind(from)
            .bind(to)
            .bind(min.0)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.int("person_id")?,
                    IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
                    AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
                    Fen(r.int("borne")?),
                    Fen(r.int("expense_medical")?),
                ))
            })
            .collect()
        })
    }

    /// The persons a recognition covers on `day`, with its category.
    pub async fn recognised_on(&self, day: NaiveDate) -> Result<Vec<(i64, Aid)>> {
        let sql = format!(
            "SELECT {RECOGNITION_COLUMNS} FROM medical_aid_recognition \
             WHERE valid_from <= $1 AND valid_to >= $1"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(day).fetch_all(pool).await?
                .iter()
                .map(|r| decode_recognition(r).map(|x| (x.person_id, x.category)))
                .collect()
        })
    }

    /// A person's recognitions, the earliest first.
    pub async fn recognitions(&self, person_id: i64) -> Result<Vec<Recognition>> {
        let sql = format!(
            "SELECT {RECOGNITION_COLUMNS} FROM medical_aid_recognition WHERE person_id = $1 \
             ORDER BY valid_from"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(person_id).fetch_all(pool).await?
                .iter().map(decode_recognition).collect()
        })
    }

    /// A person's year so far in a scheme, and account balance.
    pub async fn year(
        &self,
        person_id: i64,
        year: i32,
        scheme: Scheme,
    ) -> Result<(YearToDate, Fen)> {
        let sql = format!(
            "SELECT {YEAR_COLUMNS} FROM medical_year WHERE person_id = $1 AND year = $2 AND scheme = $3"
        );
        with_pool!(self, pool => {
            let mut ytd = match sqlx::query(&sql).bind(person_id).bind(year).bind(scheme.as_str()).fetch_optional(pool).await? {
                Some(r) => decode_year(&r)?,
                None => YearToDate::default(),
            };
            if let Some(r) = sqlx::query(AID_YEAR_SQL).bind(person_id).bind(year).fetch_optional(pool).await? {
                ytd.aid_deductible = Fen(r.int("deductible")?);
                ytd.aid = Fen(r.int("paid")?);
            }
            let balance: Option<i64> = sqlx::query_scalar("SELECT balance FROM medical_account WHERE person_id = $1")
                .bind(person_id).fetch_optional(pool).await?;
            Ok((ytd, Fen(balance.unwrap_or(0))))
        })
    }

    /// One claim by its id, with its lines.
    pub async fn claim(&self, id: i64) -> Result<Option<ClaimRecord>> {
        let sql = format!("SELECT {CLAIM_COLUMNS} FROM medical_claim WHERE id = $1");
        with_pool!(self, pool => {
            let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(pool).await? else {
                return Ok(None);
            };
            let mut claim = decode_claim(&row)?;
            for r in sqlx::query(LINES_SQL).bind(id).fetch_all(pool).await?.iter() {
                claim.settlement.lines.push(decode_line(r)?);
            }
            Ok(Some(claim))
        })
    }

    /// The claim `hospital` numbered `number`, with its lines.
    pub async fn claim_numbered(
        &self,
        hospital: &str,
        number: &str,
    ) -> Result<Option<ClaimRecord>> {
        let id: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM medical_claim WHERE hospital_code = $1 AND claim_number = $2")
                .bind(hospital)
                .bind(number)
                .fetch_optional(pool)
                .await?
        });
        match id {
            Some(id) => self.claim(id).await,
            None => Ok(None),
        }
    }

    /// A person's claims of a year, in the order they were settled.
    pub async fn claims_of(&self, person_id: i64, year: i32) -> Result<Vec<ClaimRecord>> {
        let sql = format!(
            "SELECT {CLAIM_COLUMNS} FROM medical_claim WHERE person_id = $1 AND year = $2 ORDER BY id"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(person_id).bind(year).fetch_all(pool).await?
                .iter().map(decode_claim).collect()
        })
    }

    /// A hospital's claims settled or reversed on `day` (its reconciliation), in id order.
    pub async fn claims_of_hospital(
        &self,
        hospital: &str,
        day: NaiveDate,
    ) -> Result<Vec<ClaimRecord>> {
        let sql = format!(
            "SELECT {CLAIM_COLUMNS} FROM medical_claim WHERE hospital_code = $1 AND day = $2 ORDER BY id"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(hospital).bind(day).fetch_all(pool).await?
                .iter().map(decode_claim).collect()
        })
    }
}

/// Records each person's cover for a year with its contribution, and the audit entry; a
/// person already covered for any day of it is refused, naming them.
async fn enrol_in(
    tx: &mut impl Statements,
    covers: &[(i64, Cover, crate::enrolment::Contribution)],
    by: &str,
    audit: NewAuditEntry,
) -> Result<()> {
    for (person_id, c, money) in covers {
        let year = chrono::Datelike::year(&c.from);
        let done = tx
            .execute(
                "INSERT INTO medical_cover (person_id, year, scheme, tier, retired, two_diseases, \
                 covered_from, covered_to, contribution, fiscal_subsidy, assistance_subsidy, \
                 assisted_as, recorded_at, recorded_by) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 \
                 WHERE NOT EXISTS (SELECT 1 FROM medical_cover o WHERE o.person_id = $1 \
                 AND o.year = $2 AND o.covered_from <= $8 AND o.covered_to >= $7) \
                 ON CONFLICT (person_id, year, covered_from) DO NOTHING",
                &[
                    Cell::Int(*person_id),
                    Cell::Int(year.into()),
                    Cell::Code(c.scheme.as_str()),
                    Cell::Code(c.tier.as_str()),
                    Cell::Bool(c.retired),
                    Cell::Bool(c.two_diseases),
                    Cell::from(c.from),
                    Cell::from(c.to),
                    Cell::Int(money.personal.0),
                    Cell::Int(money.fiscal_subsidy.0),
                    Cell::Int(money.assistance_subsidy.0),
                    money
                        .assisted_as
                        .map_or(Cell::NullText, |a| Cell::Code(a.as_str())),
                    Cell::Int(micros(audit.at)),
                    Cell::Text(by.to_string()),
                ],
            )
            .await?;
        // Covers of a year do not overlap: one that stopped (停保) may be followed by another.
        if done == 0 {
            return Err(StoreError::conflict(
                "year",
                format!("参保人（登记号 {person_id}）{year} 年度已参保，不能重复缴费"),
            ));
        }
    }
    tx.append_audit(&[audit]).await
}

/// The insured person an ID number names: the registry's current resident.
const INSURED_SQL: &str = "SELECT p.id, s.area_code FROM person p \
    JOIN resident_search s ON s.person_id = p.id WHERE p.id_number = $1";

/// What a claim is settled against, read in one statement: the hospital's level, the insured
/// person (the registry's current resident) and their cover for the year — each `None` when
/// there is none.
pub struct Against {
    pub level: Option<Level>,
    pub insured: Option<Insured>,
    pub cover: Option<Cover>,
}

pub async fn against_in(
    tx: &mut impl Statements,
    hospital: &str,
    id_number: &IdNumber,
    day: NaiveDate,
) -> Result<Against> {
    // One row whatever is missing: the hospital's code is the row everything else joins to.
    // The cover is the one of the day's year that began last on or before the day (which
    // holds the day unless it stopped before), else the year's first.
    const SQL: &str = "SELECT h.level, p.id AS person_id, s.area_code, c.scheme, c.tier, \
        c.retired, c.two_diseases, c.covered_from, c.covered_to \
        FROM (SELECT CAST($1 AS TEXT) AS code) q \
        LEFT JOIN medical_hospital h ON h.code = q.code \
        LEFT JOIN person p ON p.id_number = $2 \
        LEFT JOIN resident_search s ON s.person_id = p.id \
        LEFT JOIN medical_cover c ON c.person_id = p.id AND c.year = $3 AND c.covered_from = \
        COALESCE((SELECT MAX(x.covered_from) FROM medical_cover x WHERE x.person_id = p.id \
        AND x.year = $3 AND x.covered_from <= $4), (SELECT MIN(x.covered_from) \
        FROM medical_cover x WHERE x.person_id = p.id AND x.year = $3))";
    let params = [
        Cell::Text(hospital.to_string()),
        Cell::Text(id_number.as_str().to_string()),
        Cell::Int(chrono::Datelike::year(&day).into()),
        Cell::from(day),
    ];
    let against = tx.row(SQL, &params, |r| {
        let level = (r.opt_text("level")?)
            .map(|l| Level::parse("level", &l).map_err(|e| corrupt("level", e)))
            .transpose()?;
        let insured = match (r.opt_int("person_id")?, r.opt_text("area_code")?) {
            (Some(person_id), Some(area)) => Some(Insured {
                person_id,
                area: AreaCode::parse(&area).map_err(|e| corrupt("area_code", e))?,
            }),
            _ => None,
        };
        let cover = match (&insured, r.opt_text("scheme")?) {
            (Some(_), Some(_)) => Some(decode_cover(r)?),
            _ => None,
        };
        Ok(Against {
            level,
            insured,
            cover,
        })
    });
    against
        .await?
        .ok_or_else(|| corrupt("hospital", "the one-row query returned none"))
}

/// A person's covers of a year, the earliest first.
const COVERS_SQL: &str = "SELECT scheme, tier, retired, two_diseases, covered_from, covered_to, \
    contribution, fiscal_subsidy, assistance_subsidy, assisted_as \
    FROM medical_cover WHERE person_id = $1 AND year = $2 ORDER BY covered_from";

/// Current residents' covers meeting `condition` (over `c`, the cover), as [`decode_lapse`]
/// reads them, by person: never a cover whose person's insurance was transferred out since it
/// began (they are insured elsewhere).
fn to_remind_sql(condition: &str) -> String {
    format!(
        "SELECT c.person_id, s.id_number, s.household_code, s.area_code, c.scheme, c.tier, \
         c.retired, c.two_diseases, c.covered_from, c.covered_to FROM medical_cover c \
         JOIN resident_search s ON s.person_id = c.person_id WHERE {condition} \
         AND NOT EXISTS (SELECT 1 FROM medical_transfer t WHERE t.person_id = c.person_id \
         AND t.direction = 'out' AND t.covered_until >= c.covered_from) ORDER BY c.person_id"
    )
}

fn decode_lapse(
    r: &(impl Columns + ?Sized),
    cause: crate::enrolment::Cause,
) -> Result<crate::enrolment::Lapse> {
    Ok(crate::enrolment::Lapse {
        person_id: r.int("person_id")?,
        id_number: IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
        household: r.text("household_code")?,
        area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
        last: decode_cover(r)?,
        cause,
    })
}

fn decode_contribution(r: &(impl Columns + ?Sized)) -> Result<crate::enrolment::Contribution> {
    Ok(crate::enrolment::Contribution {
        personal: Fen(r.int("contribution")?),
        fiscal_subsidy: Fen(r.int("fiscal_subsidy")?),
        assistance_subsidy: Fen(r.int("assistance_subsidy")?),
        assisted_as: r
            .opt_text("assisted_as")?
            .map(|t| crate::enrolment::Assisted::parse(&t).ok_or_else(|| corrupt("assisted_as", t)))
            .transpose()?,
        account_credit: Fen(0),
    })
}

fn decode_cover(r: &(impl Columns + ?Sized)) -> Result<Cover> {
    Ok(Cover {
        scheme: parsed(r, "scheme", Scheme::parse)?,
        tier: parsed(r, "tier", Tier::parse)?,
        retired: r.boolean("retired")?,
        two_diseases: r.boolean("two_diseases")?,
        from: r.date("covered_from")?,
        to: r.date("covered_to")?,
    })
}

/// The catalogue classes of `codes`, for those the catalogue has.
pub async fn classes_in(
    tx: &mut impl Statements,
    codes: &[&str],
) -> Result<HashMap<String, Class>> {
    let mut out = HashMap::new();
    for chunk in codes.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT code, class FROM medical_item WHERE code IN ({})",
            marks.join(", ")
        );
        let params: Vec<Cell> = chunk.iter().map(|c| Cell::Text(c.to_string())).collect();
        let rows = tx
            .rows(&sql, &params, |r| {
                Ok((r.text("code")?, parsed(r, "class", Class::parse)?))
            })
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

pub async fn hospital_in(tx: &mut impl Statements, code: &str) -> Result<Option<Level>> {
    let level = tx
        .row(
            "SELECT level FROM medical_hospital WHERE code = $1",
            &[Cell::Text(code.to_string())],
            |r| r.text("level"),
        )
        .await?;
    level
        .map(|l| Level::parse("level", &l).map_err(|e| corrupt("level", e)))
        .transpose()
}

/// The person's year so far in a scheme (each fund counts its own deductible and cap) and
/// account balance, locked until the transaction ends so that the person's claims are settled
/// one after another.
pub async fn year_locked(
    tx: &mut impl Statements,
    person_id: i64,
    year: i32,
    scheme: Scheme,
) -> Result<(YearToDate, Fen)> {
    // Made if it is the year's first claim, and locked, in one statement: an upsert that
    // updates takes the row's lock and returns the row as the last settlement to commit left it.
    let sql = format!(
        "INSERT INTO medical_year (person_id, year, scheme) VALUES ($1, $2, $3) \
         ON CONFLICT (person_id, year, scheme) DO UPDATE SET claims = medical_year.claims \
         RETURNING {YEAR_COLUMNS}"
    );
    let params = [
        Cell::Int(person_id),
        Cell::Int(year.into()),
        Cell::Code(scheme.as_str()),
    ];
    let ytd = tx
        .row(&sql, &params, |r| decode_year(r))
        .await?
        .ok_or_else(|| corrupt("medical_year", "the upsert returned no row"))?;
    // Read after the lock is held, in a statement of its own: PostgreSQL re-reads a locked row
    // that changed while it waited, but not a row merely joined to it, so a balance read beside
    // the year would be the one from before the other settlement drew on it.
    let balance = tx
        .row(
            "SELECT balance FROM medical_account WHERE person_id = $1",
            &[Cell::Int(person_id)],
            |r| r.int("balance"),
        )
        .await?;
    Ok((ytd, Fen(balance.unwrap_or(0))))
}

/// Writes the person's year in a scheme as it now stands.
pub async fn put_year(
    tx: &mut impl Statements,
    person_id: i64,
    (year, scheme): (i32, Scheme),
    ytd: &YearToDate,
    claims: i64,
) -> Result<()> {
    let [general, chronic, inpatient, maternity] = ytd.deductible;
    tx.execute(
        "UPDATE medical_year SET deductible_general = $3, deductible_chronic = $4, \
         deductible_inpatient = $5, deductible_maternity = $6, fund = $7, outpatient_fund = $8, \
         self_paid_in_policy = $9, supplement = $10, claims = claims + $11 \
         WHERE person_id = $1 AND year = $2 AND scheme = $12",
        &[
            Cell::Int(person_id),
            Cell::Int(year.into()),
            Cell::Int(general.0),
            Cell::Int(chronic.0),
            Cell::Int(inpatient.0),
            Cell::Int(maternity.0),
            Cell::Int(ytd.fund.0),
            Cell::Int(ytd.outpatient_fund.0),
            Cell::Int(ytd.self_paid_in_policy.0),
            Cell::Int(ytd.supplement.0),
            Cell::Int(claims),
            Cell::Code(scheme.as_str()),
        ],
    )
    .await?;
    Ok(())
}

const AID_YEAR_SQL: &str =
    "SELECT deductible, paid FROM medical_aid_year WHERE person_id = $1 AND year = $2";

/// The person's category of medical assistance on `day`: 特困 or 低保 by an enrolment of theirs
/// or their household's in force that month (not paused), as the assistance context records it
/// the moment a decision is made; else a recognition of the civil-affairs bureau covering the
/// day; else none. Where several hold, the first in [`Aid::ALL`] (the fuller help).
pub async fn aid_on(tx: &mut impl Statements, person_id: i64, day: NaiveDate) -> Result<Aid> {
    const RECOGNISED: &str = "SELECT category FROM medical_aid_recognition \
        WHERE person_id = $1 AND valid_from <= $2 AND valid_to >= $2";
    let month = minsheng_core::Month::containing(day);
    let programs = crate::aid::PROGRAMS.map(|(program, _)| program);
    let enrolled =
        minsheng_payments::storage::programs_of_person_in(tx, person_id, month, &programs).await?;
    if let Some(aid) = crate::aid::by_programs(&enrolled) {
        return Ok(aid);
    }
    let recognised = tx
        .rows(RECOGNISED, &[Cell::Int(person_id), Cell::from(day)], |r| {
            parsed(r, "category", Aid::parse)
        })
        .await?;
    Ok(recognised.into_iter().min().unwrap_or(Aid::None))
}

/// The person's medical-assistance year, locked as [`year_locked`] locks the insurance year:
/// (deductible borne, paid).
pub async fn aid_year_locked(
    tx: &mut impl Statements,
    person_id: i64,
    year: i32,
) -> Result<(Fen, Fen)> {
    let params = [Cell::Int(person_id), Cell::Int(year.into())];
    tx.row(
        "INSERT INTO medical_aid_year (person_id, year) VALUES ($1, $2) \
         ON CONFLICT (person_id, year) DO UPDATE SET paid = medical_aid_year.paid \
         RETURNING deductible, paid",
        &params,
        |r| Ok((Fen(r.int("deductible")?), Fen(r.int("paid")?))),
    )
    .await?
    .ok_or_else(|| corrupt("medical_aid_year", "the upsert returned no row"))
}

/// Writes the person's medical-assistance year as it now stands.
pub async fn put_aid_year(
    tx: &mut impl Statements,
    person_id: i64,
    year: i32,
    ytd: &YearToDate,
) -> Result<()> {
    tx.execute(
        "UPDATE medical_aid_year SET deductible = $3, paid = $4 WHERE person_id = $1 AND year = $2",
        &[
            Cell::Int(person_id),
            Cell::Int(year.into()),
            Cell::Int(ytd.aid_deductible.0),
            Cell::Int(ytd.aid.0),
        ],
    )
    .await?;
    Ok(())
}

/// Moves a personal account by `delta` (negative to pay). The balance never goes below zero
/// (the table refuses it).
pub async fn move_account(tx: &mut impl Statements, person_id: i64, delta: Fen) -> Result<()> {
    if delta.0 == 0 {
        return Ok(());
    }
    let params = [Cell::Int(person_id), Cell::Int(delta.0)];
    if delta.0 < 0 {
        // A payment draws on an account that exists (its balance was read); the row's own
        // CHECK refuses an overdraft.
        tx.execute(
            "UPDATE medical_account SET balance = balance + $2 WHERE person_id = $1",
            &params,
        )
        .await?;
        return Ok(());
    }
    tx.execute(
        "INSERT INTO medical_account (person_id, balance) VALUES ($1, $2) \
         ON CONFLICT (person_id) DO UPDATE SET balance = medical_account.balance + excluded.balance",
        &params,
    )
    .await?;
    Ok(())
}

/// The employee whose account a person's costs may be paid from on `day` (family mutual aid),
/// if a binding stands then.
pub async fn account_holder_on(
    tx: &mut impl Statements,
    person_id: i64,
    day: NaiveDate,
) -> Result<Option<i64>> {
    tx.row(
        "SELECT holder_id FROM medical_family_binding WHERE relative_id = $1 \
         AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) LIMIT 1",
        &[Cell::Int(person_id), Cell::from(day)],
        |r| r.int("holder_id"),
    )
    .await
}

/// A personal account's balance, its row locked for the rest of the transaction (made empty if
/// there is none): an upsert that updates takes the lock on both engines and returns the
/// balance the last settlement to commit left.
pub async fn account_locked(tx: &mut impl Statements, person_id: i64) -> Result<Fen> {
    let balance = tx
        .row(
            "INSERT INTO medical_account (person_id, balance) VALUES ($1, 0) \
             ON CONFLICT (person_id) DO UPDATE SET balance = medical_account.balance \
             RETURNING balance",
            &[Cell::Int(person_id)],
            |r| r.int("balance"),
        )
        .await?
        .ok_or_else(|| corrupt("medical_account", "the upsert returned no row"))?;
    Ok(Fen(balance))
}

/// The claim `hospital` numbered `number`, if it was settled before.
pub async fn claim_by_number(
    tx: &mut impl Statements,
    hospital: &str,
    number: &str,
) -> Result<Option<ClaimRecord>> {
    let sql = format!(
        "SELECT {CLAIM_COLUMNS} FROM medical_claim WHERE hospital_code = $1 AND claim_number = $2"
    );
    let params = [
        Cell::Text(hospital.to_string()),
        Cell::Text(number.to_string()),
    ];
    let Some(mut claim) = tx.row(&sql, &params, |r| decode_claim(r)).await? else {
        return Ok(None);
    };
    claim.settlement.lines = tx
        .rows(LINES_SQL, &[Cell::Int(claim.id)], |r| decode_line(r))
        .await?;
    Ok(Some(claim))
}

const LINES_SQL: &str = "SELECT item_code, class, amount, in_policy, first_self_paid \
    FROM medical_claim_line WHERE claim_id = $1 ORDER BY ordinal";

fn decode_line(r: &(impl Columns + ?Sized)) -> Result<crate::domain::LineSettlement> {
    Ok(crate::domain::LineSettlement {
        item: r.text("item_code")?,
        class: parsed(r, "class", Class::parse)?,
        amount: Fen(r.int("amount")?),
        in_policy: Fen(r.int("in_policy")?),
        first_self_paid: Fen(r.int("first_self_paid")?),
    })
}

/// Inserts a settled claim and its lines; its id, or `None` (nothing written) when the
/// hospital's number was taken meanwhile, by a claim settled at the same moment.
pub async fn insert_claim(tx: &mut impl Statements, c: &ClaimRecord) -> Result<Option<i64>> {
    let s = &c.settlement;
    let text = |t: &str| Cell::Text(t.to_string());
    let params = [
        text(&c.hospital),
        text(&c.number),
        text(&c.digest),
        Cell::Int(c.person_id),
        text(c.id_number.as_str()),
        text(c.area.as_str()),
        Cell::from(c.day),
        Cell::Int(chrono::Datelike::year(&c.day).into()),
        Cell::Code(c.visit.as_str()),
        Cell::Code(c.place.as_str()),
        Cell::Bool(c.use_account),
        Cell::Code(c.cover.scheme.as_str()),
        Cell::Code(c.cover.tier.as_str()),
        Cell::Bool(c.cover.retired),
        Cell::Bool(c.cover.two_diseases),
        Cell::from(c.cover.from),
        Cell::from(c.cover.to),
        Cell::Code(c.level.as_str()),
        Cell::Int(c.before.deductible_of(c.visit).0),
        Cell::Int(c.before.fund.0),
        Cell::Int(c.before.outpatient_fund.0),
        Cell::Int(c.before.self_paid_in_policy.0),
        Cell::Int(c.before.supplement.0),
        Cell::Int(c.balance_before.0),
        Cell::Int(s.total.0),
        Cell::Int(s.in_policy.0),
        Cell::Int(s.deductible_applied.0),
        Cell::Int(s.fund.0),
        Cell::Int(s.supplement.0),
        Cell::Int(s.account.0),
        Cell::Int(s.person.0),
        Cell::Int(s.self_paid_in_policy.0),
        text(&c.policy_digest),
        Cell::Int(micros(c.settled_at)),
        text(&c.settled_by),
        Cell::Code(c.aided_as.as_str()),
        Cell::Int(c.before.aid_deductible.0),
        Cell::Int(c.before.aid.0),
        Cell::Int(s.aid_deductible_applied.0),
        Cell::Int(s.aid.0),
        Cell::from(c.admitted),
        c.account_holder.map_or(Cell::Null, Cell::Int),
    ];
    let id = tx
        .row(
            "INSERT INTO medical_claim (hospital_code, claim_number, digest, person_id, id_number, \
             area_code, day, year, visit, place, use_account, scheme, tier, retired, two_diseases, \
             covered_from, covered_to, level, deductible_before, fund_before, outpatient_fund_before, \
             self_paid_before, supplement_before, balance_before, total, in_policy, \
             deductible_applied, fund, supplement, account, person, self_paid_in_policy, \
             policy_digest, settled_at, settled_by, aided_as, aid_deductible_before, aid_before, \
             aid_deductible_applied, aid, admitted, account_holder) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, \
             $35, $36, $37, $38, $39, $40, $41, $42) \
             ON CONFLICT (hospital_code, claim_number) DO NOTHING RETURNING id",
            &params,
            |r| r.int("id"),
        )
        .await?;
    let Some(id) = id else {
        return Ok(None);
    };
    // Every line in one statement (a long stay's bill has many), in chunks within SQLite's
    // limit of bound values.
    for (c, chunk) in s.lines.chunks(LINES_A_STATEMENT).enumerate() {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let k = i * 7;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    k + 1,
                    k + 2,
                    k + 3,
                    k + 4,
                    k + 5,
                    k + 6,
                    k + 7
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO medical_claim_line (claim_id, ordinal, item_code, class, amount, \
             in_policy, first_self_paid) VALUES {}",
            rows.join(", ")
        );
        let mut params = Vec::with_capacity(chunk.len() * 7);
        for (i, l) in chunk.iter().enumerate() {
            let ordinal = i64::try_from(c * LINES_A_STATEMENT + i).unwrap_or(i64::MAX);
            params.extend([
                Cell::Int(id),
                Cell::Int(ordinal),
                text(&l.item),
                Cell::Code(l.class.as_str()),
                Cell::Int(l.amount.0),
                Cell::Int(l.in_policy.0),
                Cell::Int(l.first_self_paid.0),
            ]);
        }
        tx.execute(&sql, &params).await?;
    }
    Ok(Some(id))
}

/// Lines a statement inserts: 7 values each, well within SQLite's 32,766 bound values.
const LINES_A_STATEMENT: usize = 500;

/// Marks a claim reversed, if it still stands; whether it did.
pub async fn mark_reversed(
    tx: &mut impl Statements,
    id: i64,
    by: &str,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE medical_claim SET reversed_at = $2, reversed_by = $3, reversal_reason = $4 \
             WHERE id = $1 AND reversed_at IS NULL",
            &[
                Cell::Int(id),
                Cell::Int(micros(at)),
                Cell::Text(by.to_string()),
                Cell::Text(reason.to_string()),
            ],
        )
        .await?;
    Ok(n == 1)
}

const TRANSFER_COLUMNS: &str = "t.sheet_number, t.person_id, p.id_number, t.direction, \
    t.other_area, t.scheme, t.covered_since, t.covered_until, t.contribution_months, \
    t.account_balance, t.application";

/// A transfer's sheet as filed, with the person's key and its direction.
fn decode_transfer(
    r: &(impl Columns + ?Sized),
) -> Result<(i64, crate::transfer::Direction, crate::transfer::Sheet)> {
    let direction = r.text("direction")?;
    let direction = crate::transfer::Direction::parse(&direction)
        .ok_or_else(|| corrupt("direction", direction))?;
    let sheet = crate::transfer::Sheet {
        number: r.text("sheet_number")?,
        id_number: IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
        other_area: r.text("other_area")?,
        scheme: parsed(r, "scheme", Scheme::parse)?,
        covered_since: r.date("covered_since")?,
        covered_until: r.date("covered_until")?,
        contribution_months: r.int("contribution_months")?,
        account_balance: Fen(r.int("account_balance")?),
        application: r.opt_text("application")?,
    };
    Ok((r.int("person_id")?, direction, sheet))
}

/// A person's sheets (`$1`) in a direction (`$2`), the latest cover's end first.
fn person_transfers_sql() -> String {
    format!(
        "SELECT {TRANSFER_COLUMNS} FROM medical_transfer t JOIN person p ON p.id = t.person_id \
         WHERE t.person_id = $1 AND t.direction = $2 ORDER BY t.covered_until DESC, t.sheet_number"
    )
}

/// The person's transfers in `direction`, the latest cover's end first.
async fn transfers_in(
    tx: &mut impl Statements,
    person_id: i64,
    direction: crate::transfer::Direction,
) -> Result<Vec<crate::transfer::Sheet>> {
    let rows = tx
        .rows(
            &person_transfers_sql(),
            &[Cell::Int(person_id), Cell::Code(direction.as_str())],
            |r| decode_transfer(r),
        )
        .await?;
    Ok(rows.into_iter().map(|(_, _, sheet)| sheet).collect())
}

/// Inserts a transfer's sheet, with the recorder; `false` when its number is filed already
/// (on PostgreSQL a concurrent filing of the same number waits for the first to commit).
async fn insert_transfer(
    tx: &mut impl Statements,
    person_id: i64,
    direction: crate::transfer::Direction,
    route: crate::transfer::Route,
    sheet: &crate::transfer::Sheet,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let inserted = tx
        .execute(
            "INSERT INTO medical_transfer (sheet_number, person_id, direction, other_area, route, \
         scheme, covered_since, covered_until, contribution_months, account_balance, application, \
         recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (sheet_number) DO NOTHING",
            &[
                Cell::Text(sheet.number.trim().to_string()),
                Cell::Int(person_id),
                Cell::Code(direction.as_str()),
                Cell::Text(sheet.other_area.clone()),
                Cell::Code(route.as_str()),
                Cell::Code(sheet.scheme.as_str()),
                Cell::from(sheet.covered_since),
                Cell::from(sheet.covered_until),
                Cell::Int(sheet.contribution_months),
                Cell::Int(sheet.account_balance.0),
                sheet
                    .application
                    .as_deref()
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map_or(Cell::NullText, |a| Cell::Text(a.to_string())),
                Cell::Int(micros(at)),
                Cell::Text(by.to_string()),
            ],
        )
        .await?;
    Ok(inserted > 0)
}

/// Files a received sheet and credits an employee's balance to the account, with the audit
/// entry; `true` when the same sheet was filed before (nothing moved), a conflict on `number`
/// when its number was filed with other contents.
pub async fn file_transfer_in(
    tx: &mut impl Statements,
    person_id: i64,
    route: crate::transfer::Route,
    sheet: &crate::transfer::Sheet,
    by: &str,
    audit: NewAuditEntry,
    notice: minsheng_notify::Notice,
) -> Result<bool> {
    let sql = format!(
        "SELECT {TRANSFER_COLUMNS} FROM medical_transfer t JOIN person p ON p.id = t.person_id \
         WHERE t.sheet_number = $1"
    );
    let number = sheet.number.trim().to_string();
    let filed = insert_transfer(
        tx,
        person_id,
        crate::transfer::Direction::In,
        route,
        sheet,
        by,
        audit.at,
    )
    .await?;
    if !filed {
        let Some((filed_for, direction, filed)) = tx
            .row(&sql, &[Cell::Text(number.clone())], |r| decode_transfer(r))
            .await?
        else {
            return Err(corrupt(
                "medical_transfer",
                format!("{number} neither filed nor found"),
            ));
        };
        let mut asked = sheet.clone();
        asked.number = number;
        asked.application = asked
            .application
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty());
        if filed_for == person_id && direction == crate::transfer::Direction::In && filed == asked {
            return Ok(true);
        }
        return Err(StoreError::conflict(
            "number",
            format!("信息表 {} 已以其他内容登记", filed.number),
        ));
    }
    if sheet.scheme == Scheme::Employee {
        move_account(tx, person_id, sheet.account_balance).await?;
    }
    minsheng_notify::enqueue_in(tx, &[notice], audit.at).await?;
    tx.append_audit(&[audit]).await?;
    Ok(false)
}

/// A person's covers by year, the latest first.
const COVERS_OF_SQL: &str = "SELECT CAST(year AS BIGINT) AS year, scheme, tier, retired, \
    two_diseases, covered_from, covered_to FROM medical_cover WHERE person_id = $1 \
    ORDER BY year DESC, covered_from DESC";

fn decode_year_cover(r: &(impl Columns + ?Sized)) -> Result<(i32, Cover)> {
    let year = i32::try_from(r.int("year")?).map_err(|e| corrupt("year", e))?;
    Ok((year, decode_cover(r)?))
}

pub(crate) async fn covers_of(
    tx: &mut impl Statements,
    person_id: i64,
) -> Result<Vec<(i32, Cover)>> {
    tx.rows(COVERS_OF_SQL, &[Cell::Int(person_id)], |r| {
        decode_year_cover(r)
    })
    .await
}

/// Who is leaving, and for where.
pub struct Departure<'a> {
    pub person_id: i64,
    pub household: &'a str,
    pub route: crate::transfer::Route,
    pub leaving: &'a crate::transfer::Leaving,
}

/// Transfers a resident out (`transfer::send`): the sheet made from the insured registry, an
/// employee's cover ended on the day, the account emptied, the sheet filed, the person told,
/// the audit entry.
pub async fn file_transfer_out(
    tx: &mut impl Statements,
    departure: Departure<'_>,
    continuity: crate::transfer::Continuity,
    by: &str,
    at: DateTime<Utc>,
) -> Result<crate::transfer::Sheet> {
    let Departure {
        person_id,
        household,
        route,
        leaving,
    } = departure;
    use chrono::Datelike as _;
    let refuse = |field: &str, reason: String| StoreError::conflict(field, reason);
    let on = leaving.on;
    let covers = covers_of(tx, person_id).await?;
    // A cover paid for that has not begun by the day (a later year, or this year's after its
    // waiting period) is refunded before the person can leave.
    if let Some((year, c)) = covers.iter().find(|(_, c)| c.from > on) {
        return Err(refuse(
            "on",
            format!(
                "已缴纳 {year} 年度的医保费，待遇自 {} 起：先办理该年度退费，再办理转出",
                c.from
            ),
        ));
    }
    let Some((_, current)) = covers.iter().find(|(_, c)| c.from <= on) else {
        return Err(refuse(
            "id_number",
            format!(
                "{} 在本市没有 {on} 以前的参保记录",
                leaving.id_number.masked()
            ),
        ));
    };
    if current.retired {
        return Err(refuse(
            "id_number",
            "退休人员不办理转移接续：异地居住的，办理异地就医备案".into(),
        ));
    }
    let out = transfers_in(tx, person_id, crate::transfer::Direction::Out).await?;
    if let Some(done) = out.iter().find(|s| s.covered_until >= current.from) {
        return Err(refuse(
            "id_number",
            format!(
                "已于 {} 转出至 {}（信息表 {}）",
                done.covered_until, done.other_area, done.number
            ),
        ));
    }
    // The cover without a break: each earlier year joined when the later began within the
    // continuity gap of its end, and a sheet received before them likewise.
    let joins = |earlier_end: NaiveDate, later_start: NaiveDate| {
        later_start <= continuity.latest_after(earlier_end)
    };
    // An employee's cover ends on the day: the new employer's area covers from the next. A
    // resident's year is paid for and stays to its end; the receiving area covers from the
    // next year.
    let until = match current.scheme {
        Scheme::Employee => current.to.min(on),
        Scheme::Resident => current.to,
    };
    let employee_months = |c: &Cover, to: NaiveDate| match c.scheme {
        Scheme::Employee => crate::transfer::months_touched(c.from, to),
        Scheme::Resident => 0,
    };
    let mut since = current.from;
    let mut months = employee_months(current, until);
    for (_, earlier) in covers.iter().filter(|(_, c)| c.from < current.from) {
        if !joins(earlier.to, since) {
            break;
        }
        since = earlier.from;
        months += employee_months(earlier, earlier.to);
    }
    let received = transfers_in(tx, person_id, crate::transfer::Direction::In).await?;
    if let Some(sheet) = received
        .iter()
        .find(|s| s.covered_until < since && joins(s.covered_until, since))
    {
        since = sheet.covered_since;
        months += sheet.contribution_months;
    }
    let balance = match current.scheme {
        Scheme::Employee => tx
            .row(
                "SELECT balance FROM medical_account WHERE person_id = $1",
                &[Cell::Int(person_id)],
                |r| r.int("balance"),
            )
            .await?
            .map_or(Fen(0), Fen),
        Scheme::Resident => Fen(0),
    };
    let sheet = crate::transfer::Sheet {
        number: crate::transfer::number_out(person_id, on),
        id_number: leaving.id_number.clone(),
        other_area: leaving.to_area.clone(),
        scheme: current.scheme,
        covered_since: since,
        covered_until: until,
        contribution_months: months,
        account_balance: balance,
        application: leaving
            .application
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string),
    };
    tx.execute(
        "UPDATE medical_cover SET covered_to = $3 WHERE person_id = $1 AND year = $2 \
         AND covered_from = $4 AND covered_to > $3",
        &[
            Cell::Int(person_id),
            Cell::Int(on.year().into()),
            Cell::from(until),
            Cell::from(current.from),
        ],
    )
    .await?;
    move_account(tx, person_id, Fen(-balance.0)).await?;
    let filed = insert_transfer(
        tx,
        person_id,
        crate::transfer::Direction::Out,
        route,
        &sheet,
        by,
        at,
    )
    .await?;
    if !filed {
        return Err(refuse(
            "id_number",
            format!("信息表 {} 已办理（同一天重复提交）", sheet.number),
        ));
    }
    let notice = crate::transfer::notice(
        &sheet,
        crate::transfer::Direction::Out,
        route,
        household,
        continuity,
    );
    minsheng_notify::enqueue_in(tx, &[notice], at).await?;
    tx.append_audit(&[NewAuditEntry {
        actor: by.to_string(),
        action: "medical.transfer_out".into(),
        subject: format!("medical transfer {}", sheet.number),
        detail: format!("转出：{}", sheet.summary(route)),
        at,
    }])
    .await?;
    Ok(sheet)
}
