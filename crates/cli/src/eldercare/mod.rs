//! `minsheng eldercare …`: older persons' ability assessments (GB/T 42195-2022) at the command
//! line — the blank form, an assessment handed in, a person's assessments; what the basic
//! elderly service list grants a person, and its counts published; care institutions and their
//! 双随机 supervision — the draw, drawing it again, inspections and rectifications; home care
//! beds and refits from application to acceptance ([`applications`]).

mod applications;
mod circle;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use minsheng_app::Clock;
use minsheng_core::access::Scope;
use minsheng_core::{AreaCode, IdNumber};
use minsheng_eldercare::supervision::{self, SupervisionStore as _};
use minsheng_eldercare::{AssessmentForm, AssessmentsStore as _};
use minsheng_policy::scale::{Answers, Scale};
use minsheng_policy::Policy;
use minsheng_store::Store;

#[derive(Subcommand)]
pub enum EldercareCommand {
    /// The blank ability assessment form: every item with its options, every condition, as
    /// `code=` lines to fill in.
    Form,
    /// Hand in an assessment (acts as one of its two assessors' accounts). The form file has
    /// one `code=value` a line (`eating=4`, `dementia=0`, `risk_events=2`); `#` starts a note.
    Assess {
        /// The older person's ID number.
        id_number: String,
        #[arg(long)]
        form: PathBuf,
        /// The day of the assessment (YYYY-MM-DD); default today.
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        assessor: String,
        #[arg(long)]
        reviewer: String,
        /// Why a person assessed within the last 30 days is assessed again.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// A person's assessments, the latest first.
    Assessments { id_number: String },
    /// What the basic elderly service list grants an older person in a month, item by item,
    /// with `--why` the rule behind each (reading the household is audited).
    Entitlements {
        /// The person's ID number, or a household code with `--member`.
        person: String,
        /// The member's position in the household (head 0), with a household code.
        #[arg(long)]
        member: Option<usize>,
        /// YYYY-MM; default this month.
        #[arg(long)]
        month: Option<minsheng_core::Month>,
        #[arg(long)]
        why: bool,
    },
    /// Count the list's items by street over the whole registry for a month (default this
    /// month) and publish them on the public page, replacing that month's earlier counts
    /// (acts as a city administrator's account).
    Publish {
        #[arg(long)]
        month: Option<minsheng_core::Month>,
    },
    /// Care institutions (养老机构) of an area (default the city): beds, nursing beds, residents;
    /// with --import, file the bureau's list first (CSV: code,name,area,operator,beds,
    /// nursing_beds,residents,filed_on; all or nothing; acts as a staff account over them).
    Institutions {
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        import: Option<PathBuf>,
    },
    /// Meal-aid canteens (助餐点) with their slots, delivery areas and menus; with --import, file
    /// the bureau's list first (CSV or Excel, one row a dish: code,name,area,capacity,breakfast,
    /// lunch,dinner,delivers_to,bank_account,opened_on,dish,dish_name,slot,price,discount — a
    /// slot's start HH:MM or empty, delivery areas separated by spaces, yuan; all or nothing;
    /// acts as a district or city account).
    Canteens {
        #[arg(long)]
        import: Option<PathBuf>,
    },
    /// Replace a canteen's menu (CSV or Excel: dish,dish_name,slot,price,discount; yuan; all or
    /// nothing): the canteen's own account, or a district or city account. Orders already placed
    /// keep the price they were quoted.
    CanteenMenu {
        canteen: String,
        #[arg(long)]
        import: PathBuf,
    },
    /// Make a provider account the staff of a canteen: its counter (/meals) and its monthly
    /// settlement (acts as a district or city account).
    CanteenStaff { login: String, canteen: String },
    /// Visiting care (探访关爱): with --refresh, bring the roster to whom the rules tier on the
    /// registry as of --on (default today; acts as a district or city account); then each
    /// community's listed elders within --area (default the city), visited in time, overdue
    /// and escalated to the street.
    Visits {
        #[arg(long)]
        refresh: bool,
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        area: Option<String>,
    },
    /// The 15-minute elderly-service circle (15分钟养老服务圈): --points files service points
    /// (CSV: kind,code,name,area_code,lon,lat in degrees), --homes records where households live
    /// (CSV: household,lon,lat), --refresh computes the coverage over the registry as of --on
    /// (default today) with up to --suggest new stations per district (these act as a district
    /// or city account); then each district's coverage, the communities below the target and
    /// the suggested stations within --area (default what the account may see).
    Circle {
        #[arg(long)]
        points: Option<PathBuf>,
        #[arg(long)]
        homes: Option<PathBuf>,
        #[arg(long)]
        refresh: bool,
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long, default_value_t = minsheng_eldercare::circle::SUGGESTIONS_PER_DISTRICT)]
        suggest: usize,
        #[arg(long)]
        area: Option<String>,
    },
    /// The street centres (镇街综合养老服务机构) and community stations (村居养老服务站) within
    /// an area (default the city).
    Facilities {
        #[arg(long)]
        area: Option<String>,
    },
    /// Draw the institutions of an area to inspect under a plan, and their inspectors
    /// (双随机; acts as a staff account over the area). The seed is announced or written down
    /// before the draw; drawing again for the same plan and area needs --reason.
    Draw {
        #[arg(long)]
        plan: String,
        #[arg(long)]
        area: String,
        #[arg(long)]
        seed: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// A recorded draw in full, drawn again from its seed and lists to check its result.
    ShowDraw { id: i64 },
    /// Draw from a seed and two lists (files of one code or name a line), as anyone can,
    /// without a database.
    Redraw {
        #[arg(long)]
        seed: String,
        #[arg(long)]
        institutions: PathBuf,
        #[arg(long)]
        inspectors: PathBuf,
        /// The share drawn, in thousandths.
        #[arg(long)]
        share: u32,
        #[arg(long, default_value_t = 2)]
        per_institution: usize,
    },
    /// Record a drawn institution's inspection (acts as one of its drawn inspectors): one
    /// `item=pass` or `item=fail:what was found` for every checklist item.
    Inspect {
        draw: i64,
        institution: String,
        /// The day of the inspection; default today.
        #[arg(long)]
        on: Option<NaiveDate>,
        results: Vec<String>,
    },
    /// Accept a failed item as rectified (acts as staff over the institution).
    Rectified {
        draw: i64,
        institution: String,
        item: String,
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// File an application for a home care bed (home_care_bed) or a refit (home_refit) for an
    /// older person (acts as community or street staff of the person's area). The rules decide
    /// at once whether the person qualifies; one who does not is kept, closed, with the reasons.
    Apply {
        /// The older person's ID number.
        id_number: String,
        #[arg(long)]
        program: String,
        /// What the person asks for.
        #[arg(long)]
        request: String,
        /// The day of the application; default today.
        #[arg(long)]
        on: Option<NaiveDate>,
        /// Print the rules' explanation of the finding.
        #[arg(long)]
        why: bool,
    },
    /// Service applications within an area (default the city), open ones first by deadline.
    Applications {
        #[arg(long)]
        area: Option<String>,
    },
    /// One application with its steps; with a step, take it (acts as the account it is for).
    Application {
        id: i64,
        #[command(subcommand)]
        step: Option<applications::StepCommand>,
        /// With the rules' explanation of the finding at filing.
        #[arg(long)]
        why: bool,
    },
    /// Older persons due for their regular reassessment by a day (default today), the longest
    /// waiting first, within an area (default the whole city).
    Due {
        #[arg(long)]
        by: Option<NaiveDate>,
        /// A district, street or community code.
        #[arg(long)]
        area: Option<String>,
    },
}

pub async fn run(
    store: &Store,
    policy: &Policy,
    command: EldercareCommand,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    let scale = policy
        .scale(minsheng_policy::scale::ABILITY)
        .context("the catalog has no scales/ability.yaml")?;
    match command {
        EldercareCommand::Form => print!("{}", blank_form(scale)),
        EldercareCommand::Assess {
            id_number,
            form,
            on,
            assessor,
            reviewer,
            reason,
        } => {
            let who = crate::signin::staff(store, actor, "an ability assessment", clock).await?;
            let form = AssessmentForm {
                id_number,
                assessed_on: on.unwrap_or(clock.today),
                answers: read_form(&form, scale)?,
                assessor,
                reviewer,
                reason,
            };
            let done = minsheng_eldercare::assess(store, policy, &form, who.name(), clock).await?;
            println!(
                "Assessment {} recorded; the level holds from {}.",
                done.id, form.assessed_on
            );
            for line in &done.explanation {
                println!("{line}");
            }
        }
        EldercareCommand::Entitlements {
            person,
            member,
            month,
            why,
        } => {
            let month = month.unwrap_or_else(|| minsheng_core::Month::containing(clock.today));
            let file = store.household_file(person.trim()).await?;
            let members = file.as_of(month.first_day(), clock.now);
            let index = match member {
                Some(m) => m,
                None => members
                    .iter()
                    .position(|(p, _)| p.id_number.as_str() == person.trim())
                    .context("give --member N with a household code")?,
            };
            let found =
                minsheng_eldercare::entitlements::of_member(policy, month, &members, index)?;
            let (p, _) = members.get(index).context("no such member")?;
            store
                .audit(
                    actor,
                    "read_entitlements",
                    &file.code,
                    &format!("member={index} month={month} via=cli"),
                    clock.now,
                )
                .await?;
            print!(
                "{}",
                entitlements_text(&found, &p.name, &p.id_number.masked(), why)
            );
        }
        EldercareCommand::Publish { month } => {
            let who = crate::signin::with_duty(
                store,
                actor,
                minsheng_core::access::Duty::PublishStatistics,
                "publishing the service counts",
                clock,
            )
            .await?;
            let month = month.unwrap_or_else(|| minsheng_core::Month::containing(clock.today));
            let counts = minsheng_eldercare::publication::publish(
                store,
                policy,
                month,
                who.name(),
                clock,
                &crate::progress::Bars::new(),
            )
            .await?;
            let persons: u64 = counts.streets.values().map(|(n, _)| n).sum();
            println!(
                "{month}: {persons} older persons in {} streets counted and published (list of {}){}.",
                counts.streets.len(),
                counts.version_from,
                if counts.undecided > 0 {
                    format!("; {} left undecided by the rules", counts.undecided)
                } else {
                    String::new()
                }
            );
        }
        EldercareCommand::Institutions { area, import } => {
            if let Some(path) = import {
                let list = read_institutions(&path)?;
                let who =
                    crate::signin::staff(store, actor, "filing care institutions", clock).await?;
                let filed =
                    supervision::file_institutions(store, &list, &who.account, clock).await?;
                println!("{filed} care institutions filed from {}.", path.display());
            }
            let supervision = store.supervision();
            let list = match area {
                Some(code) => {
                    let area = parse_area(&code)?;
                    supervision.institutions_within(&area).await?
                }
                None => supervision.institutions().await?,
            };
            let beds: u64 = list.iter().map(|i| u64::from(i.beds)).sum();
            let nursing: u64 = list.iter().map(|i| u64::from(i.nursing_beds)).sum();
            println!(
                "{} 家养老机构, 床位 {beds} 张, 其中护理型床位 {nursing} 张 ({}%)",
                list.len(),
                (nursing * 100).checked_div(beds).unwrap_or(0)
            );
            for i in list {
                println!(
                    "  {} {} · {} · {} · 床位 {} 护理型 {} 在住 {} · 备案 {}",
                    i.code,
                    i.name,
                    i.area,
                    i.operator_label(),
                    i.beds,
                    i.nursing_beds,
                    i.residents,
                    i.filed_on
                );
            }
        }
        EldercareCommand::Canteens { import } => {
            use minsheng_eldercare::meals::{self, MealsStore as _};
            if let Some(path) = import {
                let list = read_canteens(&path)?;
                let who = crate::signin::staff(store, actor, "filing canteens", clock).await?;
                let filed = meals::file_canteens(store, &list, &who.account, clock).await?;
                println!("{filed} canteens filed from {}.", path.display());
            }
            for c in store.meals().canteens().await? {
                let k = &c.canteen;
                let slots: Vec<String> = k
                    .slots
                    .iter()
                    .map(|(s, t)| format!("{}{}", s.label(), t.format("%H:%M")))
                    .collect();
                let staff = store.meals().staff_of(&k.code).await?;
                println!(
                    "  {} {} · {} · {} · 每餐 {} 份 · 送餐 {} · 菜品 {} · 工作人员 {}",
                    k.code,
                    k.name,
                    k.area,
                    slots.join(" "),
                    k.capacity,
                    if k.delivers_to.is_empty() {
                        "无".to_string()
                    } else {
                        k.delivers_to
                            .iter()
                            .map(|a| a.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    },
                    c.dishes.len(),
                    if staff.is_empty() {
                        "—".to_string()
                    } else {
                        staff.join("、")
                    },
                );
            }
        }
        EldercareCommand::CanteenMenu { canteen, import } => {
            let dishes = read_dishes(&import)?;
            // The canteen's own (provider) account may: the use case says who else.
            let who =
                crate::signin::account(store, actor, "changing a canteen's menu", clock).await?;
            minsheng_eldercare::meals::set_menu(store, &who.account, &canteen, &dishes, clock)
                .await?;
            println!(
                "{}'s menu: {} dishes from {}.",
                canteen,
                dishes.len(),
                import.display()
            );
        }
        EldercareCommand::CanteenStaff { login, canteen } => {
            let who = crate::signin::staff(store, actor, "assigning canteen staff", clock).await?;
            minsheng_eldercare::meals::assign_staff(store, &who.account, &login, &canteen, clock)
                .await?;
            println!("{login} now works for canteen {canteen}: its counter is /meals.");
        }
        EldercareCommand::Visits { refresh, on, area } => {
            use minsheng_eldercare::visits;
            let on = on.unwrap_or(clock.today);
            if refresh {
                let who =
                    crate::signin::staff(store, actor, "refreshing the visiting roster", clock)
                        .await?;
                let minsheng_core::access::Account::Staff(s) = &who.account else {
                    anyhow::bail!("a staff account refreshes the visiting roster");
                };
                if !matches!(
                    s.role,
                    minsheng_core::access::Role::District | minsheng_core::access::Role::City
                ) {
                    anyhow::bail!("actor: 探访对象名单由区或市民政工作人员更新");
                }
                let done = visits::refresh(
                    store,
                    policy,
                    on,
                    &s.name,
                    clock,
                    &crate::progress::Bars::new(),
                )
                .await?;
                let c = &done.changes;
                println!(
                    "{} listed as of {on}: {} joined, {} listed again, {} changed tier or community, {} left.",
                    done.listed,
                    c.joined.len(),
                    c.rejoined.len(),
                    c.changed.len(),
                    c.ended.len()
                );
            }
            let scope = match area {
                Some(code) => Scope::Area(parse_area(&code)?),
                None => Scope::Everything,
            };
            let due = visits::due(store, policy, &scope, on).await?;
            let (by_area, total) = visits::coverage(&due);
            println!("社区 · 探访对象 · 按期探访 · 逾期 · 逾期已上报街道 · 未分配探访人");
            for (code, c) in by_area.iter().chain([(&"合计".to_string(), &total)]) {
                println!(
                    "  {code} · {} · {} ({}.{}%) · {} · {} · {}",
                    c.listed,
                    c.current,
                    c.permille() / 10,
                    c.permille() % 10,
                    c.overdue,
                    c.escalated,
                    c.unassigned
                );
            }
        }
        EldercareCommand::Circle {
            points,
            homes,
            refresh,
            on,
            suggest,
            area,
        } => {
            let request = circle::Request {
                points: points.as_deref(),
                homes: homes.as_deref(),
                refresh,
                on,
                suggest,
                area: area.as_deref().map(parse_area).transpose()?,
            };
            circle::run(store, policy, request, actor, clock).await?;
        }
        EldercareCommand::Facilities { area } => {
            use minsheng_eldercare::facilities::{FacilitiesStore as _, Kind};
            let within = match area {
                Some(code) => Some(parse_area(&code)?),
                None => None,
            };
            let list: Vec<_> = store
                .facilities()
                .all()
                .await?
                .into_iter()
                .filter(|f| within.as_ref().is_none_or(|a| f.area.is_within(a)))
                .collect();
            let count = |kind| list.iter().filter(|f| f.kind == kind).count();
            println!(
                "{} {} 家, {} {} 家",
                Kind::StreetCentre.label(),
                count(Kind::StreetCentre),
                Kind::CommunityStation.label(),
                count(Kind::CommunityStation)
            );
            for f in &list {
                println!(
                    "  {} {} · {} · {} · 自 {}",
                    f.code,
                    f.name,
                    f.area,
                    f.kind.label(),
                    f.opened_on
                );
            }
        }
        EldercareCommand::Draw {
            plan,
            area,
            seed,
            reason,
        } => {
            let who = crate::signin::staff(store, actor, "a supervision draw", clock).await?;
            let area = parse_area(&area)?;
            let request = supervision::DrawRequest {
                plan: &plan,
                area: &area,
                seed: &seed,
                reason: &reason,
            };
            let record =
                supervision::make_draw(store, policy, &who.account, &request, clock).await?;
            print!("{}", draw_text(&record));
        }
        EldercareCommand::ShowDraw { id } => {
            let record = store.supervision().draw(id).await?;
            print!("{}", draw_text(&record));
            match supervision::verify(&record) {
                Ok(true) => println!("Drawn again from its seed and lists: the same result."),
                _ => bail!("drawn again from its seed and lists, draw {id} gives another result"),
            }
        }
        EldercareCommand::Redraw {
            seed,
            institutions,
            inspectors,
            share,
            per_institution,
        } => {
            let read = |path: &Path| -> Result<Vec<String>> {
                Ok(std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect())
            };
            let input = supervision::DrawInput::new(
                &seed,
                read(&institutions)?,
                read(&inspectors)?,
                share,
                per_institution,
            );
            let drawn = supervision::draw(&input)?;
            println!("{}", supervision::draw::result_text(&drawn));
        }
        EldercareCommand::Inspect {
            draw,
            institution,
            on,
            results,
        } => {
            let who = crate::signin::staff(store, actor, "an inspection", clock).await?;
            let mut items = Vec::new();
            for r in &results {
                let (code, outcome) = r
                    .split_once('=')
                    .with_context(|| format!("'{r}': expected item=pass or item=fail:note"))?;
                let (passed, note) = match outcome.split_once(':') {
                    _ if outcome.trim() == "pass" => (true, String::new()),
                    Some(("fail", note)) => (false, note.to_string()),
                    _ if outcome.trim() == "fail" => (false, String::new()),
                    _ => bail!("'{r}': expected item=pass or item=fail:note"),
                };
                items.push((code.trim().to_string(), passed, note));
            }
            let inspection = supervision::Inspection {
                draw,
                institution: &institution,
                inspected_on: on.unwrap_or(clock.today),
                items,
            };
            let done =
                supervision::inspect(store, policy, &who.account, &inspection, clock).await?;
            let failed: Vec<&supervision::InspectionResult> =
                done.iter().filter(|r| !r.passed).collect();
            println!(
                "Inspection of {institution} recorded: {} items, {} failed.",
                done.len(),
                failed.len()
            );
            for f in failed {
                println!(
                    "  {} · {} · 整改期限 {}",
                    f.item,
                    f.note,
                    f.rectify_by.map(|d| d.to_string()).unwrap_or_default()
                );
            }
        }
        EldercareCommand::Rectified {
            draw,
            institution,
            item,
            on,
            note,
        } => {
            let who =
                crate::signin::staff(store, actor, "accepting a rectification", clock).await?;
            let on = on.unwrap_or(clock.today);
            supervision::rectified(
                store,
                &who.account,
                draw,
                &institution,
                &item,
                on,
                &note,
                clock,
            )
            .await?;
            println!("{item} of {institution} accepted as rectified on {on}.");
        }
        EldercareCommand::Apply {
            id_number,
            program,
            request,
            on,
            why,
        } => {
            applications::apply(
                store,
                policy,
                (&id_number, &program, &request, on),
                why,
                actor,
                clock,
            )
            .await?;
        }
        EldercareCommand::Applications { area } => {
            let scope = match area {
                Some(code) => Scope::Area(parse_area(&code)?),
                None => Scope::Everything,
            };
            applications::list(store, policy, &scope).await?;
        }
        EldercareCommand::Application { id, step, why } => {
            applications::application(store, policy, id, step, why, actor, clock).await?;
        }
        EldercareCommand::Due { by, area } => {
            let scope = match area {
                Some(code) => Scope::Area(parse_area(&code)?),
                None => Scope::Everything,
            };
            let by = by.unwrap_or(clock.today);
            let due = minsheng_eldercare::due(store, policy, &scope, by).await?;
            println!("{} 人到期复评 ({by} 前):", due.len());
            for d in due {
                println!(
                    "  {} {} {} 户 {} · 上次 {} {}",
                    d.area,
                    d.name,
                    d.id_number,
                    d.household,
                    d.last,
                    d.level.label_zh()
                );
            }
        }
        EldercareCommand::Assessments { id_number } => {
            let id = IdNumber::parse(&id_number).map_err(|e| anyhow::anyhow!("id_number: {e}"))?;
            let history = store
                .assessments()
                .of_person(&id, &Scope::Everything)
                .await?;
            if history.is_empty() {
                println!("{} has not been assessed.", id.masked());
            }
            for a in history {
                println!(
                    "{} {} 总分 {} {} · 评估 {} 复核 {}{}",
                    a.id,
                    a.assessed_on,
                    a.total,
                    a.level.label_zh(),
                    a.assessor,
                    a.reviewer,
                    if a.reason.is_empty() {
                        String::new()
                    } else {
                        format!(" · 理由: {}", a.reason)
                    }
                );
            }
        }
    }
    Ok(())
}

/// The columns of a canteens file (`eldercare canteens --import`), one row a dish.
const CANTEEN_COLUMNS: [&str; 15] = [
    "code",
    "name",
    "area",
    "capacity",
    "breakfast",
    "lunch",
    "dinner",
    "delivers_to",
    "bank_account",
    "opened_on",
    "dish",
    "dish_name",
    "slot",
    "price",
    "discount",
];

/// Reads a canteens file: every bad row reported by line and column, or the canteens with
/// their dishes (a canteen's own columns are taken from its first row).
fn read_canteens(path: &Path) -> Result<Vec<minsheng_eldercare::meals::CanteenRecord>> {
    use minsheng_core::Fen;
    use minsheng_eldercare::meals::{Canteen, CanteenRecord, Dish, Slot};
    let rows = minsheng_exchange::read_table(path, &CANTEEN_COLUMNS)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut list: Vec<CanteenRecord> = Vec::new();
    let mut errors = Vec::new();
    for (line, record) in rows {
        let record = match record {
            Ok(r) => r,
            Err(reason) => {
                errors.push(format!("line {line}: {reason}"));
                continue;
            }
        };
        let cell = |i: usize| record.get(i).unwrap_or_default().trim().to_string();
        let mut bad =
            |field: &str, reason: String| errors.push(format!("line {line}, {field}: {reason}"));
        let area = |text: &str, field: &str, bad: &mut dyn FnMut(&str, String)| {
            match AreaCode::parse(text) {
                Ok(a) => Some(a),
                Err(e) => {
                    bad(field, e.to_string());
                    None
                }
            }
        };
        let yuan = |i: usize, field: &str, bad: &mut dyn FnMut(&str, String)| match Fen::parse_yuan(
            &cell(i),
        ) {
            Ok(f) => f,
            Err(e) => {
                bad(field, e.to_string());
                Fen::ZERO
            }
        };
        let slot = match Slot::parse(&cell(12)) {
            Ok(s) => Some(s),
            Err(e) => {
                bad("slot", e.reason);
                None
            }
        };
        let dish = slot.map(|slot| Dish {
            code: cell(10),
            name: cell(11),
            slot,
            price: yuan(13, "price", &mut bad),
            discount: yuan(14, "discount", &mut bad),
        });
        let code = cell(0);
        if let Some(existing) = list.iter_mut().find(|c| c.canteen.code == code) {
            existing.dishes.extend(dish);
            continue;
        }
        let mut slots = std::collections::BTreeMap::new();
        for (i, s) in [(4, Slot::Breakfast), (5, Slot::Lunch), (6, Slot::Dinner)] {
            if cell(i).is_empty() {
                continue;
            }
            match chrono::NaiveTime::parse_from_str(&cell(i), "%H:%M") {
                Ok(t) => {
                    slots.insert(s, t);
                }
                Err(_) => bad(s.as_str(), format!("'{}' is not a time (HH:MM)", cell(i))),
            }
        }
        let capacity = cell(3).parse::<u32>().unwrap_or_else(|_| {
            bad("capacity", format!("'{}' is not a whole number", cell(3)));
            0
        });
        let delivers_to: Vec<AreaCode> = cell(7)
            .split_whitespace()
            .filter_map(|a| area(a, "delivers_to", &mut bad))
            .collect();
        let opened_on = NaiveDate::parse_from_str(&cell(9), "%Y-%m-%d").unwrap_or_else(|_| {
            bad(
                "opened_on",
                format!("'{}' is not a date (YYYY-MM-DD)", cell(9)),
            );
            NaiveDate::MIN
        });
        if let Some(area) = area(&cell(2), "area", &mut bad) {
            list.push(CanteenRecord {
                canteen: Canteen {
                    code,
                    name: cell(1),
                    area,
                    slots,
                    delivers_to,
                    capacity,
                },
                bank_account: cell(8),
                opened_on,
                dishes: dish.into_iter().collect(),
            });
        }
    }
    if !errors.is_empty() {
        bail!(
            "{} was not filed, nothing changed:\n  {}",
            path.display(),
            errors.join("\n  ")
        );
    }
    Ok(list)
}

/// Reads a menu file (`eldercare canteen-menu`): its dishes, or every bad row by line and
/// column.
fn read_dishes(path: &Path) -> Result<Vec<minsheng_eldercare::meals::Dish>> {
    use minsheng_core::Fen;
    use minsheng_eldercare::meals::{Dish, Slot};
    const COLUMNS: [&str; 5] = ["dish", "dish_name", "slot", "price", "discount"];
    let rows = minsheng_exchange::read_table(path, &COLUMNS)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let (mut dishes, mut errors) = (Vec::new(), Vec::new());
    for (line, record) in rows {
        let record = match record {
            Ok(r) => r,
            Err(reason) => {
                errors.push(format!("line {line}: {reason}"));
                continue;
            }
        };
        let cell = |i: usize| record.get(i).unwrap_or_default().trim().to_string();
        let slot = Slot::parse(&cell(2)).map_err(|e| format!("line {line}, slot: {}", e.reason));
        let price = Fen::parse_yuan(&cell(3)).map_err(|e| format!("line {line}, price: {e}"));
        let discount = Fen::parse_yuan(&cell(4)).map_err(|e| format!("line {line}, discount: {e}"));
        match (slot, price, discount) {
            (Ok(slot), Ok(price), Ok(discount)) => dishes.push(Dish {
                code: cell(0),
                name: cell(1),
                slot,
                price,
                discount,
            }),
            (slot, price, discount) => errors.extend(
                [slot.err(), price.err(), discount.err()]
                    .into_iter()
                    .flatten(),
            ),
        }
    }
    if !errors.is_empty() {
        bail!(
            "{} was not read, nothing changed:\n  {}",
            path.display(),
            errors.join("\n  ")
        );
    }
    Ok(dishes)
}

/// The columns of an institutions file (`eldercare institutions --import`).
const INSTITUTION_COLUMNS: [&str; 8] = [
    "code",
    "name",
    "area",
    "operator",
    "beds",
    "nursing_beds",
    "residents",
    "filed_on",
];

/// Reads an institutions file: every bad row reported by line and column, or the institutions.
fn read_institutions(path: &Path) -> Result<Vec<supervision::Institution>> {
    let rows = minsheng_exchange::read_table(path, &INSTITUTION_COLUMNS)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut list = Vec::new();
    let mut errors = Vec::new();
    for (line, record) in rows {
        let record = match record {
            Ok(r) => r,
            Err(reason) => {
                errors.push(format!("line {line}: {reason}"));
                continue;
            }
        };
        let cell = |i: usize| record.get(i).unwrap_or_default().trim().to_string();
        let mut bad =
            |field: &str, reason: String| errors.push(format!("line {line}, {field}: {reason}"));
        let count = |i: usize, field: &str, bad: &mut dyn FnMut(&str, String)| -> u32 {
            cell(i).parse().unwrap_or_else(|_| {
                bad(field, format!("'{}' is not a whole number", cell(i)));
                0
            })
        };
        let area = AreaCode::parse(&cell(2));
        let filed_on = NaiveDate::parse_from_str(&cell(7), "%Y-%m-%d");
        let beds = count(4, "beds", &mut bad);
        let nursing_beds = count(5, "nursing_beds", &mut bad);
        let residents = count(6, "residents", &mut bad);
        match (area, filed_on) {
            (Ok(area), Ok(filed_on)) => list.push(supervision::Institution {
                code: cell(0),
                name: cell(1),
                area,
                operator: cell(3),
                beds,
                nursing_beds,
                residents,
                filed_on,
            }),
            (area, filed_on) => {
                if let Err(e) = area {
                    bad("area", e.to_string());
                }
                if filed_on.is_err() {
                    bad(
                        "filed_on",
                        format!("'{}' is not a date (YYYY-MM-DD)", cell(7)),
                    );
                }
            }
        }
    }
    if !errors.is_empty() {
        bail!(
            "{} was not filed, nothing changed:\n  {}",
            path.display(),
            errors.join("\n  ")
        );
    }
    Ok(list)
}

/// An area code given on the command line.
fn parse_area(code: &str) -> Result<AreaCode> {
    AreaCode::parse(code.trim()).map_err(|e| anyhow::anyhow!("area: {e}"))
}

/// Files the care institutions, home care beds and refits of a synthetic city (`generate`,
/// `demo`), once.
pub async fn file_synthetic(
    store: &Store,
    policy: &Policy,
    people: u64,
    seed: u64,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    let filed = supervision::file_synthetic(store, people, seed, actor, clock).await?;
    if filed > 0 {
        println!("{filed} care institution(s) filed (minsheng eldercare institutions); their supervision is public: /supervision");
    }
    let assessed =
        minsheng_eldercare::assessments::file_synthetic(store, policy, actor, clock).await?;
    if assessed > 0 {
        println!("{assessed} ability assessment(s) filed behind the registry's levels (minsheng eldercare assessments ID).");
    }
    let filed = minsheng_eldercare::facilities::file_synthetic(store, seed, actor, clock).await?;
    if filed > 0 {
        println!("{filed} street centre(s) and community station(s) filed (minsheng eldercare facilities).");
    }
    let canteens = minsheng_eldercare::meals::file_synthetic(store, people, seed, actor, clock)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if canteens > 0 {
        println!("{canteens} meal-aid canteen(s) filed with their menus (/meals).");
    }
    let (listed, visits) = minsheng_eldercare::visits::file_synthetic(store, policy, actor, clock)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if listed > 0 {
        println!(
            "{listed} older resident(s) on the visiting roster, {visits} visit(s) recorded over the last {} days (/visits).",
            minsheng_eldercare::visits::SYNTHETIC_DAYS
        );
    }
    let (points, homes) =
        minsheng_eldercare::circle::file_synthetic(store, people, seed, actor, clock).await?;
    if points > 0 {
        println!("{points} service point(s) and {homes} household(s) placed on the map (minsheng eldercare circle).");
    }
    let (beds, refits) =
        minsheng_eldercare::applications::file_synthetic(store, policy, people, seed, actor, clock)
            .await?;
    if beds + refits > 0 {
        println!(
            "{beds} home care bed(s) and {refits} refit(s) of {} accepted and enrolled for payment (minsheng eldercare applications).",
            minsheng_synth::services::YEAR
        );
    }
    Ok(())
}

/// A draw as `eldercare draw` and `show-draw` print it.
fn draw_text(record: &supervision::DrawRecord) -> String {
    let mut out = format!(
        "Draw {} · {} · {} · seed {} · {} of {} institutions, {} per institution from {} inspectors\n",
        record.id,
        record.plan,
        record.area,
        record.seed,
        record.result.len(),
        record.institutions.len(),
        record.per_institution,
        record.inspectors.len(),
    );
    if let Some(later) = record.superseded_by {
        let _ = writeln!(out, "  superseded by draw {later}");
    }
    if !record.reason.is_empty() {
        let _ = writeln!(out, "  drawn again because: {}", record.reason);
    }
    for (code, team) in &record.result {
        let _ = writeln!(out, "  {code}: {}", team.join(", "));
    }
    out
}

/// An older person's entitlements as `eldercare entitlements` prints them.
fn entitlements_text(
    found: &minsheng_eldercare::entitlements::PersonEntitlements,
    name: &str,
    id_number: &str,
    why: bool,
) -> String {
    let mut out = format!(
        "{name} {id_number} · {} · {} (自 {} 起施行, {})\n",
        found.month, found.list, found.version_from, found.version_reference
    );
    for e in &found.items {
        let mark = match &e.entitled {
            Ok(true) => "✓ 享受",
            Ok(false) => "  不享受",
            Err(_) => "? 无法判定",
        };
        let amounts: Vec<String> = e
            .amounts
            .iter()
            .map(|(label, fen)| format!("{label} {} 元", fen.grouped()))
            .collect();
        let _ = writeln!(
            out,
            "{mark} {}{}{}",
            e.item.label,
            if amounts.is_empty() {
                String::new()
            } else {
                format!(" · {}", amounts.join(", "))
            },
            if e.item.placeholder {
                " (标准待定)"
            } else {
                ""
            }
        );
        if let Err(reason) = &e.entitled {
            let _ = writeln!(out, "      {reason}");
        }
        if why {
            for line in e.explanation.iter().flat_map(|t| t.lines()) {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    out
}

fn blank_form(scale: &Scale) -> String {
    let mut out = format!("# {} ({})\n", scale.label, scale.reference);
    for domain in &scale.domains {
        let _ = writeln!(out, "\n# {}", domain.label);
        for item in &domain.items {
            let _ = writeln!(out, "# {}", item.label);
            for (score, words) in item.options.iter().enumerate().rev() {
                let _ = writeln!(out, "#   {score}: {words}");
            }
            let _ = writeln!(out, "{}=", item.code);
        }
    }
    let _ = writeln!(out, "\n# 其他情况 (是 1, 否 0; 次数)");
    for condition in &scale.conditions {
        let _ = writeln!(out, "# {}\n{}=", condition.label, condition.code);
    }
    out
}

/// Reads `code=value` lines: a condition of the scale's, or else an item; whether the item is
/// known and its value in range is the scale's to say.
fn read_form(path: &Path, scale: &Scale) -> Result<Answers> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the form {}", path.display()))?;
    let mut answers = Answers::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let Some((code, value)) = line.split_once('=') else {
            bail!(
                "{} line {}: '{line}' is not code=value",
                path.display(),
                n + 1
            );
        };
        let (code, value) = (code.trim(), value.trim());
        if value.is_empty() {
            continue;
        }
        let value: u32 = value.parse().with_context(|| {
            format!(
                "{} line {}: {code}: '{value}' is not a number",
                path.display(),
                n + 1
            )
        })?;
        if scale.conditions.iter().any(|c| c.code == code) {
            answers.conditions.insert(code.to_string(), value);
        } else {
            answers
                .scores
                .insert(code.to_string(), u8::try_from(value).unwrap_or(u8::MAX));
        }
    }
    Ok(answers)
}

/// The demo's month of meal aid at the demo provider's canteen: the demo resident, authorised
/// by a disabled (失能) older neighbour, had lunch delivered to them on the first ten days of
/// last month while other elders ate at the canteen; the canteen settles the month, the street
/// approves it and the district pays it into the bank file. The resident also orders
/// tomorrow's lunch. Done once: a month already settled is left alone.
/// The demo's visiting care: the demo community's worker visits on their own account (a
/// visitor of the community signed in as them), and the list shows who is escalated.
pub async fn visit_story(
    store: &Store,
    staff: &[minsheng_core::access::Staff],
    clock: Clock,
) -> Result<()> {
    use minsheng_core::access::{Account, Role};
    use minsheng_eldercare::visits::{self, VisitorForm, VisitsStore as _};
    let Some(worker) = staff.iter().find(|s| {
        s.role == Role::Community && s.area.level() == minsheng_core::AreaLevel::Community
    }) else {
        return Ok(());
    };
    if store
        .visits()
        .visitors_of_account(&worker.name)
        .await?
        .is_empty()
    {
        visits::add_visitors(
            store,
            &Account::Staff(worker.clone()),
            &[VisitorForm {
                name: &worker.name,
                kind: "community_staff",
                area_code: worker.area.as_str(),
                phone: "0532-80000001",
                account: &worker.name,
            }],
            clock,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    println!(
        "{} visits the older residents of {} on the visiting roster as a visitor (/visits).",
        worker.name, worker.area
    );
    Ok(())
}

/// The demo's circle: computed once by the city's planner, so /circle has a picture.
pub async fn circle_story(
    store: &Store,
    policy: &Policy,
    staff: &[minsheng_core::access::Staff],
    clock: Clock,
) -> Result<()> {
    use minsheng_core::access::{Account, Role};
    use minsheng_eldercare::circle::{self, CircleStore as _};
    let Some(planner) = staff.iter().find(|s| s.role == Role::City) else {
        return Ok(());
    };
    if store.circle().last_run().await?.is_none() {
        let run = circle::refresh(
            store,
            policy,
            &Account::Staff(planner.clone()),
            clock.today,
            circle::SUGGESTIONS_PER_DISTRICT,
            clock,
            &minsheng_app::Quiet,
        )
        .await?;
        println!(
            "{} of {} older residents live within 15 minutes' walk of a service point; the gaps and suggested stations are on /circle.",
            run.covered, run.elders
        );
    }
    Ok(())
}

pub async fn meal_story(
    store: &Store,
    policy: &Policy,
    staff: &[minsheng_core::access::Staff],
    relative: (&minsheng_core::IdNumber, &str),
    bank_dir: &std::path::Path,
    clock: Clock,
) -> Result<()> {
    use minsheng_core::access::{Account, Role};
    use minsheng_core::registry::AbilityLevel;
    use minsheng_eldercare::meals::{self, MealsStore as _, OrderForm};
    let find = |role: Role| {
        staff
            .iter()
            .find(|s| s.role == role)
            .map(|s| Account::Staff(s.clone()))
            .with_context(|| format!("no demo {}", role.label()))
    };
    let (cook, street, district) = (
        find(Role::Provider)?,
        find(Role::Street)?,
        find(Role::District)?,
    );
    let Some(code) = store.meals().canteen_of(cook.name()).await? else {
        return Ok(());
    };
    let canteen = store
        .meals()
        .canteen(&code)
        .await?
        .context("the demo canteen")?;
    let month = minsheng_core::Month::containing(clock.today).previous();
    if store
        .meals()
        .settlements(month)
        .await?
        .iter()
        .any(|s| s.canteen == code)
    {
        return Ok(());
    }
    let on = month.first_day();
    let born_by = on
        .checked_sub_months(chrono::Months::new(12 * 66))
        .context("too early for the demo's meals")?;
    let (older, _) = store
        .service_roster(
            &canteen
                .canteen
                .area
                .parent()
                .unwrap_or(canteen.canteen.area.clone()),
            on,
            born_by,
            400,
            0,
        )
        .await?;
    let mut disabled = None;
    let mut others = Vec::new();
    for hit in &older {
        if &hit.id_number == relative.0 {
            continue;
        }
        let file = store.household_file(hit.id_number.as_str()).await?;
        let facts = file
            .as_of(on, clock.now)
            .into_iter()
            .find(|(p, _)| p.id_number == hit.id_number)
            .map(|(_, f)| f.clone());
        let Some(facts) = facts.filter(|f| f.death_date.is_none()) else {
            continue;
        };
        let served =
            facts.area.is_within(&canteen.canteen.area) || canteen.canteen.delivers_to(&facts.area);
        if !served {
            continue;
        }
        let impaired = matches!(
            facts.ability,
            Some(AbilityLevel::Moderate | AbilityLevel::Severe | AbilityLevel::Complete)
        );
        if impaired && disabled.is_none() && canteen.canteen.delivers_to(&facts.area) {
            disabled = Some(hit.clone());
        } else if others.len() < 8 {
            others.push(hit.clone());
        }
    }
    // A city too small to have a disabled elder within reach: an older neighbour instead.
    let ability = if disabled.is_some() {
        "disabled (失能) "
    } else {
        "older "
    };
    let Some(elder) = disabled.or_else(|| others.pop()) else {
        println!(
            "Meal aid: no older resident within reach of {} for the demo's meals.",
            canteen.canteen.name
        );
        return Ok(());
    };
    meals::authorise(
        store,
        &street,
        elder.id_number.as_str(),
        (relative.0.as_str(), relative.1),
        clock,
    )
    .await?;
    let resident = Account::Resident {
        id_number: relative.0.clone(),
        name: relative.1.to_string(),
    };
    let ids: Vec<String> = others
        .iter()
        .map(|h| h.id_number.as_str().to_string())
        .collect();
    let elder_id = elder.id_number.as_str().to_string();
    let mut history = Vec::new();
    for d in 0..10 {
        let day = on + chrono::Duration::days(d);
        history.push((
            resident.clone(),
            OrderForm {
                canteen: &code,
                id_number: &elder_id,
                day,
                slot: "lunch",
                service: "delivered",
                dish: "L1",
            },
        ));
        for id in ids
            .iter()
            .skip(usize::try_from(d % 3).unwrap_or(0))
            .step_by(2)
        {
            history.push((
                cook.clone(),
                OrderForm {
                    canteen: &code,
                    id_number: id,
                    day,
                    slot: "lunch",
                    service: "dine_in",
                    dish: "L1",
                },
            ));
        }
    }
    let recorded = meals::record_history(store, policy, &history, cook.name(), clock).await?;
    let settled = meals::settle(store, &cook, &code, month, clock).await?;
    meals::approve(store, &street, settled.id, clock).await?;
    std::fs::create_dir_all(bank_dir)
        .with_context(|| format!("creating {}", bank_dir.display()))?;
    let paid = meals::pay(store, &district, month, bank_dir, clock).await?;
    println!(
        "Meal aid at {} ({code}): {recorded} meals of {month}, {} of them delivered to the {ability}neighbour {} ({}) and ordered by {}; settled by {}, approved by {}, {} yuan paid{} (/meals/settlements?month={month}).",
        canteen.canteen.name,
        settled.statement.delivered,
        elder.name,
        elder.id_number.masked(),
        relative.1,
        cook.name(),
        street.name(),
        settled.payable(),
        paid.map(|b| format!(" in {}", b.file.display())).unwrap_or_default(),
    );
    let tomorrow = clock.today + chrono::Duration::days(1);
    let form = OrderForm {
        canteen: &code,
        id_number: &elder_id,
        day: tomorrow,
        slot: "lunch",
        service: "delivered",
        dish: "L1",
    };
    match meals::order(store, policy, &resident, &form, clock).await {
        Ok(placed) => println!(
            "  {} ordered tomorrow's delivered lunch: {} (/meals?day={tomorrow} as {}).",
            relative.1,
            placed.priced.explained,
            cook.name()
        ),
        Err(e) => println!("  tomorrow's lunch could not be ordered: {e}"),
    }
    Ok(())
}
