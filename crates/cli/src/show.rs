//! How the registry is shown in a terminal: Chinese labels, masked ID numbers.

use std::fmt::Write as _;

use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc};
use minsheng_app::Clock;
use minsheng_core::access::Scope;
use minsheng_core::registry::describe::{
    age, disability, expense_label, illnesses, self_care, what_changed,
};
use minsheng_core::registry::{HouseholdFile, Parent, PersonFacts};
use minsheng_core::timeline::Recorded;
use minsheng_core::IdNumber;
use minsheng_store::Store;

pub(crate) use minsheng_app::china_time as china;

fn id(id: &IdNumber, reveal: bool) -> String {
    if reveal {
        id.as_str().to_string()
    } else {
        id.masked()
    }
}

fn period(r: &Recorded<PersonFacts>) -> String {
    format!(
        "{} → {}",
        r.version.valid_from,
        r.version
            .valid_to
            .map_or_else(|| "至今".into(), |d| d.to_string())
    )
}

/// Renders a household for a day, as known at an instant, with its full history.
/// Reading a full record is audited; so is revealing ID numbers.
pub async fn household(
    store: &Store,
    key: &str,
    on: NaiveDate,
    known_at: DateTime<Utc>,
    reveal_within: Option<&Scope>,
    actor: &str,
    clock: Clock,
) -> Result<String> {
    // ID numbers are revealed only within the revealing account's scope; the masked file is
    // the operator's, who holds the database.
    let reveal = reveal_within.is_some();
    let file = store
        .household_file_within(key, reveal_within.unwrap_or(&Scope::Everything))
        .await?;
    store
        .audit(
            actor,
            if reveal {
                "reveal_household"
            } else {
                "read_household"
            },
            &file.code,
            &format!("on={on}"),
            clock.now,
        )
        .await?;
    render(store, &file, on, known_at, reveal).await
}

async fn render(
    store: &Store,
    file: &HouseholdFile,
    on: NaiveDate,
    known_at: DateTime<Utc>,
    reveal: bool,
) -> Result<String> {
    let path = store.area_path(&file.area).await?;

    let mut out = String::new();
    let _ = writeln!(out, "户 {}   {} ({})", file.code, path, file.area);
    let _ = writeln!(out, "情况日期 {on}，按 {} 时的记录", china(known_at));
    let members = file.as_of(on, known_at);
    let _ = writeln!(out, "\n成员 {} 人:", members.len());
    for (person, f) in &members {
        let dead = f
            .death_date
            .filter(|d| *d <= on)
            .map(|d| format!("  (已故 {d})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<6} {} {} {} {}岁  {}  {}户籍  {}  {}{}{}",
            f.relation.label_zh(),
            person.name,
            person.sex().label_zh(),
            person.birth_date(),
            age(person.birth_date(), on),
            id(&person.id_number, reveal),
            f.hukou.label_zh(),
            f.work_ability.label_zh(),
            f.employment.label_zh(),
            if f.lives_together {
                ""
            } else {
                "  (不共同生活)"
            },
            dead,
        );
        let incomes: Vec<String> = f
            .income
            .iter()
            .filter(|(_, a)| a.0 != 0)
            .map(|(k, a)| format!("{} {}", k.label_zh(), a.grouped()))
            .collect();
        let _ = writeln!(
            out,
            "         月收入: {}   存款 {}  车辆 {}  住房 {}   残疾: {}   疾病: {}",
            if incomes.is_empty() {
                "无".to_string()
            } else {
                incomes.join("，")
            },
            f.assets.deposits.grouped(),
            f.assets.vehicles,
            f.assets.homes,
            disability(f),
            illnesses(f),
        );
        let mut care = Vec::new();
        if !f.self_care_lost.is_empty() {
            care.push(format!("生活自理能力丧失 {}", self_care(f)));
        }
        if f.father != Parent::ABLE || f.mother != Parent::ABLE {
            care.push(format!(
                "父亲 {}，母亲 {}",
                f.father.label_zh(),
                f.mother.label_zh()
            ));
        }
        if f.institutional_care {
            care.push("集中供养".into());
        }
        let spent: Vec<String> = f
            .expenses
            .iter()
            .filter(|(_, a)| a.0 != 0)
            .map(|(k, a)| format!("{} {}", expense_label(k), a.grouped()))
            .collect();
        care.extend(spent);
        if !care.is_empty() {
            let _ = writeln!(out, "         {}", care.join("   "));
        }
    }

    let _ = writeln!(out, "\n历史 (有效期 · 记录时间 · 记录人):");
    for m in &file.members {
        let _ = writeln!(
            out,
            "  {} {}",
            m.person.name,
            id(&m.person.id_number, reveal)
        );
        for (r, c) in m.versions.iter().zip(what_changed(&m.versions)) {
            let status = match r.superseded_at {
                Some(t) => format!("  [于 {} 被更正]", china(t)),
                None => String::new(),
            };
            let what = if c.is_empty() {
                "未变".to_string()
            } else {
                c.join("；")
            };
            let _ = writeln!(
                out,
                "    {:<25} {}  {}  {}{}",
                period(r),
                china(r.recorded_at),
                r.recorded_by,
                what,
                status
            );
        }
    }
    Ok(out)
}

pub async fn summary(store: &Store) -> Result<()> {
    let c = store.counts().await?;
    println!(
        "Registry: {} persons, {} households, {} areas, {} fact versions ({} backend).",
        c.persons,
        c.households,
        c.areas,
        c.versions,
        match store.backend() {
            minsheng_store::Backend::Sqlite => "SQLite",
            minsheng_store::Backend::Postgres => "PostgreSQL",
        }
    );
    Ok(())
}
