//! A settlement as a FHIR R4 ExplanationOfBenefit (hl7.org/fhir/R4/explanationofbenefit.html):
//! the claim's lines as items with what was submitted and what was eligible, the totals by
//! adjudication category, what each payer pays, and the explanation as process notes. Amounts
//! are written as exact decimals (FHIR's `decimal` is JSON number text), never through a float.

use minsheng_core::Fen;
use minsheng_medical::{ClaimRecord, Visit};
use serde::Serialize;
use serde_json::value::RawValue;

const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
/// The payers of a Chinese settlement have no HL7 code: this system's own.
const PAYER: &str = "urn:minsheng:medical:payer";
const ITEM: &str = "urn:minsheng:medical:item";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplanationOfBenefit {
    resource_type: &'static str,
    id: String,
    status: &'static str,
    #[serde(rename = "type")]
    kind: Concept,
    #[serde(rename = "use")]
    purpose: &'static str,
    patient: Reference,
    billable_period: Period,
    created: String,
    insurer: Reference,
    provider: Reference,
    outcome: &'static str,
    insurance: Vec<Insurance>,
    item: Vec<Item>,
    total: Vec<Total>,
    payment: Payment,
    process_note: Vec<Note>,
}

#[derive(Serialize)]
struct Coding {
    system: &'static str,
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<String>,
}

#[derive(Serialize)]
struct Concept {
    coding: Vec<Coding>,
}

fn concept(system: &'static str, code: &str, display: Option<&str>) -> Concept {
    Concept {
        coding: vec![Coding {
            system,
            code: code.to_string(),
            display: display.map(String::from),
        }],
    }
}

#[derive(Serialize)]
struct Identifier {
    system: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Reference {
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<Identifier>,
    display: String,
}

#[derive(Serialize)]
struct Period {
    start: String,
    end: String,
}

#[derive(Serialize)]
struct Insurance {
    focal: bool,
    coverage: Reference,
}

#[derive(Serialize)]
struct Money {
    value: Box<RawValue>,
    currency: &'static str,
}

fn money(fen: Fen) -> Money {
    let sign = if fen.0 < 0 { "-" } else { "" };
    let abs = fen.0.unsigned_abs();
    let text = format!("{sign}{}.{:02}", abs / 100, abs % 100);
    Money {
        // The text is a JSON number by construction.
        value: RawValue::from_string(text).unwrap_or_else(|_| zero()),
        currency: "CNY",
    }
}

fn zero() -> Box<RawValue> {
    RawValue::from_string("0".to_string()).unwrap_or_default()
}

#[derive(Serialize)]
struct Adjudication {
    category: Concept,
    amount: Money,
}

fn adjudication(code: &str, display: &str, fen: Fen) -> Adjudication {
    Adjudication {
        category: concept(ADJUDICATION, code, Some(display)),
        amount: money(fen),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    sequence: usize,
    product_or_service: Concept,
    net: Money,
    adjudication: Vec<Adjudication>,
}

#[derive(Serialize)]
struct Total {
    category: Concept,
    amount: Money,
}

#[derive(Serialize)]
struct Payment {
    amount: Money,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Note {
    number: usize,
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
}

pub fn explanation_of_benefit(c: &ClaimRecord, trees: &[String]) -> ExplanationOfBenefit {
    let s = &c.settlement;
    // What the funds pay the hospital: insurance, its supplement and medical assistance.
    let benefit = Fen(s.fund.0 + s.supplement.0 + s.aid.0);
    let payer = |code: &str, display: &str, fen: Fen| Total {
        category: concept(PAYER, code, Some(display)),
        amount: money(fen),
    };
    let standard = |code: &str, display: &str, fen: Fen| Total {
        category: concept(ADJUDICATION, code, Some(display)),
        amount: money(fen),
    };
    let institutional = matches!(c.visit, Visit::Inpatient | Visit::Maternity);
    ExplanationOfBenefit {
        resource_type: "ExplanationOfBenefit",
        id: format!("{}-{}", c.hospital, c.number),
        status: if c.reversed_at.is_some() {
            "cancelled"
        } else {
            "active"
        },
        kind: concept(
            CLAIM_TYPE,
            if institutional {
                "institutional"
            } else {
                "professional"
            },
            Some(c.visit.label()),
        ),
        purpose: "claim",
        patient: Reference {
            identifier: Some(Identifier {
                system: "urn:minsheng:id-number:masked",
                value: c.id_number.masked(),
            }),
            display: c.id_number.masked(),
        },
        billable_period: Period {
            start: c.day.to_string(),
            end: c.day.to_string(),
        },
        created: c.settled_at.to_rfc3339(),
        insurer: Reference {
            identifier: None,
            display: "青岛市医疗保障局".into(),
        },
        provider: Reference {
            identifier: Some(Identifier {
                system: "urn:minsheng:medical:hospital",
                value: c.hospital.clone(),
            }),
            display: format!("{}（{}医院）", c.hospital, c.level.label()),
        },
        outcome: "complete",
        insurance: vec![Insurance {
            focal: true,
            coverage: Reference {
                identifier: None,
                display: format!("{}（{}）", c.cover.scheme.label(), c.cover.tier.label()),
            },
        }],
        item: s
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| Item {
                sequence: i + 1,
                product_or_service: concept(ITEM, &l.item, Some(l.class.label())),
                net: money(l.amount),
                adjudication: vec![
                    adjudication("submitted", "医疗费用", l.amount),
                    adjudication("eligible", "政策范围内", l.in_policy),
                ],
            })
            .collect(),
        total: vec![
            standard("submitted", "医疗费用总额", s.total),
            standard("eligible", "政策范围内费用", s.in_policy),
            standard("deductible", "起付线", s.deductible_applied),
            standard(
                "benefit",
                "统筹基金、大额补助或大病保险、医疗救助支付",
                benefit,
            ),
            payer("fund", "统筹基金支付", s.fund),
            payer("supplement", "大额医疗补助或大病保险支付", s.supplement),
            payer("assistance", "医疗救助支付", s.aid),
            payer("account", "个人账户支付", s.account),
            payer("person", "个人现金支付", s.person),
        ],
        payment: Payment {
            amount: money(benefit),
        },
        process_note: trees
            .iter()
            .enumerate()
            .map(|(i, t)| Note {
                number: i + 1,
                kind: "display",
                text: t.clone(),
            })
            .collect(),
    }
}
