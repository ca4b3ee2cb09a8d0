//! Sweeps, their findings, the 免申即享 enrolments they make, and the monitoring counts.

use std::collections::{HashMap, HashSet};

use minsheng_core::access::Scope;
use minsheng_core::area::AreaLevel;
use minsheng_core::{Fen, Month};
use minsheng_payments::storage::{begin_locked, enrol_in};
use minsheng_store::{
    corrupt, micros, on_tx, scope_on, timestamp, with_pool, Cell, Columns, NewAuditEntry, Result,
    StoreError, Table,
};

use crate::domain::discovery::{Finding, FindingKind, MonitoringCount, Sweep};

const FINDING: Table = Table {
    name: "finding",
    columns: &[
        "sweep_id",
        "month",
        "household_id",
        "program",
        "kind",
        "amount_now",
        "amount_before",
        "area_code",
        "status",
        "excluded_by",
    ],
};

const MONITORING: Table = Table {
    name: "monitoring",
    columns: &[
        "sweep_id",
        "area_code",
        "category",
        "households",
        "persons",
        "enrolled",
    ],
};

/// What a sweep wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepRecord {
    pub id: i64,
    /// Findings raised now; the rest were raised for the month before.
    pub new: Vec<Finding>,
    pub repeated: u64,
    /// Households enrolled without application (免申即享).
    pub granted: u64,
    /// Open findings of the households evaluated that no longer hold, now closed.
    pub closed: u64,
}

/// A finding as stored, with its sweep and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    pub id: i64,
    pub sweep_id: i64,
    pub month: Month,
    pub finding: Finding,
    pub open: bool,
}

const FINDING_SELECT: &str =
    "SELECT f.id, f.sweep_id, f.month, f.household_id, h.code, f.program, f.kind, \
     f.amount_now, f.amount_before, f.area_code, f.status, f.excluded_by \
     FROM finding f JOIN household h ON h.id = f.household_id";

fn decode_finding(r: &impl Columns) -> Result<StoredFinding> {
    Ok(StoredFinding {
        id: r.int("id")?,
        sweep_id: r.int("sweep_id")?,
        month: r.text("month")?.parse().map_err(|e| corrupt("month", e))?,
        open: r.text("status")? == "open",
        finding: Finding {
            household_id: r.int("household_id")?,
            household: r.text("code")?,
            program: r.text("program")?,
            kind: FindingKind::parse(&r.text("kind")?).map_err(|e| corrupt("kind", e))?,
            owed: Fen(r.int("amount_now")?),
            last_owed: r.opt_int("amount_before")?.map(Fen),
            area: r.text("area_code")?,
            excluded_by: r.opt_text("excluded_by")?,
        },
    })
}

fn decode_sweep(r: &impl Columns) -> Result<Sweep> {
    Ok(Sweep {
        id: r.int("id")?,
        month: r.text("month")?.parse().map_err(|e| corrupt("month", e))?,
        known_at: timestamp(r.int("known_at")?)?,
        policy_digest: r.text("policy_digest")?,
        cause: r.text("cause")?,
        households: r.int("households")? as u64,
        started_by: r.text("started_by")?,
    })
}

minsheng_store::context_store!(
    /// The sweeps and findings of a store: `store.discovery()`.
    Discovery,
    DiscoveryStore,
    discovery
);

impl Discovery<'_> {
    /// What the last computed cycle before `month` owed each household, per program.
    pub async fn last_owed(&self, month: Month) -> Result<HashMap<(i64, String), Fen>> {
        self.owed_before(month, None).await
    }

    /// [`Store::last_owed`] for one household.
    pub async fn last_owed_of(
        &self,
        month: Month,
        household_id: i64,
    ) -> Result<HashMap<(i64, String), Fen>> {
        self.owed_before(month, Some(household_id)).await
    }

    async fn owed_before(
        &self,
        month: Month,
        household: Option<i64>,
    ) -> Result<HashMap<(i64, String), Fen>> {
        let sql =
            format!(
            "SELECT household_id, program, CAST(SUM(amount) AS BIGINT) AS owed FROM entitlement \
             WHERE month = (SELECT MAX(month) FROM pay_cycle WHERE month < $1) {} \
             GROUP BY household_id, program",
            if household.is_some() { "AND household_id = $2" } else { "" }
        );
        with_pool!(self, pool => {
            let mut query = sqlx::query(&sql).bind(month.to_string());
            if let Some(h) = household {
                query = query.bind(h);
            }
            query
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(((r.int("household_id")?, r.text("program")?), Fen(r.int("owed")?))))
                .collect()
        })
    }

    /// Records a sweep in one transaction: the sweep, the findings not raised for the month
    /// before, an enrolment from the month for every `granted` finding (免申即享), the
    /// monitoring counts, and the closing of open findings that no longer hold — for every
    /// household, or only `scope`'s when one household was evaluated.
    pub async fn record_sweep(
        &self,
        sweep: &Sweep,
        findings: &[Finding],
        monitoring: &[MonitoringCount],
        scope: Option<i64>,
        audit: impl FnOnce(&SweepRecord) -> NewAuditEntry,
    ) -> Result<SweepRecord> {
        let month = sweep.month.to_string();
        let mut tx = begin_locked(self).await?;
        let id: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "INSERT INTO sweep (month, known_at, policy_digest, cause, households, started_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&month)
            .bind(micros(sweep.known_at))
            .bind(&sweep.policy_digest)
            .bind(&sweep.cause)
            .bind(i64::try_from(sweep.households).unwrap_or(i64::MAX))
            .bind(&sweep.started_by)
            .fetch_one(&mut *conn)
            .await?
        });
        let mut record = SweepRecord {
            id,
            ..SweepRecord::default()
        };
        // An event's sweep evaluates one household: only its findings are read (the month's
        // are a whole city's, which every event read and dropped again).
        let earlier: Vec<(i64, i64, String, String, String)> = on_tx!(&mut tx, conn => {
            let sql = match scope {
                Some(_) => "SELECT id, household_id, program, kind, status FROM finding \
                            WHERE month = $1 AND household_id = $2",
                None => "SELECT id, household_id, program, kind, status FROM finding WHERE month = $1",
            };
            let mut query = sqlx::query_as(sql).bind(&month);
            if let Some(household) = scope {
                query = query.bind(household);
            }
            query.fetch_all(&mut *conn).await?
        });
        let raised: HashSet<(i64, String, String)> = earlier
            .iter()
            .map(|(_, h, p, k, _)| (*h, p.clone(), k.clone()))
            .collect();
        // Open findings of the households evaluated now that no longer hold are closed.
        let evaluated: Option<HashSet<i64>> = scope.map(|h| HashSet::from([h]));
        let holding: HashSet<(i64, &str, &str)> = findings
            .iter()
            .map(|f| (f.household_id, f.program.as_str(), f.kind.as_str()))
            .collect();
        let stale: Vec<i64> = earlier
            .iter()
            .filter(|(_, h, p, k, status)| {
                status == "open"
                    && evaluated.as_ref().is_none_or(|e| e.contains(h))
                    && !holding.contains(&(*h, p.as_str(), k.as_str()))
            })
            .map(|(id, ..)| *id)
            .collect();
        for chunk in stale.chunks(500) {
            let ids: Vec<String> = chunk.iter().map(ToString::to_string).collect();
            tx.execute(&format!(
                "UPDATE finding SET status = 'closed' WHERE id IN ({})",
                ids.join(",")
            ))
            .await?;
        }
        record.closed = stale.len() as u64;
        let mut rows = Vec::new();
        let mut grants = Vec::new();
        for f in findings {
            let key = (
                f.household_id,
                f.program.clone(),
                f.kind.as_str().to_string(),
            );
            if raised.contains(&key) {
                record.repeated += 1;
                continue;
            }
            let granted = f.kind == FindingKind::Granted;
            if granted {
                grants.push((f.household_id, f.program.as_str()));
            }
            rows.push(vec![
                Cell::Int(id),
                Cell::Text(month.clone()),
                Cell::Int(f.household_id),
                Cell::Text(f.program.clone()),
                Cell::Code(f.kind.as_str()),
                Cell::Int(f.owed.0),
                f.last_owed.map_or(Cell::Null, |a| Cell::Int(a.0)),
                Cell::Text(f.area.clone()),
                Cell::Code(if granted { "closed" } else { "open" }),
                f.excluded_by.clone().map_or(Cell::Null, Cell::Text),
            ]);
            record.new.push(f.clone());
        }
        tx.write(&FINDING, rows).await?;
        let basis = format!("免申即享: sweep {id} of {month}");
        record.granted = enrol_in(
            &mut tx,
            &grants,
            sweep.month,
            &basis,
            &sweep.started_by,
            sweep.known_at,
        )
        .await?;
        let counts = monitoring
            .iter()
            .map(|m| {
                vec![
                    Cell::Int(id),
                    Cell::Text(m.area.clone()),
                    Cell::Text(m.category.clone()),
                    Cell::Int(m.households as i64),
                    Cell::Int(m.persons as i64),
                    Cell::Int(m.enrolled as i64),
                ]
            })
            .collect();
        tx.write(&MONITORING, counts).await?;
        tx.append_audit(&[audit(&record)]).await?;
        tx.commit().await?;
        if record.granted > 0 {
            self.analyze(&["enrolment"]).await?;
        }
        Ok(record)
    }

    /// A household's findings, newest first.
    pub async fn findings_of(&self, household: &str) -> Result<Vec<StoredFinding>> {
        let sql = format!("{FINDING_SELECT} WHERE h.code = $1 ORDER BY f.id DESC");
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(household).fetch_all(pool).await?.iter().map(decode_finding).collect()
        })
    }

    /// A month's open findings within `scope`, a page at a time (cases to open first, then
    /// reviews, recalculations and what was granted at once; by number within each), with the
    /// number on all pages.
    ///
    /// Counted by kind, then read kind by kind where the page falls (migration 0031's indexes):
    /// one query ordered by the kinds' rank would sort every open finding in scope per page.
    pub async fn findings_within(
        &self,
        month: Month,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<StoredFinding>, u64)> {
        const RANK: [FindingKind; 4] = [
            FindingKind::Eligible,
            FindingKind::Ineligible,
            FindingKind::AmountChanged,
            FindingKind::Granted,
        ];
        let (within, bound) = scope_on(scope, "f.area_code", "f.household_id", 2);
        let filter = format!("WHERE f.month = $1 AND f.status = 'open' AND {within}");
        // Kind by kind, each one range of `finding_open_count` (migration 0034), counted from
        // the index alone; grouped by kind, the database sorted the area's findings first.
        let count = RANK
            .iter()
            .map(|kind| {
                let kind = kind.as_str();
                format!("SELECT '{kind}', COUNT(*) FROM finding f {filter} AND f.kind = '{kind}'")
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        // A city's or a district's page reads a kind's findings in number order and keeps those
        // in range; the area's range written as an expression is no index's, so SQLite takes
        // the kind's index. A street's or a community's reads its own few by area and sorts.
        let wide = matches!(scope, Scope::Area(a) if matches!(a.level(), AreaLevel::City | AreaLevel::District));
        let listed = if wide {
            let (within, _) = scope_on(scope, "(f.area_code || '')", "f.household_id", 2);
            format!("WHERE f.month = $1 AND f.status = 'open' AND {within}")
        } else {
            filter.clone()
        };
        let counts: Vec<(String, i64)> = with_pool!(self, pool => {
            sqlx::query_as(&count).bind(month.to_string()).bind(&bound).fetch_all(pool).await?
        });
        let of = |kind: FindingKind| {
            counts
                .iter()
                .find(|(k, _)| k == kind.as_str())
                .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0))
        };
        let total: u64 = counts
            .iter()
            .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
            .sum();
        let sizes = RANK.map(of);
        let mut found = Vec::new();
        for (i, skip, take) in kinds_on_page(&sizes, offset, limit) {
            let Some(kind) = RANK.get(i) else { continue };
            let list = format!(
                "{FINDING_SELECT} {listed} AND f.kind = $3 ORDER BY f.id LIMIT {take} OFFSET {skip}"
            );
            let rows: Vec<StoredFinding> = with_pool!(self, pool => {
                sqlx::query(&list)
                    .bind(month.to_string())
                    .bind(&bound)
                    .bind(kind.as_str())
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(decode_finding)
                    .collect::<Result<Vec<_>>>()?
            });
            found.extend(rows);
        }
        Ok((found, total))
    }

    /// One finding, if within `scope`.
    pub async fn finding_within(&self, id: i64, scope: &Scope) -> Result<StoredFinding> {
        let (within, bound) = scope_on(scope, "f.area_code", "f.household_id", 2);
        let sql = format!("{FINDING_SELECT} WHERE f.id = $1 AND {within}");
        with_pool!(self, pool => {
            match sqlx::query(&sql).bind(id).bind(&bound).fetch_optional(pool).await? {
                Some(r) => decode_finding(&r),
                None => Err(StoreError::NotFound(format!("发现线索 {id}"))),
            }
        })
    }

    pub async fn sweep(&self, id: i64) -> Result<Sweep> {
        let row = with_pool!(self, pool => {
            sqlx::query("SELECT * FROM sweep WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| decode_sweep(&r))
        });
        row.ok_or_else(|| StoreError::NotFound(format!("排查 {id}")))?
    }

    /// The last whole-registry sweep of a month with its monitoring counts within `scope`.
    pub async fn monitoring(
        &self,
        month: Month,
        scope: &Scope,
    ) -> Result<Option<(Sweep, Vec<MonitoringCount>)>> {
        self.monitoring_counts(month, scope, false).await
    }

    /// The counts per community, or (`by_category`) summed over the scope by category.
    async fn monitoring_counts(
        &self,
        month: Month,
        scope: &Scope,
        by_category: bool,
    ) -> Result<Option<(Sweep, Vec<MonitoringCount>)>> {
        // Counts are kept per community; a resident's scope has none of them.
        let (within, bound) = scope_on(scope, "area_code", "NULL", 2);
        let counts_sql = if by_category {
            format!(
                "SELECT CAST($2 AS TEXT) AS area_code, category, \
                 CAST(SUM(households) AS BIGINT) AS households, \
                 CAST(SUM(persons) AS BIGINT) AS persons, CAST(SUM(enrolled) AS BIGINT) AS enrolled \
                 FROM monitoring WHERE sweep_id = $1 AND {within} GROUP BY category ORDER BY category"
            )
        } else {
            format!(
                "SELECT area_code, category, households, persons, enrolled FROM monitoring \
                 WHERE sweep_id = $1 AND {within} ORDER BY area_code, category"
            )
        };
        with_pool!(self, pool => {
            let Some(r) = sqlx::query(
                "SELECT * FROM sweep WHERE month = $1 AND cause = 'sweep' ORDER BY id DESC LIMIT 1",
            )
            .bind(month.to_string())
            .fetch_optional(pool)
            .await?
            else {
                return Ok(None);
            };
            let sweep = decode_sweep(&r)?;
            let counts = sqlx::query(&counts_sql)
            .bind(sweep.id)
            .bind(&bound)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(MonitoringCount {
                    area: r.text("area_code")?,
                    category: r.text("category")?,
                    households: r.int("households")? as u64,
                    persons: r.int("persons")? as u64,
                    enrolled: r.int("enrolled")? as u64,
                })
            })
            .collect::<Result<Vec<_>>>()?;
            Ok(Some((sweep, counts)))
        })
    }

    /// The last whole-registry sweep of a month with its monitoring counts summed over
    /// `scope` by category (each count's `area` is the scope's prefix): what a dashboard shows,
    /// summed by the database rather than read community by community (13,000 rows in a 10M
    /// city).
    pub async fn monitoring_by_category(
        &self,
        month: Month,
        scope: &Scope,
    ) -> Result<Option<(Sweep, Vec<MonitoringCount>)>> {
        self.monitoring_counts(month, scope, true).await
    }

    /// Open findings of a month by kind and program: (kind, program, count).
    pub async fn open_findings(&self, month: Month) -> Result<Vec<(FindingKind, String, u64)>> {
        with_pool!(self, pool => {
            sqlx::query(
                "SELECT kind, program, COUNT(*) AS n FROM finding WHERE month = $1 AND status = 'open' \
                 GROUP BY kind, program ORDER BY kind, program",
            )
            .bind(month.to_string())
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    FindingKind::parse(&r.text("kind")?).map_err(|e| corrupt("kind", e))?,
                    r.text("program")?,
                    r.int("n")? as u64,
                ))
            })
            .collect()
        })
    }
}

/// Where a page of `limit` from `offset` falls over groups of `sizes` laid end to end: for
/// each group it reaches, the group's index, how many of it to skip and how many to take.
fn kinds_on_page(sizes: &[u64], offset: u32, limit: u32) -> Vec<(usize, u64, u64)> {
    let (from, to) = (u64::from(offset), u64::from(offset) + u64::from(limit));
    let mut start = 0u64;
    let mut reached = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        let (lo, hi) = (from.max(start), to.min(start + n));
        if lo < hi {
            reached.push((i, lo - start, hi - lo));
        }
        start += n;
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::kinds_on_page;

    #[test]
    fn a_page_takes_each_kind_where_it_falls() {
        // 3 cases to open, none to review, 5 recalculations, 2 granted; pages of 4.
        let sizes = [3, 0, 5, 2];
        assert_eq!(kinds_on_page(&sizes, 0, 4), [(0, 0, 3), (2, 0, 1)]);
        assert_eq!(kinds_on_page(&sizes, 4, 4), [(2, 1, 4)]);
        assert_eq!(kinds_on_page(&sizes, 8, 4), [(3, 0, 2)]);
        // Past the end: nothing; one row: the first.
        assert!(kinds_on_page(&sizes, 12, 4).is_empty());
        assert_eq!(kinds_on_page(&sizes, 0, 1), [(0, 0, 1)]);
        // Every kind on one page, in rank order, each whole.
        assert_eq!(
            kinds_on_page(&sizes, 0, 100),
            [(0, 0, 3), (2, 0, 5), (3, 0, 2)]
        );
    }
}
