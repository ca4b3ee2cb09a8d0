//! An ability assessment as the assessors hand it in, and the procedure's checks on it.

use chrono::NaiveDate;
use minsheng_core::FieldError;
use minsheng_policy::scale::Answers;

/// A filled-in assessment of one older person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentForm {
    pub id_number: String,
    /// The day the assessors saw the person; the level holds from it.
    pub assessed_on: NaiveDate,
    pub answers: Answers,
    /// Who assessed on site …
    pub assessor: String,
    /// … and the second assessor, who reviewed and confirms.
    pub reviewer: String,
    /// Why the person is assessed again so soon after the last time; may be empty otherwise.
    pub reason: String,
}

/// The procedure's checks that need no database: two different assessors, a day that is not
/// in the future, and a reason when the last assessment is fewer than `reason_within_days`
/// days before this one.
pub fn check(
    form: &AssessmentForm,
    last: Option<NaiveDate>,
    reason_within_days: i64,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let (assessor, reviewer) = (form.assessor.trim(), form.reviewer.trim());
    if assessor.is_empty() {
        errors.push(FieldError::new(
            "assessor",
            "名字不能为空 (name the assessor)",
        ));
    }
    if reviewer.is_empty() {
        errors.push(FieldError::new(
            "reviewer",
            "名字不能为空 (name the reviewer)",
        ));
    } else if reviewer == assessor {
        errors.push(FieldError::new(
            "reviewer",
            format!("{reviewer} assessed; the review is by the second assessor (评估员与复核员不能为同一人)"),
        ));
    }
    if form.assessed_on > today {
        errors.push(FieldError::new(
            "assessed_on",
            format!("{} 是将来的日期", form.assessed_on),
        ));
    }
    if let Some(last) = last {
        if form.assessed_on < last {
            errors.push(FieldError::new(
                "assessed_on",
                format!("{} 早于上次评估（{last}）", form.assessed_on),
            ));
        } else if (form.assessed_on - last).num_days() < reason_within_days
            && form.reason.trim().is_empty()
        {
            errors.push(FieldError::new(
                "reason",
                format!(
                    "the last assessment was on {last}, fewer than {reason_within_days} days before: say why the person is assessed again (如病情变化)"
                ),
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn form(on: &str, reason: &str) -> AssessmentForm {
        AssessmentForm {
            id_number: "x".into(),
            assessed_on: day(on),
            answers: Answers::default(),
            assessor: "甲".into(),
            reviewer: "乙".into(),
            reason: reason.into(),
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_reassessment_within_thirty_days_needs_a_reason_and_at_thirty_does_not() {
        let today = day("2026-06-30");
        let last = Some(day("2026-06-01"));
        assert_eq!(
            fields(check(&form("2026-06-30", ""), last, 30, today)),
            ["reason"]
        );
        assert!(check(&form("2026-06-30", "跌倒后行走能力下降"), last, 30, today).is_empty());
        let later = Some(day("2026-05-31"));
        assert!(check(&form("2026-06-30", ""), later, 30, today).is_empty());
        assert!(check(&form("2026-06-30", ""), None, 30, today).is_empty());
        assert_eq!(
            fields(check(&form("2026-05-01", "x"), last, 30, today)),
            ["assessed_on"]
        );
    }

    #[test]
    fn the_reviewer_is_not_the_assessor_and_the_day_is_not_ahead() {
        let mut f = form("2026-07-01", "");
        f.reviewer = " 甲 ".into();
        assert_eq!(
            fields(check(&f, None, 30, day("2026-06-30"))),
            ["reviewer", "assessed_on"]
        );
    }
}
