//! `minsheng medical …`: claims settled at the command line as a hospital's system would post
//! them, explained line by line, reversed; a person's medical year; the synthetic city's
//! hospitals, catalogue and cover.

pub mod care;

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use minsheng_app::Clock;
use minsheng_core::IdNumber;
use minsheng_medical::{explain, reverse, settle, Claim, ClaimRecord, MedicalStore as _, Posted};
use minsheng_policy::Policy;
use minsheng_store::Store;

#[derive(Subcommand)]
pub enum MedicalCommand {
    /// Long-term care insurance (长期护理保险): providers, qualifications, a provider's month
    /// claimed, approved and paid.
    Care {
        #[command(subcommand)]
        command: care::CareCommand,
    },
    /// Settle a claim (就医结算) as the hospital's system posts it: a JSON file with
    /// claim_number, id_number, date, visit, place, use_account, total and lines
    /// ([{item, amount}]). Posting the same claim again answers the first settlement.
    Settle {
        #[arg(long)]
        hospital: String,
        #[arg(long)]
        claim: PathBuf,
    },
    /// A settled claim explained line by line: every rule, parameter value, date and reference.
    Explain {
        #[arg(long)]
        hospital: String,
        /// The hospital's claim number.
        #[arg(long)]
        claim: String,
    },
    /// Reverse (冲正) a settled claim: its amounts leave the person's year.
    Reverse {
        #[arg(long)]
        hospital: String,
        #[arg(long)]
        claim: String,
        #[arg(long)]
        reason: String,
    },
    /// A person's medical year: cover, what the year's claims bore and paid so far, each claim.
    Year {
        id_number: String,
        /// Default this year.
        #[arg(long)]
        year: Option<i32>,
    },
    /// Let a service provider's account (a hospital's system) settle claims for a hospital.
    Link {
        #[arg(long)]
        staff: String,
        #[arg(long)]
        hospital: String,
    },
    /// File the synthetic city's hospitals, catalogue and every resident's cover for a year
    /// (default this year), as the demo does; with --claims, post and settle the synthetic
    /// city's claims of that month instead (again: nothing new).
    Synthetic {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        claims: Option<minsheng_core::Month>,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Lapses (断保): residents covered last year and not this year (default this year), and
    /// those whose cover stopped this year with none after it (停保); with --remind, a
    /// reminder to each through the notifications outbox (once a person and cause).
    Lapses {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        remind: bool,
    },
    /// Employees' covers the registry says stop (停保: the employment ended; the cover ends
    /// with that month), this year by default; with --apply, each cover ended, one audit entry.
    Stops {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        apply: bool,
    },
    /// Coverage by district: residents, and those covered for the year (default this year).
    Coverage {
        #[arg(long)]
        year: Option<i32>,
    },
    /// A resident's own payment for a year (default this year) of residents' insurance
    /// (居民医保缴费): the cover it buys, the contribution and any waiting period before it pays.
    /// An adult chooses --tier adult_1 (一档) or adult_2 (二档).
    Pay {
        id_number: String,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        tier: Option<String>,
        /// A university student's course's last year: every year to it paid at once.
        #[arg(long)]
        until: Option<i32>,
    },
    /// Information sheets of transfers into the city (转移接续), as the platform sends them:
    /// a CSV file with the header number,id_number,other_area,scheme,covered_since,
    /// covered_until,contribution_months,account_balance,application. Each sheet is filed or
    /// refused on its own; a sheet filed before is answered again and moves nothing.
    TransferIn { file: PathBuf },
    /// A resident's insurance transferred out to another pooling area: the cover ends on --on
    /// (default today), the personal account goes with the information sheet, which is printed.
    /// Across provinces the person's online application (--application) is required.
    TransferOut {
        id_number: String,
        /// The receiving pooling area's six-digit code.
        #[arg(long)]
        to: String,
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
        #[arg(long)]
        application: Option<String>,
    },
    /// Recognise a resident as an object of medical assistance (医疗救助对象认定) for a period
    /// of at most a year: --as near_poor (低保边缘家庭成员), rigid_expenditure (刚性支出困难家庭成员)
    /// or illness_poverty (因病致贫重病患者), with the decision it rests on. Claims of the days it
    /// covers are helped after insurance in the same settlement. (特困 and 低保 come from the
    /// assistance decisions themselves.)
    Recognise {
        id_number: String,
        #[arg(long = "as")]
        category: String,
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        to: chrono::NaiveDate,
        /// The decision's document number or case.
        #[arg(long)]
        basis: String,
    },
    /// Register care in another province (异地就医备案): --reason referral or other_temporary
    /// (临时外出就医: filed by the person themself, in force at once for six months) or
    /// resettled_retiree, long_term_resident, posted_worker (长期异地: reviewed), with the
    /// six-digit division of the destination. Acts as the person's account or any office's
    /// (市域通办). Care within Shandong needs none.
    Elsewhere {
        id_number: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        destination: String,
        /// Default today.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
    },
    /// High out-of-pocket costs (防止因病返贫): residents who bore at least the rules'
    /// medical.assistance.high_burden in the twelve months to --on (default today), cash and
    /// personal account, with the medical assistance that helps them; with --record, the
    /// registry's medical spending of the last twelve months raised to it, for the sweep.
    Burden {
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
        #[arg(long)]
        record: bool,
    },
    /// Bind an employee's spouse, parent or child (as the registry's household records them)
    /// to the employee's personal account (个人账户家庭共济): their claims may then draw on it.
    /// Acts as the employee's account or any office's.
    FamilyBind { holder: String, relative: String },
    /// End a family mutual aid binding today.
    FamilyEnd { id: i64 },
    /// Review a long-term registration (district or city staff, not who filed it).
    ElsewhereReview {
        id: i64,
        #[arg(long, conflicts_with = "refuse", required_unless_present = "refuse")]
        approve: bool,
        #[arg(long)]
        refuse: bool,
        #[arg(long)]
        reason: String,
    },
    /// Newborns of the year (default this year) not yet covered, covered from their day of
    /// birth (出生一件事).
    Newborns {
        #[arg(long)]
        year: Option<i32>,
    },
    /// What-if on the settlement rules: the month's claims settled again under changed
    /// parameters (each person's year replayed from its first claim), the funds' cost and who
    /// pays more or less, by district and visit type.
    WhatIf {
        #[arg(long)]
        month: minsheng_core::Month,
        /// NAME=VALUE or NAME=+5% (e.g. medical.ratio.general_outpatient.resident=0.70);
        /// repeatable.
        #[arg(long = "change", required = true)]
        changes: Vec<String>,
    },
}

/// Runs a medical command: `policy` the settlement rules, `care_policy` the folder of long-term
/// care insurance's.
pub async fn run(
    store: &Store,
    (policy, care_policy): (&Policy, &std::path::Path),
    command: MedicalCommand,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    match command {
        MedicalCommand::Care { command } => {
            let care = crate::policy::load(care_policy)?;
            care::run(store, &care, command, actor, clock).await?;
        }
        MedicalCommand::Settle { hospital, claim } => {
            let text = std::fs::read_to_string(&claim)
                .with_context(|| format!("cannot read {}", claim.display()))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", claim.display()))?;
            let claim = match Claim::from_json(&json) {
                Ok(c) => c,
                Err(errors) => {
                    let lines: Vec<String> = errors
                        .iter()
                        .map(|e| format!("  {}: {}", e.field, e.reason))
                        .collect();
                    bail!("结算单有误，未结算：\n{}", lines.join("\n"));
                }
            };
            let posted = settle(store, policy, &hospital, &claim, actor, clock.now).await?;
            if let Posted::Again(_) = posted {
                println!(
                    "结算单号 {} 此前已结算，以下为原结算结果（未重复结算）。",
                    claim.number
                );
            }
            print!("{}", show(posted.record()));
            print!("{}", explained(policy, posted.record())?);
        }
        MedicalCommand::Explain { hospital, claim } => {
            let Some(record) = store.medical().claim_numbered(&hospital, &claim).await? else {
                bail!("{hospital} 没有结算单号 {claim} 的结算");
            };
            print!("{}", show(&record));
            print!("{}", explained(policy, &record)?);
        }
        MedicalCommand::Reverse {
            hospital,
            claim,
            reason,
        } => {
            let record = reverse(store, &hospital, &claim, &reason, actor, clock.now).await?;
            println!(
                "结算单号 {} 已冲正（{}）：统筹基金 {}、大额/大病 {}、医疗救助 {}、个人账户 {} 退回本年度累计。",
                record.number,
                reason.trim(),
                record.settlement.fund,
                record.settlement.supplement,
                record.settlement.aid,
                record.settlement.account
            );
        }
        MedicalCommand::Year { id_number, year } => {
            let id = IdNumber::parse(&id_number).map_err(|e| anyhow::anyhow!("id_number: {e}"))?;
            let year = year.unwrap_or_else(|| minsheng_medical::enrolment::year_of(clock.now));
            let medical = store.medical();
            let Some(insured) = medical.insured(&id).await? else {
                bail!("登记中没有在册居民 {}", id.masked());
            };
            let covers = medical.covers(insured.person_id, year).await?;
            if covers.is_empty() {
                println!("{} {year} 年度未参保。", id.masked());
            }
            for (c, money) in &covers {
                println!(
                    "{} {year} 年度：{}（{}{}{}），{} 至 {}",
                    id.masked(),
                    c.scheme.label(),
                    c.tier.label(),
                    if c.retired { "，退休" } else { "" },
                    if c.two_diseases {
                        "，“两病”"
                    } else {
                        ""
                    },
                    c.from,
                    c.to
                );
                println!(
                    "  缴费：个人 {}，财政补助 {}，医疗救助资助 {}{}",
                    money.personal,
                    money.fiscal_subsidy,
                    money.assistance_subsidy,
                    money
                        .assisted_as
                        .map(|a| format!("（{}）", a.label()))
                        .unwrap_or_default()
                );
                let (ytd, balance) = medical.year(insured.person_id, year, c.scheme).await?;
                println!(
                    "  本年度{}：统筹基金已付 {}，普通门诊统筹已付 {}，个人负担政策范围内 {}，大额/大病已付 {}；个人账户余额 {balance}",
                    c.scheme.label(), ytd.fund, ytd.outpatient_fund, ytd.self_paid_in_policy, ytd.supplement
                );
                for v in minsheng_medical::Visit::ALL {
                    let d = ytd.deductible_of(*v);
                    if d.0 > 0 {
                        println!("    {}起付线已负担 {d}", v.label());
                    }
                }
            }
            if let Some((c, _)) = covers.first() {
                let (ytd, _) = medical.year(insured.person_id, year, c.scheme).await?;
                if ytd.aid.0 > 0 || ytd.aid_deductible.0 > 0 {
                    println!(
                        "  本年度医疗救助：起付线已负担 {}，已支付 {}",
                        ytd.aid_deductible, ytd.aid
                    );
                }
            }
            use minsheng_medical::elsewhere::ElsewhereStore as _;
            for r in store.elsewhere().of_person(insured.person_id).await? {
                println!("  {}", registration(&r));
            }
            for b in medical.bindings(insured.person_id).await? {
                let (role, other) = if b.holder_id == insured.person_id {
                    ("个人账户共济给：", b.relative_id)
                } else {
                    ("使用其职工个人账户（家庭共济）：", b.holder_id)
                };
                let other = medical
                    .id_number_of(other)
                    .await?
                    .map_or_else(String::new, |i| i.masked());
                println!(
                    "  家庭共济 {}：{role} {other}（{}），{} 至 {}",
                    b.id,
                    b.kin.label(),
                    b.from,
                    b.to.map_or("今".to_string(), |t| t.to_string())
                );
            }
            for r in medical.recognitions(insured.person_id).await? {
                println!(
                    "  医疗救助对象认定 {}：{}，{} 至 {}（{}）",
                    r.id,
                    r.category.label(),
                    r.from,
                    r.to,
                    r.basis
                );
            }
            for c in medical.claims_of(insured.person_id, year).await? {
                println!(
                    "  {} {} {} {}：总额 {}，统筹 {}，医疗救助 {}，个人现金 {}{}",
                    c.day,
                    c.hospital,
                    c.number,
                    c.visit.label(),
                    c.settlement.total,
                    c.settlement.fund,
                    c.settlement.aid,
                    c.settlement.person,
                    if c.reversed_at.is_some() {
                        "（已冲正）"
                    } else {
                        ""
                    }
                );
            }
        }
        MedicalCommand::Link { staff, hospital } => {
            link(store, &staff, &hospital, actor, clock).await?;
            println!("{staff} 可为 {hospital} 结算（POST /api/v1/medical/claims）。");
        }
        MedicalCommand::Synthetic {
            claims: Some(month),
            seed,
            ..
        } => {
            let posted = minsheng_medical::synthetic::post_month(
                store, policy, seed, month, actor, clock.now,
            )
            .await?;
            println!(
                "{month}: {} claims settled, {} in all, {} from the funds.",
                posted.claims, posted.total, posted.fund
            );
        }
        MedicalCommand::Lapses { year, remind } => {
            use minsheng_medical::enrolment::{lapses_of, remind_lapses, year_of};
            let year = year.unwrap_or_else(|| year_of(clock.now));
            let lapses = lapses_of(store, year).await?;
            for l in lapses.iter().take(20) {
                println!(
                    "  {} {} {} {}（{}，{} 至 {}）",
                    l.cause.label(),
                    l.id_number.masked(),
                    l.household,
                    l.area,
                    l.last.scheme.label(),
                    l.last.from,
                    l.last.to
                );
            }
            if lapses.len() > 20 {
                println!("  … {} more", lapses.len() - 20);
            }
            let stopped = lapses
                .iter()
                .filter(|l| l.cause == minsheng_medical::enrolment::Cause::Stopped)
                .count();
            println!(
                "{year}: {} residents covered in {} have not paid for {year}; {stopped} whose cover stopped in {year} have no cover after it.",
                lapses.len() - stopped,
                year - 1
            );
            if remind {
                let new = remind_lapses(store, policy, year, actor, clock.now).await?;
                println!(
                    "{new} reminders queued ({} were reminded before).",
                    lapses.len() as u64 - new.min(lapses.len() as u64)
                );
            }
        }
        MedicalCommand::Stops { year, apply } => {
            let year = year.unwrap_or_else(|| minsheng_medical::enrolment::year_of(clock.now));
            let stops = if apply {
                minsheng_medical::stop::stop_due(store, year, actor, clock.now).await?
            } else {
                minsheng_medical::stop::due(store, year, clock.today).await?
            };
            for s in stops.iter().take(20) {
                println!(
                    "  登记号 {}：{} {} 至 {}，停保于 {}",
                    s.person_id,
                    s.cover.scheme.label(),
                    s.cover.from,
                    s.cover.to,
                    s.ends
                );
            }
            if stops.len() > 20 {
                println!("  … {} more", stops.len() - 20);
            }
            match apply {
                true => println!(
                    "{year}: {} employees' covers stopped; `minsheng medical lapses --remind` tells them.",
                    stops.len()
                ),
                false => println!(
                    "{year}: {} employees' covers to stop (--apply ends them).",
                    stops.len()
                ),
            }
        }
        MedicalCommand::Coverage { year } => {
            let year = year.unwrap_or_else(|| minsheng_medical::enrolment::year_of(clock.now));
            let rows = store.medical().coverage(year).await?;
            let codes: Vec<&str> = rows.iter().map(|(d, _, _)| d.as_str()).collect();
            let names = store.area_names(&codes).await?;
            let (mut residents, mut covered) = (0, 0);
            println!("{year} 参保情况：区、常住居民、已参保、参保率");
            for (district, r, c) in &rows {
                residents += r;
                covered += c;
                println!(
                    "  {} {r} {c} {}",
                    names
                        .get(district)
                        .map_or(district.as_str(), String::as_str),
                    percent(*c, *r)
                );
            }
            println!(
                "  全市 {residents} {covered} {}",
                percent(covered, residents)
            );
        }
        MedicalCommand::Pay {
            id_number,
            year,
            tier,
            until,
        } => {
            let id = IdNumber::parse(&id_number).map_err(|e| anyhow::anyhow!("id_number: {e}"))?;
            let tier = tier
                .map(|t| minsheng_medical::Tier::parse("tier", &t))
                .transpose()
                .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.reason))?;
            let paying = minsheng_medical::enrolment::Paying {
                id_number: id.clone(),
                year: year.unwrap_or_else(|| minsheng_medical::enrolment::year_of(clock.now)),
                tier,
                until,
            };
            let paid =
                minsheng_medical::enrolment::pay(store, policy, &paying, actor, clock.now).await?;
            println!(
                "{} {} 年度{}（{}）：个人缴费 {}，财政补助 {}；待遇 {} 至 {}{}。",
                id.masked(),
                paying.year,
                paid.cover.scheme.label(),
                paid.cover.tier.label(),
                paid.contribution.personal,
                paid.contribution.fiscal_subsidy,
                paid.cover.from,
                paid.cover.to,
                match paid.waiting_months {
                    0 => String::new(),
                    n => format!("（待遇等待期 {n} 个月）"),
                }
            );
            for (cover, contribution) in &paid.later_years {
                println!(
                    "  {} 年度：个人缴费 {}，财政补助 {}；待遇 {} 至 {}。",
                    chrono::Datelike::year(&cover.from),
                    contribution.personal,
                    contribution.fiscal_subsidy,
                    cover.from,
                    cover.to
                );
            }
        }
        MedicalCommand::TransferIn { file } => {
            let mut reader = csv::Reader::from_path(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let headers = reader.headers()?.clone();
            let (mut filed, mut again, mut refused) = (0, 0, 0);
            for (i, row) in reader.records().enumerate() {
                let row = row.with_context(|| format!("{} row {}", file.display(), i + 2))?;
                let sheet = minsheng_medical::transfer::Sheet::read(|name| {
                    let at = headers.iter().position(|h| h.trim() == name)?;
                    row.get(at).map(str::to_string)
                });
                let result = match sheet {
                    Ok(sheet) => {
                        minsheng_medical::transfer::receive(store, policy, &sheet, actor, clock.now)
                            .await
                            .map(|r| (sheet, r))
                    }
                    Err(errors) => Err(minsheng_medical::ClaimError::Invalid(errors)),
                };
                match result {
                    Ok((sheet, r)) if r.again => {
                        again += 1;
                        println!("{} 已登记过，未重复办理", sheet.number.trim());
                    }
                    Ok((sheet, r)) => {
                        filed += 1;
                        println!("{} 转入：{}", sheet.number.trim(), sheet.summary(r.route));
                    }
                    Err(e) => {
                        refused += 1;
                        println!("第 {} 行未办理：{e}", i + 2);
                    }
                }
            }
            println!("转入 {filed} 人，重复 {again} 份，未办理 {refused} 份。");
            if refused > 0 {
                bail!("{refused} sheet(s) refused");
            }
        }
        MedicalCommand::Elsewhere {
            id_number,
            reason,
            destination,
            from,
        } => {
            use minsheng_medical::elsewhere::{apply, Apply, Reason};
            let who =
                crate::signin::account(store, actor, "an out-of-town registration", clock).await?;
            let a = Apply {
                id_number: IdNumber::parse(&id_number)
                    .map_err(|e| anyhow::anyhow!("id_number: {e}"))?,
                reason: Reason::parse("reason", &reason)
                    .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.reason))?,
                destination,
                from: from.unwrap_or(clock.today),
            };
            let r = apply(store, policy, &who.account, &a, clock).await?;
            println!("{}", registration(&r));
        }
        MedicalCommand::Burden { on, record } => {
            use minsheng_medical::burden;
            let on = on.unwrap_or(clock.today);
            let list = burden::list(store, policy, on).await?;
            println!(
                "{} residents bore at least {} yuan in the twelve months to {on}:",
                list.len(),
                burden::threshold(policy, on)?
            );
            for b in list.iter().take(50) {
                println!(
                    "  {} {}  borne {}  registry {}  {}",
                    b.id_number.masked(),
                    b.area,
                    b.borne,
                    b.recorded,
                    match b.aid {
                        minsheng_medical::Aid::None => "未获医疗救助".to_string(),
                        aid => format!("医疗救助：{}", aid.label()),
                    }
                );
            }
            if record {
                let raised = burden::record(store, policy, on, actor, clock).await?;
                println!(
                    "{raised} residents' medical spending raised in the registry from {on} (minsheng sweep reads it)."
                );
            }
        }
        MedicalCommand::FamilyBind { holder, relative } => {
            let who =
                crate::signin::account(store, actor, "a family mutual aid binding", clock).await?;
            let parse = |t: &str| IdNumber::parse(t).map_err(|e| anyhow::anyhow!("{t}: {e}"));
            let b = minsheng_medical::family::bind(
                store,
                &who.account,
                &parse(&holder)?,
                &parse(&relative)?,
                clock,
            )
            .await?;
            println!(
                "家庭共济 {}：{} 的个人账户自 {} 起可支付其{} {} 的医疗费用。",
                b.id,
                parse(&holder)?.masked(),
                b.from,
                b.kin.label(),
                parse(&relative)?.masked()
            );
        }
        MedicalCommand::FamilyEnd { id } => {
            let who = crate::signin::account(store, actor, "ending a binding", clock).await?;
            let b = minsheng_medical::family::end(store, &who.account, id, clock).await?;
            println!("家庭共济 {} 止于 {}。", b.id, b.to.unwrap_or(b.from));
        }
        MedicalCommand::ElsewhereReview {
            id,
            approve,
            refuse: _,
            reason,
        } => {
            let who = crate::signin::staff(store, actor, "reviewing a registration", clock).await?;
            let r = minsheng_medical::elsewhere::review(
                store,
                &who.account,
                id,
                approve,
                &reason,
                clock,
            )
            .await?;
            println!("{}", registration(&r));
        }
        MedicalCommand::Recognise {
            id_number,
            category,
            from,
            to,
            basis,
        } => {
            let r = minsheng_medical::aid::Recognise {
                id_number: IdNumber::parse(&id_number)
                    .map_err(|e| anyhow::anyhow!("id_number: {e}"))?,
                category: minsheng_medical::Aid::parse("category", &category)
                    .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.reason))?,
                from,
                to,
                basis,
            };
            let id = minsheng_medical::aid::recognise(
                store,
                &r,
                &minsheng_core::access::Scope::Everything,
                actor,
                clock.now,
            )
            .await?;
            println!(
                "认定 {id}：{} 为{}（医疗救助对象），{} 至 {}。",
                r.id_number.masked(),
                r.category.label(),
                r.from,
                r.to
            );
        }
        MedicalCommand::TransferOut {
            id_number,
            to,
            on,
            application,
        } => {
            let id = IdNumber::parse(&id_number).map_err(|e| anyhow::anyhow!("id_number: {e}"))?;
            let leaving = minsheng_medical::transfer::Leaving {
                id_number: id,
                to_area: to,
                on: on.unwrap_or(clock.today),
                application,
            };
            let sheet =
                minsheng_medical::transfer::send(store, policy, &leaving, actor, clock.now).await?;
            println!(
                "参保人员基本医疗保险信息表 {}\n  参保人 {}\n  转入地 {}\n  险种 {}\n  连续参保 {} 至 {}\n  缴费月数 {}\n  个人账户划转 {}",
                sheet.number,
                sheet.id_number.masked(),
                sheet.other_area,
                sheet.scheme.label(),
                sheet.covered_since,
                sheet.covered_until,
                sheet.contribution_months,
                sheet.account_balance
            );
        }
        MedicalCommand::Newborns { year } => {
            let year = year.unwrap_or_else(|| minsheng_medical::enrolment::year_of(clock.now));
            let n =
                minsheng_medical::enrolment::enrol_newborns(store, policy, year, actor, clock.now)
                    .await?;
            println!("{n} newborns of {year} covered from their day of birth.");
        }
        MedicalCommand::WhatIf { month, changes } => {
            print!("{}", what_if(store, policy, month, &changes).await?);
        }
        MedicalCommand::Synthetic { year, .. } => {
            let year = year.unwrap_or_else(|| minsheng_medical::enrolment::year_of(clock.now));
            let filed =
                minsheng_medical::enrolment::file_synthetic(store, policy, year, actor, clock.now)
                    .await?;
            println!(
                "{year}: {} hospitals, {} catalogue items, {} residents covered ({} subsidised), {} personal accounts credited.",
                filed.hospitals, filed.items, filed.covered, filed.subsidised, filed.accounts
            );
        }
    }
    Ok(())
}

/// `part` of `whole` as a percentage with one decimal, exact.
fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "—".into();
    }
    let tenths = (part * 1000 + whole / 2) / whole;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// The what-if's table as text: by district and visit type, then the whole.
pub async fn what_if(
    store: &Store,
    policy: &Policy,
    month: minsheng_core::Month,
    changes: &[String],
) -> Result<String> {
    use minsheng_medical::whatif::{Row, WhatIfError};
    let report = minsheng_medical::whatif::month(store, policy, month, changes)
        .await
        .map_err(|e| match e {
            WhatIfError::Change(e) => anyhow::anyhow!("change: {e}"),
            e => e.into(),
        })?;
    let mut out = String::new();
    let _ = writeln!(out, "{month} 医保结算测算：{}", changes.join("，"));
    let _ = writeln!(
        out,
        "{:<10} {:<8} {:>8} {:>14} {:>14} {:>12} {:>8} {:>8}",
        "区", "就医类型", "结算笔数", "基金支付(现行)", "基金支付(调整)", "差额", "多付", "少付"
    );
    let mut line = |name: &str, visit: &str, row: &Row| -> Result<()> {
        let change = row.funds_change().context("金额过大")?;
        let _ = writeln!(
            out,
            "{:<10} {:<8} {:>8} {:>14} {:>14} {:>12} {:>8} {:>8}",
            name,
            visit,
            row.claims,
            row.funds_before,
            row.funds_after,
            change,
            row.pay_more,
            row.pay_less
        );
        Ok(())
    };
    for (_, name, visit, row) in &report.rows {
        line(name, visit.label(), row)?;
    }
    line("全市", "", &report.whole)?;
    Ok(out)
}

/// Links a service provider's account to a hospital, refusing any other account.
async fn link(store: &Store, staff: &str, hospital: &str, actor: &str, clock: Clock) -> Result<()> {
    use minsheng_core::access::Role;
    match store.staff(staff).await? {
        Some(s) if s.role == Role::Provider => {}
        Some(_) => bail!("staff: {staff} 不是服务机构账户，不能代医疗机构结算"),
        None => bail!("staff: 没有工作人员 {staff}"),
    }
    store
        .medical()
        .link_staff(
            staff,
            hospital,
            minsheng_store::NewAuditEntry {
                actor: actor.to_string(),
                action: "medical.link".into(),
                subject: format!("hospital {hospital}"),
                detail: staff.to_string(),
                at: clock.now,
            },
        )
        .await?;
    Ok(())
}

/// A settled claim as a clerk reads it: who pays what, then each line.
pub fn show(c: &ClaimRecord) -> String {
    let s = &c.settlement;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "结算单 {} / {}  {}  {}  {}（{}，{}）",
        c.hospital,
        c.number,
        c.id_number.masked(),
        c.day,
        c.visit.label(),
        c.cover.scheme.label(),
        c.level.label()
    );
    let _ = writeln!(
        out,
        "  医疗费用总额 {}（政策范围内 {}）",
        s.total, s.in_policy
    );
    let _ = writeln!(out, "  起付线 {}", s.deductible_applied);
    let _ = writeln!(out, "  统筹基金支付 {}", s.fund);
    let _ = writeln!(out, "  大额医疗补助/大病保险支付 {}", s.supplement);
    if c.aided_as != minsheng_medical::Aid::None {
        let _ = writeln!(
            out,
            "  医疗救助支付 {}（{}，救助起付线 {}）",
            s.aid,
            c.aided_as.label(),
            s.aid_deductible_applied
        );
    }
    let _ = writeln!(out, "  个人账户支付 {}", s.account);
    let _ = writeln!(out, "  个人现金支付 {}", s.person);
    for (i, l) in s.lines.iter().enumerate() {
        let _ = writeln!(
            out,
            "  明细{} {} {} {}：政策范围内 {}，乙类先行自付 {}",
            i + 1,
            l.item,
            l.class.label(),
            l.amount,
            l.in_policy,
            l.first_self_paid
        );
    }
    if let Some(at) = c.reversed_at {
        let _ = writeln!(
            out,
            "  已于 {} 冲正：{}",
            at.format("%Y-%m-%d %H:%M"),
            c.reversal_reason.as_deref().unwrap_or("")
        );
    }
    out
}

/// An out-of-town registration in one line.
fn registration(r: &minsheng_medical::elsewhere::Registration) -> String {
    format!(
        "异地就医备案 {}：{}（{}）至 {}，{} 起{}，{}{}",
        r.id,
        r.kind.label(),
        r.reason.label(),
        r.destination,
        r.from,
        r.to.map_or(String::new(), |t| format!("至 {t}")),
        r.state.label(),
        r.decided
            .as_ref()
            .map_or(String::new(), |(_, by, why)| format!("（{by}：{why}）"))
    )
}

fn explained(policy: &Policy, c: &ClaimRecord) -> Result<String> {
    let e = explain(policy, c)?;
    let mut out = String::from("\n为什么：\n");
    if !e.same_rules {
        out.push_str("（结算后规则已有改动；以下按现行规则重算，与结算时的规则不同）\n");
    }
    for tree in e.trees {
        out.push_str(&tree);
        out.push('\n');
    }
    Ok(out)
}

/// Files the synthetic city's hospitals, catalogue and cover for last year and this (each
/// year once), as the demo does.
pub async fn file_synthetic(
    store: &Store,
    policy: &Policy,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    use minsheng_medical::enrolment::{file_synthetic, year_of};
    let this_year = year_of(clock.now);
    let medical = store.medical();
    for year in [this_year - 1, this_year] {
        if medical.covered(year).await? == 0 {
            let filed = file_synthetic(store, policy, year, actor, clock.now).await?;
            println!(
                "Medical insurance {year}: {} residents covered ({} subsidised), {} hospitals, {} catalogue items.",
                filed.covered, filed.subsidised, filed.hospitals, filed.items
            );
        }
    }
    Ok(())
}

/// Links a demo hospital system's account (a service provider of a district) to the district's
/// tier-3 hospital.
pub async fn link_hospital(
    store: &Store,
    staff: &minsheng_core::access::Staff,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    let hospital = format!("H{}", staff.area.as_str().get(..6).unwrap_or_default());
    if store.medical().hospital_of(&staff.name).await?.is_none() {
        link(store, &staff.name, &hospital, actor, clock).await?;
    }
    Ok(())
}

/// The demo's claims: two stays of `insured` at the district's tier-3 hospital last year,
/// posted by the hospital's system — an inpatient stay in March that bears the deductible, and
/// one in April that does not. Someone insured elsewhere (or not last year) cannot claim here:
/// the first resident of the hospital's district covered that year stands in.
pub async fn story(
    store: &Store,
    policy: &Policy,
    insured: &IdNumber,
    staff: &[minsheng_core::access::Staff],
    actor: &str,
    clock: Clock,
) -> Result<()> {
    let medical = store.medical();
    let mut his = None;
    for s in staff {
        if let Some(h) = medical.hospital_of(&s.name).await? {
            his = Some((s.name.clone(), h));
        }
    }
    let Some((his, hospital)) = his else {
        return Ok(());
    };
    let last = minsheng_medical::enrolment::year_of(clock.now) - 1;
    let covered_then = match medical.insured(insured).await? {
        Some(i) => medical.cover(i.person_id, last).await?.is_some(),
        None => false,
    };
    let insured = if covered_then {
        insured.clone()
    } else {
        let district = hospital.get(1..7).unwrap_or_default();
        let Some((_, id, _, _)) = medical
            .covered_persons(last)
            .await?
            .into_iter()
            .find(|(_, _, area, _)| area.as_str().starts_with(district))
        else {
            return Ok(());
        };
        id
    };
    let insured = &insured;
    let mut settled = Vec::new();
    for (number, date, amounts) in [
        (
            "DEMO-0310",
            format!("{last}-03-10"),
            [
                ("CW001", "1200"),
                ("SS101", "6800"),
                ("XY101", "1500"),
                ("ZF001", "500"),
            ],
        ),
        (
            "DEMO-0402",
            format!("{last}-04-02"),
            [
                ("CW001", "900"),
                ("JC101", "600"),
                ("XY003", "2300"),
                ("XY201", "1200"),
            ],
        ),
    ] {
        let lines: Vec<serde_json::Value> = amounts
            .iter()
            .map(|(item, amount)| serde_json::json!({"item": item, "amount": amount}))
            .collect();
        let total = amounts
            .iter()
            .map(|(_, a)| minsheng_core::Fen::parse_yuan(a).map(|f| f.0).unwrap_or(0))
            .sum::<i64>();
        let json = serde_json::json!({
            "claim_number": number, "id_number": insured.as_str(), "date": date,
            "visit": "inpatient", "total": minsheng_core::Fen(total).to_string(), "lines": lines,
        });
        let claim = Claim::from_json(&json).map_err(|e| anyhow::anyhow!("demo claim: {e:?}"))?;
        let posted = settle(store, policy, &hospital, &claim, &his, clock.now).await?;
        settled.push(posted.record().clone());
    }
    println!(
        "\nMedical insurance: {his} settled two stays of {} at {hospital} in {last}:",
        insured.masked()
    );
    for c in &settled {
        println!(
            "  {} {}: total {}, deductible {}, fund {}, supplement {}, assistance {}, account {}, cash {}",
            c.number,
            c.day,
            c.settlement.total,
            c.settlement.deductible_applied,
            c.settlement.fund,
            c.settlement.supplement,
            c.settlement.aid,
            c.settlement.account,
            c.settlement.person
        );
    }
    demo_tekun_stay(store, policy, (&his, &hospital), clock).await?;
    // The rest of the city's April (posted by the operator for every hospital), so that a
    // what-if has a month to work on.
    let april = minsheng_core::Month::new(last, 4).ok_or_else(|| anyhow::anyhow!("{last}-04"))?;
    let month =
        minsheng_medical::synthetic::post_month(store, policy, 7, april, actor, clock.now).await?;
    println!(
        "  and the city's other claims of {april}: {} settled, {} from the funds",
        month.claims, month.fund
    );
    // This year's lapses, each reminded once through the notifications outbox.
    let this_year = last + 1;
    let lapses = minsheng_medical::enrolment::lapses_of(store, this_year).await?;
    let reminded =
        minsheng_medical::enrolment::remind_lapses(store, policy, this_year, actor, clock.now)
            .await?;
    println!(
        "  {} residents insured in {last} have not paid for {this_year}: {reminded} reminders queued (minsheng medical lapses)",
        lapses.len()
    );
    println!("  minsheng medical explain --hospital {hospital} --claim DEMO-0402   # line by line");
    println!(
        "  minsheng medical what-if --month {april} --change medical.ratio.general_outpatient.resident=0.70   # by district"
    );
    println!(
        "  /medical/claims/{hospital}/DEMO-0402 on the web (POST /api/v1/medical/claims as {his})"
    );
    Ok(())
}

/// The demo's 特困 patient: a stay this month settled in one step — the pooling fund, serious-
/// illness insurance and medical assistance (一站式结算) — for the first 特困 resident covered
/// this year, if the demo city has one.
async fn demo_tekun_stay(
    store: &Store,
    policy: &Policy,
    (his, hospital): (&str, &str),
    clock: Clock,
) -> Result<()> {
    let medical = store.medical();
    let month = minsheng_core::Month::containing(clock.today);
    let year = chrono::Datelike::year(&clock.today);
    let mut patient = None;
    for (person_id, id, aid) in minsheng_medical::aid::enrolled_in(store, month).await? {
        if aid == minsheng_medical::Aid::Tekun && medical.cover(person_id, year).await?.is_some() {
            patient = Some(id);
            break;
        }
    }
    let Some(patient) = patient else {
        return Ok(());
    };
    let number = format!("DEMO-TK{}", clock.today.format("%Y%m%d"));
    let claim = Claim::from_json(&serde_json::json!({
        "claim_number": number, "id_number": patient.as_str(),
        "date": clock.today.to_string(), "visit": "inpatient", "total": "12000.00",
        "lines": [
            {"item": "CW001", "amount": "1500"}, {"item": "SS101", "amount": "7000"},
            {"item": "XY101", "amount": "3000"}, {"item": "ZF001", "amount": "500"}
        ],
    }))
    .map_err(|e| anyhow::anyhow!("demo claim: {e:?}"))?;
    let c = settle(store, policy, hospital, &claim, his, clock.now).await?;
    let s = &c.record().settlement;
    println!(
        "  and a stay of 特困 resident {} on {}, settled in one step: total {}, fund {}, supplement or serious-illness insurance {}, medical assistance {}, cash {}",
        patient.masked(),
        clock.today,
        s.total,
        s.fund,
        s.supplement,
        s.aid,
        s.person
    );
    println!(
        "  minsheng medical explain --hospital {hospital} --claim {number}   # the three layers"
    );
    Ok(())
}
