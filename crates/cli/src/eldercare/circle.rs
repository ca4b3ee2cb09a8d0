//! `minsheng eldercare circle …`: the 15-minute elderly-service circle at the command line —
//! service points and household locations imported from CSV files, the coverage computed over
//! the registry, and each district's coverage, gaps and suggested stations.

use std::path::Path;

use anyhow::{bail, Result};
use chrono::NaiveDate;
use minsheng_app::Clock;
use minsheng_core::access::{Account, Scope, Staff};
use minsheng_core::geo::Position;
use minsheng_eldercare::circle::{self, HomeRow, PointKind, PointRow};
use minsheng_policy::Policy;
use minsheng_store::Store;

/// The columns of a service points file.
pub const POINT_COLUMNS: [&str; 6] = ["kind", "code", "name", "area_code", "lon", "lat"];
/// The columns of a household locations file.
pub const HOME_COLUMNS: [&str; 3] = ["household", "lon", "lat"];

/// What `eldercare circle` was asked to do.
pub struct Request<'a> {
    pub points: Option<&'a Path>,
    pub homes: Option<&'a Path>,
    pub refresh: bool,
    pub on: Option<NaiveDate>,
    pub suggest: usize,
    pub area: Option<minsheng_core::AreaCode>,
}

/// The records of a CSV file with `columns`, or every broken line at once.
fn records(path: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>> {
    let rows = minsheng_exchange::read_table(path, columns)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut out = Vec::with_capacity(rows.len());
    let mut broken = Vec::new();
    for (line, record) in rows {
        match record {
            Ok(r) => out.push(r.iter().map(str::to_string).collect()),
            Err(reason) => broken.push(format!("line {line}: {reason}")),
        }
    }
    if !broken.is_empty() {
        bail!("{}: {}", path.display(), broken.join("; "));
    }
    Ok(out)
}

fn cell(row: &[String], i: usize) -> String {
    row.get(i).cloned().unwrap_or_default()
}

pub async fn run(
    store: &Store,
    policy: &Policy,
    request: Request<'_>,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    let planning = request.points.is_some() || request.homes.is_some() || request.refresh;
    let who = if planning {
        crate::signin::staff(store, actor, "planning the service circle", clock).await?
    } else {
        crate::signin::staff(store, actor, "reading the service circle", clock).await?
    };
    if let Some(path) = request.points {
        let rows: Vec<PointRow> = records(path, &POINT_COLUMNS)?
            .iter()
            .map(|r| PointRow {
                kind: cell(r, 0),
                code: cell(r, 1),
                name: cell(r, 2),
                area_code: cell(r, 3),
                lon: cell(r, 4),
                lat: cell(r, 5),
            })
            .collect();
        let n = circle::import_points(store, policy, &who.account, &rows, clock).await?;
        println!("{n} service point(s) filed from {}.", path.display());
    }
    if let Some(path) = request.homes {
        let rows: Vec<HomeRow> = records(path, &HOME_COLUMNS)?
            .iter()
            .map(|r| HomeRow {
                household: cell(r, 0),
                lon: cell(r, 1),
                lat: cell(r, 2),
            })
            .collect();
        let n = circle::import_locations(store, policy, &who.account, &rows, clock).await?;
        println!(
            "{n} household location(s) recorded from {}.",
            path.display()
        );
    }
    if request.refresh {
        let on = request.on.unwrap_or(clock.today);
        let run = circle::refresh(
            store,
            policy,
            &who.account,
            on,
            request.suggest,
            clock,
            &crate::progress::Bars::new(),
        )
        .await?;
        println!(
            "Coverage as of {on}: {} of {} older residents within {} minutes' walk ({} located), {} service points.",
            run.covered, run.elders, run.model.minutes, run.located, run.points
        );
    }
    // Reading narrows to --area within what the account may see.
    let account = match (&who.account, request.area) {
        (Account::Staff(s), Some(area)) if area.is_within(&s.area) => {
            Account::Staff(Staff { area, ..s.clone() })
        }
        (_, Some(area)) => bail!("area: {area} 不在您的管辖范围内"),
        (account, None) => account.clone(),
    };
    let Some(view) = circle::view(store, &account).await? else {
        println!("The circle has not been computed yet: minsheng eldercare circle --refresh");
        return Ok(());
    };
    print!("{}", report(&view, &account.scope()));
    Ok(())
}

fn percent(part: u64, whole: u64) -> String {
    let p = circle::permille(part, whole);
    format!("{}.{}%", p / 10, p % 10)
}

/// The coverage by district, the gaps and the suggested stations, as the command prints them.
pub fn report(view: &circle::View, scope: &Scope) -> String {
    use std::fmt::Write as _;
    let run = &view.run;
    let m = run.model;
    let mut out = format!(
        "15分钟养老服务圈 · 截至 {} · 步行 {} 分钟 × {} 米/分钟 ÷ 绕行 {}% = 直线 {:.0} 米 · 目标 {}% · {}\n",
        run.as_of,
        m.minutes,
        m.walk_metres_per_minute,
        m.detour_percent,
        m.reach_metres(),
        m.target_percent,
        match scope {
            Scope::Area(a) => a.as_str().to_string(),
            _ => "全市".into(),
        }
    );
    let kinds = PointKind::ALL.map(PointKind::label).join(" · ");
    let _ = writeln!(out, "区域 · 老年人 · 已定位 · 15分钟可达 · {kinds}");
    for (district, t) in view.totals() {
        let _ = write!(
            out,
            "  {} · {} · {} · {} ({})",
            district.as_deref().unwrap_or("合计"),
            t.elders,
            t.located,
            t.covered,
            percent(t.covered, t.elders)
        );
        for n in t.by_kind {
            let _ = write!(out, " · {}", percent(n, t.elders));
        }
        out.push('\n');
    }
    let gaps = view.gaps();
    let _ = writeln!(
        out,
        "低于目标的社区 {} 个（覆盖最低的 20 个）：",
        gaps.len()
    );
    for c in gaps.iter().take(20) {
        let _ = writeln!(
            out,
            "  {} · 老年人 {} · 可达 {} ({})",
            c.area,
            c.elders,
            c.covered,
            percent(c.covered, c.elders)
        );
    }
    let _ = writeln!(out, "建议新建村居养老服务站（按新增覆盖老年人数）：");
    for s in &view.suggestions {
        let _ = writeln!(
            out,
            "  {} 第 {} 处 · 社区 {} · 东经 {} 北纬 {} · 新增覆盖 {} 人",
            s.area.get(..6).unwrap_or(&s.area),
            s.rank,
            s.area,
            Position::degrees_text(s.at.lon),
            Position::degrees_text(s.at.lat),
            s.gain
        );
    }
    out
}
