//! `minsheng medical care …`: long-term care insurance (长期护理保险) at the command line —
//! designated care providers, qualifications, a provider's month claimed from a CSV file,
//! explained, approved and paid. Officers' and providers' commands act as their accounts.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use minsheng_app::Clock;
use minsheng_core::{AreaCode, IdNumber, Month};
use minsheng_medical::care::{self, CareMonth, CareStore as _, Form, Provider, Qualify};
use minsheng_medical::MedicalStore as _;
use minsheng_policy::Policy;
use minsheng_store::Store;

use crate::signin;

#[derive(Subcommand)]
pub enum CareCommand {
    /// Register a designated care provider (定点护理机构): district or city staff.
    Provider {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The street or community it stands in.
        #[arg(long)]
        area: String,
        /// The forms of care it is designated for: institutional (机构护理), home (居家上门护理),
        /// family (家庭成员照护), comma-separated.
        #[arg(long)]
        forms: String,
        /// Where the fund pays it.
        #[arg(long)]
        bank_account: String,
    },
    /// The designated care providers.
    Providers,
    /// Let a service provider's account claim a care provider's months: district or city staff.
    Link {
        #[arg(long)]
        staff: String,
        #[arg(long)]
        provider: String,
    },
    /// Qualify an insured person for long-term care (长护待遇资格) with a provider and a form,
    /// on a disability assessment (失能等级 0–5; 3 and above is 重度失能): district or city staff.
    Qualify {
        id_number: String,
        #[arg(long)]
        provider: String,
        #[arg(long)]
        form: String,
        #[arg(long)]
        grade: u8,
        /// The assessing institution.
        #[arg(long)]
        assessed_by: String,
        #[arg(long)]
        assessed_on: chrono::NaiveDate,
        /// Default today.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
    },
    /// End a qualification on a day (death, moving away, recovery): district or city staff.
    End {
        qualification: i64,
        #[arg(long)]
        on: chrono::NaiveDate,
        #[arg(long)]
        reason: String,
    },
    /// Whom a provider cares for in a month (ID numbers masked): its qualifications holding on
    /// a day of it.
    Beneficiaries {
        #[arg(long)]
        provider: String,
        #[arg(long)]
        month: Month,
    },
    /// A resident's qualifications for long-term care.
    Person { id_number: String },
    /// Claim a provider's month of care (a month that has ended), as the provider's account:
    /// a CSV file with the header id_number,from,to, one line a stretch of days (a person
    /// whose form of care changed in the month has one line each side of the change).
    Claim {
        #[arg(long)]
        month: Month,
        file: PathBuf,
    },
    /// A provider's month: each person's care, with --why every rule, parameter value, date
    /// and reference.
    Month {
        #[arg(long)]
        provider: String,
        #[arg(long)]
        month: Month,
        #[arg(long)]
        why: bool,
    },
    /// Approve a claimed month (the fund's share becomes the provider's due): district or
    /// city staff.
    Approve { id: i64 },
    /// The synthetic city's long-term care for a month that has ended: a provider in each
    /// district, the residents the registry finds 重度 or 完全失能 qualified, each provider's
    /// month claimed; the figures beside the published ones. Again for the month: nothing new.
    Synthetic {
        #[arg(long)]
        month: Month,
    },
    /// Pay the month's approved dues to providers as the next batch of the providers' bank
    /// file (with every other provider's dues of the month): district or city staff.
    Pay {
        #[arg(long)]
        month: Month,
        #[arg(long, default_value = "minsheng-data/bank")]
        bank_dir: PathBuf,
    },
}

fn forms(text: &str) -> Result<Vec<Form>> {
    text.split(',')
        .filter(|f| !f.trim().is_empty())
        .map(|f| Form::parse("forms", f).map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.reason)))
        .collect()
}

fn id(text: &str) -> Result<IdNumber> {
    IdNumber::parse(text).map_err(|e| anyhow::anyhow!("id_number: {e}"))
}

/// The stretches of a month's CSV file, as text for the use case to check.
fn read_rows(path: &Path) -> Result<Vec<(String, String, String)>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    if header != ["id_number", "from", "to"] {
        bail!(
            "{}: the header is id_number,from,to (found {})",
            path.display(),
            header.join(",")
        );
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{} line {}", path.display(), i + 2))?;
        let cell = |n: usize| record.get(n).unwrap_or_default().to_string();
        rows.push((cell(0), cell(1), cell(2)));
    }
    Ok(rows)
}

/// A month as text: the provider's totals, then each person's care (ID numbers masked).
pub fn show(m: &CareMonth) -> String {
    let mut out = format!(
        "长护申报 {}：{} {}，{} 人，护理费用 {} 元，基金支付 {} 元，个人负担 {} 元；{} 申报于 {}\n",
        m.id,
        m.provider,
        m.month,
        m.cares.len(),
        m.total,
        m.fund,
        m.person,
        m.claimed_by,
        m.claimed_at.format("%Y-%m-%d %H:%M")
    );
    match &m.approved {
        Some((at, by)) => out.push_str(&format!(
            "  已由 {by} 于 {} 审核\n",
            at.format("%Y-%m-%d %H:%M")
        )),
        None => out.push_str("  待审核\n"),
    }
    for c in &m.cares {
        out.push_str(&format!(
            "  {} {} 失能等级 {}：费用 {}，基金 {}，个人 {}\n",
            c.id_number.masked(),
            c.scheme.label(),
            care::domain::grade_label(c.grade),
            c.cost,
            c.fund,
            c.person
        ));
        for s in &c.stretches {
            out.push_str(&format!(
                "    {} 至 {} {} {} 天 {} 元\n",
                s.from,
                s.to,
                s.form.label(),
                s.days,
                s.cost
            ));
        }
    }
    out
}

pub async fn run(
    store: &Store,
    policy: &Policy,
    command: CareCommand,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    match command {
        CareCommand::Provider {
            code,
            name,
            area,
            forms: list,
            bank_account,
        } => {
            let who = signin::staff(store, actor, "registering a care provider", clock).await?;
            let p = Provider {
                code: code.trim().to_string(),
                name: name.trim().to_string(),
                area: AreaCode::parse(&area).map_err(|e| anyhow::anyhow!("area: {e}"))?,
                forms: forms(&list)?,
                bank_account: bank_account.trim().to_string(),
                registered_on: clock.today,
            };
            care::register(store, &who.account, &p, clock).await?;
            println!("定点护理机构 {} {} 已登记。", p.code, p.name);
        }
        CareCommand::Providers => {
            for p in store.care().providers().await? {
                println!(
                    "{} {} {} {} 登记于 {}",
                    p.code,
                    p.name,
                    p.area,
                    p.forms
                        .iter()
                        .map(|f| f.label())
                        .collect::<Vec<_>>()
                        .join("、"),
                    p.registered_on
                );
            }
        }
        CareCommand::Link { staff, provider } => {
            let who = signin::staff(store, actor, "linking a provider's account", clock).await?;
            care::link(store, &who.account, &staff, &provider, clock).await?;
            println!("{staff} 可为 {provider} 申报长护费用。");
        }
        CareCommand::Qualify {
            id_number,
            provider,
            form,
            grade,
            assessed_by,
            assessed_on,
            from,
        } => {
            let who = signin::staff(store, actor, "a long-term care qualification", clock).await?;
            let q = Qualify {
                id_number: id(&id_number)?,
                provider,
                form: Form::parse("form", &form)
                    .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.reason))?,
                grade,
                assessed_by,
                assessed_on,
                from: from.unwrap_or(clock.today),
            };
            let policy_id = care::qualify(store, policy, &who.account, &q, clock).await?;
            println!(
                "长护待遇资格 {policy_id}：{} 在 {} 接受{}，自 {} 起（{}）。",
                q.id_number.masked(),
                q.provider,
                q.form.label(),
                q.from,
                care::domain::grade_label(q.grade)
            );
        }
        CareCommand::End {
            qualification,
            on,
            reason,
        } => {
            let who = signin::staff(store, actor, "ending a qualification", clock).await?;
            care::end(store, &who.account, qualification, on, &reason, clock).await?;
            println!("长护待遇资格 {qualification} 止于 {on}。");
        }
        CareCommand::Beneficiaries { provider, month } => {
            let list = store.care().cared_for(&provider, month).await?;
            println!("{provider} {month}：{} 人", list.len());
            for (q, id_number, died) in list {
                println!(
                    "  {} 资格 {}：{} {}，{} 至 {}{}",
                    id_number.masked(),
                    q.id,
                    q.form.label(),
                    care::domain::grade_label(q.grade),
                    q.from,
                    q.to.map_or("今".to_string(), |t| t.to_string()),
                    died.map_or(String::new(), |d| format!("（{d} 死亡）"))
                );
            }
        }
        CareCommand::Person { id_number } => {
            let id_number = id(&id_number)?;
            let Some(insured) = store.medical().insured(&id_number).await? else {
                bail!("没有在册居民 {}", id_number.masked());
            };
            let list = store.care().qualifications(insured.person_id).await?;
            if list.is_empty() {
                println!("{} 没有长护待遇资格。", id_number.masked());
            }
            for q in list {
                println!(
                    "资格 {}：{} {}，{} 至 {}；{} 于 {} 评估为{}{}",
                    q.id,
                    q.provider,
                    q.form.label(),
                    q.from,
                    q.to.map_or("今".to_string(), |t| t.to_string()),
                    q.assessed_by,
                    q.assessed_on,
                    care::domain::grade_label(q.grade),
                    q.ability.map_or(String::new(), |a| format!(
                        "，老年人能力等级{}",
                        a.label_zh()
                    ))
                );
            }
        }
        CareCommand::Claim { month, file } => {
            let who = signin::account(store, actor, "claiming a month of care", clock).await?;
            let rows = read_rows(&file)?;
            let m = care::claim(store, policy, &who.account, month, &rows, clock).await?;
            print!("{}", show(&m));
        }
        CareCommand::Month {
            provider,
            month,
            why,
        } => {
            let Some(m) = store.care().month_of(&provider, month).await? else {
                bail!("{provider} 没有 {month} 的长护申报");
            };
            print!("{}", show(&m));
            if why {
                for c in &m.cares {
                    let (trees, same) = care::explain(policy, &m, c)?;
                    println!("\n{} 为什么：", c.id_number.masked());
                    if !same {
                        println!("（申报后规则已有改动；以下按现行规则重算）");
                    }
                    for tree in trees {
                        println!("{tree}");
                    }
                }
            }
        }
        CareCommand::Approve { id: month } => {
            let who = signin::staff(store, actor, "approving a month of care", clock).await?;
            let m = care::approve(store, &who.account, month, clock).await?;
            print!("{}", show(&m));
        }
        CareCommand::Synthetic { month } => {
            let started = std::time::Instant::now();
            let f = care::synthetic::file_month(store, policy, month, actor, clock).await?;
            println!(
                "Long-term care {}: {} providers, {} beneficiaries ({} qualified now) of {} residents, {} days of care, {} yuan, the fund {} yuan ({:.1} s)",
                f.month,
                f.providers,
                f.beneficiaries,
                f.qualified_now,
                f.residents,
                f.days,
                f.cost,
                f.fund,
                started.elapsed().as_secs_f64()
            );
            println!(
                "  published, scaled to these residents: {} beneficiaries, the fund {} yuan a month (5.86亿元 for 6.25万 people in nine months)",
                f.seed_beneficiaries, f.seed_fund
            );
        }
        CareCommand::Pay { month, bank_dir } => {
            let who = signin::staff(store, actor, "paying providers", clock).await?;
            match care::pay(store, &who.account, month, &bank_dir, clock).await? {
                None => println!("{month} 没有已审核待拨付的款项。"),
                Some(b) => println!(
                    "{month} 第 {} 批{}：{} 笔，共 {} 元，银行文件 {}",
                    b.batch,
                    if b.new_batch {
                        ""
                    } else {
                        "（已拨付，重写文件）"
                    },
                    b.payments.len(),
                    b.total,
                    b.file.display()
                ),
            }
        }
    }
    Ok(())
}

/// The demo's long-term care: the district's care provider registered by the district's
/// officer and its account linked; three insured residents of the district qualified at the
/// start of last month (one in the provider's home, one cared for at home by its staff, one
/// by the family), the provider's last month claimed, approved and paid — once: a demo
/// started again finds the month claimed.
pub async fn story(
    store: &Store,
    policy: &Policy,
    staff: &[minsheng_core::access::Staff],
    bank_dir: &Path,
    clock: Clock,
) -> Result<()> {
    use minsheng_core::access::{Account, Role};
    let (Some(provider), Some(officer)) = (
        staff.iter().find(|s| s.name == DEMO_PROVIDER),
        staff.iter().find(|s| s.role == Role::District),
    ) else {
        return Ok(());
    };
    let officer = Account::Staff(officer.clone());
    let Some(district) = provider.area.district() else {
        return Ok(());
    };
    let code = format!("LTC{}", district.as_str());
    let care = store.care();
    if care.provider(&code).await?.is_none() {
        let p = Provider {
            code: code.clone(),
            name: "颐养护理院".into(),
            area: district.clone(),
            forms: Form::ALL.to_vec(),
            bank_account: "6217000000000000001".into(),
            registered_on: clock.today,
        };
        care::register(store, &officer, &p, clock).await?;
        care::link(store, &officer, &provider.name, &code, clock).await?;
    }
    let last = Month::containing(clock.today).previous();
    if care.month_of(&code, last).await?.is_some() {
        return Ok(());
    }
    // The qualifications as filed on the first of last month (the demo's history).
    let start = last.first_day();
    let then = Clock::at(
        start
            .and_hms_opt(2, 0, 0)
            .map_or(clock.now, |t| t.and_utc()),
    );
    let year = chrono::Datelike::year(&start);
    let mut rows = Vec::new();
    let forms = [
        (Form::Institutional, last.last_day()),
        (Form::Home, last.last_day()),
        (Form::Family, start + chrono::Duration::days(19)),
    ];
    for (_, id_number, area, _) in store.medical().covered_persons(year).await? {
        let Some((form, to)) = forms.get(rows.len()) else {
            break;
        };
        if !area.is_within(&district) {
            continue;
        }
        let q = Qualify {
            id_number: id_number.clone(),
            provider: code.clone(),
            form: *form,
            grade: 4,
            assessed_by: "青岛市长期护理保险失能评估中心".into(),
            assessed_on: start - chrono::Duration::days(10),
            from: start,
        };
        // Someone the rules refuse (died, not covered then) is passed over.
        if care::qualify(store, policy, &officer, &q, then)
            .await
            .is_ok()
        {
            rows.push((
                id_number.as_str().to_string(),
                start.to_string(),
                to.to_string(),
            ));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let who = Account::Staff(provider.clone());
    let claimed = care::claim(store, policy, &who, last, &rows, clock).await?;
    care::approve(store, &officer, claimed.id, clock).await?;
    std::fs::create_dir_all(bank_dir)
        .with_context(|| format!("creating {}", bank_dir.display()))?;
    let paid = care::pay(store, &officer, last, bank_dir, clock).await?;
    println!(
        "\nLong-term care insurance: 颐养护理院 ({code}) cared for {} insured residents in {last}: care {} yuan, the fund {} yuan (paid{}), the residents {} yuan",
        claimed.cares.len(),
        claimed.total,
        claimed.fund,
        paid.map_or(String::new(), |b| format!(" in {}", b.file.display())),
        claimed.person
    );
    println!(
        "  minsheng medical care month --provider {code} --month {last} --why   # each person's month, rule by rule"
    );
    Ok(())
}

/// The demo's care provider's account.
pub const DEMO_PROVIDER: &str = "颐养护理院";
