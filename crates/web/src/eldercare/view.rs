//! What the pages and the API show of elderly care: serialisable views, ID numbers masked unless
//! revealed.

use minsheng_core::Fen;
use serde::Serialize;
use utoipa::ToSchema;

/// An older resident on a service provider's roster, with what the rules grant them for
/// services: nothing of income, assets or cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterPersonView {
    pub name: String,
    /// Masked: a provider never sees a full ID number.
    pub id_number: String,
    pub sex: String,
    pub age: i32,
    pub area: String,
    /// No other member of the household lives with them (探访关爱 looks for these).
    pub lives_alone: bool,
    /// Meal-aid subsidy per meal eaten at a canteen (0 when not eligible).
    #[schema(value_type = i64)]
    pub canteen_meal_fen: Fen,
    /// Meal-aid subsidy per meal delivered.
    #[schema(value_type = i64)]
    pub delivered_meal_fen: Fen,
    /// The rural elder-care consumption subsidy's monthly ceiling.
    #[schema(value_type = i64)]
    pub rural_consumption_fen: Fen,
}

impl RosterPersonView {
    pub fn canteen_meal(&self) -> String {
        self.canteen_meal_fen.grouped()
    }
    pub fn delivered_meal(&self) -> String {
        self.delivered_meal_fen.grouped()
    }
    pub fn rural_consumption(&self) -> String {
        self.rural_consumption_fen.grouped()
    }
}

/// A page of a service provider's roster for a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterPage {
    pub area: String,
    pub month: String,
    /// The youngest age on the roster (the meal-aid age in force).
    pub from_age: u32,
    pub items: Vec<RosterPersonView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// An older person being assessed: who, in words that do not reveal the ID number.
#[derive(Debug, Clone, Serialize)]
pub struct AssessedPersonView {
    pub household: String,
    /// The member's position in the household file, which the form sends back instead of an
    /// ID number (nothing personal in an address), among the members on `on`.
    pub member: usize,
    pub on: String,
    pub name: String,
    pub id_number: String,
    pub age: i64,
}

/// One item of the assessment form, its options best first.
#[derive(Debug, Clone, Serialize)]
pub struct FormItemView {
    pub code: String,
    pub label: String,
    pub options: Vec<(u8, String)>,
    /// The score chosen, when the form comes back with an error.
    pub chosen: Option<u8>,
}

impl FormItemView {
    pub fn is_chosen(&self, score: &u8) -> bool {
        self.chosen == Some(*score)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FormDomainView {
    pub label: String,
    pub items: Vec<FormItemView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormConditionView {
    pub code: String,
    pub label: String,
    pub is_count: bool,
    pub value: u32,
}

/// The assessor's form (老年人能力评估表), as the catalog's scale declares it.
#[derive(Debug, Clone, Serialize)]
pub struct AssessFormView {
    pub person: AssessedPersonView,
    pub scale_label: String,
    pub reference: String,
    pub domains: Vec<FormDomainView>,
    pub conditions: Vec<FormConditionView>,
    pub assessor: String,
    pub today: String,
    pub reviewer: String,
    pub reason: String,
}

/// A recorded assessment as its report prints: every item's score, the domains, the total, the
/// level and why, and lines to sign.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentReportView {
    pub id: i64,
    pub person: AssessedPersonView,
    pub scale_label: String,
    pub reference: String,
    pub assessed_on: String,
    pub domains: Vec<ReportDomainView>,
    pub total: i64,
    pub level: String,
    pub explanation: Vec<String>,
    pub assessor: String,
    pub reviewer: String,
    pub reason: String,
    /// The rules that scored it are not today's: the explanation is today's reading.
    pub rules_changed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportDomainView {
    pub label: String,
    pub score: u16,
    pub max: u16,
    /// Item, score, highest score, the option's words.
    pub items: Vec<(String, u8, u8, String)>,
}
