//! Inspection checklists (`checklists/<code>.yaml`): what an inspection of a kind of place
//! checks — each item with its legal basis, method and frequency, the list a 双随机 draw's
//! inspectors carry and its results are recorded against.

use serde::Deserialize;

use crate::{Diagnostics, Location};

/// The care institutions' checklist's code (`checklists/care_institutions.yaml`).
pub const CARE_INSTITUTIONS: &str = "care_institutions";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    #[serde(skip)]
    pub code: String,
    pub label: String,
    pub reference: String,
    pub items: Vec<CheckItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckItem {
    pub code: String,
    pub label: String,
    /// The law or standard the item checks against.
    pub basis: String,
    /// 现场检查, 书面检查 …
    pub method: String,
    pub frequency: String,
}

impl Checklist {
    pub fn item(&self, code: &str) -> Option<&CheckItem> {
        self.items.iter().find(|i| i.code == code)
    }
}

/// Reads `checklists/<code>.yaml`; every problem goes to `diagnostics`.
pub(crate) fn read(
    file: &str,
    code: &str,
    text: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Checklist> {
    let mut list: Checklist = crate::typed_yaml(file, text, diagnostics)?;
    let at = Location::unknown(file);
    let before = diagnostics.0.len();
    let mut seen = std::collections::HashSet::new();
    for item in &list.items {
        if !crate::is_code(&item.code) || !seen.insert(item.code.clone()) {
            diagnostics.push(
                at.clone(),
                format!(
                    "item '{}': a code is unique, lower-case letters, digits and '_'",
                    item.code
                ),
            );
        }
        for (field, words) in [
            ("label", &item.label),
            ("basis", &item.basis),
            ("method", &item.method),
            ("frequency", &item.frequency),
        ] {
            if words.trim().is_empty() {
                diagnostics.push(
                    at.clone(),
                    format!("item '{}': '{field}' is empty", item.code),
                );
            }
        }
    }
    if list.items.is_empty() {
        diagnostics.push(at, "a checklist has at least one item");
    }
    list.code = code.to_string();
    (diagnostics.0.len() == before).then_some(list)
}
