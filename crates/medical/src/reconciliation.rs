//! A hospital's daily reconciliation file (对账单): every claim dated that day, settled or
//! reversed, with each payer's amount, and a last line totalling those that stand — what the
//! hospital's books and the fund's must agree on (no IO).

use chrono::NaiveDate;
use minsheng_core::Fen;

use crate::storage::ClaimRecord;

pub const HEADER: [&str; 14] = [
    "hospital",
    "claim_number",
    "id_number",
    "date",
    "visit",
    "total",
    "fund",
    "supplement",
    "assistance",
    "account",
    "person",
    "status",
    "settled_at",
    "reversed_at",
];

/// The file's text (UTF-8 CSV; amounts in yuan with two decimals; ID numbers masked).
pub fn csv(hospital: &str, day: NaiveDate, claims: &[ClaimRecord]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(HEADER);
    let mut sums = [0_i64; 6];
    for c in claims {
        let s = &c.settlement;
        let amounts = [s.total, s.fund, s.supplement, s.aid, s.account, s.person];
        if c.reversed_at.is_none() {
            for (sum, a) in sums.iter_mut().zip(amounts) {
                *sum = sum.saturating_add(a.0);
            }
        }
        let mut row = vec![
            c.hospital.clone(),
            c.number.clone(),
            c.id_number.masked(),
            c.day.to_string(),
            c.visit.as_str().to_string(),
        ];
        row.extend(amounts.iter().map(|a| a.to_string()));
        row.push(
            if c.reversed_at.is_some() {
                "reversed"
            } else {
                "settled"
            }
            .into(),
        );
        row.push(c.settled_at.to_rfc3339());
        row.push(c.reversed_at.map(|t| t.to_rfc3339()).unwrap_or_default());
        let _ = w.write_record(&row);
    }
    let mut total = vec![
        hospital.to_string(),
        "TOTAL".into(),
        String::new(),
        day.to_string(),
        String::new(),
    ];
    total.extend(sums.iter().map(|s| Fen(*s).to_string()));
    total.extend([String::new(), String::new(), String::new()]);
    let _ = w.write_record(&total);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
