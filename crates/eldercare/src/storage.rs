//! The assessments' table, on the store's shared infrastructure: `store.assessments()`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::access::Scope;
use minsheng_core::registry::AbilityLevel;
use minsheng_core::IdNumber;
use minsheng_policy::scale::{Answers, Scale};
use minsheng_store::{
    micros, on_tx, timestamp, with_pool, Columns, NewAuditEntry, Result, StoreError, Tx,
};

/// An assessment as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentRecord {
    pub id: i64,
    pub id_number: String,
    pub assessed_on: NaiveDate,
    /// `item=score;…` and `condition=value;…`, in the scale's order.
    pub scores: String,
    pub conditions: String,
    pub total: i64,
    pub level: AbilityLevel,
    pub assessor: String,
    pub reviewer: String,
    pub reason: String,
    pub policy_digest: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl AssessmentRecord {
    /// The form as it was handed in, read back from its stored lists.
    pub fn answers(&self) -> Answers {
        let pairs = |text: &str| -> HashMap<String, u32> {
            text.split(';')
                .filter_map(|p| p.split_once('='))
                .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
                .collect()
        };
        Answers {
            scores: pairs(&self.scores)
                .into_iter()
                .map(|(k, v)| (k, u8::try_from(v).unwrap_or(u8::MAX)))
                .collect(),
            conditions: pairs(&self.conditions),
        }
    }
}

/// How a form is stored: each item's score and each condition's value as `code=value;…`, in
/// the scale's order, which [`AssessmentRecord::answers`] reads back.
pub fn encode(scale: &Scale, answers: &Answers) -> (String, String) {
    let list = |pairs: Vec<String>| pairs.join(";");
    let scores = scale
        .domains
        .iter()
        .flat_map(|d| &d.items)
        .map(|i| {
            format!(
                "{}={}",
                i.code,
                answers.scores.get(&i.code).copied().unwrap_or(0)
            )
        })
        .collect();
    let conditions = scale
        .conditions
        .iter()
        .map(|c| {
            format!(
                "{}={}",
                c.code,
                answers.conditions.get(&c.code).copied().unwrap_or(0)
            )
        })
        .collect();
    (list(scores), list(conditions))
}

/// An older person whose last assessment is due to be repeated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueAssessment {
    /// Masked.
    pub id_number: String,
    pub name: String,
    pub household: String,
    pub area: String,
    pub last: NaiveDate,
    pub level: AbilityLevel,
}

/// What is recorded of a new assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssessment<'a> {
    pub id_number: &'a IdNumber,
    pub assessed_on: NaiveDate,
    pub scores: String,
    pub conditions: String,
    pub total: u16,
    pub level: AbilityLevel,
    pub assessor: &'a str,
    pub reviewer: &'a str,
    pub reason: &'a str,
    pub policy_digest: &'a str,
}

const COLUMNS: &str = "a.id, p.id_number, a.assessed_on, a.scores, a.conditions, a.total, \
    a.level, a.assessor, a.reviewer, a.reason, a.policy_digest, a.recorded_at, a.recorded_by";
const FROM: &str = "FROM ability_assessment a JOIN person p ON p.id = a.person_id";

fn decode(r: &impl Columns) -> Result<AssessmentRecord> {
    Ok(AssessmentRecord {
        id: r.int("id")?,
        id_number: r.text("id_number")?,
        assessed_on: r.date("assessed_on")?,
        scores: r.text("scores")?,
        conditions: r.text("conditions")?,
        total: r.int("total")?,
        level: AbilityLevel::parse(&r.text("level")?)
            .map_err(|e| minsheng_store::corrupt("level", e))?,
        assessor: r.text("assessor")?,
        reviewer: r.text("reviewer")?,
        reason: r.text("reason")?,
        policy_digest: r.text("policy_digest")?,
        recorded_at: timestamp(r.int("recorded_at")?)?,
        recorded_by: r.text("recorded_by")?,
    })
}

minsheng_store::context_store!(
    /// The ability assessments of a store: `store.assessments()`.
    Assessments,
    AssessmentsStore,
    assessments
);

impl Assessments<'_> {
    /// A person's assessments, the latest first, if the person is within `scope`.
    pub async fn of_person(
        &self,
        id_number: &IdNumber,
        scope: &Scope,
    ) -> Result<Vec<AssessmentRecord>> {
        // The scope is the household file's: reading it checks the person is within it.
        self.household_file_within(id_number.as_str(), scope)
            .await?;
        let sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE p.id_number = $1 ORDER BY a.assessed_on DESC, a.id DESC"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(id_number.as_str()).fetch_all(pool).await?;
            rows.iter().map(decode).collect()
        })
    }

    /// The living persons within `scope` whose last assessment was on or before `last_by`,
    /// the longest waiting first.
    pub async fn due(&self, scope: &Scope, last_by: NaiveDate) -> Result<Vec<DueAssessment>> {
        let (within, bound) = minsheng_store::scope_on(scope, "v.area_code", "v.household_id", 2);
        let sql = format!(
            "SELECT p.id_number, p.name, h.code, v.area_code, a.assessed_on, a.level \
             FROM ability_assessment a JOIN person p ON p.id = a.person_id \
             JOIN person_version v ON v.person_id = p.id AND v.superseded_at IS NULL AND v.valid_to IS NULL \
             JOIN household h ON h.id = v.household_id \
             WHERE v.death_date IS NULL AND a.id = (SELECT b.id FROM ability_assessment b \
                 WHERE b.person_id = a.person_id ORDER BY b.assessed_on DESC, b.id DESC LIMIT 1) \
             AND a.assessed_on <= $1 AND {within} \
             ORDER BY a.assessed_on, p.id_number"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(last_by).bind(&bound).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    let id = IdNumber::parse(&r.text("id_number")?)
                        .map_err(|e| minsheng_store::corrupt("id_number", e))?;
                    Ok(DueAssessment {
                        id_number: id.masked(),
                        name: r.text("name")?,
                        household: r.text("code")?,
                        area: r.text("area_code")?,
                        last: r.date("assessed_on")?,
                        level: AbilityLevel::parse(&r.text("level")?)
                            .map_err(|e| minsheng_store::corrupt("level", e))?,
                    })
                })
                .collect()
        })
    }

    /// One assessment, if its person is within `scope`.
    pub async fn by_id_within(&self, id: i64, scope: &Scope) -> Result<AssessmentRecord> {
        let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.id = $1");
        let record = with_pool!(self, pool => {
            match sqlx::query(&sql).bind(id).fetch_optional(pool).await? {
                Some(r) => decode(&r)?,
                None => return Err(StoreError::NotFound(format!("能力评估 {id}"))),
            }
        });
        // Outside the scope it answers exactly as a missing one.
        self.household_file_within(&record.id_number, scope)
            .await
            .map_err(|_| StoreError::NotFound(format!("能力评估 {id}")))?;
        Ok(record)
    }

    /// How many assessments there are.
    pub async fn count(&self) -> Result<i64> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM ability_assessment")
                .fetch_one(pool)
                .await?)
        })
    }

    /// Each level the registry holds for a person as it now knows it, with the first day it
    /// held: what a synthetic city's assessments found, and when.
    pub async fn recorded_levels(&self) -> Result<Vec<(i64, AbilityLevel, NaiveDate)>> {
        with_pool!(self, pool => {
            sqlx::query(
                "SELECT person_id, ability_level, MIN(valid_from) AS since FROM person_version \
                 WHERE superseded_at IS NULL AND ability_level IS NOT NULL \
                 GROUP BY person_id, ability_level ORDER BY person_id, since",
            )
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                let level = AbilityLevel::parse(&r.text("ability_level")?)
                    .map_err(|e| minsheng_store::corrupt("ability_level", e))?;
                Ok((r.int("person_id")?, level, r.date("since")?))
            })
            .collect()
        })
    }

    /// Records assessments of persons by key (a synthetic city's), all or none, in bulk, with
    /// one audit entry. The registry's levels are theirs already.
    pub async fn record_synthetic(
        &self,
        rows: Vec<Vec<minsheng_store::Cell>>,
        audit: NewAuditEntry,
    ) -> Result<()> {
        const TABLE: minsheng_store::Table = minsheng_store::Table {
            name: "ability_assessment",
            columns: &[
                "person_id",
                "assessed_on",
                "scores",
                "conditions",
                "total",
                "level",
                "assessor",
                "reviewer",
                "reason",
                "policy_digest",
                "recorded_at",
                "recorded_by",
            ],
        };
        let mut tx = Tx::begin(self).await?;
        tx.write(&TABLE, rows).await?;
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Records an assessment, sets the level it found in the registry from its day, and writes
    /// its audit entry, in one transaction. Returns the assessment's id.
    pub async fn record(
        &self,
        new: &NewAssessment<'_>,
        recorded_by: &str,
        at: DateTime<Utc>,
        audit: impl FnOnce(i64) -> NewAuditEntry,
    ) -> Result<i64> {
        let mut tx = Tx::begin(self).await?;
        let person_id: Option<i64> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT id FROM person WHERE id_number = $1")
                .bind(new.id_number.as_str())
                .fetch_optional(&mut *conn)
                .await?
        });
        let person_id = person_id
            .ok_or_else(|| StoreError::NotFound(format!("身份证号为 {} 的人员", new.id_number)))?;
        let id: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "INSERT INTO ability_assessment (person_id, assessed_on, scores, conditions, total, \
                 level, assessor, reviewer, reason, policy_digest, recorded_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(person_id)
            .bind(new.assessed_on)
            .bind(&new.scores)
            .bind(&new.conditions)
            .bind(i64::from(new.total))
            .bind(new.level.as_str())
            .bind(new.assessor)
            .bind(new.reviewer)
            .bind(new.reason)
            .bind(new.policy_digest)
            .bind(micros(at))
            .bind(recorded_by)
            .fetch_one(&mut *conn)
            .await?
        });
        let level = new.level;
        self.amend_person_in(
            &mut tx,
            new.id_number,
            new.assessed_on,
            |facts| facts.ability = Some(level),
            recorded_by,
            at,
        )
        .await?;
        // A visit that found the elder needs an assessment is met by this one.
        crate::visits::close_met_in(
            &mut tx,
            person_id,
            crate::visits::Need::Assessment,
            (&format!("assessment:{id}"), "已完成能力评估"),
            (recorded_by, at),
        )
        .await?;
        tx.append_audit(&[audit(id)]).await?;
        tx.commit().await?;
        Ok(id)
    }
}
