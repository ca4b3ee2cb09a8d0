//! The circle's tables, on the store's shared infrastructure: `store.circle()`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::access::Scope;
use minsheng_core::geo::Position;
use minsheng_store::{
    corrupt, micros, on_tx, read_all, scope_on, timestamp, with_pool, Cell, Columns, NewAuditEntry,
    Result, Table, Tx,
};

use super::domain::{CommunityCoverage, Model, PointKind, ServicePoint};

minsheng_store::context_store!(
    /// The 15-minute circle's locations, service points and computed coverage:
    /// `store.circle()`.
    Circle,
    CircleStore,
    circle
);

/// A coverage as computed and recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub id: i64,
    pub as_of: NaiveDate,
    pub model: Model,
    pub elders: u64,
    pub located: u64,
    pub covered: u64,
    pub points: u64,
    pub computed_at: DateTime<Utc>,
    pub computed_by: String,
}

/// A suggested station as recorded: its rank in the greedy order of its district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedSuggestion {
    pub rank: u32,
    /// The community most of the elders it reaches belong to.
    pub area: String,
    pub at: Position,
    pub gain: u64,
}

/// Where households live: also what a benchmark writes in bulk.
pub const LOCATION: Table = Table {
    name: "household_location",
    columns: &[
        "household_id",
        "lon",
        "lat",
        "source",
        "recorded_at",
        "recorded_by",
    ],
};

const COMMUNITY: Table = Table {
    name: "circle_community",
    columns: &[
        "run_id",
        "area_code",
        "elders",
        "located",
        "covered",
        "street_centre",
        "community_station",
        "canteen",
        "dementia_centre",
        "institution",
        "lon",
        "lat",
    ],
};

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn uncount(r: &(impl Columns + ?Sized), col: &str) -> Result<u64> {
    let n = r.int(col)?;
    u64::try_from(n).map_err(|e| corrupt(col, e))
}

fn decode_point(r: &(impl Columns + ?Sized)) -> Result<ServicePoint> {
    Ok(ServicePoint {
        kind: PointKind::parse(&r.text("kind")?).map_err(|e| corrupt("kind", e))?,
        code: r.text("code")?,
        name: r.text("name")?,
        area: r.text("area_code")?,
        at: Position {
            lon: r.int("lon")?,
            lat: r.int("lat")?,
        },
    })
}

fn decode_community(r: &(impl Columns + ?Sized)) -> Result<CommunityCoverage> {
    let mut by_kind = [0; 5];
    for (n, kind) in by_kind.iter_mut().zip(PointKind::ALL) {
        *n = uncount(r, kind.as_str())?;
    }
    Ok(CommunityCoverage {
        area: r.text("area_code")?,
        elders: uncount(r, "elders")?,
        located: uncount(r, "located")?,
        covered: uncount(r, "covered")?,
        by_kind,
        centre: match (r.opt_int("lon")?, r.opt_int("lat")?) {
            (Some(lon), Some(lat)) => Some(Position { lon, lat }),
            _ => None,
        },
    })
}

impl Circle<'_> {
    /// Records where households live, replacing what was recorded for them, with one audit
    /// entry: all or none.
    pub async fn locate(
        &self,
        homes: &[(i64, Position)],
        source: &'static str,
        (by, at): (&str, DateTime<Utc>),
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        for chunk in homes.chunks(500) {
            let ids: Vec<String> = chunk.iter().map(|(id, _)| id.to_string()).collect();
            tx.execute(&format!(
                "DELETE FROM household_location WHERE household_id IN ({})",
                ids.join(", ")
            ))
            .await?;
        }
        let rows = homes
            .iter()
            .map(|&(id, p)| {
                vec![
                    Cell::Int(id),
                    Cell::Int(p.lon),
                    Cell::Int(p.lat),
                    Cell::Code(source),
                    Cell::Int(micros(at)),
                    Cell::Text(by.to_string()),
                ]
            })
            .collect();
        tx.write(&LOCATION, rows).await?;
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Where each located household lives.
    pub async fn locations(&self) -> Result<HashMap<i64, Position>> {
        let rows = read_all(
            self,
            "SELECT household_id, lon, lat FROM household_location".into(),
            Vec::new(),
            |r| {
                Ok((
                    r.int("household_id")?,
                    Position {
                        lon: r.int("lon")?,
                        lat: r.int("lat")?,
                    },
                ))
            },
        )
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Every household's key and area, for placing them (the synthetic city's).
    pub async fn households(&self) -> Result<Vec<(i64, String)>> {
        read_all(
            self,
            "SELECT id, area_code FROM household".into(),
            Vec::new(),
            |r| Ok((r.int("id")?, r.text("area_code")?)),
        )
        .await
    }

    /// The keys of the households with these codes (those that exist), looked up in chunks.
    pub async fn household_ids(&self, codes: &[String]) -> Result<HashMap<String, i64>> {
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        // A read: the transaction only lends the store's chunked lookup its connection.
        let mut tx = Tx::write_only(self).await?;
        let found = minsheng_store::household_ids(&mut tx, &codes).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Files service points, replacing any of the same kind and code, with one audit entry.
    pub async fn place(
        &self,
        points: &[ServicePoint],
        (by, at): (&str, DateTime<Utc>),
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        for p in points {
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO service_point (kind, code, name, area_code, lon, lat, \
                     recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (kind, code) DO UPDATE SET name = excluded.name, \
                     area_code = excluded.area_code, lon = excluded.lon, lat = excluded.lat, \
                     recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
                )
                .bind(p.kind.as_str())
                .bind(&p.code)
                .bind(&p.name)
                .bind(&p.area)
                .bind(p.at.lon)
                .bind(p.at.lat)
                .bind(micros(at))
                .bind(by)
                .execute(&mut *conn)
                .await?;
            });
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// The service points within a scope, by area, kind and code.
    pub async fn points(&self, scope: &Scope) -> Result<Vec<ServicePoint>> {
        let (within, bound) = scope_on(scope, "area_code", "NULL", 1);
        read_all(
            self,
            format!(
                "SELECT kind, code, name, area_code, lon, lat FROM service_point \
                 WHERE {within} ORDER BY area_code, kind, code"
            ),
            vec![Cell::Text(bound)],
            |r| decode_point(r),
        )
        .await
    }

    /// Records a computed coverage with its communities and suggestions, with its audit entry.
    pub async fn record_run(
        &self,
        run: &RunRecord,
        communities: &[CommunityCoverage],
        suggestions: &[PlacedSuggestion],
        audit: NewAuditEntry,
    ) -> Result<i64> {
        let mut tx = Tx::write_only(self).await?;
        let id: i64;
        on_tx!(&mut tx, conn => {
            id = sqlx::query_scalar(
                "INSERT INTO circle_run (as_of, walk_metres_per_minute, detour_percent, \
                 minutes, target_percent, elders, located, covered, points, computed_at, \
                 computed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(run.as_of)
            .bind(i64::from(run.model.walk_metres_per_minute))
            .bind(i64::from(run.model.detour_percent))
            .bind(i64::from(run.model.minutes))
            .bind(i64::from(run.model.target_percent))
            .bind(count(run.elders))
            .bind(count(run.located))
            .bind(count(run.covered))
            .bind(count(run.points))
            .bind(micros(run.computed_at))
            .bind(&run.computed_by)
            .fetch_one(&mut *conn)
            .await?;
        });
        let rows = communities
            .iter()
            .map(|c| {
                let mut row = vec![
                    Cell::Int(id),
                    Cell::Text(c.area.clone()),
                    Cell::Int(count(c.elders)),
                    Cell::Int(count(c.located)),
                    Cell::Int(count(c.covered)),
                ];
                row.extend(c.by_kind.iter().map(|&n| Cell::Int(count(n))));
                row.extend(match c.centre {
                    Some(p) => [Cell::Int(p.lon), Cell::Int(p.lat)],
                    None => [Cell::Null, Cell::Null],
                });
                row
            })
            .collect();
        tx.write(&COMMUNITY, rows).await?;
        for s in suggestions {
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO circle_suggestion (run_id, ordinal, area_code, lon, lat, gain) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(i64::from(s.rank))
                .bind(&s.area)
                .bind(s.at.lon)
                .bind(s.at.lat)
                .bind(count(s.gain))
                .execute(&mut *conn)
                .await?;
            });
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The latest computed coverage.
    pub async fn last_run(&self) -> Result<Option<RunRecord>> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT id, as_of, walk_metres_per_minute, detour_percent, minutes, \
                 target_percent, elders, located, covered, points, computed_at, computed_by \
                 FROM circle_run ORDER BY id DESC LIMIT 1",
            )
            .fetch_optional(pool)
            .await?;
            row.map(|r| -> Result<RunRecord> {
                let figure = |col: &str| -> Result<u32> {
                    u32::try_from(r.int(col)?).map_err(|e| corrupt(col, e))
                };
                Ok(RunRecord {
                    id: r.int("id")?,
                    as_of: r.date("as_of")?,
                    model: Model {
                        minutes: figure("minutes")?,
                        walk_metres_per_minute: figure("walk_metres_per_minute")?,
                        detour_percent: figure("detour_percent")?,
                        target_percent: figure("target_percent")?,
                    },
                    elders: uncount(&r, "elders")?,
                    located: uncount(&r, "located")?,
                    covered: uncount(&r, "covered")?,
                    points: uncount(&r, "points")?,
                    computed_at: timestamp(r.int("computed_at")?)?,
                    computed_by: r.text("computed_by")?,
                })
            })
            .transpose()
        })
    }

    /// A run's communities within a scope, by code.
    pub async fn communities(&self, run: i64, scope: &Scope) -> Result<Vec<CommunityCoverage>> {
        let (within, bound) = scope_on(scope, "area_code", "NULL", 2);
        read_all(
            self,
            format!(
                "SELECT {} FROM circle_community WHERE run_id = $1 AND {within} \
                 ORDER BY area_code",
                COMMUNITY.columns.join(", ")
            ),
            vec![Cell::Int(run), Cell::Text(bound)],
            |r| decode_community(r),
        )
        .await
    }

    /// A run's suggested stations within a scope, by gain.
    pub async fn suggestions(&self, run: i64, scope: &Scope) -> Result<Vec<PlacedSuggestion>> {
        let (within, bound) = scope_on(scope, "area_code", "NULL", 2);
        read_all(
            self,
            format!(
                "SELECT ordinal, area_code, lon, lat, gain FROM circle_suggestion \
                 WHERE run_id = $1 AND {within} ORDER BY gain DESC, area_code, ordinal"
            ),
            vec![Cell::Int(run), Cell::Text(bound)],
            |r| {
                Ok(PlacedSuggestion {
                    rank: u32::try_from(r.int("ordinal")?).map_err(|e| corrupt("ordinal", e))?,
                    area: r.text("area_code")?,
                    at: Position {
                        lon: r.int("lon")?,
                        lat: r.int("lat")?,
                    },
                    gain: uncount(r, "gain")?,
                })
            },
        )
        .await
    }
}
