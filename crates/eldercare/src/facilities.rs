//! Elderly-care service facilities (养老服务设施): each street's or town's comprehensive centre
//! (镇街综合养老服务机构) and each village's or community's station (村居养老服务站), the city's
//! three-level network around its older residents. Stored as `store.facilities()`; the
//! synthetic city's come from `synth::institutions::facilities`.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_app::Clock;
use minsheng_core::AreaCode;
use minsheng_store::{corrupt, micros, with_pool, Columns, NewAuditEntry, Result, Store, Tx};

/// A facility as filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facility {
    pub code: String,
    pub name: String,
    pub area: AreaCode,
    pub kind: Kind,
    pub opened_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    StreetCentre,
    CommunityStation,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::StreetCentre => "street_centre",
            Kind::CommunityStation => "community_station",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::StreetCentre => "镇街综合养老服务机构",
            Kind::CommunityStation => "村居养老服务站",
        }
    }

    pub fn parse(s: &str) -> std::result::Result<Kind, String> {
        match s {
            "street_centre" => Ok(Kind::StreetCentre),
            "community_station" => Ok(Kind::CommunityStation),
            other => Err(format!("'{other}' is not a kind of facility")),
        }
    }
}

minsheng_store::context_store!(
    /// The service facilities of a store: `store.facilities()`.
    Facilities,
    FacilitiesStore,
    facilities
);

fn decode(r: &impl Columns) -> Result<Facility> {
    Ok(Facility {
        code: r.text("code")?,
        name: r.text("name")?,
        area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
        kind: Kind::parse(&r.text("kind")?).map_err(|e| corrupt("kind", e))?,
        opened_on: r.date("opened_on")?,
    })
}

impl Facilities<'_> {
    /// Files facilities, all or none, with one audit entry.
    pub async fn add(
        &self,
        list: &[Facility],
        by: &str,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::begin(self).await?;
        for f in list {
            minsheng_store::on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO care_facility (code, name, area_code, kind, opened_on, \
                     recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&f.code)
                .bind(&f.name)
                .bind(f.area.as_str())
                .bind(f.kind.as_str())
                .bind(f.opened_on)
                .bind(micros(at))
                .bind(by)
                .execute(&mut *conn)
                .await?;
            });
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Every facility, by area and code.
    pub async fn all(&self) -> Result<Vec<Facility>> {
        with_pool!(self, pool => {
            sqlx::query(
                "SELECT code, name, area_code, kind, opened_on FROM care_facility \
                 ORDER BY area_code, code",
            )
            .fetch_all(pool)
            .await?
            .iter()
            .map(decode)
            .collect()
        })
    }
}

/// Files the centres and stations of a synthetic city over the registry's areas (the demo),
/// unless facilities are filed already. Returns how many were filed.
pub async fn file_synthetic(store: &Store, seed: u64, actor: &str, clock: Clock) -> Result<usize> {
    let facilities = store.facilities();
    if !facilities.all().await?.is_empty() {
        return Ok(0);
    }
    let areas = store.areas().await?;
    let made: Vec<Facility> = minsheng_synth::institutions::facilities(&areas, seed)
        .into_iter()
        .filter_map(|f| {
            Some(Facility {
                area: AreaCode::parse(&f.area).ok()?,
                kind: Kind::parse(f.kind).ok()?,
                code: f.code,
                name: f.name,
                opened_on: f.opened_on,
            })
        })
        .collect();
    let centres = made.iter().filter(|f| f.kind == Kind::StreetCentre).count();
    facilities
        .add(
            &made,
            actor,
            clock.now,
            NewAuditEntry {
                actor: actor.into(),
                action: "file_facilities".into(),
                subject: "facilities".into(),
                detail: format!(
                    "synthetic seed={seed} centres={centres} stations={}",
                    made.len() - centres
                ),
                at: clock.now,
            },
        )
        .await?;
    Ok(made.len())
}
