//! `minsheng eldercare …`: older persons' ability assessments (GB/T 42195-2022) at the command
//! line — the blank form, an assessment handed in, a person's assessments.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use minsheng_app::Clock;
use minsheng_core::access::Scope;
use minsheng_core::IdNumber;
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
        EldercareCommand::Due { by, area } => {
            let scope = match area {
                Some(code) => Scope::Area(
                    minsheng_core::AreaCode::parse(&code)
                        .map_err(|e| anyhow::anyhow!("area: {e}"))?,
                ),
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
