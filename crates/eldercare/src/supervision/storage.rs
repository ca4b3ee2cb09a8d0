//! Institutions, draws and inspection results, on the store's shared infrastructure:
//! `store.supervision()`.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::access::Role;
use minsheng_core::AreaCode;
use minsheng_store::{
    micros, on_tx, timestamp, with_pool, Columns, NewAuditEntry, Result, StoreError, Tx,
};

/// A care institution (养老机构) as filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    /// The filing number (备案编号).
    pub code: String,
    pub name: String,
    /// The community it stands in.
    pub area: AreaCode,
    /// `public` 公办, `private` 民办, `public_private` 公建民营.
    pub operator: String,
    pub beds: u32,
    /// 护理型床位.
    pub nursing_beds: u32,
    pub residents: u32,
    pub filed_on: NaiveDate,
}

impl Institution {
    pub fn operator_label(&self) -> &str {
        match self.operator.as_str() {
            "public" => "公办",
            "private" => "民办",
            "public_private" => "公建民营",
            other => other,
        }
    }
}

/// A draw as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawRecord {
    pub id: i64,
    pub plan: String,
    pub area: String,
    pub seed: String,
    pub institutions: Vec<String>,
    pub inspectors: Vec<String>,
    pub share_permille: u32,
    pub per_institution: usize,
    /// Each drawn institution and its inspectors, in draw order.
    pub result: Vec<(String, Vec<String>)>,
    pub reason: String,
    pub superseded_by: Option<i64>,
    pub drawn_at: DateTime<Utc>,
    pub drawn_by: String,
}

/// One checklist item of one inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionResult {
    pub institution: String,
    pub item: String,
    pub passed: bool,
    pub note: String,
    pub inspected_on: NaiveDate,
    pub rectify_by: Option<NaiveDate>,
    pub rectified_on: Option<NaiveDate>,
    pub rectified_note: String,
    pub recorded_by: String,
}

minsheng_store::context_store!(
    /// Care institutions and their supervision: `store.supervision()`.
    Supervision,
    SupervisionStore,
    supervision
);

const INSTITUTION: &str =
    "code, name, area_code, operator, beds, nursing_beds, residents, filed_on";
const DRAW: &str = "id, plan, area_code, seed, institutions, inspectors, share_permille, \
    per_institution, result, reason, superseded_by, drawn_at, drawn_by";

fn count(r: &impl Columns, col: &str) -> Result<u32> {
    u32::try_from(r.int(col)?).map_err(|e| minsheng_store::corrupt(col, e))
}

fn institution(r: &impl Columns) -> Result<Institution> {
    Ok(Institution {
        code: r.text("code")?,
        name: r.text("name")?,
        area: AreaCode::parse(&r.text("area_code")?)
            .map_err(|e| minsheng_store::corrupt("area_code", e))?,
        operator: r.text("operator")?,
        beds: count(r, "beds")?,
        nursing_beds: count(r, "nursing_beds")?,
        residents: count(r, "residents")?,
        filed_on: r.date("filed_on")?,
    })
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn draw_record(r: &impl Columns) -> Result<DrawRecord> {
    let result = lines(&r.text("result")?)
        .into_iter()
        .map(|line| {
            let (code, team) = line.split_once('=').unwrap_or((line.as_str(), ""));
            (
                code.to_string(),
                team.split(',')
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .collect(),
            )
        })
        .collect();
    Ok(DrawRecord {
        id: r.int("id")?,
        plan: r.text("plan")?,
        area: r.text("area_code")?,
        seed: r.text("seed")?,
        institutions: lines(&r.text("institutions")?),
        inspectors: lines(&r.text("inspectors")?),
        share_permille: count(r, "share_permille")?,
        per_institution: count(r, "per_institution")? as usize,
        result,
        reason: r.text("reason")?,
        superseded_by: r.opt_int("superseded_by")?,
        drawn_at: timestamp(r.int("drawn_at")?)?,
        drawn_by: r.text("drawn_by")?,
    })
}

/// A new draw to record.
pub struct NewDraw<'a> {
    pub plan: &'a str,
    pub area: &'a str,
    pub seed: &'a str,
    pub institutions: &'a [String],
    pub inspectors: &'a [String],
    pub share_permille: u32,
    pub per_institution: usize,
    pub result: &'a str,
    pub reason: &'a str,
}

impl Supervision<'_> {
    /// Files institutions, all or none, with one audit entry.
    pub async fn add_institutions(
        &self,
        institutions: &[Institution],
        by: &str,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::begin(self).await?;
        for i in institutions {
            let known: Option<String> = on_tx!(&mut tx, conn => {
                sqlx::query_scalar("SELECT code FROM care_institution WHERE code = $1")
                    .bind(&i.code)
                    .fetch_optional(&mut *conn)
                    .await?
            });
            if known.is_some() {
                return Err(StoreError::conflict(
                    "code",
                    format!("机构 {} 已备案", i.code),
                ));
            }
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO care_institution (code, name, area_code, operator, beds, \
                     nursing_beds, residents, filed_on, recorded_at, recorded_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&i.code)
                .bind(&i.name)
                .bind(i.area.as_str())
                .bind(&i.operator)
                .bind(i64::from(i.beds))
                .bind(i64::from(i.nursing_beds))
                .bind(i64::from(i.residents))
                .bind(i.filed_on)
                .bind(micros(at))
                .bind(by)
                .execute(&mut *conn)
                .await?;
            });
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// The institutions standing in `area`, by code.
    pub async fn institutions_within(&self, area: &AreaCode) -> Result<Vec<Institution>> {
        self.institutions_under(area.scope_prefix()).await
    }

    /// Every institution, by code.
    pub async fn institutions(&self) -> Result<Vec<Institution>> {
        self.institutions_under("").await
    }

    async fn institutions_under(&self, prefix: &str) -> Result<Vec<Institution>> {
        let sql = format!(
            "SELECT {INSTITUTION} FROM care_institution WHERE area_code LIKE $1 ORDER BY code"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(&sql)
                .bind(format!("{prefix}%"))
                .fetch_all(pool)
                .await?;
            rows.iter().map(institution).collect()
        })
    }

    /// One institution, by its filing number.
    pub async fn institution(&self, code: &str) -> Result<Institution> {
        let sql = format!("SELECT {INSTITUTION} FROM care_institution WHERE code = $1");
        with_pool!(self, pool => {
            match sqlx::query(&sql).bind(code).fetch_optional(pool).await? {
                Some(r) => institution(&r),
                None => Err(StoreError::NotFound(format!("养老机构 {code}"))),
            }
        })
    }

    /// The inspectors of `area`: staff of a street, a district or the city whose area lies
    /// within it (执法检查人员名录), by name.
    pub async fn inspectors_within(&self, area: &AreaCode) -> Result<Vec<String>> {
        let rows: Vec<(String, String, String)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT name, role, area_code FROM staff ORDER BY name")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter(|(_, role, code)| {
                let inspects = matches!(
                    Role::parse(role),
                    Ok(Role::Street | Role::District | Role::City)
                );
                inspects && AreaCode::parse(code).is_ok_and(|c| c.is_within(area))
            })
            .map(|(name, _, _)| name)
            .collect())
    }

    /// Records a draw with its audit entry. A draw for a plan and area already drawn is refused
    /// unless it gives a reason; then it supersedes the earlier one, which stays on record.
    pub async fn record_draw(
        &self,
        new: &NewDraw<'_>,
        by: &str,
        at: DateTime<Utc>,
        audit: impl FnOnce(i64, Option<i64>) -> NewAuditEntry,
    ) -> Result<i64> {
        let mut tx = Tx::begin(self).await?;
        let earlier: Option<i64> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "SELECT id FROM supervision_draw WHERE plan = $1 AND area_code = $2 \
                 AND superseded_by IS NULL",
            )
            .bind(new.plan)
            .bind(new.area)
            .fetch_optional(&mut *conn)
            .await?
        });
        if let (Some(earlier), true) = (earlier, new.reason.trim().is_empty()) {
            return Err(StoreError::conflict(
                "reason",
                format!(
                    "第 {earlier} 次抽取已为计划 {} 在 {} 做过；再次抽取须写明理由，原抽取结果留档",
                    new.plan, new.area
                ),
            ));
        }
        let id: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "INSERT INTO supervision_draw (plan, area_code, seed, institutions, inspectors, \
                 share_permille, per_institution, result, reason, drawn_at, drawn_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(new.plan)
            .bind(new.area)
            .bind(new.seed)
            .bind(new.institutions.join("\n"))
            .bind(new.inspectors.join("\n"))
            .bind(i64::from(new.share_permille))
            .bind(new.per_institution as i64)
            .bind(new.result)
            .bind(new.reason.trim())
            .bind(micros(at))
            .bind(by)
            .fetch_one(&mut *conn)
            .await?
        });
        if let Some(earlier) = earlier {
            on_tx!(&mut tx, conn => {
                sqlx::query("UPDATE supervision_draw SET superseded_by = $1 WHERE id = $2")
                    .bind(id)
                    .bind(earlier)
                    .execute(&mut *conn)
                    .await?;
            });
        }
        tx.append_audit(&[audit(id, earlier)]).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every draw, the latest first.
    pub async fn draws(&self) -> Result<Vec<DrawRecord>> {
        let sql = format!("SELECT {DRAW} FROM supervision_draw ORDER BY id DESC");
        with_pool!(self, pool => {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            rows.iter().map(draw_record).collect()
        })
    }

    pub async fn draw(&self, id: i64) -> Result<DrawRecord> {
        let sql = format!("SELECT {DRAW} FROM supervision_draw WHERE id = $1");
        with_pool!(self, pool => {
            match sqlx::query(&sql).bind(id).fetch_optional(pool).await? {
                Some(r) => draw_record(&r),
                None => Err(StoreError::NotFound(format!("抽查 {id}"))),
            }
        })
    }

    /// Records one drawn institution's inspection, every item, with its audit entry; an
    /// inspection already recorded is refused.
    pub async fn record_inspection(
        &self,
        draw: i64,
        results: &[InspectionResult],
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::begin(self).await?;
        for r in results {
            let known: Option<String> = on_tx!(&mut tx, conn => {
                sqlx::query_scalar(
                    "SELECT item FROM inspection_result WHERE draw_id = $1 AND institution = $2 \
                     AND item = $3",
                )
                .bind(draw)
                .bind(&r.institution)
                .bind(&r.item)
                .fetch_optional(&mut *conn)
                .await?
            });
            if known.is_some() {
                return Err(StoreError::conflict(
                    "institution",
                    format!("{} 在第 {draw} 次抽取中的检查已经登记", r.institution),
                ));
            }
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO inspection_result (draw_id, institution, item, passed, note, \
                     inspected_on, rectify_by, recorded_at, recorded_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(draw)
                .bind(&r.institution)
                .bind(&r.item)
                .bind(r.passed)
                .bind(&r.note)
                .bind(r.inspected_on)
                .bind(r.rectify_by)
                .bind(micros(at))
                .bind(&r.recorded_by)
                .execute(&mut *conn)
                .await?;
            });
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Marks a failed item rectified, with its audit entry; an item that passed, or one
    /// already rectified, is refused.
    pub async fn record_rectified(
        &self,
        draw: i64,
        institution: &str,
        item: &str,
        on: NaiveDate,
        note: &str,
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::begin(self).await?;
        let row: Option<(bool, Option<NaiveDate>, NaiveDate)> = on_tx!(&mut tx, conn => {
            sqlx::query_as(
                "SELECT passed, rectified_on, inspected_on FROM inspection_result \
                 WHERE draw_id = $1 AND institution = $2 AND item = $3",
            )
            .bind(draw)
            .bind(institution)
            .bind(item)
            .fetch_optional(&mut *conn)
            .await?
        });
        match row {
            None => {
                return Err(StoreError::NotFound(format!(
                    "抽查 {draw} 中机构 {institution} 第 {item} 项的检查结果"
                )))
            }
            Some((true, _, _)) => {
                return Err(StoreError::invalid(
                    "item",
                    format!("{institution} 的 {item} 检查合格，无需整改"),
                ))
            }
            Some((_, Some(done), _)) => {
                return Err(StoreError::conflict(
                    "item",
                    format!("{institution} 的 {item} 已于 {done} 整改验收"),
                ))
            }
            Some((_, None, inspected)) if on < inspected => {
                return Err(StoreError::invalid(
                    "on",
                    format!("{on} 早于 {inspected} 的检查"),
                ))
            }
            Some(_) => {}
        }
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE inspection_result SET rectified_on = $1, rectified_note = $2 \
                 WHERE draw_id = $3 AND institution = $4 AND item = $5",
            )
            .bind(on)
            .bind(note.trim())
            .bind(draw)
            .bind(institution)
            .bind(item)
            .execute(&mut *conn)
            .await?;
        });
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// A draw's inspection results, by institution and item.
    pub async fn results(&self, draw: i64) -> Result<Vec<InspectionResult>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT institution, item, passed, note, inspected_on, rectify_by, rectified_on, \
                 rectified_note, recorded_by FROM inspection_result WHERE draw_id = $1 \
                 ORDER BY institution, item",
            )
            .bind(draw)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(InspectionResult {
                        institution: r.text("institution")?,
                        item: r.text("item")?,
                        passed: r.boolean("passed")?,
                        note: r.text("note")?,
                        inspected_on: r.date("inspected_on")?,
                        rectify_by: r.opt_date("rectify_by")?,
                        rectified_on: r.opt_date("rectified_on")?,
                        rectified_note: r.text("rectified_note")?,
                        recorded_by: r.text("recorded_by")?,
                    })
                })
                .collect()
        })
    }
}
