//! Visiting care's tables, on the store's shared infrastructure: `store.visits()`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::access::Scope;
use minsheng_core::{AreaCode, IdNumber};
use minsheng_store::{
    corrupt, micros, on_tx, read_all, scope_on, timestamp, with_pool, Cell, Columns, NewAuditEntry,
    Result, StoreError, Table, Tx,
};

use super::domain::{Listed, Mode, Need, Report, RosterChanges, VisitorKind};

/// A visitor as filed: who calls on the elders of a community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorRecord {
    pub id: i64,
    pub name: String,
    pub kind: VisitorKind,
    pub area: AreaCode,
    pub phone: String,
    /// The staff account they sign in with, when they have one.
    pub account: Option<String>,
}

/// A visitor to file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisitor {
    pub name: String,
    pub kind: VisitorKind,
    pub area: AreaCode,
    pub phone: String,
    pub account: Option<String>,
}

/// A listed elder with who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elder {
    pub id_number: IdNumber,
    pub name: String,
    pub birth_date: NaiveDate,
    pub listed: Listed,
}

/// A visit as recorded, with the cases it raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecord {
    pub id: i64,
    pub person_id: i64,
    pub visitor: String,
    pub visitor_kind: VisitorKind,
    pub report: Report,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A case a visit raised, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRecord {
    pub id: i64,
    pub visit_id: i64,
    pub person_id: i64,
    pub name: String,
    pub id_number: IdNumber,
    pub area: String,
    pub need: Need,
    pub open: bool,
    pub visited_on: NaiveDate,
    pub found: String,
    pub raised_at: DateTime<Utc>,
    pub handed_to: Option<String>,
    pub outcome: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
}

/// One refresh of the roster from the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    pub as_of: NaiveDate,
    pub listed: u64,
    pub joined: u64,
    pub changed: u64,
    pub ended: u64,
    pub refreshed_at: DateTime<Utc>,
    pub refreshed_by: String,
}

minsheng_store::context_store!(
    /// Visiting care's visitors, roster, visits and referrals: `store.visits()`.
    Visits,
    VisitsStore,
    visits
);

const ROSTER: Table = Table {
    name: "visit_roster",
    columns: &["person_id", "household_id", "area_code", "tier", "since"],
};

const LISTED_COLUMNS: &str =
    "person_id, household_id, area_code, tier, since, last_reached, visitor_id, ended_on";

fn decode_listed(r: &(impl Columns + ?Sized)) -> Result<Listed> {
    Ok(Listed {
        person_id: r.int("person_id")?,
        household_id: r.int("household_id")?,
        area: r.text("area_code")?,
        tier: u8::try_from(r.int("tier")?).map_err(|e| corrupt("tier", e))?,
        since: r.date("since")?,
        last_reached: r.opt_date("last_reached")?,
        visitor_id: r.opt_int("visitor_id")?,
        ended_on: r.opt_date("ended_on")?,
    })
}

const VISITOR_COLUMNS: &str = "id, name, kind, area_code, phone, account";

fn decode_visitor(r: &impl Columns) -> Result<VisitorRecord> {
    Ok(VisitorRecord {
        id: r.int("id")?,
        name: r.text("name")?,
        kind: VisitorKind::parse(&r.text("kind")?).map_err(|e| corrupt("kind", e))?,
        area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
        phone: r.text("phone")?,
        account: r.opt_text("account")?,
    })
}

fn decode_visit(r: &impl Columns, raised: &mut HashMap<i64, Vec<Need>>) -> Result<VisitRecord> {
    let id = r.int("id")?;
    Ok(VisitRecord {
        id,
        person_id: r.int("person_id")?,
        visitor: r.text("name")?,
        visitor_kind: VisitorKind::parse(&r.text("kind")?).map_err(|e| corrupt("kind", e))?,
        report: Report {
            on: r.date("visited_on")?,
            mode: Mode::parse(&r.text("mode")?).map_err(|e| corrupt("mode", e))?,
            reached: r.boolean("reached")?,
            found: r.text("found")?,
            follow_up: r.text("follow_up")?,
            needs: raised.remove(&id).unwrap_or_default(),
        },
        recorded_by: r.text("recorded_by")?,
        recorded_at: timestamp(r.int("recorded_at")?)?,
    })
}

fn id_number(r: &impl Columns) -> Result<IdNumber> {
    IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))
}

const REFERRAL_SQL: &str = "SELECT f.id, f.visit_id, f.person_id, p.name, p.id_number, \
    f.area_code, f.need, f.status, v.visited_on, v.found, f.raised_at, f.handed_to, f.outcome, \
    f.closed_at, f.closed_by FROM care_referral f JOIN person p ON p.id = f.person_id \
    JOIN care_visit v ON v.id = f.visit_id";

fn decode_referral(r: &impl Columns) -> Result<ReferralRecord> {
    Ok(ReferralRecord {
        id: r.int("id")?,
        visit_id: r.int("visit_id")?,
        person_id: r.int("person_id")?,
        name: r.text("name")?,
        id_number: id_number(r)?,
        area: r.text("area_code")?,
        need: Need::parse(&r.text("need")?).map_err(|e| corrupt("need", e))?,
        open: r.text("status")? == "open",
        visited_on: r.date("visited_on")?,
        found: r.text("found")?,
        raised_at: timestamp(r.int("raised_at")?)?,
        handed_to: r.opt_text("handed_to")?,
        outcome: r.text("outcome")?,
        closed_at: r.opt_int("closed_at")?.map(timestamp).transpose()?,
        closed_by: r.opt_text("closed_by")?,
    })
}

/// Closes the elder's open referrals for `need` as met by `handed_to` (an assessment, a meal
/// order), inside the transaction of the change that meets them. Returns how many it closed.
pub async fn close_met_in(
    tx: &mut Tx,
    person_id: i64,
    need: Need,
    (handed_to, outcome): (&str, &str),
    (by, at): (&str, DateTime<Utc>),
) -> Result<u64> {
    Ok(on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE care_referral SET status = 'closed', handed_to = $1, outcome = $2, \
             closed_at = $3, closed_by = $4 WHERE person_id = $5 AND need = $6 AND status = 'open'",
        )
        .bind(handed_to)
        .bind(outcome)
        .bind(micros(at))
        .bind(by)
        .bind(person_id)
        .bind(need.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected()
    }))
}

/// Inserts a visit and, when it reached the elder, moves their last reached day. Returns its id.
async fn insert_visit(
    tx: &mut Tx,
    person_id: i64,
    visitor_id: i64,
    report: &Report,
    (by, at): (&str, DateTime<Utc>),
) -> Result<i64> {
    let id: i64 = on_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO care_visit (person_id, visitor_id, visited_on, mode, reached, found, \
             follow_up, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(person_id)
        .bind(visitor_id)
        .bind(report.on)
        .bind(report.mode.as_str())
        .bind(report.reached)
        .bind(report.found.trim())
        .bind(report.follow_up.trim())
        .bind(micros(at))
        .bind(by)
        .fetch_one(&mut *conn)
        .await?
    });
    if report.reached {
        on_tx!(tx, conn => {
            sqlx::query(
                "UPDATE visit_roster SET last_reached = $1 WHERE person_id = $2 \
                 AND (last_reached IS NULL OR last_reached < $1)",
            )
            .bind(report.on)
            .bind(person_id)
            .execute(&mut *conn)
            .await?;
        });
    }
    Ok(id)
}

impl Visits<'_> {
    /// Files visitors, all or none, with one audit entry. Returns their ids.
    pub async fn add_visitors(
        &self,
        list: &[NewVisitor],
        by: &str,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<Vec<i64>> {
        let mut tx = Tx::write_only(self).await?;
        let mut ids = Vec::with_capacity(list.len());
        for v in list {
            let inserted: std::result::Result<i64, sqlx::Error> = on_tx!(&mut tx, conn => {
                sqlx::query_scalar(
                    "INSERT INTO care_visitor (name, kind, area_code, phone, account, recorded_at, \
                     recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&v.name)
                .bind(v.kind.as_str())
                .bind(v.area.as_str())
                .bind(&v.phone)
                .bind(v.account.as_deref())
                .bind(micros(at))
                .bind(by)
                .fetch_one(&mut *conn)
                .await
            });
            ids.push(match inserted {
                Ok(id) => id,
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Err(StoreError::conflict(
                        "name",
                        format!("{} 已有探访人 {}", v.area, v.name),
                    ))
                }
                Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
                    return Err(StoreError::invalid(
                        "area_code",
                        format!(
                            "区划 {} 或账号 {} 不存在",
                            v.area,
                            v.account.as_deref().unwrap_or("")
                        ),
                    ))
                }
                Err(e) => return Err(e.into()),
            });
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// The visitors of the communities within `scope`, by area and name.
    pub async fn visitors(&self, scope: &Scope) -> Result<Vec<VisitorRecord>> {
        let (within, bound) = scope_on(scope, "area_code", "-1", 1);
        let sql = format!(
            "SELECT {VISITOR_COLUMNS} FROM care_visitor WHERE {within} ORDER BY area_code, name"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(&bound).fetch_all(pool).await?.iter().map(decode_visitor).collect()
        })
    }

    /// One visitor.
    pub async fn visitor(&self, id: i64) -> Result<Option<VisitorRecord>> {
        with_pool!(self, pool => {
            sqlx::query(&format!("SELECT {VISITOR_COLUMNS} FROM care_visitor WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(decode_visitor)
                .transpose()
        })
    }

    /// The visitors a staff account signs in as (one per community it visits in).
    pub async fn visitors_of_account(&self, account: &str) -> Result<Vec<VisitorRecord>> {
        with_pool!(self, pool => {
            sqlx::query(&format!(
                "SELECT {VISITOR_COLUMNS} FROM care_visitor WHERE account = $1 ORDER BY area_code"
            ))
            .bind(account)
            .fetch_all(pool)
            .await?
            .iter()
            .map(decode_visitor)
            .collect()
        })
    }

    /// The elders listed within `scope` now (none who have left the roster). A city's roster is
    /// read whole for its due list: through the store's fast path for long reads.
    pub async fn roster(&self, scope: &Scope) -> Result<Vec<Listed>> {
        let (within, bound) = scope_on(scope, "area_code", "household_id", 1);
        let sql = format!(
            "SELECT {LISTED_COLUMNS} FROM visit_roster WHERE ended_on IS NULL AND {within}"
        );
        read_all(self, sql, vec![Cell::Text(bound)], |r| decode_listed(r)).await
    }

    /// The persons whose death on or before `on` is on record: the rules count a month's
    /// dead as alive for that month, a visit list does not.
    pub async fn dead_by(&self, on: NaiveDate) -> Result<std::collections::HashSet<i64>> {
        with_pool!(self, pool => {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT person_id FROM person_version WHERE superseded_at IS NULL \
                 AND death_date IS NOT NULL AND death_date <= $1",
            )
            .bind(on)
            .fetch_all(pool)
            .await?;
            Ok(ids.into_iter().collect())
        })
    }

    /// Every row of the roster, those who left it too: what a refresh compares with.
    pub async fn whole_roster(&self) -> Result<Vec<Listed>> {
        read_all(
            self,
            format!("SELECT {LISTED_COLUMNS} FROM visit_roster"),
            Vec::new(),
            |r| decode_listed(r),
        )
        .await
    }

    /// Applies a refresh's changes as of `as_of`, with its record and audit entry, in one
    /// transaction.
    pub async fn refresh(
        &self,
        changes: &RosterChanges,
        as_of: NaiveDate,
        listed: u64,
        (by, at): (&str, DateTime<Utc>),
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        let rows = changes
            .joined
            .iter()
            .map(|l| {
                vec![
                    Cell::Int(l.person_id),
                    Cell::Int(l.household_id),
                    Cell::Text(l.area.clone()),
                    Cell::Int(i64::from(l.tier)),
                    Cell::from(as_of),
                ]
            })
            .collect();
        tx.write(&ROSTER, rows).await?;
        for l in &changes.rejoined {
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "UPDATE visit_roster SET household_id = $1, area_code = $2, tier = $3, \
                     since = $4, ended_on = NULL, visitor_id = NULL WHERE person_id = $5",
                )
                .bind(l.household_id)
                .bind(&l.area)
                .bind(i64::from(l.tier))
                .bind(as_of)
                .bind(l.person_id)
                .execute(&mut *conn)
                .await?;
            });
        }
        for l in &changes.changed {
            // A visitor serves one community: an elder who moved away is unassigned.
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "UPDATE visit_roster SET household_id = $1, tier = $3, visitor_id = \
                     CASE WHEN area_code = $2 THEN visitor_id ELSE NULL END, area_code = $2 \
                     WHERE person_id = $4",
                )
                .bind(l.household_id)
                .bind(&l.area)
                .bind(i64::from(l.tier))
                .bind(l.person_id)
                .execute(&mut *conn)
                .await?;
            });
        }
        for person in &changes.ended {
            on_tx!(&mut tx, conn => {
                sqlx::query("UPDATE visit_roster SET ended_on = $1 WHERE person_id = $2")
                    .bind(as_of)
                    .bind(person)
                    .execute(&mut *conn)
                    .await?;
            });
        }
        let n = |len: usize| i64::try_from(len).unwrap_or(i64::MAX);
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO visit_roster_refresh (as_of, listed, joined, changed, ended, \
                 refreshed_at, refreshed_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(as_of)
            .bind(i64::try_from(listed).unwrap_or(i64::MAX))
            .bind(n(changes.joined.len() + changes.rejoined.len()))
            .bind(n(changes.changed.len()))
            .bind(n(changes.ended.len()))
            .bind(micros(at))
            .bind(by)
            .execute(&mut *conn)
            .await?;
        });
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// The latest refresh of the roster.
    pub async fn last_refresh(&self) -> Result<Option<RefreshRecord>> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT as_of, listed, joined, changed, ended, refreshed_at, refreshed_by \
                 FROM visit_roster_refresh ORDER BY id DESC LIMIT 1",
            )
            .fetch_optional(pool)
            .await?;
            row.map(|r| {
                let n = |col: &str| -> Result<u64> {
                    u64::try_from(r.int(col)?).map_err(|e| corrupt(col, e))
                };
                Ok(RefreshRecord {
                    as_of: r.date("as_of")?,
                    listed: n("listed")?,
                    joined: n("joined")?,
                    changed: n("changed")?,
                    ended: n("ended")?,
                    refreshed_at: timestamp(r.int("refreshed_at")?)?,
                    refreshed_by: r.text("refreshed_by")?,
                })
            })
            .transpose()
        })
    }

    /// A listed elder (one who left the roster too), if within `scope`.
    pub async fn elder(&self, person_id: i64, scope: &Scope) -> Result<Option<Elder>> {
        let (within, bound) = scope_on(scope, "r.area_code", "r.household_id", 2);
        let sql = format!(
            "SELECT r.person_id, r.household_id, r.area_code, r.tier, r.since, r.last_reached, \
             r.visitor_id, r.ended_on, p.id_number, p.name, p.birth_date FROM visit_roster r \
             JOIN person p ON p.id = r.person_id WHERE r.person_id = $1 AND {within}"
        );
        with_pool!(self, pool => {
            let row = sqlx::query(&sql).bind(person_id).bind(&bound).fetch_optional(pool).await?;
            row.map(|r| {
                Ok(Elder {
                    id_number: id_number(&r)?,
                    name: r.text("name")?,
                    birth_date: r.date("birth_date")?,
                    listed: decode_listed(&r)?,
                })
            })
            .transpose()
        })
    }

    /// Names, ID numbers and birth dates of `persons` (a page of a list).
    pub async fn names(
        &self,
        persons: &[i64],
    ) -> Result<HashMap<i64, (String, IdNumber, NaiveDate)>> {
        let mut out = HashMap::with_capacity(persons.len());
        for chunk in persons.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, id_number, name, birth_date FROM person WHERE id IN ({})",
                marks.join(", ")
            );
            let rows = with_pool!(self, pool => {
                let mut q = sqlx::query(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(pool).await?
                    .iter()
                    .map(|r| Ok((r.int("id")?, (r.text("name")?, id_number(r)?, r.date("birth_date")?))))
                    .collect::<Result<Vec<_>>>()?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Assigns `visitor` (or nobody) to call on a listed elder, with its audit entry.
    pub async fn assign(
        &self,
        person_id: i64,
        visitor: Option<i64>,
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE visit_roster SET visitor_id = $1 WHERE person_id = $2")
                .bind(visitor)
                .bind(person_id)
                .execute(&mut *conn)
                .await?;
        });
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Assigns visitors to many elders at once (a synthetic city's), with one audit entry.
    pub async fn assign_all(&self, pairs: &[(i64, i64)], audit: NewAuditEntry) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        for (person, visitor) in pairs {
            on_tx!(&mut tx, conn => {
                sqlx::query("UPDATE visit_roster SET visitor_id = $1 WHERE person_id = $2")
                    .bind(visitor)
                    .bind(person)
                    .execute(&mut *conn)
                    .await?;
            });
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Records a visit to a listed elder, moves their last reached day when it reached them,
    /// and raises its referrals in the elder's community, with the audit entry, in one
    /// transaction. Refused when the elder has left the roster meanwhile. Returns the visit's
    /// id and its referrals' ids.
    pub async fn record(
        &self,
        person_id: i64,
        visitor_id: i64,
        report: &Report,
        (by, at): (&str, DateTime<Utc>),
        audit: impl FnOnce(i64) -> NewAuditEntry,
    ) -> Result<(i64, Vec<i64>)> {
        let mut tx = Tx::write_only(self).await?;
        let area: Option<String> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "SELECT area_code FROM visit_roster WHERE person_id = $1 AND ended_on IS NULL",
            )
            .bind(person_id)
            .fetch_optional(&mut *conn)
            .await?
        });
        let area = area.ok_or_else(|| {
            StoreError::invalid("person", "该老年人已不在探访对象名单上，请先更新名单")
        })?;
        let id = insert_visit(&mut tx, person_id, visitor_id, report, (by, at)).await?;
        let mut referrals = Vec::with_capacity(report.needs.len());
        for need in &report.needs {
            let referral: i64 = on_tx!(&mut tx, conn => {
                sqlx::query_scalar(
                    "INSERT INTO care_referral (visit_id, person_id, area_code, need, status, \
                     raised_at) VALUES ($1, $2, $3, $4, 'open', $5) RETURNING id",
                )
                .bind(id)
                .bind(person_id)
                .bind(&area)
                .bind(need.as_str())
                .bind(micros(at))
                .fetch_one(&mut *conn)
                .await?
            });
            referrals.push(referral);
        }
        tx.append_audit(&[audit(id)]).await?;
        tx.commit().await?;
        Ok((id, referrals))
    }

    /// Records visits of the past (a synthetic city's history) and moves each elder's last
    /// reached day, all or none, with one audit entry.
    pub async fn record_history(
        &self,
        visits: &[(i64, i64, Report)],
        (by, at): (&str, DateTime<Utc>),
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        for (person_id, visitor_id, report) in visits {
            insert_visit(&mut tx, *person_id, *visitor_id, report, (by, at)).await?;
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// An elder's visits, the latest first, each with the needs it raised.
    pub async fn visits_of(&self, person_id: i64) -> Result<Vec<VisitRecord>> {
        with_pool!(self, pool => {
            let needs: Vec<(i64, String)> = sqlx::query_as(
                "SELECT visit_id, need FROM care_referral WHERE person_id = $1 ORDER BY id",
            )
            .bind(person_id)
            .fetch_all(pool)
            .await?;
            let mut raised: HashMap<i64, Vec<Need>> = HashMap::new();
            for (visit, need) in needs {
                raised
                    .entry(visit)
                    .or_default()
                    .push(Need::parse(&need).map_err(|e| corrupt("need", e))?);
            }
            sqlx::query(
                "SELECT v.id, v.person_id, v.visited_on, v.mode, v.reached, v.found, v.follow_up, \
                 v.recorded_at, v.recorded_by, c.name, c.kind FROM care_visit v \
                 JOIN care_visitor c ON c.id = v.visitor_id WHERE v.person_id = $1 \
                 ORDER BY v.visited_on DESC, v.id DESC",
            )
            .bind(person_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| decode_visit(r, &mut raised))
            .collect()
        })
    }

    /// The referrals within `scope`: the open ones, or the latest `limit` of all.
    pub async fn referrals(
        &self,
        scope: &Scope,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<ReferralRecord>> {
        let (within, bound) = scope_on(scope, "f.area_code", "-1", 1);
        let open = if open_only {
            "AND f.status = 'open'"
        } else {
            ""
        };
        let sql = format!("{REFERRAL_SQL} WHERE {within} {open} ORDER BY f.id DESC LIMIT {limit}");
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(&bound).fetch_all(pool).await?.iter().map(decode_referral).collect()
        })
    }

    /// An elder's referrals, the latest first.
    pub async fn referrals_of(&self, person_id: i64) -> Result<Vec<ReferralRecord>> {
        with_pool!(self, pool => {
            sqlx::query(&format!("{REFERRAL_SQL} WHERE f.person_id = $1 ORDER BY f.id DESC"))
                .bind(person_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(decode_referral)
                .collect()
        })
    }

    /// One referral.
    pub async fn referral(&self, id: i64) -> Result<Option<ReferralRecord>> {
        with_pool!(self, pool => {
            sqlx::query(&format!("{REFERRAL_SQL} WHERE f.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(decode_referral)
                .transpose()
        })
    }

    /// Closes an open referral with its outcome and audit entry; refused if already closed.
    pub async fn close(
        &self,
        id: i64,
        (handed_to, outcome): (Option<&str>, &str),
        (by, at): (&str, DateTime<Utc>),
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        let closed = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE care_referral SET status = 'closed', handed_to = $1, outcome = $2, \
                 closed_at = $3, closed_by = $4 WHERE id = $5 AND status = 'open'",
            )
            .bind(handed_to)
            .bind(outcome)
            .bind(micros(at))
            .bind(by)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if closed == 0 {
            return Err(StoreError::conflict(
                "referral",
                format!("转办 {id} 已办结"),
            ));
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }
}
